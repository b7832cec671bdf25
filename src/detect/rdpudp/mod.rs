//! RDP-UDP detectors (MS-RDPEUDP, RDP-FACTS §5): they judge the RDP-UDP decoder's description
//! of each UDP flow. UDP is an optional second transport: when it fails, RDP stays on TCP, so
//! these findings are warnings unless nothing else carries the session.

mod loss;
pub mod syn_unanswered;

use crate::analyze::Analysis;
use crate::detect::Finding;
use crate::flow::{Conversation, Protocol};
use crate::proto::rdpudp::RdpUdpFlow;

/// A UDP conversation with what the RDP-UDP decoder saw on it.
pub struct RdpUdpView<'a> {
    pub conversation: &'a Conversation,
    pub flow: &'a RdpUdpFlow,
}

pub fn views(a: &Analysis) -> Vec<RdpUdpView<'_>> {
    a.conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Udp)
        .filter_map(|c| {
            Some(RdpUdpView {
                conversation: c,
                flow: a.rdp_udp.get(&c.stream)?,
            })
        })
        .collect()
}

pub fn run(a: &Analysis) -> Vec<Finding> {
    let views = views(a);
    let mut out = Vec::new();
    out.extend(syn_unanswered::detect(&views, a.capture.last_ts));
    out.extend(loss::detect(&views));
    out
}
