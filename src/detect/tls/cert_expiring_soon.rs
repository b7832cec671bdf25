//! `tls.cert_expiring_soon` (info): the server's certificate is valid at capture time but
//! expires within 30 days of it.

use super::{TlsConnection, cert_label, duration_text, utc_text};
use crate::detect::{Finding, Severity};

const SOON_S: i64 = 30 * 86_400;

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let (Some(now), Some(frame)) = (c.cert_time(), c.tls.certificate_frame) else {
            continue;
        };
        let Some(leaf) = c.tls.leaf() else {
            continue;
        };
        if leaf.not_before > now || leaf.not_after < now || leaf.not_after - now >= SOON_S {
            continue;
        }
        let mut f = Finding::new(
            "tls.cert_expiring_soon",
            Severity::Info,
            c.stream(),
            vec![frame],
            format!(
                "{} expires on {}, {} after this capture (frame {frame}); server {}",
                cert_label(leaf),
                utc_text(&leaf.not_after_text),
                duration_text(leaf.not_after - now),
                c.conversation.server
            ),
        );
        f.meaning = Some("Not a failure yet: renew the certificate before it expires, or clients will refuse it.".into());
        out.push(f);
    }
    out
}
