//! `tls.cipher_mismatch`: the server answered the ClientHello with a fatal handshake_failure
//! or insufficient_security alert (RFC 8446 6.2) without a ServerHello: no cipher suite (or
//! group / signature algorithm) in common. Lists what the client offered.

use super::TlsConnection;
use crate::detect::{Finding, Severity};
use crate::flow::Side;

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let t = &c.tls;
        let Some(a) = t.alerts.iter().find(|a| {
            a.from == Side::Server && a.level == "fatal" && matches!(a.description_code, 40 | 71)
        }) else {
            continue;
        };
        if t.server_hello_frame.is_some_and(|sh| sh <= a.frame) {
            continue;
        }
        let mut frames: Vec<u64> = t.client_hello_frame.into_iter().collect();
        frames.push(a.frame);
        let suites = if t.offered_ciphers.is_empty() {
            "(ClientHello not seen)".to_string()
        } else {
            t.offered_ciphers.join(", ")
        };
        let mut f = Finding::new(
            "tls.cipher_mismatch",
            Severity::Error,
            c.stream(),
            frames,
            format!(
                "the server rejected the ClientHello (frame {}) with {} (frame {}) and no ServerHello: no common cipher suite. The client offered {} suite{}: {suites}{}",
                t.client_hello_frame.unwrap_or(0),
                a.description,
                a.frame,
                t.offered_ciphers.len(),
                if t.offered_ciphers.len() == 1 {
                    ""
                } else {
                    "s"
                },
                if t.offered_groups.is_empty() {
                    String::new()
                } else {
                    format!("; groups {}", t.offered_groups.join(", "))
                }
            ),
        );
        f.meaning = Some("The server's allowed cipher suites (Windows: SSL Cipher Suite Order policy / Disable-TlsCipherSuite; xrdp: tls_ciphers) and the client's share nothing. Compare the list above with the server's configuration; re-enable a common modern suite (e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) on the side that was hardened.".into());
        out.push(f);
    }
    out
}
