//! `tcp.refused`: the SYN was answered by a reset (RST+ACK) instead of a SYN+ACK: nothing
//! listens on that port, or a firewall rejects with a reset.

use super::TcpView;
use crate::detect::{Finding, Severity};
use crate::net::TcpFlags;
use crate::state::rst_evidence::hops;

pub fn detect(views: &[TcpView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter_map(|v| {
            let c = v.conversation;
            let t = c.tcp.as_ref()?;
            if t.synack_frame.is_some() || t.syn_frame.is_none() || c.to_client.payload_bytes > 0 {
                return None;
            }
            let rst = t.timeline.packets().find(|p| p.from == crate::flow::Side::Server && TcpFlags(p.flags).rst())?;
            let syn = t.syn_frame?;
            let mut f = Finding::new(
                "tcp.refused",
                Severity::Error,
                c.stream,
                vec![syn, rst.frame],
                format!(
                    "SYN to {} (frame {syn}) answered by RST+ACK (frame {}, TTL {}, {} hops away): connection refused",
                    c.server,
                    rst.frame,
                    rst.ttl,
                    hops(rst.ttl)
                ),
            );
            f.meaning = Some("Nothing listens on that address and port (the Remote Desktop service is stopped, listens on another port — see PortNumber under HKLM\\System\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp — or the address is wrong), or a firewall rejects with resets. If the reset's hop count is lower than the server's, a device in between sent it.".into());
            Some(f)
        })
        .collect()
}
