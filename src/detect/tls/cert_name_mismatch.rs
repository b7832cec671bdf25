//! `tls.cert_name_mismatch`: the name the client asked for is not among the names of the
//! server's certificate (SAN dNSName / iPAddress, else CN; wildcard rules in
//! [`super::hostname`]). The name comes from the ClientHello's SNI (RFC 6066 3), else from an
//! RDP load-balancing routing token's target address.

use super::hostname::{cert_matches, cert_names};
use super::{TlsConnection, cert_label};
use crate::detect::{Finding, Severity};

/// The name the client wanted and where it came from.
fn requested_name(c: &TlsConnection<'_>) -> Option<(String, &'static str)> {
    if let Some(sni) = c.tls.sni.as_ref().filter(|s| !s.is_empty()) {
        return Some((sni.clone(), "SNI"));
    }
    let target = c.rdp.as_ref()?.routing_target.as_ref()?;
    let host = match target.rsplit_once(':') {
        Some((h, _)) => h,
        None => target.as_str(),
    };
    Some((host.to_string(), "RDP routing token"))
}

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let (Some(leaf), Some(frame)) = (c.tls.leaf(), c.tls.certificate_frame) else {
            continue;
        };
        let Some((name, source)) = requested_name(c) else {
            continue;
        };
        if cert_matches(leaf, &name) {
            continue;
        }
        let names = cert_names(leaf);
        // The client walked away right after the handshake (its Finished and an alert at
        // most): the mismatch is the likely reason. Otherwise it accepted (or the user
        // clicked through a warning).
        // A capture that stops while the connection is open does not show the reaction.
        let rejected = (!c.tls.established || c.tls.client_encrypted_records.len() <= 2)
            && !c.open_at_capture_end;
        let mut frames: Vec<u64> = c.tls.client_hello_frame.into_iter().collect();
        frames.push(frame);
        // The client's walking away is part of the evidence.
        if rejected && let Some(end) = c.end_frame.filter(|e| *e > frame) {
            frames.push(end);
        }
        let mut f = Finding::new(
            "tls.cert_name_mismatch",
            if rejected {
                Severity::Error
            } else {
                Severity::Warning
            },
            c.stream(),
            frames,
            format!(
                "the client asked for \"{name}\" ({source}, frame {}) but {} (frame {frame}) is valid for {}{}",
                c.tls.client_hello_frame.unwrap_or(0),
                cert_label(leaf),
                if names.is_empty() {
                    "no name at all".to_string()
                } else {
                    names.join(", ")
                },
                if rejected {
                    "; the client ended the connection right after the handshake"
                } else if c.open_at_capture_end
                    && (!c.tls.established || c.tls.client_encrypted_records.len() <= 2)
                {
                    "; the capture ends before the client's reaction"
                } else {
                    "; the client continued anyway"
                }
            ),
        );
        f.meaning = Some("mstsc warns \"the name of the remote computer does not match\" (and refuses under policy); FreeRDP says CERTIFICATE NAME MISMATCH. Connect with a name the certificate lists, or issue a certificate whose SAN contains the name users type (host name, FQDN, and the IP if they connect by address).".into());
        out.push(f);
    }
    out
}
