//! TCP-level evidence (one detector per file): unanswered and refused SYNs, ICMP errors,
//! injected and genuine resets, path-MTU black holes, handshake stalls, heavy loss, zero
//! windows. The phase each connection reached is a fact of its connection state
//! ([`crate::state::phase`]).

pub mod ended_in_setup;
mod handshake_stall;
mod heavy_loss;
mod icmp_unreachable;
mod mtu_blackhole;
mod refused;
mod rst;
mod rst_injected;
pub mod syn_unanswered;
mod zero_window;

use super::Finding;
use crate::analyze::Analysis;
use crate::flow::timeline::PacketMeta;
use crate::flow::{Conversation, Protocol};
use crate::net::TcpFlags;
use crate::state::phase::{self, ConnectionPhase};

/// `a` is at or after `b` in sequence space (RFC 9293 §3.4: comparisons modulo 2^32).
pub(crate) fn seq_ge(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// Does the peer's packet `p` acknowledge the bytes `[start, end)`: its cumulative ACK
/// reaches `end` (RFC 9293 §3.4), or one of its SACK blocks covers them (RFC 2018 §3)?
pub(crate) fn acknowledges(p: &PacketMeta, start: u32, end: u32) -> bool {
    if !TcpFlags(p.flags).ack() {
        return false;
    }
    seq_ge(p.ack, end)
        || p.sack[..usize::from(p.sack_blocks.min(4))]
            .iter()
            .any(|&(left, right)| seq_ge(start, left) && seq_ge(right, end))
}

/// The peer's first packet after `after` (a frame number) that acknowledges `[start, end)`
/// of `from`'s stream.
pub(crate) fn first_ack_after(
    c: &Conversation,
    from: crate::flow::Side,
    start: u32,
    end: u32,
    after: u64,
) -> Option<&PacketMeta> {
    c.tcp
        .as_ref()?
        .timeline
        .packets()
        .find(|p| p.from != from && p.frame > after && acknowledges(p, start, end))
}

/// A TCP connection with the phase it reached, as the TCP detectors see it.
pub struct TcpView<'a> {
    pub conversation: &'a Conversation,
    pub phase: ConnectionPhase,
}

pub fn views(a: &Analysis) -> Vec<TcpView<'_>> {
    a.conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp && c.packets() > 0)
        .filter_map(|c| {
            Some(TcpView {
                conversation: c,
                phase: phase::phase_of(c, &a.observations, &a.states)?,
            })
        })
        .collect()
}

pub fn run(a: &Analysis) -> Vec<Finding> {
    let views = views(a);
    let mut out = Vec::new();
    // A SYN carries no content: only the port says whether it was meant for RDP (or an RD
    // Gateway); other ports' refusals are not this tool's to report.
    let rdp_ports: Vec<TcpView<'_>> = views
        .iter()
        .filter(|v| super::rdp_relevant(a, v.conversation))
        .map(|v| TcpView {
            conversation: v.conversation,
            phase: v.phase.clone(),
        })
        .collect();
    out.extend(syn_unanswered::detect(&rdp_ports, a.capture.last_ts));
    out.extend(refused::detect(&rdp_ports));
    out.extend(icmp_unreachable::detect(a));
    out.extend(rst_injected::detect(&views));
    out.extend(rst::detect(&views, a));
    let blackholes = mtu_blackhole::detect(&views);
    let blackholed: Vec<u64> = blackholes.iter().filter_map(|f| f.connection).collect();
    out.extend(blackholes);
    out.extend(handshake_stall::detect(&views, &blackholed));
    out.extend(heavy_loss::detect(&views, &blackholed));
    out.extend(zero_window::detect(&views));
    out
}
