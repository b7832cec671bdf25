//! Formats for CI: SARIF 2.1.0 (one result per finding, the capture as artifact, unreadable
//! captures and capture warnings as tool execution notifications), JUnit XML (one test case
//! per file, failing when an error-level cause is found) and Markdown (for job summaries).

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

/// The schema the SARIF log declares: the OASIS SARIF 2.1.0 schema with Errata 01, the one
/// shipped in tests/schemas and validated against.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A capture path as a SARIF `artifactLocation.uri` (an RFC 3986 URI reference): bytes that
/// may not appear in a URI path are percent-encoded, so `my capture.pcap` becomes
/// `my%20capture.pcap` and a `%` in a file name is not read as an escape. Unix paths stay
/// references (relative, or absolute-path); a Windows path gets forward slashes, and one with
/// a drive letter becomes a `file:///C:/…` URI (otherwise `C:` would read as a URI scheme).
fn artifact_uri(path: &str) -> String {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let bytes = path.as_bytes();
    let drive = cfg!(windows)
        && bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/';
    let mut out = String::with_capacity(path.len());
    let rest = if drive {
        out.push_str("file:///");
        out.push(bytes[0] as char);
        out.push(':');
        &bytes[2..]
    } else {
        bytes
    };
    for &b in rest {
        // unreserved, sub-delims, "@" and "/": kept as they are. ":" is escaped so that a
        // first segment like `a:b.pcap` is not taken for a scheme.
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A tool execution notification about one capture (why it could not be read, or what limited
/// its analysis), located at that capture.
fn notification(level: &str, kind: &str, message: &str, uri: &str, index: usize) -> Value {
    json!({
        "level": level,
        "message": {"text": message},
        "descriptor": {"id": kind},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri, "index": index}}
        }]
    })
}

/// The cited frames as a SARIF region: Wireshark frame N is "line" N of the capture (GitHub
/// code scanning requires `startLine`); no frame cited gives line 1.
fn frame_region(frames: &[u64]) -> Value {
    let first = frames.iter().copied().min().unwrap_or(1).max(1);
    let last = frames.iter().copied().max().unwrap_or(first).max(first);
    json!({"startLine": first, "endLine": last})
}

/// A fingerprint stable across runs on the same capture (code scanning's alert
/// de-duplication): SHA-256 of the file name, finding id, transport, stream and frames.
fn fingerprint(path: &str, f: &crate::detect::Finding) -> String {
    use sha2::{Digest, Sha256};
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let key = format!(
        "{name}|{}|{:?}|{:?}|{:?}",
        f.id, f.transport, f.connection, f.frames
    );
    Sha256::digest(key.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One SARIF 2.1.0 log for all files: one result per finding (rule = finding id), every
/// capture an artifact, and one invocation whose notifications say which captures could not
/// be read (level error; execution then unsuccessful, as the exit code 2 says) and what
/// limited the analysis of the others (level warning).
pub fn sarif(reports: &[FileReport]) -> Value {
    let mut rules: Vec<&'static str> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.id))
        .collect();
    rules.sort();
    rules.dedup();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    let mut notification_kinds: Vec<&'static str> = Vec::new();
    for (index, r) in reports.iter().enumerate() {
        let uri = artifact_uri(&r.file.path);
        if let Some(e) = &r.file.error {
            notifications.push(notification("error", e.kind, &e.message, &uri, index));
            notification_kinds.push(e.kind);
        }
        for w in &r.file.warnings {
            notifications.push(notification("warning", w.kind, &w.message, &uri, index));
            notification_kinds.push(w.kind);
        }
        for f in &r.findings {
            let mut message = f.summary.clone();
            if let Some(m) = &f.meaning {
                message.push_str(" — ");
                message.push_str(m);
            }
            results.push(json!({
                "ruleId": f.id,
                "ruleIndex": rules.binary_search(&f.id).unwrap_or_default(),
                "level": sarif_level(f.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "index": index},
                        "region": frame_region(&f.frames)
                    },
                    "logicalLocations": [{"name": f.wireshark_filter, "kind": "wiresharkFilter"}]
                }],
                "partialFingerprints": {"rdptriageFinding/v1": fingerprint(&r.file.path, f)},
                "properties": {"frames": f.frames, "connection": f.connection, "transport": f.transport, "wireshark_filter": f.wireshark_filter}
            }));
        }
    }
    notification_kinds.sort();
    notification_kinds.dedup();
    let mut driver = json!({
        "name": "rdptriage",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://github.com/rdptriage/rdptriage",
        "rules": rules.iter().map(|id| json!({"id": id, "shortDescription": {"text": id}})).collect::<Vec<_>>()
    });
    if !notification_kinds.is_empty() {
        driver["notifications"] = notification_kinds
            .iter()
            .map(|id| json!({"id": id, "shortDescription": {"text": id}}))
            .collect();
    }
    let mut invocation = json!({
        "executionSuccessful": reports.iter().all(|r| r.file.error.is_none())
    });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "artifacts": reports.iter().map(|r| json!({"location": {"uri": artifact_uri(&r.file.path)}})).collect::<Vec<_>>(),
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

#[cfg(test)]
mod tests {
    use super::artifact_uri;

    #[test]
    fn artifact_uris() {
        assert_eq!(artifact_uri("samples/a-b_c.pcap"), "samples/a-b_c.pcap");
        assert_eq!(artifact_uri("/tmp/x.pcapng.gz"), "/tmp/x.pcapng.gz");
        assert_eq!(artifact_uri("-"), "-");
        assert_eq!(
            artifact_uri("my capture 100%.pcap"),
            "my%20capture%20100%25.pcap"
        );
        assert_eq!(artifact_uri("a:b/#1?.pcap"), "a%3Ab/%231%3F.pcap");
        assert_eq!(artifact_uri("caf\u{e9}.pcap"), "caf%C3%A9.pcap");
        if cfg!(windows) {
            assert_eq!(artifact_uri("C:\\x y\\z.pcap"), "file:///C:/x%20y/z.pcap");
        } else {
            assert_eq!(artifact_uri("C:\\x.pcap"), "C%3A%5Cx.pcap");
        }
    }
}
