//! The most recent raw frames of a live capture, kept so a failed connection can be saved
//! with the packets that show it after it has been judged (`rdptriage live` writes them with
//! `pcapng_write`). Bounded by a byte budget: the oldest frames go first.

use super::{Frame, Timestamp};
use std::collections::VecDeque;

/// Byte budget by default: 64 MiB, about a minute of a busy RDP session (≈ 1 MB/s of
/// bitmaps) or the connection attempts of several minutes of ordinary traffic, while staying
/// small next to the memory of the machine capturing.
pub const DEFAULT_RECENT_BYTES: usize = 64 << 20;

/// One frame held, with its own copy of the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentFrame {
    pub number: u64,
    pub ts: Timestamp,
    pub link_type: u32,
    pub wire_len: u32,
    pub data: Vec<u8>,
}

impl RecentFrame {
    /// A copy of `frame`.
    pub fn of(frame: &Frame<'_>) -> RecentFrame {
        RecentFrame {
            number: frame.number,
            ts: frame.ts,
            link_type: frame.link_type,
            wire_len: frame.wire_len,
            data: frame.data.to_vec(),
        }
    }

    /// The frame again, as the pipeline reads it.
    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            number: self.number,
            ts: self.ts,
            link_type: self.link_type,
            interface: 0,
            wire_len: self.wire_len,
            data: &self.data,
        }
    }

    /// Bytes this frame counts against the budget: its captured bytes plus the record itself.
    fn cost(&self) -> usize {
        self.data.len() + std::mem::size_of::<RecentFrame>()
    }
}

/// A ring of the most recent frames, in the order pushed (frame numbers increasing).
#[derive(Debug, Clone)]
pub struct RecentFrames {
    frames: VecDeque<RecentFrame>,
    budget: usize,
    held_bytes: usize,
    evicted_frames: u64,
    evicted_bytes: u64,
}

impl Default for RecentFrames {
    fn default() -> Self {
        RecentFrames::new(DEFAULT_RECENT_BYTES)
    }
}

impl RecentFrames {
    /// A ring holding at most `budget` bytes (captured bytes plus a per-frame record).
    pub fn new(budget: usize) -> RecentFrames {
        RecentFrames {
            frames: VecDeque::new(),
            budget,
            held_bytes: 0,
            evicted_frames: 0,
            evicted_bytes: 0,
        }
    }

    /// Copies `frame` in, evicting the oldest frames until the budget holds. A frame larger
    /// than the whole budget is not kept (and counts as evicted). Frames are expected in
    /// increasing number order, as a capture delivers them.
    pub fn push(&mut self, frame: &Frame<'_>) {
        let held = RecentFrame::of(frame);
        let cost = held.cost();
        if cost > self.budget {
            self.evicted_frames += 1;
            self.evicted_bytes += frame.data.len() as u64;
            return;
        }
        while self.held_bytes + cost > self.budget {
            match self.frames.pop_front() {
                Some(old) => {
                    self.held_bytes -= old.cost();
                    self.evicted_frames += 1;
                    self.evicted_bytes += old.data.len() as u64;
                }
                None => break,
            }
        }
        self.held_bytes += cost;
        self.frames.push_back(held);
    }

    /// The held frames numbered `first..=last`, oldest first (fewer, or none, when some were
    /// evicted or not yet seen).
    pub fn iter_range(&self, first: u64, last: u64) -> impl Iterator<Item = &RecentFrame> {
        let start = self.frames.partition_point(|f| f.number < first);
        self.frames
            .range(start..)
            .take_while(move |f| f.number <= last)
    }

    /// Number of the oldest frame still held.
    pub fn oldest_number(&self) -> Option<u64> {
        self.frames.front().map(|f| f.number)
    }

    /// Number of the newest frame held.
    pub fn newest_number(&self) -> Option<u64> {
        self.frames.back().map(|f| f.number)
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Bytes counted against the budget now.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Frames dropped from the ring (or never kept) to stay within the budget.
    pub fn evicted_frames(&self) -> u64 {
        self.evicted_frames
    }

    /// Captured bytes of those frames.
    pub fn evicted_bytes(&self) -> u64 {
        self.evicted_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REC: usize = std::mem::size_of::<RecentFrame>();

    fn frame(number: u64, data: &[u8]) -> Frame<'_> {
        Frame {
            number,
            ts: Timestamp(number as i64 * 1_000),
            link_type: 1,
            interface: 0,
            wire_len: data.len() as u32 + 4,
            data,
        }
    }

    #[test]
    fn evicts_oldest_to_stay_within_budget() {
        // Room for exactly three 100-byte frames.
        let mut ring = RecentFrames::new(3 * (100 + REC));
        let bytes = [7u8; 100];
        for n in 1..=3 {
            ring.push(&frame(n, &bytes));
        }
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.evicted_frames(), 0);
        assert_eq!(ring.held_bytes(), 3 * (100 + REC));
        ring.push(&frame(4, &bytes));
        assert_eq!(ring.oldest_number(), Some(2));
        assert_eq!(ring.newest_number(), Some(4));
        assert_eq!((ring.evicted_frames(), ring.evicted_bytes()), (1, 100));
        // A 150-byte frame needs the room of two more 100-byte ones.
        ring.push(&frame(5, &[1u8; 150]));
        assert_eq!(ring.oldest_number(), Some(4));
        assert_eq!(ring.len(), 2);
        assert_eq!((ring.evicted_frames(), ring.evicted_bytes()), (3, 300));
        assert!(ring.held_bytes() <= ring.budget());
        // Larger than the whole budget: not kept, nothing else lost.
        ring.push(&frame(6, &vec![0u8; 3 * (100 + REC)]));
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.newest_number(), Some(5));
        assert_eq!(ring.evicted_frames(), 4);
        let kept: Vec<_> = ring.iter_range(0, u64::MAX).collect();
        assert_eq!(kept[1].data, vec![1u8; 150]);
        assert_eq!(kept[1].wire_len, 154);
        assert_eq!(kept[1].ts, Timestamp(5_000));
    }

    #[test]
    fn range_gives_held_frames_in_order() {
        let mut ring = RecentFrames::new(5 * (10 + REC));
        let bytes = [0u8; 10];
        for n in 1..=8 {
            ring.push(&frame(n, &bytes));
        }
        // Frames 4..=8 are held.
        assert_eq!(ring.oldest_number(), Some(4));
        let numbers = |a, b| ring.iter_range(a, b).map(|f| f.number).collect::<Vec<_>>();
        assert_eq!(numbers(5, 7), vec![5, 6, 7]);
        assert_eq!(numbers(1, 5), vec![4, 5]);
        assert_eq!(numbers(7, 100), vec![7, 8]);
        assert_eq!(numbers(1, 3), Vec::<u64>::new());
        assert_eq!(numbers(9, 12), Vec::<u64>::new());
        assert_eq!(numbers(6, 6), vec![6]);
        assert_eq!(numbers(7, 5), Vec::<u64>::new());
        assert!(RecentFrames::default().iter_range(0, 10).next().is_none());
        assert_eq!(RecentFrames::default().budget(), 64 << 20);
    }
}
