//! DNS lookups (RFC 1035, parsed by simple-dns) on Arkime's synthetic capture, every value
//! checked with tshark 4.0 (`-Y dns -T fields -e frame.number -e udp.stream -e dns.id -e
//! dns.flags.response -e dns.qry.name -e dns.qry.type -e dns.a -e dns.aaaa -e dns.cname -e
//! dns.flags.rcode`).

mod common;

use rdptriage::analyze::analyze_path;
use std::net::IpAddr;

#[test]
fn lookups_and_answers_match_tshark() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let a = analyze_path(
        &corpus.join("arkime/tests/pcap/arkime_synthetic.pcap"),
        None,
    )
    .unwrap();
    let first = |stream: u64| {
        a.dns
            .get(&stream)
            .and_then(|c| c.lookups.first())
            .unwrap_or_else(|| panic!("udp/{stream}: no lookup"))
    };
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    // Frames 221 / 222: example.com A → 10.0.1.1, id 0x1234, rcode 0.
    let l = first(0);
    assert_eq!((l.query_frame, l.response_frame), (Some(221), Some(222)));
    assert_eq!(
        (l.name.as_str(), l.qtype.as_str(), l.id),
        ("example.com", "A", 0x1234)
    );
    assert_eq!(l.addresses, [ip("10.0.1.1")]);
    assert_eq!(l.rcode.as_deref(), Some("NoError"));
    // Frames 328 / 329: www.example.org A answered with a CNAME to example.org only.
    let l = first(16);
    assert_eq!(l.cnames, ["example.org"]);
    assert!(l.addresses.is_empty());
    // Frames 330 / 331: AAAA 2001:db8::1.
    let l = first(17);
    assert_eq!(l.qtype, "AAAA");
    assert_eq!(l.addresses, [ip("2001:db8::1")]);
    // Frames 342 / 343 rcode 3, 344 / 345 rcode 2.
    assert_eq!(first(23).rcode.as_deref(), Some("NameError"));
    assert_eq!(first(24).rcode.as_deref(), Some("ServerFailure"));
    // Frame 355: a response without its query in the capture.
    let l = first(29);
    assert_eq!((l.query_frame, l.response_frame), (None, Some(355)));
    assert_eq!(l.addresses, [ip("7.7.7.7")]);
    // Frames 525 and 526: two queries, each on its own conversation, never answered.
    assert_eq!(first(44).response_frame, None);
    assert_eq!(first(45).query_frame, Some(526));
}

/// The lab client connected to `rdp.lab.test`: FreeRDP 2.11 asked A and AAAA twice, from two
/// source ports (tshark: frames 1/2 → 3/4 on udp.stream 0, ids 0x55c8 / 0x04c4, and 5/6 →
/// 7/8 on udp.stream 1; `dns.a == 10.0.2.2` in frames 3 and 7), then opened tcp.stream 0 to
/// 10.0.2.2:3389 in frame 9. The attempt carries both lookups and the name.
#[test]
fn attempt_joins_the_lookups_of_its_target() {
    let r = common::report_of(&common::project_dir().join("samples/rdp-by-name-healthy-xrdp.pcap"));
    let attempts = &r.diagnosis.attempts;
    assert_eq!(attempts.len(), 1);
    let at = &attempts[0];
    assert_eq!(at.server, "10.0.2.2:3389");
    assert_eq!(at.connections, ["tcp/0", "udp/0", "udp/1"]);
    assert_eq!(at.names, ["rdp.lab.test"]);
    assert_eq!(at.first_frame, 1);
    let dns = r.connections[0..]
        .iter()
        .find(|c| c.id == "udp/0")
        .and_then(|c| c.dns.as_ref())
        .expect("udp/0 is DNS");
    let a = &dns.lookups[0];
    assert_eq!(
        (a.query_frame, a.response_frame, a.id),
        (Some(1), Some(3), 0x55c8)
    );
    assert_eq!(
        a.addresses,
        ["10.0.2.2".parse::<std::net::IpAddr>().unwrap()]
    );
    let aaaa = &dns.lookups[1];
    assert_eq!(
        (aaaa.qtype.as_str(), aaaa.response_frame, aaaa.id),
        ("AAAA", Some(4), 0x04c4)
    );
    assert!(aaaa.addresses.is_empty());
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
}
