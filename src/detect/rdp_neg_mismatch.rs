//! `rdp.neg_mismatch`: negotiation "succeeded" but the two sides do not agree on the
//! security layer, and the connection dies there. Two shapes seen on real servers and
//! clients (the lab records both):
//! - the server selects a protocol the client did not request (xrdp answers RDP_NEG_RSP
//!   with standard RDP security to a TLS-only client instead of RDP_NEG_FAILURE);
//! - the server selects a weaker protocol than the strongest requested (TLS when the client
//!   asked for CredSSP too), and the client, which insists on it (NLA required), closes
//!   without starting TLS.

use super::{Finding, RdpConnection, Severity};
use crate::flow::conversation_end;
use crate::proto::rdp::x224;

/// Strength order of the protocols a client can request (higher = stronger).
fn strength(protocol: u32) -> u32 {
    match protocol {
        0 => 0,
        x224::PROTOCOL_SSL => 1,
        x224::PROTOCOL_RDSTLS => 2,
        x224::PROTOCOL_HYBRID => 3,
        x224::PROTOCOL_HYBRID_EX => 4,
        x224::PROTOCOL_RDSAAD => 5,
        _ => 0,
    }
}

fn strongest(bits: u32) -> u32 {
    (0..5)
        .map(|b| bits & (1 << b))
        .filter(|&b| b != 0)
        .max_by_key(|&b| strength(b))
        .unwrap_or(0)
}

pub fn detect(conns: &[RdpConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let s = &c.setup;
        let (Some(selected), Some(confirm), Some(request)) =
            (s.selected_protocol_raw, s.confirm_frame, s.request_frame)
        else {
            continue;
        };
        if s.result != "success" || s.legacy_request {
            continue;
        }
        let requested = s.requested_protocols_raw;
        // The client's own first FIN or RST, whoever ended the connection first.
        let client_close = c.conversation.tcp.as_ref().and_then(|t| {
            let fin = t.client.stats.fin.first().map(|f| (f, "closed"));
            let rst = t.client.stats.rst.first().map(|f| (f, "reset"));
            fin.into_iter().chain(rst).min_by_key(|(f, _)| *f)
        });
        let client_gave_up = client_close.is_some()
            && s.tls_start_frame.is_none()
            && s.mcs_connect_initial_frame.is_none();
        let end_frame = client_close
            .map(|(f, _)| f)
            .or(conversation_end(c.conversation).1);
        let how = client_close.map_or("closed", |(_, how)| how);
        let not_requested = if selected == 0 {
            requested != 0
        } else {
            requested & selected == 0
        };
        let weaker = !not_requested && strength(selected) < strength(strongest(requested));
        let asked = x224::protocol_names(requested).join("|");
        let chose = x224::selected_protocol_name(selected);
        let closing = match (end_frame, client_gave_up) {
            (Some(f), true) => format!(
                "; the client then {how} the connection (frame {f}) without starting {}",
                if selected == 0 {
                    "the MCS exchange"
                } else {
                    "TLS"
                }
            ),
            _ => String::new(),
        };
        let mut frames = vec![request, confirm];
        if client_gave_up {
            frames.extend(end_frame);
        }
        if not_requested {
            let mut f = Finding::new(
                "rdp.neg_mismatch",
                if client_gave_up {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                c.conversation.stream,
                frames,
                format!(
                    "server selected {chose} (frame {confirm}), which the client did not request (it asked for {asked}, frame {request}){closing}"
                ),
            );
            f.meaning = Some("The server's security layer does not include anything the client accepts, and instead of an RDP_NEG_FAILURE it answered with a protocol the client never offered (xrdp does this). Make the server's security layer and the client's agree: e.g. xrdp security_layer=negotiate or tls, or allow the client to use standard RDP security.".into());
            out.push(f);
        } else if weaker && client_gave_up {
            let mut f = Finding::new(
                "rdp.neg_mismatch",
                Severity::Error,
                c.conversation.stream,
                frames,
                format!(
                    "client asked for {asked} (frame {request}); server selected only {chose} (frame {confirm}){closing}: the client requires {}",
                    x224::selected_protocol_name(strongest(requested))
                ),
            );
            f.meaning = Some("The client insists on a stronger security layer (usually Network Level Authentication / CredSSP) than the server offers. Enable NLA on the server (or install a server that supports it), or allow the client to connect without NLA.".into());
            out.push(f);
        }
    }
    out
}
