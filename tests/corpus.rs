//! Every capture of the shared corpus: packet count, link types and every TCP/UDP
//! conversation (stream number, client, server, per-direction packets and bytes, first and
//! last frame, how it ended) equal what tshark 4.0.17 reports. The expectations in
//! tests/corpus_expected.json were produced by tests/captures/make/expected.py from
//! `tshark -T fields` and cross-checked against `tshark -q -z conv,tcp -z conv,udp`.

mod common;

use serde_json::Value;

#[test]
fn corpus_conversations_match_tshark() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(common::project_dir().join("tests/corpus_expected.json")).unwrap(),
    )
    .unwrap();
    let captures = expected["captures"].as_array().unwrap();
    assert_eq!(captures.len(), 27, "the corpus catalog lists 27 captures");
    let mut diffs = Vec::new();
    for cap in captures {
        let file = cap["file"].as_str().unwrap();
        let report = common::report_of(&corpus.join(file));
        if Some(report.file.packets) != cap["packets"].as_u64() {
            diffs.push(format!(
                "{file}: packets expected {}, got {}",
                cap["packets"], report.file.packets
            ));
        }
        let link_types: Vec<u64> = report
            .file
            .link_types
            .iter()
            .map(|l| u64::from(l.link_type))
            .collect();
        let expected_links: Vec<u64> = cap["link_types"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        if link_types != expected_links {
            diffs.push(format!(
                "{file}: link types expected {expected_links:?}, got {link_types:?}"
            ));
        }
        assert!(
            report.file.error.is_none()
                && report.file.warnings.iter().all(|w| w.kind != "truncated")
        );
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
