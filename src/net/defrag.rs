//! IPv4 and IPv6 fragment reassembly, bounded.
//!
//! Written here rather than using etherparse's `IpDefragPool` because that pool is
//! unbounded (its documentation says so) and needs strictly valid slices, while a capture
//! tool must cap memory and keep going on truncated fragments. Policy: fragments are keyed by
//! (source, destination, protocol, VLAN, identification); overlapping bytes keep the first
//! copy; a datagram is released when its last fragment has arrived and every byte before it
//! is present; pending datagrams expire after [`FRAGMENT_TIMEOUT_NS`] of capture time; at
//! most [`MAX_PENDING_DATAGRAMS`] datagrams and [`MAX_PENDING_BYTES`] bytes are held — past
//! that the oldest is dropped and counted as evicted.

use crate::capture::Timestamp;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::IpAddr;

/// Linux's default `ipfrag_time` is 30 s.
pub const FRAGMENT_TIMEOUT_NS: i64 = 30_000_000_000;
pub const MAX_PENDING_DATAGRAMS: usize = 1024;
pub const MAX_PENDING_BYTES: usize = 8 << 20;
/// Largest reassembled datagram (IPv4 total length limit; jumbograms are not fragmented).
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub vlan: [u16; 2],
    pub id: u32,
}

/// Fragment header fields.
#[derive(Debug, Clone, Copy)]
pub enum FragmentOf {
    V4 { id: u16, offset: u32, more: bool },
    V6 { id: u32, offset: u32, more: bool },
}

impl FragmentOf {
    pub fn id(&self) -> u32 {
        match self {
            FragmentOf::V4 { id, .. } => u32::from(*id),
            FragmentOf::V6 { id, .. } => *id,
        }
    }
    fn offset_more(&self) -> (u32, bool) {
        match *self {
            FragmentOf::V4 { offset, more, .. } | FragmentOf::V6 { offset, more, .. } => {
                (offset, more)
            }
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DefragStats {
    pub fragments: u64,
    pub datagrams_reassembled: u64,
    /// Datagrams dropped because a fragment was cut by the snaplen.
    pub datagrams_with_truncated_fragment: u64,
    pub datagrams_expired: u64,
    /// Datagrams dropped because a cap was reached.
    pub datagrams_evicted: u64,
    /// Datagrams still incomplete when the capture ended.
    pub datagrams_incomplete_at_end: u64,
}

struct Pending {
    data: Vec<u8>,
    /// Sorted, merged byte ranges present.
    ranges: Vec<(u32, u32)>,
    total: Option<u32>,
    first_ts: Timestamp,
    broken: bool,
}

#[derive(Default)]
pub struct Defragmenter {
    pending: FxHashMap<FragmentKey, Pending>,
    pending_bytes: usize,
    completed: Vec<u8>,
    stats: DefragStats,
}

impl Defragmenter {
    /// Adds a fragment; returns `Some(())` when its datagram is complete, then available
    /// from [`Defragmenter::completed`] until the next call.
    pub fn add(
        &mut self,
        key: FragmentKey,
        frag: FragmentOf,
        data: &[u8],
        cut: bool,
        ts: Timestamp,
    ) -> Option<()> {
        self.stats.fragments += 1;
        let (offset, more) = frag.offset_more();
        let end = offset.saturating_add(data.len() as u32);
        if !self.pending.contains_key(&key) {
            self.make_room(data.len());
        }
        let entry = self.pending.entry(key).or_insert_with(|| Pending {
            data: Vec::new(),
            ranges: Vec::new(),
            total: None,
            first_ts: ts,
            broken: false,
        });
        if cut || end > MAX_DATAGRAM {
            entry.broken = true;
        }
        if !more {
            entry.total = Some(end);
        }
        if !entry.broken {
            if entry.data.len() < end as usize {
                self.pending_bytes += end as usize - entry.data.len();
                entry.data.resize(end as usize, 0);
            }
            // First copy wins: only write bytes not yet present.
            let mut cursor = offset;
            for &(a, b) in entry
                .ranges
                .iter()
                .chain(std::iter::once(&(u32::MAX, u32::MAX)))
            {
                if cursor >= end {
                    break;
                }
                if b <= cursor {
                    continue;
                }
                let stop = a.min(end);
                if stop > cursor {
                    let from = (cursor - offset) as usize;
                    let to = (stop - offset) as usize;
                    entry.data[cursor as usize..stop as usize].copy_from_slice(&data[from..to]);
                }
                cursor = cursor.max(b);
            }
            insert_range(&mut entry.ranges, (offset, end));
        }
        let total = entry.total?;
        if entry.broken {
            // Can never complete exactly; drop it once its last fragment is in.
            self.stats.datagrams_with_truncated_fragment += 1;
            self.remove(&key);
            return None;
        }
        if entry.ranges.first() == Some(&(0, total)) {
            let entry = self.pending.remove(&key)?;
            self.pending_bytes -= entry.data.len();
            self.completed = entry.data;
            self.completed.truncate(total as usize);
            self.stats.datagrams_reassembled += 1;
            return Some(());
        }
        None
    }

    /// The datagram completed by the last successful [`Defragmenter::add`].
    pub fn completed(&self) -> &[u8] {
        &self.completed
    }

    fn remove(&mut self, key: &FragmentKey) {
        if let Some(p) = self.pending.remove(key) {
            self.pending_bytes -= p.data.len();
        }
    }

    fn make_room(&mut self, incoming: usize) {
        while !self.pending.is_empty()
            && (self.pending.len() >= MAX_PENDING_DATAGRAMS
                || self.pending_bytes + incoming > MAX_PENDING_BYTES)
        {
            let oldest = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.first_ts)
                .map(|(k, _)| *k);
            match oldest {
                Some(k) => {
                    self.remove(&k);
                    self.stats.datagrams_evicted += 1;
                }
                None => break,
            }
        }
    }

    pub fn expire(&mut self, now: Timestamp, out: &mut DefragStats) {
        let before = self.pending.len();
        let mut freed = 0;
        self.pending.retain(|_, p| {
            let keep = now.0 - p.first_ts.0 <= FRAGMENT_TIMEOUT_NS;
            if !keep {
                freed += p.data.len();
            }
            keep
        });
        self.pending_bytes -= freed;
        self.stats.datagrams_expired += (before - self.pending.len()) as u64;
        *out = self.stats.clone();
    }

    pub fn finish(&mut self, out: &mut DefragStats) {
        self.stats.datagrams_incomplete_at_end += self.pending.len() as u64;
        self.pending.clear();
        self.pending_bytes = 0;
        *out = self.stats.clone();
    }
}

fn insert_range(ranges: &mut Vec<(u32, u32)>, (a, b): (u32, u32)) {
    if a >= b {
        return;
    }
    ranges.push((a, b));
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for &(s, e) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *ranges = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FragmentKey {
        FragmentKey {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            protocol: 17,
            vlan: [0; 2],
            id: 7,
        }
    }

    #[test]
    fn out_of_order_fragments_reassemble_and_first_copy_wins() {
        let mut d = Defragmenter::default();
        let t = Timestamp(0);
        assert!(
            d.add(
                key(),
                FragmentOf::V4 {
                    id: 7,
                    offset: 8,
                    more: false
                },
                b"BBBBBBBB",
                false,
                t
            )
            .is_none()
        );
        // Overlapping duplicate of the tail with different bytes: ignored.
        assert!(
            d.add(
                key(),
                FragmentOf::V4 {
                    id: 7,
                    offset: 8,
                    more: false
                },
                b"XXXXXXXX",
                false,
                t
            )
            .is_none()
        );
        assert!(
            d.add(
                key(),
                FragmentOf::V4 {
                    id: 7,
                    offset: 0,
                    more: true
                },
                b"AAAAAAAA",
                false,
                t
            )
            .is_some()
        );
        assert_eq!(d.completed(), b"AAAAAAAABBBBBBBB");
    }

    #[test]
    fn garbage_offsets_do_not_allocate_beyond_limit() {
        let mut d = Defragmenter::default();
        let r = d.add(
            key(),
            FragmentOf::V6 {
                id: 7,
                offset: 0xFFF8 * 8,
                more: false,
            },
            b"12345678",
            false,
            Timestamp(0),
        );
        assert!(r.is_none());
        assert!(d.pending_bytes < 1 << 20);
    }
}
