//! `tcp.syn_unanswered`: the client's SYNs (and their retries) got nothing back — no
//! SYN+ACK, no reset, no ICMP error: the packets are filtered on the way, or the host is
//! down. Only when the wait is in the capture: the client retried, or the capture goes on
//! for [`SYN_ANSWER_WAIT_SECS`] after the SYN (a capture that stops just after a SYN shows
//! nothing about its answer).

use super::TcpView;
use crate::detect::{Finding, Severity};
use crate::net::TcpFlags;

/// How long after a lone SYN the capture must go on for the silence to count: Windows'
/// initial SYN retransmission timeout (3 s; RFC 6298 allows 1 s, Linux uses 1 s).
pub const SYN_ANSWER_WAIT_SECS: f64 = 3.0;

pub fn detect(
    views: &[TcpView<'_>],
    capture_end: Option<crate::capture::Timestamp>,
) -> Vec<Finding> {
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
            let waited = capture_end.is_some_and(|end| first.ts.secs_until(end) >= SYN_ANSWER_WAIT_SECS);
            if syns.len() < 2 && !waited {
                return None;
            }
            let gaps: Vec<String> = syns.windows(2).map(|w| format!("{:.1}", w[0].ts.secs_until(w[1].ts))).collect();
            let retries = if syns.len() > 1 {
                format!(", retried {} times (intervals {} s)", syns.len() - 1, gaps.join(", "))
            } else {
                String::new()
            };
            // How long the silence is seen: until the capture's end (at least the retries'
            // span).
            let span = capture_end
                .map_or(0.0, |end| first.ts.secs_until(end))
                .max(first.ts.secs_until(syns.last()?.ts));
            let mut f = Finding::new(
                "tcp.syn_unanswered",
                Severity::Error,
                c.stream,
                t.client.stats.syn.frames.clone(),
                format!(
                    "{} sent SYN to {} (frame {}){retries}; nothing came back in the {span:.1} s the capture shows after it — no SYN+ACK, reset or ICMP error",
                    c.client, c.server, first.frame
                ),
            );
            f.meaning = Some("The SYNs are dropped on the way (a firewall rule, a security group, a routing problem) or the host is down. Check the path to the server's port (Test-NetConnection -Port) and firewall rules for it; mstsc reports this as a connection timeout.".into());
            Some(f)
        })
        .collect()
}
