//! The reader of the RDP connection sequence after X.224 negotiation, both directions of one
//! TCP connection: the plaintext of TLS application data (decrypted with a key log) or,
//! under standard RDP security, the clear bytes after the Connection Confirm.
//!
//! It keeps only framing state. Each PDU is recognised by its first byte: a DER `30`
//! TSRequest (MS-CSSP 2.2.1), the 4-byte Early User Authorization Result the server sends
//! after the last TSRequest under HYBRID_EX (MS-RDPBCGR 2.2.10.2), RDSTLS PDUs (2.2.17), a
//! TPKT `03` (slow path, T.123 8) or a fast-path header (low two bits 0, 2.2.8.1.2 /
//! 2.2.9.1.2). Slow-path PDUs are taken apart with the per-structure decoders of this folder
//! and recorded as [`RdpObserved`] observations; nothing is judged here.
//!
//! After connection finalization (the server's Font Map) routine PDUs are only counted in
//! [`ObservationLog::rdp_traffic`](crate::proto::observation::ObservationLog); the ones
//! that tell how a session ends or moves are still recorded. The reader keeps going for the
//! whole session (a Set Error Info may come hours later): fast-path PDUs and virtual channel
//! data are skipped by their length without being buffered, and no buffer grows beyond one
//! TPKT record (64 KiB) or [`MAX_TS_REQUEST`].

use super::domain::{DomainPdu, SendData};
use super::observed::{RdpObserved, SessionTraffic};
use super::security::{SecurityHeader, flags};
use super::share::{ShareControlHeader, ShareDataHeader, pdu_type, pdu_type2};
use super::{
    autodetect, capabilities, credssp, error_info, fastpath, heartbeat, licensing, mcs,
    multitransport, rdstls, redirection, security, session_info, share,
};
use crate::flow::Side;
use crate::flow::consumer::{Chunk, StreamConsumer, Want};
use crate::proto::asn1::ber_tlv_total_len;
use crate::proto::observation::{Observation, Observed, SharedLog};
use crate::proto::wire::{Cursor, DecodeError};

/// Largest TSRequest read (Kerberos AP-REQs with PACs reach tens of KiB); larger ones are
/// skipped by their length.
pub const MAX_TS_REQUEST: usize = 64 * 1024;
/// Largest RDSTLS PDU read (credentials are length-prefixed u16 fields).
const MAX_RDSTLS: usize = 4 * 1024;
/// Bytes of a TPKT record needed to see the MCS channel of a Send Data PDU (TPKT 4, X.224
/// 3, choice 1, initiator 2, channelId 2).
const TPKT_CHANNEL_HEAD: usize = 12;
/// Malformed PDUs recorded per direction (later ones are not).
const MAX_MALFORMED: u32 = 8;
/// The I/O channel when the Connect Response was not seen (MS-RDPBCGR 2.2.1.4.4: "usually
/// 1003").
const DEFAULT_IO_CHANNEL: u16 = 1003;

/// Where a direction is in the sequence of framings (each allows the next ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing read yet (inside TLS: CredSSP, RDSTLS or TPKT may come).
    Start,
    /// TSRequests seen; the server's Early User Authorization Result may follow.
    CredSsp,
    /// RDSTLS PDUs seen.
    Rdstls,
    /// TPKT and fast-path PDUs.
    Tpkt,
    /// Framing lost: nothing more is read.
    Done,
}

/// The framing of the PDU at the start of a direction's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// At least this many more bytes are needed to tell.
    NeedMore(usize),
    /// A PDU of `len` bytes of which the first `keep` are buffered and decoded, the rest
    /// skipped.
    Pdu {
        kind: Kind,
        len: usize,
        keep: usize,
    },
    Invalid(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    TsRequest,
    EarlyAuthorization,
    Rdstls,
    Tpkt,
    /// A TPKT record whose body is skipped (virtual channel data after finalization).
    TpktChannelData,
    FastPath,
    /// A TSRequest too large to read.
    SkippedTsRequest,
}

#[derive(Debug)]
struct Direction {
    phase: Phase,
    /// Bytes of the PDU being assembled (its header, or all of it).
    buf: Vec<u8>,
    /// The PDU being assembled: its kind and how many bytes of it to buffer.
    pending: Option<(Kind, usize)>,
    /// Bytes still to skip (the unbuffered rest of the current PDU).
    skip: usize,
    /// Offset in this direction's bytes of `buf[0]` (for error offsets).
    offset: u64,
    /// Bytes consumed so far.
    consumed: u64,
    unreadable_noted: bool,
    malformed: u32,
    first_session_data: bool,
    heartbeat_seen: bool,
    autodetect_seen: bool,
}

impl Direction {
    fn new(phase: Phase) -> Self {
        Direction {
            phase,
            buf: Vec::new(),
            pending: None,
            skip: 0,
            offset: 0,
            consumed: 0,
            unreadable_noted: false,
            malformed: 0,
            first_session_data: false,
            heartbeat_seen: false,
            autodetect_seen: false,
        }
    }
}

/// What the connection's setup said that reading later PDUs needs.
#[derive(Debug, Default)]
struct Context {
    /// TS_UD_SC_NET MCSChannelId.
    io_channel: Option<u16>,
    /// TS_UD_SC_MCS_MSGCHANNEL MCSChannelID.
    message_channel: Option<u16>,
    /// Standard RDP security with encryption (TS_UD_SC_SEC1 method and level not 0): every
    /// PDU after the Security Exchange has a security header.
    standard_encryption: bool,
    /// Connection finalization is over (server Font Map).
    finalized: bool,
}

/// Reads the RDP PDUs of one TCP connection after negotiation (see the module docs).
pub struct RdpInnerDecoder {
    stream: u64,
    log: SharedLog,
    client: Direction,
    server: Direction,
    ctx: Context,
}

impl RdpInnerDecoder {
    /// The reader of decrypted TLS application data (CredSSP, RDSTLS or TPKT may come first).
    pub fn new(stream: u64, log: SharedLog) -> Self {
        RdpInnerDecoder {
            stream,
            log,
            client: Direction::new(Phase::Start),
            server: Direction::new(Phase::Start),
            ctx: Context::default(),
        }
    }

    /// The reader of the clear bytes after the Connection Confirm under standard RDP
    /// security (TPKT from the start).
    pub fn clear(stream: u64, log: SharedLog) -> Self {
        RdpInnerDecoder {
            client: Direction::new(Phase::Tpkt),
            server: Direction::new(Phase::Tpkt),
            ..Self::new(stream, log)
        }
    }

    /// Does the first decrypted application data of a connection look like RDP?
    pub fn wanted(first: &[u8], side: Side) -> bool {
        match (side, first) {
            // MS-CSSP TSRequest (DER SEQUENCE) or a TPKT-framed X.224 Data TPDU.
            (Side::Client, [0x30, ..]) | (Side::Client, [0x03, 0x00, ..]) => true,
            // RDSTLS: the server opens with its Capabilities PDU.
            (_, b) => rdstls::looks_like(b),
        }
    }

    fn dir(&mut self, side: Side) -> &mut Direction {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    fn observe(&self, side: Side, chunk: &Chunk, what: Observed) {
        self.log.borrow_mut().record(
            self.stream,
            Observation {
                frame: chunk.frame,
                ts: chunk.ts,
                from: side,
                what,
            },
        );
    }

    /// Records an RDP PDU, unless the session is active and the PDU is routine.
    fn emit(&mut self, side: Side, chunk: &Chunk, pdu: RdpObserved) {
        if self.ctx.finalized && routine(&pdu) {
            return;
        }
        self.observe(side, chunk, Observed::Rdp(Box::new(pdu)));
    }

    fn traffic(&self, f: impl FnOnce(&mut SessionTraffic)) {
        let mut log = self.log.borrow_mut();
        f(log.rdp_traffic.entry(self.stream).or_default());
    }

    fn malformed(&mut self, side: Side, chunk: &Chunk, structure: &'static str, e: DecodeError) {
        let d = self.dir(side);
        d.malformed += 1;
        if d.malformed > MAX_MALFORMED {
            return;
        }
        let offset = usize::try_from(d.offset)
            .unwrap_or(usize::MAX)
            .saturating_add(e.offset);
        self.observe(
            side,
            chunk,
            Observed::Rdp(Box::new(RdpObserved::Malformed {
                structure,
                offset,
                reason: e.reason,
            })),
        );
    }

    fn unreadable(&mut self, side: Side, chunk: &Chunk, reason: &'static str) {
        self.traffic(|t| t.encrypted_pdus += 1);
        let d = self.dir(side);
        if !std::mem::replace(&mut d.unreadable_noted, true) {
            self.observe(
                side,
                chunk,
                Observed::Rdp(Box::new(RdpObserved::Unreadable { reason })),
            );
        }
    }

    /// The first update / input of a side once the session is active.
    fn session_data(&mut self, side: Side, chunk: &Chunk, fast_path: bool) {
        if !self.ctx.finalized {
            return;
        }
        if !std::mem::replace(&mut self.dir(side).first_session_data, true) {
            self.observe(
                side,
                chunk,
                Observed::Rdp(Box::new(RdpObserved::FirstSessionData { fast_path })),
            );
        }
    }

    // ---------------------------------------------------------------------------------
    // Framing.

    /// How the PDU at the start of `buf` is framed, from its first bytes.
    fn frame(&self, side: Side, phase: Phase, buf: &[u8]) -> Frame {
        let Some(&first) = buf.first() else {
            return Frame::NeedMore(1);
        };
        match (first, phase) {
            (_, Phase::Done) => Frame::Invalid("framing lost"),
            (0x03, _) => self.frame_tpkt(buf),
            (0x30, Phase::Start | Phase::CredSsp) => match ber_tlv_total_len(buf) {
                Ok(None) => Frame::NeedMore(1),
                Ok(Some(len)) if len > MAX_TS_REQUEST => Frame::Pdu {
                    kind: Kind::SkippedTsRequest,
                    len,
                    keep: buf.len(),
                },
                Ok(Some(len)) => Frame::Pdu {
                    kind: Kind::TsRequest,
                    len,
                    keep: len,
                },
                Err(_) => Frame::Invalid("TSRequest with an impossible DER length"),
            },
            (0x01, Phase::Start | Phase::Rdstls) => match rdstls_len(buf) {
                Ok(None) if buf.len() < 4 => Frame::NeedMore(4 - buf.len()),
                Ok(None) if !rdstls::looks_like(buf) => Frame::Invalid("not RDSTLS"),
                Ok(None) => Frame::NeedMore(1),
                Ok(Some(len)) => Frame::Pdu {
                    kind: Kind::Rdstls,
                    len,
                    keep: len,
                },
                Err(reason) => Frame::Invalid(reason),
            },
            // Not a TSRequest after TSRequests from the server: the 4-byte Early User
            // Authorization Result (HYBRID_EX).
            (_, Phase::CredSsp) if side == Side::Server => Frame::Pdu {
                kind: Kind::EarlyAuthorization,
                len: 4,
                keep: 4,
            },
            (b, Phase::Tpkt) if b & 0x03 == 0 => match fastpath::FastPathHeader::peek(buf) {
                Ok(None) => Frame::NeedMore(1),
                Ok(Some(h)) => Frame::Pdu {
                    kind: Kind::FastPath,
                    len: h.length,
                    keep: buf.len().min(h.length),
                },
                Err(_) => Frame::Invalid("fast-path header with an impossible length"),
            },
            _ => Frame::Invalid("first byte is neither TSRequest, RDSTLS, TPKT nor fast-path"),
        }
    }

    fn frame_tpkt(&self, buf: &[u8]) -> Frame {
        if buf.len() < 4 {
            return Frame::NeedMore(4 - buf.len());
        }
        let len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
        if buf[1] != 0 || len < 7 {
            return Frame::Invalid("TPKT header with an impossible length");
        }
        if !self.ctx.finalized {
            return Frame::Pdu {
                kind: Kind::Tpkt,
                len,
                keep: len,
            };
        }
        // Active session: virtual channel data is only counted, its body skipped.
        if buf.len() < TPKT_CHANNEL_HEAD.min(len) {
            return Frame::NeedMore(TPKT_CHANNEL_HEAD.min(len) - buf.len());
        }
        let send_data = len >= TPKT_CHANNEL_HEAD && buf[5] & 0xF0 == 0xF0 && {
            let choice = buf[7] >> 2;
            choice == super::domain::choice::SEND_DATA_REQUEST
                || choice == super::domain::choice::SEND_DATA_INDICATION
        };
        if send_data {
            let channel = u16::from_be_bytes([buf[10], buf[11]]);
            if !self.is_io(channel) && !self.is_message(channel) {
                return Frame::Pdu {
                    kind: Kind::TpktChannelData,
                    len,
                    keep: buf.len(),
                };
            }
        }
        Frame::Pdu {
            kind: Kind::Tpkt,
            len,
            keep: len,
        }
    }

    fn is_io(&self, channel: u16) -> bool {
        channel == self.ctx.io_channel.unwrap_or(DEFAULT_IO_CHANNEL)
    }

    fn is_message(&self, channel: u16) -> bool {
        self.ctx.message_channel == Some(channel)
    }

    /// Reads `input` of one direction: skips, assembles and decodes PDUs.
    fn feed(&mut self, side: Side, mut input: &[u8], chunk: &Chunk) {
        loop {
            let d = self.dir(side);
            if d.phase == Phase::Done {
                return;
            }
            if let Some((kind, keep)) = d.pending {
                if input.is_empty() {
                    return;
                }
                let n = keep.saturating_sub(d.buf.len()).min(input.len());
                d.buf.extend_from_slice(&input[..n]);
                d.consumed += n as u64;
                input = &input[n..];
                if d.buf.len() >= keep {
                    let pdu = std::mem::take(&mut d.buf);
                    d.pending = None;
                    self.decode(side, chunk, kind, &pdu);
                    let d = self.dir(side);
                    if d.skip == 0 {
                        d.offset = d.consumed;
                    }
                }
                continue;
            }
            // The unbuffered rest of the PDU just decoded.
            if d.skip > 0 {
                if input.is_empty() {
                    return;
                }
                let n = d.skip.min(input.len());
                d.skip -= n;
                d.consumed += n as u64;
                input = &input[n..];
                if d.skip == 0 {
                    d.offset = d.consumed;
                }
                continue;
            }
            // Header: add bytes until the framing is known.
            let phase = d.phase;
            let buf = match side {
                Side::Client => &self.client.buf,
                Side::Server => &self.server.buf,
            };
            match self.frame(side, phase, buf) {
                Frame::NeedMore(_) if input.is_empty() => return,
                Frame::NeedMore(n) => {
                    let d = self.dir(side);
                    let cap = if phase == Phase::Rdstls || phase == Phase::Start {
                        MAX_RDSTLS
                    } else {
                        TPKT_CHANNEL_HEAD.max(8)
                    };
                    if d.buf.len() >= cap {
                        self.lose_framing(side, chunk, "PDU header too long");
                        return;
                    }
                    let n = n.max(1).min(input.len()).min(cap - d.buf.len());
                    d.buf.extend_from_slice(&input[..n]);
                    d.consumed += n as u64;
                    input = &input[n..];
                }
                Frame::Pdu { kind, len, keep } => {
                    let d = self.dir(side);
                    // `buf` holds fewer bytes than were needed to frame, so never more than
                    // `keep` (which is at least the header).
                    let keep = keep.max(d.buf.len()).min(len);
                    d.skip = len - keep;
                    d.pending = Some((kind, keep));
                    if d.buf.len() >= keep {
                        let pdu = std::mem::take(&mut d.buf);
                        d.pending = None;
                        self.decode(side, chunk, kind, &pdu);
                    }
                }
                Frame::Invalid(reason) => {
                    self.lose_framing(side, chunk, reason);
                    return;
                }
            }
        }
    }

    fn lose_framing(&mut self, side: Side, chunk: &Chunk, reason: &'static str) {
        let d = self.dir(side);
        d.phase = Phase::Done;
        d.buf = Vec::new();
        let offset = usize::try_from(d.offset).unwrap_or(usize::MAX);
        self.observe(
            side,
            chunk,
            Observed::DecodeError {
                decoder: "rdp_inner",
                offset,
                reason: reason.to_string(),
            },
        );
    }

    // ---------------------------------------------------------------------------------
    // Decoding one framed PDU.

    fn decode(&mut self, side: Side, chunk: &Chunk, kind: Kind, pdu: &[u8]) {
        self.traffic(|t| match side {
            Side::Client => t.last_client_frame = Some(chunk.frame),
            Side::Server => t.last_server_frame = Some(chunk.frame),
        });
        match kind {
            Kind::TsRequest => {
                self.dir(side).phase = Phase::CredSsp;
                match credssp::decode_ts_request(&mut Cursor::new(pdu)) {
                    Ok(info) => self.emit(side, chunk, RdpObserved::CredSsp(info)),
                    Err(e) => self.malformed(side, chunk, "TSRequest", e),
                }
            }
            Kind::SkippedTsRequest => {
                self.dir(side).phase = Phase::CredSsp;
                let e = DecodeError::new(0, format!("TSRequest longer than {MAX_TS_REQUEST}"));
                self.malformed(side, chunk, "TSRequest", e);
            }
            Kind::EarlyAuthorization => {
                self.dir(side).phase = Phase::Tpkt;
                if let Ok(result) = credssp::decode_early_user_authorization(&mut Cursor::new(pdu))
                {
                    self.emit(
                        side,
                        chunk,
                        RdpObserved::EarlyUserAuthorizationResult { result },
                    );
                }
            }
            Kind::Rdstls => {
                self.dir(side).phase = Phase::Rdstls;
                match rdstls::decode(&mut Cursor::new(pdu)) {
                    Ok(p) => self.emit(
                        side,
                        chunk,
                        RdpObserved::Rdstls {
                            pdu_type: p.pdu_type,
                            result_code: p.result_code,
                        },
                    ),
                    Err(e) => self.malformed(side, chunk, "RDSTLS PDU", e),
                }
            }
            Kind::FastPath => {
                self.dir(side).phase = Phase::Tpkt;
                let encrypted = pdu.first().is_some_and(|b| b & 0x80 != 0);
                self.traffic(|t| match side {
                    Side::Server => t.fast_path_updates += 1,
                    Side::Client => t.fast_path_inputs += 1,
                });
                if encrypted {
                    self.unreadable(
                        side,
                        chunk,
                        "fast-path PDU encrypted (standard RDP security)",
                    );
                } else {
                    self.session_data(side, chunk, true);
                }
            }
            Kind::TpktChannelData => {
                self.dir(side).phase = Phase::Tpkt;
                self.traffic(|t| t.channel_pdus += 1);
            }
            Kind::Tpkt => {
                self.dir(side).phase = Phase::Tpkt;
                self.tpkt(side, chunk, pdu);
            }
        }
    }

    /// T.123 TPKT record with an X.224 TPDU (MS-RDPBCGR 2.2.1.1 / 2.2.8.1.1.1.1).
    fn tpkt(&mut self, side: Side, chunk: &Chunk, record: &[u8]) {
        match super::x224::tpdu_kind(record) {
            Some(super::x224::TpduKind::Data) => {}
            Some(super::x224::TpduKind::DisconnectRequest) => {
                self.observe(side, chunk, Observed::X224DisconnectRequest);
                return;
            }
            _ => {
                let e = DecodeError::new(5, "not an X.224 Data TPDU");
                self.malformed(side, chunk, "X.224 TPDU", e);
                return;
            }
        }
        // X.224 Data: length indicator 2, code F0, EOT 80.
        let payload = record.get(7..).unwrap_or_default();
        match payload.get(..2) {
            Some([0x7F, 0x65]) => {
                let obs = match mcs::parse_connect_initial(payload) {
                    Ok(s) => Observed::McsConnectInitial(Box::new(s)),
                    Err(e) => Observed::DecodeError {
                        decoder: "mcs_connect_initial",
                        offset: e.offset + 7,
                        reason: e.reason,
                    },
                };
                self.observe(side, chunk, obs);
                return;
            }
            Some([0x7F, 0x66]) => {
                let obs = match mcs::parse_connect_response(payload) {
                    Ok(s) => {
                        self.learn(&s);
                        Observed::McsConnectResponse(Box::new(s))
                    }
                    Err(e) => Observed::DecodeError {
                        decoder: "mcs_connect_response",
                        offset: e.offset + 7,
                        reason: e.reason,
                    },
                };
                self.observe(side, chunk, obs);
                return;
            }
            _ => {}
        }
        let mut c = Cursor::new(record);
        c.seek(7);
        let pdu = match DomainPdu::decode(&mut c) {
            Ok(p) => p,
            Err(e) => return self.malformed(side, chunk, "T.125 DomainMCSPDU", e),
        };
        let what = match pdu {
            DomainPdu::ErectDomainRequest => RdpObserved::McsErectDomainRequest,
            DomainPdu::AttachUserRequest => RdpObserved::McsAttachUserRequest,
            DomainPdu::AttachUserConfirm { result, user_id } => {
                RdpObserved::McsAttachUserConfirm { result, user_id }
            }
            DomainPdu::ChannelJoinRequest { channel_id, .. } => {
                RdpObserved::McsChannelJoinRequest { channel_id }
            }
            DomainPdu::ChannelJoinConfirm {
                result, channel_id, ..
            } => RdpObserved::McsChannelJoinConfirm { result, channel_id },
            DomainPdu::DisconnectProviderUltimatum { reason } => {
                self.observe(
                    side,
                    chunk,
                    Observed::McsDisconnectProviderUltimatum { reason },
                );
                return;
            }
            DomainPdu::SendDataRequest(sd) | DomainPdu::SendDataIndication(sd) => {
                return self.send_data(side, chunk, record, sd);
            }
            DomainPdu::Other { .. } => return,
        };
        self.emit(side, chunk, what);
    }

    /// What the server's Connect Response says about the channels and the security layer.
    fn learn(&mut self, s: &mcs::ServerSettings) {
        if let Some(net) = &s.network {
            self.ctx.io_channel = Some(net.io_channel);
        }
        self.ctx.message_channel = s.message_channel;
        if let Some(sec) = &s.security {
            self.ctx.standard_encryption = sec.encryption_method != 0 && sec.encryption_level != 0;
        }
    }

    /// The user data of an MCS Send Data Request / Indication.
    fn send_data(&mut self, side: Side, chunk: &Chunk, record: &[u8], sd: SendData) {
        let is_message = self.is_message(sd.channel_id);
        if !self.is_io(sd.channel_id) && !is_message {
            self.traffic(|t| t.channel_pdus += 1);
            return;
        }
        let mut c = Cursor::new(record);
        c.seek(sd.data_offset);
        let secured =
            is_message || self.ctx.standard_encryption || !ShareControlHeader::looks_like(sd.data);
        if !secured {
            return self.share_control(side, chunk, &mut c);
        }
        let header = match SecurityHeader::decode(&mut c) {
            Ok(h) => h,
            Err(e) => return self.malformed(side, chunk, "TS_SECURITY_HEADER", e),
        };
        if header.has(flags::SEC_ENCRYPT) {
            return self.unreadable(side, chunk, "encrypted with standard RDP security");
        }
        let (structure, result) = if header.has(flags::SEC_EXCHANGE_PKT) {
            (
                "TS_SECURITY_PACKET",
                security::SecurityExchange::decode(&mut c).map(|s| {
                    Some(RdpObserved::SecurityExchange {
                        encrypted_random_len: s.encrypted_random_len,
                    })
                }),
            )
        } else if header.has(flags::SEC_INFO_PKT) {
            (
                "TS_INFO_PACKET",
                security::decode_client_info(&mut c).map(|i| Some(RdpObserved::ClientInfo(i))),
            )
        } else if header.has(flags::SEC_LICENSE_PKT) {
            (
                "LICENSE_PREAMBLE",
                licensing::decode(&mut c).map(|m| Some(RdpObserved::License(m))),
            )
        } else if header.has(flags::SEC_TRANSPORT_REQ) {
            (
                "TS_INITIATE_MULTITRANSPORT_REQUEST",
                multitransport::MultitransportRequest::decode(&mut c).map(|r| {
                    Some(RdpObserved::MultitransportRequest {
                        request_id: r.request_id,
                        requested_protocol: r.requested_protocol,
                    })
                }),
            )
        } else if header.has(flags::SEC_TRANSPORT_RSP) {
            (
                "TS_INITIATE_MULTITRANSPORT_RESPONSE",
                multitransport::MultitransportResponse::decode(&mut c).map(|r| {
                    Some(RdpObserved::MultitransportResponse {
                        request_id: r.request_id,
                        hr_response: r.hr_response,
                    })
                }),
            )
        } else if header.has(flags::SEC_HEARTBEAT) {
            self.traffic(|t| t.heartbeats += 1);
            let first = !std::mem::replace(&mut self.dir(side).heartbeat_seen, true);
            (
                "RDP_HEARTBEAT_PDU",
                heartbeat::Heartbeat::decode(&mut c).map(|h| {
                    first.then_some(RdpObserved::Heartbeat {
                        period: h.period,
                        warning_count: h.warning_count,
                        reconnect_count: h.reconnect_count,
                    })
                }),
            )
        } else if header.has(flags::SEC_AUTODETECT_REQ) || header.has(flags::SEC_AUTODETECT_RSP) {
            self.traffic(|t| t.auto_detect += 1);
            let first = !std::mem::replace(&mut self.dir(side).autodetect_seen, true);
            (
                "RDP_AUTODETECT",
                autodetect::AutoDetectHeader::decode(&mut c).map(|h| {
                    first.then_some(RdpObserved::AutoDetect {
                        header_type: h.header_type,
                        request_type: h.request_type,
                    })
                }),
            )
        } else if header.has(flags::SEC_REDIRECTION_PKT) {
            // 2.2.13.2: the packet's own Flags field repeats SEC_REDIRECTION_PKT; the
            // basic security header just read is that field and Length.
            c.seek(sd.data_offset);
            (
                "RDP_SERVER_REDIRECTION_PACKET",
                redirection::decode(&mut c).map(|r| Some(RdpObserved::ServerRedirection(r))),
            )
        } else {
            // A security header without a known packet flag (standard security, LOW
            // level, server to client): share control PDUs follow.
            return self.share_control(side, chunk, &mut c);
        };
        match result {
            Ok(Some(pdu)) => self.emit(side, chunk, pdu),
            Ok(None) => {}
            Err(e) => self.malformed(side, chunk, structure, e),
        }
    }

    /// MS-RDPBCGR 2.2.8.1.1.1.1 share control PDU (capabilities, data, deactivate,
    /// redirection).
    fn share_control(&mut self, side: Side, chunk: &Chunk, c: &mut Cursor) {
        let header = match ShareControlHeader::decode(c) {
            Ok(h) => h,
            Err(e) => return self.malformed(side, chunk, "TS_SHARECONTROLHEADER", e),
        };
        if header.total_length == share::FLOW_MARKER {
            return; // TS_FLOW_PDU (flow control, unused by current servers).
        }
        let (structure, result) = match header.pdu_type {
            pdu_type::DEMAND_ACTIVE => (
                "TS_DEMAND_ACTIVE_PDU",
                capabilities::decode_demand_active(c).map(RdpObserved::DemandActive),
            ),
            pdu_type::CONFIRM_ACTIVE => (
                "TS_CONFIRM_ACTIVE_PDU",
                capabilities::decode_confirm_active(c).map(RdpObserved::ConfirmActive),
            ),
            pdu_type::DEACTIVATE_ALL => {
                // A reactivation sequence follows: record it again.
                self.ctx.finalized = false;
                (
                    "TS_DEACTIVATE_ALL_PDU",
                    share::decode_deactivate_all(c).map(|_| RdpObserved::DeactivateAll),
                )
            }
            pdu_type::SERVER_REDIRECT => (
                "TS_ENHANCED_SECURITY_SERVER_REDIRECTION",
                c.skip(2, "pad2Octets")
                    .and_then(|()| redirection::decode(c))
                    .map(RdpObserved::ServerRedirection),
            ),
            pdu_type::DATA => return self.share_data(side, chunk, c),
            _ => return,
        };
        match result {
            Ok(pdu) => self.emit(side, chunk, pdu),
            Err(e) => self.malformed(side, chunk, structure, e),
        }
    }

    /// MS-RDPBCGR 2.2.8.1.1.1.2 share data PDU.
    fn share_data(&mut self, side: Side, chunk: &Chunk, c: &mut Cursor) {
        let header = match ShareDataHeader::decode(c) {
            Ok(h) => h,
            Err(e) => return self.malformed(side, chunk, "TS_SHAREDATAHEADER", e),
        };
        if header.compressed() {
            return self.unreadable(side, chunk, "bulk-compressed share data");
        }
        let (structure, result) = match header.pdu_type2 {
            pdu_type2::SYNCHRONIZE => (
                "TS_SYNCHRONIZE_PDU",
                share::decode_synchronize(c).map(|_| RdpObserved::Synchronize),
            ),
            pdu_type2::CONTROL => (
                "TS_CONTROL_PDU",
                share::ControlPdu::decode(c).map(|p| RdpObserved::Control { action: p.action }),
            ),
            pdu_type2::FONTLIST => (
                "TS_FONT_LIST_PDU",
                share::decode_font_pdu(c).map(|()| RdpObserved::FontList),
            ),
            pdu_type2::FONTMAP => {
                match share::decode_font_pdu(c) {
                    Ok(()) => {
                        self.emit(side, chunk, RdpObserved::FontMap);
                        // The last PDU of connection finalization (2.2.1.22).
                        self.ctx.finalized = true;
                    }
                    Err(e) => self.malformed(side, chunk, "TS_FONT_MAP_PDU", e),
                }
                return;
            }
            pdu_type2::SHUTDOWN_REQUEST => {
                ("TS_SHUTDOWN_REQ_PDU", Ok(RdpObserved::ShutdownRequest))
            }
            pdu_type2::SHUTDOWN_DENIED => {
                ("TS_SHUTDOWN_DENIED_PDU", Ok(RdpObserved::ShutdownDenied))
            }
            pdu_type2::SAVE_SESSION_INFO => (
                "TS_SAVE_SESSION_INFO_PDU_DATA",
                session_info::decode(c).map(RdpObserved::SaveSessionInfo),
            ),
            pdu_type2::SET_ERROR_INFO => (
                "TS_SET_ERROR_INFO_PDU",
                error_info::SetErrorInfo::decode(c)
                    .map(|e| RdpObserved::SetErrorInfo { error_info: e.code }),
            ),
            pdu_type2::UPDATE | pdu_type2::POINTER => {
                self.traffic(|t| t.slow_path_updates += 1);
                return self.session_data(side, chunk, false);
            }
            pdu_type2::INPUT => {
                self.traffic(|t| t.slow_path_inputs += 1);
                return self.session_data(side, chunk, false);
            }
            _ => return,
        };
        match result {
            Ok(pdu) => self.emit(side, chunk, pdu),
            Err(e) => self.malformed(side, chunk, structure, e),
        }
    }
}

/// PDUs not recorded once the session is active (they are counted, or only matter during
/// the connection sequence).
fn routine(pdu: &RdpObserved) -> bool {
    !matches!(
        pdu,
        RdpObserved::SetErrorInfo { .. }
            | RdpObserved::DeactivateAll
            | RdpObserved::SaveSessionInfo(_)
            | RdpObserved::ServerRedirection(_)
            | RdpObserved::ShutdownRequest
            | RdpObserved::ShutdownDenied
            | RdpObserved::License(_)
            | RdpObserved::MultitransportRequest { .. }
            | RdpObserved::MultitransportResponse { .. }
            | RdpObserved::Heartbeat { .. }
            | RdpObserved::AutoDetect { .. }
    )
}

/// The length of the RDSTLS PDU at the start of `b` (MS-RDPBCGR 2.2.17), `Ok(None)` when
/// more bytes are needed to tell.
fn rdstls_len(b: &[u8]) -> Result<Option<usize>, &'static str> {
    if b.len() < 6 {
        return Ok(None);
    }
    if !rdstls::looks_like(b) {
        return Err("not an RDSTLS PDU");
    }
    let u16_at = |at: usize| {
        b.get(at..at + 2)
            .map(|p| usize::from(u16::from_le_bytes([p[0], p[1]])))
    };
    let pdu_type = u16_at(2).unwrap_or_default();
    let data_type = u16_at(4).unwrap_or_default();
    let len = match (pdu_type, data_type) {
        (0x0001, _) => 8,
        (0x0004, _) => 10,
        (0x0002, 0x0001) => {
            let mut at = 6;
            for _ in 0..4 {
                let Some(n) = u16_at(at) else {
                    return Ok(None);
                };
                at += 2 + n;
            }
            at
        }
        (0x0002, 0x0002) => {
            let Some(n) = u16_at(10) else {
                return Ok(None);
            };
            12 + n
        }
        _ => return Err("unknown RDSTLS PDU"),
    };
    if len > MAX_RDSTLS {
        return Err("RDSTLS PDU too long");
    }
    Ok(Some(len))
}

impl StreamConsumer for RdpInnerDecoder {
    fn data(&mut self, side: Side, bytes: &[u8], chunk: Chunk) -> Want {
        self.feed(side, bytes, &chunk);
        if self.dir(side).phase == Phase::Done {
            Want::Done
        } else {
            Want::More
        }
    }

    fn gap(&mut self, side: Side, _missing: u64, _frame: u64) -> Want {
        // Framing is lost with the missing bytes.
        let d = self.dir(side);
        d.phase = Phase::Done;
        d.buf = Vec::new();
        Want::Done
    }

    fn wants_whole_stream(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::observation::ObservationLog;
    use crate::proto::rdp::names;
    use std::cell::RefCell;
    use std::rc::Rc;

    fn chunk(frame: u64) -> Chunk {
        Chunk {
            frame,
            ts: crate::capture::Timestamp::default(),
            stream_offset: 0,
        }
    }

    fn decoder() -> (RdpInnerDecoder, SharedLog) {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        (RdpInnerDecoder::new(7, log.clone()), log)
    }

    /// TPKT + X.224 Data (`02 f0 80`) around an MCS payload (T.123 8, MS-RDPBCGR 2.2.8.1.1.1.1).
    fn tpkt(payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() + 7) as u16;
        let mut b = vec![3, 0];
        b.extend(len.to_be_bytes());
        b.extend([2, 0xF0, 0x80]);
        b.extend(payload);
        b
    }

    /// MCS Send Data Indication (server) / Request (client) from user 1002 on `channel`.
    fn send_data(indication: bool, channel: u16, data: &[u8]) -> Vec<u8> {
        let mut b = vec![if indication { 0x68 } else { 0x64 }, 0, 1];
        b.extend(channel.to_be_bytes());
        b.push(0x70);
        let n = data.len() as u16;
        if n < 0x80 {
            b.push(n as u8);
        } else {
            b.extend((n | 0x8000).to_be_bytes());
        }
        b.extend(data);
        b
    }

    /// Share Control (type 7, version 1) + Share Data header with `pdu_type2`, then `body`.
    fn share_data(pdu_type2: u8, body: &[u8]) -> Vec<u8> {
        let total = (18 + body.len()) as u16;
        let mut b = total.to_le_bytes().to_vec();
        b.extend([0x17, 0x00, 0xEA, 0x03]);
        b.extend([0xEA, 0x03, 0x01, 0x00, 0x00, 0x01]);
        b.extend(((body.len() + 4) as u16).to_le_bytes());
        b.extend([pdu_type2, 0, 0, 0]);
        b.extend(body);
        b
    }

    fn server_io(data: &[u8]) -> Vec<u8> {
        tpkt(&send_data(true, 1003, data))
    }

    fn rdp_seen(log: &SharedLog) -> Vec<(u64, Side, RdpObserved)> {
        log.borrow()
            .by_stream
            .get(&7)
            .map(|v| {
                v.iter()
                    .filter_map(|o| match &o.what {
                        Observed::Rdp(p) => Some((o.frame, o.from, (**p).clone())),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn all_seen(log: &SharedLog) -> Vec<Observed> {
        log.borrow()
            .by_stream
            .get(&7)
            .map(|v| v.iter().map(|o| o.what.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn set_error_info_values_no_lab_server_sends() {
        // MS-RDPBCGR 2.2.5.1.1: errorInfo 0x7, 0x9, 0x101, 0x10A and an unknown value.
        for code in [0x7u32, 0x9, 0x101, 0x10A, 0xBEEF] {
            let (mut d, log) = decoder();
            let pdu = server_io(&share_data(0x2F, &code.to_le_bytes()));
            assert_eq!(d.data(Side::Server, &pdu, chunk(40)), Want::More);
            assert_eq!(
                rdp_seen(&log),
                [(
                    40,
                    Side::Server,
                    RdpObserved::SetErrorInfo { error_info: code }
                )]
            );
            assert_eq!(names::error_info(code).is_some(), code != 0xBEEF);
        }
    }

    #[test]
    fn license_error_no_license_server() {
        // SEC_LICENSE_PKT basic security header, then LICENSE_ERROR_MESSAGE
        // ERR_NO_LICENSE_SERVER (6) + ST_TOTAL_ABORT (1).
        let mut body = vec![0x80, 0x00, 0x00, 0x00, 0xFF, 0x03, 0x10, 0x00];
        body.extend(6u32.to_le_bytes());
        body.extend(1u32.to_le_bytes());
        body.extend([4, 0, 0, 0]);
        let (mut d, log) = decoder();
        d.data(Side::Server, &server_io(&body), chunk(9));
        let seen = rdp_seen(&log);
        let [(9, Side::Server, RdpObserved::License(l))] = seen.as_slice() else {
            panic!("{seen:?}");
        };
        assert_eq!((l.error_code, l.state_transition), (Some(6), Some(1)));
        assert_eq!(names::license_error(6), Some("ERR_NO_LICENSE_SERVER"));
    }

    #[test]
    fn disconnect_ultimatum_and_x224_disconnect_inside_tls() {
        let (mut d, log) = decoder();
        let mut bytes = tpkt(&[0x21, 0x80]);
        // X.224 Disconnect Request: 03 00 00 0b 06 80 00 00 00 00 00.
        bytes.extend([3, 0, 0, 11, 6, 0x80, 0, 0, 0, 0, 0]);
        d.data(Side::Server, &bytes, chunk(3));
        let seen = all_seen(&log);
        assert!(matches!(
            seen.as_slice(),
            [
                Observed::McsDisconnectProviderUltimatum { reason: 3 },
                Observed::X224DisconnectRequest
            ]
        ));
    }

    fn ts_request(token_kind: u32) -> Vec<u8> {
        let mut t = b"NTLMSSP\0".to_vec();
        t.extend(token_kind.to_le_bytes());
        let mut inner = vec![0x04, t.len() as u8];
        inner.extend(t);
        let wrap = |tag: u8, v: Vec<u8>| {
            let mut w = vec![tag, v.len() as u8];
            w.extend(v);
            w
        };
        let nego = wrap(0xA1, wrap(0x30, wrap(0x30, wrap(0xA0, inner))));
        let mut body = vec![0xA0, 3, 2, 1, 6];
        body.extend(nego);
        wrap(0x30, body)
    }

    #[test]
    fn credssp_then_early_user_authorization_then_tpkt() {
        let (mut d, log) = decoder();
        d.data(Side::Client, &ts_request(1), chunk(10));
        d.data(Side::Server, &ts_request(2), chunk(11));
        d.data(Side::Client, &ts_request(3), chunk(12));
        // Server: AUTHZ_ACCESS_DENIED (5) and, in the same record, a DPUm.
        let mut s = vec![5, 0, 0, 0];
        s.extend(tpkt(&[0x21, 0x80]));
        assert_eq!(d.data(Side::Server, &s, chunk(13)), Want::More);
        let seen = rdp_seen(&log);
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(
            matches!(&seen[2].2, RdpObserved::CredSsp(t) if t.token == Some(NegoToken::NtlmAuthenticate))
        );
        assert_eq!(
            seen[3],
            (
                13,
                Side::Server,
                RdpObserved::EarlyUserAuthorizationResult { result: 5 }
            )
        );
        assert!(
            all_seen(&log)
                .iter()
                .any(|o| matches!(o, Observed::McsDisconnectProviderUltimatum { reason: 3 }))
        );
    }

    use crate::proto::rdp::observed::NegoToken;

    /// A finalized session: after Font Map routine PDUs are counted, endings recorded.
    fn finalized() -> (RdpInnerDecoder, SharedLog) {
        let (mut d, log) = decoder();
        d.data(
            Side::Server,
            &server_io(&share_data(0x28, &[0; 8])),
            chunk(1),
        );
        (d, log)
    }

    #[test]
    fn after_font_map_routine_pdus_are_counted() {
        let (mut d, log) = finalized();
        // Synchronize again (routine), a slow-path update, a virtual channel PDU, fast-path
        // updates fed one byte at a time, then Save Session Info and Set Error Info.
        d.data(
            Side::Server,
            &server_io(&share_data(0x1F, &[1, 0, 0xEA, 3])),
            chunk(2),
        );
        d.data(
            Side::Server,
            &server_io(&share_data(0x02, &[0; 6])),
            chunk(3),
        );
        d.data(
            Side::Server,
            &tpkt(&send_data(true, 1004, &[0xAB; 300])),
            chunk(4),
        );
        let mut fp = vec![0x00, 0x81, 0x2C];
        fp.extend([0x55; 297]);
        fp.extend([0x00, 0x04, 1, 2]);
        for (i, b) in fp.iter().enumerate() {
            d.data(
                Side::Server,
                std::slice::from_ref(b),
                chunk(5 + i as u64 / 100),
            );
        }
        let mut logon = 3u32.to_le_bytes().to_vec();
        logon.extend([18, 0, 2, 0, 0, 0, 8, 0, 0, 0]);
        logon.extend(0xFFFF_FFFAu32.to_le_bytes());
        logon.extend(2u32.to_le_bytes());
        d.data(
            Side::Server,
            &server_io(&share_data(0x26, &logon)),
            chunk(20),
        );
        d.data(
            Side::Server,
            &server_io(&share_data(0x2F, &9u32.to_le_bytes())),
            chunk(21),
        );
        let seen: Vec<_> = rdp_seen(&log).into_iter().map(|(f, _, p)| (f, p)).collect();
        assert_eq!(seen[0], (1, RdpObserved::FontMap));
        assert_eq!(
            seen[1],
            (3, RdpObserved::FirstSessionData { fast_path: false })
        );
        assert!(matches!(
            seen[2],
            (20, RdpObserved::SaveSessionInfo(i)) if i.logon_error_type == Some(0xFFFF_FFFA) && i.logon_error_data == Some(2)
        ));
        assert_eq!(seen[3], (21, RdpObserved::SetErrorInfo { error_info: 9 }));
        assert_eq!(seen.len(), 4);
        let t = log.borrow().rdp_traffic[&7];
        assert_eq!(
            (t.slow_path_updates, t.channel_pdus, t.fast_path_updates),
            (1, 1, 2)
        );
        assert_eq!(t.last_server_frame, Some(21));
        // The fast-path bodies were skipped, never buffered.
        assert!(d.server.buf.capacity() < 64);
    }

    #[test]
    fn byte_by_byte_equals_one_chunk() {
        let mut stream = ts_request(1);
        stream.extend(tpkt(&[0x04, 1, 0, 1, 0]));
        stream.extend(tpkt(&[0x28]));
        stream.extend(tpkt(&[0x38, 0, 1, 3, 0xEB]));
        let (mut whole, log_whole) = decoder();
        whole.data(Side::Client, &stream, chunk(1));
        let (mut bytes, log_bytes) = decoder();
        for b in &stream {
            bytes.data(Side::Client, std::slice::from_ref(b), chunk(1));
        }
        let a = rdp_seen(&log_whole);
        assert_eq!(a, rdp_seen(&log_bytes));
        assert_eq!(a.len(), 4);
        assert_eq!(
            a[3].2,
            RdpObserved::McsChannelJoinRequest { channel_id: 1003 }
        );
    }

    #[test]
    fn encrypted_standard_security_is_noted_once_per_direction() {
        let (mut d, log) = decoder();
        // SEC_ENCRYPT basic header, 8-byte MAC, ciphertext.
        let mut enc = vec![0x08, 0x00, 0x00, 0x00];
        enc.extend([0xEE; 24]);
        for f in 1..=3 {
            d.data(Side::Server, &server_io(&enc), chunk(f));
        }
        d.data(Side::Client, &tpkt(&send_data(false, 1003, &enc)), chunk(4));
        let seen = rdp_seen(&log);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(matches!(
            seen[0],
            (1, Side::Server, RdpObserved::Unreadable { .. })
        ));
        assert!(matches!(
            seen[1],
            (4, Side::Client, RdpObserved::Unreadable { .. })
        ));
        assert_eq!(log.borrow().rdp_traffic[&7].encrypted_pdus, 4);
    }

    #[test]
    fn malformed_body_keeps_framing() {
        let (mut d, log) = decoder();
        // Demand Active with a lengthCapability of 2 (< 4), then a good Set Error Info.
        let mut da = 28u16.to_le_bytes().to_vec();
        da.extend([0x11, 0x00, 0xEA, 0x03]);
        da.extend([1, 0, 0, 0, 4, 0, 8, 0]);
        da.extend(b"RDP\0");
        da.extend([1, 0, 0, 0, 1, 0, 2, 0]);
        d.data(Side::Server, &server_io(&da), chunk(1));
        d.data(
            Side::Server,
            &server_io(&share_data(0x2F, &7u32.to_le_bytes())),
            chunk(2),
        );
        let seen = rdp_seen(&log);
        assert!(matches!(
            &seen[0],
            (
                1,
                _,
                RdpObserved::Malformed {
                    structure: "TS_DEMAND_ACTIVE_PDU",
                    ..
                }
            )
        ));
        assert_eq!(seen[1].2, RdpObserved::SetErrorInfo { error_info: 7 });
    }

    #[test]
    fn garbage_stops_the_direction() {
        let (mut d, log) = decoder();
        assert_eq!(
            d.data(Side::Client, &[0x02, 0x99, 0x99], chunk(5)),
            Want::Done
        );
        assert!(matches!(
            all_seen(&log).as_slice(),
            [Observed::DecodeError {
                decoder: "rdp_inner",
                ..
            }]
        ));
        // TPKT with an impossible length.
        let (mut d, _) = decoder();
        assert_eq!(d.data(Side::Server, &[3, 0, 0, 2], chunk(5)), Want::Done);
        // A DER length of 5 octets.
        let (mut d, _) = decoder();
        assert_eq!(d.data(Side::Client, &[0x30, 0x85, 1], chunk(5)), Want::Done);
        // An oversized TSRequest is skipped by its length, not buffered.
        let (mut d, log) = decoder();
        let mut big = vec![0x30, 0x83, 0x01, 0x00, 0x00];
        big.extend(vec![0u8; 0x1_0000]);
        big.extend(tpkt(&[0x28]));
        assert_eq!(d.data(Side::Client, &big, chunk(6)), Want::More);
        let seen = rdp_seen(&log);
        assert!(matches!(
            seen[0].2,
            RdpObserved::Malformed {
                structure: "TSRequest",
                ..
            }
        ));
        assert_eq!(seen[1].2, RdpObserved::McsAttachUserRequest);
    }

    #[test]
    fn rdstls_result() {
        let (mut d, log) = decoder();
        d.data(Side::Server, &[1, 0, 1, 0, 1, 0, 1, 0], chunk(1));
        d.data(
            Side::Client,
            &[1, 0, 2, 0, 1, 0, 0, 0, 1, 0, b'u', 0, 0, 0, 0],
            chunk(2),
        );
        d.data(
            Side::Server,
            &[1, 0, 4, 0, 1, 0, 0x2E, 0x05, 0, 0],
            chunk(3),
        );
        let seen = rdp_seen(&log);
        assert_eq!(seen.len(), 3, "{seen:?} {:?}", all_seen(&log));
        assert_eq!(
            seen[2].2,
            RdpObserved::Rdstls {
                pdu_type: 4,
                result_code: Some(0x52E)
            }
        );
        assert_eq!(
            names::rdstls_result(0x52E),
            Some("RDSTLS_RESULT_LOGON_FAILURE")
        );
        assert!(RdpInnerDecoder::wanted(
            &[1, 0, 1, 0, 1, 0, 1, 0],
            Side::Server
        ));
        assert!(RdpInnerDecoder::wanted(&[0x30, 0x37], Side::Client));
        assert!(!RdpInnerDecoder::wanted(b"GET / HTTP/1.1", Side::Client));
    }

    #[test]
    fn spec_section_4_examples() {
        let (mut d, log) = decoder();
        // MS-RDPBCGR 4.1.7 Server MCS Attach-User Confirm PDU.
        let aucf = [
            0x03, 0x00, 0x00, 0x0B, 0x02, 0xF0, 0x80, 0x2E, 0x00, 0x00, 0x06,
        ];
        // 4.1.9 Server MCS Channel Join Confirm PDU (channel 1007).
        let cjcf = [
            0x03, 0x00, 0x00, 0x0F, 0x02, 0xF0, 0x80, 0x3E, 0x00, 0x00, 0x06, 0x03, 0xEF, 0x03,
            0xEF,
        ];
        // 4.1.11 Server License Error PDU - Valid Client, encrypted (flags 0x0288 =
        // SEC_ENCRYPT | SEC_LICENSE_PKT | SEC_LICENSE_ENCRYPT_CS).
        let license = [
            0x03, 0x00, 0x00, 0x2A, 0x02, 0xF0, 0x80, 0x68, 0x00, 0x01, 0x03, 0xEB, 0x70, 0x1C,
            0x88, 0x02, 0x02, 0x03, 0x8D, 0x43, 0x9A, 0xAB, 0xD5, 0x2A, 0x31, 0x39, 0x62, 0x4D,
            0xC1, 0xEC, 0x0D, 0x99, 0x88, 0xE6, 0xDA, 0xAB, 0x2C, 0x02, 0x72, 0x4D, 0x49, 0x90,
        ];
        // 4.1.19 Server Synchronize PDU, encrypted (flags 0x0808).
        let sync = [
            0x03, 0x00, 0x00, 0x30, 0x02, 0xF0, 0x80, 0x68, 0x00, 0x01, 0x03, 0xEB, 0x70, 0x22,
            0x08, 0x08, 0x02, 0x03, 0xF4, 0x4E, 0xD1, 0x9E, 0xB4, 0x53, 0xB6, 0xE6, 0xD7, 0xBE,
            0xCC, 0xC2, 0x2B, 0x18, 0xA2, 0xCF, 0x5C, 0x9F, 0x59, 0xDE, 0xC6, 0x02, 0xE2, 0xFF,
            0x36, 0x69, 0xB7, 0xFF, 0x0E, 0x27,
        ];
        // 4.2.3 MCS Disconnect Provider Ultimatum PDU.
        let dpum = [0x03, 0x00, 0x00, 0x09, 0x02, 0xF0, 0x80, 0x21, 0x80];
        let stream = [&aucf[..], &cjcf, &license, &sync, &dpum].concat();
        assert_eq!(d.data(Side::Server, &stream, chunk(1)), Want::More);
        let seen = all_seen(&log);
        let rdp = |p: RdpObserved| Observed::Rdp(Box::new(p));
        let want = [
            rdp(RdpObserved::McsAttachUserConfirm {
                result: 0,
                user_id: Some(1007),
            }),
            rdp(RdpObserved::McsChannelJoinConfirm {
                result: 0,
                channel_id: 1007,
            }),
            rdp(RdpObserved::Unreadable {
                reason: "encrypted with standard RDP security",
            }),
        ];
        assert_eq!(format!("{:?}", &seen[..3]), format!("{want:?}"));
        assert!(matches!(
            seen[3],
            Observed::McsDisconnectProviderUltimatum { reason: 3 }
        ));
        assert_eq!(seen.len(), 4);
        assert_eq!(log.borrow().rdp_traffic[&7].encrypted_pdus, 2);
    }

    fn ber_len(n: usize) -> Vec<u8> {
        match n {
            0..=0x7F => vec![n as u8],
            0x80..=0xFF => vec![0x81, n as u8],
            _ => vec![0x82, (n >> 8) as u8, n as u8],
        }
    }

    fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
        [vec![tag], ber_len(v.len()), v.to_vec()].concat()
    }

    fn block(kind: u16, body: &[u8]) -> Vec<u8> {
        [
            kind.to_le_bytes().to_vec(),
            ((body.len() + 4) as u16).to_le_bytes().to_vec(),
            body.to_vec(),
        ]
        .concat()
    }

    /// MCS Connect Response (T.125 BER, MS-RDPBCGR 2.2.1.4) with TS_UD_SC_SEC1 `method`,
    /// `level` (no certificate), TS_UD_SC_NET (I/O 1003, channel 1004) and the message
    /// channel 1006.
    fn connect_response(method: u32, level: u32) -> Vec<u8> {
        let mut sec = method.to_le_bytes().to_vec();
        sec.extend(level.to_le_bytes());
        if method != 0 || level != 0 {
            sec.extend(32u32.to_le_bytes());
            sec.extend(0u32.to_le_bytes());
            sec.extend([0xAB; 32]);
        }
        let mut net = 1003u16.to_le_bytes().to_vec();
        net.extend(1u16.to_le_bytes());
        net.extend(1004u16.to_le_bytes());
        net.extend([0, 0]);
        let user = [
            block(0x0C01, &[4, 0, 8, 0]),
            block(0x0C02, &sec),
            block(0x0C03, &net),
            block(0x0C04, &1006u16.to_le_bytes()),
        ]
        .concat();
        let mut gcc = vec![0x00, 0x05, 0x00, 0x14, 0x7C, 0x00, 0x01];
        gcc.extend([
            0x2A, 0x14, 0x76, 0x0A, 0x01, 0x01, 0x00, 0x01, 0xC0, 0x00, b'M', b'c', b'D', b'n',
        ]);
        gcc.extend(((user.len() as u16) | 0x8000).to_be_bytes());
        gcc.extend(user);
        let mut domain = Vec::new();
        for v in [34u8, 3, 0, 1, 0, 1, 0xFF, 2] {
            domain.extend(tlv(0x02, &[v]));
        }
        let mut body = tlv(0x0A, &[0]);
        body.extend(tlv(0x02, &[0]));
        body.extend(tlv(0x30, &domain));
        body.extend(tlv(0x04, &gcc));
        [vec![0x7F, 0x66], ber_len(body.len()), body].concat()
    }

    /// Standard RDP security with encryptionLevel NONE (method 0): everything stays readable
    /// (security headers only on Client Info and licensing, MS-RDPBCGR 2.2.8.1.1.2).
    #[test]
    fn standard_security_level_none_stays_readable() {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = RdpInnerDecoder::clear(7, log.clone());
        d.data(Side::Server, &tpkt(&connect_response(0, 0)), chunk(1));
        assert!(matches!(all_seen(&log)[0], Observed::McsConnectResponse(_)));
        // Client Info behind SEC_INFO_PKT.
        let mut info = vec![0x40, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0];
        info.extend([0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        info.extend([0, 0, b'u', 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        d.data(
            Side::Client,
            &tpkt(&send_data(false, 1003, &info)),
            chunk(2),
        );
        // A Demand Active without a security header, then Set Error Info 0x10A.
        let mut da = 26u16.to_le_bytes().to_vec();
        da.extend([0x11, 0x00, 0xEA, 0x03, 1, 0, 0, 0, 4, 0, 4, 0]);
        da.extend(b"RDP\0");
        da.extend([0, 0, 0, 0, 0, 0, 0, 0]);
        d.data(Side::Server, &server_io(&da), chunk(3));
        d.data(
            Side::Server,
            &server_io(&share_data(0x2F, &0x10Au32.to_le_bytes())),
            chunk(4),
        );
        // Message channel: Multitransport Request, two heartbeats (the first is recorded).
        let mut mt = vec![0x02, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0];
        mt.extend([0x5A; 16]);
        d.data(Side::Server, &tpkt(&send_data(true, 1006, &mt)), chunk(5));
        for f in 6..8 {
            let hb = [0x00, 0x40, 0, 0, 0, 30, 3, 6];
            d.data(Side::Server, &tpkt(&send_data(true, 1006, &hb)), chunk(f));
        }
        let seen: Vec<_> = rdp_seen(&log).into_iter().map(|(f, _, p)| (f, p)).collect();
        assert!(matches!(&seen[0], (2, RdpObserved::ClientInfo(i)) if i.user_name == "u"));
        assert!(matches!(&seen[1], (3, RdpObserved::DemandActive(c)) if c.source == "RDP"));
        assert_eq!(
            seen[2],
            (4, RdpObserved::SetErrorInfo { error_info: 0x10A })
        );
        assert_eq!(
            seen[3],
            (
                5,
                RdpObserved::MultitransportRequest {
                    request_id: 9,
                    requested_protocol: 1
                }
            )
        );
        assert_eq!(
            seen[4],
            (
                6,
                RdpObserved::Heartbeat {
                    period: 30,
                    warning_count: 3,
                    reconnect_count: 6
                }
            )
        );
        assert_eq!(seen.len(), 5);
        assert_eq!(log.borrow().rdp_traffic[&7].heartbeats, 2);
    }

    /// Standard RDP security with encryption (method 128-bit, level CLIENT_COMPATIBLE):
    /// every PDU has a security header; SEC_ENCRYPT ones are unreadable, a licensing PDU
    /// without it is read.
    #[test]
    fn standard_security_with_encryption() {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = RdpInnerDecoder::clear(7, log.clone());
        d.data(Side::Server, &tpkt(&connect_response(2, 2)), chunk(1));
        let mut lic = vec![0x80, 0x02, 0x00, 0x00, 0xFF, 0x03, 0x10, 0x00];
        lic.extend(7u32.to_le_bytes());
        lic.extend(2u32.to_le_bytes());
        lic.extend([4, 0, 0, 0]);
        d.data(Side::Server, &server_io(&lic), chunk(2));
        // A share control PDU behind a basic header without SEC_ENCRYPT (server, LOW-style).
        let mut sync = vec![0, 0, 0, 0];
        sync.extend(share_data(0x1F, &[1, 0, 0xEA, 3]));
        d.data(Side::Server, &server_io(&sync), chunk(3));
        let seen: Vec<_> = rdp_seen(&log).into_iter().map(|(f, _, p)| (f, p)).collect();
        assert!(matches!(&seen[0], (2, RdpObserved::License(l)) if l.error_code == Some(7)));
        assert_eq!(seen[1], (3, RdpObserved::Synchronize));
    }
}
