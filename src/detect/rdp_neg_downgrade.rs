//! `rdp.neg_downgrade`: after an RDP_NEG_FAILURE the same client reconnects to the same
//! server asking for fewer protocols (e.g. HYBRID → SSL → RDP), as mstsc and FreeRDP do.
//! Each step of the chain is a new TCP connection; the finding lists them all.

use super::{Finding, RdpConnection, Severity};

/// A retry later than this is taken as a new user attempt, not a downgrade.
pub const DOWNGRADE_WINDOW_SECS: f64 = 60.0;

pub fn detect(conns: &[RdpConnection<'_>]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut used = vec![false; conns.len()];
    for start in 0..conns.len() {
        if used[start] || conns[start].setup.result != "failure" {
            continue;
        }
        let mut chain = vec![start];
        let mut current = start;
        while conns[current].setup.result == "failure" {
            let cur = &conns[current];
            let next = (current + 1..conns.len()).find(|&j| {
                let n = &conns[j];
                !used[j]
                    && n.conversation.client.ip == cur.conversation.client.ip
                    && n.conversation.server == cur.conversation.server
                    && cur
                        .conversation
                        .first_ts
                        .secs_until(n.conversation.first_ts)
                        >= 0.0
                    && cur
                        .conversation
                        .first_ts
                        .secs_until(n.conversation.first_ts)
                        <= DOWNGRADE_WINDOW_SECS
                    && n.setup.requested_protocols_raw != cur.setup.requested_protocols_raw
            });
            match next {
                Some(j) => {
                    chain.push(j);
                    current = j;
                }
                None => break,
            }
        }
        if chain.len() < 2 {
            continue;
        }
        for &i in &chain {
            used[i] = true;
        }
        let steps: Vec<String> = chain
            .iter()
            .map(|&i| {
                let c = &conns[i];
                format!(
                    "{} (tcp.stream {}, frame {})",
                    c.setup.outcome_line(),
                    c.conversation.stream,
                    c.setup.request_frame.unwrap_or(0)
                )
            })
            .collect();
        let last = &conns[*chain.last().unwrap_or(&start)];
        let ended = if last.setup.result == "success" {
            format!(
                "the server accepted {}",
                last.setup.selected_protocol.clone().unwrap_or_default()
            )
        } else {
            "no attempt succeeded".to_string()
        };
        let frames: Vec<u64> = chain
            .iter()
            .flat_map(|&i| [conns[i].setup.request_frame, conns[i].setup.confirm_frame])
            .flatten()
            .collect();
        let mut f = Finding::new(
            "rdp.neg_downgrade",
            Severity::Warning,
            conns[start].conversation.stream,
            frames,
            format!(
                "client retried with fewer security protocols: {}; {ended}",
                steps.join(" ⇒ ")
            ),
        );
        f.connections = chain
            .iter()
            .map(|&i| conns[i].conversation.stream)
            .collect();
        f.wireshark_filter = super::streams_frames_filter(&f.connections, &f.frames);
        f.meaning = Some(
            "The security layer each side accepts differs; the client fell back to a weaker protocol. Align the server's Security Layer / NLA setting with the clients, rather than letting clients downgrade.".into(),
        );
        findings.push(f);
    }
    findings
}
