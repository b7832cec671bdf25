//! RDP over UDP (MS-RDPEUDP) on the corpus captures from Zeek's and nDPI's test suites:
//! handshakes, versions, correlation ids, per-direction datagram counts, the unanswered-SYN
//! verdict, and loss accounting on a copy of a real session with datagrams cut out.
//!
//! Expected values were read with tshark 4.0 (`-d udp.port==3389,rdpudp -T fields -e
//! rdpudp.flags -e rdpudp.initialsequencenumber -e rdpudp.synex.version -e
//! rdpudp.correlationid`, `-z conv,udp`). Wireshark's v1 dissector does not skip the ACK
//! vector's padding, so its `rdpudp.data.sncoded` is shifted by two bytes; the sequence
//! numbers were checked with a separate reading of `udp.payload` that follows MS-RDPEUDP
//! 2.2.2.7 (padding to 4 bytes): in the untrimmed success session both directions' snCoded
//! run without a gap and no snSourceStart repeats.

mod common;

use serde_json::Value;
use std::path::Path;

fn report(path: &Path) -> Value {
    serde_json::to_value(common::report_of(path)).unwrap()
}

fn udp_flow(r: &Value, stream: u64) -> &Value {
    r["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == format!("udp/{stream}"))
        .unwrap_or_else(|| panic!("udp/{stream} missing"))
        .get("rdp_udp")
        .unwrap_or_else(|| panic!("udp/{stream} has no rdp_udp"))
}

fn frames(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["frame"].as_u64().unwrap())
        .collect()
}

fn finding_ids(r: &Value) -> Vec<(String, String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["transport"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn verdict(r: &Value) -> &str {
    r["diagnosis"]["causes"][0]["cause"].as_str().unwrap()
}

/// Zeek's trimmed trace: three SYNs to 3389/udp, no answer (Zeek conn.log: S0, orig_pkts 3).
#[test]
fn unanswered_syns_are_udp_transport_blocked() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let r = report(&corpus.join("zeek/testing/btest/Traces/rdp/rdpeudp-handshake-fail.pcap"));
    let u = udp_flow(&r, 0);
    assert_eq!(frames(&u["syns"]), [1, 2, 3]);
    assert_eq!(u["syn_count"], 3);
    assert_eq!(u["syn_ack_count"], 0);
    assert_eq!(u["syns"][0]["length"], 1232);
    assert_eq!(u["syns"][0]["initial_sequence_number"], 0xee40_71dc_u32);
    assert_eq!(u["syns"][0]["upstream_mtu"], 1232);
    assert_eq!(u["syns"][0]["version"], 2);
    assert_eq!(u["syns"][0]["lossy"], false);
    // tshark: rdpudp.correlationid f8530360ca7f4241a67374e5201a0000, shown as a Windows GUID.
    assert_eq!(u["correlation_id"], "600353f8-7fca-4142-a673-74e5201a0000");
    assert_eq!(u["server"]["datagrams"], 0);
    assert_eq!(
        finding_ids(&r),
        [(
            "rdpudp.syn_unanswered".to_string(),
            "warning".to_string(),
            "udp".to_string()
        )]
    );
    let f = &r["findings"][0];
    assert_eq!(f["frames"], serde_json::json!([1, 2, 3]));
    assert_eq!(
        f["wireshark_filter"],
        "udp.stream eq 0 && frame.number in {1, 2, 3}"
    );
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("3 RDP-UDP SYNs (1232-byte datagrams, RDP-UDP v2)"),
        "{}",
        f["summary"]
    );
    assert_eq!(verdict(&r), "udp_transport_blocked");
    let attempt = &r["diagnosis"]["attempts"][0];
    assert_eq!(attempt["connections"], serde_json::json!(["udp/0"]));
    assert_eq!(attempt["failed"], true);
}

/// The same SYNs inside the whole 114 s session: TCP carried the session (TLS 1.2 to
/// dc.windomain.local), UDP never got an answer. The verdict names the UDP trouble, at
/// warning level: the attempt did not fail.
#[test]
fn session_on_tcp_with_udp_blocked() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let r = report(&corpus.join("zeek/history/rdp-rdpeudp-handshake-fail.pcap"));
    let u = udp_flow(&r, 0);
    assert_eq!(frames(&u["syns"]), [56, 527, 1391]);
    let attempt = &r["diagnosis"]["attempts"][0];
    assert_eq!(
        attempt["connections"],
        serde_json::json!(["tcp/0", "udp/0"])
    );
    assert_eq!(attempt["failed"], false);
    assert_eq!(
        attempt["causes"],
        serde_json::json!(["udp_transport_blocked"])
    );
    assert_eq!(verdict(&r), "udp_transport_blocked");
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "error"),
        "{:#}",
        r["findings"]
    );
}

/// Zeek's success trace (IPv6 loopback): SYN (version 3 offered), SYN+ACK (version 2
/// agreed), the client's ACK with the first TLS record.
#[test]
fn v2_handshake_and_data() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let r = report(&corpus.join("zeek/testing/btest/Traces/rdp/rdpeudp-handshake-success.pcap"));
    let u = udp_flow(&r, 0);
    assert_eq!(frames(&u["syns"]), [1]);
    assert_eq!(frames(&u["syn_acks"]), [2]);
    assert_eq!(u["syns"][0]["version"], 3);
    assert_eq!(u["syn_acks"][0]["version"], 2);
    assert_eq!(u["syn_acks"][0]["initial_sequence_number"], 0x0f94_ea0b_u32);
    assert_eq!(u["version"], 2);
    assert_eq!(u["established_frame"], 3);
    assert_eq!(u["data_phase"], "rdpeudp");
    assert_eq!(u["client"]["datagrams"], 5);
    assert_eq!(u["server"]["datagrams"], 5);
    assert_eq!(u["client"]["source"], 4);
    assert_eq!(u["server"]["source"], 4);
    assert_eq!(verdict(&r), "no_failure_observed");
    assert_eq!(r["findings"], serde_json::json!([]));
}

/// RDPEUDP2: SYNEX version 0x0101 on both sides; the data phase is counted, not parsed.
#[test]
fn v3_handshake_switches_to_rdpeudp2() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let r = report(&corpus.join("zeek/testing/btest/Traces/rdp/rdpeudp2-handshake-success.pcap"));
    let u = udp_flow(&r, 0);
    assert_eq!(u["version"], 0x0101);
    assert_eq!(u["data_phase"], "rdpeudp2");
    assert_eq!(u["established_frame"], 3);
    assert_eq!(u["client"]["datagrams"], 3);
    assert_eq!(u["server"]["datagrams"], 7);
    assert_eq!(u["unread_datagrams"], 0);
    assert_eq!(verdict(&r), "no_failure_observed");
}

/// nDPI's RDP-over-UDP-only capture: a v3 flow, a flow joined after its handshake (frames
/// 7…32), a v2 flow; no TCP. Three attempts, none failed.
#[test]
fn udp_only_capture_from_ndpi() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let r = report(&corpus.join("ndpi/tests/cfgs/default/pcap/rdp2.pcap"));
    assert_eq!(udp_flow(&r, 0)["data_phase"], "rdpeudp2");
    let mid = udp_flow(&r, 1);
    assert_eq!(mid["mid_stream"], true);
    assert_eq!(mid["client"]["first_frame"], 7);
    // tshark: frames 7–32 of 51652 ↔ 3389, data flag on 9 client and 12 server datagrams.
    assert_eq!(mid["client"]["source"], 9);
    assert_eq!(mid["server"]["source"], 12);
    assert_eq!(udp_flow(&r, 2)["version"], 2);
    let attempts = r["diagnosis"]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|a| a["failed"] == false));
    assert_eq!(verdict(&r), "no_failure_observed");
}

/// The untrimmed success session (881 datagrams): every count from tshark, no loss.
#[test]
fn long_session_counts_and_no_loss() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let r = report(&corpus.join("zeek/history/rdp-rdpeudp-handshake-success.pcap"));
    let u = udp_flow(&r, 0);
    // tshark -z conv,udp: 382 datagrams ::1:61291 → ::1:3389, 499 back; flags: client 146
    // with DATA, 235 without; server 437 with DATA, 61 without, plus the SYN / SYN+ACK.
    assert_eq!(u["client"]["datagrams"], 382);
    assert_eq!(u["server"]["datagrams"], 499);
    assert_eq!(u["client"]["source"], 146);
    assert_eq!(u["client"]["ack_only"], 235);
    assert_eq!(u["server"]["source"], 437);
    assert_eq!(u["server"]["ack_only"], 61);
    for side in ["client", "server"] {
        assert_eq!(u[side]["missing"], 0, "{side}");
        assert_eq!(u[side]["retransmissions"], 0, "{side}");
        assert_eq!(u[side]["jumps"], 0, "{side}");
    }
    assert!(
        !finding_ids(&r)
            .iter()
            .any(|(id, _, _)| id.starts_with("rdpudp."))
    );
}

/// The same session with every tenth server DATA datagram cut out of the file (as if lost
/// before the capture point): the gaps in snCoded are counted exactly and `rdpudp.loss`
/// names the server → client direction.
#[test]
fn datagrams_cut_from_a_real_session_are_counted_as_loss() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let original =
        std::fs::read(corpus.join("zeek/history/rdp-rdpeudp-handshake-success.pcap")).unwrap();
    let (cut, removed) = drop_server_data(&original, 10);
    assert_eq!(
        removed, 44,
        "437 server DATA datagrams, every tenth from the fifth"
    );
    let scratch = common::Scratch::new("rdpudp-loss");
    let path = scratch.file("cut.pcap", &cut);
    let r = report(Path::new(&path));
    let u = udp_flow(&r, 0);
    assert_eq!(u["server"]["source"], 437 - removed);
    assert_eq!(u["server"]["missing"], removed);
    assert_eq!(u["client"]["missing"], 0);
    let loss: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "rdpudp.loss")
        .collect();
    assert_eq!(loss.len(), 1, "{:#}", r["findings"]);
    let summary = loss[0]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(
            "RDP-UDP [::1]:3389 → [::1]:61291: 44 of 437 data datagrams lost (10.1 %)"
        ),
        "{summary}"
    );
    assert!(
        r["diagnosis"]["causes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["cause"] == "udp_loss")
    );
}

/// Copies a little-endian microsecond pcap of Ethernet/IPv6/UDP, leaving out every `every`th
/// DATA datagram sent from UDP port 3389 (starting with the fifth). Returns the new file and
/// how many were left out.
fn drop_server_data(pcap: &[u8], every: usize) -> (Vec<u8>, u64) {
    assert_eq!(&pcap[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian pcap");
    let mut out = pcap[..24].to_vec();
    let mut at = 24;
    let mut seen = 0usize;
    let mut removed = 0u64;
    while at + 16 <= pcap.len() {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        let record = &pcap[at..at + 16 + caplen];
        let data = &record[16..];
        // Ethernet (14) + IPv6 (40, next header UDP) + UDP (8) + RDPUDP_FEC_HEADER flags.
        let is_server_data = data.len() >= 14 + 40 + 8 + 8
            && data[12..14] == [0x86, 0xdd]
            && data[14 + 6] == 17
            && u16::from_be_bytes([data[54], data[55]]) == 3389
            && u16::from_be_bytes([data[62 + 6], data[62 + 7]]) & 0x0009 == 0x0008;
        let drop = is_server_data && {
            seen += 1;
            seen % every == 5
        };
        if drop {
            removed += 1;
        } else {
            out.extend_from_slice(record);
        }
        at += 16 + caplen;
    }
    (out, removed)
}
