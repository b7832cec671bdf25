//! Container details read from real captures (tests/captures/), each value checked in
//! tshark 4.0.17 / editcap: pcapng comments, Decryption Secrets Blocks, a 2^-20 s
//! timestamp resolution, Simple and Obsolete Packet Blocks, gzip.

mod common;

use rdptriage::capture::Timestamp;

fn report(name: &str) -> rdptriage::report::json::FileReport {
    common::report_of(&common::project_dir().join("tests/captures").join(name))
}

#[test]
fn pcapng_packet_comments_are_kept() {
    // tshark -T fields -e frame.number -e frame.comment: frames 1, 13 and 26.
    for name in ["pcapng-comments.pcapng", "pcapng-be-comments.pcapng"] {
        let r = report(name);
        for text in [
            "first SYN of the IPv4 HTTP request",
            "IPv6 connection starts here",
            "first UDP datagram",
        ] {
            assert!(
                r.file.comments.iter().any(|c| c == text),
                "{name}: {:?}",
                r.file.comments
            );
        }
        assert_eq!(r.file.comments_total, 3, "{name}");
    }
}

#[test]
fn decryption_secrets_block_is_kept_for_later_stages() {
    // The DSB written by `editcap --inject-secrets tls,...`: type TLSK, 987 bytes of key log.
    for name in ["pcapng-dsb.pcapng", "pcapng-dsb.pcapng.gz"] {
        let r = report(name);
        assert_eq!(r.file.decryption_secrets.len(), 1, "{name}");
        assert_eq!(r.file.decryption_secrets[0].secrets_type, "tls_key_log");
        assert_eq!(r.file.decryption_secrets[0].length, 987);
        assert_eq!(r.file.gzip, name.ends_with(".gz"));
    }
}

#[test]
fn power_of_two_timestamp_resolution() {
    // if_tsresol 0x94 (2^-20 s); tshark: frame 1 at 1795215326.358137130.
    let r = report("pcapng-tsresol-pow2.pcapng");
    let first = r.file.first_packet.unwrap();
    let expected = Timestamp(1_795_215_326_358_137_130);
    assert!((first.0 - expected.0).abs() <= 1, "{}", first.to_rfc3339());
    assert_eq!(r.file.interfaces[0].ts_units_per_sec, 1 << 20);
}

#[test]
fn simple_and_obsolete_packet_blocks_are_frames() {
    // tshark numbers SPB and OPB frames like any other: frames 2 and 3 are SPBs (no time).
    let r = report("pcapng-spb-opb.pcapng");
    let expected = common::project_dir().join("tests/captures/EXPECTED.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
    let cap = v["captures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == "pcapng-spb-opb.pcapng")
        .unwrap();
    assert_eq!(Some(r.file.packets), cap["packets"].as_u64());
    assert!(r.connections.iter().map(|c| c.packets).sum::<u64>() > 0);
}
