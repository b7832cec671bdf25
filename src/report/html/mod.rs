//! `--format html`: one self-contained HTML page (inline CSS and SVG, no script, no external
//! reference) for one or many captures. Per attempt: the verdict, its confidence, the remedy,
//! what the capture cannot show, the evidence with frame numbers and Wireshark filters, and a
//! ladder diagram ([`ladder`] builds its events from the report, [`svg`] draws them). Every
//! text from the capture is escaped.

pub mod ladder;
pub mod svg;

use crate::detect::{Finding, Severity};
use crate::diagnose::Cause;
use crate::diagnose::attempts::Attempt;
use crate::report::json::FileReport;
use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:960px;color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em;word-break:break-all}
h3{font-size:1.05em;margin-bottom:.3em}
section.attempt{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:1em 0}
.verdict{font-weight:bold}.failed .verdict,.verdict.failure{color:#b03a2e}.verdict.healthy{color:#1e8449}
.sev{display:inline-block;min-width:4.5em;font-size:.8em;font-weight:bold;text-transform:uppercase}
.sev.error{color:#b03a2e}.sev.warning{color:#b9770e}.sev.info{color:#2471a3}
code.filter{user-select:all;background:#f4f4f4;border:1px solid #ddd;padding:0 .3em;font-size:.9em;word-break:break-all}
.cannot{color:#555}.meta{color:#666;font-size:.9em}
svg.ladder{display:block;margin:1em 0;background:#fcfcfc;border:1px solid #eee;max-width:100%;height:auto}
.error-box{color:#b03a2e}
"#;

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn frames(list: &[u64]) -> String {
    list.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn filter(f: &str) -> String {
    if f.is_empty() {
        String::new()
    } else {
        format!(
            r#" <code class="filter" title="Wireshark display filter (click to select)">{}</code>"#,
            escape(f)
        )
    }
}

fn is_healthy(cause: &str) -> bool {
    matches!(cause, "no_failure_observed" | "no_rdp_traffic")
}

fn cause_html(out: &mut String, c: &Cause) {
    let class = if is_healthy(&c.cause) {
        "healthy"
    } else {
        "failure"
    };
    let _ = write!(
        out,
        r#"<div class="cause" data-cause="{id}"><p class="verdict {class}">Verdict: <span class="cause-id">{id}</span> — {summary}</p><p class="confidence">Confidence: {pct:.0} % — {reason}</p><p class="remedy"><b>Remedy:</b> {remedy}</p>"#,
        id = escape(&c.cause),
        summary = escape(&c.summary),
        pct = c.confidence * 100.0,
        reason = escape(&c.confidence_reason),
        remedy = escape(&c.remedy),
    );
    if let Some(cannot) = &c.cannot_show {
        let _ = write!(
            out,
            r#"<p class="cannot"><b>What the capture cannot show:</b> {}</p>"#,
            escape(cannot)
        );
    }
    if !c.frames.is_empty() || !c.wireshark_filter.is_empty() {
        let _ = write!(
            out,
            r#"<p class="frames">{} {}{}</p>"#,
            if c.frames.is_empty() {
                "Wireshark filter"
            } else {
                "Frames"
            },
            frames(&c.frames),
            filter(&c.wireshark_filter)
        );
    }
    out.push_str("</div>");
}

fn findings_html(out: &mut String, findings: &[&Finding]) {
    if findings.is_empty() {
        return;
    }
    out.push_str(r#"<h4>Evidence</h4><ul class="evidence">"#);
    for f in findings {
        let _ = write!(
            out,
            r#"<li class="finding" data-finding="{id}"><span class="sev {sev}">{sev}</span> <b>{id}</b> (frames {frames}): {summary}{filter}"#,
            id = escape(f.id),
            sev = severity_word(f.severity),
            frames = frames(&f.frames),
            summary = escape(&f.summary),
            filter = filter(&f.wireshark_filter),
        );
        if let Some(m) = &f.meaning {
            let _ = write!(out, r#"<br><span class="meaning">{}</span>"#, escape(m));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

fn attempt_html(out: &mut String, r: &FileReport, a: &Attempt, file_index: usize) {
    let class = if a.failed {
        "attempt failed"
    } else {
        "attempt"
    };
    let stage = a
        .stage
        .map(|s| format!(", reached {}", s.words()))
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<section class="{class}" data-attempt="{id}" data-outcome="{outcome}"><h3>{id}: {client} → {server} — {outcome}{stage}</h3><p class="meta">Connections {conns}; frames {first}–{last}; {span:.3} s</p>"#,
        id = escape(&a.id),
        client = escape(&a.client.to_string()),
        server = escape(&a.server),
        outcome = escape(a.outcome),
        stage = escape(&stage),
        conns = escape(&a.connections.join(", ")),
        first = a.first_frame,
        last = a.last_frame,
        span = a.span_s,
    );
    let causes: Vec<&Cause> = r
        .diagnosis
        .causes
        .iter()
        .filter(|c| c.attempt.as_deref() == Some(a.id.as_str()))
        .collect();
    for c in &causes {
        cause_html(out, c);
    }
    if causes.is_empty() && !a.failed {
        let _ = write!(
            out,
            r#"<p class="verdict healthy">Verdict: no failure observed in this attempt ({})</p>"#,
            escape(a.outcome)
        );
    }
    let findings: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| {
            f.connection.is_some_and(|s| {
                let id = format!(
                    "{}/{s}",
                    match f.transport {
                        crate::flow::Protocol::Tcp => "tcp",
                        crate::flow::Protocol::Udp => "udp",
                    }
                );
                a.connections.contains(&id)
            })
        })
        .collect();
    findings_html(out, &findings);
    let lad = ladder::ladder(r, a);
    if !lad.events.is_empty() {
        out.push_str(r#"<h4>Ladder</h4><p class="meta">One arrow per message that matters, in frame order (time runs downwards, not to scale); the number on the left is the Wireshark frame; the arrow the verdict rests on is red; a dashed middle column is a device that forged packets (TTL evidence). Hover an arrow for its full text.</p>"#);
        out.push_str(&svg::render(
            &lad,
            &format!("f{file_index}-{}", a.id),
            &a.client.to_string(),
            &a.server,
        ));
    }
    out.push_str("</section>");
}

fn file_html(out: &mut String, r: &FileReport, index: usize) {
    let _ = write!(
        out,
        r#"<section class="file" data-file="{path}"><h2>{path}</h2><p class="meta">{packets} packets, {duration:.3} s, {attempts} attempt(s)</p>"#,
        path = escape(&r.file.path),
        packets = r.file.packets,
        duration = r.file.duration_s,
        attempts = r.diagnosis.attempts.len(),
    );
    if let Some(e) = &r.file.error {
        let _ = write!(
            out,
            r#"<p class="error-box">Could not be read ({}): {}</p>"#,
            escape(e.kind),
            escape(&e.message)
        );
    }
    for w in &r.file.warnings {
        let _ = write!(
            out,
            r#"<p class="meta">Warning ({}): {}</p>"#,
            escape(w.kind),
            escape(&w.message)
        );
    }
    for c in r.diagnosis.causes.iter().filter(|c| c.attempt.is_none()) {
        cause_html(out, c);
    }
    for a in &r.diagnosis.attempts {
        attempt_html(out, r, a, index);
    }
    // Findings about connections outside every attempt.
    let outside: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| {
            !r.diagnosis.attempts.iter().any(|a| {
                f.connection.is_some_and(|s| {
                    a.connections
                        .iter()
                        .any(|id| id.rsplit('/').next() == Some(s.to_string().as_str()))
                })
            })
        })
        .collect();
    if !outside.is_empty() {
        out.push_str("<h3>Other findings</h3>");
        findings_html(out, &outside);
    }
    out.push_str("</section>");
}

/// The whole page.
pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="rdptriage {version}"><title>rdptriage report</title><style>{STYLE}</style></head><body><h1>rdptriage report</h1><p class="meta">{n} capture(s). Frame numbers are Wireshark's; click a filter to select it.</p>"#,
        version = env!("CARGO_PKG_VERSION"),
        n = reports.len(),
    );
    for (i, r) in reports.iter().enumerate() {
        file_html(&mut out, r, i);
    }
    out.push_str("</body></html>\n");
    out
}
