//! `tcp.mtu_blackhole`: large segments never get through while smaller ones sent after them
//! do, and no ICMP "fragmentation needed" / "packet too big" is seen: a link on the path has
//! a smaller MTU and its router's ICMP errors are dropped (RFC 2923 §2.1). The evidence is
//! relative to the lost segment and comes from both sides:
//! * seen from the sender, a segment is sent again and again and never acknowledged, while
//!   a smaller segment the same sender sent *after* it is acknowledged by the peer (its
//!   cumulative ACK or a SACK block), and no segment as large as the lost one, sent after
//!   it, is acknowledged;
//! * seen from the receiver, a hole in the sender's stream larger than any segment that
//!   arrived is never filled, while a smaller segment from the sender after the hole arrives
//!   and the receiver acknowledges it (SACK, duplicate ACKs), and no segment as large as a
//!   full one (the MSS the receiver announced) ever arrived.

use super::{TcpView, first_ack_after};
use crate::detect::thresholds::{
    BLACKHOLE_MIN_LOST_SEGMENT, BLACKHOLE_MIN_RETRIES, TCP_TIMESTAMP_OPTION_BYTES,
};
use crate::detect::{Finding, Severity};
use crate::flow::timeline::PacketMeta;
use crate::flow::{Conversation, Side};
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

fn end_of(p: &PacketMeta) -> u32 {
    p.seq.wrapping_add(p.payload_len)
}

/// Sender's view: the same large segment sent again and again, never acknowledged, while a
/// smaller one sent after it was.
fn sender_view(c: &Conversation, sender: Side) -> Option<Finding> {
    let t = c.tcp.as_ref()?;
    let mut by_seq: BTreeMap<u32, Vec<&PacketMeta>> = BTreeMap::new();
    for p in t
        .timeline
        .packets()
        .filter(|p| p.from == sender && p.payload_len > BLACKHOLE_MIN_LOST_SEGMENT)
    {
        by_seq.entry(p.seq).or_default().push(p);
    }
    let (seq, sends) = by_seq
        .iter()
        .filter(|(seq, sends)| {
            sends.len() as u32 > BLACKHOLE_MIN_RETRIES
                && first_ack_after(
                    c,
                    sender,
                    **seq,
                    seq.wrapping_add(sends[0].payload_len),
                    sends[0].frame,
                )
                .is_none()
        })
        .max_by_key(|(_, sends)| sends.len())?;
    let lost = sends[0];
    let lost_len = sends.iter().map(|p| p.payload_len).min()?;
    let later = || {
        t.timeline
            .packets()
            .filter(move |p| p.from == sender && p.frame > lost.frame && p.payload_len > 0)
    };
    // A segment as large as the lost one, sent after it and acknowledged: size is not what
    // the path drops.
    if later().any(|p| {
        p.payload_len >= lost_len && first_ack_after(c, sender, p.seq, end_of(p), p.frame).is_some()
    }) {
        return None;
    }
    // Delivery after the loss: a smaller segment, sent after the first lost one, that the
    // peer acknowledged. Without it the peer may just be gone (silence, not a black hole).
    let (small, ack) = later()
        .filter(|p| p.payload_len < lost_len)
        .find_map(|p| first_ack_after(c, sender, p.seq, end_of(p), p.frame).map(|a| (p, a)))?;
    let by_sack = !super::seq_ge(ack.ack, end_of(small));
    let peer_mss = announced_mss(c, sender.other()).map_or("?".into(), |m| m.to_string());
    let own_mss = announced_mss(c, sender).map_or("?".into(), |m| m.to_string());
    let mut frames: Vec<u64> = sends.iter().map(|s| s.frame).collect();
    let sent_frames = frames
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    frames.extend([small.frame, ack.frame]);
    frames.sort_unstable();
    frames.dedup();
    let mut f = Finding::new(
        "tcp.mtu_blackhole",
        Severity::Error,
        c.stream,
        frames,
        format!(
            "the {}'s {}-byte segment (seq {seq}) was sent {} times (frames {sent_frames}) and never acknowledged, while its {}-byte segment sent after it (frame {}) was: the {}'s {} in frame {} covers it; no ICMP fragmentation-needed arrived. MSS announced: client {}, server {}",
            side_word(sender),
            lost_len,
            sends.len(),
            small.payload_len,
            small.frame,
            side_word(sender.other()),
            if by_sack { "SACK" } else { "ACK" },
            ack.frame,
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

/// Receiver's view: a hole in the sender's stream, larger than anything that arrived, never
/// filled, while a smaller segment from the sender after the hole arrived and was
/// acknowledged.
fn receiver_view(c: &Conversation, sender: Side) -> Option<Finding> {
    let t = c.tcp.as_ref()?;
    let from = &t.dir(sender).stats;
    let receiver = &t.dir(sender.other()).stats;
    let mss = u32::from(announced_mss(c, sender.other())?);
    // A full-size segment carries the MSS less the timestamps option when the sender uses it.
    let timestamps = t
        .timeline
        .packets()
        .any(|p| p.from == sender && p.payload_len > 0 && p.has_timestamp_option);
    let full = mss.saturating_sub(if timestamps {
        TCP_TIMESTAMP_OPTION_BYTES
    } else {
        0
    });
    if receiver.duplicate_acks + receiver.sack_segments == 0 {
        return None;
    }
    // The missing data, as the receiver sees it: a hole never filled. The segment it lost
    // was at most a full one; the hole must hold more than anything that ever arrived.
    let (gap, missing) = from.gaps.iter().filter(|g| !g.acked_unseen).find_map(|g| {
        let missing = u32::try_from(g.bytes).unwrap_or(u32::MAX).min(full);
        (missing > BLACKHOLE_MIN_LOST_SEGMENT && from.max_segment < missing).then_some((g, missing))
    })?;
    // Delivery after it: the sender's segment that revealed the hole (sent after the missing
    // bytes), smaller than them, acknowledged by the receiver.
    let (after, ack) = t
        .timeline
        .packets()
        .filter(|p| p.from == sender && p.frame >= gap.frame && p.payload_len > 0)
        .find_map(|p| first_ack_after(c, sender, p.seq, end_of(p), p.frame).map(|a| (p, a)))?;
    let by_sack = !super::seq_ge(ack.ack, end_of(after));
    let mut f = Finding::new(
        "tcp.mtu_blackhole",
        Severity::Error,
        c.stream,
        vec![after.frame, ack.frame],
        format!(
            "{} bytes of the {}'s data never arrived (hole before frame {}; a full segment carries {full} bytes, the {} announced MSS {mss}), while its {}-byte segment sent after them did (frame {}): the {}'s {} in frame {} covers it; no segment of {missing} bytes or more ever arrived (largest {} bytes); the {} sent {} duplicate ACKs / {} SACKs; no ICMP fragmentation-needed arrived",
            gap.bytes,
            side_word(sender),
            gap.frame,
            side_word(sender.other()),
            after.payload_len,
            after.frame,
            side_word(sender.other()),
            if by_sack { "SACK" } else { "ACK" },
            ack.frame,
            from.max_segment,
            side_word(sender.other()),
            receiver.duplicate_acks,
            receiver.sack_segments,
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
