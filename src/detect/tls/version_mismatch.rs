//! `tls.version_mismatch`: client and server have no TLS version in common, shown from both
//! sides' data — what the ClientHello offered and what the server chose or refused:
//!
//! * the server selected a version the client did not offer. Offered are the
//!   supported_versions list when the ClientHello has one (RFC 8446 4.2.1), else
//!   legacy_version and every version below it (RFC 5246 E.1); the server's choice is the
//!   ServerHello's supported_versions, else its version (RFC 8446 4.1.3);
//! * a protocol_version alert (RFC 8446 6.2, RFC 5246 7.2.2): from the server to a
//!   ClientHello whose versions it does not support, or from the client to the ServerHello's
//!   choice;
//! * the server selected TLS 1.0 / 1.1, below the highest version the client offered, and the
//!   client's first answer to the ServerHello is a fatal handshake_failure,
//!   insufficient_security or internal_error alert: the client listed the version but
//!   refused it (OpenSSL 3 at security level 1 lists TLS 1.0 and then cannot use it).
//!
//! Never when the server selected a version the client offered and the client did not
//! refuse it (a client that just left — a scanner, a password-guessing tool, a capture that
//! stops — is not a version mismatch). And not when another connection in the capture
//! contradicts it: the same server (address:port) completed a handshake with the same
//! version with the same client host (the client accepts that version), or, when the server
//! refused, with a version this client offered (the server accepts one of them).

use super::{TlsConnection, side_name};
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::proto::tls::summary::TlsSummary;

/// RFC 8446 B.2 / RFC 5246 A.3 alert descriptions.
const PROTOCOL_VERSION: u8 = 70;
/// Alerts a client sends when its policy forbids the chosen version without saying so:
/// handshake_failure, insufficient_security, internal_error.
const REFUSAL_ALERTS: [u8; 3] = [40, 71, 80];
const TLS12: u16 = 0x0303;

/// The client offered `v` (RFC 8446 4.2.1; RFC 5246 E.1). `None` without a ClientHello.
fn offered(c: &TlsConnection<'_>, v: u16) -> Option<bool> {
    let t = &c.tls;
    if t.client_supported_versions_raw.is_empty() {
        t.client_legacy_version_raw.map(|l| v <= l)
    } else {
        Some(t.client_supported_versions_raw.contains(&v))
    }
}

/// The highest version the client offered.
fn highest_offered(c: &TlsConnection<'_>) -> Option<u16> {
    let t = &c.tls;
    t.client_supported_versions_raw
        .iter()
        .copied()
        .max()
        .or(t.client_legacy_version_raw)
}

fn offered_text(c: &TlsConnection<'_>) -> String {
    let t = &c.tls;
    match (
        &t.client_legacy_version,
        t.client_supported_versions_raw.is_empty(),
    ) {
        (None, _) => "?".to_string(),
        (Some(l), true) => format!("up to {l} by legacy_version"),
        (Some(_), false) => t.client_versions.join(", "),
    }
}

/// The handshake completed: both sides went on encrypted before any fatal alert — the
/// client at least two records (its Finished and what followed), the server one. An alert
/// after that (xrdp's decode_error when the client closes) does not undo it.
fn handshake_completed(t: &TlsSummary) -> bool {
    if t.established {
        return true;
    }
    let fatal = t
        .alerts
        .iter()
        .filter(|a| a.level == "fatal")
        .map(|a| a.frame)
        .min()
        .unwrap_or(u64::MAX);
    t.server_hello_frame.is_some()
        && t.client_encrypted_records
            .get(1)
            .is_some_and(|r| r.frame < fatal)
        && t.server_encrypted_records
            .first()
            .is_some_and(|r| r.frame < fatal)
}

/// Other connections to the same server whose handshake completed, with their version.
fn completed_elsewhere<'a>(
    conns: &'a [TlsConnection<'a>],
    this: &'a TlsConnection<'a>,
) -> impl Iterator<Item = (&'a TlsConnection<'a>, u16)> + 'a {
    conns.iter().filter_map(move |c| {
        (c.stream() != this.stream()
            && c.conversation.server == this.conversation.server
            && handshake_completed(c.tls))
        .then_some(())?;
        Some((c, c.tls.version_raw?))
    })
}

fn same_client(a: &TlsConnection<'_>, b: &TlsConnection<'_>) -> bool {
    a.conversation.client.ip == b.conversation.client.ip
}

fn streams(list: &[&TlsConnection<'_>]) -> String {
    let mut s: Vec<String> = list
        .iter()
        .take(4)
        .map(|c| format!("tcp/{}", c.stream()))
        .collect();
    if list.len() > 4 {
        s.push(format!("{} more", list.len() - 4));
    }
    s.join(", ")
}

/// What contradicts a mismatch on `this`, if anything (see the module text).
pub(super) fn contradiction(
    conns: &[TlsConnection<'_>],
    this: &TlsConnection<'_>,
) -> Option<String> {
    let t = &this.tls;
    let server_refused = t.server_hello_frame.is_none();
    let mut hits: Vec<&TlsConnection<'_>> = Vec::new();
    let mut version = None;
    for (c, v) in completed_elsewhere(conns, this) {
        let contradicts = if server_refused {
            offered(this, v) == Some(true)
        } else {
            Some(v) == t.version_raw && same_client(c, this)
        };
        if contradicts {
            version.get_or_insert_with(|| c.tls.version.clone().unwrap_or_default());
            hits.push(c);
        }
    }
    let v = version?;
    Some(if server_refused {
        format!(
            "the same server {} completed {v} handshakes, a version this client offered, on {}",
            this.conversation.server,
            streams(&hits)
        )
    } else {
        format!(
            "the same server {} completed {v} handshakes with this client ({}) on {}",
            this.conversation.server,
            this.conversation.client.ip,
            streams(&hits)
        )
    })
}

/// Other clients the server completed the selected version with (supports the finding: the
/// server speaks it, this client does not).
fn others_completed(conns: &[TlsConnection<'_>], this: &TlsConnection<'_>) -> String {
    let Some(sel) = this.tls.version_raw else {
        return String::new();
    };
    let hits: Vec<&TlsConnection<'_>> = completed_elsewhere(conns, this)
        .filter(|&(c, v)| v == sel && !same_client(c, this))
        .map(|(c, _)| c)
        .collect();
    if hits.is_empty() {
        return String::new();
    }
    format!(
        "; the server completed {} with other clients ({})",
        this.tls.version.as_deref().unwrap_or("?"),
        streams(&hits)
    )
}

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let t = &c.tls;
        let Some(ch) = t.client_hello_frame else {
            continue;
        };
        let offered_list = offered_text(c);
        let pv = t
            .alerts
            .iter()
            .find(|a| a.description_code == PROTOCOL_VERSION);
        let mut frames = vec![ch];
        let summary = if let Some(a) = pv {
            frames.extend(t.server_hello_frame);
            frames.push(a.frame);
            match (a.from, &t.version, t.server_hello_frame) {
                (Side::Client, Some(v), Some(sh)) => format!(
                    "the client offered {offered_list} (frame {ch}); the server selected {v} (frame {sh}); the client refused it with a protocol_version alert (frame {})",
                    a.frame
                ),
                _ => format!(
                    "the client offered {offered_list} (frame {ch}); the {} refused with a protocol_version alert (frame {}){}",
                    side_name(a.from),
                    a.frame,
                    t.version
                        .as_ref()
                        .map(|v| format!(" after the server selected {v}"))
                        .unwrap_or_else(|| ", no ServerHello".into())
                ),
            }
        } else if let (Some(v), Some(sel), Some(sh)) =
            (&t.version, t.version_raw, t.server_hello_frame)
        {
            // The client's first answer to the ServerHello, when it is a fatal alert.
            let client_alert = t
                .alerts
                .iter()
                .find(|a| a.from == Side::Client && a.level == "fatal" && a.frame > sh);
            let continued_before = |frame: u64| {
                t.client_key_exchange_frame.is_some_and(|f| f < frame)
                    || t.client_change_cipher_spec_frame.is_some_and(|f| f < frame)
                    || t.client_encrypted_records.iter().any(|r| r.frame < frame)
            };
            if offered(c, sel) == Some(false) {
                if handshake_completed(t) {
                    // The client went on with it: the offer is not what the wire says.
                    continue;
                }
                frames.push(sh);
                let reaction = match client_alert {
                    Some(a) => {
                        frames.push(a.frame);
                        format!(
                            "; the client aborted with a fatal {} alert (frame {})",
                            a.description, a.frame
                        )
                    }
                    None => "; the client did not continue the handshake".to_string(),
                };
                format!(
                    "the server selected {v} (frame {sh}), a version the client did not offer — the client offered {offered_list} (frame {ch}){reaction}"
                )
            } else if let Some(a) = client_alert.filter(|a| {
                sel < TLS12
                    && highest_offered(c).is_some_and(|h| h > sel)
                    && REFUSAL_ALERTS.contains(&a.description_code)
                    && !continued_before(a.frame)
            }) {
                frames.extend([sh, a.frame]);
                format!(
                    "the server selected {v} (frame {sh}), below the highest version the client offered — the client offered {offered_list} (frame {ch}) and answered the ServerHello with a fatal {} alert (frame {}) instead of continuing: it lists {v} but its policy does not accept it",
                    a.description, a.frame
                )
            } else {
                continue;
            }
        } else {
            continue;
        };
        if contradiction(conns, c).is_some() {
            continue;
        }
        frames.sort_unstable();
        frames.dedup();
        let mut f = Finding::new(
            "tls.version_mismatch",
            Severity::Error,
            c.stream(),
            frames,
            format!("{summary}{}", others_completed(conns, c)),
        );
        f.meaning = Some("Client and server share no TLS version. Typical: the server (or an old xrdp/Windows 2008 R2/2012 without updates) only allows TLS 1.0/1.1 while clients require TLS 1.2+, or the server was hardened to TLS 1.3 only while clients stop at 1.2. Enable TLS 1.2 on both (SCHANNEL Protocols registry keys, KB3080079 for 2008 R2) rather than re-enabling old versions.".into());
        out.push(f);
    }
    out
}
