//! ICMP (RFC 792, RFC 1191) and ICMPv6 (RFC 4443) error messages, decoded down to the flow
//! whose headers they quote, so the flow stage can attach them to that conversation.

use super::Transport;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The flow an ICMP error quotes (its addresses and ports as the original sender sent them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedFlow {
    pub protocol: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    /// TCP sequence number of the quoted segment, when quoted.
    pub tcp_seq: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpError {
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    /// Next-hop MTU from "fragmentation needed" (ICMP 3/4) or "packet too big" (ICMPv6 2).
    pub mtu: Option<u32>,
    pub quoted: Option<QuotedFlow>,
}

impl IcmpError {
    /// Short name of the type/code, e.g. `port-unreachable`, `admin-prohibited`.
    pub fn name(&self) -> &'static str {
        match (self.v6, self.icmp_type, self.code) {
            (false, 3, 0) => "net-unreachable",
            (false, 3, 1) => "host-unreachable",
            (false, 3, 2) => "protocol-unreachable",
            (false, 3, 3) => "port-unreachable",
            (false, 3, 4) => "fragmentation-needed",
            (false, 3, 9) | (false, 3, 10) | (false, 3, 13) => "admin-prohibited",
            (false, 3, _) => "destination-unreachable",
            (false, 4, _) => "source-quench",
            (false, 5, _) => "redirect",
            (false, 11, _) => "time-exceeded",
            (false, 12, _) => "parameter-problem",
            (true, 1, 0) => "no-route",
            (true, 1, 1) => "admin-prohibited",
            (true, 1, 3) => "address-unreachable",
            (true, 1, 4) => "port-unreachable",
            (true, 1, 5) | (true, 1, 6) => "policy-reject",
            (true, 1, _) => "destination-unreachable",
            (true, 2, _) => "packet-too-big",
            (true, 3, _) => "time-exceeded",
            (true, 4, _) => "parameter-problem",
            _ => "icmp-error",
        }
    }
}

fn is_error(v6: bool, icmp_type: u8) -> bool {
    if v6 {
        (1..=4).contains(&icmp_type)
    } else {
        matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
    }
}

/// Decodes an ICMP or ICMPv6 message (header and body).
pub fn decode(v6: bool, msg: &[u8]) -> Transport<'_> {
    let (Some(&icmp_type), Some(&code)) = (msg.first(), msg.get(1)) else {
        return Transport::Other {
            protocol: if v6 { 58 } else { 1 },
            payload: msg,
        };
    };
    if !is_error(v6, icmp_type) {
        return Transport::Icmp {
            v6,
            icmp_type,
            code,
        };
    }
    let mtu = match (v6, icmp_type, code) {
        (false, 3, 4) => msg
            .get(6..8)
            .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]]))),
        (true, 2, _) => msg
            .get(4..8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        _ => None,
    };
    let quoted = msg.get(8..).and_then(quoted_flow);
    Transport::IcmpError(IcmpError {
        v6,
        icmp_type,
        code,
        mtu,
        quoted,
    })
}

/// Reads the IP header and first transport bytes quoted in an ICMP error body.
fn quoted_flow(body: &[u8]) -> Option<QuotedFlow> {
    let version = body.first()? >> 4;
    let (protocol, src, dst, l4) = match version {
        4 => {
            let ihl = usize::from(body[0] & 0x0F) * 4;
            if ihl < 20 {
                return None;
            }
            let src: [u8; 4] = body.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = body.get(16..20)?.try_into().ok()?;
            (
                *body.get(9)?,
                IpAddr::V4(Ipv4Addr::from(src)),
                IpAddr::V4(Ipv4Addr::from(dst)),
                body.get(ihl..)?,
            )
        }
        6 => {
            let src: [u8; 16] = body.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = body.get(24..40)?.try_into().ok()?;
            (
                *body.get(6)?,
                IpAddr::V6(Ipv6Addr::from(src)),
                IpAddr::V6(Ipv6Addr::from(dst)),
                body.get(40..)?,
            )
        }
        _ => return None,
    };
    let ports = l4.get(..4)?;
    Some(QuotedFlow {
        protocol,
        src,
        dst,
        src_port: u16::from_be_bytes([ports[0], ports[1]]),
        dst_port: u16::from_be_bytes([ports[2], ports[3]]),
        tcp_seq: if protocol == 6 {
            l4.get(4..8)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        } else {
            None
        },
    })
}
