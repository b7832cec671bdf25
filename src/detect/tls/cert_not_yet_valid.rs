//! `tls.cert_not_yet_valid`: a certificate of the server's chain was not valid yet when the
//! capture saw it (RFC 5280 4.1.2.5 notBefore after the frame's timestamp).

use super::{TlsConnection, cert_label, chain_severity, duration_text, utc_text};
use crate::detect::Finding;

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let (Some(now), Some(frame)) = (c.cert_time(), c.tls.certificate_frame) else {
            continue;
        };
        let Some(first) = c
            .tls
            .certificates
            .iter()
            .find(|x| x.parse_error.is_none() && x.not_before > now)
        else {
            continue;
        };
        let frames = c.certificate_frames(frame);
        let mut f = Finding::new(
            "tls.cert_not_yet_valid",
            chain_severity(first.position),
            c.stream(),
            frames,
            format!(
                "{} is valid only from {}, {} after this capture saw it (frame {frame}); server {}",
                cert_label(first),
                utc_text(&first.not_before_text),
                duration_text(first.not_before - now),
                c.conversation.server
            ),
        );
        f.meaning = Some("Clients refuse a certificate that is not valid yet. Either the certificate was issued with a future start date, or a clock is wrong: compare the server's, the client's and the capturing host's time (w32tm /query /status) and fix the time source before reissuing.".into());
        out.push(f);
    }
    out
}
