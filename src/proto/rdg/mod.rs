//! RD Gateway HTTP transport packets (MS-TSGU 2.2.10, RDP-FACTS §4.3): the binary protocol an
//! RD Gateway client and server speak inside HTTP once the OUT / IN channels are
//! authenticated — in the body of the `200` answering `RDG_OUT_DATA` (server → client, after a
//! few seed bytes), in the chunked request body of `RDG_IN_DATA` (client → server), or in
//! WebSocket binary frames after a `101`. The HTTP layer ([`crate::proto::http`]) owns the
//! framing and hands the body bytes of one direction to an [`RdgStream`].
//!
//! Every packet starts with an HTTP_PACKET_HEADER {packetType u16, reserved u16, packetLength
//! u32 including the header}, little-endian. The setup packets (handshake, tunnel, tunnel
//! authorisation, channel) are decoded into [`RdgObserved`] values with their error codes
//! named ([`names::error_name`]); DATA packets only have their length noted (the inner RDP
//! bytes are not kept), and a direction stops once the channel carries data for a while.
//! Nothing here judges whether a code is a failure.

use serde::Serialize;

pub mod names;
pub mod summary;

use names::*;

/// Largest packet decoded whole: every variable part of a setup packet has a 16-bit length
/// (HTTP_BYTE_BLOB / HTTP_UNICODE_STRING cbLen), so a few such parts stay below this.
pub const MAX_PACKET: u32 = 0x1_0000 + 1024;
/// The server's seed before the first packet of the OUT channel: "up to 100 bytes" in the
/// specification, 10 in practice (RDP-FACTS §4.2).
pub const MAX_SEED: usize = 100;
/// The usual seed length (FreeRDP skips 10 bytes; Windows sends `ab cd` five times).
pub const USUAL_SEED: usize = 10;
/// Observations one stream records before it stops.
pub const MAX_RECORDED: u32 = 16;
/// DATA packets followed (counted, not recorded) after the first one, watching for a
/// CLOSE_CHANNEL or a service message, before the stream stops.
pub const MAX_DATA_PACKETS: u32 = 32;
/// Characters kept of a decoded name or message.
const MAX_TEXT: usize = 256;
/// Resource names kept of a CHANNEL_CREATE (the specification allows 50 + 3).
const MAX_RESOURCES: usize = 8;

/// What the RD Gateway decoder saw (MS-TSGU HTTP transport).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rdg", rename_all = "snake_case")]
pub enum RdgObserved {
    /// Bytes of the OUT channel's `200` body before its first packet (MS-TSGU 3.3.5.1: a
    /// random entity body that primes proxies; RDP-FACTS §4.2). `length` 0 when the first
    /// packet starts the body.
    Seed { length: usize, seed_hex: String },
    /// MS-TSGU 2.2.10 HTTP_HANDSHAKE_REQUEST_PACKET.
    HandshakeRequest {
        version_major: u8,
        version_minor: u8,
        client_version: u16,
        extended_auth: u16,
        extended_auth_names: Vec<String>,
    },
    /// MS-TSGU 2.2.10 HTTP_HANDSHAKE_RESPONSE_PACKET.
    HandshakeResponse {
        error_code: u32,
        error_name: Option<&'static str>,
        version_major: u8,
        version_minor: u8,
        server_version: u16,
        extended_auth: u16,
        extended_auth_names: Vec<String>,
    },
    /// MS-TSGU 2.2.10 HTTP_EXTENDED_AUTH_PACKET (SSPI_NTLM blob exchange; the blob is not kept).
    ExtendedAuth {
        error_code: u32,
        error_name: Option<&'static str>,
        blob_length: u16,
    },
    /// MS-TSGU 2.2.10 HTTP_TUNNEL_PACKET (+ _OPTIONAL: reauthTunnelContext, PAACookie — the
    /// cookie is a credential: only its length is noted).
    TunnelCreate {
        caps: u32,
        caps_names: Vec<String>,
        fields_present: u16,
        reauth_context: Option<u64>,
        paa_cookie_length: Option<u16>,
    },
    /// MS-TSGU 2.2.10.20 HTTP_TUNNEL_RESPONSE (+ 2.2.10.21 HTTP_TUNNEL_RESPONSE_OPTIONAL).
    TunnelResponse {
        server_version: u16,
        status_code: u32,
        status_name: Option<&'static str>,
        fields_present: u16,
        tunnel_id: Option<u32>,
        caps: Option<u32>,
        caps_names: Vec<String>,
        consent_message_length: Option<u16>,
    },
    /// MS-TSGU 2.2.10.14 HTTP_TUNNEL_AUTH_PACKET.
    TunnelAuth {
        fields_present: u16,
        client_name: String,
    },
    /// MS-TSGU 2.2.10 HTTP_TUNNEL_AUTH_RESPONSE (+ _OPTIONAL: redirFlags, idleTimeout, SoH
    /// response).
    TunnelAuthResponse {
        error_code: u32,
        error_name: Option<&'static str>,
        fields_present: u16,
        redirect_flags: Option<u32>,
        redirect_flag_names: Vec<String>,
        idle_timeout_minutes: Option<u32>,
    },
    /// MS-TSGU 2.2.10.2 HTTP_CHANNEL_PACKET (+ 2.2.10.3 HTTP_CHANNEL_PACKET_VARIABLE): the
    /// target the gateway is asked to connect to.
    ChannelCreate {
        resources: Vec<String>,
        alt_resources: Vec<String>,
        port: u16,
        protocol: u16,
    },
    /// MS-TSGU 2.2.10.4 HTTP_CHANNEL_RESPONSE (+ 2.2.10.5 HTTP_CHANNEL_RESPONSE_OPTIONAL:
    /// channelId, udpPort, authnCookie in that order; the cookie is not kept).
    ChannelResponse {
        error_code: u32,
        error_name: Option<&'static str>,
        fields_present: u16,
        channel_id: Option<u32>,
        udp_port: Option<u16>,
        authn_cookie_length: Option<u16>,
    },
    /// MS-TSGU 2.2.10.6 HTTP_DATA_PACKET: the first one of the direction only (later ones are
    /// counted in [`RdgObserved::Stopped`]); the inner bytes are not kept.
    Data {
        packet_length: u32,
        data_length: u16,
        /// The data starts like a TPKT header (RFC 1006: version 3, reserved 0): RDP.
        starts_with_tpkt: bool,
    },
    /// MS-TSGU 2.2.10 HTTP_SERVICE_MESSAGE (UTF-16 text from the gateway's administrator).
    ServiceMessage {
        message_length: u16,
        message: String,
    },
    /// MS-TSGU 2.2.10 HTTP_REAUTH_MESSAGE.
    ReauthMessage { reauth_context: u64 },
    /// PKT_TYPE_KEEPALIVE (header only).
    Keepalive,
    /// MS-TSGU 2.2.10 HTTP_CLOSE_PACKET with PKT_TYPE_CLOSE_CHANNEL.
    CloseChannel {
        status_code: u32,
        status_name: Option<&'static str>,
    },
    /// MS-TSGU 2.2.10 HTTP_CLOSE_PACKET with PKT_TYPE_CLOSE_CHANNEL_RESPONSE.
    CloseChannelResponse {
        status_code: u32,
        status_name: Option<&'static str>,
    },
    /// A packet type MS-TSGU does not define (skipped by its length).
    Unknown {
        packet_type: u16,
        packet_length: u32,
    },
    /// No plausible HTTP_PACKET_HEADER within the first bytes of the body (after at most
    /// [`MAX_SEED`] seed bytes); decoding of this direction stopped.
    NoPacketFound { bytes: usize },
    /// A packet that could not be decoded; decoding of this direction stopped. `offset` counts
    /// from the start of the body (seed included).
    Malformed { offset: u64, reason: String },
    /// Decoding of this direction stopped after the setup: packets seen, DATA packets and
    /// their total `packetLength`.
    Stopped {
        packets: u32,
        data_packets: u32,
        data_bytes: u64,
    },
}

/// Where the first packet of a stream may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At the first byte (the chunked `RDG_IN_DATA` body).
    Direct,
    /// After a seed, usually [`USUAL_SEED`] bytes (the `200` answering `RDG_OUT_DATA`).
    Seeded,
    /// Probably at the first byte, perhaps after a seed (WebSocket frames).
    MaybeSeeded,
}

/// MS-TSGU 2.2.10.9 HTTP_PACKET_HEADER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketHeader {
    pub packet_type: u16,
    pub reserved: u16,
    pub packet_length: u32,
}

impl PacketHeader {
    pub fn parse(b: &[u8]) -> Option<PacketHeader> {
        let h = b.get(..8)?;
        Some(PacketHeader {
            packet_type: u16::from_le_bytes([h[0], h[1]]),
            reserved: u16::from_le_bytes([h[2], h[3]]),
            packet_length: u32::from_le_bytes([h[4], h[5], h[6], h[7]]),
        })
    }

    /// A header a real first packet could have: a defined type, reserved 0, a length
    /// between the type's fixed size and [`MAX_PACKET`].
    pub fn plausible(&self) -> bool {
        self.reserved == 0
            && min_packet_length(self.packet_type)
                .is_some_and(|min| (min..=MAX_PACKET).contains(&self.packet_length))
    }
}

/// Little-endian reader over a packet body; errors name the field.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let s = self
            .at
            .checked_add(n)
            .and_then(|end| self.b.get(self.at..end))
            .ok_or_else(|| format!("{what}: packet ends at body byte {}", self.b.len()))?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.bytes(1, what)?.first().copied().unwrap_or(0))
    }
    fn u16(&mut self, what: &str) -> Result<u16, String> {
        let s = self.bytes(2, what)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let s = self.bytes(4, what)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self, what: &str) -> Result<u64, String> {
        let s = self.bytes(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    /// MS-TSGU 2.2.10.1 HTTP_BYTE_BLOB / HTTP_UNICODE_STRING: cbLen u16, then the bytes.
    fn blob(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = self.u16(what)?;
        self.bytes(usize::from(n), what)
    }
}

/// UTF-16LE text without its terminating NULs, at most [`MAX_TEXT`] characters.
pub fn utf16_text(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .take(MAX_TEXT)
        .collect();
    s.trim_end_matches('\0').to_string()
}

fn ext_auth_names(v: u16) -> Vec<String> {
    flag_names(u32::from(v), EXTENDED_AUTH)
}

/// Decodes one packet. `body` is what follows the 8-byte header: the whole body for every
/// type but DATA, of which only the first bytes are needed.
pub fn decode_packet(h: &PacketHeader, body: &[u8]) -> Result<RdgObserved, String> {
    let mut r = Reader { b: body, at: 0 };
    let name = packet_type_name(h.packet_type).unwrap_or("packet");
    let field = |f: &str| format!("{name} {f}");
    Ok(match h.packet_type {
        PKT_TYPE_HANDSHAKE_REQUEST => {
            let version_major = r.u8(&field("verMajor"))?;
            let version_minor = r.u8(&field("verMinor"))?;
            let client_version = r.u16(&field("clientVersion"))?;
            let extended_auth = r.u16(&field("extendedAuth"))?;
            RdgObserved::HandshakeRequest {
                version_major,
                version_minor,
                client_version,
                extended_auth,
                extended_auth_names: ext_auth_names(extended_auth),
            }
        }
        PKT_TYPE_HANDSHAKE_RESPONSE => {
            let error_code = r.u32(&field("errorCode"))?;
            let version_major = r.u8(&field("verMajor"))?;
            let version_minor = r.u8(&field("verMinor"))?;
            let server_version = r.u16(&field("serverVersion"))?;
            let extended_auth = r.u16(&field("extendedAuth"))?;
            RdgObserved::HandshakeResponse {
                error_code,
                error_name: error_name(error_code),
                version_major,
                version_minor,
                server_version,
                extended_auth,
                extended_auth_names: ext_auth_names(extended_auth),
            }
        }
        PKT_TYPE_EXTENDED_AUTH_MSG => {
            let error_code = r.u32(&field("errorCode"))?;
            let blob_length = r.u16(&field("cbBlobLen"))?;
            RdgObserved::ExtendedAuth {
                error_code,
                error_name: error_name(error_code),
                blob_length,
            }
        }
        PKT_TYPE_TUNNEL_CREATE => {
            let caps = r.u32(&field("capsFlags"))?;
            let fields_present = r.u16(&field("fieldsPresent"))?;
            r.u16(&field("reserved"))?;
            // HTTP_TUNNEL_PACKET_OPTIONAL: reauthTunnelContext (0x2), then PAACookie (0x1).
            let reauth_context = if fields_present & 0x2 != 0 {
                r.u64(&field("reauthTunnelContext")).ok()
            } else {
                None
            };
            let paa_cookie_length = if fields_present & 0x1 != 0 {
                r.blob(&field("PAACookie"))
                    .ok()
                    .map(|b| u16::try_from(b.len()).unwrap_or(u16::MAX))
            } else {
                None
            };
            RdgObserved::TunnelCreate {
                caps,
                caps_names: flag_names(caps, CAPABILITIES),
                fields_present,
                reauth_context,
                paa_cookie_length,
            }
        }
        PKT_TYPE_TUNNEL_RESPONSE => {
            let server_version = r.u16(&field("serverVersion"))?;
            let status_code = r.u32(&field("statusCode"))?;
            let fields_present = r.u16(&field("fieldsPresent"))?;
            r.u16(&field("reserved"))?;
            // 2.2.10.21: tunnelId (0x1), capsFlags (0x2), nonce + serverCert (0x4),
            // consentMsg (0x10).
            let tunnel_id = if fields_present & 0x1 != 0 {
                r.u32(&field("tunnelId")).ok()
            } else {
                None
            };
            let caps = if fields_present & 0x2 != 0 {
                r.u32(&field("capsFlags")).ok()
            } else {
                None
            };
            let mut consent_message_length = None;
            let soh_ok = fields_present & 0x4 == 0
                || (r.bytes(20, "nonce").is_ok() && r.blob("serverCert").is_ok());
            if soh_ok && fields_present & 0x10 != 0 {
                consent_message_length = r
                    .blob("consentMsg")
                    .ok()
                    .map(|b| u16::try_from(b.len()).unwrap_or(u16::MAX));
            }
            RdgObserved::TunnelResponse {
                server_version,
                status_code,
                status_name: error_name(status_code),
                fields_present,
                tunnel_id,
                caps,
                caps_names: caps
                    .map(|c| flag_names(c, CAPABILITIES))
                    .unwrap_or_default(),
                consent_message_length,
            }
        }
        PKT_TYPE_TUNNEL_AUTH => {
            let fields_present = r.u16(&field("fieldsPresent"))?;
            let n = r.u16(&field("cbClientName"))?;
            let client_name = utf16_text(r.bytes(usize::from(n), &field("clientName"))?);
            RdgObserved::TunnelAuth {
                fields_present,
                client_name,
            }
        }
        PKT_TYPE_TUNNEL_AUTH_RESPONSE => {
            let error_code = r.u32(&field("errorCode"))?;
            let fields_present = r.u16(&field("fieldsPresent"))?;
            r.u16(&field("reserved"))?;
            // _OPTIONAL: redirFlags (0x1), idleTimeout (0x2), SoH response (0x4).
            let redirect_flags = if fields_present & 0x1 != 0 {
                r.u32(&field("redirFlags")).ok()
            } else {
                None
            };
            let idle_timeout_minutes = if fields_present & 0x2 != 0 {
                r.u32(&field("idleTimeout")).ok()
            } else {
                None
            };
            RdgObserved::TunnelAuthResponse {
                error_code,
                error_name: error_name(error_code),
                fields_present,
                redirect_flags,
                redirect_flag_names: redirect_flags
                    .map(|f| flag_names(f, REDIRECT_FLAGS))
                    .unwrap_or_default(),
                idle_timeout_minutes,
            }
        }
        PKT_TYPE_CHANNEL_CREATE => {
            let n = r.u8(&field("numResources"))?;
            let alt = r.u8(&field("numAltResources"))?;
            let port = r.u16(&field("port"))?;
            let protocol = r.u16(&field("protocol"))?;
            let mut resources = Vec::new();
            let mut alt_resources = Vec::new();
            for i in 0..usize::from(n) + usize::from(alt) {
                let s = utf16_text(r.blob(&field("resource name"))?);
                let list = if i < usize::from(n) {
                    &mut resources
                } else {
                    &mut alt_resources
                };
                if list.len() < MAX_RESOURCES {
                    list.push(s);
                }
            }
            RdgObserved::ChannelCreate {
                resources,
                alt_resources,
                port,
                protocol,
            }
        }
        PKT_TYPE_CHANNEL_RESPONSE => {
            let error_code = r.u32(&field("errorCode"))?;
            let fields_present = r.u16(&field("fieldsPresent"))?;
            r.u16(&field("reserved"))?;
            let channel_id = if fields_present & 0x1 != 0 {
                r.u32(&field("channelId")).ok()
            } else {
                None
            };
            let udp_port = if fields_present & 0x4 != 0 {
                r.u16(&field("udpPort")).ok()
            } else {
                None
            };
            let authn_cookie_length = if fields_present & 0x2 != 0 {
                r.blob(&field("authnCookie"))
                    .ok()
                    .map(|b| u16::try_from(b.len()).unwrap_or(u16::MAX))
            } else {
                None
            };
            RdgObserved::ChannelResponse {
                error_code,
                error_name: error_name(error_code),
                fields_present,
                channel_id,
                udp_port,
                authn_cookie_length,
            }
        }
        PKT_TYPE_DATA => {
            let data_length = r.u16(&field("cbDataLen"))?;
            let first = body.get(2..4);
            RdgObserved::Data {
                packet_length: h.packet_length,
                data_length,
                starts_with_tpkt: data_length >= 4 && first == Some(&[3, 0][..]),
            }
        }
        PKT_TYPE_SERVICE_MESSAGE => {
            let n = r.u16(&field("cbMessageLen"))?;
            let text = body.get(2..).unwrap_or_default();
            let text = text.get(..usize::from(n)).unwrap_or(text);
            RdgObserved::ServiceMessage {
                message_length: n,
                message: utf16_text(text),
            }
        }
        PKT_TYPE_REAUTH_MESSAGE => RdgObserved::ReauthMessage {
            reauth_context: r.u64(&field("reauthTunnelContext"))?,
        },
        PKT_TYPE_KEEPALIVE => RdgObserved::Keepalive,
        PKT_TYPE_CLOSE_CHANNEL => {
            let status_code = r.u32(&field("statusCode"))?;
            RdgObserved::CloseChannel {
                status_code,
                status_name: error_name(status_code),
            }
        }
        PKT_TYPE_CLOSE_CHANNEL_RESPONSE => {
            let status_code = r.u32(&field("statusCode"))?;
            RdgObserved::CloseChannelResponse {
                status_code,
                status_name: error_name(status_code),
            }
        }
        t => RdgObserved::Unknown {
            packet_type: t,
            packet_length: h.packet_length,
        },
    })
}

/// Bytes of a DATA packet kept for decoding: header, cbDataLen and the start of the data.
const DATA_PREFIX: usize = 8 + 2 + 4;

/// The RDG packet stream of one direction, fed with body bytes as they arrive (any split).
#[derive(Debug)]
pub struct RdgStream {
    /// While the first packet is being located.
    start: Option<Start>,
    /// Bytes of the packet being assembled (or, while locating, of the body so far).
    buf: Vec<u8>,
    /// Bytes of the current DATA packet still to skip.
    skip: u64,
    /// Offset in the body of `buf[0]` (or of the skipped bytes).
    offset: u64,
    packets: u32,
    recorded: u32,
    data_packets: u32,
    data_bytes: u64,
    done: bool,
}

impl RdgStream {
    pub fn new(start: Start) -> Self {
        RdgStream {
            start: Some(start),
            buf: Vec::new(),
            skip: 0,
            offset: 0,
            packets: 0,
            recorded: 0,
            data_packets: 0,
            data_bytes: 0,
            done: false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Between two packets: nothing is buffered or being skipped.
    pub fn at_boundary(&self) -> bool {
        self.start.is_none() && self.buf.is_empty() && self.skip == 0
    }

    fn emit(&mut self, out: &mut Vec<RdgObserved>, o: RdgObserved) {
        self.recorded += 1;
        out.push(o);
        if self.recorded >= MAX_RECORDED && !self.done {
            self.stop(out);
        }
    }

    fn stop(&mut self, out: &mut Vec<RdgObserved>) {
        out.push(RdgObserved::Stopped {
            packets: self.packets,
            data_packets: self.data_packets,
            data_bytes: self.data_bytes,
        });
        self.finish();
    }

    fn finish(&mut self) {
        self.done = true;
        self.buf = Vec::new();
        self.skip = 0;
    }

    fn fail(&mut self, out: &mut Vec<RdgObserved>, reason: String) {
        out.push(RdgObserved::Malformed {
            offset: self.offset,
            reason,
        });
        self.finish();
    }

    /// Decodes body bytes; observations are appended to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<RdgObserved>) {
        let mut input = bytes;
        while !self.done {
            if self.skip > 0 {
                let n = usize::try_from(self.skip)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                self.skip -= n as u64;
                self.offset += n as u64;
                input = input.get(n..).unwrap_or_default();
                if self.skip > 0 {
                    return;
                }
                continue;
            }
            let want = match self.start {
                Some(start) => {
                    if self.locate(start, out) {
                        continue;
                    }
                    MAX_SEED + 8
                }
                None => match self.packet(out) {
                    Some(need) => need,
                    None => continue,
                },
            };
            if self.done || input.is_empty() {
                return;
            }
            let take = want.saturating_sub(self.buf.len()).min(input.len());
            if take == 0 {
                // Cannot happen (`want` exceeds what is buffered), but never spin.
                self.fail(out, "internal: no progress".into());
                return;
            }
            self.buf
                .extend_from_slice(input.get(..take).unwrap_or_default());
            input = input.get(take..).unwrap_or_default();
        }
    }

    /// Looks for the first packet in the buffered body start. Returns true when the state
    /// changed (found, or given up).
    fn locate(&mut self, start: Start, out: &mut Vec<RdgObserved>) -> bool {
        let order: Vec<usize> = match start {
            Start::Direct => vec![0],
            Start::Seeded => std::iter::once(USUAL_SEED)
                .chain((0..=MAX_SEED).filter(|&k| k != USUAL_SEED))
                .collect(),
            Start::MaybeSeeded => [0, USUAL_SEED]
                .into_iter()
                .chain((1..=MAX_SEED).filter(|&k| k != USUAL_SEED))
                .collect(),
        };
        for k in order {
            // Candidates are tried in order: wait until this one can be judged.
            let Some(h) = self.buf.get(k..).and_then(PacketHeader::parse) else {
                return false;
            };
            if h.plausible() {
                if start != Start::Direct {
                    let seed_hex: String = self
                        .buf
                        .iter()
                        .take(k.min(32))
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    self.emit(
                        out,
                        RdgObserved::Seed {
                            length: k,
                            seed_hex,
                        },
                    );
                }
                self.buf.drain(..k);
                self.offset = k as u64;
                self.start = None;
                return true;
            }
            if start == Start::Direct {
                let reason = format!(
                    "not an RD Gateway packet header: type 0x{:04x}, reserved 0x{:04x}, length {}",
                    h.packet_type, h.reserved, h.packet_length
                );
                self.start = None;
                self.fail(out, reason);
                return true;
            }
        }
        self.emit(
            out,
            RdgObserved::NoPacketFound {
                bytes: self.buf.len(),
            },
        );
        self.finish();
        true
    }

    /// Decodes the buffered packet when complete. Returns the number of buffered bytes needed
    /// before it can go on, or `None` when it made progress.
    fn packet(&mut self, out: &mut Vec<RdgObserved>) -> Option<usize> {
        let Some(h) = PacketHeader::parse(&self.buf) else {
            return Some(8);
        };
        if h.packet_length < 8 {
            self.fail(
                out,
                format!(
                    "packet length {} is below the 8-byte header",
                    h.packet_length
                ),
            );
            return None;
        }
        if h.packet_length > MAX_PACKET {
            self.fail(
                out,
                format!(
                    "{} of {} bytes (more than {MAX_PACKET})",
                    packet_type_name(h.packet_type).unwrap_or("packet"),
                    h.packet_length
                ),
            );
            return None;
        }
        let len = h.packet_length as usize;
        let need = if h.packet_type == PKT_TYPE_DATA {
            len.min(DATA_PREFIX)
        } else {
            len
        };
        if self.buf.len() < need {
            return Some(need);
        }
        let body = self.buf.get(8..need).unwrap_or_default();
        let decoded = decode_packet(&h, body);
        self.packets += 1;
        let at = self.offset;
        // After locating, the buffer may hold more than this packet.
        let consumed = self.buf.len().min(len);
        self.buf.drain(..consumed);
        self.offset += consumed as u64;
        self.skip = (len - consumed) as u64;
        match decoded {
            Err(reason) => {
                self.offset = at;
                self.fail(out, reason);
            }
            Ok(RdgObserved::Data { .. }) if self.data_packets > 0 => {
                self.data_packets += 1;
                self.data_bytes += u64::from(h.packet_length);
                if self.data_packets > MAX_DATA_PACKETS {
                    self.stop(out);
                }
            }
            Ok(o) => {
                if matches!(o, RdgObserved::Data { .. }) {
                    self.data_packets += 1;
                    self.data_bytes += u64::from(h.packet_length);
                }
                self.emit(out, o);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
