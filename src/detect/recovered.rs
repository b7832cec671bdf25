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
/// the same client and server recovered from — or that a later connection, still in setup
/// when the capture ended, without an error of its own and already further in the sequence
/// than the failed one, was retrying (the capture stops before the retry shows its outcome:
/// the failure is not the attempt's last word; a retry that has only sent its SYN shows
/// nothing yet).
pub fn downgrade(a: &Analysis, findings: &mut [Finding]) {
    // Active connections by (client address, server), in stream order.
    let mut active: HashMap<(IpAddr, Endpoint), Vec<(Timestamp, u64)>> = HashMap::new();
    // Connections still in setup at the end of the capture, without an error finding.
    let mut retrying: HashMap<(IpAddr, Endpoint), Vec<(Timestamp, u64)>> = HashMap::new();
    let stage_of = |stream: u64| {
        a.states
            .get(&stream)
            .map_or(crate::state::Stage::Syn, |s| s.stage)
    };
    let mut by_stream: HashMap<u64, &Conversation> = HashMap::new();
    let with_errors: std::collections::HashSet<u64> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.transport == Protocol::Tcp)
        .filter_map(|f| f.connection)
        .collect();
    for c in a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp)
    {
        by_stream.insert(c.stream, c);
        let state = a.states.get(&c.stream);
        if state.is_some_and(|s| s.reached_active()) {
            active
                .entry((c.client.ip, c.server))
                .or_default()
                .push((c.first_ts, c.stream));
        } else if state.is_some_and(|s| s.ended.how == crate::state::EndHow::CaptureEnded)
            && !with_errors.contains(&c.stream)
        {
            retrying
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
        let later = |table: &HashMap<(IpAddr, Endpoint), Vec<(Timestamp, u64)>>| {
            table.get(&(c.client.ip, c.server)).and_then(|list| {
                list.iter()
                    .find(|(start, stream)| {
                        *stream != c.stream
                            && c.first_ts.secs_until(*start) > 0.0
                            && c.last_ts.secs_until(*start) <= RETRY_WINDOW_SECS
                    })
                    .map(|(_, stream)| *stream)
            })
        };
        if let Some(stream) = later(&active) {
            f.severity = Severity::Warning;
            f.summary.push_str(&format!(
                "; the client recovered: tcp/{stream} then reached the active stage"
            ));
        } else if let Some(stream) =
            later(&retrying).filter(|retry| stage_of(*retry) > stage_of(c.stream))
        {
            f.severity = Severity::Warning;
            f.summary.push_str(&format!(
                "; the client retried: tcp/{stream} was still in setup when the capture ended"
            ));
        }
    }
}
