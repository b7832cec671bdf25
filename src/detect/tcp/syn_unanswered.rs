//! `tcp.syn_unanswered`: the client's SYNs (and their retries) got nothing back — no
//! SYN+ACK, no reset, no ICMP error: the packets are filtered on the way, or the host is
//! down.

use super::TcpView;
use crate::detect::{Finding, Severity};
use crate::net::TcpFlags;

pub fn detect(views: &[TcpView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter(|v| {
            let c = v.conversation;
            c.to_client.packets == 0 && c.icmp_error_count == 0 && c.tcp.as_ref().is_some_and(|t| t.client.stats.syn.count == c.to_server.packets)
        })
        .filter_map(|v| {
            let c = v.conversation;
            let t = c.tcp.as_ref()?;
            let syns: Vec<_> = t.timeline.packets().filter(|p| TcpFlags(p.flags).syn()).collect();
            let first = syns.first()?;
            let gaps: Vec<String> = syns.windows(2).map(|w| format!("{:.1}", w[0].ts.secs_until(w[1].ts))).collect();
            let retries = if syns.len() > 1 {
                format!(", retried {} times (intervals {} s)", syns.len() - 1, gaps.join(", "))
            } else {
                String::new()
            };
            let span = first.ts.secs_until(syns.last()?.ts);
            let mut f = Finding::new(
                "tcp.syn_unanswered",
                Severity::Error,
                c.stream,
                t.client.stats.syn.frames.clone(),
                format!(
                    "{} sent SYN to {} (frame {}){retries}; nothing came back in {span:.1} s — no SYN+ACK, reset or ICMP error",
                    c.client, c.server, first.frame
                ),
            );
            f.meaning = Some("The SYNs are dropped on the way (a firewall rule, a security group, a routing problem) or the host is down. Check the path to the server's port (Test-NetConnection -Port) and firewall rules for it; mstsc reports this as a connection timeout.".into());
            Some(f)
        })
        .collect()
}
