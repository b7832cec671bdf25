//! A failure the client recovered from by itself — a connection refused or dropped during
//! setup, followed by a connection between the same two hosts that reached the active
//! stage (a negotiation retry, a reconnect after a certificate prompt) — is a warning about
//! that connection, not an error: the user got a session. A connection the server judged
//! (`ConnectionState::is_whole_try`: credentials sent, or ended by the server at the NLA step
//! or later) is not recovered by a later one: a refused logon is its own attempt
//! (a mistyped password, a password guesser's wrong guess). Runs after every detector, over
//! their error-level findings, with one keyed lookup per finding.

use super::{Finding, Severity};
use crate::analyze::Analysis;
use crate::capture::Timestamp;
use crate::detect::thresholds::RETRY_WINDOW_SECS;
use crate::flow::{Conversation, Endpoint, Protocol};
use std::collections::HashMap;
use std::net::IpAddr;

/// Downgrades the error findings of connections that a later, active connection between
/// the same client and server recovered from.
pub fn downgrade(a: &Analysis, findings: &mut [Finding]) {
    // Active connections by (client address, server), in stream order.
    let mut active: HashMap<(IpAddr, Endpoint), Vec<(Timestamp, u64)>> = HashMap::new();
    let mut by_stream: HashMap<u64, &Conversation> = HashMap::new();
    for c in a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp)
    {
        by_stream.insert(c.stream, c);
        if a.states.get(&c.stream).is_some_and(|s| s.reached_active()) {
            active
                .entry((c.client.ip, c.server))
                .or_default()
                .push((c.first_ts, c.stream));
        }
    }
    for f in findings.iter_mut() {
        if f.severity != Severity::Error || f.transport != Protocol::Tcp {
            continue;
        }
        let Some(c) = f.connection.and_then(|s| by_stream.get(&s)) else {
            continue;
        };
        if a.states
            .get(&c.stream)
            .is_some_and(crate::state::ConnectionState::is_whole_try)
        {
            continue;
        }
        let later = active.get(&(c.client.ip, c.server)).and_then(|list| {
            list.iter().find(|(start, stream)| {
                *stream != c.stream
                    && c.first_ts.secs_until(*start) > 0.0
                    && c.last_ts.secs_until(*start) <= RETRY_WINDOW_SECS
            })
        });
        if let Some((_, stream)) = later {
            f.severity = Severity::Warning;
            f.summary.push_str(&format!(
                "; the client recovered: tcp/{stream} then reached the active stage"
            ));
        }
    }
}
