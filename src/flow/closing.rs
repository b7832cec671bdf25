//! When a conversation is over, for a run that hands conversations on as it goes (standard
//! input, live capture): deadlines in a min-heap, checked lazily — a deadline that comes due
//! for a conversation that has seen packets since is pushed again for its new deadline, so a
//! packet costs nothing here unless it carries FIN or RST.
//!
//! A TCP conversation is over [`CloseTimers::grace`] after its last packet once it was reset
//! or both sides sent FIN; otherwise after [`CloseTimers::handshake_idle`] of silence when
//! its handshake never completed, [`CloseTimers::idle`] when it did. A UDP conversation is
//! over after [`CloseTimers::udp_idle`] of silence — [`CloseTimers::grace`] once an ICMP error
//! refused it, [`CloseTimers::handshake_idle`] while the server never answered, and
//! [`CloseTimers::dns_idle`] for DNS. Its 5-tuple is then remembered for
//! [`CloseTimers::tombstone`] so that stray packets after the close are counted, not taken
//! for a new conversation (a new SYN still starts one).

use super::{Conversation, FlowKey, Protocol};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// The index value of a 5-tuple whose conversation was closed and handed on.
pub(super) const CLOSED: usize = usize::MAX - 1;

const SEC: i64 = 1_000_000_000;

/// How long each kind of silence lasts before a conversation is over (nanoseconds).
#[derive(Debug, Clone, Copy)]
pub struct CloseTimers {
    /// After a reset or both FINs (late retransmissions and ACKs still belong to it).
    pub grace: i64,
    /// Silence of a connection whose handshake never completed (Windows gives up a SYN
    /// after 21 s: the first SYN and two re-sends 3 s and 6 s later, doubling).
    pub handshake_idle: i64,
    /// Silence of an established connection with neither FIN nor RST.
    pub idle: i64,
    /// Silence of a UDP flow.
    pub udp_idle: i64,
    /// Silence of a UDP flow to or from port 53 (a lookup and its answer).
    pub dns_idle: i64,
    /// How long a closed 5-tuple is remembered.
    pub tombstone: i64,
}

impl Default for CloseTimers {
    fn default() -> Self {
        CloseTimers {
            grace: 5 * SEC,
            handshake_idle: 30 * SEC,
            idle: 600 * SEC,
            udp_idle: 120 * SEC,
            dns_idle: 5 * SEC,
            tombstone: 60 * SEC,
        }
    }
}

/// The deadlines of the open conversations and the tombstones of closed ones.
pub(super) struct Closing {
    pub timers: CloseTimers,
    /// `(deadline ns, slot, creation order)`; stale entries are skipped.
    deadlines: BinaryHeap<Reverse<(i64, usize, u64)>>,
    /// `(expiry ns, key)` in the order they were closed (time only grows).
    tombstones: VecDeque<(i64, FlowKey)>,
}

impl Closing {
    pub fn new(timers: CloseTimers) -> Self {
        Closing {
            timers,
            deadlines: BinaryHeap::new(),
            tombstones: VecDeque::new(),
        }
    }

    /// A conversation was created in `slot` at `ts_ns`.
    pub fn opened(&mut self, slot: usize, order: u64, ts_ns: i64) {
        let wait = self
            .timers
            .grace
            .min(self.timers.handshake_idle)
            .min(self.timers.dns_idle);
        self.deadlines
            .push(Reverse((ts_ns.saturating_add(wait), slot, order)));
    }

    /// A FIN or RST was seen in `slot` at `ts_ns`.
    pub fn ending(&mut self, slot: usize, order: u64, ts_ns: i64) {
        self.deadlines.push(Reverse((
            ts_ns.saturating_add(self.timers.grace),
            slot,
            order,
        )));
    }

    /// The next deadline due at `now_ns`, removed.
    pub fn next_due(&mut self, now_ns: i64) -> Option<(usize, u64)> {
        let Reverse((due, _, _)) = self.deadlines.peek()?;
        if *due > now_ns {
            return None;
        }
        let Reverse((_, slot, order)) = self.deadlines.pop()?;
        Some((slot, order))
    }

    /// When `c` is over, judged from what it has seen so far.
    pub fn deadline_of(&self, c: &Conversation) -> i64 {
        let t = &self.timers;
        let wait = match c.tcp.as_ref() {
            None if c.client.port == 53 || c.server.port == 53 => t.dns_idle,
            // Refused by an ICMP error, or never answered: as over as a reset connection, or
            // one whose handshake never completed.
            None if c.icmp_error_count > 0 => t.grace,
            None if c.to_client.packets == 0 => t.handshake_idle.min(t.udp_idle),
            None => t.udp_idle,
            Some(tcp) => {
                let reset = tcp.client.stats.rst.first().is_some()
                    || tcp.server.stats.rst.first().is_some();
                let both_fin = tcp.client.stats.fin.first().is_some()
                    && tcp.server.stats.fin.first().is_some();
                if reset || both_fin {
                    t.grace
                } else if tcp.handshake_ack_frame.is_none() && c.protocol == Protocol::Tcp {
                    t.handshake_idle
                } else {
                    t.idle
                }
            }
        };
        c.last_ts.0.saturating_add(wait)
    }

    /// Re-arms the deadline of a conversation that is not over yet.
    pub fn rearm(&mut self, slot: usize, order: u64, deadline: i64) {
        self.deadlines.push(Reverse((deadline, slot, order)));
    }

    /// Remembers a closed 5-tuple until `now_ns` + the tombstone time.
    pub fn bury(&mut self, key: FlowKey, now_ns: i64) {
        self.tombstones
            .push_back((now_ns.saturating_add(self.timers.tombstone), key));
    }

    /// The tombstones expired at `now_ns`, removed.
    pub fn expired_tombstone(&mut self, now_ns: i64) -> Option<FlowKey> {
        let (expiry, _) = self.tombstones.front()?;
        if *expiry > now_ns {
            return None;
        }
        self.tombstones.pop_front().map(|(_, key)| key)
    }
}
