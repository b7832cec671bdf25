//! Real captures of every supported container variant and link type (tests/captures/, made
//! with tcpdump inside network namespaces and converted where a type cannot be recorded on
//! Linux; see tests/captures/README.md): frame count, link types, format details and every
//! conversation equal what tshark 4.0.17 reports (tests/captures/EXPECTED.json).

mod common;

use serde_json::Value;

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(common::project_dir().join("tests/captures/EXPECTED.json"))
        .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["captures"].as_array().unwrap().clone()
}

#[test]
fn every_test_capture_matches_tshark() {
    let dir = common::project_dir().join("tests/captures");
    let mut diffs = Vec::new();
    let captures = expected();
    assert!(captures.len() >= 30);
    for cap in &captures {
        let file = cap["file"].as_str().unwrap();
        let report = common::report_of(&dir.join(file));
        assert!(
            report.file.error.is_none(),
            "{file}: {:?}",
            report.file.error
        );
        if Some(report.file.packets) != cap["packets"].as_u64() {
            diffs.push(format!(
                "{file}: packets expected {}, got {}",
                cap["packets"], report.file.packets
            ));
        }
        let mut ours: Vec<u64> = report
            .file
            .link_types
            .iter()
            .map(|l| u64::from(l.link_type))
            .collect();
        let mut theirs: Vec<u64> = cap["link_types"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        ours.sort();
        ours.dedup();
        theirs.sort();
        theirs.dedup();
        if ours != theirs {
            diffs.push(format!(
                "{file}: link types expected {theirs:?}, got {ours:?}"
            ));
        }
        let f = &report.file;
        let big = f.byte_order == Some(rdptriage::capture::ByteOrder::Big);
        let format = match f.format {
            Some(rdptriage::capture::Format::Pcap) => format!(
                "pcap-{}-{}",
                if big { "be" } else { "le" },
                if f.ts_precision.as_deref() == Some("nano") {
                    "nsec"
                } else {
                    "usec"
                }
            ),
            _ => if big { "pcapng-be" } else { "pcapng" }.to_string(),
        };
        if cap["format"].as_str() != Some(format.as_str()) {
            diffs.push(format!(
                "{file}: format expected {}, got {format}",
                cap["format"]
            ));
        }
        if cap["gzip"].as_bool() != Some(report.file.gzip) {
            diffs.push(format!(
                "{file}: gzip expected {}, got {}",
                cap["gzip"], report.file.gzip
            ));
        }
        let reassembled = report
            .file
            .ip_fragments
            .as_ref()
            .map_or(0, |f| f.datagrams_reassembled);
        let expected_reassembled = cap["ipv4_fragments_reassembled"].as_u64().unwrap_or(0)
            + cap["ipv6_fragments_reassembled"].as_u64().unwrap_or(0);
        if reassembled != expected_reassembled {
            diffs.push(format!(
                "{file}: reassembled datagrams expected {expected_reassembled}, got {reassembled}"
            ));
        }
        diffs.extend(common::compare_connections(
            file,
            cap["connections"].as_array().unwrap(),
            &report,
        ));
    }
    assert!(
        diffs.is_empty(),
        "{} differences from tshark:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// The two-interface pcapng written by dumpcap 4.0.17 and its big-endian rewrite end with
/// one Interface Statistics Block per interface; `isb_endtime` = 1795215565935197, in
/// microseconds although the interfaces declare nanoseconds (lab/tools/pcapng_blocks.py):
/// 2026-11-20 22:59:25.935197 UTC, 0.80 s after the last packet, read alike in both byte
/// orders.
#[test]
fn capture_end_from_interface_statistics_in_both_byte_orders() {
    for name in ["pcapng-multi-if.pcapng", "pcapng-be-multi-if.pcapng"] {
        let r = common::report_of(&common::project_dir().join("tests/captures").join(name));
        assert_eq!(
            r.file.capture_end.map(|t| t.0),
            Some(1_795_215_565_935_197_000),
            "{name}"
        );
        assert_eq!(
            r.file.capture_end_basis,
            Some("isb_endtime_microseconds"),
            "{name}"
        );
    }
    // A legacy pcap has no such record.
    let r = common::report_of(&common::project_dir().join("tests/captures/eth-lo.pcap"));
    assert_eq!(r.file.capture_end, None);
}
