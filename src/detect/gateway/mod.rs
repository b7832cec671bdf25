//! RD Gateway evidence (MS-TSGU HTTP transport, RDP-FACTS §4), judged from what the HTTP and
//! RDG decoders saw in decrypted gateway connections (one detector per file): the gateway
//! refusing the user, HTTP errors, responses that cannot be framed, and RDG error codes.
//! Without the TLS key log none of this is visible; the phase-based verdict then stands.

mod http_auth_denied;
mod http_error;
mod http_framing;
mod rdg_error;

use super::Finding;
use crate::analyze::Analysis;
use crate::flow::{Conversation, Protocol};
use crate::proto::rdg::summary::GatewaySummary;

/// A TCP connection that carried RD Gateway HTTP, with what was decoded of it.
pub struct GatewayView<'a> {
    pub conversation: &'a Conversation,
    pub gateway: &'a GatewaySummary,
}

pub fn views(a: &Analysis) -> Vec<GatewayView<'_>> {
    a.conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp)
        .filter_map(|c| {
            Some(GatewayView {
                conversation: c,
                gateway: a.states.get(&c.stream)?.gateway.as_ref()?,
            })
        })
        .collect()
}

/// Methods of the RD Gateway's HTTP transports (MS-TSGU 2.2.3.1, 3.2.6 for RPC over HTTP).
pub fn is_gateway_method(method: &str) -> bool {
    matches!(
        method,
        "RDG_OUT_DATA" | "RDG_IN_DATA" | "RPC_OUT_DATA" | "RPC_IN_DATA"
    )
}

pub fn run(a: &Analysis) -> Vec<Finding> {
    let views = views(a);
    let mut out = Vec::new();
    out.extend(http_auth_denied::detect(&views));
    out.extend(http_error::detect(&views));
    out.extend(http_framing::detect(&views));
    out.extend(rdg_error::detect(&views));
    out
}
