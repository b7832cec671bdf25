//! A file's document as the engine assembles it from the groups it judged as it went: the
//! same document as the analysis of the whole file, a UDP flow that resumes after a silence
//! keeps its `udp.stream` (as Wireshark numbers it), and the document lists at most its
//! maximum of connections, counting the rest.

mod common;

use rdptriage::analyze::{AnalyzeOptions, analyze_path, keys_for};
use rdptriage::engine::document::{report_path, report_reader};
use rdptriage::engine::stream::StreamOptions;
use std::path::{Path, PathBuf};

/// The first place two JSON values differ, as a path.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (Some(p), Some(q)) = (x.get(key), y.get(key)) else {
                    return Some(format!("{path}/{key}: present on one side only"));
                };
                if let Some(d) = first_difference(p, q, &format!("{path}/{key}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} vs {} entries", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]")))
        }
        _ if a != b => Some(format!("{path}: {a} vs {b}")),
        _ => None,
    }
}

#[test]
fn a_files_document_is_the_whole_files_document() {
    let mut differences = Vec::new();
    let mut compared = 0;
    let mut connections = 0;
    for path in common::sample_and_corpus_captures() {
        let Ok(analysis) = analyze_path(&path, None) else {
            continue;
        };
        let whole = serde_json::to_value(rdptriage::engine::file_report(analysis)).unwrap();
        let assembled = report_path(&path, &AnalyzeOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let assembled = serde_json::to_value(assembled).unwrap();
        compared += 1;
        connections += whole["connections"].as_array().map_or(0, Vec::len);
        if let Some(d) = first_difference(&whole, &assembled, "") {
            differences.push(format!("{}: {d}", path.display()));
        }
    }
    assert!(compared >= 60, "only {compared} captures compared");
    assert!(
        connections >= 300,
        "only {connections} connections compared"
    );
    assert!(
        differences.is_empty(),
        "{} of {compared} captures differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// A UDP datagram from 10.0.0.1:`from` to 10.0.0.2:161 (SNMP) with 10 bytes of payload.
fn snmp_datagram(from: u16) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(from, 161);
    let mut out = Vec::new();
    b.write(&mut out, &[b'x'; 10]).unwrap();
    out
}

/// A microsecond legacy pcap of `(seconds, frame)` records.
fn pcap_at(records: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0xA1B2_C3D4u32, 0x0004_0002, 0, 0, 262_144, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (secs, f) in records {
        for v in [1_700_000_000 + secs, 0, f.len() as u32, f.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(f);
    }
    out
}

fn document_of(bytes: &[u8], options: StreamOptions) -> serde_json::Value {
    let (keys, decryption) = keys_for(Path::new("memory.pcap"), &AnalyzeOptions::default());
    let report = report_reader(
        "memory.pcap".into(),
        bytes,
        false,
        keys,
        decryption,
        options,
    )
    .expect("a readable capture");
    serde_json::to_value(report).unwrap()
}

/// 10.0.0.1:5000 → :161 at 0 s and again at 300 s (its conversation was closed after two
/// minutes of silence), other flows between. tshark 4.0 numbers the frames' `udp.stream`
/// 0, 1, 0, 2 (`tshark -r FILE -T fields -e frame.number -e udp.stream`).
#[test]
fn a_udp_flow_resumed_after_a_silence_keeps_its_stream() {
    let capture = pcap_at(&[
        (0, snmp_datagram(5000)),
        (1, snmp_datagram(5001)),
        (300, snmp_datagram(5000)),
        (301, snmp_datagram(5002)),
    ]);
    let doc = document_of(&capture, StreamOptions::default());
    let rows: Vec<(String, u64, u64, u64, f64)> = doc["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["packets"].as_u64().unwrap(),
                c["first_frame"].as_u64().unwrap(),
                c["last_frame"].as_u64().unwrap(),
                c["duration_s"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("udp/0".to_string(), 2, 1, 3, 300.0),
            ("udp/1".to_string(), 1, 2, 2, 0.0),
            ("udp/2".to_string(), 1, 4, 4, 0.0),
        ]
    );
    assert_eq!(doc["connections"][0]["client_to_server"]["packets"], 2);
    assert_eq!(doc["connections"][0]["client_to_server"]["last_frame"], 3);
    assert_eq!(doc["file"]["udp_conversations"], 3);
}

/// arkime_synthetic.pcap holds conversations between many pairs of hosts; a document that
/// may list only 50 connections lists the groups judged first and counts the rest.
#[test]
fn a_document_lists_at_most_its_maximum_and_counts_the_rest() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let bytes = std::fs::read(corpus.join("arkime/tests/pcap/arkime_synthetic.pcap")).unwrap();
    let whole = document_of(&bytes, StreamOptions::default());
    let limited = document_of(
        &bytes,
        StreamOptions {
            max_listed_connections: 50,
            ..Default::default()
        },
    );
    let all = whole["connections"].as_array().unwrap().len() as u64;
    let listed = limited["connections"].as_array().unwrap().len() as u64;
    let limits = &limited["file"]["limits"];
    assert_eq!(all, 196);
    assert!(listed > 0 && listed <= 50, "{listed} listed");
    assert_eq!(
        limits["connections_not_listed"].as_u64().unwrap(),
        all - listed
    );
    assert_eq!(whole["file"]["limits"]["connections_not_listed"], 0);
    let attempts =
        |d: &serde_json::Value| d["diagnosis"]["attempts"].as_array().unwrap().len() as u64;
    assert_eq!(
        attempts(&limited) + limits["attempts_not_listed"].as_u64().unwrap(),
        attempts(&whole)
    );
    let failed = |d: &serde_json::Value| {
        d["diagnosis"]["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["failed"] == true)
            .count() as u64
    };
    assert_eq!(
        failed(&limited) + limits["failed_attempts_not_listed"].as_u64().unwrap(),
        failed(&whole)
    );
    let warning = limited["file"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "limit_document")
        .expect("a limit_document warning");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{} more connections", all - listed)),
        "{warning}"
    );
    // The attempts' cap, by the same rule.
    let few = document_of(
        &bytes,
        StreamOptions {
            max_listed_attempts: 5,
            ..Default::default()
        },
    );
    let few_limits = &few["file"]["limits"];
    assert!(attempts(&few) <= 5, "{} listed", attempts(&few));
    assert_eq!(
        attempts(&few) + few_limits["attempts_not_listed"].as_u64().unwrap(),
        attempts(&whole)
    );
    assert_eq!(
        few["connections"].as_array().unwrap().len() as u64
            + few_limits["connections_not_listed"].as_u64().unwrap(),
        all
    );
    // Every connection listed is one of the whole document's, unchanged.
    let whole_by_id: std::collections::HashMap<&str, &serde_json::Value> = whole["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c))
        .collect();
    for c in limited["connections"].as_array().unwrap() {
        assert_eq!(Some(&c), whole_by_id.get(c["id"].as_str().unwrap()));
    }
}

fn rdptriage(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(args)
        .output()
        .expect("rdptriage runs");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `analyze --format json` renders each TCP connection entry into a temporary file as it is
/// judged and copies it back in place: the bytes are those of the document held in memory,
/// for captures with TCP and UDP entries mixed (RDP-UDP, DNS), a key log, and a UDP flow
/// that resumed.
#[test]
fn a_spilled_json_document_has_the_bytes_of_the_held_one() {
    let mut paths: Vec<PathBuf> = [
        "samples/rdp-by-name-healthy-xrdp.pcap",
        "samples/rdp-nla-password-guessing-shadow.pcap",
        "samples/rdp-health-probes-haproxy-session.pcap",
    ]
    .iter()
    .map(|p| common::project_dir().join(p))
    .collect();
    if let Some(corpus) = common::corpus_dir() {
        paths.push(corpus.join("zeek/testing/btest/Traces/rdp/rdpeudp-handshake-success.pcap"));
        paths.push(corpus.join("arkime/tests/pcap/arkime_synthetic.pcap"));
    }
    for path in paths {
        let held = report_path(&path, &AnalyzeOptions::default()).unwrap();
        assert!(held.spilled.is_none());
        let expected = serde_json::to_string(&held).unwrap();
        let printed = rdptriage(&[
            "analyze",
            "--format",
            "json",
            "--fail-on",
            "never",
            path.to_str().unwrap(),
        ]);
        assert_eq!(printed.trim_end(), expected, "{}", path.display());
    }
}

/// The table of a document whose connections were spilled says what the held one says of
/// them: rdp-by-name-healthy-xrdp.pcap has 3 connections (`tshark -z conv,tcp -z conv,udp`:
/// 2 TCP, 1 UDP DNS) and its key log opens its 1 TLS session (tshark with the key log
/// decrypts both Finished messages of one handshake).
#[test]
fn a_spilled_tables_counts_are_the_held_ones() {
    let path = common::project_dir().join("samples/rdp-by-name-healthy-xrdp.pcap");
    let held = report_path(&path, &AnalyzeOptions::default()).unwrap();
    let table = rdptriage(&[
        "analyze",
        "--color",
        "never",
        "--fail-on",
        "never",
        path.to_str().unwrap(),
    ]);
    let (decrypted, _) = held.tls_decryption();
    assert_eq!((held.connections.len(), decrypted), (3, 1));
    assert!(
        table.contains(&format!("{} connection(s);", held.connections.len())),
        "{table}"
    );
    assert!(
        table.contains(&format!("{decrypted} TLS session(s) decrypted")),
        "{table}"
    );
}
