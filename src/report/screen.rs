//! The terminal report (`--format table`): laid out for a given width, verdict first. Owns
//! the width rule (terminal, else `$COLUMNS`, else 100), the wrapping (textwrap; tables in
//! comfy-table's dynamic arrangement), the order (per failed attempt: the verdict sentence,
//! the evidence it rests on with frames and filters, the remedy; then the other findings and
//! the capture's facts; the connection table only with `--verbose`) and colour by meaning
//! (anstyle: green healthy, red failure, yellow warning; the caller's anstream stream strips
//! it for `NO_COLOR`, keeps it for `CLICOLOR_FORCE`).

use super::json::{Cause, FileReport};
use super::table;
use crate::detect::{Finding, Severity};
use anstyle::{AnsiColor, Style};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::fmt::Write;

/// Width when neither the terminal nor `$COLUMNS` says.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this is not honoured (indents and table borders need room).
pub const MIN_WIDTH: usize = 40;

/// How to lay the report out.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Columns no line may exceed.
    pub width: usize,
    /// Add the connection table, the meanings and informational findings, and the detail
    /// of every attempt.
    pub verbose: bool,
    /// Show the detail of this attempt only (`--attempt ID`).
    pub attempt: Option<String>,
}

/// Attempts shown in detail (verdict, evidence, remedy) when a file has more; the summary
/// groups count them all, `--verbose` or `--attempt ID` show the others.
pub const MAX_DETAILED_ATTEMPTS: usize = 3;

/// Attempt groups printed one per line; the others are folded into one line by outcome and
/// cause.
pub const MAX_GROUP_LINES: usize = 8;

impl Layout {
    /// The width of the terminal `stdout_terminal_width` (when the report goes to one), else
    /// `$COLUMNS` (`columns`), else [`DEFAULT_WIDTH`]; never below [`MIN_WIDTH`].
    pub fn width_from(stdout_terminal_width: Option<usize>, columns: Option<&str>) -> usize {
        stdout_terminal_width
            .or_else(|| columns.and_then(|c| c.trim().parse().ok()))
            .filter(|&w| w > 0)
            .unwrap_or(DEFAULT_WIDTH)
            .max(MIN_WIDTH)
    }
}

const RED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const YELLOW: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const BOLD: Style = Style::new().bold();

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// `text` wrapped to the layout's width, every line starting with `first` / `rest`.
fn wrap(out: &mut String, width: usize, first: &str, rest: &str, text: &str) {
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    for line in textwrap::wrap(text, options) {
        let _ = writeln!(out, "{line}");
    }
}

/// Like [`wrap`] with the first line's leading word (`label`) painted: the label is plain
/// text while wrapping, so widths stay exact.
fn wrap_labelled(out: &mut String, width: usize, indent: &str, label: (&str, Style), text: &str) {
    let rest = " ".repeat(indent.len() + 2);
    let options = textwrap::Options::new(width)
        .initial_indent(indent)
        .subsequent_indent(&rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    let whole = format!("{} {text}", label.0);
    for (i, line) in textwrap::wrap(&whole, options).iter().enumerate() {
        if i == 0 && line.len() >= indent.len() + label.0.len() {
            let (head, tail) = line.split_at(indent.len() + label.0.len());
            let _ = writeln!(
                out,
                "{}{}{tail}",
                &head[..indent.len()],
                paint(label.1, &head[indent.len()..])
            );
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

fn severity_label(s: Severity) -> (&'static str, Style) {
    match s {
        Severity::Error => ("[error]", RED.bold()),
        Severity::Warning => ("[warning]", YELLOW),
        Severity::Info => ("[info]", Style::new()),
    }
}

fn frames_text(frames: &[u64]) -> String {
    match frames {
        [] => String::new(),
        [one] => format!("frame {one}"),
        many => format!(
            "frames {}",
            many.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Green when nothing failed, red for a failed attempt's cause, yellow for the rest
/// (degradations, `undetermined`, `no_rdp_traffic`).
fn verdict_style(report: &FileReport, cause: &Cause) -> Style {
    if cause.cause == "no_failure_observed" {
        return GREEN.bold();
    }
    let failed = cause.attempt.as_ref().is_some_and(|id| {
        report
            .diagnosis
            .attempts
            .iter()
            .any(|a| &a.id == id && a.failed)
    });
    if failed { RED.bold() } else { YELLOW.bold() }
}

/// A finding: severity, id, frames, summary (left out when the verdict above already says
/// it), its meaning with `--verbose`, its filter.
fn finding_block(out: &mut String, layout: &Layout, f: &Finding, told: &str) {
    let w = layout.width;
    let frames = frames_text(&f.frames);
    let summary = if told.contains(f.summary.as_str()) {
        ""
    } else {
        f.summary.as_str()
    };
    let text = match (frames.is_empty(), summary.is_empty()) {
        (true, true) => f.id.to_string(),
        (true, false) => format!("{}: {summary}", f.id),
        (false, true) => format!("{} ({frames})", f.id),
        (false, false) => format!("{} ({frames}): {summary}", f.id),
    };
    wrap_labelled(out, w, "  ", severity_label(f.severity), &text);
    if layout.verbose
        && let Some(m) = &f.meaning
    {
        wrap(out, w, "      ", "      ", m);
    }
    if !f.wireshark_filter.is_empty() {
        wrap(out, w, "      Wireshark: ", "        ", &f.wireshark_filter);
    }
}

/// One verdict: the sentence, the evidence it rests on, the remedy.
fn verdict_block(out: &mut String, layout: &Layout, report: &FileReport, cause: &Cause) {
    let w = layout.width;
    let attempt = cause
        .attempt
        .as_ref()
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    let label = format!("VERDICT{attempt}:");
    wrap_labelled(
        out,
        w,
        "",
        (&label, verdict_style(report, cause)),
        &format!(
            "{} — {} ({:.0} % sure: {})",
            cause.cause,
            cause.summary,
            cause.confidence * 100.0,
            cause.confidence_reason
        ),
    );
    if let Some(codes) = cause.attempt.as_ref().and_then(|id| {
        report
            .diagnosis
            .attempts
            .iter()
            .find(|a| &a.id == id)
            .and_then(|a| a.client_codes.as_ref())
    }) {
        let mut parts = Vec::new();
        if let Some(d) = &codes.disconnect_reason {
            parts.push(format!("error code {} {} ({})", d.hex, d.name, d.basis));
        }
        if let Some(e) = &codes.extended_reason {
            parts.push(format!(
                "extended error code {} {} ({})",
                e.hex, e.name, e.basis
            ));
        }
        if !parts.is_empty() {
            wrap(out, w, "  mstsc would show: ", "    ", &parts.join("; "));
        }
    }
    // The evidence: the findings this cause rests on, about its connection when it names one.
    let evidence: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| cause.findings.iter().any(|id| id == f.id))
        .filter(|f| {
            cause.connection.is_none()
                || f.connection == cause.connection
                || f.frames.iter().any(|n| cause.frames.contains(n))
        })
        .collect();
    if evidence.is_empty() {
        let frames = frames_text(&cause.frames);
        if !frames.is_empty() {
            wrap(out, w, "  Evidence: ", "    ", &frames);
        }
        if !cause.wireshark_filter.is_empty() {
            wrap(out, w, "  Wireshark: ", "    ", &cause.wireshark_filter);
        }
    } else {
        let _ = writeln!(out, "  Evidence:");
        for f in evidence {
            finding_block(out, layout, f, &cause.summary);
        }
    }
    wrap_labelled(out, w, "  ", ("Remedy:", BOLD), &cause.remedy);
    if let Some(limit) = &cause.cannot_show {
        wrap(out, w, "  The capture cannot show: ", "    ", limit);
    }
}

/// The capture's facts, after the verdicts.
fn facts(out: &mut String, layout: &Layout, report: &FileReport) {
    let w = layout.width;
    let f = &report.file;
    let format = match f.format {
        Some(crate::capture::Format::Pcap) => "pcap",
        Some(crate::capture::Format::Pcapng) => "pcapng",
        None => "?",
    };
    let links: Vec<String> = f
        .link_types
        .iter()
        .map(|l| format!("{} ({})", l.name, l.frames))
        .collect();
    let span = match (&f.first_packet, &f.last_packet) {
        (Some(a), Some(_)) => format!("{:.3} s from {}", f.duration_s, a.to_rfc3339()),
        _ => "no packets".into(),
    };
    wrap(
        out,
        w,
        "Capture: ",
        "  ",
        &format!(
            "{format}{}, {}; {} packets, {}; {} TCP and {} UDP conversations; {span}",
            if f.gzip { " (gzip)" } else { "" },
            if links.is_empty() {
                "-".to_string()
            } else {
                links.join(", ")
            },
            f.packets,
            table::human_bytes(f.bytes),
            f.tcp_conversations,
            f.udp_conversations
        ),
    );
    for warning in &f.warnings {
        wrap_labelled(out, w, "  ", ("warning:", YELLOW), &warning.message);
    }
    let d = &f.decryption;
    if !d.key_logs.is_empty() || d.secrets_blocks > 0 || !d.rsa_keys.is_empty() {
        let mut from: Vec<String> = d.key_logs.clone();
        from.extend(d.rsa_keys.iter().map(|k| format!("RSA key {k}")));
        if d.secrets_blocks > 0 {
            from.push(format!(
                "{} pcapng Decryption Secrets Block(s)",
                d.secrets_blocks
            ));
        }
        let (opened, closed) = report.tls_decryption();
        wrap(
            out,
            w,
            "TLS keys: ",
            "  ",
            &format!("{}; {opened} TLS session(s) decrypted", from.join(", ")),
        );
        for (client, server, reason) in closed {
            wrap(
                out,
                w,
                "  ",
                "    ",
                &format!("TLS {client} → {server} not decrypted: {reason}"),
            );
        }
    }
    for p in &d.problems {
        wrap_labelled(out, w, "  ", ("warning:", YELLOW), p);
    }
}

/// The connection table (`--verbose`), fitted to the width.
fn connections(out: &mut String, layout: &Layout, report: &FileReport) {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(layout.width).unwrap_or(u16::MAX));
    t.set_header(vec![
        "id",
        "client → server",
        "packets, bytes",
        "end",
        "state",
        "RDP / TLS",
        "filter",
    ]);
    for c in &report.connections {
        let rdp_tls = [table::rdp_text(c), table::tls_text(c, &report.findings)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        t.add_row(vec![
            c.id.clone(),
            format!("{} → {}", c.client, c.server),
            format!(
                "→ {} {}, ← {} {}, {:.3} s",
                c.client_to_server.stats.packets,
                table::human_bytes(c.client_to_server.stats.bytes),
                c.server_to_client.stats.packets,
                table::human_bytes(c.server_to_client.stats.bytes),
                c.duration_s
            ),
            c.tcp
                .as_ref()
                .map_or_else(|| table::end_text(c), |p| p.words()),
            c.state
                .as_ref()
                .map_or_else(|| "-".to_string(), |s| s.words()),
            rdp_tls,
            c.wireshark_filter.clone(),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

/// `HH:MM:SS` of an RFC 3339 time.
fn clock(t: &crate::capture::Timestamp) -> String {
    let text = t.to_rfc3339();
    text.get(11..19).map_or(text.clone(), str::to_string)
}

/// "50 attempts from A to B failed (nla_failure) between 07:16:59 and 07:17:38 …".
fn attempt_groups(out: &mut String, layout: &Layout, report: &FileReport) {
    let _ = writeln!(
        out,
        "{} attempts in {} group(s):",
        report.diagnosis.attempts.len(),
        report.diagnosis.summary.len()
    );
    // The largest groups, in their order; the rest folded by outcome and cause (a SYN flood
    // from spoofed sources is one group per address).
    let mut shown: Vec<&crate::diagnose::summary::AttemptGroup> =
        report.diagnosis.summary.iter().collect();
    shown.sort_by_key(|g| std::cmp::Reverse(g.attempts));
    let rest = shown.split_off(shown.len().min(MAX_GROUP_LINES));
    shown.sort_by_key(|g| g.first_frame);
    for g in shown {
        let what = match (g.outcome, g.cause.as_deref()) {
            ("failed", Some(c)) => format!("failed: {c}"),
            ("failed", None) => "failed".to_string(),
            ("connected", _) => "reached a session".to_string(),
            ("ended_with_capture", _) => "still in setup when the capture ends".to_string(),
            (_, Some(c)) => format!("no failure seen ({c})"),
            (_, None) => "no failure seen".to_string(),
        };
        let style = match g.outcome {
            "failed" => RED,
            "connected" => GREEN,
            _ => Style::new(),
        };
        let text = format!(
            "{} attempt(s) from {} to {} between {} and {} (frames {}–{}; e.g. {})",
            g.attempts,
            g.client,
            g.server,
            clock(&g.first),
            clock(&g.last),
            g.first_frame,
            g.last_frame,
            g.example
        );
        wrap_labelled(out, layout.width, "  ", (&format!("{what}:"), style), &text);
    }
    if rest.is_empty() {
        return;
    }
    let mut folded: Vec<(&str, Option<&str>, usize, usize)> = Vec::new();
    for g in &rest {
        let key = (g.outcome, g.cause.as_deref());
        match folded.iter_mut().find(|f| (f.0, f.1) == key) {
            Some(f) => {
                f.2 += 1;
                f.3 += g.attempts;
            }
            None => folded.push((key.0, key.1, 1, g.attempts)),
        }
    }
    let parts: Vec<String> = folded
        .iter()
        .map(|(outcome, cause, groups, attempts)| {
            format!(
                "{attempts} attempt(s) in {groups} group(s) {outcome}{}",
                cause.map(|c| format!(" ({c})")).unwrap_or_default()
            )
        })
        .collect();
    wrap(
        out,
        layout.width,
        &format!("  … {} more group(s): ", rest.len()),
        "    ",
        &format!("{} (JSON diagnosis.summary has them all)", parts.join("; ")),
    );
}

/// "44 TCP health checks from A to B …".
fn probe_groups(out: &mut String, layout: &Layout, report: &FileReport) {
    let _ = writeln!(out, "Probes (not attempts):");
    for g in &report.diagnosis.probes {
        let ports: Vec<String> = g.ports.iter().map(u16::to_string).collect();
        wrap(
            out,
            layout.width,
            "  ",
            "    ",
            &format!(
                "{} × {} from {} to {} port {} between {} and {} (frames {}–{}; e.g. tcp.stream eq {})",
                g.connections,
                g.kind.words(),
                g.client,
                g.server,
                ports.join(", "),
                clock(&g.first),
                clock(&g.last),
                g.first_frame,
                g.last_frame,
                g.example_stream
            ),
        );
    }
}

/// One file's report.
pub fn render(report: &FileReport, layout: &Layout) -> String {
    let w = layout.width;
    let mut out = String::new();
    wrap(&mut out, w, "== ", "   ", &report.file.path);
    if let Some(err) = &report.file.error {
        wrap_labelled(&mut out, w, "", ("ERROR:", RED.bold()), &err.message);
        return out;
    }
    // Many attempts: the groups first, in a few lines.
    let attempts = report.diagnosis.attempts.len();
    let grouped = attempts > MAX_DETAILED_ATTEMPTS && !layout.verbose && layout.attempt.is_none();
    if grouped {
        attempt_groups(&mut out, layout, report);
    }
    if !report.diagnosis.probes.is_empty() && (attempts > 0 || layout.verbose) {
        probe_groups(&mut out, layout, report);
    }
    // The verdicts: one per attempt (its best cause), then causes without an attempt; with
    // many attempts, the first of each group only, at most MAX_DETAILED_ATTEMPTS.
    // Sets, not lists: a flood from distinct sources has 100 000 attempts in as many groups,
    // and lists made this quadratic.
    let examples: rustc_hash::FxHashSet<&str> = report
        .diagnosis
        .summary
        .iter()
        .map(|g| g.example.as_str())
        .collect();
    let mut told: rustc_hash::FxHashSet<&str> = Default::default();
    let mut cited: rustc_hash::FxHashSet<&str> = Default::default();
    let mut not_shown = 0usize;
    for cause in &report.diagnosis.causes {
        if let Some(a) = cause.attempt.as_deref() {
            if !told.insert(a) {
                continue;
            }
            let wanted = match &layout.attempt {
                Some(only) => only == a,
                None if grouped => {
                    examples.contains(a) && told.len() - not_shown <= MAX_DETAILED_ATTEMPTS
                }
                None => true,
            };
            cited.extend(cause.findings.iter().map(String::as_str));
            if !wanted {
                not_shown += 1;
                continue;
            }
        }
        verdict_block(&mut out, layout, report, cause);
        cited.extend(cause.findings.iter().map(String::as_str));
    }
    if not_shown > 0 {
        wrap(
            &mut out,
            w,
            "",
            "  ",
            &format!(
                "({not_shown} more attempt verdict(s) not shown: --attempt ID shows one, --verbose all.)"
            ),
        );
    }
    // The other findings (informational ones with --verbose).
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !cited.contains(f.id))
        .filter(|f| layout.verbose || f.severity != Severity::Info)
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "Other findings:");
        for f in others {
            finding_block(&mut out, layout, f, "");
        }
    }
    facts(&mut out, layout, report);
    if report.connection_count() == 0 {
        let _ = writeln!(out, "  (no TCP or UDP conversations)");
    } else if layout.verbose {
        connections(&mut out, layout, report);
    } else {
        wrap(
            &mut out,
            w,
            "",
            "  ",
            &format!(
                "{} connection(s); --verbose shows them with their filters.",
                report.connection_count()
            ),
        );
    }
    out
}

/// Files × verdicts, after the per-file blocks of a batch, fitted to the width.
pub fn summary(reports: &[FileReport], layout: &Layout) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(layout.width).unwrap_or(u16::MAX));
    t.set_header(vec!["file", "verdict", "confidence", "errors", "warnings"]);
    for r in reports {
        let (verdict, confidence) = match (&r.file.error, r.diagnosis.causes.first()) {
            (Some(e), _) => (format!("unreadable ({})", e.kind), String::new()),
            (None, Some(c)) => (c.cause.clone(), format!("{:.0} %", c.confidence * 100.0)),
            (None, None) => ("-".into(), String::new()),
        };
        let count = |s: Severity| {
            r.findings
                .iter()
                .filter(|f| f.severity == s)
                .count()
                .to_string()
        };
        t.add_row(vec![
            r.file.path.clone(),
            verdict,
            confidence,
            count(Severity::Error),
            count(Severity::Warning),
        ]);
    }
    format!("\n== Summary: {} captures\n{t}\n", reports.len())
}
