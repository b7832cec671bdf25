//! A file's `rdptriage/1` document, assembled from the engine run as it goes to the end of
//! the input: every host-pair group the engine judges hands over its connections' reports,
//! its findings and its judged attempts ([`crate::diagnose::Judged`]) and drops the rest
//! (buffers, observations, states); at the end the parts are put in the input's order —
//! connections by first packet, findings by severity and frame, attempts renumbered by
//! their first frame — and the verdict is drawn once over all attempts
//! ([`crate::diagnose::conclude`]). Memory is what the document itself holds plus the
//! conversations still open, not every conversation's decoding state; with
//! [`DocumentParts::spill`] the TCP connection entries (most of a document) are rendered
//! into a temporary file as they are judged, and the document lists at most
//! [`MAX_LISTED_CONNECTIONS`] connections and [`MAX_LISTED_ATTEMPTS`] attempts.

use super::stream::{StreamOptions, Streamer};
use crate::analyze::{AnalyzeError, AnalyzeOptions, DecryptionInfo, Pipeline};
use crate::detect::Finding;
use crate::diagnose::{Judged, conclude};
use crate::proto::decrypt::SharedKeys;
use crate::report::json::{self, ConnectionReport, FileReport, SpillWriter, SpilledEntry};
use std::collections::HashMap;
use std::path::Path;

/// Connections a document lists at most (the flow table's own cap: an input never listed
/// more when it was judged whole). Groups judged after it is reached are counted, not
/// listed (`file.limits.connections_not_listed`, warning `limit_document`): a flood of a
/// million distinct sources would otherwise make a document of gigabytes, in memory.
pub const MAX_LISTED_CONNECTIONS: usize = crate::flow::MAX_CONVERSATIONS;

/// Attempts a document lists at most, by the same rule. More than this many attempts in one
/// capture are a flood, a scan or a password-guessing campaign: the first ones are listed,
/// the rest counted by cause (the attempts, causes and findings held for the document cost
/// about 5 KiB each: a million-SYN flood listing 100 000 of them held 600 MiB).
pub const MAX_LISTED_ATTEMPTS: usize = 10_000;

/// What a document could not list, counted.
#[derive(Default)]
struct NotListed {
    connections: u64,
    attempts: u64,
    failed: u64,
    /// The first cause of each failed attempt not listed, counted.
    causes: std::collections::BTreeMap<String, u64>,
}

/// What the judged groups of one input have handed over so far.
#[derive(Default)]
pub struct DocumentParts {
    /// Connections listed at most ([`MAX_LISTED_CONNECTIONS`] unless a test lowers it).
    max_listed: usize,
    /// Attempts listed at most ([`MAX_LISTED_ATTEMPTS`]), and listed so far.
    max_attempts: usize,
    attempts_listed: usize,
    /// Reports with their conversation's place in the input's order.
    connections: Vec<(u64, ConnectionReport)>,
    findings: Vec<Finding>,
    /// Each judged group's attempts, causes and probes, in the order they were judged.
    groups: Vec<Judged>,
    buffer_cap_hits: u64,
    not_listed: NotListed,
    /// TCP connection entries written out as they are judged ([`DocumentParts::spill`]).
    spill: Option<Spill>,
}

/// TCP connection entries rendered into a temporary file: `(order, offset, length)`.
struct Spill {
    writer: SpillWriter,
    entries: Vec<(u64, u64, u32)>,
}

impl DocumentParts {
    /// Renders TCP connection entries into a temporary file as they are judged, so that the
    /// document does not hold them (see [`json::SpilledConnections`]); without a temporary
    /// file they are held as usual. UDP entries are held: a resumed part may still join one.
    pub fn spill(&mut self) {
        self.spill = json::SpilledConnections::writer().ok().map(|writer| Spill {
            writer,
            entries: Vec::new(),
        });
    }

    /// Lists a connection: into the spill file when it is a TCP one and the file takes it.
    fn list(&mut self, order: u64, report: ConnectionReport) {
        if let Some(spill) = &mut self.spill
            && report.transport == crate::flow::Protocol::Tcp
            && let Ok((offset, len)) = spill.writer.push(order, &report)
        {
            spill.entries.push((order, offset, len));
            return;
        }
        self.connections.push((order, report));
    }

    /// Connections listed so far.
    fn listed(&self) -> usize {
        self.connections.len() + self.spill.as_ref().map_or(0, |s| s.entries.len())
    }

    /// Parts of a document listing at most `max_listed` connections and `max_attempts`
    /// attempts.
    pub fn new(max_listed: usize, max_attempts: usize) -> Self {
        DocumentParts {
            max_listed,
            max_attempts,
            ..Default::default()
        }
    }

    /// A judged group: its connections' reports (`(order, report)`), its findings, its
    /// judged attempts.
    pub fn add_group(
        &mut self,
        connections: Vec<(u64, ConnectionReport)>,
        findings: Vec<Finding>,
        judged: Judged,
        buffer_cap_hits: u64,
    ) {
        self.buffer_cap_hits += buffer_cap_hits;
        if self.is_full(connections.len())
            || self.attempts_listed + judged.attempts.len() > self.max_attempts
        {
            let n = &mut self.not_listed;
            // The resumed part of a UDP flow is the same connection: kept to join its first
            // part if that is listed ([`join_resumed_udp`]), not counted again.
            for (order, report) in connections {
                if report.resumed {
                    self.connections.push((order, report));
                } else {
                    n.connections += 1;
                }
            }
            n.attempts += judged.attempts.len() as u64;
            for at in judged.attempts.iter().filter(|at| at.failed) {
                n.failed += 1;
                let cause = at.causes.first().map_or("none", String::as_str);
                *n.causes.entry(cause.to_string()).or_default() += 1;
            }
            return;
        }
        for (order, report) in connections {
            self.list(order, report);
        }
        self.attempts_listed += judged.attempts.len();
        self.findings.extend(findings);
        self.groups.push(judged);
    }

    /// A connection judged with no group (a DNS conversation, lent to the groups it joins).
    pub fn add_connection(&mut self, order: u64, report: ConnectionReport) {
        if self.is_full(1) && !report.resumed {
            self.not_listed.connections += 1;
        } else {
            self.list(order, report);
        }
    }

    /// Would `more` connections take the document past [`MAX_LISTED_CONNECTIONS`]? Once one
    /// group was not listed, no later one is (the document lists the groups judged first).
    fn is_full(&self, more: usize) -> bool {
        self.not_listed.connections > 0 || self.listed() + more > self.max_listed
    }

    /// The document: `file` is the input's counters ([`Pipeline::counters`]).
    pub fn into_report(self, file: crate::analyze::Analysis) -> FileReport {
        let DocumentParts {
            max_listed: _,
            max_attempts: _,
            attempts_listed,
            mut connections,
            mut findings,
            groups,
            buffer_cap_hits,
            not_listed,
            spill,
        } = self;
        connections.sort_by_key(|(order, _)| *order);
        if file.flow.udp_resumed > 0 {
            connections = join_resumed_udp(connections);
        }
        let listed = connections.len() + spill.as_ref().map_or(0, |s| s.entries.len());
        let mut file = json::file_summary(&file, buffer_cap_hits);
        if not_listed.connections > 0 {
            if let Some(limits) = &mut file.limits {
                limits.connections_not_listed = not_listed.connections;
                limits.attempts_not_listed = not_listed.attempts;
                limits.failed_attempts_not_listed = not_listed.failed;
            }
            let causes: Vec<String> = not_listed
                .causes
                .iter()
                .map(|(cause, n)| format!("{cause} × {n}"))
                .collect();
            file.warnings.push(json::Warning {
                kind: "limit_document",
                message: format!(
                    "the document lists the first {} connections ({} attempts) judged; {} more connections in {} attempts ({} failed{}) were judged but are not listed, and the diagnosis counts only the listed ones",
                    listed,
                    attempts_listed,
                    not_listed.connections,
                    not_listed.attempts,
                    not_listed.failed,
                    if causes.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", causes.join(", "))
                    }
                ),
                offset: None,
            });
        }
        let (connections, spilled) = match spill {
            None => (connections.into_iter().map(|(_, r)| r).collect(), None),
            Some(spill) => match merge_spilled(spill, connections) {
                Ok(spilled) => (Vec::new(), Some(spilled)),
                Err(e) => {
                    file.warnings.push(json::Warning {
                        kind: "io",
                        message: format!(
                            "the connection entries could not be read back from their temporary file: {e}"
                        ),
                        offset: None,
                    });
                    (Vec::new(), None)
                }
            },
        };
        // As `detect::run_with` orders one analysis's findings (stable: within a group,
        // the detectors' order).
        findings.sort_by_key(|f| {
            (
                std::cmp::Reverse(f.severity),
                f.frames.first().copied().unwrap_or(0),
            )
        });
        FileReport {
            schema: json::SCHEMA,
            file,
            connections,
            findings,
            diagnosis: conclude(join(groups)),
            spilled,
        }
    }
}

/// The spilled TCP entries and the held ones (each in the input's order) as one list in
/// that order.
fn merge_spilled(
    spill: Spill,
    held: Vec<(u64, ConnectionReport)>,
) -> std::io::Result<json::SpilledConnections> {
    let Spill {
        writer,
        entries: mut spilled,
    } = spill;
    spilled.sort_unstable_by_key(|(order, _, _)| *order);
    let mut merged = Vec::with_capacity(spilled.len() + held.len());
    let mut held = held.into_iter().peekable();
    for (order, offset, len) in spilled {
        while let Some((o, report)) = held.next_if(|(o, _)| *o < order) {
            merged.push((o, SpilledEntry::Held(Box::new(report))));
        }
        merged.push((order, SpilledEntry::AtOffset(offset, len)));
    }
    merged.extend(held.map(|(o, r)| (o, SpilledEntry::Held(Box::new(r)))));
    writer.finish(merged)
}

/// Each UDP flow that resumed its 5-tuple after a silence joined into its first part (they
/// share the `udp.stream` number; see [`crate::flow::UDP_REMEMBERED`]).
fn join_resumed_udp(connections: Vec<(u64, ConnectionReport)>) -> Vec<(u64, ConnectionReport)> {
    let mut out: Vec<(u64, ConnectionReport)> = Vec::with_capacity(connections.len());
    let mut first_part: HashMap<u64, usize> = HashMap::new();
    for (order, report) in connections {
        if report.transport == crate::flow::Protocol::Udp {
            if let Some(&i) = first_part.get(&report.stream) {
                out[i].1.join_resumed(report);
                continue;
            }
            // A resumed part whose first part is not listed (the document was full).
            if report.resumed {
                continue;
            }
            first_part.insert(report.stream, out.len());
        }
        out.push((order, report));
    }
    out
}

/// The judged groups as one: attempts renumbered `attempt-1`, … by first frame (as one
/// analysis numbers them), each cause following its attempt, probes in order of their first
/// connection.
fn join(groups: Vec<Judged>) -> Judged {
    // (first frame, group, attempt within the group)
    let mut order: Vec<(u64, usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, judged)| {
            judged
                .attempts
                .iter()
                .enumerate()
                .map(move |(i, at)| (at.first_frame, g, i))
        })
        .collect();
    order.sort_unstable();
    // The new rank of each group's attempts, by their place in the group.
    let mut rank_in_group: Vec<Vec<usize>> = groups
        .iter()
        .map(|j| vec![usize::MAX; j.attempts.len()])
        .collect();
    for (rank, &(_, g, i)) in order.iter().enumerate() {
        rank_in_group[g][i] = rank;
    }
    let mut slots: Vec<Option<crate::diagnose::attempts::Attempt>> =
        (0..order.len()).map(|_| None).collect();
    let mut ranked = Vec::new();
    let mut probes = Vec::new();
    let mut probe_connections = 0;
    for (g, judged) in groups.into_iter().enumerate() {
        let ranks = &rank_in_group[g];
        // A group's attempt ids are `attempt-<place + 1>` (see `diagnose::attempts`).
        let mut new_id: HashMap<String, (usize, String)> = HashMap::new();
        for (i, mut at) in judged.attempts.into_iter().enumerate() {
            let rank = ranks[i];
            let id = format!("attempt-{}", rank + 1);
            new_id.insert(std::mem::replace(&mut at.id, id.clone()), (rank, id));
            slots[rank] = Some(at);
        }
        for (mut cause, severity) in judged.ranked {
            let known = cause
                .attempt
                .as_ref()
                .and_then(|id| new_id.get(id))
                .cloned();
            let rank = known.as_ref().map_or(usize::MAX, |(rank, _)| *rank);
            cause.attempt = known.map(|(_, id)| id);
            ranked.push((rank, cause, severity));
        }
        probes.extend(judged.probes);
        probe_connections += judged.probe_connections;
    }
    // Stable: an attempt's causes keep their order.
    ranked.sort_by_key(|(rank, _, _)| *rank);
    probes.sort_by_key(|p| p.example_stream);
    Judged {
        attempts: slots.into_iter().flatten().collect(),
        ranked: ranked.into_iter().map(|(_, c, s)| (c, s)).collect(),
        probes,
        probe_connections,
    }
}

/// The `rdptriage/1` document of the capture at `path` (`-` = standard input), analysed by
/// the engine as it goes.
pub fn report_path(path: &Path, options: &AnalyzeOptions) -> Result<FileReport, AnalyzeError> {
    report_path_with(path, options, StreamOptions::default())
}

/// [`report_path`] with the engine's options (e.g. spilling the connection entries).
pub fn report_path_with(
    path: &Path,
    options: &AnalyzeOptions,
    stream: StreamOptions,
) -> Result<FileReport, AnalyzeError> {
    let name = path.display().to_string();
    let source = crate::capture::open_source(path).map_err(|e| AnalyzeError::Open {
        name: name.clone(),
        reason: e.to_string(),
    })?;
    let (keys, decryption) = crate::analyze::keys_for(path, options);
    report_reader(name, source.reader, source.gzip, keys, decryption, stream)
}

/// [`report_path`] of a capture read from `reader` (already decompressed).
pub fn report_reader(
    name: String,
    reader: impl std::io::Read,
    gzip: bool,
    keys: SharedKeys,
    decryption: DecryptionInfo,
    options: StreamOptions,
) -> Result<FileReport, AnalyzeError> {
    let mut pipeline = Pipeline::new(None, keys);
    let mut streamer = Streamer::new(name.clone(), options, &mut pipeline);
    streamer.collect_document();
    let both = std::cell::RefCell::new((pipeline, &mut streamer));
    let capture = crate::analyze::read_capture(
        &name,
        reader,
        |frame| {
            let mut guard = both.borrow_mut();
            let (pipeline, streamer) = &mut *guard;
            pipeline.frame(frame);
            streamer.advance(pipeline, frame.ts);
        },
        |secrets| both.borrow_mut().0.secrets(secrets),
    )?;
    let (mut pipeline, _) = both.into_inner();
    let mut judged_at_end = capture.clone();
    if judged_at_end.last_ts.is_none() {
        judged_at_end.last_ts = pipeline.now;
    }
    streamer.finish(&mut pipeline, judged_at_end, |_| {});
    let counters = pipeline.counters(name, gzip, capture, decryption);
    Ok(streamer
        .take_document()
        .unwrap_or_default()
        .into_report(counters))
}
