//! TCP reassembly and sequence analysis for one direction of a conversation.
//!
//! Sequence numbers are tracked relative to the direction's start (1 = the first byte after
//! the SYN, or the first byte seen when the capture starts mid-stream), through wraparound.
//! Every segment is classified: in order, previous segment not captured (opens a *hole*),
//! out-of-order (fills a hole), retransmission (covers only bytes already seen), keep-alive,
//! zero window. Holes still open when the capture ends, or pushed out by the hole cap, are
//! reported as gaps with their byte counts; bytes the peer acknowledged but the capture
//! never saw are gaps too.
//!
//! Delivery: when a consumer is attached, bytes are handed over in order, straight from the
//! packet buffer when the segment is the next expected one; out-of-order segments are copied
//! into a per-direction buffer capped at [`MAX_BUFFERED_BYTES`]. Overlap policy: **the first
//! copy of a byte wins** — a retransmission that carries different bytes for a range already
//! delivered or buffered at the same offset is ignored (as Linux and Windows receivers do
//! for data already received). A gap is declared (and the consumer told) when the direction
//! ends with FIN or RST, when the capture ends, when the buffer cap is hit, or when the
//! flow table's budget over all conversations evicts the buffer ([`TcpDirection::evict`]).

use super::Side;
use super::consumer::{Chunk, StreamConsumer, Want};
use crate::capture::Timestamp;
use crate::net::{TcpOptions, TcpSegment};
use serde::Serialize;
use std::collections::BTreeMap;

/// Bytes of out-of-order data buffered per direction while a consumer waits for a hole.
pub const MAX_BUFFERED_BYTES: usize = 1 << 20;
/// Open holes tracked per direction; the oldest beyond this becomes a gap at once.
pub const MAX_OPEN_HOLES: usize = 64;
/// Gaps listed per direction (all are counted).
pub const MAX_LISTED_GAPS: usize = 32;
/// Frames listed per kind of event (SYN, RST, zero window) per direction.
pub const MAX_LISTED_FRAMES: usize = 16;
/// An ACK further ahead than this is not taken as evidence of unseen data.
const MAX_ACK_JUMP: u64 = 1 << 30;

/// A range of a direction's stream that was never captured.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Gap {
    /// Stream offset of the first missing byte (1 = first byte after the SYN).
    pub offset: u64,
    pub bytes: u64,
    /// Frame at which the gap became visible.
    pub frame: u64,
    /// True when only the peer's ACK revealed the missing bytes.
    pub acked_unseen: bool,
}

/// Frame numbers of one kind of event: the first few, and how many in total.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FrameList {
    pub count: u64,
    pub frames: Vec<u64>,
}

impl FrameList {
    pub fn push(&mut self, frame: u64) {
        self.count += 1;
        if self.frames.len() < MAX_LISTED_FRAMES {
            self.frames.push(frame);
        }
    }
    pub fn first(&self) -> Option<u64> {
        self.frames.first().copied()
    }
}

/// What one direction did, as counted by reassembly.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TcpDirectionStats {
    pub isn: Option<u32>,
    /// No SYN seen in this direction before its data.
    pub midstream: bool,
    /// Options of the first SYN / SYN+ACK sent in this direction.
    pub syn_options: Option<TcpOptions>,
    pub syn: FrameList,
    pub fin: FrameList,
    pub rst: FrameList,
    pub zero_window: FrameList,
    pub retransmissions: u64,
    pub retransmitted_bytes: u64,
    pub out_of_order: u64,
    pub keepalives: u64,
    /// Pure ACKs repeating the previous ACK number and window (RFC 5681 duplicate ACKs).
    pub duplicate_acks: u64,
    /// Segments carrying SACK blocks.
    pub sack_segments: u64,
    /// Largest payload sent in one segment.
    pub max_segment: u32,
    /// Segments carrying payload.
    pub data_segments: u64,
    /// Exact copies of the previous packet (same IPv4 ID): captured twice, not resent.
    pub duplicate_frames: u64,
    pub gap_count: u64,
    pub gap_bytes: u64,
    pub gaps: Vec<Gap>,
    /// Stream bytes handed to the consumer.
    pub delivered_bytes: u64,
    /// Times the reassembly buffer cap forced a gap.
    pub buffer_cap_hits: u64,
    /// Times the global reassembly budget (over all conversations) evicted this
    /// direction's buffered bytes, forcing a gap.
    pub budget_evictions: u64,
    /// Highest relative sequence seen (stream length incl. SYN/FIN).
    pub stream_length: u64,
}

struct Buffered {
    data: Vec<u8>,
    /// Sequence-space length the segment claimed (≥ data.len() when cut by the snaplen).
    claimed: u64,
    frame: u64,
    ts: Timestamp,
}

/// Reassembly state of one direction.
#[derive(Default)]
pub struct TcpDirection {
    started: bool,
    /// Capture time of the segment that set `high_rel`.
    high_ts: Timestamp,
    last_packet: Option<(u32, u32, u32, u16, Option<u16>)>,
    last_ack: Option<(u32, u16)>,
    first_seq: Option<u32>,
    high_seq: u32,
    high_rel: u64,
    holes: Vec<(u64, u64, u64)>,
    deliver_rel: u64,
    buffered: BTreeMap<u64, Buffered>,
    buffered_bytes: usize,
    /// False once the consumer said it is done (or none is attached).
    pub delivering: bool,
    pub stats: TcpDirectionStats,
}

impl TcpDirection {
    pub fn new(delivering: bool) -> Self {
        TcpDirection {
            delivering,
            ..Default::default()
        }
    }

    fn rel(&self, seq: u32) -> u64 {
        let diff = i64::from(seq.wrapping_sub(self.high_seq) as i32);
        (self.high_rel as i64 + diff).max(0) as u64
    }

    /// Processes one segment sent in this direction.
    pub fn segment(
        &mut self,
        seg: &TcpSegment<'_>,
        ip_id: Option<u16>,
        ooo_threshold_ns: i64,
        frame: u64,
        ts: Timestamp,
        mut consumer: Option<(&mut (dyn StreamConsumer + 'static), Side)>,
    ) {
        // The same packet captured twice (same IPv4 ID, flags, numbers): a capture artifact
        // (span port seeing both directions, merged captures), not a retransmission by the
        // sender — though Wireshark counts it as one, and so do the counters below.
        let fingerprint = (seg.seq, seg.ack, seg.payload_len, seg.flags.0, ip_id);
        if ip_id.is_some() && self.last_packet == Some(fingerprint) {
            self.stats.duplicate_frames += 1;
        }
        self.last_packet = Some(fingerprint);
        let syn = seg.flags.syn();
        let fin = seg.flags.fin();
        let rst = seg.flags.rst();
        if syn {
            self.stats.syn.push(frame);
            if self.stats.syn_options.is_none() {
                self.stats.syn_options = Some(seg.options);
            }
        }
        if fin {
            self.stats.fin.push(frame);
        }
        if rst {
            self.stats.rst.push(frame);
        }
        if seg.window == 0 && !syn && !fin && !rst {
            self.stats.zero_window.push(frame);
        }
        if seg.options.sack_blocks > 0 {
            self.stats.sack_segments += 1;
        }
        self.stats.max_segment = self.stats.max_segment.max(seg.payload_len);
        if seg.payload_len > 0 {
            self.stats.data_segments += 1;
        }
        if seg.flags.ack() && !syn && !fin && !rst {
            let this = (seg.ack, seg.window);
            if seg.payload_len == 0 && self.last_ack == Some(this) {
                self.stats.duplicate_acks += 1;
            }
            self.last_ack = Some(this);
        }
        if !self.started {
            self.started = true;
            self.first_seq = Some(seg.seq);
            if syn {
                self.stats.isn = Some(seg.seq);
                self.high_seq = seg.seq;
                self.high_rel = 0;
            } else {
                self.stats.midstream = true;
                self.high_seq = seg.seq;
                self.high_rel = 1;
            }
            self.deliver_rel = 1;
        }
        if rst {
            // A reset's sequence number says nothing about stream data.
            self.flush(consumer.as_mut().map(|(c, s)| (&mut **c, *s)));
            return;
        }
        let len = u64::from(seg.payload_len);
        let syn_at = self.rel(seg.seq);
        if syn && self.stats.syn.count > 1 && syn_at < self.high_rel {
            // The same SYN again (Wireshark counts it as a retransmission too).
            self.stats.retransmissions += 1;
        }
        let start = syn_at + u64::from(syn);
        let data_end = start + len;
        let seq_end = data_end + u64::from(fin);
        if !syn && !fin && len <= 1 && start + 1 == self.high_rel {
            self.stats.keepalives += 1;
            return;
        }
        if seq_end > start || syn {
            if start >= self.high_rel {
                if start > self.high_rel && len > 0 {
                    self.open_hole(self.high_rel, start, frame);
                }
                self.advance(
                    seq_end,
                    seg.seq
                        .wrapping_add(u32::from(syn))
                        .wrapping_add(seg.payload_len)
                        .wrapping_add(u32::from(fin)),
                    ts,
                );
            } else if len > 0 {
                let filled = self.fill_holes(start, data_end);
                // Wireshark's rule (packet-tcp.c): a segment below the highest sequence seen
                // is out-of-order only if it comes within the handshake RTT (3 ms when
                // unknown) of the segment that set that highest sequence number; later, it is
                // a retransmission (of a segment lost before the capture point).
                let soon = ts.0 - self.high_ts.0 < ooo_threshold_ns && seq_end != self.high_rel;
                if filled > 0 && soon {
                    self.stats.out_of_order += 1;
                } else {
                    self.stats.retransmissions += 1;
                    self.stats.retransmitted_bytes += len.min(self.high_rel.saturating_sub(start));
                }
                if seq_end > self.high_rel {
                    let new_seq = seg
                        .seq
                        .wrapping_add(u32::from(syn))
                        .wrapping_add(seg.payload_len)
                        .wrapping_add(u32::from(fin));
                    self.advance(seq_end, new_seq, ts);
                }
            }
        }
        if len > 0
            && self.delivering
            && let Some((c, side)) = consumer.as_mut()
        {
            self.deliver(start, seg.payload, len, frame, ts, &mut **c, *side);
        }
        if fin {
            self.flush(consumer.as_mut().map(|(c, s)| (&mut **c, *s)));
        }
    }

    fn advance(&mut self, rel_end: u64, seq_end: u32, ts: Timestamp) {
        if rel_end > self.high_rel {
            self.high_rel = rel_end;
            self.high_seq = seq_end;
            self.high_ts = ts;
        }
        self.stats.stream_length = self.stats.stream_length.max(self.high_rel);
    }

    /// The peer acknowledged `ack`: bytes below it that were never seen are a gap.
    pub fn peer_acked(&mut self, ack: u32, frame: u64) {
        if !self.started {
            return;
        }
        let rel = self.rel(ack);
        if rel > self.high_rel && rel - self.high_rel < MAX_ACK_JUMP {
            let (from, to) = (self.high_rel, rel);
            self.advance(rel, ack, self.high_ts);
            self.record_gap(Gap {
                offset: from,
                bytes: to - from,
                frame,
                acked_unseen: true,
            });
        }
    }

    fn open_hole(&mut self, from: u64, to: u64, frame: u64) {
        if self.holes.len() == MAX_OPEN_HOLES {
            let (a, b, f) = self.holes.remove(0);
            self.record_gap(Gap {
                offset: a,
                bytes: b - a,
                frame: f,
                acked_unseen: false,
            });
        }
        self.holes.push((from, to, frame));
    }

    /// Removes `[start, end)` from the open holes; returns how many hole bytes it filled.
    fn fill_holes(&mut self, start: u64, end: u64) -> u64 {
        let mut filled = 0;
        let mut next: Vec<(u64, u64, u64)> = Vec::new();
        for &(a, b, f) in &self.holes {
            let lo = a.max(start);
            let hi = b.min(end);
            if lo >= hi {
                next.push((a, b, f));
                continue;
            }
            filled += hi - lo;
            if a < lo {
                next.push((a, lo, f));
            }
            if hi < b {
                next.push((hi, b, f));
            }
        }
        if filled > 0 {
            self.holes = next;
        }
        filled
    }

    fn record_gap(&mut self, gap: Gap) {
        self.stats.gap_count += 1;
        self.stats.gap_bytes += gap.bytes;
        if self.stats.gaps.len() < MAX_LISTED_GAPS {
            self.stats.gaps.push(gap);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn deliver(
        &mut self,
        start: u64,
        captured: &[u8],
        claimed: u64,
        frame: u64,
        ts: Timestamp,
        consumer: &mut (dyn StreamConsumer + 'static),
        side: Side,
    ) {
        let end = start + claimed;
        if end <= self.deliver_rel {
            return;
        }
        if start > self.deliver_rel {
            if self.buffered_bytes + captured.len() > MAX_BUFFERED_BYTES {
                self.stats.buffer_cap_hits += 1;
                self.flush(Some((consumer, side)));
                if !self.delivering {
                    return;
                }
                // Everything buffered is out; this segment now follows a declared gap.
                if start > self.deliver_rel {
                    let missing = start - self.deliver_rel;
                    self.deliver_rel = start;
                    if consumer.gap(side, missing, frame) == Want::Done {
                        self.stop_delivering();
                        return;
                    }
                }
            } else {
                self.buffered.entry(start).or_insert_with(|| Buffered {
                    data: captured.to_vec(),
                    claimed,
                    frame,
                    ts,
                });
                self.buffered_bytes += captured.len();
                return;
            }
        }
        self.emit(start, captured, claimed, frame, ts, consumer, side);
        self.drain(consumer, side);
    }

    /// Hands over the part of a segment at or after `deliver_rel` (start ≤ deliver_rel).
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        start: u64,
        captured: &[u8],
        claimed: u64,
        frame: u64,
        ts: Timestamp,
        consumer: &mut (dyn StreamConsumer + 'static),
        side: Side,
    ) {
        let skip = self.deliver_rel - start;
        if (skip as usize) < captured.len() {
            let bytes = &captured[skip as usize..];
            let chunk = Chunk {
                frame,
                ts,
                stream_offset: self.deliver_rel - 1,
            };
            self.deliver_rel = start + captured.len() as u64;
            self.stats.delivered_bytes += bytes.len() as u64;
            if consumer.data(side, bytes, chunk) == Want::Done {
                self.stop_delivering();
                return;
            }
        }
        let end = start + claimed;
        if end > self.deliver_rel {
            // Cut by the snaplen: the rest of this segment will never be seen.
            let missing = end - self.deliver_rel;
            self.deliver_rel = end;
            if consumer.gap(side, missing, frame) == Want::Done {
                self.stop_delivering();
            }
        }
    }

    fn drain(&mut self, consumer: &mut (dyn StreamConsumer + 'static), side: Side) {
        while self.delivering {
            let Some((&start, _)) = self.buffered.first_key_value() else {
                break;
            };
            if start > self.deliver_rel {
                break;
            }
            let Some(seg) = self.buffered.remove(&start) else {
                break;
            };
            self.buffered_bytes -= seg.data.len();
            if start + seg.claimed > self.deliver_rel {
                self.emit(
                    start,
                    &seg.data,
                    seg.claimed,
                    seg.frame,
                    seg.ts,
                    consumer,
                    side,
                );
            }
        }
    }

    /// Delivers everything buffered, declaring the holes in between as gaps.
    pub fn flush(&mut self, consumer: Option<(&mut (dyn StreamConsumer + 'static), Side)>) {
        let Some((consumer, side)) = consumer else {
            return;
        };
        while self.delivering {
            let Some((&start, seg)) = self.buffered.first_key_value() else {
                break;
            };
            if start > self.deliver_rel {
                let missing = start - self.deliver_rel;
                let frame = seg.frame;
                self.deliver_rel = start;
                if consumer.gap(side, missing, frame) == Want::Done {
                    self.stop_delivering();
                    break;
                }
            }
            self.drain(consumer, side);
        }
    }

    /// The global reassembly budget needs this direction's buffer: everything buffered is
    /// handed over now, the missing ranges before it declared gaps (as for lost segments);
    /// bytes that fill them later are not delivered.
    pub fn evict(&mut self, consumer: Option<(&mut (dyn StreamConsumer + 'static), Side)>) {
        if self.buffered_bytes == 0 {
            return;
        }
        self.stats.budget_evictions += 1;
        match consumer {
            Some(c) => self.flush(Some(c)),
            None => {
                self.buffered.clear();
                self.buffered_bytes = 0;
            }
        }
    }

    fn stop_delivering(&mut self) {
        self.delivering = false;
        self.buffered.clear();
        self.buffered_bytes = 0;
    }

    /// Sequence number of the first segment seen in this direction.
    pub fn first_seq(&self) -> Option<u32> {
        self.first_seq
    }

    /// Bytes currently held for reassembly.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    /// End of capture: delivers what can be delivered and turns open holes into gaps.
    pub fn finish(&mut self, consumer: Option<(&mut (dyn StreamConsumer + 'static), Side)>) {
        self.flush(consumer);
        for (a, b, f) in std::mem::take(&mut self.holes) {
            self.record_gap(Gap {
                offset: a,
                bytes: b - a,
                frame: f,
                acked_unseen: false,
            });
        }
        self.stats.gaps.sort_by_key(|g| g.offset);
    }
}
