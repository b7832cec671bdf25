//! Detectors that read the connection state (`crate::state`): what the server said inside
//! the RDP connection sequence — a CredSSP errorCode, an Early User Authorization Result, a
//! licensing error, Set Error Info, a Disconnect Provider Ultimatum before logon, a
//! redirection, an unanswered offer of UDP. One file per detector; none parses bytes.

mod authorization_denied;
mod credssp_error;
mod disconnected;
pub mod error_info;
mod license_error;
mod multitransport;
mod redirected;

use super::Finding;
use crate::analyze::Analysis;
use crate::flow::{Conversation, Protocol};
use crate::state::ConnectionState;

/// A TCP connection with its state, as these detectors see it.
pub struct StateView<'a> {
    pub conversation: &'a Conversation,
    pub state: &'a ConnectionState,
}

/// Every TCP connection that has a state, in stream order.
pub fn views(a: &Analysis) -> Vec<StateView<'_>> {
    a.conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp)
        .filter_map(|c| {
            Some(StateView {
                conversation: c,
                state: a.states.get(&c.stream)?,
            })
        })
        .collect()
}

/// `frame N` when known.
fn at(frame: Option<u64>) -> String {
    frame.map(|f| format!(" (frame {f})")).unwrap_or_default()
}

/// How a fact is known, for a summary: ` — read from decrypted TLS`.
fn known_words(k: crate::state::Known) -> &'static str {
    match k {
        crate::state::Known::Decrypted => "read from the decrypted TLS stream",
        crate::state::Known::ClearText => "read in clear",
        crate::state::Known::Inferred => "inferred from encrypted record sizes",
    }
}

/// The message or packet that closed the connection, in words (`a TLS close_notify alert`,
/// `a FIN`, `a reset`, `an MCS Disconnect Provider Ultimatum (user-requested)`); `None` for
/// the other endings.
fn closing_words(e: &crate::state::Ending) -> Option<String> {
    use crate::state::EndHow;
    Some(match e.how {
        EndHow::TlsAlert => format!("a TLS {} alert", e.name.as_deref().unwrap_or("close")),
        EndHow::Fin => "a FIN".into(),
        EndHow::Rst => "a reset".into(),
        EndHow::DisconnectUltimatum => format!(
            "an MCS Disconnect Provider Ultimatum ({})",
            e.name.as_deref().unwrap_or("reason unknown")
        ),
        _ => return None,
    })
}

/// The frame of the TCP close that followed, if any.
fn close_frame(s: &ConnectionState) -> Option<u64> {
    s.ended.tcp_close.map(|c| c.frame)
}

pub fn run(a: &Analysis) -> Vec<Finding> {
    let views = views(a);
    let mut out = Vec::new();
    out.extend(credssp_error::detect(&views));
    out.extend(authorization_denied::detect(&views));
    out.extend(license_error::detect(&views));
    out.extend(error_info::detect(&views));
    out.extend(disconnected::detect(&views));
    out.extend(redirected::detect(&views));
    out.extend(multitransport::detect(&views));
    out
}
