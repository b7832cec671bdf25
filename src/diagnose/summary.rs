//! A file's attempts and probes read as a few lines: attempts grouped by outcome, cause,
//! client and server (`diagnosis.summary`), probes by kind, client and server
//! (`diagnosis.probes`), each group with its count, first and last time and frame, and one
//! example. Linear: one keyed table per grouping.

use super::attempts::Attempt;
use crate::analyze::Analysis;
use crate::capture::Timestamp;
use crate::detect::probes::{ProbeKind, Probes};
use crate::flow::Protocol;
use serde::Serialize;
use std::collections::HashMap;

/// Attempts with the same outcome, primary cause, client and server.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptGroup {
    pub outcome: &'static str,
    /// The attempts' first cause (`null` for attempts without one).
    pub cause: Option<String>,
    pub client: String,
    /// The server's address and port.
    pub server: String,
    pub attempts: usize,
    pub first: Timestamp,
    pub last: Timestamp,
    pub first_frame: u64,
    pub last_frame: u64,
    /// The id of the first attempt of the group (`--attempt ID` shows it).
    pub example: String,
}

/// Probes of one kind from one client to one server address.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeGroup {
    pub kind: ProbeKind,
    pub client: String,
    /// The server's address.
    pub server: String,
    /// Server ports probed, ascending.
    pub ports: Vec<u16>,
    pub connections: usize,
    pub first: Timestamp,
    pub last: Timestamp,
    pub first_frame: u64,
    pub last_frame: u64,
    /// The first probe's TCP stream number.
    pub example_stream: u64,
}

/// Groups attempts, in order of each group's first attempt.
pub fn attempt_groups(attempts: &[Attempt]) -> Vec<AttemptGroup> {
    let mut groups: Vec<AttemptGroup> = Vec::new();
    let mut index: HashMap<(&'static str, Option<String>, String, String), usize> = HashMap::new();
    for at in attempts {
        let cause = at.causes.first().cloned();
        let client = at.client.to_string();
        let end = Timestamp(at.start.0 + (at.span_s * 1e9) as i64);
        let key = (at.outcome, cause.clone(), client.clone(), at.server.clone());
        match index.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                g.attempts += 1;
                g.last = g.last.max(end);
                g.first_frame = g.first_frame.min(at.first_frame);
                g.last_frame = g.last_frame.max(at.last_frame);
            }
            None => {
                index.insert(key, groups.len());
                groups.push(AttemptGroup {
                    outcome: at.outcome,
                    cause,
                    client,
                    server: at.server.clone(),
                    attempts: 1,
                    first: at.start,
                    last: end,
                    first_frame: at.first_frame,
                    last_frame: at.last_frame,
                    example: at.id.clone(),
                });
            }
        }
    }
    groups
}

/// Groups probes, in order of each group's first probe.
pub fn probe_groups(a: &Analysis, probes: &Probes) -> Vec<ProbeGroup> {
    let mut groups: Vec<ProbeGroup> = Vec::new();
    let mut index: HashMap<(ProbeKind, String, String), usize> = HashMap::new();
    for c in a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp && c.packets() > 0)
    {
        let Some(kind) = probes.kind(c.stream) else {
            continue;
        };
        let key = (kind, c.client.ip.to_string(), c.server.ip.to_string());
        match index.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                g.connections += 1;
                if let Err(pos) = g.ports.binary_search(&c.server.port) {
                    g.ports.insert(pos, c.server.port);
                }
                g.first = g.first.min(c.first_ts);
                g.last = g.last.max(c.last_ts);
                g.first_frame = g.first_frame.min(c.first_frame);
                g.last_frame = g.last_frame.max(c.last_frame);
            }
            None => {
                index.insert(key.clone(), groups.len());
                groups.push(ProbeGroup {
                    kind,
                    client: key.1,
                    server: key.2,
                    ports: vec![c.server.port],
                    connections: 1,
                    first: c.first_ts,
                    last: c.last_ts,
                    first_frame: c.first_frame,
                    last_frame: c.last_frame,
                    example_stream: c.stream,
                });
            }
        }
    }
    groups
}
