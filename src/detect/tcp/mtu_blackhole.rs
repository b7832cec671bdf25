//! `tcp.mtu_blackhole`: full-size segments never get through while small ones do, and no
//! ICMP "fragmentation needed" / "packet too big" is seen: a link on the path has a smaller
//! MTU and its router's ICMP errors are dropped (RFC 2923). Seen from the sender, full-size
//! segments are retransmitted and never acknowledged; seen from the receiver, they never
//! arrive: a hole that is never filled, the receiver's duplicate ACKs / SACKs, and only
//! small segments from that sender.

use super::TcpView;
use crate::detect::thresholds::{BLACKHOLE_MIN_RETRIES, BLACKHOLE_MIN_SEGMENT};
use crate::detect::{Finding, Severity};
use crate::flow::{Conversation, Side};
use crate::net::TcpFlags;
use std::collections::BTreeMap;

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

fn announced_mss(c: &Conversation, side: Side) -> Option<u16> {
    c.tcp
        .as_ref()?
        .dir(side)
        .stats
        .syn_options
        .and_then(|o| o.mss)
}

fn has_mtu_icmp(c: &Conversation) -> bool {
    c.icmp_errors.iter().any(|n| n.mtu.is_some())
}

/// Sender's view: the same full-size segment sent again and again, never acknowledged.
fn sender_view(c: &Conversation, sender: Side) -> Option<Finding> {
    let t = c.tcp.as_ref()?;
    let mut by_seq: BTreeMap<u32, Vec<(u64, u32)>> = BTreeMap::new();
    for p in t
        .timeline
        .packets()
        .filter(|p| p.from == sender && p.payload_len >= BLACKHOLE_MIN_SEGMENT)
    {
        by_seq
            .entry(p.seq)
            .or_default()
            .push((p.frame, p.payload_len));
    }
    let acked = |end: u32| {
        t.timeline.packets().any(|p| {
            p.from != sender && TcpFlags(p.flags).ack() && (p.ack.wrapping_sub(end) as i32) >= 0
        })
    };
    let (seq, sends) = by_seq
        .iter()
        .filter(|(seq, sends)| {
            sends.len() as u32 > BLACKHOLE_MIN_RETRIES && !acked(seq.wrapping_add(sends[0].1))
        })
        .max_by_key(|(_, sends)| sends.len())?;
    let small_ok = t
        .timeline
        .packets()
        .filter(|p| p.from == sender && p.payload_len > 0 && p.payload_len < BLACKHOLE_MIN_SEGMENT)
        .find(|p| {
            acked(p.seq.wrapping_add(p.payload_len))
                || t.dir(sender.other()).stats.sack_segments > 0
        });
    let peer_mss = announced_mss(c, sender.other()).map_or("?".into(), |m| m.to_string());
    let own_mss = announced_mss(c, sender).map_or("?".into(), |m| m.to_string());
    let frames: Vec<u64> = sends.iter().map(|s| s.0).collect();
    let mut f = Finding::new(
        "tcp.mtu_blackhole",
        Severity::Error,
        c.stream,
        frames.clone(),
        format!(
            "the {}'s {}-byte segment (seq {seq}) was sent {} times (frames {}) and never acknowledged{}; no ICMP fragmentation-needed arrived. MSS announced: client {}, server {}",
            side_word(sender),
            sends[0].1,
            sends.len(),
            frames
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            small_ok
                .map(|p| format!(
                    ", while its {}-byte segment (frame {}) got through",
                    p.payload_len, p.frame
                ))
                .unwrap_or_default(),
            if sender == Side::Client {
                &own_mss
            } else {
                &peer_mss
            },
            if sender == Side::Server {
                &own_mss
            } else {
                &peer_mss
            },
        ),
    );
    f.meaning = Some(meaning());
    Some(f)
}

/// Receiver's view: a hole in the sender's stream that is never filled, only small segments
/// arriving, and the receiver asking for the missing bytes.
fn receiver_view(c: &Conversation, sender: Side) -> Option<Finding> {
    let t = c.tcp.as_ref()?;
    let from = &t.dir(sender).stats;
    let receiver = &t.dir(sender.other()).stats;
    let mss = u32::from(announced_mss(c, sender.other())?);
    let gap = from
        .gaps
        .iter()
        .find(|g| !g.acked_unseen && g.bytes >= u64::from(BLACKHOLE_MIN_SEGMENT))?;
    if from.max_segment >= BLACKHOLE_MIN_SEGMENT.min(mss)
        || receiver.duplicate_acks + receiver.sack_segments == 0
    {
        return None;
    }
    let dup = t
        .timeline
        .packets()
        .find(|p| p.from == sender.other() && p.frame > gap.frame && p.sack_blocks > 0)
        .map(|p| p.frame);
    let mut frames = vec![gap.frame];
    frames.extend(dup);
    let mut f = Finding::new(
        "tcp.mtu_blackhole",
        Severity::Error,
        c.stream,
        frames,
        format!(
            "{} bytes of the {}'s data never arrived (hole before frame {}) while its small segments did (largest {} bytes, against the {} bytes MSS the {} announced); the {} sent {} duplicate ACKs / {} SACKs{}; no ICMP fragmentation-needed arrived",
            gap.bytes,
            side_word(sender),
            gap.frame,
            from.max_segment,
            mss,
            side_word(sender.other()),
            side_word(sender.other()),
            receiver.duplicate_acks,
            receiver.sack_segments,
            dup.map(|f| format!(" (first in frame {f})"))
                .unwrap_or_default()
        ),
    );
    f.meaning = Some(meaning());
    Some(f)
}

fn meaning() -> String {
    "A link between client and server (typically a VPN or tunnel) has a smaller MTU than the endpoints assume, and the ICMP messages that would tell them are blocked. Large packets — the server's TLS certificate flight is the first — vanish. Clamp the TCP MSS on the VPN/tunnel device (e.g. to 1360), lower the interface MTU, or allow ICMP type 3 code 4 / ICMPv6 type 2 through the firewalls.".into()
}

pub fn detect(views: &[TcpView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let c = v.conversation;
        if has_mtu_icmp(c) {
            continue;
        }
        for sender in [Side::Server, Side::Client] {
            if let Some(f) = sender_view(c, sender).or_else(|| receiver_view(c, sender)) {
                out.push(f);
                break;
            }
        }
    }
    out
}
