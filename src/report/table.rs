//! The cell texts of the connection table the terminal report ([`super::screen`]) prints:
//! sizes, how a connection ended, its RDP and TLS in a few words.

use super::json::ConnectionReport;
use crate::flow::Protocol;

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
