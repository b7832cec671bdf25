//! Stage 3 — flow: groups packets into conversations (TCP and UDP, keyed by 5-tuple),
//! numbers them exactly as Wireshark's `tcp.stream` / `udp.stream`, decides client and
//! server, keeps per-direction metadata, attaches ICMP errors to the flow they quote, and
//! reassembles TCP byte streams for registered consumers ([`consumer`], [`tcp`]).
//!
//! Wireshark numbering: a new TCP stream starts at the first packet of an unseen 5-tuple,
//! and again when a SYN without ACK arrives whose sequence number differs from the base
//! sequence number of that direction (port reuse) — packet-tcp.c's rule. UDP streams are
//! one per 5-tuple. Client and server: the sender of a SYN without ACK is the client; else
//! the receiver of a SYN+ACK; else the side on a well-known port is the server; else the
//! sender of the first packet is the client.
//!
//! The table holds at most [`MAX_CONVERSATIONS`] conversations. Beyond that, conversations
//! are counted, not kept ([`FlowStats::conversations_untracked`],
//! [`FlowStats::packets_untracked`]), by the same rule as tracked ones: a packet whose
//! 5-tuple is not in the table starts a new untracked conversation unless its 5-tuple is
//! one of the recently seen untracked ones (the last [`UNTRACKED_RECENT`] to
//! 2 × [`UNTRACKED_RECENT`] distinct 5-tuples, least recently seen forgotten first); a SYN
//! without ACK on a remembered 5-tuple starts a new one too when its sequence number differs
//! from the first SYN remembered for that sender (port reuse). The counts are exact — what
//! Wireshark numbers as new `tcp.stream` / `udp.stream` — whenever a conversation's packets
//! come while it is among the recent ones, as in a SYN flood (each source once, or a SYN and
//! its retransmissions seconds apart); a conversation that resumes after more than
//! [`UNTRACKED_RECENT`] other untracked 5-tuples were seen is counted twice. Memory stays
//! bounded (about 2 × [`UNTRACKED_RECENT`] keys).
//!
//! Reassembly holds out-of-order TCP data per direction (capped by
//! [`tcp::MAX_BUFFERED_BYTES`]) and over all conversations by a budget
//! ([`REASSEMBLY_BUDGET`]): when a segment takes the total above it, the conversation
//! holding the most buffered bytes is *evicted* — its missing ranges are declared gaps to
//! its consumer, as for a lost segment, and its buffered bytes handed over behind them
//! (exactly what the per-direction cap does), which frees them — until the total is within
//! the budget again. Evictions are counted in [`FlowStats::reassembly_evicted_bytes`] and
//! [`FlowStats::reassembly_evicted_conversations`].

mod closing;
pub mod consumer;

pub use closing::CloseTimers;
pub mod tcp;
pub mod timeline;

use crate::capture::{Frame, Timestamp};
use crate::net::{IcmpError, Packet, TcpSegment, Transport};
use consumer::{Chunk, ConsumerFactory, DatagramConsumer, NewConversation, StreamConsumer, Want};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt;
use std::net::IpAddr;
use tcp::TcpDirection;

/// Out-of-order window when the handshake RTT is unknown (Wireshark's default, 3 ms).
pub const OUT_OF_ORDER_DEFAULT_NS: i64 = 3_000_000;
/// Conversations kept per capture.
pub const MAX_CONVERSATIONS: usize = 100_000;
/// Untracked 5-tuples remembered per generation (two generations are kept) once the table
/// is full, so that later packets of an untracked conversation are not counted as new ones.
pub const UNTRACKED_RECENT: usize = 65_536;
/// Bytes of out-of-order TCP data buffered over all conversations of a capture; beyond
/// it, the conversation holding the most is evicted (its holes become gaps). 64 MiB: 64
/// directions at their own cap ([`tcp::MAX_BUFFERED_BYTES`]), or e.g. 100 000
/// conversations with ~670 bytes each.
pub const REASSEMBLY_BUDGET: usize = 64 << 20;
/// ICMP errors listed per conversation (all are counted).
pub const MAX_ICMP_PER_CONVERSATION: usize = 16;
/// Ports taken as "the server side" when no SYN says otherwise: below 1024, plus these.
pub const WELL_KNOWN_HIGH_PORTS: [u16; 4] = [3389, 3391, 8080, 8443];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

/// Which end of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Client,
    Server,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

/// How the client was told from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleBasis {
    FirstPacket,
    WellKnownPort,
    SynAck,
    Syn,
}

/// Per-direction counters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DirectionStats {
    pub packets: u64,
    /// Wire bytes of the frames (as Wireshark's conversation table counts).
    pub bytes: u64,
    /// Transport payload bytes according to the IP headers.
    pub payload_bytes: u64,
    pub first_frame: Option<u64>,
    pub last_frame: Option<u64>,
    pub ttl_min: Option<u8>,
    pub ttl_max: Option<u8>,
    pub bad_checksums: u64,
}

/// An ICMP error that quoted this conversation.
#[derive(Debug, Clone, Serialize)]
pub struct IcmpNote {
    pub frame: u64,
    pub ts: Timestamp,
    /// Router or host that sent the error.
    pub from: IpAddr,
    #[serde(rename = "type")]
    pub icmp_type: u8,
    pub code: u8,
    pub name: &'static str,
    pub mtu: Option<u32>,
    /// Which side's packet the error quoted.
    pub about: Side,
}

/// TCP-only state of a conversation.
#[derive(Default)]
pub struct TcpState {
    pub client: TcpDirection,
    pub server: TcpDirection,
    pub syn_frame: Option<u64>,
    pub syn_ts: Option<Timestamp>,
    /// Time of the last SYN before the SYN+ACK (the one answered: RTT measurements use it).
    pub last_syn_ts: Option<Timestamp>,
    pub synack_frame: Option<u64>,
    pub synack_ts: Option<Timestamp>,
    /// Client's ACK completing the three-way handshake.
    pub handshake_ack_frame: Option<u64>,
    pub handshake_ack_ts: Option<Timestamp>,
    /// Metadata of the first and last packets.
    pub timeline: timeline::Timeline,
    /// Times the global reassembly budget evicted this conversation's buffered data.
    pub reassembly_evictions: u64,
}

impl TcpState {
    pub fn dir(&self, side: Side) -> &TcpDirection {
        match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }
}

/// One TCP or UDP conversation.
pub struct Conversation {
    pub protocol: Protocol,
    /// Wireshark's `tcp.stream` / `udp.stream`.
    pub stream: u64,
    pub client: Endpoint,
    pub server: Endpoint,
    pub role_basis: RoleBasis,
    pub first_frame: u64,
    pub last_frame: u64,
    pub first_ts: Timestamp,
    pub last_ts: Timestamp,
    pub to_server: DirectionStats,
    pub to_client: DirectionStats,
    pub tcp: Option<TcpState>,
    pub icmp_errors: Vec<IcmpNote>,
    pub icmp_error_count: u64,
    /// Creation order in the table (conversations are returned in it).
    order: u64,
    /// A UDP flow resuming a 5-tuple closed after a silence: it has that conversation's
    /// stream number ([`UDP_REMEMBERED`]).
    pub resumed: bool,
    consumer: Option<Box<dyn StreamConsumer>>,
    datagram_consumer: Option<Box<dyn DatagramConsumer>>,
}

impl Conversation {
    /// Creation order in its table (first packet order; the order analyses list them in).
    pub fn order(&self) -> u64 {
        self.order
    }
    /// A copy of a UDP conversation's metadata (no decoder); `None` for TCP.
    pub fn udp_copy(&self) -> Option<Conversation> {
        if self.tcp.is_some() {
            return None;
        }
        Some(Conversation {
            protocol: self.protocol,
            stream: self.stream,
            client: self.client,
            server: self.server,
            role_basis: self.role_basis,
            first_frame: self.first_frame,
            last_frame: self.last_frame,
            first_ts: self.first_ts,
            last_ts: self.last_ts,
            to_server: self.to_server.clone(),
            to_client: self.to_client.clone(),
            tcp: None,
            icmp_errors: self.icmp_errors.clone(),
            icmp_error_count: self.icmp_error_count,
            order: self.order,
            resumed: self.resumed,
            consumer: None,
            datagram_consumer: None,
        })
    }
    pub fn stats(&self, from: Side) -> &DirectionStats {
        match from {
            Side::Client => &self.to_server,
            Side::Server => &self.to_client,
        }
    }
    pub fn packets(&self) -> u64 {
        self.to_server.packets + self.to_client.packets
    }
    pub fn bytes(&self) -> u64 {
        self.to_server.bytes + self.to_client.bytes
    }
    /// Wireshark display filter selecting this conversation.
    pub fn wireshark_filter(&self) -> String {
        match self.protocol {
            Protocol::Tcp => format!("tcp.stream eq {}", self.stream),
            Protocol::Udp => format!("udp.stream eq {}", self.stream),
        }
    }
    fn side_of(&self, src: IpAddr, src_port: u16) -> Side {
        if self.client.ip == src && self.client.port == src_port {
            Side::Client
        } else {
            Side::Server
        }
    }
    fn swap_roles(&mut self, basis: RoleBasis) {
        std::mem::swap(&mut self.client, &mut self.server);
        std::mem::swap(&mut self.to_server, &mut self.to_client);
        if let Some(t) = self.tcp.as_mut() {
            std::mem::swap(&mut t.client, &mut t.server);
            t.timeline.flip_sides();
        }
        for note in &mut self.icmp_errors {
            note.about = note.about.other();
        }
        self.role_basis = basis;
    }
}

/// How a conversation ended, and the frame that shows it: its first reset (`rst_client`,
/// `rst_server`), else its first FIN (`fin_client`, `fin_server`), else `syn_unanswered` when
/// the client sent only SYNs and nothing came back, else `open`; `none` for UDP. Read from the
/// TCP flags alone (the report's `connections[].end` and `end_frame`).
pub fn conversation_end(c: &Conversation) -> (&'static str, Option<u64>) {
    let Some(tcp) = c.tcp.as_ref() else {
        return ("none", None);
    };
    let first = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(x), Some(y)) if y < x => Some((Side::Server, y)),
        (Some(x), _) => Some((Side::Client, x)),
        (None, Some(y)) => Some((Side::Server, y)),
        (None, None) => None,
    };
    if let Some((side, f)) = first(tcp.client.stats.rst.first(), tcp.server.stats.rst.first()) {
        return (
            if side == Side::Client {
                "rst_client"
            } else {
                "rst_server"
            },
            Some(f),
        );
    }
    if let Some((side, f)) = first(tcp.client.stats.fin.first(), tcp.server.stats.fin.first()) {
        return (
            if side == Side::Client {
                "fin_client"
            } else {
                "fin_server"
            },
            Some(f),
        );
    }
    let only_syns = c.to_server.packets > 0 && tcp.client.stats.syn.count == c.to_server.packets;
    if c.to_client.packets == 0 && only_syns {
        return ("syn_unanswered", c.to_server.last_frame);
    }
    ("open", None)
}

/// Counters of the flow stage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlowStats {
    pub tcp_conversations: u64,
    pub udp_conversations: u64,
    /// Packets of conversations not tracked because the table was full.
    pub packets_untracked: u64,
    /// Conversations not tracked because the table was full (see the module documentation
    /// for when a packet starts one).
    pub conversations_untracked: u64,
    pub icmp_errors: u64,
    /// ICMP errors whose quoted flow is not a conversation of the capture.
    pub icmp_errors_unmatched: u64,
    /// Peak bytes held for TCP reassembly (over all conversations, after evictions).
    pub peak_reassembly_bytes: usize,
    /// Packets of a 5-tuple after its conversation was closed and handed on (streaming
    /// only; a new SYN there starts a new conversation).
    pub packets_after_close: u64,
    /// UDP conversations that resumed a 5-tuple closed after a silence (streaming only):
    /// they keep its `udp.stream` number ([`UDP_REMEMBERED`]).
    pub udp_resumed: u64,
    /// Out-of-order bytes forced out of reassembly buffers by the global budget.
    pub reassembly_evicted_bytes: u64,
    /// Conversations whose buffers the global budget evicted (each counted once).
    pub reassembly_evicted_conversations: u64,
}

/// What is remembered of a recently seen untracked 5-tuple.
#[derive(Debug, Clone, Copy)]
struct UntrackedEntry {
    /// Sender and sequence number of the first SYN without ACK (for port reuse).
    syn: Option<((IpAddr, u16), u32)>,
}

/// The recently seen untracked 5-tuples, in two generations: when the current one is full
/// it becomes the previous one and the older is forgotten.
#[derive(Default)]
struct RecentUntracked {
    current: FxHashMap<FlowKey, UntrackedEntry>,
    previous: FxHashMap<FlowKey, UntrackedEntry>,
}

impl RecentUntracked {
    fn get(&mut self, key: &FlowKey) -> Option<UntrackedEntry> {
        if let Some(e) = self.current.get(key) {
            return Some(*e);
        }
        let e = self.previous.remove(key)?;
        self.insert(*key, e);
        Some(e)
    }

    fn insert(&mut self, key: FlowKey, entry: UntrackedEntry) {
        if self.current.len() >= UNTRACKED_RECENT && !self.current.contains_key(&key) {
            self.previous = std::mem::take(&mut self.current);
            self.current.reserve(UNTRACKED_RECENT);
        }
        self.current.insert(key, entry);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FlowKey {
    protocol: Protocol,
    lo: (IpAddr, u16),
    hi: (IpAddr, u16),
}

impl FlowKey {
    fn new(protocol: Protocol, a: (IpAddr, u16), b: (IpAddr, u16)) -> Self {
        if a <= b {
            FlowKey {
                protocol,
                lo: a,
                hi: b,
            }
        } else {
            FlowKey {
                protocol,
                lo: b,
                hi: a,
            }
        }
    }
}

/// The conversation table of one capture.
pub struct FlowTable {
    /// Conversations by slot; a slot freed by [`FlowTable::take_closed`] is reused.
    slots: Vec<Option<Conversation>>,
    free_slots: Vec<usize>,
    /// Conversations in the table now.
    live: usize,
    created: u64,
    /// Closing deadlines, when the table is asked to close conversations as it goes.
    closing: Option<closing::Closing>,
    /// Open conversations per address pair (lower address first) as `(first packet ns,
    /// creation order)`, when closing as it goes.
    open_pairs: FxHashMap<(IpAddr, IpAddr), Vec<(i64, u64)>>,
    index: FxHashMap<FlowKey, usize>,
    /// The last lookup: bulk traffic is long runs of one flow, so most packets skip hashing.
    last_lookup: Option<(FlowKey, usize)>,
    next_tcp_stream: u64,
    next_udp_stream: u64,
    factory: Option<Box<dyn ConsumerFactory>>,
    reassembly_bytes: usize,
    /// Conversations holding buffered reassembly bytes: (bytes, index), largest last.
    buffered: std::collections::BTreeSet<(usize, usize)>,
    max_conversations: usize,
    reassembly_budget: usize,
    untracked: RecentUntracked,
    /// Closed UDP 5-tuples (closing as it goes), by key, with the order they were closed.
    closed_udp: FxHashMap<FlowKey, (ClosedUdp, u64)>,
    closed_udp_order: VecDeque<(FlowKey, u64)>,
    closed_udp_seq: u64,
    pub stats: FlowStats,
}

/// UDP 5-tuples whose conversation was closed and handed on that are remembered (the
/// oldest forgotten first), so that a flow resuming after a silence keeps its `udp.stream`
/// number: Wireshark gives a 5-tuple one UDP stream for the whole capture (a DHCP lease
/// renewed every few minutes, NetBIOS announcements, an SNMP poller on a fixed port). The
/// resumed part is a conversation of its own with the same stream number; a file's
/// document joins the two.
pub const UDP_REMEMBERED: usize = 100_000;

/// What a closed UDP conversation leaves for one that resumes it.
#[derive(Clone, Copy)]
struct ClosedUdp {
    stream: u64,
    client: Endpoint,
    server: Endpoint,
    role_basis: RoleBasis,
}

impl Default for FlowTable {
    fn default() -> Self {
        Self::new(None)
    }
}

fn is_well_known(port: u16) -> bool {
    port < 1024 || WELL_KNOWN_HIGH_PORTS.contains(&port)
}

impl FlowTable {
    pub fn new(factory: Option<Box<dyn ConsumerFactory>>) -> Self {
        Self::with_limits(factory, MAX_CONVERSATIONS, REASSEMBLY_BUDGET)
    }

    /// A table keeping at most `max_conversations` conversations and `reassembly_budget`
    /// bytes of out-of-order data over all of them (tests lower the defaults).
    pub fn with_limits(
        factory: Option<Box<dyn ConsumerFactory>>,
        max_conversations: usize,
        reassembly_budget: usize,
    ) -> Self {
        FlowTable {
            slots: Vec::new(),
            free_slots: Vec::new(),
            live: 0,
            created: 0,
            closing: None,
            open_pairs: FxHashMap::default(),
            buffered: Default::default(),
            max_conversations,
            reassembly_budget,
            untracked: RecentUntracked::default(),
            closed_udp: FxHashMap::default(),
            closed_udp_order: VecDeque::new(),
            closed_udp_seq: 0,
            index: FxHashMap::default(),
            last_lookup: None,
            next_tcp_stream: 0,
            next_udp_stream: 0,
            factory,
            reassembly_bytes: 0,
            stats: FlowStats::default(),
        }
    }

    fn lookup(&mut self, key: &FlowKey) -> Option<usize> {
        if let Some((k, i)) = self.last_lookup
            && k == *key
        {
            return Some(i);
        }
        let i = *self.index.get(key)?;
        self.last_lookup = Some((*key, i));
        Some(i)
    }

    fn conv_mut(&mut self, idx: usize) -> Option<&mut Conversation> {
        self.slots.get_mut(idx).and_then(Option::as_mut)
    }

    /// Adds one decoded packet of `frame`.
    pub fn add(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        match &packet.transport {
            Transport::Tcp(seg) => self.add_tcp(frame, packet, seg),
            Transport::Udp(udp) => {
                let src = (packet.src, udp.src_port);
                let dst = (packet.dst, udp.dst_port);
                let key = FlowKey::new(Protocol::Udp, src, dst);
                let idx = match self.lookup(&key) {
                    Some(i) if i != closing::CLOSED => i,
                    _ => {
                        let resumes = self.closed_udp.remove(&key).map(|(c, _)| c);
                        let created = self.create(
                            key,
                            Protocol::Udp,
                            frame,
                            src,
                            dst,
                            RoleBasis::FirstPacket,
                            Untracked::Packet(None),
                            resumes,
                        );
                        match created {
                            Some(i) => i,
                            None => return,
                        }
                    }
                };
                let Some(conv) = self.conv_mut(idx) else {
                    return;
                };
                let side = conv.side_of(packet.src, udp.src_port);
                touch(
                    conv,
                    side,
                    frame,
                    packet,
                    u64::from(udp.payload_len),
                    udp.checksum_ok,
                );
                if let Some(reader) = conv.datagram_consumer.as_deref_mut() {
                    let chunk = Chunk {
                        frame: frame.number,
                        ts: frame.ts,
                        stream_offset: 0,
                    };
                    if reader.datagram(side, udp.payload, udp.payload_len, chunk) == Want::Done {
                        conv.datagram_consumer = None;
                    }
                }
            }
            Transport::IcmpError(err) => self.add_icmp_error(frame, packet, err),
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        key: FlowKey,
        protocol: Protocol,
        frame: &Frame<'_>,
        src: (IpAddr, u16),
        dst: (IpAddr, u16),
        basis: RoleBasis,
        untracked: Untracked,
        // The closed UDP flow this one resumes (its stream number and roles).
        resuming: Option<ClosedUdp>,
    ) -> Option<usize> {
        if self.live >= self.max_conversations {
            self.count_untracked(key, untracked);
            return None;
        }
        let (client, server, basis) = match basis {
            RoleBasis::Syn => (src, dst, basis),
            RoleBasis::SynAck => (dst, src, basis),
            _ => match (is_well_known(src.1), is_well_known(dst.1)) {
                (true, false) => (dst, src, RoleBasis::WellKnownPort),
                (false, true) => (src, dst, RoleBasis::WellKnownPort),
                _ => (src, dst, RoleBasis::FirstPacket),
            },
        };
        let stream = match protocol {
            Protocol::Udp if resuming.is_some() => {
                self.stats.udp_resumed += 1;
                resuming.map_or(0, |r| r.stream)
            }
            Protocol::Tcp => {
                self.next_tcp_stream += 1;
                self.stats.tcp_conversations += 1;
                self.next_tcp_stream - 1
            }
            Protocol::Udp => {
                self.next_udp_stream += 1;
                self.stats.udp_conversations += 1;
                self.next_udp_stream - 1
            }
        };
        let client = Endpoint {
            ip: client.0,
            port: client.1,
        };
        let server = Endpoint {
            ip: server.0,
            port: server.1,
        };
        let (client, server, basis) = match resuming {
            Some(r) => (r.client, r.server, r.role_basis),
            None => (client, server, basis),
        };
        let new = NewConversation {
            stream,
            client,
            server,
            first_frame: frame.number,
        };
        let (consumer, datagram_consumer) = match (protocol, self.factory.as_mut()) {
            (Protocol::Tcp, Some(f)) => (f.consumer_for(&new), None),
            (Protocol::Udp, Some(f)) => (None, f.datagram_consumer_for(&new)),
            (_, None) => (None, None),
        };
        let delivering = consumer.is_some();
        let conv = Conversation {
            protocol,
            stream,
            client,
            server,
            role_basis: basis,
            first_frame: frame.number,
            last_frame: frame.number,
            first_ts: frame.ts,
            last_ts: frame.ts,
            to_server: DirectionStats::default(),
            to_client: DirectionStats::default(),
            tcp: (protocol == Protocol::Tcp).then(|| TcpState {
                client: TcpDirection::new(delivering),
                server: TcpDirection::new(delivering),
                ..Default::default()
            }),
            icmp_errors: Vec::new(),
            icmp_error_count: 0,
            order: self.created,
            resumed: resuming.is_some(),
            consumer,
            datagram_consumer,
        };
        self.created += 1;
        self.live += 1;
        let idx = match self.free_slots.pop() {
            Some(free) => {
                self.slots[free] = Some(conv);
                free
            }
            None => {
                self.slots.push(Some(conv));
                self.slots.len() - 1
            }
        };
        if let Some(closing) = self.closing.as_mut() {
            closing.opened(idx, self.created - 1, frame.ts.0);
            self.open_pairs
                .entry(pair_key(client.ip, server.ip))
                .or_default()
                .push((frame.ts.0, self.created - 1));
        }
        self.index.insert(key, idx);
        self.last_lookup = None;
        Some(idx)
    }

    /// A packet (or an ICMP error's quote) of `key` when the table is full: a new untracked
    /// conversation unless `key` was seen recently (and is not reused by a new SYN).
    fn count_untracked(&mut self, key: FlowKey, what: Untracked) {
        let syn = match what {
            Untracked::Packet(syn) => {
                self.stats.packets_untracked += 1;
                syn
            }
            Untracked::Quoted => None,
        };
        let new = match self.untracked.get(&key) {
            None => true,
            Some(entry) => match (syn, entry.syn) {
                (Some((from, seq)), Some((first_from, first_seq))) => {
                    from == first_from && seq != first_seq
                }
                (Some(_), None) => {
                    self.untracked.insert(key, UntrackedEntry { syn });
                    false
                }
                (None, _) => false,
            },
        };
        if new {
            self.stats.conversations_untracked += 1;
            self.untracked.insert(key, UntrackedEntry { syn });
        }
    }

    fn add_tcp(&mut self, frame: &Frame<'_>, packet: &Packet<'_>, seg: &TcpSegment<'_>) {
        let src = (packet.src, seg.src_port);
        let dst = (packet.dst, seg.dst_port);
        let key = FlowKey::new(Protocol::Tcp, src, dst);
        let pure_syn = seg.flags.syn() && !seg.flags.ack();
        let basis = if pure_syn {
            RoleBasis::Syn
        } else if seg.flags.syn() {
            RoleBasis::SynAck
        } else {
            RoleBasis::FirstPacket
        };
        let untracked = Untracked::Packet(pure_syn.then_some((src, seg.seq)));
        let idx = match self.lookup(&key) {
            Some(closing::CLOSED) if !pure_syn => {
                self.stats.packets_after_close += 1;
                return;
            }
            Some(closing::CLOSED) => {
                match self.create(key, Protocol::Tcp, frame, src, dst, basis, untracked, None) {
                    Some(n) => n,
                    None => return,
                }
            }
            Some(i) => {
                if pure_syn && self.is_port_reuse(i, packet, seg) {
                    self.finish_conversation(i);
                    match self.create(key, Protocol::Tcp, frame, src, dst, basis, untracked, None) {
                        Some(n) => n,
                        None => {
                            // The new conversation is untracked: later packets of the
                            // 5-tuple are its, not the finished one's.
                            self.index.remove(&key);
                            self.last_lookup = None;
                            return;
                        }
                    }
                } else {
                    i
                }
            }
            None => {
                match self.create(key, Protocol::Tcp, frame, src, dst, basis, untracked, None) {
                    Some(i) => i,
                    None => return,
                }
            }
        };
        let Some(conv) = self.conv_mut(idx) else {
            return;
        };
        let order = conv.order;
        if conv.role_basis < basis && basis >= RoleBasis::SynAck {
            let sender_is_client = conv.side_of(packet.src, seg.src_port) == Side::Client;
            // A SYN's sender is the client; a SYN+ACK's sender is the server.
            let should_swap = (basis == RoleBasis::Syn) != sender_is_client;
            if should_swap {
                conv.swap_roles(basis);
            } else {
                conv.role_basis = basis;
            }
        }
        let side = conv.side_of(packet.src, seg.src_port);
        touch(
            conv,
            side,
            frame,
            packet,
            u64::from(seg.payload_len),
            seg.checksum_ok,
        );
        let Some(tcp) = conv.tcp.as_mut() else { return };
        if seg.flags.syn() && !seg.flags.ack() && side == Side::Client && tcp.synack_frame.is_none()
        {
            tcp.last_syn_ts = Some(frame.ts);
        }
        if seg.flags.syn() {
            if !seg.flags.ack() && side == Side::Client && tcp.syn_frame.is_none() {
                tcp.syn_frame = Some(frame.number);
                tcp.syn_ts = Some(frame.ts);
            } else if seg.flags.ack() && side == Side::Server && tcp.synack_frame.is_none() {
                tcp.synack_frame = Some(frame.number);
                tcp.synack_ts = Some(frame.ts);
            }
        } else if side == Side::Client
            && seg.flags.ack()
            && tcp.synack_frame.is_some()
            && tcp.handshake_ack_frame.is_none()
            && tcp
                .server
                .stats
                .isn
                .is_some_and(|isn| seg.ack == isn.wrapping_add(1))
        {
            tcp.handshake_ack_frame = Some(frame.number);
            tcp.handshake_ack_ts = Some(frame.ts);
        }
        tcp.timeline.push(timeline::PacketMeta {
            frame: frame.number,
            ts: frame.ts,
            from: side,
            flags: seg.flags.0,
            seq: seg.seq,
            ack: seg.ack,
            payload_len: seg.payload_len,
            window: seg.window,
            ttl: packet.ttl,
            ip_id: packet.ip_id,
            dont_fragment: packet.dont_fragment,
            has_timestamp_option: seg.options.timestamp.is_some(),
            sack_blocks: seg.options.sack_blocks,
            sack: seg.options.sack,
            frame_len: frame.wire_len,
        });
        let consumer = conv.consumer.as_deref_mut().map(|c| (c, side));
        let conv_before = tcp.client.buffered_bytes() + tcp.server.buffered_bytes();
        let (this, peer) = match side {
            Side::Client => (&mut tcp.client, &mut tcp.server),
            Side::Server => (&mut tcp.server, &mut tcp.client),
        };
        // Wireshark's initial RTT: from the SYN to the ACK completing the handshake.
        let ooo_threshold_ns = match (tcp.last_syn_ts, tcp.handshake_ack_ts) {
            (Some(a), Some(b)) if b.0 > a.0 => b.0 - a.0,
            _ => OUT_OF_ORDER_DEFAULT_NS,
        };
        this.segment(
            seg,
            packet.ip_id,
            ooo_threshold_ns,
            frame.number,
            frame.ts,
            consumer,
        );
        if seg.flags.ack() && !seg.flags.rst() {
            peer.peer_acked(seg.ack, frame.number);
        }
        let ends = seg.flags.fin() || seg.flags.rst();
        let conv_after = tcp.client.buffered_bytes() + tcp.server.buffered_bytes();
        if conv_after != conv_before {
            self.buffered.remove(&(conv_before, idx));
            if conv_after > 0 {
                self.buffered.insert((conv_after, idx));
            }
            self.reassembly_bytes =
                (self.reassembly_bytes + conv_after).saturating_sub(conv_before);
            while self.reassembly_bytes > self.reassembly_budget {
                let Some((bytes, victim)) = self.buffered.pop_last() else {
                    break;
                };
                self.evict(victim);
                self.stats.reassembly_evicted_bytes += bytes as u64;
            }
        }
        self.stats.peak_reassembly_bytes =
            self.stats.peak_reassembly_bytes.max(self.reassembly_bytes);
        if ends && let Some(closing) = self.closing.as_mut() {
            closing.ending(idx, order, frame.ts.0);
        }
    }

    /// The reassembly budget is exceeded: hands conversation `idx`'s buffered bytes to its
    /// consumer behind gaps for the missing ranges, as the per-direction cap does.
    fn evict(&mut self, idx: usize) {
        let Some(conv) = self.slots.get_mut(idx).and_then(Option::as_mut) else {
            return;
        };
        let Some(tcp) = conv.tcp.as_mut() else { return };
        let released = tcp.client.buffered_bytes() + tcp.server.buffered_bytes();
        if tcp.reassembly_evictions == 0 {
            self.stats.reassembly_evicted_conversations += 1;
        }
        tcp.reassembly_evictions += 1;
        let consumer = conv.consumer.as_deref_mut();
        match consumer {
            Some(c) => {
                tcp.client.evict(Some((&mut *c, Side::Client)));
                tcp.server.evict(Some((&mut *c, Side::Server)));
            }
            None => {
                tcp.client.evict(None);
                tcp.server.evict(None);
            }
        }
        self.reassembly_bytes = self.reassembly_bytes.saturating_sub(released);
    }

    /// packet-tcp.c: a SYN whose sequence number differs from the base sequence number of
    /// its direction starts a new conversation on the same ports.
    fn is_port_reuse(&self, idx: usize, packet: &Packet<'_>, seg: &TcpSegment<'_>) -> bool {
        let Some(conv) = self.slots.get(idx).and_then(Option::as_ref) else {
            return false;
        };
        let side = conv.side_of(packet.src, seg.src_port);
        let Some(tcp) = conv.tcp.as_ref() else {
            return false;
        };
        let dir = tcp.dir(side);
        let base = match (dir.stats.isn, dir.stats.midstream) {
            (Some(isn), _) => Some(isn),
            (None, true) => dir.first_seq().map(|s| s.wrapping_sub(1)),
            (None, false) => None,
        };
        base.is_some_and(|b| b != seg.seq)
    }

    fn add_icmp_error(&mut self, frame: &Frame<'_>, packet: &Packet<'_>, err: &IcmpError) {
        self.stats.icmp_errors += 1;
        let Some(q) = err.quoted else {
            self.stats.icmp_errors_unmatched += 1;
            return;
        };
        let protocol = match q.protocol {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            _ => {
                self.stats.icmp_errors_unmatched += 1;
                return;
            }
        };
        let key = FlowKey::new(protocol, (q.src, q.src_port), (q.dst, q.dst_port));
        let idx = match self.lookup(&key) {
            Some(closing::CLOSED) => {
                self.stats.icmp_errors_unmatched += 1;
                return;
            }
            Some(idx) => idx,
            None => {
                // Wireshark dissects the quoted header and opens a conversation for it, which
                // takes a stream number; do the same so later numbers agree. Such a
                // conversation has no packets of its own and is not reported unless some
                // arrive later.
                self.stats.icmp_errors_unmatched += 1;
                let quoted = (q.src, q.src_port);
                let peer = (q.dst, q.dst_port);
                match self.create(
                    key,
                    protocol,
                    frame,
                    quoted,
                    peer,
                    RoleBasis::FirstPacket,
                    Untracked::Quoted,
                    None,
                ) {
                    Some(idx) => idx,
                    None => return,
                }
            }
        };
        let Some(conv) = self.conv_mut(idx) else {
            self.stats.icmp_errors_unmatched += 1;
            return;
        };
        conv.icmp_error_count += 1;
        if conv.icmp_errors.len() < MAX_ICMP_PER_CONVERSATION {
            let about = conv.side_of(q.src, q.src_port);
            conv.icmp_errors.push(IcmpNote {
                frame: frame.number,
                ts: frame.ts,
                from: packet.src,
                icmp_type: err.icmp_type,
                code: err.code,
                name: err.name(),
                mtu: err.mtu,
                about,
            });
        }
    }

    fn finish_conversation(&mut self, idx: usize) {
        let Some(conv) = self.slots.get_mut(idx).and_then(Option::as_mut) else {
            return;
        };
        let Some(tcp) = conv.tcp.as_mut() else { return };
        let released = tcp.client.buffered_bytes() + tcp.server.buffered_bytes();
        if released > 0 {
            self.buffered.remove(&(released, idx));
        }
        match conv.consumer.as_deref_mut() {
            Some(c) => {
                tcp.client.finish(Some((&mut *c, Side::Client)));
                tcp.server.finish(Some((&mut *c, Side::Server)));
            }
            None => {
                tcp.client.finish(None);
                tcp.server.finish(None);
            }
        }
        self.reassembly_bytes = self.reassembly_bytes.saturating_sub(released);
    }

    /// End of capture: flushes reassembly and turns open holes into gaps.
    pub fn finish(&mut self) {
        for i in 0..self.slots.len() {
            self.finish_conversation(i);
        }
    }
}

/// An address pair in one order whichever side is the client.
pub fn pair_key(a: IpAddr, b: IpAddr) -> (IpAddr, IpAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

/// What a packet of a 5-tuple the full table cannot take is.
#[derive(Clone, Copy)]
enum Untracked {
    /// A packet of it; for a SYN without ACK, its sender and sequence number.
    Packet(Option<((IpAddr, u16), u32)>),
    /// The flow an ICMP error quotes (a conversation for Wireshark, but not a packet of it).
    Quoted,
}

fn touch(
    conv: &mut Conversation,
    side: Side,
    frame: &Frame<'_>,
    packet: &Packet<'_>,
    payload: u64,
    checksum_ok: Option<bool>,
) {
    conv.last_frame = frame.number;
    conv.last_ts = conv.last_ts.max(frame.ts);
    let d = match side {
        Side::Client => &mut conv.to_server,
        Side::Server => &mut conv.to_client,
    };
    d.packets += 1;
    d.bytes += u64::from(frame.wire_len);
    d.payload_bytes += payload;
    d.first_frame.get_or_insert(frame.number);
    d.last_frame = Some(frame.number);
    d.ttl_min = Some(d.ttl_min.map_or(packet.ttl, |t| t.min(packet.ttl)));
    d.ttl_max = Some(d.ttl_max.map_or(packet.ttl, |t| t.max(packet.ttl)));
    if checksum_ok == Some(false) {
        d.bad_checksums += 1;
    }
}

impl FlowTable {
    /// Hands conversations on as they end (see [`closing`]) instead of keeping all of them to
    /// the end of the input: [`FlowTable::take_closed`] then returns the ones that are over.
    pub fn close_as_you_go(&mut self, timers: CloseTimers) {
        self.closing = Some(closing::Closing::new(timers));
    }

    /// The conversations that are over at `now` (see [`closing`]), removed from the table
    /// with their reassembly flushed to their consumers. Empty unless
    /// [`FlowTable::close_as_you_go`] was called.
    pub fn take_closed(&mut self, now: Timestamp) -> Vec<Conversation> {
        let mut out = Vec::new();
        let Some(mut closing) = self.closing.take() else {
            return out;
        };
        while let Some(key) = closing.expired_tombstone(now.0) {
            if self.index.get(&key) == Some(&closing::CLOSED) {
                self.index.remove(&key);
            }
        }
        while let Some((slot, order)) = closing.next_due(now.0) {
            let Some(conv) = self.slots.get(slot).and_then(Option::as_ref) else {
                continue;
            };
            if conv.order != order {
                continue;
            }
            let deadline = closing.deadline_of(conv);
            if deadline > now.0 {
                closing.rearm(slot, order, deadline);
                continue;
            }
            self.finish_conversation(slot);
            let Some(conv) = self.slots.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            self.free_slots.push(slot);
            self.live -= 1;
            let pair = pair_key(conv.client.ip, conv.server.ip);
            if let Some(open) = self.open_pairs.get_mut(&pair) {
                open.retain(|(_, o)| *o != conv.order);
                if open.is_empty() {
                    self.open_pairs.remove(&pair);
                }
            }
            let key = FlowKey::new(
                conv.protocol,
                (conv.client.ip, conv.client.port),
                (conv.server.ip, conv.server.port),
            );
            if self.index.get(&key) == Some(&slot) {
                self.index.insert(key, closing::CLOSED);
                closing.bury(key, now.0);
            }
            if conv.protocol == Protocol::Udp {
                self.remember_closed_udp(key, &conv);
            }
            out.push(conv);
        }
        self.last_lookup = None;
        self.closing = Some(closing);
        out.sort_unstable_by_key(|c| c.order);
        out
    }

    /// Remembers a closed UDP conversation's stream number for its 5-tuple (at most
    /// [`UDP_REMEMBERED`], the oldest forgotten first).
    fn remember_closed_udp(&mut self, key: FlowKey, conv: &Conversation) {
        self.closed_udp_seq += 1;
        let seq = self.closed_udp_seq;
        let closed = ClosedUdp {
            stream: conv.stream,
            client: conv.client,
            server: conv.server,
            role_basis: conv.role_basis,
        };
        self.closed_udp.insert(key, (closed, seq));
        self.closed_udp_order.push_back((key, seq));
        while self.closed_udp.len() > UDP_REMEMBERED {
            let Some((old, old_seq)) = self.closed_udp_order.pop_front() else {
                break;
            };
            if self
                .closed_udp
                .get(&old)
                .is_some_and(|(_, s)| *s == old_seq)
            {
                self.closed_udp.remove(&old);
            }
        }
        // Entries of keys resumed or closed again since are stale: drop them when they are
        // most of the queue.
        if self.closed_udp_order.len() > 2 * UDP_REMEMBERED.max(self.closed_udp.len()) {
            let closed_udp = &self.closed_udp;
            self.closed_udp_order
                .retain(|(k, s)| closed_udp.get(k).is_some_and(|(_, seq)| seq == s));
        }
    }

    /// The first packet of the earliest conversation between `a` and `b` (either way) still
    /// in the table, when closing as it goes.
    pub fn earliest_open_between(&self, a: IpAddr, b: IpAddr) -> Option<Timestamp> {
        let open = self.open_pairs.get(&pair_key(a, b))?;
        open.iter().map(|(ns, _)| *ns).min().map(Timestamp)
    }

    /// The conversations, in Wireshark stream order within each protocol.
    pub fn into_conversations(self) -> Vec<Conversation> {
        // Exactly as many as kept (collecting a flattened iterator would grow by doubling:
        // up to twice the room, for the rest of the analysis); the decoders are done with.
        let mut all: Vec<Conversation> =
            Vec::with_capacity(self.slots.iter().filter(|s| s.is_some()).count());
        all.extend(self.slots.into_iter().flatten().map(|mut c| {
            c.consumer = None;
            c.datagram_consumer = None;
            c
        }));
        all.sort_unstable_by_key(|c| c.order);
        all
    }
}
