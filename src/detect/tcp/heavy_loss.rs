//! `tcp.heavy_loss`: so many retransmissions in a direction that the handshake's many
//! round trips take long enough for the client to give up.

use super::TcpView;
use crate::detect::thresholds::{HEAVY_LOSS_MIN_RATIO, HEAVY_LOSS_MIN_RETRANSMISSIONS};
use crate::detect::{Finding, Severity};
use crate::flow::Side;

pub fn detect(views: &[TcpView<'_>], skip: &[u64]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let c = v.conversation;
        if skip.contains(&c.stream) {
            continue;
        }
        let Some(t) = c.tcp.as_ref() else { continue };
        let mut parts = Vec::new();
        let mut frames = Vec::new();
        for side in [Side::Client, Side::Server] {
            let s = &t.dir(side).stats;
            // Frames captured twice are not losses.
            let resent = s.retransmissions.saturating_sub(s.duplicate_frames);
            let ratio = if s.data_segments == 0 {
                0.0
            } else {
                resent as f64 / s.data_segments as f64
            };
            if resent >= HEAVY_LOSS_MIN_RETRANSMISSIONS && ratio >= HEAVY_LOSS_MIN_RATIO {
                parts.push(format!(
                    "{} retransmitted {} of {} data segments ({:.0} %), {} duplicate ACKs from the other side",
                    if side == Side::Client { "client" } else { "server" },
                    resent,
                    s.data_segments,
                    ratio * 100.0,
                    t.dir(side.other()).stats.duplicate_acks
                ));
                frames.extend(s.syn.frames.first());
            }
        }
        if parts.is_empty() {
            continue;
        }
        let rtt = v
            .phase
            .rtt_ms
            .map(|r| format!("; handshake RTT {r:.0} ms"))
            .unwrap_or_default();
        frames = vec![c.first_frame, c.last_frame];
        let mut f = Finding::new(
            "tcp.heavy_loss",
            Severity::Warning,
            c.stream,
            frames,
            format!(
                "{}{rtt}; the connection reached \"{}\"",
                parts.join("; "),
                v.phase.phase.words()
            ),
        );
        f.meaning = Some("The path loses many packets (a congested or faulty link, Wi-Fi, an overloaded VPN); each RDP setup round trip then waits for retransmission timeouts. Fix the path, or test from another network.".into());
        out.push(f);
    }
    out
}
