//! `tls.version_mismatch`: client and server have no TLS version in common. Shown by a
//! protocol_version alert (RFC 8446 6.2), by a ServerHello selecting a version the client did
//! not offer, or by a ServerHello selecting TLS 1.0/1.1 that the client answers with a fatal
//! alert or by leaving without continuing the handshake (clients with TLS < 1.2 disabled
//! still list it). Other connections to the same server show what it does accept.

use super::{TlsConnection, side_name};
use crate::detect::{Finding, Severity};

fn accepted_elsewhere(conns: &[TlsConnection<'_>], this: &TlsConnection<'_>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for c in conns {
        if c.stream() == this.stream()
            || c.conversation.server != this.conversation.server
            || !c.tls.established
        {
            continue;
        }
        if let Some(v) = &c.tls.version {
            let t = format!("{v} (tcp/{})", c.stream());
            if !seen.contains(&t) && seen.len() < 4 {
                seen.push(t);
            }
        }
    }
    if seen.is_empty() {
        String::new()
    } else {
        format!(
            "; the same server completed handshakes with {}",
            seen.join(", ")
        )
    }
}

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let t = &c.tls;
        let offered = match (
            &t.client_legacy_version,
            t.client_supported_versions_raw.is_empty(),
        ) {
            (None, _) => "?".to_string(),
            (Some(l), true) => format!("up to {l}"),
            (Some(_), false) => t.client_versions.join(", "),
        };
        let fatal = t.alerts.iter().find(|a| a.level == "fatal");
        let pv = t.alerts.iter().find(|a| a.description_code == 70);
        let mut frames: Vec<u64> = t.client_hello_frame.into_iter().collect();
        let summary = if let Some(a) = pv {
            frames.extend(t.server_hello_frame);
            frames.push(a.frame);
            format!(
                "the {} refused the TLS version with a protocol_version alert (frame {}); the client offered {offered} (frame {}){}",
                side_name(a.from),
                a.frame,
                t.client_hello_frame.unwrap_or(0),
                t.version
                    .as_ref()
                    .map(|v| format!(", the server selected {v}"))
                    .unwrap_or_default()
            )
        } else if let (Some(v), Some(raw), Some(sh)) =
            (&t.version, t.version_raw, t.server_hello_frame)
        {
            // RFC 8446 4.2.1: with supported_versions only the listed ones; without it
            // (RFC 5246 E.1) the legacy_version and anything lower.
            let not_offered = if t.client_supported_versions_raw.is_empty() {
                t.client_legacy_version_raw.is_some_and(|l| raw > l)
            } else {
                !t.client_supported_versions_raw.contains(&raw)
            };
            let legacy = raw < 0x0303;
            let client_quit = t.client_change_cipher_spec_frame.is_none()
                && t.client_key_exchange_frame.is_none()
                && t.client_encrypted_records.is_empty();
            if !(not_offered || (legacy && client_quit)) {
                continue;
            }
            frames.push(sh);
            let reaction = match fatal {
                Some(a) => {
                    frames.push(a.frame);
                    format!(
                        "; the {} aborted with a fatal {} alert (frame {})",
                        side_name(a.from),
                        a.description,
                        a.frame
                    )
                }
                None if client_quit => "; the client did not continue the handshake".to_string(),
                None => String::new(),
            };
            format!(
                "the server selected {v} (frame {sh}){} — the client offered {offered} (frame {}){reaction}",
                if not_offered {
                    ", a version the client did not offer"
                } else {
                    ", a version current clients refuse"
                },
                t.client_hello_frame.unwrap_or(0)
            )
        } else {
            continue;
        };
        frames.sort_unstable();
        frames.dedup();
        let mut f = Finding::new(
            "tls.version_mismatch",
            Severity::Error,
            c.stream(),
            frames,
            format!("{summary}{}", accepted_elsewhere(conns, c)),
        );
        f.meaning = Some("Client and server share no TLS version. Typical: the server (or an old xrdp/Windows 2008 R2/2012 without updates) only allows TLS 1.0/1.1 while clients require TLS 1.2+, or the server was hardened to TLS 1.3 only while clients stop at 1.2. Enable TLS 1.2 on both (SCHANNEL Protocols registry keys, KB3080079 for 2008 R2) rather than re-enabling old versions.".into());
        out.push(f);
    }
    out
}
