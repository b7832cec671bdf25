//! Passive sequence accounting of one RDP-UDP direction (MS-RDPEUDP 3.1.1.2–3.1.1.4,
//! RDP-FACTS §5.5): every DATA datagram (source or FEC) takes the next `snCoded`, so a jump in
//! `snCoded` is datagrams the capture point never saw; a source datagram whose `snSourceStart`
//! was already seen is a retransmission. Bounded: a 256-number window of seen source numbers.

use serde::Serialize;

/// Source sequence numbers remembered below the highest one seen.
const WINDOW: u32 = 256;
/// A forward jump of `snCoded` larger than this is not loss but a restart or garbage.
const MAX_PLAUSIBLE_GAP: u32 = 1024;

/// Counters of one direction's DATA datagrams.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SequenceCounts {
    /// `snCoded` numbers skipped: datagrams sent that never passed the capture point.
    pub missing: u64,
    /// DATA datagrams arriving with an `snCoded` below one already seen.
    pub late: u64,
    /// Source datagrams repeating an `snSourceStart` already seen (the sender thought the
    /// first copy, or its acknowledgement, lost).
    pub retransmissions: u64,
    /// `snCoded` jumps too large to be loss (a restarted sender, or garbage).
    pub jumps: u64,
}

impl SequenceCounts {
    /// Datagrams lost on either side of the capture point: skipped before it, or
    /// retransmitted because lost after it.
    pub fn lost(&self) -> u64 {
        self.missing + self.retransmissions
    }
}

/// The state behind [`SequenceCounts`]; serialises as the counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SequenceTracker {
    #[serde(skip)]
    next_coded: Option<u32>,
    #[serde(skip)]
    highest_source: Option<u32>,
    /// Bit i: `highest_source - i` was seen.
    #[serde(skip)]
    seen: [u64; (WINDOW / 64) as usize],
    #[serde(flatten)]
    pub counts: SequenceCounts,
}

impl SequenceTracker {
    /// Accounts one DATA datagram; `source_start` is `None` for FEC datagrams.
    pub fn data(&mut self, sn_coded: u32, source_start: Option<u32>) {
        match self.next_coded {
            None => self.next_coded = Some(sn_coded.wrapping_add(1)),
            Some(next) => {
                let ahead = sn_coded.wrapping_sub(next);
                if ahead < MAX_PLAUSIBLE_GAP {
                    self.counts.missing += u64::from(ahead);
                    self.next_coded = Some(sn_coded.wrapping_add(1));
                } else if next.wrapping_sub(sn_coded) <= MAX_PLAUSIBLE_GAP {
                    self.counts.late += 1;
                    self.counts.missing = self.counts.missing.saturating_sub(1);
                } else {
                    self.counts.jumps += 1;
                    self.next_coded = Some(sn_coded.wrapping_add(1));
                }
            }
        }
        if let Some(s) = source_start {
            self.source(s);
        }
    }

    fn source(&mut self, s: u32) {
        let Some(high) = self.highest_source else {
            self.highest_source = Some(s);
            self.set(0);
            return;
        };
        let ahead = s.wrapping_sub(high);
        if ahead != 0 && ahead < MAX_PLAUSIBLE_GAP {
            self.shift(ahead);
            self.highest_source = Some(s);
            self.set(0);
            return;
        }
        let behind = high.wrapping_sub(s);
        if behind >= WINDOW {
            // Older than the window (or garbage): count it as a repeat.
            self.counts.retransmissions += 1;
        } else if self.is_set(behind) {
            self.counts.retransmissions += 1;
        } else {
            self.set(behind);
        }
    }

    fn set(&mut self, i: u32) {
        self.seen[(i / 64) as usize] |= 1 << (i % 64);
    }
    fn is_set(&self, i: u32) -> bool {
        self.seen[(i / 64) as usize] & (1 << (i % 64)) != 0
    }
    fn shift(&mut self, by: u32) {
        if by >= WINDOW {
            self.seen = [0; (WINDOW / 64) as usize];
            return;
        }
        let words = (by / 64) as usize;
        let bits = by % 64;
        let n = self.seen.len();
        for i in (0..n).rev() {
            let lo = if i >= words { self.seen[i - words] } else { 0 };
            let carry = if bits > 0 && i > words {
                self.seen[i - words - 1] >> (64 - bits)
            } else {
                0
            };
            self.seen[i] = if bits > 0 { (lo << bits) | carry } else { lo };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_late_and_retransmissions() {
        let mut t = SequenceTracker::default();
        for n in [10u32, 11, 14, 12] {
            t.data(n, Some(n));
        }
        // 12 and 13 skipped, then 12 arrives late.
        assert_eq!((t.counts.missing, t.counts.late), (1, 1));
        // A retransmission of source 11 under a new snCoded.
        t.data(15, Some(11));
        assert_eq!(t.counts.retransmissions, 1);
        // 300 numbers on, 11 is out of the window: still a repeat.
        t.data(315, Some(315));
        assert_eq!(t.counts.missing, 1 + 299);
        t.data(316, Some(11));
        assert_eq!(t.counts.retransmissions, 2);
        // Source numbers 100 apart keep their bits across word boundaries.
        let mut t = SequenceTracker::default();
        for s in [0u32, 70, 170, 199] {
            t.data(s, Some(s));
        }
        t.data(200, Some(70));
        t.data(201, Some(100));
        assert_eq!(t.counts.retransmissions, 1);
        assert_eq!(t.counts.jumps, 0);
        // Wrap-around of the 32-bit numbers is not a jump.
        let mut t = SequenceTracker::default();
        t.data(u32::MAX, Some(u32::MAX));
        t.data(0, Some(0));
        assert_eq!((t.counts.missing, t.counts.jumps), (0, 0));
    }
}
