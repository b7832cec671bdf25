//! The wide, unwrapped text layout (a summary block per file, then one row per
//! conversation) and the cell texts the terminal report ([`super::screen`]) shares with it.

use super::json::{ConnectionReport, FileReport};
use crate::flow::Protocol;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::fmt::Write;

pub(super) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

pub(super) fn end_text(c: &ConnectionReport) -> String {
    let frame = c.end_frame.map(|f| format!(" (#{f})")).unwrap_or_default();
    let how = match c.end {
        "fin_client" => "FIN by client",
        "fin_server" => "FIN by server",
        "rst_client" => "RST by client",
        "rst_server" => "RST by server",
        "syn_unanswered" => "no answer to SYN",
        "open" => "still open",
        _ => "-",
    };
    format!("{how}{frame}")
}

/// `cookie: requested → selected (or failure) · client name build`.
pub(super) fn rdp_text(c: &ConnectionReport) -> String {
    if let Some(u) = &c.rdp_udp {
        return rdp_udp_text(u);
    }
    let Some(r) = &c.rdp else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(cookie) = &r.cookie {
        parts.push(format!("{cookie}:"));
    } else if let Some(token) = &r.routing_target {
        parts.push(format!("token {token}:"));
    }
    parts.push(r.outcome_line());
    if let Some(core) = r.client.as_ref().and_then(|cl| cl.core.as_ref()) {
        parts.push(format!(
            "· {} build {}",
            core.client_name, core.client_build
        ));
    }
    if let Some(target) = &r.socks5_target {
        parts.push(format!("· via SOCKS5 to {target}"));
    }
    parts.join(" ")
}

/// `RDP-UDP v2 · SYN ×3, no SYN+ACK` / `RDP-UDP v3 · established (#3) · lost c→s 0, s→c 2`.
fn rdp_udp_text(u: &crate::proto::rdpudp::RdpUdpFlow) -> String {
    let mut parts = vec![match u.version_label() {
        Some(v) => format!("RDP-UDP {v}"),
        None => "RDP-UDP".to_string(),
    }];
    if u.syn_count > 0 && u.syn_ack_count == 0 {
        parts.push(format!("SYN ×{}, no SYN+ACK", u.syn_count));
    } else if let Some(f) = u.established_frame {
        parts.push(format!("established (#{f})"));
    } else if u.mid_stream {
        parts.push("joined after its handshake".into());
    }
    if u.data_phase == crate::proto::rdpudp::DataPhase::Rdpeudp
        && u.client.source + u.server.source > 0
    {
        parts.push(format!(
            "lost c→s {}, s→c {}",
            u.client.sequence.counts.lost(),
            u.server.sequence.counts.lost()
        ));
    }
    parts.join(" · ")
}

/// `TLSv1.2 TLS_ECDHE_… · SNI x · CN=… 2026-01-01…2027-01-01 · tls.cert_expired`: the
/// handshake outcome, the certificate (and, when no tls.cert_* finding concerns it, that its
/// dates covered the capture) and the TLS finding ids of the connection.
pub(super) fn tls_text(c: &ConnectionReport, findings: &[crate::detect::Finding]) -> String {
    let Some(t) = &c.tls else {
        return String::new();
    };
    let mut line = t.outcome_line();
    let mut ids: Vec<&str> = findings
        .iter()
        .filter(|f| {
            f.id.starts_with("tls.") && c.transport == Protocol::Tcp && f.is_about_tcp(c.stream)
        })
        .map(|f| f.id)
        .collect();
    ids.dedup();
    if t.leaf().is_some() && !ids.iter().any(|id| id.starts_with("tls.cert_")) {
        line.push_str(" · certificate in date at capture time");
    }
    if !ids.is_empty() {
        line.push_str(" · ");
        line.push_str(&ids.join(", "));
    }
    line
}

/// Renders one file's report as text.
pub fn render(report: &FileReport) -> String {
    let f = &report.file;
    let mut out = String::new();
    let _ = writeln!(out, "== {}", f.path);
    if let Some(err) = &f.error {
        let _ = writeln!(out, "   ERROR: {}", err.message);
        return out;
    }
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
    let _ = writeln!(
        out,
        "   format {format}{}, link types: {}",
        if f.gzip { " (gzip)" } else { "" },
        if links.is_empty() {
            "-".to_string()
        } else {
            links.join(", ")
        }
    );
    let span = match (&f.first_packet, &f.last_packet) {
        (Some(a), Some(b)) => format!(
            "{} → {} ({:.3} s)",
            a.to_rfc3339(),
            b.to_rfc3339(),
            f.duration_s
        ),
        _ => "-".into(),
    };
    let _ = writeln!(
        out,
        "   {} packets, {}; {} TCP and {} UDP conversations; {span}",
        f.packets,
        human_bytes(f.bytes),
        f.tcp_conversations,
        f.udp_conversations
    );
    for w in &f.warnings {
        let _ = writeln!(out, "   warning: {}", w.message);
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
        let opened = report
            .connections
            .iter()
            .filter(|c| {
                c.tls
                    .as_ref()
                    .is_some_and(|t| t.decryption == Some("decrypted"))
            })
            .count();
        let _ = writeln!(
            out,
            "   TLS keys: {}; {opened} TLS session(s) decrypted",
            from.join(", ")
        );
        // Why the others were not (a few; the JSON has them all).
        let closed = report.connections.iter().filter_map(|c| {
            let t = c.tls.as_ref()?;
            (t.decryption? != "decrypted")
                .then(|| (c, t.decryption_reason.clone().unwrap_or_default()))
        });
        for (c, reason) in closed.take(5) {
            let _ = writeln!(
                out,
                "   TLS {} → {} not decrypted: {reason}",
                c.client, c.server
            );
        }
    }
    for p in &d.problems {
        let _ = writeln!(out, "   warning: {p}");
    }
    // The verdict first: one sentence per failed attempt (its best cause).
    let mut told = Vec::new();
    for c in &report.diagnosis.causes {
        if c.attempt.as_ref().is_some_and(|a| told.contains(a)) {
            continue;
        }
        if let Some(a) = &c.attempt {
            told.push(a.clone());
        }
        let _ = writeln!(
            out,
            "   VERDICT{}: {} — {} ({:.0} % sure: {})",
            c.attempt
                .as_ref()
                .map(|a| format!(" {a}"))
                .unwrap_or_default(),
            c.cause,
            c.summary,
            c.confidence * 100.0,
            c.confidence_reason
        );
        if let Some(codes) = c.attempt.as_ref().and_then(|id| {
            report
                .diagnosis
                .attempts
                .iter()
                .find(|a| &a.id == id)
                .and_then(|a| a.client_codes.as_ref())
        }) {
            let mut parts = Vec::new();
            if let Some(d) = &codes.disconnect_reason {
                parts.push(format!(
                    "error code {} {} ({}: {})",
                    d.hex, d.name, d.basis, d.why
                ));
            }
            if let Some(e) = &codes.extended_reason {
                parts.push(format!(
                    "extended error code {} {} ({}: {})",
                    e.hex, e.name, e.basis, e.why
                ));
            }
            let _ = writeln!(out, "       mstsc would show: {}", parts.join("; "));
        }
    }
    if report.connections.is_empty() {
        let _ = writeln!(out, "   (no TCP or UDP conversations)");
        return out;
    }
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(vec![
        "id",
        "client",
        "server",
        "pkts c→s",
        "bytes c→s",
        "pkts s→c",
        "bytes s→c",
        "duration",
        "end",
        "state",
        "RDP",
        "TLS",
        "filter",
    ]);
    for c in &report.connections {
        table.add_row(vec![
            c.id.clone(),
            c.client.clone(),
            c.server.clone(),
            c.client_to_server.stats.packets.to_string(),
            human_bytes(c.client_to_server.stats.bytes),
            c.server_to_client.stats.packets.to_string(),
            human_bytes(c.server_to_client.stats.bytes),
            format!("{:.3} s", c.duration_s),
            c.tcp.as_ref().map_or_else(|| end_text(c), |p| p.words()),
            c.state
                .as_ref()
                .map_or_else(|| "-".to_string(), |s| s.words()),
            rdp_text(c),
            tls_text(c, &report.findings),
            c.wireshark_filter.clone(),
        ]);
    }
    let _ = writeln!(out, "{table}");
    for f in &report.findings {
        let severity = match f.severity {
            crate::detect::Severity::Error => "ERROR",
            crate::detect::Severity::Warning => "warning",
            crate::detect::Severity::Info => "info",
        };
        let _ = writeln!(out, "   [{severity}] {}: {}", f.id, f.summary);
        if let Some(m) = &f.meaning {
            let _ = writeln!(out, "       {m}");
        }
        let _ = writeln!(out, "       Wireshark: {}", f.wireshark_filter);
    }
    for c in report
        .diagnosis
        .causes
        .iter()
        .filter(|c| c.attempt.is_some())
    {
        let _ = writeln!(
            out,
            "   REMEDY for {} ({}): {}",
            c.cause,
            c.attempt.as_deref().unwrap_or("-"),
            c.remedy
        );
        if let Some(limit) = &c.cannot_show {
            let _ = writeln!(out, "       The capture cannot show: {limit}");
        }
    }
    out
}

/// Files × verdicts, after the per-file blocks of a batch.
pub fn summary(reports: &[FileReport]) -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(vec!["file", "verdict", "confidence", "errors", "warnings"]);
    for r in reports {
        let (verdict, confidence) = match (&r.file.error, r.diagnosis.causes.first()) {
            (Some(e), _) => (format!("unreadable ({})", e.kind), String::new()),
            (None, Some(c)) => (c.cause.clone(), format!("{:.0} %", c.confidence * 100.0)),
            (None, None) => ("-".into(), String::new()),
        };
        let count = |s: crate::detect::Severity| {
            r.findings
                .iter()
                .filter(|f| f.severity == s)
                .count()
                .to_string()
        };
        table.add_row(vec![
            r.file.path.clone(),
            verdict,
            confidence,
            count(crate::detect::Severity::Error),
            count(crate::detect::Severity::Warning),
        ]);
    }
    format!("\n== Summary: {} captures\n{table}\n", reports.len())
}

/// ANSI colours for a rendered table: verdicts and errors red, warnings yellow, remedies green.
pub fn colourise(text: &str) -> String {
    text.lines()
        .map(|line| {
            let t = line.trim_start();
            let code =
                if t.starts_with("VERDICT") || t.starts_with("[ERROR]") || t.starts_with("ERROR") {
                    Some("1;31")
                } else if t.starts_with("[warning]") || t.starts_with("warning:") {
                    Some("33")
                } else if t.starts_with("REMEDY") {
                    Some("32")
                } else {
                    None
                };
            match code {
                Some(c) => format!("\x1b[{c}m{line}\x1b[0m\n"),
                None => format!("{line}\n"),
            }
        })
        .collect()
}
