//! The command line's habits: exit codes, a closed pipe, `-r`, standard input, `-j`, JSON one
//! document per line, SARIF regions and fingerprints, `.etl` inputs, `explain`, completions
//! and the man page.

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rdptriage"))
}

fn run(args: &[&str]) -> Output {
    bin()
        .current_dir(common::project_dir())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdptriage-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn closed_pipe_is_a_quiet_success() {
    // `rdptriage analyze samples/ | head -2`: the report (≈ 340 KB) is far larger than a
    // pipe's buffer, so writing after the reader left fails with EPIPE.
    let mut child = bin()
        .current_dir(common::project_dir())
        .args(["analyze", "samples/"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "== samples/http-only-no-rdp.pcap"
    );
    lines.next().unwrap().unwrap();
    drop(lines);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn exit_codes_are_distinct() {
    // 0: a healthy capture (verdict no_failure_observed).
    assert_eq!(
        run(&["analyze", "samples/rdp-tls-healthy-xrdp.pcap"])
            .status
            .code(),
        Some(0)
    );
    // 1: an error-level finding (tcp.refused: the SYN answered by RST+ACK in frame 2).
    assert_eq!(
        run(&["analyze", "samples/rdp-port-closed.pcap"])
            .status
            .code(),
        Some(1)
    );
    // 2: an input that cannot be read.
    let out = run(&["analyze", "no-such-file.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.pcap"));
    // 64: a usage error (clap's own would be 2, the code of an unreadable input).
    assert_eq!(
        run(&["analyze", "--no-such-option"]).status.code(),
        Some(64)
    );
    assert_eq!(run(&["frobnicate"]).status.code(), Some(64));
    assert_eq!(
        run(&["analyze", "--format", "xml", "x.pcap"]).status.code(),
        Some(64)
    );
    // --help and --version are not errors.
    let help = run(&["analyze", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("64 a usage error"));
    assert_eq!(run(&["--version"]).status.code(), Some(0));
}

#[test]
fn unwritable_output_is_exit_3() {
    let out = run(&[
        "analyze",
        "-o",
        "/nonexistent-dir/report.txt",
        "samples/rdp-port-closed.pcap",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-dir/report.txt"));
}

#[test]
fn read_option_and_standard_input() {
    let by_path = run(&[
        "analyze",
        "--format",
        "json",
        "samples/rdp-port-closed.pcap",
    ]);
    let by_r = run(&[
        "analyze",
        "--format",
        "json",
        "-r",
        "samples/rdp-port-closed.pcap",
        "-j",
        "1",
    ]);
    assert_eq!(by_path.status.code(), Some(1));
    assert_eq!(by_r.status.code(), Some(1));
    assert_eq!(by_path.stdout, by_r.stdout);
    // No path and standard input not a terminal: standard input is read.
    let bytes = std::fs::read(common::project_dir().join("samples/rdp-port-closed.pcap")).unwrap();
    let mut child = bin()
        .args(["analyze", "--format", "json", "--no-stream"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["file"]["path"], "-");
    assert_eq!(doc["diagnosis"]["causes"][0]["cause"], "connection_refused");
    // tshark -r samples/rdp-port-closed.pcap: frame 1 SYN, frame 2 RST+ACK.
    assert_eq!(doc["findings"][0]["frames"], serde_json::json!([1, 2]));
}

#[test]
fn json_is_one_document_per_line_unless_pretty() {
    let one = run(&[
        "analyze",
        "--format",
        "json",
        "samples/rdp-port-closed.pcap",
    ]);
    let text = String::from_utf8(one.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let doc: Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(doc["schema"], "rdptriage/1");
    let two = run(&[
        "analyze",
        "--format",
        "json",
        "samples/rdp-port-closed.pcap",
        "samples/rdp-syn-dropped.pcap",
    ]);
    let text = String::from_utf8(two.stdout).unwrap();
    let docs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[1]["diagnosis"]["causes"][0]["cause"],
        "connection_blocked"
    );
    let pretty = run(&[
        "analyze",
        "--format",
        "json",
        "--pretty",
        "samples/rdp-port-closed.pcap",
    ]);
    let text = String::from_utf8(pretty.stdout).unwrap();
    assert!(text.lines().count() > 50);
    let pretty_doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(pretty_doc, doc);
}

#[test]
fn sarif_results_have_region_and_fingerprints() {
    let sarif = |_: ()| -> Value {
        let out = run(&[
            "analyze",
            "--format",
            "sarif",
            "samples/rdp-port-closed.pcap",
        ]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 1);
        serde_json::from_str(&text).unwrap()
    };
    let first = sarif(());
    let result = &first["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "tcp.refused");
    // Frames 1 (SYN) and 2 (RST+ACK), as tshark numbers them.
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["endLine"], 2);
    let print = result["partialFingerprints"]["rdptriageFinding/v1"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(print.len(), 32);
    // Stable across runs.
    let again = sarif(());
    assert_eq!(
        again["runs"][0]["results"][0]["partialFingerprints"]["rdptriageFinding/v1"],
        print.as_str()
    );
}

#[test]
fn etl_input_names_the_conversion() {
    let dir = temp_dir("etl");
    let etl = dir.join("PktMon.etl");
    // An ETL file starts with a WMI buffer header, not a capture magic.
    std::fs::write(
        &etl,
        [0u8, 0, 1, 0, 0, 0, 0, 0, 0x50, 0x4b, 0, 0, 1, 2, 3, 4],
    )
    .unwrap();
    let out = run(&["analyze", etl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pktmon etl2pcap"), "{stderr}");
    assert!(stderr.contains("etl2pcapng"), "{stderr}");
    assert!(stderr.contains("PktMon.pcapng"), "{stderr}");
}

/// The finding ids of the findings table and the cause ids of the `cause` row in
/// docs/json-schema.md.
fn documented_ids() -> Vec<String> {
    let doc = std::fs::read_to_string(common::project_dir().join("docs/json-schema.md")).unwrap();
    let mut ids = Vec::new();
    let findings = &doc[doc.find("## `findings[]`").unwrap()..doc.find("## `diagnosis`").unwrap()];
    for line in findings.lines() {
        if let Some(rest) = line.strip_prefix("| `") {
            let id = &rest[..rest.find('`').unwrap()];
            if id.contains('.') {
                ids.push(id.to_string());
            }
        }
    }
    let causes = doc
        .lines()
        .find(|l| l.starts_with("| `cause` | one of "))
        .unwrap();
    for (i, part) in causes.split('`').enumerate() {
        // Odd parts are inside backticks: `cause` itself, cause ids, `server_denied`…
        if i % 2 == 1
            && part != "cause"
            && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !ids.iter().any(|x| x == part)
        {
            ids.push(part.to_string());
        }
    }
    ids
}

#[test]
fn explain_knows_every_documented_id() {
    let ids = documented_ids();
    // 42 finding rows and 36 causes at the time of writing; more may be added.
    assert!(ids.len() >= 70, "{ids:?}");
    assert!(ids.iter().any(|i| i == "tls.cert_expired"));
    assert!(ids.iter().any(|i| i == "no_rdp_traffic"));
    for id in &ids {
        let e = rdptriage::explain::explain(id).unwrap_or_else(|| panic!("explain {id}"));
        assert!(!e.meaning.is_empty(), "{id}: no meaning");
        assert!(!e.typical_causes.is_empty(), "{id}: no typical causes");
        assert!(!e.remedy.is_empty(), "{id}: no remedy");
        assert!(e.example.contains("rdptriage analyze"), "{id}: no example");
    }
    // Every id explain lists is documented.
    for id in rdptriage::explain::ids() {
        assert!(
            ids.iter().any(|i| i == id),
            "{id} is not in docs/json-schema.md"
        );
    }
    let out = run(&["explain", "tls.cert_expired"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        "Meaning:",
        "Typical causes:",
        "Remedy:",
        "Example:",
        "certlm.msc",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert_eq!(run(&["explain", "no.such_id"]).status.code(), Some(64));
}

#[test]
fn explain_examples_show_their_id() {
    // The sample an explanation names must show that finding or verdict.
    for id in rdptriage::explain::ids() {
        let Some(sample) = rdptriage::explain::example_sample(id) else {
            continue;
        };
        let report = common::report_of(&common::project_dir().join("samples").join(sample));
        let shown = report.findings.iter().any(|f| f.id == id)
            || report.diagnosis.causes.iter().any(|c| c.cause == id);
        assert!(shown, "{id}: samples/{sample} does not show it");
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("rdptriage"), "{shell}");
        assert!(text.contains("fail-on"), "{shell}");
    }
    let man = run(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(page.contains(".TH rdptriage 1"), "{page}");
    assert!(page.contains("fail\\-on"), "{page}");
    assert!(page.contains("ANALYZE"));
    let dir = temp_dir("man");
    let out = run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    for page in ["rdptriage.1", "rdptriage-analyze.1", "rdptriage-explain.1"] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.contains(".TH rdptriage"), "{page}");
    }
    let analyze = std::fs::read_to_string(dir.join("rdptriage-analyze.1")).unwrap();
    assert!(analyze.contains("\\-\\-follow"), "{analyze}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A batch prints each file's report as soon as it and the files before it are done: the
/// first file's document arrives while the second input (a FIFO nobody has written yet) is
/// still open, and the second once it is written and closed.
#[test]
fn batch_prints_each_file_as_it_finishes() {
    let dir = std::env::temp_dir().join(format!("rdpt-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("later.pcap");
    let _ = std::fs::remove_file(&fifo);
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let first = common::project_dir().join("samples/rdp-port-closed.pcap");
    let mut child = bin()
        .args([
            "analyze",
            "--format",
            "json",
            "--fail-on",
            "never",
            "-j",
            "2",
        ])
        .arg(&first)
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the first file's report did not arrive while the second was pending");
    let doc: Value = serde_json::from_str(&line).unwrap();
    assert!(
        doc["file"]["path"]
            .as_str()
            .unwrap()
            .ends_with("rdp-port-closed.pcap")
    );
    // tshark -r samples/rdp-port-closed.pcap: frame 1 SYN, frame 2 RST+ACK.
    assert_eq!(doc["diagnosis"]["causes"][0]["cause"], "connection_refused");
    std::fs::write(
        &fifo,
        std::fs::read(common::project_dir().join("samples/rdp-tls-healthy-xrdp.pcap")).unwrap(),
    )
    .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    reader.join().unwrap();
    let second: Value = serde_json::from_str(&rx.recv().unwrap()).unwrap();
    assert_eq!(
        second["diagnosis"]["causes"][0]["cause"],
        "no_failure_observed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without the `live` feature, `rdptriage live` says how to get it (exit 3), and the
/// subcommand is still documented.
#[cfg(not(feature = "live"))]
#[test]
fn live_without_the_feature_says_how_to_build_it() {
    let out = bin().args(["live", "-i", "lo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--features live") && err.contains("libpcap-dev"),
        "{err}"
    );
    let help = bin().args(["live", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--write-evidence"));
}
