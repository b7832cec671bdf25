//! Issue 13 part 4: the path-MTU black-hole, loss and "silent after a request" findings show
//! their contradiction in both sides' packets — what was lost and what was delivered after
//! it, what was sent and whether the peer acknowledged it. Run on the lab captures and on
//! variants of them with frames removed (the same cut as `editcap -r IN OUT FRAMES`, which
//! keeps the listed frames); every frame number below was checked with tshark 4.0.17
//! (`-o tcp.relative_sequence_numbers:TRUE -T fields -e frame.number -e tcp.seq -e tcp.len
//! -e tcp.ack -e tcp.options.sack_le -e tcp.options.sack_re`) on the file or on the
//! editcap-made variant.

mod common;

use rdptriage::detect::Finding;
use rdptriage::report::json::FileReport;
use std::path::PathBuf;

fn sample_path(name: &str) -> PathBuf {
    common::project_dir().join("samples").join(name)
}

fn with_id<'a>(r: &'a FileReport, id: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.id == id).collect()
}

/// A copy of a legacy pcap keeping only the frames (1-based) in `keep`, like `editcap -r`.
fn keep_frames(sample: &str, keep: &[(u64, u64)], out_name: &str) -> PathBuf {
    let data = std::fs::read(sample_path(sample)).unwrap();
    assert_eq!(
        &data[..4],
        &0xA1B2_C3D4u32.to_le_bytes(),
        "little-endian µs pcap"
    );
    let mut out = data[..24].to_vec();
    let mut at = 24;
    let mut frame = 0u64;
    while at + 16 <= data.len() {
        let caplen = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        let end = at + 16 + caplen;
        frame += 1;
        if keep.iter().any(|&(a, b)| (a..=b).contains(&frame)) {
            out.extend_from_slice(&data[at..end]);
        }
        at = end;
    }
    let dir = std::env::temp_dir().join(format!("rdptriage-delivery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(out_name);
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn black_hole_seen_by_the_sender_cites_a_smaller_segment_acknowledged_after_the_loss() {
    // tshark, rdp-mtu-blackhole-server.pcap: the server's 1448-byte segment at relative seq
    // 20 is sent in frames 10, 17, 19, 20, 21, 22, 25, 28 and no client ACK reaches 1468;
    // frame 15 (after frame 10) carries seq 5564, 819 bytes, and the client's dup ACK in
    // frame 16 has SACK 5564–6383. The 19-byte segment of frame 6 came before the loss and
    // is no evidence.
    let r = common::report_of(&sample_path("rdp-mtu-blackhole-server.pcap"));
    let f = with_id(&r, "tcp.mtu_blackhole");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![10, 15, 16, 17, 19, 20, 21, 22, 25, 28]);
    assert!(
        f[0].summary.contains(
            "1448-byte segment (seq 1017935810) was sent 8 times (frames 10, 17, 19, 20, 21, 22, 25, 28) and never acknowledged, while its 819-byte segment sent after it (frame 15) was: the client's SACK in frame 16 covers it"
        ),
        "{}",
        f[0].summary
    );
    assert!(!f[0].summary.contains("frame 6"), "{}", f[0].summary);
}

#[test]
fn black_hole_seen_by_the_receiver_is_relative_to_the_missing_segment() {
    // tshark, rdp-mtu-blackhole.pcap: the client announced MSS 1460 (frame 1) and the
    // server's segments carry the timestamps option, so a full one holds 1448 bytes; frame
    // 10 is the server's seq 5564, 819 bytes, "previous segment not captured" (5544 bytes
    // missing from seq 20); frame 11 is the client's dup ACK with SACK 5564–6383; no server
    // segment larger than 819 bytes is in the file.
    let r = common::report_of(&sample_path("rdp-mtu-blackhole.pcap"));
    let f = with_id(&r, "tcp.mtu_blackhole");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![10, 11]);
    for part in [
        "5544 bytes of the server's data never arrived (hole before frame 10; a full segment carries 1448 bytes, the client announced MSS 1460)",
        "its 819-byte segment sent after them did (frame 10): the client's SACK in frame 11 covers it",
        "no segment of 1448 bytes or more ever arrived (largest 819 bytes)",
    ] {
        assert!(f[0].summary.contains(part), "{part}: {}", f[0].summary);
    }
}

#[test]
fn a_silent_peer_is_neither_a_black_hole_nor_loss() {
    // rdp-mtu-blackhole-server.pcap without the client's packets after the ClientHello
    // (editcap -r … 1-15 17-22 25 28: drops the SACKs 16, 23, 26, 29, 31 and the server's
    // keep-alive ACKs). tshark on the variant: the client's last packet is frame 8 (the
    // ClientHello, 314 bytes); frame 10 is the server's first 1448-byte segment (seq 20),
    // re-sent in frames 16, 18–23 (frame 23 at 13.30 s, the last); nothing acknowledges it.
    // Large segments retransmitted into total silence: no delivery after the loss, so no
    // black hole and no loss — the stall says what was not acknowledged.
    let path = keep_frames(
        "rdp-mtu-blackhole-server.pcap",
        &[(1, 15), (17, 22), (25, 25), (28, 28)],
        "blackhole-silent.pcap",
    );
    let r = common::report_of(&path);
    assert!(with_id(&r, "tcp.mtu_blackhole").is_empty());
    assert!(with_id(&r, "tcp.heavy_loss").is_empty());
    let f = with_id(&r, "tcp.handshake_stall");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![10, 23]);
    assert!(
        f[0].summary.starts_with(
            "the server's 1448 bytes (frame 10) were not acknowledged by the client (not delivered, as far as the capture shows); the client sent nothing after them; no data came back for 13.2 s"
        ),
        "{}",
        f[0].summary
    );
}

#[test]
fn silent_after_the_request_only_once_it_was_acknowledged() {
    // tshark, rdp-hung-server.pcap: frame 4 is the X.224 CR (seq 1, 45 bytes); frame 5 is
    // the server's ACK 46, covering its last byte; the last packet, frame 13, is at 19.61 s.
    let r = common::report_of(&sample_path("rdp-hung-server.pcap"));
    let f = with_id(&r, "tcp.handshake_stall");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![4, 5, 13]);
    assert!(
        f[0].summary.starts_with(
            "the server sent no data for 19.6 s after the client's 45 bytes (frame 4), which it acknowledged (frame 5)"
        ),
        "{}",
        f[0].summary
    );
    let n = with_id(&r, "rdp.negotiation_incomplete");
    assert_eq!(n[0].frames, vec![4, 5, 12]);
    assert!(
        n[0].summary.starts_with(
            "X.224 Connection Request (frame 4), acknowledged by the server's TCP (frame 5), got no Connection Confirm"
        ),
        "{}",
        n[0].summary
    );

    // The same without the server's packets after its SYN+ACK (editcap -r … 1-4 6 8 10 12):
    // tshark on the variant: frames 5–7 are the client's keep-alives (ACK 1), frame 8 its
    // FIN at 19.57 s; the server sent nothing after frame 2, so the request was never
    // acknowledged and the server is not "silent after" it.
    let path = keep_frames(
        "rdp-hung-server.pcap",
        &[(1, 4), (6, 6), (8, 8), (10, 10), (12, 12)],
        "hung-unacked.pcap",
    );
    let r = common::report_of(&path);
    let f = with_id(&r, "tcp.handshake_stall");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![4, 8]);
    assert!(
        f[0].summary.starts_with(
            "the client's 45 bytes (frame 4) were not acknowledged by the server (not delivered, as far as the capture shows); the server sent nothing after them; no data came back for 19.6 s"
        ),
        "{}",
        f[0].summary
    );
    let n = with_id(&r, "rdp.negotiation_incomplete");
    assert_eq!(n[0].frames, vec![4, 8]);
    assert!(
        n[0].summary.starts_with(
            "X.224 Connection Request (frame 4) was not acknowledged by the server (not delivered, as far as the capture shows) and got no Connection Confirm: the client closed the connection (frame 8)"
        ),
        "{}",
        n[0].summary
    );
}

#[test]
fn loss_cites_a_resent_segment_and_the_ack_after_it() {
    // tshark, rdp-lossy-high-latency.pcap: tcp.analysis.retransmission from the client in
    // frames 2 (the SYN), 10, 11, 17, 28, 35 — 6, against 15 client data segments; frame 3
    // (SYN+ACK, ACK 1) acknowledges the re-sent SYN; frames 10/11 are acknowledged by frame
    // 12 (ACK 360), 17 by 18 (ACK 917), 28 by 29 (ACK 981), 35 by 36 (ACK 1049); the last
    // frame, 40, is the client's FIN (the attempt given up).
    let r = common::report_of(&sample_path("rdp-lossy-high-latency.pcap"));
    let f = with_id(&r, "tcp.heavy_loss");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![2, 3, 40]);
    assert!(
        f[0].summary.starts_with(
            "client retransmitted 6 of 15 data segments (40 %) and the server acknowledged the re-sent data (first: frame 2 re-sent, acknowledged in frame 3)"
        ),
        "{}",
        f[0].summary
    );
    // tshark, tests/captures/tcp-bulk-retrans.pcap: frame 37 is the server's fast
    // retransmission of seq 190 (1448 bytes); frame 38 is the client's ACK 10326; the
    // connection's last frame is 58.
    let r = common::report_of(&common::project_dir().join("tests/captures/tcp-bulk-retrans.pcap"));
    let f = with_id(&r, "tcp.heavy_loss");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![37, 38, 58]);
}

#[test]
fn resends_after_icmp_fragmentation_needed_are_not_loss() {
    // tshark, rdp-pmtud-works-server.pcap: frames 13–15 are ICMP type 3 code 4 (next-hop MTU
    // 1000) about the server's 1448/1448/1200-byte segments 10–12; frames 16–20 re-send the
    // data in 948-byte (and one 304-byte) segments, tcp.analysis.retransmission; frame 21
    // is the client's ACK 1916. Cut after frame 30 (editcap -r … 1-30) those five re-sends
    // are 5 of the server's 14 data segments — above the loss thresholds if they counted.
    let path = keep_frames("rdp-pmtud-works-server.pcap", &[(1, 30)], "pmtud-cut.pcap");
    for r in [
        common::report_of(&path),
        common::report_of(&sample_path("rdp-pmtud-works-server.pcap")),
    ] {
        assert!(with_id(&r, "tcp.heavy_loss").is_empty());
        assert!(with_id(&r, "tcp.mtu_blackhole").is_empty());
        let f = with_id(&r, "icmp.unreachable");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].frames, vec![13, 14, 15, 16, 21]);
    }
}
