//! RDP over UDP (MS-RDPEUDP, RDP-FACTS §5): the decoder of a UDP conversation's datagrams.
//! It describes the handshake (SYN, SYN+ACK, the client's first ACK), the version and
//! correlation id, and per direction how many datagrams of each kind passed and what their
//! sequence numbers say about loss ([`sequence`]). The flow's description lives in the
//! observation log ([`RdpUdpFlow`]); detectors judge it.
//!
//! The RDPEUDP2 data phase (MS-RDPEUDP2, negotiated as version 0x0101) has its own framing;
//! its datagrams are counted, not parsed.

pub mod sequence;
pub mod wire;

use crate::capture::Timestamp;
use crate::flow::Side;
use crate::flow::consumer::{Chunk, DatagramConsumer, NewConversation, Want};
use crate::proto::observation::SharedLog;
use sequence::SequenceTracker;
use serde::Serialize;
use wire::{Datagram, flags, version};

/// The RDP-UDP port (MS-RDPEUDP 2.1).
pub const RDP_UDP_PORT: u16 = 3389;
/// Handshake datagrams kept per flow (later ones are only counted).
const MAX_HANDSHAKE_DATAGRAMS: usize = 8;
/// Datagrams that fail to parse, with none parsed, before the decoder gives up on a flow.
const MAX_UNPARSED_BEFORE_GIVING_UP: u64 = 8;
/// MS-RDPEUDP 3.1.5.1.1: a SYN is padded to at least 1132 bytes of UDP payload.
pub const MIN_SYN_LEN: usize = 1132;

/// A SYN or SYN+ACK (MS-RDPEUDP 3.1.5.1.1 / 3.1.5.1.2).
#[derive(Debug, Clone, Serialize)]
pub struct HandshakeDatagram {
    pub frame: u64,
    pub ts: Timestamp,
    /// UDP payload length as sent.
    pub length: u32,
    /// snInitialSequenceNumber.
    pub initial_sequence_number: u32,
    pub upstream_mtu: u16,
    pub downstream_mtu: u16,
    /// SYNEX uUdpVer, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u16>,
    /// RDPUDP_FLAG_SYNLOSSY: lossy (FEC, DTLS) rather than reliable (TLS) mode.
    pub lossy: bool,
}

/// One direction's datagrams.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RdpUdpDirection {
    pub datagrams: u64,
    /// Datagrams carrying a source payload (DATA without FEC).
    pub source: u64,
    /// FEC datagrams.
    pub fec: u64,
    /// Datagrams with only an acknowledgement.
    pub ack_only: u64,
    /// RDPUDP_FLAG_CN: the sender's receiver saw loss (congestion notification).
    pub congestion_notifications: u64,
    /// RDPUDP_FLAG_CWR: the sender reduced its window.
    pub window_reductions: u64,
    /// Datagrams shorter than the UDP header says (snaplen).
    pub truncated: u64,
    #[serde(flatten)]
    pub sequence: SequenceTracker,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ts: Option<Timestamp>,
}

/// The data phase's framing after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataPhase {
    /// MS-RDPEUDP datagrams (versions 1 and 2): sequence numbers are read.
    #[default]
    Rdpeudp,
    /// MS-RDPEUDP2 datagrams (version 0x0101): counted only.
    Rdpeudp2,
}

/// A datagram the decoder could not read.
#[derive(Debug, Clone, Serialize)]
pub struct UnreadDatagram {
    pub frame: u64,
    pub from: Side,
    pub reason: String,
}

/// What the RDP-UDP decoder saw on one UDP conversation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RdpUdpFlow {
    /// The client's SYNs (the first few; `syn_count` has them all).
    pub syns: Vec<HandshakeDatagram>,
    pub syn_count: u64,
    /// The server's SYN+ACKs.
    pub syn_acks: Vec<HandshakeDatagram>,
    pub syn_ack_count: u64,
    /// The client's first datagram acknowledging the server's SYN+ACK (MS-RDPEUDP 3.1.5.1.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub established_frame: Option<u64>,
    /// uUdpVer of the SYN+ACK (the agreed version), else of the SYN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u16>,
    /// RDPUDP_CORRELATION_ID_PAYLOAD of the SYN, as a GUID-like hex string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub data_phase: DataPhase,
    /// The conversation was first seen after its handshake.
    pub mid_stream: bool,
    pub client: RdpUdpDirection,
    pub server: RdpUdpDirection,
    pub unread_datagrams: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_unread: Option<UnreadDatagram>,
}

impl RdpUdpFlow {
    pub fn direction(&self, from: Side) -> &RdpUdpDirection {
        match from {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }
    fn direction_mut(&mut self, from: Side) -> &mut RdpUdpDirection {
        match from {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }
    /// Version label: `v1`, `v2`, `v3` (RDPEUDP2), or the raw number.
    pub fn version_label(&self) -> Option<String> {
        self.version.map(|v| match v {
            version::V1 => "v1".to_string(),
            version::V2 => "v2".to_string(),
            version::V3 => "v3".to_string(),
            other => format!("0x{other:04x}"),
        })
    }
}

/// Is this datagram an RDP-UDP SYN (MS-RDPEUDP 3.1.5.1.1: snSourceAck −1, SYN flag, padded)?
pub fn looks_like_syn(payload: &[u8]) -> bool {
    payload.len() >= MIN_SYN_LEN
        && payload[..4] == [0xff; 4]
        && u16::from_be_bytes([payload[6], payload[7]]) & flags::SYN != 0
}

/// Reads the datagrams of one UDP conversation as MS-RDPEUDP. Its description of the flow
/// lives in the observation log from the first datagram on.
pub struct RdpUdpDecoder {
    stream: u64,
    log: SharedLog,
    /// One of the ports is 3389: every datagram is tried. Otherwise the first datagram must
    /// be an RDP-UDP SYN.
    on_rdp_port: bool,
    server_isn: Option<u32>,
    parsed: u64,
}

impl RdpUdpDecoder {
    pub fn new(conversation: &NewConversation, log: SharedLog) -> Self {
        RdpUdpDecoder {
            stream: conversation.stream,
            log,
            on_rdp_port: conversation.server.port == RDP_UDP_PORT
                || conversation.client.port == RDP_UDP_PORT,
            server_isn: None,
            parsed: 0,
        }
    }
}

impl DatagramConsumer for RdpUdpDecoder {
    fn datagram(&mut self, side: Side, payload: &[u8], wire_len: u32, chunk: Chunk) -> Want {
        let mut log = self.log.borrow_mut();
        if !log.rdp_udp.contains_key(&self.stream) && !self.on_rdp_port && !looks_like_syn(payload)
        {
            return Want::Done;
        }
        let flow = log.rdp_udp.entry(self.stream).or_default();
        let truncated = (payload.len() as u64) < u64::from(wire_len);
        {
            let dir = flow.direction_mut(side);
            dir.datagrams += 1;
            dir.first_frame.get_or_insert(chunk.frame);
            dir.last_frame = Some(chunk.frame);
            dir.last_ts = Some(chunk.ts);
            dir.truncated += u64::from(truncated);
        }
        if flow.data_phase == DataPhase::Rdpeudp2 && flow.syn_ack_count > 0 {
            if side == Side::Client && flow.established_frame.is_none() {
                flow.established_frame = Some(chunk.frame);
            }
            return Want::More;
        }
        let d = match wire::parse(payload) {
            Ok(d) => d,
            Err(e) => {
                flow.unread_datagrams += 1;
                if flow.first_unread.is_none() {
                    flow.first_unread = Some(UnreadDatagram {
                        frame: chunk.frame,
                        from: side,
                        reason: e.to_string(),
                    });
                }
                if self.parsed == 0 && flow.unread_datagrams >= MAX_UNPARSED_BEFORE_GIVING_UP {
                    return Want::Done;
                }
                return Want::More;
            }
        };
        self.parsed += 1;
        if self.parsed == 1 && !d.has(flags::SYN) {
            flow.mid_stream = true;
        }
        if let Some(syn) = d.syn {
            let seen = HandshakeDatagram {
                frame: chunk.frame,
                ts: chunk.ts,
                length: wire_len,
                initial_sequence_number: syn.initial_sequence_number,
                upstream_mtu: syn.upstream_mtu,
                downstream_mtu: syn.downstream_mtu,
                version: d.synex.map(|x| x.version),
                lossy: d.has(flags::SYNLOSSY),
            };
            if d.has(flags::ACK) {
                flow.syn_ack_count += 1;
                self.server_isn = Some(syn.initial_sequence_number);
                if let Some(v) = seen.version {
                    flow.version = Some(v);
                    if v == version::V3 {
                        flow.data_phase = DataPhase::Rdpeudp2;
                    }
                }
                if flow.syn_acks.len() < MAX_HANDSHAKE_DATAGRAMS {
                    flow.syn_acks.push(seen);
                }
            } else {
                flow.syn_count += 1;
                if flow.version.is_none() {
                    flow.version = seen.version;
                }
                if let Some(id) = &d.correlation_id {
                    flow.correlation_id
                        .get_or_insert_with(|| crate::proto::wire::guid(id));
                }
                if flow.syns.len() < MAX_HANDSHAKE_DATAGRAMS {
                    flow.syns.push(seen);
                }
            }
            return Want::More;
        }
        record_data(flow, side, &d);
        if side == Side::Client
            && flow.established_frame.is_none()
            && self
                .server_isn
                .is_some_and(|isn| d.header.sn_source_ack == isn)
        {
            flow.established_frame = Some(chunk.frame);
        }
        Want::More
    }
}

fn record_data(flow: &mut RdpUdpFlow, side: Side, d: &Datagram) {
    let dir = flow.direction_mut(side);
    dir.congestion_notifications += u64::from(d.has(flags::CN));
    dir.window_reductions += u64::from(d.has(flags::CWR));
    match d.source {
        Some(s) if d.has(flags::FEC) => {
            dir.fec += 1;
            dir.sequence.data(s.sn_coded, None);
        }
        Some(s) => {
            dir.source += 1;
            dir.sequence.data(s.sn_coded, Some(s.sn_source_start));
        }
        None => dir.ack_only += 1,
    }
}
