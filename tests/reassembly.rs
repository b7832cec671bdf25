//! TCP reassembly on hand-built captures (out-of-order, retransmitted, overlapping and
//! missing segments, mid-stream start, a consumer that stops early) and on real corpus
//! captures with duplicated frames and a mid-stream flow, checked against tshark.

mod common;

use common::pcap_writer::{frame, seg, write_pcap};
use rdptriage::analyze::analyze_path;
use rdptriage::flow::consumer::{Chunk, ConsumerFactory, NewConversation, StreamConsumer, Want};
use rdptriage::flow::{Conversation, Side};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Default, Debug)]
struct Collected {
    client: Vec<u8>,
    server: Vec<u8>,
    gaps: Vec<(Side, u64, u64)>,
    chunks: Vec<(Side, u64, u64)>,
}

struct Collector {
    out: Rc<RefCell<Collected>>,
    stop_after: Option<usize>,
}

impl StreamConsumer for Collector {
    fn data(&mut self, side: Side, bytes: &[u8], chunk: Chunk) -> Want {
        let mut out = self.out.borrow_mut();
        out.chunks.push((side, chunk.frame, chunk.stream_offset));
        let buf = if side == Side::Client {
            &mut out.client
        } else {
            &mut out.server
        };
        buf.extend_from_slice(bytes);
        match self.stop_after {
            Some(n) if buf.len() >= n => Want::Done,
            _ => Want::More,
        }
    }
    fn gap(&mut self, side: Side, missing: u64, frame: u64) -> Want {
        self.out.borrow_mut().gaps.push((side, missing, frame));
        Want::More
    }
}

struct Factory(Rc<RefCell<Collected>>, Option<usize>);

impl ConsumerFactory for Factory {
    fn consumer_for(&mut self, _: &NewConversation) -> Option<Box<dyn StreamConsumer>> {
        Some(Box::new(Collector {
            out: self.0.clone(),
            stop_after: self.1,
        }))
    }
}

fn run(
    name: &str,
    frames: &[Vec<u8>],
    stop_after: Option<usize>,
) -> (Collected, Vec<Conversation>) {
    let path = write_pcap(name, frames);
    let out = Rc::new(RefCell::new(Collected::default()));
    let analysis = analyze_path(&path, Some(Box::new(Factory(out.clone(), stop_after)))).unwrap();
    let collected = std::mem::take(&mut *out.borrow_mut());
    (collected, analysis.conversations)
}

/// SYN (client ISN 1000), SYN+ACK (server ISN 5000), ACK: client data starts at 1001.
fn handshake() -> Vec<Vec<u8>> {
    vec![
        frame(&seg(true, 1000, 0, "S", b"")),
        frame(&seg(false, 5000, 1001, "SA", b"")),
        frame(&seg(true, 1001, 5001, "A", b"")),
    ]
}

#[test]
fn out_of_order_segments_are_delivered_in_order() {
    let mut f = handshake();
    f.push(frame(&seg(true, 1006, 5001, "AP", b" world"))); // frame 4
    f.push(frame(&seg(true, 1001, 5001, "AP", b"hello"))); // frame 5
    f.push(frame(&seg(false, 5001, 1012, "AP", b"ok"))); // frame 6
    let (c, convs) = run("ooo.pcap", &f, None);
    assert_eq!(c.client, b"hello world");
    assert_eq!(c.server, b"ok");
    assert!(c.gaps.is_empty());
    let t = convs[0].tcp.as_ref().unwrap();
    assert_eq!(t.client.stats.out_of_order, 1);
    assert_eq!(t.client.stats.retransmissions, 0);
    assert_eq!(t.client.stats.gap_count, 0);
    assert_eq!(
        (t.syn_frame, t.synack_frame, t.handshake_ack_frame),
        (Some(1), Some(2), Some(3))
    );
    // "hello" came in frame 5 at offset 0, " world" (buffered from frame 4) at offset 5.
    assert_eq!(
        c.chunks,
        vec![
            (Side::Client, 5, 0),
            (Side::Client, 4, 5),
            (Side::Server, 6, 0)
        ]
    );
}

#[test]
fn retransmissions_are_counted_and_delivered_once() {
    let mut f = handshake();
    f.push(frame(&seg(true, 1001, 5001, "AP", b"abc")));
    f.push(frame(&seg(true, 1001, 5001, "AP", b"abc")));
    f.push(frame(&seg(true, 1004, 5001, "AP", b"def")));
    let (c, convs) = run("retrans.pcap", &f, None);
    assert_eq!(c.client, b"abcdef");
    let s = &convs[0].tcp.as_ref().unwrap().client.stats;
    assert_eq!(s.retransmissions, 1);
    assert_eq!(s.retransmitted_bytes, 3);
}

#[test]
fn overlapping_bytes_keep_the_first_copy() {
    let mut f = handshake();
    f.push(frame(&seg(true, 1001, 5001, "AP", b"AAAA")));
    f.push(frame(&seg(true, 1003, 5001, "AP", b"BBBBBB"))); // overlaps 2 bytes, adds 4
    let (c, convs) = run("overlap.pcap", &f, None);
    assert_eq!(c.client, b"AAAABBBB");
    assert_eq!(
        convs[0].tcp.as_ref().unwrap().client.stats.retransmissions,
        1
    );
}

#[test]
fn missing_segments_are_reported_as_gaps_with_byte_counts() {
    let mut f = handshake();
    f.push(frame(&seg(true, 1001, 5001, "AP", b"12345"))); // frame 4
    f.push(frame(&seg(true, 1011, 5001, "AP", b"ABCDE"))); // frame 5: 5 bytes never captured before it
    f.push(frame(&seg(true, 1016, 5001, "AF", b""))); // frame 6
    let (c, convs) = run("gap.pcap", &f, None);
    assert_eq!(c.client, b"12345ABCDE");
    assert_eq!(c.gaps, vec![(Side::Client, 5, 5)]);
    let s = &convs[0].tcp.as_ref().unwrap().client.stats;
    assert_eq!(s.gap_count, 1);
    assert_eq!(s.gap_bytes, 5);
    assert_eq!(s.gaps[0].frame, 5);
    assert_eq!(s.gaps[0].offset, 6);
    assert_eq!(s.fin.frames, vec![6]);
}

#[test]
fn bytes_acked_but_never_seen_are_a_gap() {
    let mut f = handshake();
    f.push(frame(&seg(false, 5001, 1101, "A", b""))); // server acks 100 client bytes we never saw
    let (_, convs) = run("acked-unseen.pcap", &f, None);
    let s = &convs[0].tcp.as_ref().unwrap().client.stats;
    assert_eq!((s.gap_count, s.gap_bytes), (1, 100));
    assert!(s.gaps[0].acked_unseen);
}

#[test]
fn midstream_start_is_flagged_and_delivered() {
    let f = vec![
        frame(&seg(true, 777_000, 9_000, "AP", b"mid")),
        frame(&seg(false, 9_000, 777_003, "AP", b"stream")),
    ];
    let (c, convs) = run("midstream.pcap", &f, None);
    assert_eq!(c.client, b"mid");
    assert_eq!(c.server, b"stream");
    let t = convs[0].tcp.as_ref().unwrap();
    assert!(t.client.stats.midstream && t.server.stats.midstream);
    // Server side decided by the well-known port 3389.
    assert_eq!(convs[0].server.port, 3389);
}

#[test]
fn consumer_done_stops_delivery_and_buffering() {
    let mut f = handshake();
    f.push(frame(&seg(true, 1001, 5001, "AP", b"first")));
    f.push(frame(&seg(
        true,
        1016,
        5001,
        "AP",
        b"out-of-order, never buffered",
    )));
    f.push(frame(&seg(true, 1006, 5001, "AP", b"0123456789")));
    let (c, convs) = run("done.pcap", &f, Some(5));
    assert_eq!(c.client, b"first");
    let t = convs[0].tcp.as_ref().unwrap();
    assert_eq!(t.client.stats.delivered_bytes, 5);
    assert!(!t.client.delivering);
    assert_eq!(t.client.buffered_bytes(), 0);
    // Metadata is still kept.
    assert_eq!(t.client.stats.out_of_order, 1);
}

#[test]
fn keepalives_zero_windows_and_resets_are_recorded() {
    let mut f = handshake();
    f.push(frame(&seg(true, 1001, 5001, "AP", b"x"))); // 4
    f.push(frame(&seg(true, 1001, 5001, "A", b""))); // 5: keep-alive (seq = next - 1)
    let mut zw = seg(false, 5001, 1002, "A", b""); // 6: zero window
    zw.window = 0;
    f.push(frame(&zw));
    f.push(frame(&seg(false, 5001, 1002, "RA", b""))); // 7
    let (_, convs) = run("misc.pcap", &f, None);
    let t = convs[0].tcp.as_ref().unwrap();
    assert_eq!(t.client.stats.keepalives, 1);
    assert_eq!(t.server.stats.zero_window.frames, vec![6]);
    assert_eq!(t.server.stats.rst.frames, vec![7]);
    let report = rdptriage::report::json::connection_report(&convs[0], None, None, None);
    assert_eq!((report.end, report.end_frame), ("rst_server", Some(7)));
}

#[test]
fn corpus_duplicated_frames_count_as_retransmissions_like_tshark() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // tshark -Y tcp.analysis.retransmission: frames 2 8 12 16 (client 50204) and
    // 4 10 14 18 (server 3389): every frame of this capture appears twice.
    let a = analyze_path(
        &corpus.join("zeek/testing/btest/Traces/rdp/rdp-no-cookie-mstshash.pcap"),
        None,
    )
    .unwrap();
    let t = a.conversations[0].tcp.as_ref().unwrap();
    assert_eq!(t.client.stats.retransmissions, 4);
    assert_eq!(t.server.stats.retransmissions, 4);
    assert_eq!(t.client.stats.gap_count + t.server.stats.gap_count, 0);
}

#[test]
fn corpus_midstream_rdp_flow() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // tshark: tcp.port==3389 in mapi.pcap is 8 frames (62..290), no SYN; 3389 sends 4
    // segments of 21/19/19/19 bytes, 1930 only ACKs.
    let a = analyze_path(
        &corpus.join("zeek/testing/btest/Traces/dce-rpc/mapi.pcap"),
        None,
    )
    .unwrap();
    let c = a
        .conversations
        .iter()
        .find(|c| c.server.port == 3389)
        .unwrap();
    assert_eq!((c.first_frame, c.last_frame, c.packets()), (62, 290, 8));
    assert_eq!(c.client.port, 1930);
    let t = c.tcp.as_ref().unwrap();
    assert!(t.server.stats.midstream && t.client.stats.midstream);
    assert_eq!(c.to_client.payload_bytes, 21 + 19 + 19 + 19);
    assert_eq!(t.syn_frame, None);
}
