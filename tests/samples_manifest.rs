//! samples/MANIFEST.json is the ground truth of the captures the lab recorded with real
//! software (see lab/README.md). For every entry: the file exists, and its decoding facts —
//! packet count, link type, every conversation with its stream number, client, server,
//! per-direction packets and bytes, first and last frame and how it ended, all taken from
//! tshark by lab/tools/manifest_decode.py — equal ours. Every capture in samples/ has an
//! entry. (The detector issues extend this test to findings and causes.)

mod common;

use serde_json::Value;

const CAUSE_IDS: [&str; 24] = [
    "certificate_expired",
    "certificate_not_yet_valid",
    "certificate_name_mismatch",
    "certificate_untrusted",
    "tls_version_mismatch",
    "tls_cipher_mismatch",
    "tls_handshake_failure",
    "security_layer_mismatch",
    "nla_failure",
    "server_denied",
    "middlebox_reset",
    "connection_refused",
    "connection_blocked",
    "path_mtu_blackhole",
    "network_loss",
    "handshake_timeout",
    "gateway_http_framing",
    "gateway_auth_failure",
    "gateway_error",
    "udp_transport_blocked",
    "udp_loss",
    "no_failure_observed",
    "no_rdp_traffic",
    "probes_only",
];

#[test]
fn manifest_decoding_facts_hold() {
    let samples = common::project_dir().join("samples");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(samples.join("MANIFEST.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["schema"], "rdptriage-samples/1");
    let entries = manifest["captures"].as_array().unwrap();
    assert!(!entries.is_empty());
    let mut diffs = Vec::new();
    for e in entries {
        let file = e["file"].as_str().unwrap();
        let cause = e["expected_cause"].as_str().unwrap_or_default();
        assert!(
            CAUSE_IDS.contains(&cause),
            "{file}: unknown cause id {cause:?}"
        );
        let report = common::report_of(&samples.join(file));
        let decode = &e["decode"];
        if Some(report.file.packets) != decode["packets"].as_u64() {
            diffs.push(format!(
                "{file}: packets expected {}, got {}",
                decode["packets"], report.file.packets
            ));
        }
        let names: Vec<&str> = report
            .file
            .link_types
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        if decode["link_type"].as_str().is_some_and(|lt| names != [lt]) {
            diffs.push(format!(
                "{file}: link type expected {}, got {names:?}",
                decode["link_type"]
            ));
        }
        diffs.extend(common::compare_connections(
            file,
            decode["connections"].as_array().unwrap(),
            &report,
        ));
    }
    let listed: Vec<&str> = entries.iter().filter_map(|e| e["file"].as_str()).collect();
    for entry in std::fs::read_dir(&samples).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".pcap") || name.ends_with(".pcapng") {
            assert!(
                listed.contains(&name.as_str()),
                "samples/{name} has no MANIFEST.json entry"
            );
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
