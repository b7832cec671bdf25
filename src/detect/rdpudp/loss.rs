//! `rdpudp.loss`: an RDP-UDP direction lost a notable share of its DATA datagrams — numbers
//! skipped before the capture point (`snCoded` gaps) or retransmitted by the sender because
//! a datagram or its acknowledgement was lost after it (MS-RDPEUDP 3.1.1.2–3.1.1.4, RDP-FACTS
//! §5.5). Thresholds: [`crate::detect::thresholds`].

use super::RdpUdpView;
use crate::detect::thresholds::{RDPUDP_LOSS_MIN_DATAGRAMS, RDPUDP_LOSS_MIN_RATIO};
use crate::detect::{Finding, Severity};
use crate::flow::Side;

pub fn detect(views: &[RdpUdpView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        for side in [Side::Client, Side::Server] {
            let d = v.flow.direction(side);
            let sent = d.source + d.fec + d.sequence.counts.missing;
            let lost = d.sequence.counts.lost();
            if sent == 0
                || lost < RDPUDP_LOSS_MIN_DATAGRAMS
                || (lost as f64) < RDPUDP_LOSS_MIN_RATIO * sent as f64
            {
                continue;
            }
            let (from, to) = match side {
                Side::Client => (v.conversation.client, v.conversation.server),
                Side::Server => (v.conversation.server, v.conversation.client),
            };
            let frames: Vec<u64> = d.first_frame.into_iter().chain(d.last_frame).collect();
            let mut f = Finding::new(
                "rdpudp.loss",
                Severity::Warning,
                v.conversation.stream,
                frames,
                format!(
                    "RDP-UDP {from} → {to}: {lost} of {sent} data datagrams lost ({:.1} %): {} never passed the capture point (sequence gaps), {} retransmitted; {} congestion notification(s) from the receiver",
                    100.0 * lost as f64 / sent as f64,
                    d.sequence.counts.missing,
                    d.sequence.counts.retransmissions,
                    v.flow.direction(side.other()).congestion_notifications,
                ),
            )
            .on_udp();
            f.meaning = Some(
                "The path loses RDP-UDP datagrams: expect lag and blurry screen updates. Look for a congested or lossy link (Wi-Fi, VPN, an overloaded firewall) between the two; if it cannot be fixed, turning UDP off makes RDP use TCP only.".into(),
            );
            out.push(f);
        }
    }
    out
}
