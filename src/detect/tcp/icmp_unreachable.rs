//! `icmp.unreachable`: ICMP / ICMPv6 errors about a connection: which router or host sent
//! them and what they say (administratively prohibited by a firewall, port unreachable,
//! fragmentation needed, …).

use crate::analyze::Analysis;
use crate::detect::{Finding, Severity};
use crate::flow::Protocol;

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
            let mut f = Finding::new(
                "icmp.unreachable",
                severity,
                c.stream,
                c.icmp_errors.iter().map(|n| n.frame).collect(),
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
                ),
            );
            if c.protocol == Protocol::Udp {
                f = f.on_udp();
                f.wireshark_filter = format!("udp.stream eq {} || frame.number in {{{}}}", c.stream, first.frame);
            }
            f.meaning = Some(match first.name {
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
