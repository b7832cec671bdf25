//! The `rdptriage/1` JSON document (one per input file). Field names are public interface:
//! add fields, never rename them. Documented in docs/json-schema.md.

use crate::analyze::{Analysis, AnalyzeError};
use crate::capture::{self, CaptureError, Timestamp};
use crate::flow::tcp::TcpDirectionStats;
use crate::flow::{Conversation, DirectionStats, IcmpNote, Protocol, RoleBasis, Side};
use crate::proto::rdg::summary::GatewaySummary;
use crate::proto::rdp::summary::RdpSetup;
use crate::proto::tls::summary::TlsSummary;
use serde::Serialize;

pub const SCHEMA: &str = "rdptriage/1";

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub schema: &'static str,
    pub file: FileSummary,
    /// Empty when the connections were spilled ([`FileReport::spilled`]).
    pub connections: Vec<ConnectionReport>,
    pub findings: Vec<Finding>,
    pub diagnosis: Diagnosis,
    /// The connections written out as JSON while the input was read, in their order
    /// ([`write_document`] writes them in `connections`).
    #[serde(skip)]
    pub spilled: Option<SpilledConnections>,
}

/// Connection entries already rendered as compact JSON and kept in a temporary file (in
/// `TMPDIR`, removed from its directory at once), so that a document of many connections
/// is not held in memory: memory keeps 16 bytes per connection.
#[derive(Debug)]
pub struct SpilledConnections {
    file: std::fs::File,
    /// The entries in the document's order.
    entries: Vec<SpilledEntry>,
    /// What the table says of the connections.
    pub tally: ConnectionTally,
}

/// What the table says of a document's connections without them at hand.
#[derive(Debug, Default, Clone)]
pub struct ConnectionTally {
    /// TLS sessions decrypted.
    pub tls_decrypted: usize,
    /// The first TLS sessions not decrypted, in the input's order (at most
    /// [`ConnectionTally::EXAMPLES`]): `(order, client, server, why)`.
    pub tls_not_decrypted: Vec<(u64, String, String, String)>,
}

impl ConnectionTally {
    pub const EXAMPLES: usize = 5;

    /// Counts one connection entry (`order`: its place in the input's order).
    pub fn add(&mut self, order: u64, c: &ConnectionReport) {
        let Some(decryption) = c.tls.as_ref().and_then(|t| t.decryption) else {
            return;
        };
        if decryption == "decrypted" {
            self.tls_decrypted += 1;
            return;
        }
        let examples = &mut self.tls_not_decrypted;
        if examples.len() == Self::EXAMPLES && examples.last().is_some_and(|(o, ..)| *o < order) {
            return;
        }
        let why = c
            .tls
            .as_ref()
            .and_then(|t| t.decryption_reason.clone())
            .unwrap_or_default();
        let at = examples.partition_point(|(o, ..)| *o < order);
        examples.insert(at, (order, c.client.clone(), c.server.clone(), why));
        examples.truncate(Self::EXAMPLES);
    }
}

impl FileReport {
    /// Connections in the document, held or spilled.
    pub fn connection_count(&self) -> usize {
        self.connections.len() + self.spilled.as_ref().map_or(0, |s| s.entries.len())
    }

    /// TLS sessions decrypted, and the first not decrypted: `(client, server, why)`.
    pub fn tls_decryption(&self) -> (usize, Vec<(String, String, String)>) {
        let mut tally = self
            .spilled
            .as_ref()
            .map(|s| s.tally.clone())
            .unwrap_or_default();
        for (i, c) in self.connections.iter().enumerate() {
            tally.add(i as u64, c);
        }
        (
            tally.tls_decrypted,
            tally
                .tls_not_decrypted
                .into_iter()
                .map(|(_, client, server, why)| (client, server, why))
                .collect(),
        )
    }
}

/// One connection entry of [`SpilledConnections`].
#[derive(Debug)]
pub enum SpilledEntry {
    /// Rendered in the file: offset and length.
    AtOffset(u64, u32),
    /// Held in memory (a UDP flow, which a resumed part may still join; or an entry the
    /// file could not take).
    Held(Box<ConnectionReport>),
}

impl SpilledConnections {
    /// A temporary file written by [`SpilledConnections::push`] and read back by
    /// [`write_document`].
    pub fn writer() -> std::io::Result<SpillWriter> {
        let dir = std::env::temp_dir();
        let mut last = None;
        for attempt in 0..16u32 {
            let path = dir.join(format!(
                "rdptriage-spill-{}-{}-{attempt}",
                std::process::id(),
                SPILL_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            match std::fs::File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    // Nothing else needs the name: the file goes when it is closed.
                    let _ = std::fs::remove_file(&path);
                    return Ok(SpillWriter {
                        out: std::io::BufWriter::with_capacity(1 << 20, file),
                        len: 0,
                        tally: ConnectionTally::default(),
                        broken: false,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file")))
    }

    /// Writes the entries as a JSON array.
    fn write_array(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = &self.file;
        let mut buf = Vec::new();
        w.write_all(b"[")?;
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            match entry {
                SpilledEntry::AtOffset(offset, len) => {
                    buf.resize(*len as usize, 0);
                    file.seek(SeekFrom::Start(*offset))?;
                    file.read_exact(&mut buf)?;
                    w.write_all(&buf)?;
                }
                SpilledEntry::Held(report) => serde_json::to_writer(&mut *w, report)?,
            }
        }
        w.write_all(b"]")
    }
}

static SPILL_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Connection entries being spilled ([`SpilledConnections::writer`]).
pub struct SpillWriter {
    out: std::io::BufWriter<std::fs::File>,
    len: u64,
    tally: ConnectionTally,
    /// A write failed (the disk is full): the file's length is not known any more, so
    /// nothing more goes into it.
    broken: bool,
}

impl SpillWriter {
    /// Writes one entry (`order`: its place in the input's order); returns where it is.
    pub fn push(&mut self, order: u64, report: &ConnectionReport) -> std::io::Result<(u64, u32)> {
        use std::io::Write;
        if self.broken {
            return Err(std::io::Error::other("the spill file failed before"));
        }
        let bytes = serde_json::to_vec(report)?;
        if let Err(e) = self.out.write_all(&bytes) {
            self.broken = true;
            return Err(e);
        }
        let at = (self.len, bytes.len() as u32);
        self.len += bytes.len() as u64;
        self.tally.add(order, report);
        Ok(at)
    }

    /// The spilled entries, in the order given; `held`: the held ones' places in the input's
    /// order, for the tally.
    pub fn finish(
        mut self,
        entries: Vec<(u64, SpilledEntry)>,
    ) -> std::io::Result<SpilledConnections> {
        for (order, entry) in &entries {
            if let SpilledEntry::Held(report) = entry {
                self.tally.add(*order, report);
            }
        }
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(SpilledConnections {
            file,
            entries: entries.into_iter().map(|(_, e)| e).collect(),
            tally: self.tally,
        })
    }
}

/// Writes `report` as JSON: as serde renders it, the spilled connections read back in their
/// place (compact only: a spilled document is never pretty-printed).
pub fn write_document(
    report: &FileReport,
    w: &mut dyn std::io::Write,
    pretty: bool,
) -> std::io::Result<()> {
    let Some(spilled) = &report.spilled else {
        if pretty {
            serde_json::to_writer_pretty(&mut *w, report)?;
        } else {
            serde_json::to_writer(&mut *w, report)?;
        }
        return Ok(());
    };
    // The fields in the order `#[derive(Serialize)]` writes them.
    w.write_all(b"{\"schema\":")?;
    serde_json::to_writer(&mut *w, &report.schema)?;
    w.write_all(b",\"file\":")?;
    serde_json::to_writer(&mut *w, &report.file)?;
    w.write_all(b",\"connections\":")?;
    spilled.write_array(w)?;
    w.write_all(b",\"findings\":")?;
    serde_json::to_writer(&mut *w, &report.findings)?;
    w.write_all(b",\"diagnosis\":")?;
    serde_json::to_writer(&mut *w, &report.diagnosis)?;
    w.write_all(b"}")
}

pub use crate::detect::{Finding, Severity};

pub use crate::diagnose::{Cause, Diagnosis};

#[derive(Debug, Serialize)]
pub struct LinkTypeCount {
    pub link_type: u32,
    pub name: String,
    pub frames: u64,
}

#[derive(Debug, Serialize)]
pub struct Warning {
    pub kind: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct ErrorInfo {
    pub kind: &'static str,
    pub message: String,
    pub offset: u64,
}

#[derive(Debug, Serialize)]
pub struct BadChecksums {
    pub ipv4_header: u64,
    pub tcp: u64,
    pub udp: u64,
}

#[derive(Debug, Serialize)]
pub struct SecretsSummary {
    pub secrets_type: String,
    pub length: usize,
    pub after_frame: u64,
}

#[derive(Debug, Serialize)]
pub struct Limits {
    pub conversations_untracked: u64,
    pub packets_untracked: u64,
    pub peak_reassembly_bytes: usize,
    /// Out-of-order bytes the global reassembly budget forced out (delivered behind gaps).
    pub reassembly_evicted_bytes: u64,
    /// Conversations whose reassembly buffers the global budget evicted.
    pub reassembly_evicted_conversations: u64,
    /// Connections judged but not listed in `connections[]` (nor their findings, attempts
    /// and causes) because the document already lists its maximum (see
    /// docs/json-schema.md; warning `limit_document`).
    pub connections_not_listed: u64,
    /// Attempts judged but not listed, and how many of them failed.
    pub attempts_not_listed: u64,
    pub failed_attempts_not_listed: u64,
}

#[derive(Debug, Serialize, Default)]
pub struct FileSummary {
    pub path: String,
    pub format: Option<capture::Format>,
    pub gzip: bool,
    pub byte_order: Option<capture::ByteOrder>,
    pub ts_precision: Option<String>,
    pub link_types: Vec<LinkTypeCount>,
    pub interfaces: Vec<capture::InterfaceInfo>,
    pub packets: u64,
    pub bytes: u64,
    pub captured_bytes: u64,
    pub bytes_read: u64,
    pub first_packet: Option<Timestamp>,
    pub last_packet: Option<Timestamp>,
    /// When capturing stopped, if the file records it (pcapng `isb_endtime`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_end: Option<Timestamp>,
    /// `isb_endtime`, or `isb_endtime_microseconds` (the value read in microseconds because
    /// only that lands after the last packet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_end_basis: Option<&'static str>,
    pub duration_s: f64,
    pub ipv4_packets: u64,
    pub ipv6_packets: u64,
    pub non_ip_frames: u64,
    pub unsupported_link_frames: u64,
    pub decode_errors: u64,
    pub frames_cut_by_snaplen: u64,
    pub bad_checksums: Option<BadChecksums>,
    pub ip_fragments: Option<crate::net::defrag::DefragStats>,
    pub tcp_conversations: u64,
    pub udp_conversations: u64,
    pub icmp_errors: u64,
    pub icmp_errors_unmatched: u64,
    pub comments: Vec<String>,
    pub comments_total: u64,
    pub decryption_secrets: Vec<SecretsSummary>,
    /// Key logs used to decrypt TLS (see `connections[].tls.decryption` per session).
    pub decryption: crate::analyze::DecryptionInfo,
    pub limits: Option<Limits>,
    pub warnings: Vec<Warning>,
    pub error: Option<ErrorInfo>,
}

/// One direction: the flow stage's counters (serialised inline) and, for TCP, reassembly's.
#[derive(Debug, Serialize)]
pub struct DirectionReport {
    #[serde(flatten)]
    pub stats: DirectionStats,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpDirectionStats>,
}

#[derive(Debug, Serialize)]
pub struct Handshake {
    pub syn_frame: Option<u64>,
    pub synack_frame: Option<u64>,
    pub ack_frame: Option<u64>,
    /// SYN → SYN+ACK, as seen at the capture point.
    pub syn_to_synack_ms: Option<f64>,
    /// SYN+ACK → ACK.
    pub synack_to_ack_ms: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ConnectionReport {
    /// `tcp/<stream>` or `udp/<stream>`.
    pub id: String,
    pub transport: Protocol,
    pub stream: u64,
    pub client: String,
    pub server: String,
    pub role_basis: RoleBasis,
    pub first_frame: u64,
    pub last_frame: u64,
    pub start: Timestamp,
    pub duration_s: f64,
    pub packets: u64,
    pub bytes: u64,
    pub client_to_server: DirectionReport,
    pub server_to_client: DirectionReport,
    /// How it ended: `fin_client`, `fin_server`, `rst_client`, `rst_server`,
    /// `syn_unanswered`, `open` (TCP); `none` (UDP).
    pub end: &'static str,
    pub end_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake: Option<Handshake>,
    pub icmp_errors: Vec<IcmpNote>,
    pub icmp_error_count: u64,
    /// RDP connection setup, when the connection carries RDP (see docs/json-schema.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdp: Option<Box<RdpSetup>>,
    /// TCP: the phase reached, who closed and how, RTT, retransmissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<crate::state::phase::ConnectionPhase>,
    /// TLS handshake, when the connection carries TLS (see docs/json-schema.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Box<TlsSummary>>,
    /// HTTP and RD Gateway (MS-TSGU) exchange inside decrypted TLS, when decoded (see
    /// docs/json-schema.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<Box<GatewaySummary>>,
    /// RDP over UDP (MS-RDPEUDP), when the UDP conversation carries it (see
    /// docs/json-schema.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdp_udp: Option<Box<crate::proto::rdpudp::RdpUdpFlow>>,
    /// DNS lookups on a UDP port-53 conversation (see docs/json-schema.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<crate::proto::dns::DnsConversation>,
    /// The connection state of an RDP / TLS connection: the stage reached, how it ended,
    /// how each fact is known (see docs/json-schema.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<Box<crate::state::ConnectionState>>,
    pub wireshark_filter: String,
    /// Its last packet's time (`start` + `duration_s`, exactly).
    #[serde(skip)]
    pub last_ts: Timestamp,
    /// The resumed part of a UDP flow (see [`ConnectionReport::join_resumed`]).
    #[serde(skip)]
    pub resumed: bool,
}

impl ConnectionReport {
    /// Joins the part of a UDP flow that resumed its 5-tuple after a silence (the same
    /// `udp.stream`: see [`crate::flow::UDP_REMEMBERED`]) into this, its first part.
    pub fn join_resumed(&mut self, later: ConnectionReport) {
        fn join(a: &mut DirectionStats, b: &DirectionStats) {
            a.packets += b.packets;
            a.bytes += b.bytes;
            a.payload_bytes += b.payload_bytes;
            a.first_frame = a.first_frame.or(b.first_frame);
            a.last_frame = b.last_frame.or(a.last_frame);
            a.ttl_min = a.ttl_min.into_iter().chain(b.ttl_min).min();
            a.ttl_max = a.ttl_max.into_iter().chain(b.ttl_max).max();
            a.bad_checksums += b.bad_checksums;
        }
        join(
            &mut self.client_to_server.stats,
            &later.client_to_server.stats,
        );
        join(
            &mut self.server_to_client.stats,
            &later.server_to_client.stats,
        );
        self.last_frame = self.last_frame.max(later.last_frame);
        self.last_ts = self.last_ts.max(later.last_ts);
        self.duration_s = self.start.secs_until(self.last_ts);
        self.packets += later.packets;
        self.bytes += later.bytes;
        self.icmp_errors.extend(later.icmp_errors);
        self.icmp_error_count += later.icmp_error_count;
        self.rdp_udp = self.rdp_udp.take().or(later.rdp_udp);
        match (&mut self.dns, later.dns) {
            (Some(dns), Some(more)) => dns.join(more),
            (mine, theirs) => *mine = mine.take().or(theirs),
        }
    }
}

fn direction(c: &Conversation, from: Side) -> DirectionReport {
    DirectionReport {
        stats: c.stats(from).clone(),
        tcp: c.tcp.as_ref().map(|t| t.dir(from).stats.clone()),
    }
}

fn ms_between(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<f64> {
    Some(a?.secs_until(b?) * 1000.0)
}

pub fn connection_report(
    c: &Conversation,
    rdp: Option<RdpSetup>,
    tls: Option<TlsSummary>,
    tcp: Option<crate::state::phase::ConnectionPhase>,
) -> ConnectionReport {
    boxed_connection_report(c, rdp.map(Box::new), tls.map(Box::new), tcp)
}

/// [`connection_report`] of summaries already boxed (as the connection state holds them).
fn boxed_connection_report(
    c: &Conversation,
    rdp: Option<Box<RdpSetup>>,
    tls: Option<Box<TlsSummary>>,
    tcp: Option<crate::state::phase::ConnectionPhase>,
) -> ConnectionReport {
    let (end, end_frame) = crate::flow::conversation_end(c);
    ConnectionReport {
        id: format!(
            "{}/{}",
            match c.protocol {
                Protocol::Tcp => "tcp",
                Protocol::Udp => "udp",
            },
            c.stream
        ),
        transport: c.protocol,
        stream: c.stream,
        client: c.client.to_string(),
        server: c.server.to_string(),
        role_basis: c.role_basis,
        first_frame: c.first_frame,
        last_frame: c.last_frame,
        start: c.first_ts,
        duration_s: c.first_ts.secs_until(c.last_ts),
        packets: c.packets(),
        bytes: c.bytes(),
        client_to_server: direction(c, Side::Client),
        server_to_client: direction(c, Side::Server),
        end,
        end_frame,
        handshake: c.tcp.as_ref().map(|t| Handshake {
            syn_frame: t.syn_frame,
            synack_frame: t.synack_frame,
            ack_frame: t.handshake_ack_frame,
            syn_to_synack_ms: ms_between(t.syn_ts, t.synack_ts),
            synack_to_ack_ms: ms_between(t.synack_ts, t.handshake_ack_ts),
        }),
        icmp_errors: c.icmp_errors.clone(),
        icmp_error_count: c.icmp_error_count,
        rdp,
        tcp,
        tls,
        gateway: None,
        state: None,
        rdp_udp: None,
        dns: None,
        wireshark_filter: c.wireshark_filter(),
        last_ts: c.last_ts,
        resumed: c.resumed,
    }
}

fn error_kind(e: &CaptureError) -> &'static str {
    match e {
        CaptureError::Empty => "empty",
        CaptureError::NotACapture { .. } => "not_a_capture",
        CaptureError::Truncated { .. } => "truncated",
        CaptureError::Corrupt { .. } => "corrupt",
        CaptureError::Io { .. } => "io",
    }
}

fn secrets_type_name(t: u32) -> String {
    match t {
        0x544c_534b => "tls_key_log".into(),
        0x5747_4b4c => "wireguard_key_log".into(),
        0x5a4e_5750 => "zigbee_nwk_key".into(),
        other => format!("0x{other:08x}"),
    }
}

fn warnings(a: &Analysis, cap_hits: u64) -> Vec<Warning> {
    let mut w = Vec::new();
    let cap = &a.capture;
    if let Some(stop) = &cap.stopped {
        w.push(Warning {
            kind: error_kind(stop),
            message: format!(
                "{}: {stop}; the {} frames before it were analysed",
                a.name, cap.frames
            ),
            offset: Some(stop.offset()),
        });
    }
    if cap.frames_cut_by_snaplen > 0 {
        w.push(Warning {
            kind: "snaplen",
            message: format!(
                "{} frames were cut by the capture's snapshot length; their missing bytes count as gaps",
                cap.frames_cut_by_snaplen
            ),
            offset: None,
        });
    }
    for (lt, n) in &a.link.unsupported_link_types {
        w.push(Warning {
            kind: "unsupported_link_type",
            message: format!(
                "{n} frames of link type {} ({lt}) are not decoded",
                capture::link_type_name(*lt)
            ),
            offset: None,
        });
    }
    if a.link.truncated_link_headers > 0 {
        w.push(Warning {
            kind: "truncated_link_header",
            message: format!(
                "{} frames are shorter than their link-layer header",
                a.link.truncated_link_headers
            ),
            offset: None,
        });
    }
    let n = &a.net;
    let bad = n.bad_ipv4_header_checksums + n.bad_tcp_checksums + n.bad_udp_checksums;
    if bad > 0 {
        w.push(Warning {
            kind: "bad_checksums",
            message: format!(
                "{bad} packets have bad checksums (IPv4 header {}, TCP {}, UDP {}); kept — usually checksum offloading on the capturing host",
                n.bad_ipv4_header_checksums, n.bad_tcp_checksums, n.bad_udp_checksums
            ),
            offset: None,
        });
    }
    if n.decode_errors > 0 {
        w.push(Warning {
            kind: "decode_errors",
            message: format!(
                "{} packets could not be decoded past their IP header",
                n.decode_errors
            ),
            offset: None,
        });
    }
    if cap.out_of_order_timestamps > 0 {
        w.push(Warning {
            kind: "timestamps_out_of_order",
            message: format!(
                "{} frames carry a timestamp earlier than the frame before",
                cap.out_of_order_timestamps
            ),
            offset: None,
        });
    }
    if cap.frames_unknown_interface > 0 {
        w.push(Warning {
            kind: "unknown_interface",
            message: format!(
                "{} packet blocks name an interface that was never described",
                cap.frames_unknown_interface
            ),
            offset: None,
        });
    }
    if a.flow.conversations_untracked > 0 {
        w.push(Warning {
            kind: "limit_conversations",
            message: format!(
                "conversation table full ({} conversations): {} more conversations ({} packets) were not tracked",
                crate::flow::MAX_CONVERSATIONS,
                a.flow.conversations_untracked,
                a.flow.packets_untracked
            ),
            offset: None,
        });
    }
    let f = &n.fragments;
    if f.datagrams_evicted
        + f.datagrams_expired
        + f.datagrams_incomplete_at_end
        + f.datagrams_with_truncated_fragment
        > 0
    {
        w.push(Warning {
            kind: "ip_fragments",
            message: format!(
                "IP fragments not reassembled: {} datagrams incomplete at end, {} expired, {} evicted (limit), {} with a fragment cut by the snaplen",
                f.datagrams_incomplete_at_end, f.datagrams_expired, f.datagrams_evicted, f.datagrams_with_truncated_fragment
            ),
            offset: None,
        });
    }
    if a.flow.reassembly_evicted_conversations > 0 {
        w.push(Warning {
            kind: "limit_reassembly_budget",
            message: format!(
                "the TCP reassembly budget ({} bytes over all conversations) was exceeded: the out-of-order data of {} conversations ({} bytes) was handed over early and the missing ranges before it declared gaps",
                crate::flow::REASSEMBLY_BUDGET,
                a.flow.reassembly_evicted_conversations,
                a.flow.reassembly_evicted_bytes
            ),
            offset: None,
        });
    }
    if cap_hits > 0 {
        w.push(Warning {
            kind: "limit_reassembly",
            message: format!(
                "the TCP reassembly buffer cap ({} bytes per direction) was hit {cap_hits} times; gaps were declared",
                crate::flow::tcp::MAX_BUFFERED_BYTES
            ),
            offset: None,
        });
    }
    w
}

/// The JSON document of an analysed file, judged by the engine (`crate::engine::file_report`
/// runs the judging). Takes the analysis by value: each conversation's state is dropped as
/// soon as its report is built, so the analysis and the report are never both whole in
/// memory.
pub fn file_report(a: Analysis, findings: Vec<Finding>, diagnosis: Diagnosis) -> FileReport {
    let file = file_summary(&a, buffer_cap_hits(&a.conversations));
    let connections = connection_reports(a)
        .into_iter()
        .map(|(_, report)| report)
        .collect();
    FileReport {
        schema: SCHEMA,
        file,
        connections,
        diagnosis,
        findings,
        spilled: None,
    }
}

/// How often the conversations' reassembly buffers hit their cap (per direction).
pub fn buffer_cap_hits(conversations: &[Conversation]) -> u64 {
    conversations
        .iter()
        .filter_map(|c| c.tcp.as_ref())
        .map(|t| t.client.stats.buffer_cap_hits + t.server.stats.buffer_cap_hits)
        .sum()
}

/// The reports of an analysis's connections that carried a packet, each with its
/// conversation's place in the input's order ([`Conversation::order`]), in that order.
pub fn connection_reports(a: Analysis) -> Vec<(u64, ConnectionReport)> {
    let Analysis {
        conversations,
        observations,
        mut states,
        mut rdp_udp,
        mut dns,
        ..
    } = a;
    // Built from the last conversation back, the conversations' room handed back (every
    // `SHRINK_EVERY`) as the reports take theirs, then put in order: the two lists are never
    // both whole in memory (a kept conversation is ~1.4 KiB, its report ~1.3 KiB; RSS counts
    // the pages written, so the reports' room reserved at once costs only as it fills). A
    // filtered `collect` would also have grown by doubling, up to twice the room.
    const SHRINK_EVERY: usize = 4096;
    let mut conversations = conversations;
    let mut connections =
        Vec::with_capacity(conversations.iter().filter(|c| c.packets() > 0).count());
    let mut since_shrink = 0;
    while let Some(c) = conversations.pop() {
        since_shrink += 1;
        if since_shrink == SHRINK_EVERY {
            conversations.shrink_to_fit();
            since_shrink = 0;
        }
        if c.packets() == 0 {
            continue;
        }
        let obs = match c.protocol {
            Protocol::Tcp => observations.get(&c.stream).map(Vec::as_slice),
            Protocol::Udp => None,
        };
        let mut state = match c.protocol {
            Protocol::Tcp => states.remove(&c.stream),
            Protocol::Udp => None,
        };
        let rdp = state.as_mut().and_then(|s| s.setup.take());
        let tls = state.as_mut().and_then(|s| s.tls.take());
        let gateway = state.as_mut().and_then(|s| s.gateway.take());
        let tcp = crate::state::phase::phase_from(&c, obs.unwrap_or(&[]), state.as_ref());
        let mut report = boxed_connection_report(&c, rdp, tls, tcp);
        report.state = state
            .filter(|_| report.rdp.is_some() || report.tls.is_some())
            .map(Box::new);
        report.gateway = gateway;
        if c.protocol == Protocol::Udp {
            report.rdp_udp = rdp_udp.remove(&c.stream).map(Box::new);
            report.dns = dns.remove(&c.stream);
        }
        connections.push((c.order(), report));
    }
    drop(conversations);
    connections.reverse();
    connections
}

/// The report of a DNS conversation (UDP port 53) with its lookups.
pub fn dns_connection_report(
    c: &Conversation,
    lookups: crate::proto::dns::DnsConversation,
) -> ConnectionReport {
    let mut report = boxed_connection_report(c, None, None, None);
    report.dns = Some(lookups);
    report
}

/// The `file` part of a document: the input's counters and warnings (`buffer_cap_hits`: see
/// [`buffer_cap_hits`]; the analysis's conversations are not read).
pub fn file_summary(a: &Analysis, buffer_cap_hits: u64) -> FileSummary {
    let cap = &a.capture;
    FileSummary {
        path: a.name.clone(),
        decryption: a.decryption.clone(),
        format: cap.format,
        gzip: a.gzip,
        byte_order: cap.byte_order,
        ts_precision: cap.ts_precision.clone(),
        link_types: cap
            .link_types
            .iter()
            .map(|(&lt, &n)| LinkTypeCount {
                link_type: lt,
                name: capture::link_type_name(lt),
                frames: n,
            })
            .collect(),
        interfaces: cap.interfaces.clone(),
        packets: cap.frames,
        bytes: cap.wire_bytes,
        captured_bytes: cap.captured_bytes,
        bytes_read: cap.bytes_read,
        first_packet: cap.first_ts,
        last_packet: cap.last_ts,
        capture_end: cap.capture_end,
        capture_end_basis: cap.capture_end_basis,
        duration_s: match (cap.first_ts, cap.last_ts) {
            (Some(a), Some(b)) => a.secs_until(b),
            _ => 0.0,
        },
        ipv4_packets: a.net.ipv4_packets,
        ipv6_packets: a.net.ipv6_packets,
        non_ip_frames: a.net.non_ip_frames + a.link.unknown_address_families,
        unsupported_link_frames: a.link.unsupported_link_types.values().sum(),
        decode_errors: a.net.decode_errors,
        frames_cut_by_snaplen: cap.frames_cut_by_snaplen,
        bad_checksums: Some(BadChecksums {
            ipv4_header: a.net.bad_ipv4_header_checksums,
            tcp: a.net.bad_tcp_checksums,
            udp: a.net.bad_udp_checksums,
        }),
        ip_fragments: Some(a.net.fragments.clone()),
        tcp_conversations: a.flow.tcp_conversations,
        udp_conversations: a.flow.udp_conversations,
        icmp_errors: a.flow.icmp_errors,
        icmp_errors_unmatched: a.flow.icmp_errors_unmatched,
        comments: cap.comments.clone(),
        comments_total: cap.comments_total,
        decryption_secrets: cap
            .secrets
            .iter()
            .map(|s| SecretsSummary {
                secrets_type: secrets_type_name(s.secrets_type),
                length: s.length,
                after_frame: s.after_frame,
            })
            .collect(),
        limits: Some(Limits {
            conversations_untracked: a.flow.conversations_untracked,
            packets_untracked: a.flow.packets_untracked,
            peak_reassembly_bytes: a.flow.peak_reassembly_bytes,
            reassembly_evicted_bytes: a.flow.reassembly_evicted_bytes,
            reassembly_evicted_conversations: a.flow.reassembly_evicted_conversations,
            connections_not_listed: 0,
            attempts_not_listed: 0,
            failed_attempts_not_listed: 0,
        }),
        warnings: warnings(a, buffer_cap_hits),
        error: None,
    }
}

/// The JSON document of an input that could not be read at all.
pub fn error_report(err: &AnalyzeError) -> FileReport {
    let (path, kind, offset) = match err {
        AnalyzeError::Open { name, .. } => (name.clone(), "open", 0),
        AnalyzeError::Capture { name, source } => {
            (name.clone(), error_kind(source), source.offset())
        }
        AnalyzeError::WindowsTrace { name, .. } => (name.clone(), "not_a_capture", 0),
    };
    FileReport {
        schema: SCHEMA,
        file: FileSummary {
            path,
            error: Some(ErrorInfo {
                kind,
                message: err.to_string(),
                offset,
            }),
            ..Default::default()
        },
        connections: Vec::new(),
        findings: Vec::new(),
        diagnosis: Diagnosis::default(),
        spilled: None,
    }
}

#[cfg(test)]
mod tests {
    /// The RDP, TLS, gateway and RDP-UDP summaries are boxed: a flood's 100 000 reports
    /// of bare TCP connections cost ~1.3 KiB each, not 4.5 KiB (BENCHMARKS.md, "SYN flood").
    #[test]
    fn connection_report_stays_small() {
        assert!(std::mem::size_of::<super::ConnectionReport>() <= 1536);
    }
}
