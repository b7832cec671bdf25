//! `tcp.heavy_loss`: so many retransmissions in a direction that the handshake's many
//! round trips take long enough for the client to give up.
//!
//! Loss needs delivery in between: segments re-sent *and* the peer acknowledging data after
//! them. Not counted as loss:
//! * re-sends into the peer's silence (the peer sent nothing after them): that is a stall,
//!   a dead peer or a filter, which `tcp.handshake_stall` / the close describe;
//! * re-sends after an ICMP "fragmentation needed" / "packet too big" about this sender
//!   that fit the MTU it names: path-MTU discovery re-segmenting the data (RFC 1191, RFC
//!   8201), reported by `icmp.unreachable`.

use super::{TcpView, first_ack_after, seq_ge};
use crate::detect::thresholds::{HEAVY_LOSS_MIN_RATIO, HEAVY_LOSS_MIN_RETRANSMISSIONS};
use crate::detect::{Finding, Severity};
use crate::flow::timeline::PacketMeta;
use crate::flow::{Conversation, Side};
use crate::net::TcpFlags;

/// IPv4 + TCP header bytes without options (IPv6: 60), as in `icmp_unreachable`.
const TCP_IPV4_HEADERS: u32 = 40;
const TCP_IPV6_HEADERS: u32 = 60;

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

/// What became of one re-sent segment seen in the connection's kept packets.
enum Resend<'a> {
    /// Re-segmented after an ICMP fragmentation-needed: path-MTU discovery, not loss.
    AfterIcmp,
    /// The peer sent nothing after it.
    IntoSilence,
    /// The peer acknowledged it in this packet.
    Acknowledged(&'a PacketMeta),
    /// The peer went on sending, without acknowledging it.
    Unacknowledged,
}

/// The re-sent segments (SYNs and data below the highest sequence already sent) of `side`
/// among the kept packets, each with what became of it.
fn resends<'a>(c: &'a Conversation, side: Side) -> Vec<(&'a PacketMeta, Resend<'a>)> {
    let Some(t) = c.tcp.as_ref() else {
        return Vec::new();
    };
    let headers = if c.server.ip.is_ipv4() {
        TCP_IPV4_HEADERS
    } else {
        TCP_IPV6_HEADERS
    };
    let peer_last = t
        .timeline
        .packets()
        .filter(|p| p.from != side)
        .map(|p| p.frame)
        .max();
    let mut out = Vec::new();
    let mut high: Option<u32> = None;
    let mut previous: Option<(u32, u32, Option<u16>)> = None;
    for p in t.timeline.packets().filter(|p| p.from == side) {
        let flags = TcpFlags(p.flags);
        if flags.rst() {
            continue;
        }
        let fingerprint = (p.seq, p.payload_len, p.ip_id);
        // The same packet captured twice is not a re-send.
        let duplicate = p.ip_id.is_some() && previous == Some(fingerprint);
        previous = Some(fingerprint);
        let len = p.payload_len + u32::from(flags.syn());
        if len == 0 || duplicate {
            continue;
        }
        let end = p.seq.wrapping_add(len);
        // A keep-alive (RFC 9293 §3.8.4: one old byte, or none) is not a re-send.
        if !flags.syn() && p.payload_len <= 1 && high == Some(end) {
            continue;
        }
        let resent = high.is_some_and(|h| !seq_ge(p.seq, h));
        if high.is_none_or(|h| seq_ge(end, h)) {
            high = Some(end);
        }
        if !resent {
            continue;
        }
        let after_icmp = c.icmp_errors.iter().any(|n| {
            n.about == side
                && n.frame < p.frame
                && n.mtu.is_some_and(|m| p.payload_len + headers <= m)
        });
        let fate = if after_icmp {
            Resend::AfterIcmp
        } else if peer_last.is_none_or(|f| f < p.frame) {
            Resend::IntoSilence
        } else if let Some(a) = first_ack_after(c, side, p.seq, end, p.frame) {
            Resend::Acknowledged(a)
        } else {
            Resend::Unacknowledged
        };
        out.push((p, fate));
    }
    out
}

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
            let seen = resends(c, side);
            let after_icmp = seen
                .iter()
                .filter(|(_, f)| matches!(f, Resend::AfterIcmp))
                .count() as u64;
            let mut silent = seen
                .iter()
                .filter(|(_, f)| matches!(f, Resend::IntoSilence))
                .count() as u64;
            // Frames captured twice are not losses.
            let total = s.retransmissions.saturating_sub(s.duplicate_frames);
            // Re-sends in the middle of a long connection (packets not kept) went into
            // silence when the peer sent nothing after the kept head.
            let unseen = total.saturating_sub(seen.len() as u64);
            let peer_after_head = t
                .timeline
                .head_end()
                .is_some_and(|h| t.timeline.packets().any(|p| p.from != side && p.frame > h));
            if t.timeline.has_hole() && !peer_after_head {
                silent += unseen;
            }
            let resent = total.saturating_sub(after_icmp + silent);
            let segments = s.data_segments.saturating_sub(after_icmp + silent);
            let ratio = if segments == 0 {
                0.0
            } else {
                resent as f64 / segments as f64
            };
            // Delivery after the loss: a re-sent segment the peer acknowledged.
            let Some((lost, ack)) = seen.iter().find_map(|(p, f)| match f {
                Resend::Acknowledged(a) => Some((*p, *a)),
                _ => None,
            }) else {
                continue;
            };
            if resent >= HEAVY_LOSS_MIN_RETRANSMISSIONS && ratio >= HEAVY_LOSS_MIN_RATIO {
                let mut not_counted = Vec::new();
                if after_icmp > 0 {
                    not_counted.push(format!(
                        "{after_icmp} re-sent after ICMP fragmentation-needed"
                    ));
                }
                if silent > 0 {
                    not_counted.push(format!(
                        "{silent} sent into the {}'s silence",
                        side_word(side.other())
                    ));
                }
                parts.push(format!(
                    "{} retransmitted {} of {} data segments ({:.0} %){} and the {} acknowledged the re-sent data (first: frame {} re-sent, acknowledged in frame {}), {} duplicate ACKs from the other side",
                    side_word(side),
                    resent,
                    segments,
                    ratio * 100.0,
                    if not_counted.is_empty() {
                        String::new()
                    } else {
                        format!(" (not counted: {})", not_counted.join(", "))
                    },
                    side_word(side.other()),
                    lost.frame,
                    ack.frame,
                    t.dir(side.other()).stats.duplicate_acks
                ));
                frames.extend([lost.frame, ack.frame]);
            }
        }
        if parts.is_empty() {
            continue;
        }
        // Where the connection ended: what the loss led to.
        frames.push(c.last_frame);
        frames.sort_unstable();
        frames.dedup();
        let rtt = v
            .phase
            .rtt_ms
            .map(|r| format!("; handshake RTT {r:.0} ms"))
            .unwrap_or_default();
        let mut f = Finding::new(
            "tcp.heavy_loss",
            Severity::Warning,
            c.stream,
            frames,
            format!(
                "{}{rtt}; the connection reached \"{}\" (its last packet: frame {})",
                parts.join("; "),
                v.phase.phase.words(),
                c.last_frame
            ),
        );
        f.meaning = Some("The path loses many packets (a congested or faulty link, Wi-Fi, an overloaded VPN); each RDP setup round trip then waits for retransmission timeouts. Fix the path, or test from another network.".into());
        out.push(f);
    }
    out
}
