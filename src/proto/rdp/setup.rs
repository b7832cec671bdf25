//! Reads the first bytes of each direction of a TCP conversation, recognises RDP by content
//! (TPKT version 3 + X.224 Connection Request / Confirm, on any port, also behind a proxy
//! prefix such as SOCKS5) and records the connection-setup messages: Connection Request and
//! Confirm and the start of TLS. Under standard RDP security (no TLS) the bytes after the
//! negotiation — MCS Connect Initial / Response, the domain PDUs, the Security Exchange and
//! what stays in clear — go to the same reader as decrypted TLS ([`super::inner`]). When the
//! stream is not RDP, or carries TLS, this decoder tells reassembly it is done, so a long
//! session costs no buffer memory here.

use super::inner::RdpInnerDecoder;
use super::x224::{self, ConnectionConfirm, TpduKind};
use crate::flow::Side;
use crate::flow::consumer::{Chunk, StreamConsumer, Want};
use crate::proto::observation::{Observation, Observed, SharedLog};

/// Bytes searched for the first TPKT record (a proxy handshake may precede it).
const DETECT_WINDOW: usize = 512;
/// Largest TPKT record (its length field is 16 bits).
const MAX_RECORD: usize = 65_535;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Detect,
    Rdp,
    /// X.224 Data in clear (standard RDP security): bytes go to the inner reader.
    Inner,
    Done,
}

struct Direction {
    state: State,
    buf: Vec<u8>,
    /// Bytes from the first TLS record on, for the TLS decoder to take over.
    tls_handover: Option<Vec<u8>>,
    /// Records decoded so far in this direction.
    records: u32,
}

impl Direction {
    fn new() -> Self {
        Direction {
            state: State::Detect,
            buf: Vec::new(),
            tls_handover: None,
            records: 0,
        }
    }
}

/// The RDP setup decoder of one TCP conversation.
pub struct RdpSetupDecoder {
    stream: u64,
    log: SharedLog,
    client: Direction,
    server: Direction,
    /// Reader of the clear PDUs after negotiation (standard RDP security), both directions.
    inner: Option<RdpInnerDecoder>,
}

impl RdpSetupDecoder {
    pub fn new(stream: u64, log: SharedLog) -> Self {
        RdpSetupDecoder {
            stream,
            log,
            client: Direction::new(),
            server: Direction::new(),
            inner: None,
        }
    }

    /// Hands this direction's bytes from its first X.224 Data TPDU on to the inner reader.
    fn hand_over(&mut self, side: Side, chunk: &Chunk) {
        let d = self.dir(side);
        let bytes = std::mem::take(&mut d.buf);
        d.state = State::Inner;
        self.feed_inner(side, &bytes, chunk);
    }

    fn feed_inner(&mut self, side: Side, bytes: &[u8], chunk: &Chunk) {
        let (stream, log) = (self.stream, self.log.clone());
        let inner = self
            .inner
            .get_or_insert_with(|| RdpInnerDecoder::clear(stream, log));
        if inner.data(side, bytes, *chunk) == Want::Done {
            self.dir(side).state = State::Done;
        }
    }

    fn record(&self, side: Side, chunk: &Chunk, what: Observed) {
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

    fn dir(&mut self, side: Side) -> &mut Direction {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    /// Finds the first TPKT record carrying the X.224 TPDU this side opens with.
    fn detect(&mut self, side: Side, chunk: &Chunk) {
        let want = if side == Side::Client { 0xE0 } else { 0xD0 };
        let buf = &self.dir(side).buf;
        if starts_tls_record(buf) {
            // A TLS record first: the client's direct CredSSP approach (MS-RDPBCGR 5.4.5.2).
            self.record(side, chunk, Observed::TlsStart { direct: true });
            let d = self.dir(side);
            d.tls_handover = Some(std::mem::take(&mut d.buf));
            d.state = State::Done;
            return;
        }
        let limit = buf.len().min(DETECT_WINDOW);
        let found = (0..limit).find(|&k| {
            let rest = &buf[k..];
            rest.len() >= 6
                && x224::tpkt_length(rest).is_some_and(|l| l <= MAX_RECORD)
                && rest[1] == 0
                && rest[5] & 0xF0 == want
                && usize::from(rest[4]) + 5 <= x224::tpkt_length(rest).unwrap_or(0)
        });
        match found {
            Some(k) => {
                if k > 0 {
                    let socks5_target = (buf[0] == 5).then(|| socks5_target(&buf[..k])).flatten();
                    self.record(
                        side,
                        chunk,
                        Observed::TunnelPrefix {
                            bytes: k,
                            socks5_target,
                        },
                    );
                }
                let d = self.dir(side);
                d.buf.drain(..k);
                d.state = State::Rdp;
            }
            None if buf.len() >= DETECT_WINDOW => self.dir(side).state = State::Done,
            None => {}
        }
    }

    fn decode_records(&mut self, side: Side, chunk: &Chunk) {
        loop {
            let d = self.dir(side);
            if d.state != State::Rdp || d.buf.is_empty() {
                return;
            }
            if starts_tls_record(&d.buf) {
                self.record(side, chunk, Observed::TlsStart { direct: false });
                let d = self.dir(side);
                d.tls_handover = Some(std::mem::take(&mut d.buf));
                d.state = State::Done;
                return;
            }
            let Some(len) = x224::tpkt_length(&d.buf) else {
                if d.buf.len() >= 4 || d.buf[0] != 3 {
                    // Fast-path or something else: setup decoding is over for this side.
                    d.state = State::Done;
                }
                return;
            };
            if d.records > 0 && x224::tpdu_kind(&d.buf) == Some(TpduKind::Data) {
                self.hand_over(side, chunk);
                return;
            }
            if d.buf.len() < len {
                return;
            }
            let record: Vec<u8> = d.buf.drain(..len).collect();
            d.records += 1;
            let first = d.records == 1;
            if self.decode_record(side, chunk, &record, first) {
                self.dir(side).state = State::Done;
                return;
            }
        }
    }

    /// Decodes one TPKT record; returns true when this side has nothing more to tell.
    fn decode_record(&mut self, side: Side, chunk: &Chunk, record: &[u8], first: bool) -> bool {
        let error = |reason: String, offset: usize, decoder: &'static str| Observed::DecodeError {
            decoder,
            offset,
            reason,
        };
        match (x224::tpdu_kind(record), side) {
            (Some(TpduKind::ConnectionRequest), Side::Client) if first => {
                match x224::parse_connection_request(record) {
                    Ok(req) => {
                        self.record(side, chunk, Observed::RdpConnectionRequest(req));
                        false
                    }
                    Err(e) => {
                        self.record(
                            side,
                            chunk,
                            error(e.reason, e.offset, "x224_connection_request"),
                        );
                        true
                    }
                }
            }
            (Some(TpduKind::ConnectionConfirm), Side::Server) if first => {
                match x224::parse_connection_confirm(record) {
                    Ok(cc) => {
                        let tls_follows = matches!(cc, ConnectionConfirm::Response { selected_protocol, .. } if selected_protocol != 0);
                        let failed = matches!(cc, ConnectionConfirm::Failure { .. });
                        self.record(side, chunk, Observed::RdpConnectionConfirm(cc));
                        // After a failure the server closes; after TLS is selected the next
                        // server bytes are TLS (decoded by the TLS stage).
                        failed && !tls_follows
                    }
                    Err(e) => {
                        self.record(
                            side,
                            chunk,
                            error(e.reason, e.offset, "x224_connection_confirm"),
                        );
                        true
                    }
                }
            }
            // An X.224 Data TPDU as the first record: the capture started mid-connection
            // (later Data records go to the inner reader before reaching here).
            (Some(TpduKind::DisconnectRequest), _) => {
                self.record(side, chunk, Observed::X224DisconnectRequest);
                true
            }
            (kind, _) => {
                if first {
                    self.record(
                        side,
                        chunk,
                        error(format!("unexpected first TPDU {kind:?}"), 5, "x224"),
                    );
                }
                true
            }
        }
    }
}

/// A TLS record starts here (RFC 8446 5.1): content type change_cipher_spec (20), alert
/// (21), handshake (22) or application_data (23), then major version 3. A server that
/// refuses the ClientHello answers with an alert record, not a handshake one.
fn starts_tls_record(buf: &[u8]) -> bool {
    matches!(buf.first(), Some(0x14..=0x17)) && buf.get(1) == Some(&0x03)
}

/// RFC 1928: the client's CONNECT request follows its method-selection message.
fn socks5_target(prefix: &[u8]) -> Option<String> {
    let methods = usize::from(*prefix.get(1)?);
    let req = prefix.get(2 + methods..)?;
    if req.first() != Some(&5) || req.get(1) != Some(&1) {
        return None;
    }
    let (host, rest) = match req.get(3)? {
        1 => {
            let a = req.get(4..8)?;
            (
                format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
                req.get(8..)?,
            )
        }
        3 => {
            let n = usize::from(*req.get(4)?);
            (
                String::from_utf8_lossy(req.get(5..5 + n)?).into_owned(),
                req.get(5 + n..)?,
            )
        }
        4 => {
            let a: [u8; 16] = req.get(4..20)?.try_into().ok()?;
            (format!("[{}]", std::net::Ipv6Addr::from(a)), req.get(20..)?)
        }
        _ => return None,
    };
    let port = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]);
    Some(format!("{host}:{port}"))
}

impl RdpSetupDecoder {
    /// When this direction turned out to carry TLS: the bytes from its first TLS record on.
    pub fn take_tls_handover(&mut self, side: Side) -> Option<Vec<u8>> {
        self.dir(side).tls_handover.take()
    }
}

impl StreamConsumer for RdpSetupDecoder {
    fn data(&mut self, side: Side, bytes: &[u8], chunk: Chunk) -> Want {
        let d = self.dir(side);
        if d.state == State::Done {
            return Want::Done;
        }
        if d.state == State::Inner {
            self.feed_inner(side, bytes, &chunk);
            return if self.dir(side).state == State::Done {
                Want::Done
            } else {
                Want::More
            };
        }
        let room = (MAX_RECORD + DETECT_WINDOW).saturating_sub(d.buf.len());
        d.buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
        if d.state == State::Detect {
            self.detect(side, &chunk);
        }
        if self.dir(side).state == State::Rdp {
            self.decode_records(side, &chunk);
        }
        let d = self.dir(side);
        if d.state == State::Done {
            d.buf = Vec::new();
            Want::Done
        } else {
            Want::More
        }
    }

    fn gap(&mut self, side: Side, missing: u64, frame: u64) -> Want {
        if self.dir(side).state == State::Inner
            && let Some(inner) = self.inner.as_mut()
        {
            inner.gap(side, missing, frame);
        }
        let d = self.dir(side);
        // Bytes are missing: what follows cannot be framed.
        d.state = State::Done;
        d.buf = Vec::new();
        Want::Done
    }
}
