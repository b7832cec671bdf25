//! Groups the connections of one user attempt: the same client to the same server within a
//! short window — retries, protocol downgrades after a negotiation failure, a second TCP
//! connection after a certificate prompt — plus the UDP flows between the same hosts (RDP-UDP)
//! and the DNS lookups shortly before. A connection the server judged (credentials sent, or
//! ended by the server at the NLA step or later, or a session: `ConnectionState::is_whole_try`)
//! ends its attempt: the next connection is the
//! user's next try (a password guesser's next guess), unless the server redirected the
//! client there. Probes and scans ([`crate::detect::probes`]) are not attempts.

use crate::analyze::Analysis;
use crate::capture::Timestamp;
use crate::detect::probes::Probes;
use crate::flow::{Conversation, Protocol};
use crate::state::phase::{ConnectionPhase, Phase, phase_of};
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;

/// Connections to the same server starting within this many seconds of the previous one
/// belong to the same attempt (mstsc and FreeRDP reconnect at once after a negotiation
/// failure, and mstsc's automatic reconnection retries every few seconds).
pub const ATTEMPT_GAP_SECS: f64 = 60.0;

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// `attempt-1`, `attempt-2`, … in order of first packet.
    pub id: String,
    pub client: IpAddr,
    pub server: String,
    /// Connection ids (`tcp/3`, `udp/1`, …) in order.
    pub connections: Vec<String>,
    pub first_frame: u64,
    pub last_frame: u64,
    pub start: Timestamp,
    pub span_s: f64,
    /// Names the client looked up (DNS) and got the server's address for, shortly before.
    pub names: Vec<String>,
    /// Furthest phase any of its TCP connections reached.
    pub phase: Phase,
    /// Did the attempt fail (see `diagnose`)?
    pub failed: bool,
    /// `failed`, `connected` (a connection reached the active stage), `ended_with_capture`
    /// (still in setup when the capture stopped, nothing failed yet) or `no_failure_seen`.
    pub outcome: &'static str,
    /// Furthest stage any of its TCP connections reached (see `connections[].state`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<crate::state::Stage>,
    /// What mstsc would have shown for a failed attempt (see docs/json-schema.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_codes: Option<crate::diagnose::client_codes::ClientCodes>,
    /// Cause ids explaining it, best first.
    pub causes: Vec<String>,
    /// TCP stream numbers.
    #[serde(skip)]
    pub streams: Vec<u64>,
    /// UDP stream numbers.
    #[serde(skip)]
    pub udp_streams: Vec<u64>,
    /// The server's address (`server` without the port).
    #[serde(skip)]
    pub server_ip: IpAddr,
    #[serde(skip)]
    pub last_tcp: Option<(u64, ConnectionPhase)>,
    /// Its last connection was a whole try (`ConnectionState::is_whole_try`): the next
    /// connection is another attempt.
    #[serde(skip)]
    pub decided: bool,
    /// The stage its last TCP connection reached and the frame that showed it (what the
    /// input's closing cause says of an attempt still in setup when the capture ended).
    #[serde(skip)]
    pub last_stage: Option<(crate::state::Stage, Option<u64>)>,
    /// How the active stage of its connections that reached it is known, best first.
    #[serde(skip)]
    pub active_known: Option<crate::state::Known>,
}

fn conv_id(c: &Conversation) -> String {
    match c.protocol {
        Protocol::Tcp => format!("tcp/{}", c.stream),
        Protocol::Udp => format!("udp/{}", c.stream),
    }
}

/// The attempts of a capture: one per (client address, server address and port) chain of TCP
/// connections, with the UDP flows between the same two hosts attached.
pub fn attempts(a: &Analysis, probes: &Probes) -> Vec<Attempt> {
    let mut out: Vec<Attempt> = Vec::new();
    // The open attempt of each (client address, server), by index into `out`.
    let mut open_by_pair: HashMap<(IpAddr, String), usize> = HashMap::new();
    let tcp: Vec<&Conversation> = a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp && c.packets() > 0 && !probes.is_probe(c.stream))
        .collect();
    for c in &tcp {
        let server = c.server.to_string();
        let phase = phase_of(c, &a.observations, &a.states);
        let key = (c.client.ip, server.clone());
        let open = open_by_pair
            .get(&key)
            .map(|&i| &mut out[i])
            .filter(|at| at_end(at).secs_until(c.first_ts) <= ATTEMPT_GAP_SECS && !at.decided);
        // The server judged this connection: whatever the client does next is another try.
        let decided = a
            .states
            .get(&c.stream)
            .is_some_and(crate::state::ConnectionState::is_whole_try);
        match open {
            Some(at) => {
                at.connections.push(conv_id(c));
                at.streams.push(c.stream);
                at.first_frame = at.first_frame.min(c.first_frame);
                at.last_frame = at.last_frame.max(c.last_frame);
                at.span_s = at.span_s.max(at.start.secs_until(c.last_ts));
                if let Some(p) = &phase {
                    at.phase = at.phase.max(p.phase);
                }
                at.last_tcp = phase.map(|p| (c.stream, p));
                at.decided = decided;
            }
            None => {
                open_by_pair.insert(key, out.len());
                out.push(Attempt {
                    id: String::new(),
                    client: c.client.ip,
                    server,
                    connections: vec![conv_id(c)],
                    names: Vec::new(),
                    first_frame: c.first_frame,
                    last_frame: c.last_frame,
                    start: c.first_ts,
                    span_s: c.first_ts.secs_until(c.last_ts),
                    phase: phase.as_ref().map_or(Phase::SynSent, |p| p.phase),
                    failed: false,
                    outcome: "no_failure_seen",
                    stage: None,
                    client_codes: None,
                    causes: Vec::new(),
                    streams: vec![c.stream],
                    udp_streams: Vec::new(),
                    server_ip: c.server.ip,
                    last_tcp: phase.map(|p| (c.stream, p)),
                    decided,
                    last_stage: None,
                    active_known: None,
                })
            }
        }
    }
    // RDP-UDP and other UDP flows between the same hosts during the attempt; an RDP-UDP flow
    // without such a TCP attempt (a capture filtered to UDP) is an attempt of its own. The
    // attempts of each (client, server) address pair, in order, so a flow looks at its own.
    let mut by_hosts: HashMap<(IpAddr, IpAddr), Vec<usize>> = HashMap::new();
    for (i, at) in out.iter().enumerate() {
        by_hosts
            .entry((at.client, at.server_ip))
            .or_default()
            .push(i);
    }
    for u in a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Udp && c.packets() > 0)
    {
        let hosts = (u.client.ip, u.server.ip);
        let joined = by_hosts.get(&hosts).and_then(|list| {
            list.iter().copied().find(|&i| {
                let at = &out[i];
                at.start.secs_until(u.first_ts) >= -ATTEMPT_GAP_SECS
                    && at_end(at).secs_until(u.first_ts) <= ATTEMPT_GAP_SECS
            })
        });
        match joined {
            Some(i) => {
                let at = &mut out[i];
                at.connections.push(conv_id(u));
                at.udp_streams.push(u.stream);
            }
            None if a.rdp_udp.contains_key(&u.stream) => {
                by_hosts.entry(hosts).or_default().push(out.len());
                out.push(Attempt {
                    id: String::new(),
                    client: u.client.ip,
                    server: u.server.to_string(),
                    connections: vec![conv_id(u)],
                    names: Vec::new(),
                    first_frame: u.first_frame,
                    last_frame: u.last_frame,
                    start: u.first_ts,
                    span_s: u.first_ts.secs_until(u.last_ts),
                    phase: Phase::SynSent,
                    failed: false,
                    outcome: "no_failure_seen",
                    stage: None,
                    client_codes: None,
                    causes: Vec::new(),
                    streams: Vec::new(),
                    udp_streams: vec![u.stream],
                    server_ip: u.server.ip,
                    last_tcp: None,
                    decided: false,
                    last_stage: None,
                    active_known: None,
                })
            }
            None => {}
        }
    }
    attach_lookups(a, &mut out);
    out.sort_by_key(|at| at.first_frame);
    for (i, at) in out.iter_mut().enumerate() {
        at.id = format!("attempt-{}", i + 1);
    }
    out
}

/// Joins each attempt with the DNS lookups its client made for the server's address within
/// [`ATTEMPT_GAP_SECS`] before the attempt started.
fn attach_lookups(a: &Analysis, attempts: &mut [Attempt]) {
    if a.dns.is_empty() {
        return;
    }
    // The attempts of each (client, server) address pair, in order; the UDP conversations by
    // stream: each lookup looks at its own instead of every attempt.
    let mut by_hosts: HashMap<(IpAddr, IpAddr), Vec<usize>> = HashMap::new();
    for (i, at) in attempts.iter().enumerate() {
        by_hosts
            .entry((at.client, at.server_ip))
            .or_default()
            .push(i);
    }
    let udp: HashMap<u64, &Conversation> = a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Udp && a.dns.contains_key(&c.stream))
        .map(|c| (c.stream, c))
        .collect();
    for (stream, dns) in &a.dns {
        let Some(conv) = udp.get(stream) else {
            continue;
        };
        for lookup in &dns.lookups {
            let Some(answered) = lookup.response_ts else {
                continue;
            };
            let mut matching: Vec<usize> = lookup
                .addresses
                .iter()
                .filter_map(|ip| by_hosts.get(&(conv.client.ip, *ip)))
                .flatten()
                .copied()
                .collect();
            matching.sort_unstable();
            matching.dedup();
            for i in matching {
                let at = &mut attempts[i];
                let before = answered.secs_until(at.start);
                if !(0.0..=ATTEMPT_GAP_SECS).contains(&before) {
                    continue;
                }
                let id = conv_id(conv);
                if !at.connections.contains(&id) {
                    at.connections.push(id);
                }
                if !at.names.contains(&lookup.name) {
                    at.names.push(lookup.name.clone());
                }
                let first = lookup.query_frame.unwrap_or(conv.first_frame);
                at.first_frame = at.first_frame.min(first);
            }
        }
    }
}

impl Attempt {
    /// What the RDP-UDP decoder saw on the attempt's UDP flows.
    pub fn rdp_udp_streams<'a>(
        &self,
        a: &'a Analysis,
    ) -> Vec<&'a crate::proto::rdpudp::RdpUdpFlow> {
        self.udp_streams
            .iter()
            .filter_map(|s| a.rdp_udp.get(s))
            .collect()
    }
}

fn at_end(at: &Attempt) -> Timestamp {
    Timestamp(at.start.0 + (at.span_s * 1e9) as i64)
}
