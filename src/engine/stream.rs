//! The engine as it goes: conversations closed by the flow table (see
//! [`crate::flow::CloseTimers`]) are grouped by the pair of hosts they join; a group is judged
//! when none of its conversations is open any more and no new one came for the attempt
//! window ([`crate::diagnose::attempts::ATTEMPT_GAP_SECS`] by default: a later connection
//! would belong to the same attempt) — a connection of the pair still open that began after
//! the window does not hold it back — and each of its attempts is emitted as an
//! [`AttemptEvent`]. A group is judged as a small analysis of its own, by the same detectors
//! and diagnosis as a whole file, so a verdict reached as it goes is the verdict the whole
//! file gives. What crosses groups is kept apart: DNS lookups (the client's conversation
//! with its resolver) are kept, at most [`DNS_KEPT`], and lent to the groups of the hosts
//! that looked each other up.
//!
//! Every judgement that needs "has the capture ended?" sees the time of the latest frame
//! read: a group is only judged an attempt window after its last packet, so a silence that
//! long is in the capture.

use super::document::DocumentParts;
use crate::analyze::{Analysis, ClosedConversation, Pipeline};
use crate::capture::{CaptureInfo, Timestamp};
use crate::detect::Finding;
use crate::diagnose::Diagnosis;
use crate::diagnose::attempts::ATTEMPT_GAP_SECS;
pub use crate::diagnose::event::AttemptEvent;
use crate::flow::{CloseTimers, Conversation, Protocol, pair_key};
use crate::proto::dns::DnsConversation;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::net::IpAddr;

/// DNS conversations kept to be joined with later attempts (the oldest go first; counted in
/// [`StreamStats::dns_evicted`]).
pub const DNS_KEPT: usize = 10_000;

/// How the engine closes conversations and attempts as it goes.
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    pub timers: CloseTimers,
    /// Silence after an attempt's last connection closed before it is judged (ns).
    pub attempt_window_ns: i64,
    /// A file's document lists at most this many connections
    /// ([`super::document::MAX_LISTED_CONNECTIONS`]).
    pub max_listed_connections: usize,
    /// … and at most this many attempts ([`super::document::MAX_LISTED_ATTEMPTS`]).
    pub max_listed_attempts: usize,
    /// A file's document renders its TCP connection entries into a temporary file as they
    /// are judged instead of holding them ([`super::document::DocumentParts::spill`]).
    pub spill_connections: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            timers: CloseTimers::default(),
            attempt_window_ns: (ATTEMPT_GAP_SECS * 1e9) as i64,
            max_listed_connections: super::document::MAX_LISTED_CONNECTIONS,
            max_listed_attempts: super::document::MAX_LISTED_ATTEMPTS,
            spill_connections: false,
        }
    }
}

/// Counters of a run as it goes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StreamStats {
    /// Attempts emitted, and how many of them failed.
    pub attempts: u64,
    pub failed: u64,
    /// Connections classified as probes or scans (not attempts).
    pub probe_connections: u64,
    /// Groups of conversations (host pairs) judged.
    pub groups_judged: u64,
    /// DNS conversations dropped from the join table because it was full.
    pub dns_evicted: u64,
}

struct Group {
    conversations: Vec<ClosedConversation>,
    /// Latest packet of its conversations (ns).
    last_ns: i64,
}

/// Groups closed conversations and judges them as their attempts close.
pub struct Streamer {
    input: String,
    options: StreamOptions,
    groups: FxHashMap<(IpAddr, IpAddr), Group>,
    /// `(when the group may be judged, pair)`; stale entries are skipped.
    due: BinaryHeap<Reverse<(i64, (IpAddr, IpAddr))>>,
    dns: FxHashMap<u64, (Conversation, DnsConversation)>,
    dns_by_client: FxHashMap<IpAddr, Vec<u64>>,
    dns_order: VecDeque<u64>,
    pub stats: StreamStats,
    /// When a file's document is wanted: what the judged groups hand over for it.
    document: Option<DocumentParts>,
}

impl Streamer {
    /// A streamer for `input`; asks `pipeline` to close conversations as it goes.
    pub fn new(input: String, options: StreamOptions, pipeline: &mut Pipeline) -> Self {
        pipeline.close_as_you_go(options.timers);
        Streamer {
            input,
            options,
            groups: FxHashMap::default(),
            due: BinaryHeap::new(),
            dns: FxHashMap::default(),
            dns_by_client: FxHashMap::default(),
            dns_order: VecDeque::new(),
            stats: StreamStats::default(),
            document: None,
        }
    }

    /// Keeps what a file's document needs of every judged group
    /// ([`Streamer::take_document`]).
    pub fn collect_document(&mut self) {
        let mut parts = DocumentParts::new(
            self.options.max_listed_connections,
            self.options.max_listed_attempts,
        );
        if self.options.spill_connections {
            parts.spill();
        }
        self.document = Some(parts);
    }

    /// The parts of the document collected so far.
    pub fn take_document(&mut self) -> Option<DocumentParts> {
        self.document.take()
    }

    /// Takes the conversations `pipeline` closed by `now` and returns the attempts that
    /// closed with them. Cheap when nothing is due: call it after every frame.
    pub fn advance(&mut self, pipeline: &mut Pipeline, now: Timestamp) -> Vec<AttemptEvent> {
        for closed in pipeline.take_closed(now) {
            self.add(closed);
        }
        let mut events = Vec::new();
        while let Some(Reverse((due, pair))) = self.due.peek().copied() {
            if due > now.0 {
                break;
            }
            self.due.pop();
            // Ready when no connection of the pair that is still open began within the
            // window: one that did may still join its attempts.
            let ready =
                self.groups.get(&pair).is_some_and(|g| {
                    g.last_ns.saturating_add(self.options.attempt_window_ns) == due
                }) && pipeline
                    .earliest_open_between(pair.0, pair.1)
                    .is_none_or(|start| start.0 > due);
            if !ready {
                continue;
            }
            if let Some(group) = self.groups.remove(&pair) {
                let capture = CaptureInfo {
                    frames: pipeline.frames,
                    last_ts: Some(now),
                    ..Default::default()
                };
                events.extend(self.judge(pair, group, capture));
            }
        }
        events
    }

    /// End of input: every conversation and group is closed and judged (`capture` is the
    /// input's, with its real end), in order of each group's first frame; `on_events` gets
    /// each group's attempts as it is judged (not all at once: a flood leaves a hundred
    /// thousand open at the end).
    pub fn finish(
        &mut self,
        pipeline: &mut Pipeline,
        capture: CaptureInfo,
        mut on_events: impl FnMut(Vec<AttemptEvent>),
    ) {
        for closed in pipeline.take_all() {
            self.add(closed);
        }
        let mut groups: Vec<((IpAddr, IpAddr), Group)> = self.groups.drain().collect();
        groups.sort_by_key(|(_, g)| {
            g.conversations
                .iter()
                .map(|c| c.conversation.first_frame)
                .min()
        });
        for (pair, group) in groups {
            let events = self.judge(pair, group, capture.clone());
            if !events.is_empty() {
                on_events(events);
            }
        }
    }

    fn add(&mut self, closed: ClosedConversation) {
        let c = &closed.conversation;
        if c.protocol == Protocol::Udp
            && (c.client.port == 53 || c.server.port == 53)
            && closed.facts.dns.is_some()
        {
            self.keep_dns(closed);
            return;
        }
        let pair = pair_key(c.client.ip, c.server.ip);
        let last_ns = c.last_ts.0;
        let group = self.groups.entry(pair).or_insert(Group {
            conversations: Vec::new(),
            last_ns,
        });
        group.last_ns = group.last_ns.max(last_ns);
        group.conversations.push(closed);
        let due = group.last_ns.saturating_add(self.options.attempt_window_ns);
        self.due.push(Reverse((due, pair)));
    }

    fn keep_dns(&mut self, closed: ClosedConversation) {
        let ClosedConversation {
            conversation,
            facts,
        } = closed;
        let Some(dns) = facts.dns else { return };
        if let Some(document) = &mut self.document
            && conversation.packets() > 0
        {
            document.add_connection(
                conversation.order(),
                crate::report::json::dns_connection_report(&conversation, dns.clone()),
            );
        }
        if self.dns.len() >= DNS_KEPT
            && let Some(old) = self.dns_order.pop_front()
            && let Some((conv, _)) = self.dns.remove(&old)
        {
            self.stats.dns_evicted += 1;
            if let Some(list) = self.dns_by_client.get_mut(&conv.client.ip) {
                list.retain(|s| *s != old);
                if list.is_empty() {
                    self.dns_by_client.remove(&conv.client.ip);
                }
            }
        }
        let stream = conversation.stream;
        self.dns_by_client
            .entry(conversation.client.ip)
            .or_default()
            .push(stream);
        self.dns_order.push_back(stream);
        self.dns.insert(stream, (conversation, dns));
    }

    /// Judges one group as an analysis of its own.
    fn judge(
        &mut self,
        pair: (IpAddr, IpAddr),
        group: Group,
        capture: CaptureInfo,
    ) -> Vec<AttemptEvent> {
        self.stats.groups_judged += 1;
        let mut conversations = Vec::with_capacity(group.conversations.len());
        let mut observations = BTreeMap::new();
        let mut rdp_udp = BTreeMap::new();
        let mut dns = BTreeMap::new();
        let mut rdp_traffic = BTreeMap::new();
        for closed in group.conversations {
            let stream = closed.conversation.stream;
            let facts = closed.facts;
            if let Some(o) = facts.observations {
                observations.insert(stream, o);
            }
            if let Some(t) = facts.rdp_traffic {
                rdp_traffic.insert(stream, t);
            }
            if let Some(u) = facts.rdp_udp {
                rdp_udp.insert(stream, *u);
            }
            if let Some(d) = facts.dns {
                dns.insert(stream, d);
            }
            conversations.push(closed.conversation);
        }
        let mut lent = Vec::new();
        for host in [pair.0, pair.1] {
            for stream in self.dns_by_client.get(&host).into_iter().flatten() {
                if let Some((conv, lookups)) = self.dns.get(stream)
                    && let Some(copy) = conv.udp_copy()
                {
                    conversations.push(copy);
                    dns.insert(*stream, lookups.clone());
                    lent.push(*stream);
                }
            }
        }
        conversations.sort_by_key(Conversation::order);
        let states = crate::state::build_all(&conversations, &observations, &rdp_traffic, None);
        let analysis = Analysis {
            conversations,
            states,
            observations,
            rdp_udp,
            dns,
            rdp_traffic,
            ..Analysis::empty(self.input.clone(), capture)
        };
        let probes = crate::detect::probes::classify(&analysis);
        let findings = crate::detect::run_with(&analysis, &probes);
        let judged = crate::diagnose::judge_attempts(&analysis, &findings, &probes);
        let judged_after_frame = analysis.capture.frames;
        let Some(document) = &mut self.document else {
            let diagnosis = crate::diagnose::conclude(judged);
            return self.events(findings, diagnosis, judged_after_frame);
        };
        // A file's document: the group's part of it; no events are wanted.
        let cap_hits = crate::report::json::buffer_cap_hits(&analysis.conversations);
        let mut reports = crate::report::json::connection_reports(analysis);
        if !lent.is_empty() {
            reports.retain(|(_, r)| r.transport != Protocol::Udp || !lent.contains(&r.stream));
        }
        document.add_group(reports, findings, judged, cap_hits);
        Vec::new()
    }

    fn events(
        &mut self,
        findings: Vec<Finding>,
        diagnosis: Diagnosis,
        judged_after_frame: u64,
    ) -> Vec<AttemptEvent> {
        self.stats.probe_connections += diagnosis
            .probes
            .iter()
            .map(|p| p.connections as u64)
            .sum::<u64>();
        let mut events = Vec::new();
        for attempt in diagnosis.attempts {
            self.stats.attempts += 1;
            if attempt.failed {
                self.stats.failed += 1;
            }
            let causes = diagnosis
                .causes
                .iter()
                .filter(|c| c.attempt.as_deref() == Some(attempt.id.as_str()))
                .cloned()
                .collect();
            let about = |f: &&Finding| {
                let streams = match f.transport {
                    Protocol::Tcp => &attempt.streams,
                    Protocol::Udp => &attempt.udp_streams,
                };
                f.connection.is_some_and(|s| streams.contains(&s))
                    || (f.transport == Protocol::Tcp
                        && f.connections.iter().any(|s| attempt.streams.contains(s)))
            };
            let findings = findings.iter().filter(about).cloned().collect();
            events.push(AttemptEvent {
                schema: crate::diagnose::event::EVENT_SCHEMA,
                event: "attempt",
                input: self.input.clone(),
                attempt,
                judged_after_frame,
                causes,
                findings,
            });
        }
        let base = self.stats.attempts - events.len() as u64;
        self.renumber(&mut events, base);
        events
    }

    /// Gives `events` the ids `attempt-(base+1)`, … (causes follow their attempt).
    fn renumber(&self, events: &mut [AttemptEvent], base: u64) {
        for (i, e) in events.iter_mut().enumerate() {
            let id = format!("attempt-{}", base + i as u64 + 1);
            for c in &mut e.causes {
                c.attempt = Some(id.clone());
            }
            e.attempt.id = id;
        }
    }
}

/// What a streamed input gave at its end.
#[derive(Debug, Clone, Serialize)]
pub struct StreamEnd {
    pub stats: StreamStats,
    pub capture: CaptureInfo,
    pub flow: crate::flow::FlowStats,
}

/// The last JSON Lines event of a streamed input (docs/json-schema.md "Events").
#[derive(Debug, Clone, Serialize)]
pub struct EndEvent {
    /// [`crate::diagnose::event::EVENT_SCHEMA`].
    pub schema: &'static str,
    /// `end`.
    pub event: &'static str,
    pub input: String,
    /// Why it ended: `end_of_input`, `signal` (SIGINT / SIGTERM), `duration`, `count`.
    pub reason: &'static str,
    pub attempts: u64,
    pub failed: u64,
    /// The first cause of each failed attempt, counted.
    pub causes: std::collections::BTreeMap<String, u64>,
    pub frames: u64,
    pub stats: StreamStats,
    /// Conversations and packets the flow table could not keep, packets after a close.
    pub conversations_untracked: u64,
    pub packets_untracked: u64,
    pub packets_after_close: u64,
    /// Capture-level problems (a truncated last record, a read error).
    pub warnings: Vec<String>,
    /// Live capture only: pcap's own counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_stats: Option<serde_json::Value>,
}

/// Runs the engine as it goes over a capture read from `reader` (already decompressed),
/// calling `on_event` for each attempt as it closes; at the end of the input every open
/// attempt is closed and emitted too.
pub fn stream_reader(
    input: String,
    reader: impl std::io::Read,
    options: StreamOptions,
    keys: crate::proto::decrypt::SharedKeys,
    mut on_event: impl FnMut(AttemptEvent),
) -> Result<StreamEnd, crate::analyze::AnalyzeError> {
    let mut pipeline = Pipeline::new(None, keys);
    let mut streamer = Streamer::new(input.clone(), options, &mut pipeline);
    let both = std::cell::RefCell::new((pipeline, &mut streamer, &mut on_event));
    let capture = crate::analyze::read_capture(
        &input,
        reader,
        |frame| {
            let mut guard = both.borrow_mut();
            let (pipeline, streamer, on_event) = &mut *guard;
            pipeline.frame(frame);
            // The frame's own time, not the latest seen: in a merged capture whose times
            // go back, the earlier part's conversations are not over by the later part's
            // clock.
            for event in streamer.advance(pipeline, frame.ts) {
                on_event(event);
            }
        },
        |secrets| both.borrow_mut().0.secrets(secrets),
    )?;
    let (mut pipeline, _, _) = both.into_inner();
    let mut capture = capture;
    if capture.last_ts.is_none() {
        capture.last_ts = pipeline.now;
    }
    streamer.finish(&mut pipeline, capture.clone(), |events| {
        events.into_iter().for_each(&mut on_event)
    });
    Ok(StreamEnd {
        stats: streamer.stats.clone(),
        capture,
        flow: pipeline.flow_stats().clone(),
    })
}
