//! `tls.alert`: a fatal TLS alert (RFC 8446 6.2), in clear or decrypted with a key log, with
//! its name and sender. close_notify and warning alerts are not findings, nor is an alert
//! sent after the peer had already closed its side (FIN): that answers the close (xrdp sends
//! decode_error when the client's TLS stream ends mid-session), it did not end the
//! connection.

use super::{TlsConnection, side_name};
use crate::detect::{Finding, Severity};

fn meaning(description: u8) -> &'static str {
    match description {
        40 => {
            "handshake_failure: the sender found no acceptable set of parameters — usually no common cipher suite, signature algorithm or group."
        }
        42 | 43 | 46 => "The sender could not accept the peer's certificate.",
        44 => "certificate_revoked: the sender found the certificate revoked.",
        45 => {
            "certificate_expired: the sender (usually the client) found a certificate of the chain expired or not yet valid."
        }
        48 => {
            "unknown_ca: the client does not trust the CA that issued the server's certificate (or the chain is incomplete)."
        }
        47 | 50 => {
            "The sender could not parse or accept a field of the peer's message: an interoperability bug or a middlebox altering the handshake."
        }
        70 => {
            "protocol_version: the peers have no TLS version in common (e.g. TLS 1.0/1.1 disabled on one side)."
        }
        71 => {
            "insufficient_security: the server requires stronger cipher suites than the client offered."
        }
        80 => {
            "internal_error: the sender gave up for a local reason (OpenSSL: often a version or key the local policy forbids)."
        }
        86 => {
            "inappropriate_fallback: a client retried with a lower version although the server supports a higher one (a downgrade was detected)."
        }
        112 => "unrecognized_name: the server has no certificate for the SNI name the client sent.",
        116 => "certificate_required: the server requires a client certificate.",
        _ => "The sender aborted the TLS handshake.",
    }
}

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let peer_fin = |from: crate::flow::Side| {
            let peer = match from {
                crate::flow::Side::Client => crate::flow::Side::Server,
                crate::flow::Side::Server => crate::flow::Side::Client,
            };
            c.conversation
                .tcp
                .as_ref()
                .and_then(|t| t.dir(peer).stats.fin.first())
        };
        for a in c
            .tls
            .alerts
            .iter()
            .filter(|a| a.level == "fatal")
            .filter(|a| peer_fin(a.from).is_none_or(|fin| fin > a.frame))
        {
            let after = match (c.tls.client_hello_frame, c.tls.client_hello_ts) {
                (Some(f), Some(ts)) => format!(
                    ", {:.3} s after the ClientHello (frame {f})",
                    ts.secs_until(a.ts)
                ),
                _ => String::new(),
            };
            let state = match (c.tls.server_hello_frame, c.tls.version.as_deref()) {
                (Some(f), Some(v)) => format!("; the server had selected {v} (frame {f})"),
                _ => "; no ServerHello was sent".to_string(),
            };
            // Another connection shows the version is not what failed (tls.version_mismatch
            // stays silent then; say why here).
            let elsewhere = super::version_mismatch::contradiction(conns, c)
                .map(|t| format!("; {t}, so the version is not the reason"))
                .unwrap_or_default();
            let mut f = Finding::new(
                "tls.alert",
                Severity::Error,
                c.stream(),
                vec![a.frame],
                format!(
                    "fatal TLS alert {} ({}) sent by the {} (frame {}){after}{state}{elsewhere}",
                    a.description,
                    a.description_code,
                    side_name(a.from),
                    a.frame
                ),
            );
            f.meaning = Some(meaning(a.description_code).into());
            out.push(f);
        }
    }
    out
}
