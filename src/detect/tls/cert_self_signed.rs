//! `tls.cert_self_signed`: the server's certificate is self-issued (subject = issuer). Info on
//! direct RDP, where Windows generates one by default; an error for an HTTPS service on 443
//! (the RD Gateway), whose certificate clients must trust; a warning on other ports.

use super::{TlsConnection, cert_label, utc_text};
use crate::detect::{Finding, Severity};

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let (Some(leaf), Some(frame)) = (c.tls.leaf(), c.tls.certificate_frame) else {
            continue;
        };
        if !leaf.self_issued {
            continue;
        }
        let gateway = !c.is_rdp() && c.conversation.server.port == 443;
        let (severity, meaning) = if c.is_rdp() {
            (
                Severity::Info,
                "Windows creates a self-signed Remote Desktop certificate by default; clients that do not already trust it show a warning (mstsc) or refuse (/cert:deny, policy). Deploy a certificate from a trusted CA via Group Policy (Remote Desktop authentication certificate template) if users must not see the prompt.",
            )
        } else if gateway {
            (
                Severity::Error,
                "An RD Gateway (HTTPS) certificate must be trusted by every client: mstsc does not offer to accept an untrusted gateway certificate. Install a certificate from a trusted CA in RD Gateway Manager, or deploy this one to the clients' Trusted Root store.",
            )
        } else {
            (
                Severity::Warning,
                "Clients only accept a self-signed certificate they already trust.",
            )
        };
        let mut f = Finding::new(
            "tls.cert_self_signed",
            severity,
            c.stream(),
            vec![frame],
            format!(
                "{} is self-signed (frame {frame}), valid {} to {}; server {}",
                cert_label(leaf),
                utc_text(&leaf.not_before_text),
                utc_text(&leaf.not_after_text),
                c.conversation.server
            ),
        );
        f.meaning = Some(meaning.into());
        out.push(f);
    }
    out
}
