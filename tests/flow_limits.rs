//! The flow table's limits, lowered so that small hand-built captures reach them: exact
//! counts of the conversations beyond the table (as Wireshark numbers streams), and the
//! reassembly budget over all conversations (eviction of the largest holder).

mod common;

use common::pcap_writer::write_pcap;
use etherparse::PacketBuilder;
use rdptriage::capture::{CaptureReader, strip_link_layer};
use rdptriage::flow::consumer::{Chunk, ConsumerFactory, NewConversation, StreamConsumer, Want};
use rdptriage::flow::{FlowTable, MAX_CONVERSATIONS, Side};
use rdptriage::net::{Decoded, Decoder};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

const SERVER: [u8; 4] = [10, 255, 0, 1];

/// A TCP segment between `client` (port 50000) and SERVER:3389.
fn tcp(client: [u8; 4], to_server: bool, seq: u32, flags: &str, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sp, dp) = if to_server {
        (client, SERVER, 50000, 3389)
    } else {
        (SERVER, client, 3389, 50000)
    };
    let mut b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .tcp(sp, dp, seq, 64240);
    if flags.contains('S') {
        b = b.syn();
    }
    if flags.contains('A') {
        // Server ISN 5000, client ISN 1000 throughout.
        b = b.ack(if to_server { 5001 } else { 1001 });
    }
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn udp(client: [u8; 4], to_server: bool) -> Vec<u8> {
    let (src, dst, sp, dp) = if to_server {
        (client, SERVER, 50001, 3389)
    } else {
        (SERVER, client, 3389, 50001)
    };
    let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .udp(sp, dp);
    let mut out = Vec::new();
    b.write(&mut out, b"x").unwrap();
    out
}

fn feed(table: &mut FlowTable, name: &str, frames: &[Vec<u8>]) {
    let path = write_pcap(name, frames);
    let data = std::fs::read(path).unwrap();
    let mut decoder = Decoder::new();
    CaptureReader::read(&data[..], |frame| {
        let net = strip_link_layer(frame.link_type, frame.data).unwrap();
        if let Decoded::Packet(p) = decoder.decode(net, frame.ts) {
            table.add(frame, &p);
        }
    })
    .unwrap();
    table.finish();
}

fn host(n: u8) -> [u8; 4] {
    [100, 64, 0, n]
}

#[test]
fn conversations_beyond_the_table_are_counted_as_wireshark_numbers_streams() {
    let frames = vec![
        tcp(host(1), true, 1000, "S", b""),   // 1: tcp.stream 0, tracked
        tcp(host(2), true, 1000, "S", b""),   // 2: stream 1, tracked
        tcp(host(3), true, 1000, "S", b""),   // 3: stream 2, tracked (table full)
        tcp(host(4), true, 1000, "S", b""),   // 4: stream 3, untracked #1
        tcp(host(4), true, 1000, "S", b""),   // 5: stream 3 (the SYN again)
        tcp(host(4), false, 5000, "SA", b""), // 6: stream 3
        tcp(host(5), true, 1000, "S", b""),   // 7: stream 4, untracked #2
        tcp(host(4), true, 777, "S", b""),    // 8: stream 5 (port reuse), untracked #3
        udp(host(6), true),                   // 9: udp.stream 0, untracked #4
        udp(host(6), false),                  // 10: udp.stream 0
        tcp(host(1), true, 9000, "S", b""),   // 11: stream 6 (port reuse of stream 0), #5
        tcp(host(1), false, 5000, "SA", b""), // 12: stream 6
        tcp(host(2), false, 5000, "SA", b""), // 13: stream 1, tracked
        tcp(host(5), true, 1001, "A", b""),   // 14: stream 4
        tcp(host(7), false, 5000, "SA", b""), // 15: stream 7, untracked #6
    ];
    // tshark -r F -T fields -e frame.number -e tcp.stream -e udp.stream (tshark 4.0.17):
    // frames 1..15 → tcp.stream 0 1 2 3 3 3 4 5 - - 6 6 1 4 7, udp.stream 0 for 9 and 10:
    // 8 TCP streams and 1 UDP stream, of which the table (3) keeps streams 0-2 — 6
    // conversations and 11 packets (frames 4-12, 14, 15; not 13) beyond it.
    let mut table = FlowTable::with_limits(None, 3, 1 << 20);
    feed(&mut table, "untracked.pcap", &frames);
    assert_eq!(table.stats.conversations_untracked, 6);
    assert_eq!(table.stats.packets_untracked, 11);
    assert_eq!(table.stats.tcp_conversations, 3);
    let convs = table.into_conversations();
    assert_eq!(convs.len(), 3);
    // Stream 0 ends at its own SYN: the reused ports' packets (11, 12) are not its.
    assert_eq!((convs[0].first_frame, convs[0].last_frame), (1, 1));
    assert_eq!((convs[1].first_frame, convs[1].last_frame), (2, 13));
    assert_eq!(MAX_CONVERSATIONS, 100_000);
}

#[derive(Default)]
struct Seen {
    /// Per stream: (gaps declared, bytes delivered).
    streams: BTreeMap<u64, (Vec<u64>, Vec<u8>)>,
}

struct Collector(Rc<RefCell<Seen>>, u64);

impl StreamConsumer for Collector {
    fn data(&mut self, side: Side, bytes: &[u8], _: Chunk) -> Want {
        if side == Side::Client {
            let mut s = self.0.borrow_mut();
            s.streams
                .entry(self.1)
                .or_default()
                .1
                .extend_from_slice(bytes);
        }
        Want::More
    }
    fn gap(&mut self, side: Side, missing: u64, _: u64) -> Want {
        if side == Side::Client {
            let mut s = self.0.borrow_mut();
            s.streams.entry(self.1).or_default().0.push(missing);
        }
        Want::More
    }
}

struct Factory(Rc<RefCell<Seen>>);

impl ConsumerFactory for Factory {
    fn consumer_for(&mut self, new: &NewConversation) -> Option<Box<dyn StreamConsumer>> {
        Some(Box::new(Collector(self.0.clone(), new.stream)))
    }
}

#[test]
fn the_reassembly_budget_evicts_the_largest_holder() {
    // Ten connections from 100.64.0.1..10, each: SYN, SYN+ACK, ACK, then a segment 100 bytes
    // after the next expected byte (the first 100 bytes never come in time), of 300, 290,
    // …, 210 bytes. tshark (4.0.17) shows 10 TCP streams and each data segment as
    // "TCP Previous segment not captured" at relative seq 101.
    let mut frames = Vec::new();
    for i in 0..10u8 {
        let c = host(i + 1);
        frames.push(tcp(c, true, 1000, "S", b""));
        frames.push(tcp(c, false, 5000, "SA", b""));
        frames.push(tcp(c, true, 1001, "A", b""));
        let len = 300 - 10 * usize::from(i);
        frames.push(tcp(c, true, 1101, "A", &vec![b'a' + i; len]));
    }
    // The first connection's missing 100 bytes, after its buffer was evicted.
    frames.push(tcp(host(1), true, 1001, "A", &[b'z'; 100]));
    // Budget 1000 bytes: buffered 300, 590, 870, then 1140 → the 300 of stream 0 go; 1100 →
    // 290 (stream 1); 1060 → 280; 1020 → 270; 980; 1200 → 260; 1150 → 250. Left: 240, 230,
    // 220, 210 = 900 until the end of the capture.
    let seen = Rc::new(RefCell::new(Seen::default()));
    let mut table = FlowTable::with_limits(Some(Box::new(Factory(seen.clone()))), 100, 1000);
    feed(&mut table, "budget.pcap", &frames);
    assert_eq!(table.stats.reassembly_evicted_conversations, 6);
    assert_eq!(
        table.stats.reassembly_evicted_bytes,
        300 + 290 + 280 + 270 + 260 + 250
    );
    assert_eq!(table.stats.peak_reassembly_bytes, 980);
    let seen = seen.borrow();
    // Evicted: the 100 missing bytes are a gap, then the buffered bytes; the late copy of
    // stream 0's first 100 bytes is not delivered.
    assert_eq!(seen.streams[&0].0, vec![100]);
    assert_eq!(seen.streams[&0].1, vec![b'a'; 300]);
    assert_eq!(seen.streams[&5].0, vec![100]);
    assert_eq!(seen.streams[&5].1, vec![b'f'; 250]);
    // Not evicted (stream 6 on): held until the end of the capture, then flushed there.
    assert_eq!(seen.streams[&6].1, vec![b'g'; 240]);
    let convs = table.into_conversations();
    let evictions: Vec<u64> = convs
        .iter()
        .map(|c| c.tcp.as_ref().unwrap().client.stats.budget_evictions)
        .collect();
    assert_eq!(evictions, vec![1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    // Sequence analysis does not depend on buffering: stream 0's hole was filled.
    let s0 = &convs[0].tcp.as_ref().unwrap().client.stats;
    assert_eq!(s0.gap_count, 0);
}

#[test]
fn the_json_limits_block_has_the_eviction_counts() {
    let sample = common::project_dir().join("samples/rdp-health-probes-nc.pcap");
    let report = common::report_of(&sample);
    let json = serde_json::to_value(&report.file).unwrap();
    let limits = &json["limits"];
    assert_eq!(limits["reassembly_evicted_bytes"], 0);
    assert_eq!(limits["reassembly_evicted_conversations"], 0);
    assert_eq!(limits["conversations_untracked"], 0);
}
