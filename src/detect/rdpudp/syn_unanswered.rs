//! `rdpudp.syn_unanswered`: the client's RDP-UDP SYNs (MS-RDPEUDP 3.1.5.1.1) got no SYN+ACK
//! (3.1.5.1.2) — UDP 3389 is filtered, closed, or disabled on the server. The client gives
//! up after its retries and the session stays on TCP (RDP-FACTS §5.1, §5.3).

use super::RdpUdpView;
use crate::detect::{Finding, Severity};

/// Was the SYN's answer waited for within the capture: retried, or the capture goes on for
/// [`crate::detect::tcp::syn_unanswered::SYN_ANSWER_WAIT_SECS`] after the first SYN?
pub fn waited_for_answer(
    flow: &crate::proto::rdpudp::RdpUdpFlow,
    capture_end: Option<crate::capture::Timestamp>,
) -> bool {
    flow.syn_count > 1
        || flow.syns.first().is_some_and(|s| {
            capture_end.is_some_and(|end| {
                s.ts.secs_until(end) >= crate::detect::tcp::syn_unanswered::SYN_ANSWER_WAIT_SECS
            })
        })
}

pub fn detect(
    views: &[RdpUdpView<'_>],
    capture_end: Option<crate::capture::Timestamp>,
) -> Vec<Finding> {
    views
        .iter()
        .filter(|v| v.flow.syn_count > 0 && v.flow.syn_ack_count == 0)
        .filter(|v| waited_for_answer(v.flow, capture_end))
        .map(|v| {
            let c = v.conversation;
            let f = v.flow;
            let frames: Vec<u64> = f.syns.iter().map(|s| s.frame).collect();
            let first = &f.syns[0];
            let last = f.syns.last().unwrap_or(first);
            let answered_otherwise = f.server.datagrams > 0;
            let version = f
                .version_label()
                .map(|v| format!(", RDP-UDP {v}"))
                .unwrap_or_default();
            let mut finding = Finding::new(
                "rdpudp.syn_unanswered",
                Severity::Warning,
                c.stream,
                frames,
                format!(
                    "{} RDP-UDP SYN{} ({}-byte datagrams{version}) from {} to {} over {:.1} s (frames {}…{}) got no SYN+ACK{}",
                    f.syn_count,
                    if f.syn_count == 1 { "" } else { "s" },
                    first.length,
                    c.client,
                    c.server,
                    first.ts.secs_until(last.ts),
                    first.frame,
                    last.frame,
                    if answered_otherwise {
                        format!("; the server sent {} other datagram(s)", f.server.datagrams)
                    } else {
                        "; nothing came back on this flow".into()
                    }
                ),
            )
            .on_udp();
            finding.meaning = Some(
                "The UDP transport could not be set up: something between client and server (or the server's own firewall) drops UDP 3389, or RDP-UDP is disabled on the server. The session stays on TCP, which works but feels slower on long or lossy paths.".into(),
            );
            finding
        })
        .collect()
}
