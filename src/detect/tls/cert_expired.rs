//! `tls.cert_expired`: a certificate of the server's chain had expired at the time the
//! capture saw it (RFC 5280 4.1.2.5 notAfter before the frame's timestamp).

use super::{TlsConnection, cert_label, chain_severity, duration_text, utc_text};
use crate::detect::Finding;

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let (Some(now), Some(frame)) = (c.cert_time(), c.tls.certificate_frame) else {
            continue;
        };
        let expired: Vec<_> = c
            .tls
            .certificates
            .iter()
            .filter(|x| x.parse_error.is_none() && x.not_after < now)
            .collect();
        let Some(first) = expired.first() else {
            continue;
        };
        let frames = c.certificate_frames(frame);
        let others = if expired.len() > 1 {
            format!(" ({} certificates of the chain are expired)", expired.len())
        } else {
            String::new()
        };
        let mut f = Finding::new(
            "tls.cert_expired",
            chain_severity(first.position),
            c.stream(),
            frames,
            format!(
                "{} expired on {}, {} before this capture saw it (frame {frame}, {}){others}; server {}",
                cert_label(first),
                utc_text(&first.not_after_text),
                duration_text(now - first.not_after),
                utc_text(
                    &c.tls
                        .certificate_ts
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default()
                ),
                c.conversation.server
            ),
        );
        f.meaning = Some(format!(
            "Clients refuse an expired certificate (mstsc: \"the certificate has expired\", FreeRDP/OpenSSL: error 10). Renew it{} and bind the new one (RDP: the SSLCertificateSHA1Hash of the RDP-Tcp listener, or let Windows regenerate its self-signed one; RD Gateway: RD Gateway Manager → SSL Certificate).",
            if first.position == 0 {
                ""
            } else {
                " (here an intermediate/CA certificate of the chain)"
            }
        ));
        out.push(f);
    }
    out
}
