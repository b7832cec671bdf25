//! The table as it goes (standard input, live capture): one verdict per attempt as it
//! closes — time, hosts, outcome, the best cause with its confidence, then its evidence
//! (frames and Wireshark filter) and remedy — and a closing summary line.

use super::screen::Layout;
use crate::detect::Severity;
use crate::diagnose::event::AttemptEvent;
use anstyle::{AnsiColor, Style};
use std::collections::BTreeMap;
use std::fmt::Write;

const RED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const YELLOW: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

fn wrap(out: &mut String, width: usize, indent: &str, text: &str) {
    let options = textwrap::Options::new(width)
        .initial_indent(indent)
        .subsequent_indent(indent)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        // First fit: linear. The optimal fit (textwrap's default) took half the time of a
        // run printing a flood's 100 000 verdicts.
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit)
        .break_words(true);
    for line in textwrap::wrap(text, options) {
        let _ = writeln!(out, "{line}");
    }
}

/// The lines of one closed attempt.
pub fn attempt_lines(e: &AttemptEvent, layout: &Layout) -> String {
    let at = &e.attempt;
    let mut out = String::new();
    let (word, style) = match at.outcome {
        "failed" => ("FAILED", RED.bold()),
        "connected" => ("connected", GREEN),
        "ended_with_capture" => ("unfinished", YELLOW),
        _ => ("no failure seen", Style::new()),
    };
    let best = e.causes.first();
    let verdict = best
        .map(|c| format!(": {} ({:.0} %)", c.cause, c.confidence * 100.0))
        .unwrap_or_default();
    let stamp = at.start.to_rfc3339();
    let time = match (stamp.get(..10), stamp.get(11..23)) {
        (Some(day), Some(clock)) => format!("{day} {clock}"),
        _ => stamp.clone(),
    };
    let head = format!("{time}  {}  {} → {}  ", at.id, at.client, at.server);
    // The head is plain while measuring, so the width stays exact with colour.
    if head.len() + word.len() + verdict.len() <= layout.width {
        let _ = writeln!(out, "{head}{}{verdict}", paint(style, word));
    } else {
        wrap(&mut out, layout.width, "", &head);
        wrap(&mut out, layout.width, "    ", &format!("{word}{verdict}"));
    }
    if let Some(c) = best {
        wrap(&mut out, layout.width, "    ", &c.summary);
        if !c.frames.is_empty() {
            let frames: Vec<String> = c.frames.iter().map(u64::to_string).collect();
            wrap(
                &mut out,
                layout.width,
                "    ",
                &format!(
                    "evidence: frames {}; Wireshark: {}",
                    frames.join(", "),
                    c.wireshark_filter
                ),
            );
        }
        if at.failed || layout.verbose {
            wrap(
                &mut out,
                layout.width,
                "    ",
                &format!("remedy: {}", c.remedy),
            );
        }
    }
    if layout.verbose {
        for f in &e.findings {
            wrap(
                &mut out,
                layout.width,
                "    ",
                &format!("[{}] {}: {}", severity_word(f.severity), f.id, f.summary),
            );
        }
    }
    out
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Counts of a streamed input, for its closing line.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    pub attempts: u64,
    pub failed: u64,
    /// First cause of each failed attempt, counted.
    pub causes: BTreeMap<String, u64>,
    pub worst: Option<Severity>,
}

impl Totals {
    pub fn add(&mut self, e: &AttemptEvent) {
        self.attempts += 1;
        if e.attempt.failed {
            self.failed += 1;
            if let Some(c) = e.attempt.causes.first() {
                *self.causes.entry(c.clone()).or_default() += 1;
            }
        }
        if let Some(s) = e.findings.iter().map(|f| f.severity).max() {
            self.worst = Some(self.worst.map_or(s, |w| w.max(s)));
        }
    }
}

/// The closing line(s) of a streamed input: attempts, failures by cause, and `extra`
/// (frames, probes, drops) as the caller words it.
pub fn end_lines(input: &str, totals: &Totals, extra: &str, layout: &Layout) -> String {
    let mut out = String::new();
    let causes: Vec<String> = totals
        .causes
        .iter()
        .map(|(c, n)| format!("{c} × {n}"))
        .collect();
    let failed = if totals.failed == 0 {
        "none failed".to_string()
    } else {
        format!("{} failed ({})", totals.failed, causes.join(", "))
    };
    wrap(
        &mut out,
        layout.width,
        "",
        &format!(
            "== {input}: {} attempt(s), {failed}{}{extra}",
            totals.attempts,
            if extra.is_empty() { "" } else { "; " }
        ),
    );
    out
}
