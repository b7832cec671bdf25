//! `icmp.unreachable`: ICMP / ICMPv6 errors about a connection: which router or host sent
//! them and what they say (administratively prohibited by a firewall, port unreachable,
//! fragmentation needed, …). A "fragmentation needed" / "packet too big" after which the
//! sender re-sent the data in segments that fit the named MTU and the peer acknowledged them
//! is path-MTU discovery working (RFC 1191, RFC 8201): info, with those frames.

use crate::analyze::Analysis;
use crate::detect::{Finding, Severity};
use crate::flow::{Conversation, IcmpNote, Protocol};

/// IPv4 + TCP header bytes without options (IPv6: 60).
const TCP_IPV4_HEADERS: u32 = 40;
const TCP_IPV6_HEADERS: u32 = 60;

/// For a "fragmentation needed" / "packet too big" about a TCP connection: the first data
/// segment the quoted side sent afterwards that fits the MTU, and the peer's first ACK that
/// covers it — `(resent frame, its payload, ack frame)`.
fn pmtud_worked(c: &Conversation, note: &IcmpNote) -> Option<(u64, u32, u64)> {
    let mtu = note.mtu?;
    let tcp = c.tcp.as_ref()?;
    let headers = if c.server.ip.is_ipv4() {
        TCP_IPV4_HEADERS
    } else {
        TCP_IPV6_HEADERS
    };
    let mut packets = tcp.timeline.packets().skip_while(|p| p.frame < note.frame);
    let resent = packets
        .by_ref()
        .find(|p| p.from == note.about && p.payload_len > 0 && p.payload_len + headers <= mtu)?;
    let end = resent.seq.wrapping_add(resent.payload_len);
    let acked = packets.find(|p| {
        p.from != note.about && p.flags & 0x10 != 0 && (p.ack.wrapping_sub(end) as i32) >= 0
    })?;
    Some((resent.frame, resent.payload_len, acked.frame))
}

pub fn detect(a: &Analysis) -> Vec<Finding> {
    a.conversations
        .iter()
        .filter(|c| !c.icmp_errors.is_empty() && c.packets() > 0)
        .map(|c| {
            let first = &c.icmp_errors[0];
            let routers: Vec<String> = {
                let mut r: Vec<String> = c.icmp_errors.iter().map(|n| n.from.to_string()).collect();
                r.dedup();
                r
            };
            let from_target = first.from == c.server.ip;
            let mtu = first.mtu.map(|m| format!(", next-hop MTU {m}")).unwrap_or_default();
            let transport = if c.protocol == Protocol::Tcp { "tcp" } else { "udp" };
            // Over UDP the only RDP traffic is RDP-UDP, and RDP falls back to TCP without it.
            let severity = if c.protocol == Protocol::Udp {
                Severity::Warning
            } else {
                Severity::Error
            };
            let worked = matches!(first.name, "fragmentation-needed" | "packet-too-big")
                .then(|| pmtud_worked(c, first))
                .flatten();
            let severity = if worked.is_some() { Severity::Info } else { severity };
            let mut frames: Vec<u64> = c.icmp_errors.iter().map(|n| n.frame).collect();
            if let Some((resent, _, acked)) = worked {
                frames.extend([resent, acked]);
            }
            let mut f = Finding::new(
                "icmp.unreachable",
                severity,
                c.stream,
                frames,
                format!(
                    "{} ICMP error{} for {transport} {} → {}: {} (type {}, code {}{mtu}) from {} ({}), first in frame {}",
                    c.icmp_error_count,
                    if c.icmp_error_count == 1 { "" } else { "s" },
                    c.client,
                    c.server,
                    first.name,
                    first.icmp_type,
                    first.code,
                    routers.join(", "),
                    if from_target { "the server itself" } else { "a router on the path" },
                    first.frame
                ) + &worked
                    .map(|(resent, len, acked)| {
                        format!(
                            "; path-MTU discovery worked: the sender re-sent the data in segments that fit ({len} bytes of payload, frame {resent}) and the peer acknowledged them (frame {acked})"
                        )
                    })
                    .unwrap_or_default(),
            );
            if c.protocol == Protocol::Udp {
                f = f.on_udp();
                f.wireshark_filter = format!("udp.stream eq {} || frame.number in {{{}}}", c.stream, first.frame);
            }
            // The first error, as `connections[].icmp_errors[]` names it; the transport is the
            // finding's own `transport`.
            f.evidence = Some(serde_json::json!({
                "name": first.name,
                "type": first.icmp_type,
                "code": first.code,
                "from": first.from,
                "pmtud_worked": worked.is_some(),
            }));
            f.meaning = Some(match first.name {
                "fragmentation-needed" | "packet-too-big" if worked.is_some() => "A link on the path has a smaller MTU; the router said so and the sender adapted (path-MTU discovery): nothing to fix.",
                "admin-prohibited" | "policy-reject" => "A firewall at the router named rejects this traffic on purpose: open the port there (or use an RD Gateway).",
                "port-unreachable" => "Nothing listens on that UDP port on the server (for RDP-UDP, UDP 3389 is closed or the feature disabled): RDP falls back to TCP.",
                "fragmentation-needed" | "packet-too-big" => "Packets are too large for a link on the path: the router names the MTU to use. Fix PMTU discovery or clamp the TCP MSS on the VPN/tunnel.",
                _ => "The named router could not deliver the packets: check routing and filtering between client and server.",
            }
            .into());
            f
        })
        .collect()
}
