//! `--format sarif` against the OASIS SARIF 2.1.0 schema (with Errata 01; shipped unchanged in
//! tests/schemas, origin and checksum in tests/schemas/README.md), for real captures: healthy
//! ones, several kinds of failure, unreadable inputs and one log for many files. Beyond the
//! schema, what the log says: one result per finding with the finding id as rule, the level
//! from the severity, the capture as artifact, frames and Wireshark filter carried along, and
//! unreadable captures and analysis limits as tool execution notifications.

mod common;

use common::Scratch;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::Command;

/// SHA-256 of tests/schemas/sarif-schema-2.1.0.json, as stated in tests/schemas/README.md.
const SCHEMA_SHA256: &str = "ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949";
const SCHEMA_ID: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn schema_path() -> PathBuf {
    common::project_dir().join("tests/schemas/sarif-schema-2.1.0.json")
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors = schema_errors(v, doc);
    assert!(
        errors.is_empty(),
        "{what}: {} schema errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

fn analyze(format: &str, paths: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--fail-on", "never", "--format", format])
        .args(paths)
        .current_dir(common::project_dir())
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn sarif(paths: &[&str]) -> (Option<i32>, Value) {
    let (code, text) = analyze("sarif", paths);
    (code, serde_json::from_str(&text).unwrap())
}

/// The binary's own JSON reports for the same inputs, one per file in input order: what the
/// SARIF log is compared with.
fn reports(paths: &[&str]) -> Vec<Value> {
    let text = analyze("json", paths).1;
    common::json_documents(&text)
}

fn sarif_level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        "info" => "note",
        other => panic!("unknown severity {other}"),
    }
}

/// Checks a valid log against the JSON reports of the same files: artifacts in input order,
/// one result per finding in order, rules, notifications for unreadable files and warnings.
fn check_against_reports(log: &Value, reports: &[Value], artifact_uris: &[String]) {
    let run = &log["runs"][0];
    assert_eq!(log["$schema"], SCHEMA_ID);
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let artifacts: Vec<&str> = run["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["location"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(artifacts, artifact_uris);

    let mut rules: Vec<&str> = reports
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap())
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    rules.sort();
    rules.dedup();
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "rdptriage");
    let rule_ids: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rule_ids, rules);

    let results = run["results"].as_array().unwrap();
    let mut next = results.iter();
    for (index, (report, uri)) in reports.iter().zip(artifact_uris).enumerate() {
        for f in report["findings"].as_array().unwrap() {
            let r = next
                .next()
                .unwrap_or_else(|| panic!("{uri}: no result for {}", f["id"]));
            let what = format!("{uri} {}", f["id"]);
            assert_eq!(r["ruleId"], f["id"], "{what}");
            let rule_index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rule_ids[rule_index], f["id"], "{what}");
            assert_eq!(
                r["level"],
                sarif_level(f["severity"].as_str().unwrap()),
                "{what}"
            );
            let location = &r["locations"][0];
            let artifact = &location["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uri"], uri.as_str(), "{what}");
            assert_eq!(artifact["index"], index, "{what}");
            assert_eq!(location["logicalLocations"][0]["kind"], "wiresharkFilter");
            assert_eq!(
                location["logicalLocations"][0]["name"], f["wireshark_filter"],
                "{what}"
            );
            assert_eq!(r["properties"]["frames"], f["frames"], "{what}");
            assert_eq!(r["properties"]["connection"], f["connection"], "{what}");
            assert_eq!(
                r["properties"]["wireshark_filter"], f["wireshark_filter"],
                "{what}"
            );
            let text = r["message"]["text"].as_str().unwrap();
            assert!(
                text.starts_with(f["summary"].as_str().unwrap()),
                "{what}: {text}"
            );
            if let Some(meaning) = f["meaning"].as_str() {
                assert!(text.ends_with(meaning), "{what}: {text}");
            }
        }
    }
    assert!(next.next().is_none(), "more results than findings");

    // Notifications: an error for each unreadable file, a warning for each warning of the
    // others, located at the file; execution unsuccessful exactly when a file was unreadable.
    let invocation = &run["invocations"][0];
    let mut expected = Vec::new();
    for (index, (report, uri)) in reports.iter().zip(artifact_uris).enumerate() {
        let file = &report["file"];
        if !file["error"].is_null() {
            expected.push(("error", &file["error"], index, uri));
        }
        for w in file["warnings"].as_array().map_or(&[][..], Vec::as_slice) {
            expected.push(("warning", w, index, uri));
        }
    }
    assert_eq!(
        invocation["executionSuccessful"],
        !expected.iter().any(|(level, ..)| *level == "error")
    );
    let empty = Vec::new();
    let notifications = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap_or(&empty);
    assert_eq!(notifications.len(), expected.len(), "{notifications:#?}");
    for (n, (level, source, index, uri)) in notifications.iter().zip(&expected) {
        assert_eq!(n["level"], *level);
        assert_eq!(n["descriptor"]["id"], source["kind"]);
        assert_eq!(n["message"]["text"], source["message"]);
        let artifact = &n["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], uri.as_str());
        assert_eq!(artifact["index"], *index);
        assert!(
            driver["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["id"] == source["kind"]),
            "{} has no notification descriptor",
            source["kind"]
        );
    }
}

#[test]
fn shipped_schema_is_the_oasis_sarif_2_1_0_schema() {
    let bytes = std::fs::read(schema_path()).unwrap();
    // The size OASIS lists for errata01/os/schemas/sarif-schema-2.1.0.json.
    assert_eq!(bytes.len(), 112_768);
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest, SCHEMA_SHA256, "the schema file was changed");
    let readme =
        std::fs::read_to_string(common::project_dir().join("tests/schemas/README.md")).unwrap();
    assert!(
        readme.contains(SCHEMA_SHA256),
        "README states another SHA-256"
    );

    let schema: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    assert_eq!(schema["id"], SCHEMA_ID);
    assert_eq!(
        schema["properties"]["version"]["enum"],
        serde_json::json!(["2.1.0"])
    );
    assert_eq!(schema["required"], serde_json::json!(["version", "runs"]));
    for definition in [
        "run",
        "result",
        "invocation",
        "notification",
        "artifactLocation",
    ] {
        assert!(
            schema["definitions"][definition].is_object(),
            "{definition}"
        );
    }
}

#[test]
fn the_schema_rejects_what_it_should() {
    let v = validator();
    let (_, log) = sarif(&["samples/rdp-port-closed.pcap", "Cargo.toml"]);
    assert_valid(&v, &log, "port-closed + Cargo.toml");
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 7] = [
        ("unknown version", |l| l["version"] = "2.0.0".into()),
        ("run without tool", |l| {
            l["runs"][0].as_object_mut().unwrap().remove("tool");
        }),
        ("unknown level", |l| {
            l["runs"][0]["results"][0]["level"] = "fatal".into()
        }),
        ("misspelt result property", |l| {
            l["runs"][0]["results"][0]["ruleid"] = "tcp.refused".into()
        }),
        ("result without message", |l| {
            l["runs"][0]["results"][0]
                .as_object_mut()
                .unwrap()
                .remove("message");
        }),
        ("invocation without executionSuccessful", |l| {
            l["runs"][0]["invocations"][0]
                .as_object_mut()
                .unwrap()
                .remove("executionSuccessful");
        }),
        ("negative artifact index", |l| {
            l["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["index"] =
                (-2).into()
        }),
    ];
    for (what, edit) in edits {
        let mut bad = log.clone();
        edit(&mut bad);
        assert!(!schema_errors(&v, &bad).is_empty(), "{what} was accepted");
    }
}

#[test]
fn single_captures_validate_and_carry_their_findings() {
    let v = validator();
    let files = [
        // healthy, no finding
        "samples/rdp-tls-healthy-xrdp.pcap",
        // healthy with an info finding and a capture warning (bad checksums)
        "samples/tls13-healthy-openssl-ipv6.pcap",
        // refused: two errors
        "samples/rdp-port-closed.pcap",
        // ICMP administratively prohibited, Linux cooked capture
        "samples/rdp-icmp-admin-prohibited-sll.pcap",
        "samples/rdp-tls12-cert-expired-xrdp.pcap",
        // errors and warnings
        "samples/rdp-seclayer-tls-server-rdp-client-xrdp.pcap",
        "samples/rdp-hung-server.pcap",
        // an info finding only
        "samples/rdp-cert-untrusted-xrdp.pcap",
        // a warning only
        "samples/rdp-lossy-high-latency.pcap",
        // a verdict (nla_failure) without any finding: an empty results array
        "samples/rdp-nla-wrong-password-shadow.pcap",
        "samples/http-only-no-rdp.pcap",
    ];
    let mut levels = Vec::new();
    for file in files {
        let (code, log) = sarif(&[file]);
        assert_eq!(code, Some(0), "{file}");
        assert_valid(&v, &log, file);
        check_against_reports(&log, &reports(&[file]), &[file.to_string()]);
        for r in log["runs"][0]["results"].as_array().unwrap() {
            levels.push(r["level"].as_str().unwrap().to_string());
        }
    }
    for level in ["error", "warning", "note"] {
        assert!(levels.iter().any(|l| l == level), "no {level} result");
    }
}

#[test]
fn level_mapping_on_known_findings() {
    // rdp.setup_disconnect is an error, rdp.weak_security a warning, tls.cert_self_signed info;
    // the untrusted-certificate attempt ended right after the TLS handshake
    // (tcp.ended_in_setup, error).
    let (_, log) = sarif(&[
        "samples/rdp-seclayer-tls-server-rdp-client-xrdp.pcap",
        "samples/rdp-cert-untrusted-xrdp.pcap",
    ]);
    let levels: Vec<(&str, &str)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        levels,
        [
            ("rdp.setup_disconnect", "error"),
            ("rdp.setup_disconnect", "error"),
            ("rdp.weak_security", "warning"),
            ("rdp.weak_security", "warning"),
            ("tcp.ended_in_setup", "error"),
            ("tls.cert_self_signed", "note"),
        ]
    );
}

#[test]
fn unreadable_inputs_are_error_notifications() {
    let v = validator();
    let dir = Scratch::new("sarif-unreadable");
    let garbage = dir.file("garbage.pcap", b"this is not a capture at all\n");
    let empty = dir.file("empty.pcapng", b"");
    let missing = dir.0.join("missing.pcap").to_str().unwrap().to_string();
    let healthy = "samples/rdp-tls-healthy-xrdp.pcap";
    let failing = "samples/rdp-port-closed.pcap";
    let inputs = [
        garbage.as_str(),
        healthy,
        empty.as_str(),
        failing,
        missing.as_str(),
    ];
    let (code, log) = sarif(&inputs);
    assert_eq!(code, Some(2));
    assert_valid(&v, &log, "unreadable inputs");
    let uris: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
    check_against_reports(&log, &reports(&inputs), &uris);

    let run = &log["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let kinds: Vec<(&str, &str, u64)> = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["level"].as_str().unwrap(),
                n["descriptor"]["id"].as_str().unwrap(),
                n["locations"][0]["physicalLocation"]["artifactLocation"]["index"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("error", "not_a_capture", 0),
            ("error", "empty", 2),
            ("error", "open", 4)
        ]
    );
    // The findings of the readable failing capture are still results; none points at an
    // unreadable file.
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["index"],
            3
        );
    }

    // All readable: execution successful, nothing to notify.
    let (code, log) = sarif(&[healthy, failing]);
    assert_eq!(code, Some(0));
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    assert!(log["runs"][0]["invocations"][0]["toolExecutionNotifications"].is_null());
    assert!(log["runs"][0]["tool"]["driver"]["notifications"].is_null());
}

#[test]
fn every_sample_and_test_capture_in_one_log() {
    let v = validator();
    let dir = Scratch::new("sarif-batch");
    let garbage = dir.file("garbage.pcap", b"\x00\x01\x02 not a capture");
    let inputs = ["samples", "tests/captures", garbage.as_str()];
    let (code, log) = sarif(&inputs);
    assert_eq!(code, Some(2));
    assert_valid(&v, &log, "samples + tests/captures + garbage");
    let reports = reports(&inputs);
    assert!(reports.len() > 70, "{}", reports.len());
    // Sample and test capture paths are plain: their URI is the path itself.
    let uris: Vec<String> = reports
        .iter()
        .map(|r| r["file"]["path"].as_str().unwrap().to_string())
        .collect();
    check_against_reports(&log, &reports, &uris);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 50, "{}", results.len());
}

#[test]
fn artifact_uris_are_uri_references() {
    let v = validator();
    let dir = Scratch::new("sarif-uri");
    let capture =
        std::fs::read(common::project_dir().join("samples/rdp-port-closed.pcap")).unwrap();
    let odd = dir.file("port closed [100%] #2.pcap", &capture);
    let (code, log) = sarif(&[odd.as_str()]);
    assert_eq!(code, Some(0));
    assert_valid(&v, &log, &odd);
    let dir_uri = dir.0.to_str().unwrap();
    assert!(
        dir_uri
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._".contains(&b)),
        "unusual temporary directory {dir_uri}: adjust the test"
    );
    let expected = format!("{dir_uri}/port%20closed%20%5B100%25%5D%20%232.pcap");
    let run = &log["runs"][0];
    assert_eq!(run["artifacts"][0]["location"]["uri"], expected.as_str());
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            expected.as_str()
        );
    }
}

#[test]
fn corpus_log_validates() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let corpus = corpus.to_str().unwrap();
    let (code, log) = sarif(&[corpus]);
    assert_eq!(code, Some(0));
    assert_valid(&validator(), &log, corpus);
    let reports = reports(&[corpus]);
    assert_eq!(reports.len(), 27);
    let uris: Vec<String> = reports
        .iter()
        .map(|r| r["file"]["path"].as_str().unwrap().to_string())
        .collect();
    check_against_reports(&log, &reports, &uris);
}
