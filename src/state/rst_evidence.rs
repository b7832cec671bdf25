//! Evidence that a TCP reset was not sent by the endpoint it claims to come from
//! (RDP-FACTS §8.2). Each reset of a connection is compared with the claimed sender's other
//! packets; every signal found is listed with its weight, and the injector's distance is
//! estimated from the TTL.

use super::phase::handshake_rtt_secs;
use super::thresholds::*;
use crate::flow::timeline::PacketMeta;
use crate::flow::{Conversation, Side};
use crate::net::TcpFlags;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Signal {
    pub name: &'static str,
    pub weight: f64,
    pub detail: String,
}

/// The judgement material for one reset.
#[derive(Debug, Clone, Serialize)]
pub struct RstVerdict {
    pub frame: u64,
    pub from: Side,
    pub ttl: u8,
    /// TTL the claimed sender's other packets carry (when they all agree).
    pub sender_ttl: Option<u8>,
    pub signals: Vec<Signal>,
    pub score: f64,
    /// Hops between the capture point and whoever sent the reset / the real endpoint,
    /// from the TTL and the nearest common initial TTL (32, 64, 128, 255).
    pub rst_hops: u8,
    pub sender_hops: Option<u8>,
}

impl RstVerdict {
    pub fn injected(&self) -> bool {
        self.score >= RST_INJECTED_MIN_SCORE
    }
}

/// Hops a packet travelled, assuming the sender used the nearest common initial TTL.
pub fn hops(ttl: u8) -> u8 {
    let initial: u16 = [32u16, 64, 128, 255]
        .into_iter()
        .find(|&i| u16::from(ttl) <= i)
        .unwrap_or(255);
    (initial - u16::from(ttl)) as u8
}

fn mode<T: Copy + Eq>(values: impl Iterator<Item = T>) -> Option<(T, bool)> {
    let v: Vec<T> = values.collect();
    let first = *v.first()?;
    Some((first, v.iter().all(|&x| x == first)))
}

pub fn judge_resets(c: &Conversation) -> Vec<RstVerdict> {
    let Some(tcp) = c.tcp.as_ref() else {
        return Vec::new();
    };
    let packets: Vec<&PacketMeta> = tcp.timeline.packets().collect();
    let rtt = handshake_rtt_secs(c);
    let mut out = Vec::new();
    for (i, rst) in packets.iter().enumerate() {
        if !TcpFlags(rst.flags).rst() {
            continue;
        }
        let reference: Vec<&&PacketMeta> = packets
            .iter()
            .filter(|p| p.from == rst.from && !TcpFlags(p.flags).rst())
            .collect();
        let mut signals = Vec::new();
        let mut sender_ttl = None;
        if reference.len() >= RST_MIN_REFERENCE_PACKETS
            && let Some((ttl, consistent)) = mode(reference.iter().map(|p| p.ttl))
            && consistent
        {
            sender_ttl = Some(ttl);
            if rst.ttl != ttl {
                signals.push(Signal {
                    name: "ttl_mismatch",
                    weight: 2.0,
                    detail: format!(
                        "TTL {} while all {} other packets of the {} carry TTL {ttl} ({} vs {} hops away)",
                        rst.ttl,
                        reference.len(),
                        side_word(rst.from),
                        hops(rst.ttl),
                        hops(ttl)
                    ),
                });
            }
        }
        // Data, FIN or more segments from the claimed sender after its own reset.
        if let Some(after) = packets[i + 1..].iter().find(|p| {
            p.from == rst.from
                && !TcpFlags(p.flags).rst()
                && (p.payload_len > 0 || TcpFlags(p.flags).fin())
        }) {
            signals.push(Signal {
                name: "data_after_reset",
                weight: 2.0,
                detail: format!(
                    "the {} kept sending after its reset (frame {})",
                    side_word(rst.from),
                    after.frame
                ),
            });
        }
        // Too fast: faster than the round trip to the endpoint allows, answering the peer.
        if let (Some(rtt), Some(trigger)) =
            (rtt, packets[..i].iter().rev().find(|p| p.from != rst.from))
            && rtt > 0.002
        {
            let delay = trigger.ts.secs_until(rst.ts);
            let captured_near_peer = sender_ttl.is_some_and(|t| hops(t) > 0);
            if captured_near_peer && delay >= 0.0 && delay < RST_TOO_FAST_RTT_FRACTION * rtt {
                signals.push(Signal {
                    name: "too_fast",
                    // Medium only: the reset may not answer the packet just before it.
                    weight: 1.0,
                    detail: format!(
                        "arrived {:.1} ms after frame {}, less than half the {:.1} ms round trip to the {}",
                        delay * 1000.0,
                        trigger.frame,
                        rtt * 1000.0,
                        side_word(rst.from)
                    ),
                });
            }
        }
        // IP ID out of the sender's sequence.
        let ids: Vec<u16> = reference
            .iter()
            .filter(|p| p.frame < rst.frame)
            .filter_map(|p| p.ip_id)
            .collect();
        if ids.len() >= RST_MIN_REFERENCE_PACKETS
            && let (Some(&last), Some(id)) = (ids.last(), rst.ip_id)
        {
            let increasing = ids
                .windows(2)
                .all(|w| w[1].wrapping_sub(w[0]) < RST_IP_ID_AHEAD);
            let distinct = ids.windows(2).any(|w| w[1] != w[0]);
            let delta = id.wrapping_sub(last);
            if increasing
                && distinct
                && delta > RST_IP_ID_AHEAD
                && delta < u16::MAX - RST_IP_ID_BEHIND
            {
                signals.push(Signal {
                    name: "ip_id_out_of_sequence",
                    weight: 1.0,
                    detail: format!(
                        "IP ID {id} while the {}'s last was {last}",
                        side_word(rst.from)
                    ),
                });
            }
        }
        // Resets in both directions within a millisecond.
        if let Some(other) = packets.iter().find(|p| {
            p.from != rst.from
                && TcpFlags(p.flags).rst()
                && rst.ts.secs_until(p.ts).abs() <= RST_BOTH_WAYS_SECS
        }) {
            signals.push(Signal {
                name: "both_directions",
                weight: 1.0,
                detail: format!(
                    "the {} was reset within 1 ms too (frame {})",
                    side_word(other.from),
                    other.frame
                ),
            });
        }
        // Header style unlike the sender's.
        if let Some((df, consistent)) = mode(reference.iter().map(|p| p.dont_fragment))
            && consistent
            && reference.len() >= RST_MIN_REFERENCE_PACKETS
            && rst.dont_fragment != df
        {
            signals.push(Signal {
                name: "df_bit_differs",
                weight: 0.5,
                detail: format!(
                    "DF bit {} unlike the {}'s other packets",
                    u8::from(rst.dont_fragment),
                    side_word(rst.from)
                ),
            });
        }
        let score = signals.iter().map(|s| s.weight).sum();
        out.push(RstVerdict {
            frame: rst.frame,
            from: rst.from,
            ttl: rst.ttl,
            sender_ttl,
            signals,
            score,
            rst_hops: hops(rst.ttl),
            sender_hops: sender_ttl.map(hops),
        });
    }
    out
}

pub fn side_word(side: Side) -> &'static str {
    match side {
        Side::Client => "client",
        Side::Server => "server",
    }
}

#[cfg(test)]
mod tests {
    use super::hops;

    #[test]
    fn hops_from_common_initial_ttls() {
        assert_eq!(hops(64), 0);
        assert_eq!(hops(63), 1);
        assert_eq!(hops(128), 0);
        assert_eq!(hops(113), 15);
        assert_eq!(hops(250), 5);
    }
}
