//! Formats for CI: SARIF 2.1.0 (one result per finding, the capture as artifact), JUnit XML
//! (one test case per file, failing when an error-level cause is found) and Markdown (for
//! job summaries).

use super::json::FileReport;
use crate::detect::Severity;
use serde_json::{Value, json};
use std::fmt::Write;

/// The severity of a file's verdict: error when a failed attempt was explained, info when
/// nothing failed.
pub fn verdict_is_failure(r: &FileReport) -> bool {
    r.file.error.is_some()
        || r.diagnosis
            .causes
            .first()
            .is_some_and(|c| c.cause != "no_failure_observed" && c.cause != "no_rdp_traffic")
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// One SARIF 2.1.0 log for all files.
pub fn sarif(reports: &[FileReport]) -> Value {
    let mut rules: Vec<&'static str> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.id))
        .collect();
    rules.sort();
    rules.dedup();
    let mut results = Vec::new();
    for (index, r) in reports.iter().enumerate() {
        for f in &r.findings {
            let mut message = f.summary.clone();
            if let Some(m) = &f.meaning {
                message.push_str(" — ");
                message.push_str(m);
            }
            results.push(json!({
                "ruleId": f.id,
                "level": sarif_level(f.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": r.file.path, "index": index}},
                    "logicalLocations": [{"name": f.wireshark_filter, "kind": "wiresharkFilter"}]
                }],
                "properties": {"frames": f.frames, "connection": f.connection, "wireshark_filter": f.wireshark_filter}
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rdptriage",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/rdptriage/rdptriage",
                "rules": rules.iter().map(|id| json!({"id": id, "shortDescription": {"text": id}})).collect::<Vec<_>>()
            }},
            "artifacts": reports.iter().map(|r| json!({"location": {"uri": r.file.path}})).collect::<Vec<_>>(),
            "results": results
        }]
    })
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML: one test case per file; a failure carries the verdict and its remedy.
pub fn junit(reports: &[FileReport]) -> String {
    let failures = reports.iter().filter(|r| verdict_is_failure(r)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"rdptriage\" tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"rdptriage\" tests=\"{}\" failures=\"{failures}\">",
        reports.len(),
        reports.len()
    );
    for r in reports {
        let _ = write!(
            out,
            "    <testcase classname=\"rdptriage\" name=\"{}\"",
            xml_escape(&r.file.path)
        );
        if verdict_is_failure(r) {
            let (kind, message, body) = match (&r.file.error, r.diagnosis.causes.first()) {
                (Some(e), _) => (e.kind.to_string(), e.message.clone(), String::new()),
                (None, Some(c)) => (
                    c.cause.clone(),
                    c.summary.clone(),
                    format!("Remedy: {}\nWireshark: {}", c.remedy, c.wireshark_filter),
                ),
                (None, None) => ("unknown".into(), String::new(), String::new()),
            };
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                xml_escape(&kind),
                xml_escape(&message),
                xml_escape(&body)
            );
        } else {
            out.push_str("/>\n");
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Markdown for CI job summaries.
pub fn markdown(reports: &[FileReport]) -> String {
    let mut out = String::from(
        "# rdptriage\n\n| capture | verdict | confidence | evidence |\n|---|---|---|---|\n",
    );
    for r in reports {
        let (verdict, confidence, evidence) = match (&r.file.error, r.diagnosis.causes.first()) {
            (Some(e), _) => ("unreadable".to_string(), String::new(), e.message.clone()),
            (None, Some(c)) => (
                format!("`{}`", c.cause),
                format!("{:.0} %", c.confidence * 100.0),
                c.summary.clone(),
            ),
            (None, None) => ("-".into(), String::new(), String::new()),
        };
        let _ = writeln!(
            out,
            "| `{}` | {verdict} | {confidence} | {} |",
            r.file.path,
            evidence.replace('|', "\\|")
        );
    }
    for r in reports
        .iter()
        .filter(|r| verdict_is_failure(r) && r.file.error.is_none())
    {
        let _ = writeln!(out, "\n## {}\n", r.file.path);
        for c in &r.diagnosis.causes {
            let _ = writeln!(
                out,
                "- **{}** ({:.0} %): {}\n  - Remedy: {}\n  - Wireshark: `{}`",
                c.cause,
                c.confidence * 100.0,
                c.summary,
                c.remedy,
                c.wireshark_filter
            );
        }
    }
    out
}
