//! Each reset-injection signal on small hand-built packet sequences (RDP-FACTS §8.2), and a
//! genuine reset that must not be flagged.

mod common;

use common::pcap_writer::{Seg, frame, seg, write_pcap};
use rdptriage::analyze::analyze_path;
use rdptriage::state::rst_evidence::judge_resets;

fn with_ttl(mut s: Seg<'_>, ttl: u8) -> Seg<'_> {
    s.ttl = ttl;
    s
}

/// Client-side capture: the server is 1 hop away (TTL 63); SYN, SYN+ACK, ACK, a request.
fn opening() -> Vec<Vec<u8>> {
    vec![
        frame(&seg(true, 100, 0, "S", b"")),
        frame(&with_ttl(seg(false, 900, 101, "SA", b""), 63)),
        frame(&seg(true, 101, 901, "A", b"")),
        frame(&seg(true, 101, 901, "AP", b"hello")),
        frame(&with_ttl(seg(false, 901, 106, "AP", b"world"), 63)),
    ]
}

fn signals(name: &str, frames: &[Vec<u8>]) -> Vec<(u64, Vec<&'static str>, bool)> {
    let a = analyze_path(&write_pcap(name, frames), None).unwrap();
    judge_resets(&a.conversations[0])
        .into_iter()
        .map(|v| {
            (
                v.frame,
                v.signals.iter().map(|s| s.name).collect(),
                v.injected(),
            )
        })
        .collect()
}

#[test]
fn ttl_unlike_the_claimed_sender() {
    let mut f = opening();
    f.push(frame(&with_ttl(seg(false, 906, 106, "R", b""), 64))); // frame 6
    assert_eq!(
        signals("rst-ttl.pcap", &f),
        vec![(6, vec!["ttl_mismatch"], true)]
    );
}

#[test]
fn data_after_the_senders_own_reset() {
    let mut f = opening();
    f.push(frame(&with_ttl(seg(false, 906, 106, "R", b""), 63))); // frame 6, TTL consistent
    f.push(frame(&with_ttl(seg(false, 906, 106, "AP", b"more"), 63))); // frame 7
    assert_eq!(
        signals("rst-data-after.pcap", &f),
        vec![(6, vec!["data_after_reset"], true)]
    );
}

#[test]
fn resets_both_ways_at_once_are_medium_evidence() {
    let mut f = opening();
    f.push(frame(&with_ttl(seg(false, 906, 106, "R", b""), 63))); // frame 6
    // The writer spaces frames 1 ms apart; both_directions needs ≤ 1 ms.
    f.push(frame(&seg(true, 106, 906, "R", b""))); // frame 7
    let s = signals("rst-both.pcap", &f);
    assert_eq!(s.len(), 2);
    assert!(
        s.iter()
            .all(|(_, sig, injected)| sig == &vec!["both_directions"] && !injected),
        "{s:?}"
    );
}

#[test]
fn genuine_reset_is_not_flagged() {
    let mut f = opening();
    f.push(frame(&seg(true, 106, 906, "RA", b""))); // the client's own abortive close
    assert_eq!(signals("rst-genuine.pcap", &f), vec![(6, vec![], false)]);
}
