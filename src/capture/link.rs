//! Link layers: strips the link-layer header of a frame and says which network protocol
//! follows. Written by hand because etherparse handles only Ethernet (and SLL with the
//! Ethernet ARPHRD type): its SLL parser rejects loopback (772) and tunnels, and it has no
//! SLL2, NULL or LOOP. Each header here is a few fixed fields.
//!
//! Supported (tcpdump.org link-layer header types): NULL (0, host byte order, detected),
//! EN10MB (1, with any stack of 802.1Q / 802.1ad / 0x9100 tags), RAW (12, 14, 101), LOOP
//! (108, network byte order), LINUX_SLL (113, every ARPHRD type), IPV4 (228), IPV6 (229),
//! LINUX_SLL2 (276).

/// Ether types used below.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86DD;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88A8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
const ETHERTYPE_QINQ_OLD2: u16 = 0x9200;
/// At most this many VLAN tags are unwrapped.
const MAX_VLAN_TAGS: usize = 4;

/// Network-layer bytes found inside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkPayload<'a> {
    /// Ether type of `data` (IPv4 / IPv6 / anything else).
    pub ether_type: u16,
    pub data: &'a [u8],
    /// Outermost VLAN id first (0 when untagged).
    pub vlan: [u16; 2],
}

/// Why no network payload could be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkLayer {
    /// The link type is not one this tool decodes.
    UnsupportedLinkType(u32),
    /// The frame is shorter than its link-layer header.
    Truncated,
    /// A NULL / LOOP address family that is neither IPv4 nor IPv6.
    UnknownAddressFamily(u32),
}

/// Canonical tcpdump.org name of a link type (as `tcpdump -r` prints it).
pub fn link_type_name(link_type: u32) -> String {
    let name = match link_type {
        0 => "NULL",
        1 => "EN10MB",
        6 => "IEEE802",
        9 => "PPP",
        12 | 14 | 101 => "RAW",
        105 => "IEEE802_11",
        108 => "LOOP",
        113 => "LINUX_SLL",
        127 => "IEEE802_11_RADIOTAP",
        228 => "IPV4",
        229 => "IPV6",
        276 => "LINUX_SLL2",
        u32::MAX => "NO_INTERFACE",
        other => return format!("LINKTYPE_{other}"),
    };
    name.to_string()
}

/// Returns the network-layer payload of a frame of `link_type`.
pub fn strip_link_layer(link_type: u32, frame: &[u8]) -> Result<NetworkPayload<'_>, LinkLayer> {
    match link_type {
        0 => null_loop(frame, false),
        108 => null_loop(frame, true),
        1 => ethernet(frame),
        12 | 14 | 101 | 228 | 229 => raw_ip(frame),
        113 => {
            // LINUX_SLL: packet type, ARPHRD, address length, 8 address bytes, protocol.
            let header = frame.get(..16).ok_or(LinkLayer::Truncated)?;
            let protocol = u16::from_be_bytes([header[14], header[15]]);
            after_ether_type(protocol, &frame[16..])
        }
        276 => {
            // LINUX_SLL2: protocol, reserved, interface index, ARPHRD, packet type,
            // address length, 8 address bytes.
            let header = frame.get(..20).ok_or(LinkLayer::Truncated)?;
            let protocol = u16::from_be_bytes([header[0], header[1]]);
            after_ether_type(protocol, &frame[20..])
        }
        other => Err(LinkLayer::UnsupportedLinkType(other)),
    }
}

fn null_loop(frame: &[u8], network_order: bool) -> Result<NetworkPayload<'_>, LinkLayer> {
    let header: [u8; 4] = frame
        .get(..4)
        .ok_or(LinkLayer::Truncated)?
        .try_into()
        .unwrap_or([0; 4]);
    let family = if network_order {
        u32::from_be_bytes(header)
    } else {
        // NULL is in the capturing host's byte order: a family number never exceeds 16 bits.
        let le = u32::from_le_bytes(header);
        if le > 0xFFFF {
            u32::from_be_bytes(header)
        } else {
            le
        }
    };
    let ether_type = match family {
        2 => ETHERTYPE_IPV4,
        // AF_INET6 on Linux (10), Windows/Winsock (23), NetBSD/OpenBSD (24), FreeBSD (28),
        // macOS (30).
        10 | 23 | 24 | 28 | 30 => ETHERTYPE_IPV6,
        other => return Err(LinkLayer::UnknownAddressFamily(other)),
    };
    Ok(NetworkPayload {
        ether_type,
        data: &frame[4..],
        vlan: [0; 2],
    })
}

fn raw_ip(frame: &[u8]) -> Result<NetworkPayload<'_>, LinkLayer> {
    let first = *frame.first().ok_or(LinkLayer::Truncated)?;
    let ether_type = match first >> 4 {
        4 => ETHERTYPE_IPV4,
        6 => ETHERTYPE_IPV6,
        _ => 0,
    };
    Ok(NetworkPayload {
        ether_type,
        data: frame,
        vlan: [0; 2],
    })
}

fn ethernet(frame: &[u8]) -> Result<NetworkPayload<'_>, LinkLayer> {
    let header = frame.get(..14).ok_or(LinkLayer::Truncated)?;
    let ether_type = u16::from_be_bytes([header[12], header[13]]);
    after_ether_type(ether_type, &frame[14..])
}

/// Unwraps VLAN tags that follow an ether type field.
fn after_ether_type(mut ether_type: u16, mut rest: &[u8]) -> Result<NetworkPayload<'_>, LinkLayer> {
    let mut vlan = [0u16; 2];
    let mut tags = 0;
    while matches!(
        ether_type,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD | ETHERTYPE_QINQ_OLD2
    ) {
        if tags == MAX_VLAN_TAGS {
            break;
        }
        let tag = rest.get(..4).ok_or(LinkLayer::Truncated)?;
        if tags < 2 {
            vlan[tags] = u16::from_be_bytes([tag[0], tag[1]]) & 0x0FFF;
        }
        tags += 1;
        ether_type = u16::from_be_bytes([tag[2], tag[3]]);
        rest = &rest[4..];
    }
    Ok(NetworkPayload {
        ether_type,
        data: rest,
        vlan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_detects_both_byte_orders_and_bsd_ipv6_families() {
        let le = [2, 0, 0, 0, 0x45];
        let be = [0, 0, 0, 2, 0x45];
        assert_eq!(strip_link_layer(0, &le).unwrap().ether_type, ETHERTYPE_IPV4);
        assert_eq!(strip_link_layer(0, &be).unwrap().ether_type, ETHERTYPE_IPV4);
        assert_eq!(
            strip_link_layer(108, &[0, 0, 0, 30, 0x60])
                .unwrap()
                .ether_type,
            ETHERTYPE_IPV6
        );
        assert_eq!(
            strip_link_layer(108, &[0, 0, 0, 7]),
            Err(LinkLayer::UnknownAddressFamily(7))
        );
    }

    #[test]
    fn qinq_tags_are_unwrapped_outer_first() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[
            0x88, 0xA8, 0x00, 200, 0x81, 0x00, 0x00, 100, 0x08, 0x00, 0x45,
        ]);
        let p = strip_link_layer(1, &f).unwrap();
        assert_eq!(p.vlan, [200, 100]);
        assert_eq!(p.ether_type, ETHERTYPE_IPV4);
        assert_eq!(p.data, &[0x45]);
    }

    #[test]
    fn short_frames_are_reported_not_panicking() {
        for lt in [0, 1, 12, 101, 108, 113, 228, 229, 276] {
            assert!(strip_link_layer(lt, &[]).is_err());
        }
        assert_eq!(
            strip_link_layer(147, &[1, 2]),
            Err(LinkLayer::UnsupportedLinkType(147))
        );
    }
}
