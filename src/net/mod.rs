//! Stage 2 — net: decodes the network payload of a frame (IPv4, IPv6, TCP, UDP, ICMP,
//! ICMPv6) with etherparse into a [`Packet`] that keeps what later stages need: addresses,
//! TTL / hop limit, IPv4 id, TCP flags / seq / ack / window / options, payload and the
//! payload length the IP header claims (which exceeds the captured bytes when the snaplen
//! cut the packet). IPv4 and IPv6 fragments are reassembled ([`defrag`]); ICMP errors are
//! decoded down to the flow their quoted headers name ([`icmp`]). Checksums are verified
//! and counted, never used to drop a packet.

pub mod checksum;
pub mod defrag;
pub mod icmp;
pub mod tunnel;

use crate::capture::{ETHERTYPE_IPV4, ETHERTYPE_IPV6, NetworkPayload, Timestamp};
use etherparse::{
    EtherType, LaxNetSlice, LaxSlicedPacket, TcpOptionElement, TcpSlice, TransportSlice, UdpSlice,
};
pub use icmp::{IcmpError, QuotedFlow};
use serde::Serialize;
use std::net::IpAddr;

pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;

/// TCP flag bits as on the wire (byte 13 of the TCP header, plus NS as bit 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const NS: u16 = 0x100;
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
    pub fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    pub fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    pub fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    pub fn rst(self) -> bool {
        self.has(Self::RST)
    }
}

/// The TCP options later detectors compare between packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    /// Number of SACK blocks carried.
    pub sack_blocks: u8,
    /// The SACK blocks (left edge, right edge), the first `sack_blocks` of them (RFC 2018 §3:
    /// at most four). Not part of the JSON report.
    #[serde(skip)]
    pub sack: [(u32, u32); 4],
    /// TSval / TSecr.
    pub timestamp: Option<(u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
pub struct TcpSegment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub options: TcpOptions,
    /// Captured payload bytes (may be fewer than `payload_len`).
    pub payload: &'a [u8],
    /// Payload length according to the IP header.
    pub payload_len: u32,
    /// `None` when the segment was not fully captured.
    pub checksum_ok: Option<bool>,
}

#[derive(Debug, Clone, Copy)]
pub struct UdpDatagram<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
    pub payload_len: u32,
    pub checksum_ok: Option<bool>,
}

#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp(UdpDatagram<'a>),
    /// ICMP / ICMPv6 error quoting a packet of some flow.
    IcmpError(IcmpError),
    /// Any other ICMP / ICMPv6 message.
    Icmp {
        v6: bool,
        icmp_type: u8,
        code: u8,
    },
    /// Another IP protocol (its payload, for tunnels), or a transport header too short to
    /// decode.
    Other {
        protocol: u8,
        payload: &'a [u8],
    },
}

/// One decoded IP packet (possibly reassembled from fragments).
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// IPv4 identification; `None` for IPv6.
    pub ip_id: Option<u16>,
    /// IPv4 DF bit.
    pub dont_fragment: bool,
    /// True when this packet was rebuilt from IP fragments.
    pub reassembled: bool,
    pub transport: Transport<'a>,
}

/// Counters kept by the decoder, reported per file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NetStats {
    pub ipv4_packets: u64,
    pub ipv6_packets: u64,
    pub non_ip_frames: u64,
    pub bad_ipv4_header_checksums: u64,
    pub bad_tcp_checksums: u64,
    pub bad_udp_checksums: u64,
    pub decode_errors: u64,
    pub fragments: defrag::DefragStats,
}

/// IP header fields of a datagram just completed from fragments.
#[derive(Debug, Clone, Copy)]
pub struct ReassembledHeader {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub ip_id: Option<u16>,
    pub dont_fragment: bool,
    pub protocol: u8,
}

/// What one frame turned out to be.
#[derive(Debug)]
pub enum Decoded<'a> {
    Packet(Packet<'a>),
    /// The frame completed a fragmented datagram: get it with
    /// [`Decoder::reassembled_packet`].
    Reassembled(ReassembledHeader),
    /// An IP fragment held until its datagram is complete.
    FragmentHeld,
    /// Not IPv4/IPv6 (ARP, LLDP, …): the ether type.
    NotIp(u16),
    /// Malformed or truncated beyond use: why.
    Error(&'static str),
}

/// Decodes network payloads; owns the fragment reassembly state.
#[derive(Default)]
pub struct Decoder {
    pub stats: NetStats,
    defrag: defrag::Defragmenter,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one frame's network payload.
    pub fn decode<'a>(&mut self, net: NetworkPayload<'a>, ts: Timestamp) -> Decoded<'a> {
        let ether_type = net.ether_type;
        if ether_type != ETHERTYPE_IPV4 && ether_type != ETHERTYPE_IPV6 {
            self.stats.non_ip_frames += 1;
            return Decoded::NotIp(ether_type);
        }
        let sliced = LaxSlicedPacket::from_ether_type(EtherType(ether_type), net.data);
        let Some(net_slice) = sliced.net.as_ref() else {
            self.stats.decode_errors += 1;
            return Decoded::Error("IP header truncated or malformed");
        };
        let (src, dst, ttl, ip_id, df, payload) = match net_slice {
            LaxNetSlice::Ipv4(v4) => {
                self.stats.ipv4_packets += 1;
                let h = v4.header();
                if !checksum::ipv4_header_ok(h.slice()) {
                    self.stats.bad_ipv4_header_checksums += 1;
                }
                (
                    IpAddr::from(h.source()),
                    IpAddr::from(h.destination()),
                    h.ttl(),
                    Some(h.identification()),
                    h.dont_fragment(),
                    v4.payload(),
                )
            }
            LaxNetSlice::Ipv6(v6) => {
                self.stats.ipv6_packets += 1;
                let h = v6.header();
                (
                    IpAddr::from(h.source()),
                    IpAddr::from(h.destination()),
                    h.hop_limit(),
                    None,
                    false,
                    v6.payload(),
                )
            }
            LaxNetSlice::Arp(_) => {
                self.stats.non_ip_frames += 1;
                return Decoded::NotIp(ether_type);
            }
        };
        let protocol = payload.ip_number.0;
        let claimed_len = claimed_payload_len(net_slice, payload.payload.len());
        if payload.fragmented {
            let id = match net_slice {
                LaxNetSlice::Ipv4(v4) => {
                    let h = v4.header();
                    defrag::FragmentOf::V4 {
                        id: h.identification(),
                        offset: u32::from(h.fragments_offset().value()) * 8,
                        more: h.more_fragments(),
                    }
                }
                LaxNetSlice::Ipv6(v6) => match ipv6_fragment_fields(v6) {
                    Some(f) => f,
                    None => {
                        self.stats.decode_errors += 1;
                        return Decoded::Error("IPv6 fragment header unreadable");
                    }
                },
                LaxNetSlice::Arp(_) => return Decoded::Error("unreachable"),
            };
            let key = defrag::FragmentKey {
                src,
                dst,
                protocol,
                vlan: net.vlan,
                id: id.id(),
            };
            let complete = self
                .defrag
                .add(key, id, payload.payload, payload.incomplete, ts);
            return match complete {
                None => Decoded::FragmentHeld,
                Some(()) => Decoded::Reassembled(ReassembledHeader {
                    src,
                    dst,
                    ttl,
                    ip_id,
                    dont_fragment: df,
                    protocol,
                }),
            };
        }
        let transport = match (&sliced.transport, protocol) {
            (Some(TransportSlice::Icmpv4(_)), _)
            | (Some(TransportSlice::Icmpv6(_)), _)
            | (None, 1 | 58) => icmp::decode(protocol == 58, payload.payload),
            _ => decode_transport(
                &mut self.stats,
                src,
                dst,
                protocol,
                payload.payload,
                claimed_len,
                !payload.incomplete,
            ),
        };
        Decoded::Packet(Packet {
            src,
            dst,
            ttl,
            ip_id,
            dont_fragment: df,
            reassembled: false,
            transport,
        })
    }

    /// The datagram completed by the frame that returned [`Decoded::Reassembled`].
    pub fn reassembled_packet(&mut self, h: ReassembledHeader) -> Packet<'_> {
        let data = self.defrag.completed();
        let transport = decode_transport(
            &mut self.stats,
            h.src,
            h.dst,
            h.protocol,
            data,
            data.len() as u32,
            true,
        );
        Packet {
            src: h.src,
            dst: h.dst,
            ttl: h.ttl,
            ip_id: h.ip_id,
            dont_fragment: h.dont_fragment,
            reassembled: true,
            transport,
        }
    }

    /// Drops fragments older than the reassembly timeout; call now and then with the
    /// capture's current time.
    pub fn expire(&mut self, now: Timestamp) {
        self.defrag.expire(now, &mut self.stats.fragments);
    }

    /// Counts the datagrams still incomplete at the end of the capture.
    pub fn finish(&mut self) {
        self.defrag.finish(&mut self.stats.fragments);
    }
}

/// Transport payload length according to the IP header (captured length when the header
/// gives none, e.g. TSO captures with total length 0 or IPv6 jumbograms).
fn claimed_payload_len(net: &LaxNetSlice<'_>, captured: usize) -> u32 {
    let claimed = match net {
        LaxNetSlice::Ipv4(v4) => {
            let h = v4.header();
            let total = usize::from(h.total_len());
            let hl = usize::from(h.ihl()) * 4;
            if total == 0 {
                None
            } else {
                total.checked_sub(hl + v4.extensions().auth.map_or(0, |a| a.slice().len()))
            }
        }
        LaxNetSlice::Ipv6(v6) => {
            let pl = usize::from(v6.header().payload_length());
            if pl == 0 {
                None
            } else {
                pl.checked_sub(v6.extensions().slice().len())
            }
        }
        LaxNetSlice::Arp(_) => None,
    };
    claimed.unwrap_or(captured).max(captured) as u32
}

fn ipv6_fragment_fields(v6: &etherparse::LaxIpv6Slice<'_>) -> Option<defrag::FragmentOf> {
    use etherparse::Ipv6ExtensionSlice;
    for ext in v6.extensions().clone().into_iter() {
        if let Ipv6ExtensionSlice::Fragment(f) = ext {
            return Some(defrag::FragmentOf::V6 {
                id: f.identification(),
                offset: u32::from(f.fragment_offset().value()) * 8,
                more: f.more_fragments(),
            });
        }
    }
    None
}

fn decode_transport<'a>(
    stats: &mut NetStats,
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    data: &'a [u8],
    claimed_len: u32,
    complete: bool,
) -> Transport<'a> {
    match protocol {
        IPPROTO_TCP => match TcpSlice::from_slice(data) {
            Ok(tcp) => {
                let header_len = tcp.header_slice().len() as u32;
                let checksum_ok = if complete && claimed_len as usize == data.len() {
                    let ok = checksum::transport_ok(src, dst, IPPROTO_TCP, data);
                    if !ok {
                        stats.bad_tcp_checksums += 1;
                    }
                    Some(ok)
                } else {
                    None
                };
                let payload = &data[header_len as usize..];
                Transport::Tcp(TcpSegment {
                    src_port: tcp.source_port(),
                    dst_port: tcp.destination_port(),
                    seq: tcp.sequence_number(),
                    ack: tcp.acknowledgment_number(),
                    flags: TcpFlags(u16::from(data[13]) | if tcp.ns() { TcpFlags::NS } else { 0 }),
                    window: tcp.window_size(),
                    options: tcp_options(&tcp),
                    payload,
                    payload_len: claimed_len
                        .saturating_sub(header_len)
                        .max(payload.len() as u32),
                    checksum_ok,
                })
            }
            Err(_) => {
                stats.decode_errors += 1;
                Transport::Other {
                    protocol,
                    payload: data,
                }
            }
        },
        IPPROTO_UDP => match UdpSlice::from_slice_lax(data) {
            // A length field below the header size is malformed (RFC 768); Wireshark
            // rejects such datagrams too, so they join no conversation.
            Ok(udp) if udp.length() < 8 => {
                stats.decode_errors += 1;
                Transport::Other {
                    protocol,
                    payload: data,
                }
            }
            Ok(udp) => {
                let checksum_ok =
                    if complete && udp.checksum() != 0 && usize::from(udp.length()) == data.len() {
                        let ok = checksum::transport_ok(src, dst, IPPROTO_UDP, data);
                        if !ok {
                            stats.bad_udp_checksums += 1;
                        }
                        Some(ok)
                    } else {
                        None
                    };
                let payload = udp.payload();
                Transport::Udp(UdpDatagram {
                    src_port: udp.source_port(),
                    dst_port: udp.destination_port(),
                    payload,
                    payload_len: claimed_len.saturating_sub(8).max(payload.len() as u32),
                    checksum_ok,
                })
            }
            Err(_) => {
                stats.decode_errors += 1;
                Transport::Other {
                    protocol,
                    payload: data,
                }
            }
        },
        1 => icmp::decode(false, data),
        58 => icmp::decode(true, data),
        other => Transport::Other {
            protocol: other,
            payload: data,
        },
    }
}

fn tcp_options(tcp: &TcpSlice<'_>) -> TcpOptions {
    let mut out = TcpOptions::default();
    if tcp.options().is_empty() {
        return out;
    }
    for opt in tcp.options_iterator() {
        match opt {
            Ok(TcpOptionElement::MaximumSegmentSize(m)) => out.mss = Some(m),
            Ok(TcpOptionElement::WindowScale(w)) => out.window_scale = Some(w),
            Ok(TcpOptionElement::SelectiveAcknowledgementPermitted) => out.sack_permitted = true,
            Ok(TcpOptionElement::SelectiveAcknowledgement(first, rest)) => {
                out.sack_blocks = 1 + rest.iter().filter(|b| b.is_some()).count() as u8;
                out.sack[0] = first;
                for (slot, b) in out.sack[1..].iter_mut().zip(rest.iter().flatten()) {
                    *slot = *b;
                }
            }
            Ok(TcpOptionElement::Timestamp(a, b)) => out.timestamp = Some((a, b)),
            Ok(TcpOptionElement::Noop) => {}
            Err(_) => break,
        }
    }
    out
}
