//! `gateway.rdg_denied` and `gateway.rdg_error`: a non-zero error or status code in the RD
//! Gateway's HANDSHAKE_RESPONSE, TUNNEL_RESPONSE, TUNNEL_AUTH_RESPONSE, CHANNEL_RESPONSE or a
//! CLOSE_CHANNEL (MS-TSGU 2.2.10.x; codes 2.2.6.1–2.2.6.2, RDP-FACTS §4.4). Codes that say the
//! gateway's policies refused the user or the resource (CAP / RAP / NAP, PAA cookie,
//! authentication method, logon) are `gateway.rdg_denied`; the rest (the target could not be
//! reached, too many connections, an internal error …) `gateway.rdg_error`.

use super::GatewayView;
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::proto::rdg::summary::RdgResult;

/// MS-TSGU 2.2.6.1 codes (low 16 bits of the HRESULT, or the HRESULT) that refuse access.
fn is_denial(code: u32) -> bool {
    matches!(
        code & 0xFFFF,
        0x59DA // E_PROXY_RAP_ACCESSDENIED
            | 0x59DB // E_PROXY_NAP_ACCESSDENIED
            | 0x59F8 // E_PROXY_COOKIE_AUTHENTICATION_ACCESS_DENIED
            | 0x59F9 // E_PROXY_UNSUPPORTED_AUTHENTICATION_METHOD
            | 0x59FA // E_PROXY_REAUTH_AUTHN_FAILED
            | 0x59FB // E_PROXY_REAUTH_CAP_FAILED
            | 0x59FC // E_PROXY_REAUTH_RAP_FAILED
            | 0x5A00 // E_PROXY_REAUTH_NAP_FAILED
    ) || code == 0x8009_030C // SEC_E_LOGON_DENIED
        || code == 0x0000_0005 // ERROR_ACCESS_DENIED
        || code == 0x8007_0005 // E_ACCESSDENIED
}

/// 0x000004CA ERROR_GRACEFUL_DISCONNECT: a normal close.
const GRACEFUL: u32 = 0x0000_04CA;
/// E_PROXY_QUARANTINE_ACCESSDENIED: the client may continue (MS-TSGU 3.3.5.4).
const QUARANTINE: u32 = 0x59ED;

fn meaning(code: u32) -> &'static str {
    match code & 0xFFFF {
        0x59DD => {
            "The gateway accepted the user but could not open a TCP connection to the Remote Desktop host: the host name does not resolve on the gateway, TCP 3389 is blocked between gateway and host, or nothing listens there."
        }
        0x59DA => {
            "The gateway's resource authorization policy (RD RAP) does not allow this user to reach this computer (or this port)."
        }
        0x59DB => {
            "The gateway's connection authorization policy (RD CAP) does not allow this user or device."
        }
        0x59E6 => "The gateway has reached its maximum number of connections.",
        0x59E9 => {
            "The gateway requires a capability (consent message signing) this client does not offer."
        }
        0x00A0 => "The Remote Desktop host closed the gateway's connection to it.",
        _ => {
            "The gateway refused to continue; its event log (TerminalServices-Gateway) has the details."
        }
    }
}

pub fn detect(views: &[GatewayView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let g = &v.gateway;
        let steps: [(&str, Option<&RdgResult>); 4] = [
            ("HANDSHAKE_RESPONSE", g.handshake.as_ref()),
            ("TUNNEL_RESPONSE", g.tunnel.as_ref()),
            ("TUNNEL_AUTH_RESPONSE", g.tunnel_auth.as_ref()),
            ("CHANNEL_RESPONSE", g.channel_response.as_ref()),
        ];
        let closes = g
            .close
            .iter()
            .filter(|c| !c.response && c.from == Side::Server)
            .map(|c| ("CLOSE_CHANNEL", Some(&c.status)));
        for (packet, result) in steps.into_iter().chain(closes) {
            let Some(r) = result else { continue };
            if r.code == 0 || r.code == GRACEFUL || r.code & 0xFFFF == QUARANTINE {
                continue;
            }
            let denied = is_denial(r.code);
            // The OUT channel answers what the client asked on the IN channel (paired by
            // RDG-Connection-Id): find the CHANNEL_CREATE on either.
            let create = (packet == "CHANNEL_RESPONSE")
                .then(|| {
                    g.channel_create
                        .as_ref()
                        .map(|c| (v.conversation.stream, c))
                        .or_else(|| {
                            views.iter().find_map(|w| {
                                let same = w.gateway.connection_id.is_some()
                                    && w.gateway.connection_id == g.connection_id;
                                let c = w.gateway.channel_create.as_ref().filter(|_| same)?;
                                Some((w.conversation.stream, c))
                            })
                        })
                })
                .flatten();
            let target = create
                .map(|(stream, c)| {
                    format!(
                        " for {}:{} (CHANNEL_CREATE frame {}{})",
                        c.resources.join(", "),
                        c.port,
                        c.frame,
                        if stream == v.conversation.stream {
                            String::new()
                        } else {
                            format!(", IN channel tcp.stream {stream}")
                        }
                    )
                })
                .unwrap_or_default();
            let mut frames: Vec<u64> = create
                .filter(|(stream, _)| *stream == v.conversation.stream)
                .map(|(_, c)| c.frame)
                .into_iter()
                .collect();
            frames.push(r.frame);
            let mut f = Finding::new(
                if denied {
                    "gateway.rdg_denied"
                } else {
                    "gateway.rdg_error"
                },
                Severity::Error,
                v.conversation.stream,
                frames,
                format!(
                    "the RD Gateway {} answered with {packet} error {} {}{target} (frame {})",
                    v.conversation.server,
                    r.code_hex,
                    r.name.unwrap_or("(unknown code)"),
                    r.frame
                ),
            );
            f.meaning = Some(meaning(r.code).into());
            if let Some((stream, _)) = create.filter(|(s, _)| *s != v.conversation.stream) {
                f.connections = vec![v.conversation.stream, stream];
            }
            out.push(f);
        }
    }
    out
}
