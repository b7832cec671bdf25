//! Tunnels whose inner packets Wireshark dissects as conversations of their own: IP in IP
//! (IPv4/IPv6 in IPv4/IPv6, RFC 2003 / RFC 4213), GRE (RFC 2784/2890, incl. transparent
//! Ethernet bridging and ERSPAN type II), VXLAN (RFC 7348, UDP 4789), VXLAN-GPE (UDP 4790),
//! Geneve (RFC 8926, UDP 6081) and GTP-U (3GPP TS 29.281, UDP 2152). A tunnelled frame
//! counts in the outer conversation and in the inner one, as in Wireshark.

use super::{Packet, Transport};
use crate::capture::{ETHERTYPE_IPV4, ETHERTYPE_IPV6, NetworkPayload, strip_link_layer};

const ETHERTYPE_TEB: u16 = 0x6558;
const ETHERTYPE_ERSPAN2: u16 = 0x88BE;
/// LINKTYPE_ETHERNET, for frames carried inside tunnels.
const ETHERNET: u32 = 1;

fn ip_by_version(data: &[u8]) -> Option<NetworkPayload<'_>> {
    let ether_type = match data.first()? >> 4 {
        4 => ETHERTYPE_IPV4,
        6 => ETHERTYPE_IPV6,
        _ => return None,
    };
    Some(NetworkPayload {
        ether_type,
        data,
        vlan: [0; 2],
    })
}

fn by_ether_type(ether_type: u16, data: &[u8]) -> Option<NetworkPayload<'_>> {
    match ether_type {
        ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => Some(NetworkPayload {
            ether_type,
            data,
            vlan: [0; 2],
        }),
        ETHERTYPE_TEB => strip_link_layer(ETHERNET, data).ok(),
        _ => None,
    }
}

/// The network payload carried inside `packet`, if it is a tunnel this module knows.
pub fn inner<'a>(packet: &Packet<'a>) -> Option<NetworkPayload<'a>> {
    match &packet.transport {
        Transport::Other {
            protocol: 4 | 41,
            payload,
        } => ip_by_version(payload),
        Transport::Other {
            protocol: 47,
            payload,
        } => gre(payload),
        Transport::Udp(udp) => {
            let p = udp.payload;
            match () {
                _ if udp.dst_port == 4789 || udp.src_port == 4789 => {
                    // VXLAN: flags with the I bit, 24-bit VNI, then an Ethernet frame.
                    (p.len() > 8 && p[0] & 0x08 != 0)
                        .then(|| strip_link_layer(ETHERNET, &p[8..]).ok())?
                }
                _ if udp.dst_port == 4790 || udp.src_port == 4790 => {
                    // VXLAN-GPE: next protocol in byte 3 (1 IPv4, 2 IPv6, 3 Ethernet).
                    let body = p.get(8..)?;
                    match p.get(3)? {
                        1 | 2 => ip_by_version(body),
                        3 => strip_link_layer(ETHERNET, body).ok(),
                        _ => None,
                    }
                }
                _ if udp.dst_port == 6081 || udp.src_port == 6081 => {
                    // Geneve: version/options length, flags, protocol type, VNI, options.
                    let opt_len = usize::from(p.first()? & 0x3F) * 4;
                    let proto = u16::from_be_bytes([*p.get(2)?, *p.get(3)?]);
                    by_ether_type(proto, p.get(8 + opt_len..)?)
                }
                _ if udp.dst_port == 2152 || udp.src_port == 2152 => gtp_u(p),
                _ => None,
            }
        }
        _ => None,
    }
}

fn gre(p: &[u8]) -> Option<NetworkPayload<'_>> {
    let flags = *p.first()?;
    if p.get(1)? & 0x07 != 0 {
        return None; // only GRE version 0
    }
    let proto = u16::from_be_bytes([*p.get(2)?, *p.get(3)?]);
    let mut off = 4;
    for bit in [0x80u8, 0x20, 0x10] {
        // checksum (+reserved), key, sequence number: 4 bytes each when present
        if flags & bit != 0 {
            off += 4;
        }
    }
    let body = p.get(off..)?;
    if proto == ETHERTYPE_ERSPAN2 {
        return strip_link_layer(ETHERNET, body.get(8..)?).ok();
    }
    by_ether_type(proto, body)
}

fn gtp_u(p: &[u8]) -> Option<NetworkPayload<'_>> {
    let flags = *p.first()?;
    if flags >> 5 != 1 || p.get(1) != Some(&0xFF) {
        return None; // GTPv1, G-PDU only
    }
    let mut off = 8;
    if flags & 0x07 != 0 {
        off += 4;
        if flags & 0x04 != 0 {
            let mut next = *p.get(off - 1)?;
            while next != 0 {
                let len = usize::from(*p.get(off)?) * 4;
                if len == 0 {
                    return None;
                }
                next = *p.get(off + len - 1)?;
                off += len;
            }
        }
    }
    ip_by_version(p.get(off..)?)
}
