//! `tcp.handshake_stall`: during connection setup one side asked and the other stayed
//! silent for longer than [`HANDSHAKE_STALL_SECS`]: a hung service, a client waiting on
//! its user (certificate prompt), or packets lost for good.
//!
//! A side is only called silent *after* the message once its TCP acknowledged it (an ACK
//! covering the message's last byte, RFC 9293 §3.4): then the message was delivered and the
//! application did not answer. Otherwise the message was not acknowledged — not delivered,
//! as far as the capture shows — and the finding says so, with the last packet the waiting
//! side sent.

use super::{TcpView, first_ack_after};
use crate::detect::thresholds::HANDSHAKE_STALL_SECS;
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::flow::timeline::PacketMeta;
use crate::state::phase::Phase;

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

pub fn detect(views: &[TcpView<'_>], skip: &[u64]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let c = v.conversation;
        if skip.contains(&c.stream)
            || v.phase.phase <= Phase::SynSent
            || v.phase.phase >= Phase::Session
        {
            continue;
        }
        let Some(t) = c.tcp.as_ref() else { continue };
        if t.timeline.has_hole() {
            continue;
        }
        // New data (not retransmissions), in order.
        let mut high = [None::<u32>, None::<u32>];
        let mut progress: Vec<&PacketMeta> = Vec::new();
        for p in t.timeline.packets() {
            let i = usize::from(p.from == Side::Server);
            let end = p.seq.wrapping_add(p.payload_len);
            let new = p.payload_len > 0 && high[i].is_none_or(|h| (end.wrapping_sub(h) as i32) > 0);
            if new {
                high[i] = Some(end);
                progress.push(p);
            }
        }
        let Some(end_ts) = t.timeline.packets().last().map(|p| p.ts) else {
            continue;
        };
        let end_frame = c.last_frame;
        // The longest silence that follows a message of one side, before the other answers.
        let mut worst: Option<(f64, &PacketMeta, Option<&PacketMeta>)> = None;
        for (i, p) in progress.iter().enumerate() {
            let answer = progress[i + 1..].iter().find(|q| q.from != p.from).copied();
            let silence = p.ts.secs_until(answer.map_or(end_ts, |q| q.ts));
            // A client silent after the server's data is only a stall before the encrypted
            // exchange (later the client just idles in the session).
            let relevant = p.from == Side::Client || v.phase.phase < Phase::PostTls;
            if relevant
                && silence > HANDSHAKE_STALL_SECS
                && worst.is_none_or(|(w, _, _)| silence > w)
            {
                worst = Some((silence, p, answer));
            }
        }
        let Some((silence, asked, answer)) = worst else {
            continue;
        };
        let waiting_side = asked.from.other();
        let waiting = side_word(waiting_side);
        let until = match answer {
            Some(q) => format!("until frame {}", q.frame),
            None => format!("until the connection's last packet (frame {end_frame})"),
        };
        let acked = first_ack_after(
            c,
            asked.from,
            asked.seq,
            asked.seq.wrapping_add(asked.payload_len),
            asked.frame,
        );
        let mut frames = vec![asked.frame];
        let summary = match acked {
            Some(a) => {
                frames.push(a.frame);
                format!(
                    "the {waiting} sent no data for {silence:.1} s after the {}'s {} bytes (frame {}), which it acknowledged (frame {}), {until}, in phase \"{}\"",
                    side_word(asked.from),
                    asked.payload_len,
                    asked.frame,
                    a.frame,
                    v.phase.phase.words()
                )
            }
            None => {
                // The waiting side's last packet: its ACK stops short of the message.
                let last = t
                    .timeline
                    .packets()
                    .filter(|p| p.from == waiting_side)
                    .last();
                let heard = match last {
                    Some(p) if p.frame > asked.frame => {
                        frames.push(p.frame);
                        format!(
                            "; the {waiting}'s last packet (frame {}) does not acknowledge them",
                            p.frame
                        )
                    }
                    _ => format!("; the {waiting} sent nothing after them"),
                };
                format!(
                    "the {}'s {} bytes (frame {}) were not acknowledged by the {waiting} (not delivered, as far as the capture shows){heard}; no data came back for {silence:.1} s, {until}, in phase \"{}\"",
                    side_word(asked.from),
                    asked.payload_len,
                    asked.frame,
                    v.phase.phase.words()
                )
            }
        };
        frames.push(answer.map_or(end_frame, |q| q.frame));
        frames.sort_unstable();
        frames.dedup();
        let mut f = Finding::new(
            "tcp.handshake_stall",
            Severity::Error,
            c.stream,
            frames,
            summary,
        );
        f.meaning = Some(match (asked.from, acked.is_some()) {
            (Side::Client, true) => "The server accepted the TCP connection and acknowledged the request, but its service does not answer (hung or overloaded TermService / xrdp, a proxy holding the connection). mstsc gives up after about 20 s. Check the service on the server (restart TermService) and any proxy in between.",
            (Side::Server, true) => "The client stopped answering during setup: usually a prompt waiting for the user (certificate warning, credentials), or the client is hung.",
            (_, false) => "The message did not reach the other side, or its acknowledgement did not come back: the peer went away or something on the path (a firewall, a VPN, a black hole) drops this traffic after the TCP handshake. Capture at the other end to see whether it arrived.",
        }
        .into());
        out.push(f);
    }
    out
}
