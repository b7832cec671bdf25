//! A bounded per-connection record of TCP packet metadata (no payload): the first
//! [`HEAD`] packets and the last [`TAIL`] packets, so detectors can look at the handshake
//! and at how the connection ended (TTL, IP ID, flags, sequence numbers, timing) without
//! memory growing with the connection's length.

use super::Side;
use crate::capture::Timestamp;
use serde::Serialize;
use std::collections::VecDeque;

pub const HEAD: usize = 64;
pub const TAIL: usize = 32;

/// What one TCP packet looked like.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PacketMeta {
    pub frame: u64,
    pub ts: Timestamp,
    pub from: Side,
    /// TCP flag bits (see `net::TcpFlags`).
    pub flags: u16,
    pub seq: u32,
    pub ack: u32,
    pub payload_len: u32,
    pub window: u16,
    pub ttl: u8,
    pub ip_id: Option<u16>,
    pub dont_fragment: bool,
    pub has_timestamp_option: bool,
    pub sack_blocks: u8,
    /// SACK blocks (left edge, right edge); the first `sack_blocks` are meaningful.
    #[serde(skip)]
    pub sack: [(u32, u32); 4],
    /// Wire length of the frame.
    pub frame_len: u32,
}

/// The first and last packets of a connection.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    head: Vec<PacketMeta>,
    tail: VecDeque<PacketMeta>,
    /// Packets seen in total (head + tail + those in between, not kept).
    pub total: u64,
}

impl Timeline {
    pub fn push(&mut self, meta: PacketMeta) {
        self.total += 1;
        if self.head.len() < HEAD {
            if self.head.capacity() == 0 {
                // Room for one: most conversations of a flood or a scan are one SYN (a
                // growing Vec of these would start with room for four).
                self.head.reserve_exact(1);
            }
            self.head.push(meta);
            return;
        }
        if self.tail.len() == TAIL {
            self.tail.pop_front();
        }
        self.tail.push_back(meta);
    }

    /// Kept packets in capture order (the middle of long connections is skipped).
    pub fn packets(&self) -> impl Iterator<Item = &PacketMeta> {
        self.head.iter().chain(self.tail.iter())
    }

    /// The last frame of the kept head (packets after it, up to the tail, may be skipped).
    pub fn head_end(&self) -> Option<u64> {
        self.head.last().map(|p| p.frame)
    }

    /// True when packets between the head and the tail were not kept.
    pub fn has_hole(&self) -> bool {
        self.total > (self.head.len() + self.tail.len()) as u64
    }

    pub(super) fn flip_sides(&mut self) {
        for p in self.head.iter_mut().chain(self.tail.iter_mut()) {
            p.from = p.from.other();
        }
    }
}
