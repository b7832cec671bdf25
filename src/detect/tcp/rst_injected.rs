//! `tcp.rst_injected`: a reset that probably did not come from the endpoint it claims to
//! come from — a firewall, IPS or NAT forged it. The evidence (RDP-FACTS §8.2) is scored in
//! [`crate::state::rst_evidence`]; the injector's distance comes from the reset's TTL.

use super::TcpView;
use crate::detect::{Finding, Severity};
use crate::state::rst_evidence::{judge_resets, side_word};

pub fn detect(views: &[TcpView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let c = v.conversation;
        for verdict in judge_resets(c).into_iter().filter(|v| v.injected()) {
            let claimed = side_word(verdict.from);
            let claimed_addr = match verdict.from {
                crate::flow::Side::Client => c.client,
                crate::flow::Side::Server => c.server,
            };
            let position = match verdict.sender_hops {
                Some(sender) if verdict.rst_hops < sender => format!(
                    "; the reset was sent {} hop{} from the capture point, the {claimed} is {sender} hop{} away: a device in between injected it",
                    verdict.rst_hops,
                    if verdict.rst_hops == 1 { "" } else { "s" },
                    if sender == 1 { "" } else { "s" }
                ),
                Some(sender) => format!(
                    "; reset {} hops away, {claimed} {sender} hops away",
                    verdict.rst_hops
                ),
                None => String::new(),
            };
            let reasons: Vec<String> = verdict.signals.iter().map(|s| s.detail.clone()).collect();
            let mut f = Finding::new(
                "tcp.rst_injected",
                Severity::Error,
                c.stream,
                vec![verdict.frame],
                format!(
                    "reset in the {claimed}'s name ({claimed_addr}, frame {}, phase {}) was probably forged: {}{position}",
                    verdict.frame,
                    v.phase.phase.words(),
                    reasons.join("; ")
                ),
            );
            f.meaning = Some("A firewall, IPS, proxy or NAT device between client and server ended the connection (often a policy on RDP or on TLS, an idle timeout, or a DPI rule). Find the device at that hop distance from where the capture was taken and check its logs and rules for this flow.".into());
            f.evidence = serde_json::to_value(&verdict).ok();
            out.push(f);
        }
    }
    out
}
