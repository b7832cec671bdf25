//! Verdicts: for every lab capture (samples/MANIFEST.json, ground truth from what the client
//! and tshark showed) the top cause equals the manifest's; corpus captures with known
//! outcomes (CATALOG.md) get the right verdict; CI formats, exit codes and batch determinism.

mod common;

use serde_json::Value;
use std::process::Command;

fn manifest() -> Vec<Value> {
    let text =
        std::fs::read_to_string(common::project_dir().join("samples/MANIFEST.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["captures"].as_array().unwrap().clone()
}

/// The server's side of the forged-reset case (a separate run of the same scenario): the
/// client's ACK of the Connection Confirm is the last packet, and the file's Interface
/// Statistics Block says capturing went on for 10 s more. tshark: frame 6 is the Connection
/// Confirm (`cotp.type == 0x0d`), frame 7 the client's bare ACK with TTL 63 (the server's
/// packets have TTL 64); no FIN, RST, ICMP or further payload in the file. dumpcap 4.0.17
/// wrote `isb_endtime` = 1795225951997146 in microseconds although the interface says
/// nanoseconds (lab/tools/pcapng_blocks.py): 2026-11-21 01:52:31.997146 UTC.
#[test]
fn server_side_capture_shows_the_client_hello_never_arrived() {
    let r = common::report_of(
        &common::project_dir().join("samples/rdp-rst-mid-handshake-server.pcapng"),
    );
    let end = r.file.capture_end.expect("isb_endtime read");
    assert_eq!(end.0, 1_795_225_951_997_146_000);
    assert_eq!(r.file.capture_end_basis, Some("isb_endtime_microseconds"));
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "rdp.client_hello_missing")
        .expect("rdp.client_hello_missing");
    assert_eq!(f.frames, [6, 7]);
    assert_eq!(f.severity, rdptriage::detect::Severity::Error);
    assert!(
        f.summary.contains("for 10.0 s until the capture ended"),
        "{}",
        f.summary
    );
    assert!(
        f.summary
            .contains("its packets TTL 64, the client's TTL 63: 1 hop(s) away"),
        "{}",
        f.summary
    );
    let top = &r.diagnosis.causes[0];
    assert_eq!(top.cause, "middlebox_reset");
    assert_eq!(top.findings, ["rdp.client_hello_missing"]);
    assert!(
        top.confidence < 0.6,
        "one vantage point cannot tell reset from drop"
    );
}

#[test]
fn every_sample_gets_its_manifest_cause() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for e in manifest() {
        let file = e["file"].as_str().unwrap();
        let expected = e["expected_cause"].as_str().unwrap();
        let r = common::report_of(&common::project_dir().join("samples").join(file));
        let top = &r.diagnosis.causes[0];
        checked += 1;
        if top.cause != expected {
            wrong.push(format!(
                "{file}: expected {expected}, got {} ({})",
                top.cause, top.summary
            ));
        }
        if matches!(expected, "no_failure_observed" | "probes_only") {
            let errors: Vec<&str> = r
                .findings
                .iter()
                .filter(|f| f.severity == rdptriage::detect::Severity::Error)
                .map(|f| f.id)
                .collect();
            assert!(errors.is_empty(), "{file}: healthy but {errors:?}");
        } else if !matches!(expected, "no_rdp_traffic" | "probes_only") {
            assert!(
                top.confidence > 0.0 && !top.remedy.is_empty() && top.attempt.is_some(),
                "{file}"
            );
        }
    }
    assert_eq!(checked, manifest().len());
    assert!(checked >= 46, "{checked}");
    assert!(
        wrong.is_empty(),
        "{} wrong verdicts:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Corpus captures whose outcome CATALOG.md and tshark establish (see `corpus_known_outcomes`).
const CORPUS_KNOWN: [(&str, &str); 7] = [
    (
        "zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap",
        "no_failure_observed",
    ),
    (
        "ndpi/tests/cfgs/default/pcap/rdp_over_tls.pcap",
        "nla_failure",
    ),
    // An nmap SYN scan of 1 002 ports (tshark: 1 994 SYNs from 172.16.0.8, 12 SYN/ACKs,
    // 5 RSTs): a scan, not a user's attempt.
    ("ndpi/tests/cfgs/default/pcap/synscan.pcap", "probes_only"),
    // SYNs to 80, 443, 445, 3389 and FIN / NULL / XMAS probes to 3390–3392 from
    // 192.168.1.178 (tshark): a scan; 3389's RST/ACK is a closed port seen by a scanner.
    (
        "ndpi/tests/cfgs/default/pcap/tcp_scan.pcapng",
        "probes_only",
    ),
    (
        "zeek/testing/btest/Traces/tls/tls-expired-cert.pcap",
        "certificate_expired",
    ),
    (
        "zeek/testing/btest/Traces/rdp/rdp-to-ssl.pcap",
        "no_failure_observed",
    ),
    ("arkime/tests/pcap/http-no-length.pcap", "no_rdp_traffic"),
];

#[test]
fn corpus_known_outcomes() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // CATALOG.md rows (tshark): #1 RDP_NEG_FAILURE 0x2 then a fallback to standard RDP
    // security that became a full session (Zeek's rdp.log row 2: result=Success; 142 KB) —
    // a failure the client recovered from, so the file is healthy and the negotiation failure
    // a warning (below); #21 NLA failure with the
    // server's encrypted alert (frame 14) and the client's reset; #22 an nmap SYN scan; #23 a
    // port scan (SYN to 3389 answered by RST/ACK); #14 expired certificate on 443; #2 certificate prompt drop
    // then a full session; #8 only RDP-UDP SYNs (no TCP RDP).
    let cases = CORPUS_KNOWN;
    for (file, expected) in cases {
        let r = common::report_of(&corpus.join(file));
        assert_eq!(
            r.diagnosis.causes[0].cause, expected,
            "{file}: {}",
            r.diagnosis.causes[0].summary
        );
    }
    let r = common::report_of(
        &corpus.join("zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap"),
    );
    let neg: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "rdp.neg_failure")
        .collect();
    assert_eq!(neg.len(), 1);
    assert_eq!(neg[0].severity, rdptriage::detect::Severity::Warning);
    assert!(
        neg[0]
            .summary
            .contains("the client recovered: tcp/1 then reached the active stage"),
        "{}",
        neg[0].summary
    );
    let second = r.connections[1].state.as_ref().unwrap();
    assert_eq!(second.stage, rdptriage::state::Stage::Active);
    assert_eq!(second.stage_known, rdptriage::state::Known::Inferred);
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(args)
        .current_dir(common::project_dir())
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn exit_codes() {
    assert_eq!(
        run(&["analyze", "samples/rdp-tls-healthy-xrdp.pcap"]).0,
        Some(0)
    );
    assert_eq!(run(&["analyze", "samples/rdp-port-closed.pcap"]).0, Some(1));
    assert_eq!(
        run(&[
            "analyze",
            "--fail-on",
            "never",
            "samples/rdp-port-closed.pcap"
        ])
        .0,
        Some(0)
    );
    // rdp.weak_security is a warning: only --fail-on warning makes it fail.
    let weak = "samples/rdp-seclayer-tls-server-rdp-client-xrdp.pcap";
    assert_eq!(run(&["analyze", "--fail-on", "warning", weak]).0, Some(1));
    assert_eq!(
        run(&[
            "analyze",
            "--fail-on",
            "never",
            "Cargo.toml",
            "samples/rdp-port-closed.pcap"
        ])
        .0,
        Some(2)
    );
}

#[test]
fn sarif_junit_and_markdown() {
    let files = [
        "samples/rdp-port-closed.pcap",
        "samples/rdp-tls-healthy-xrdp.pcap",
    ];
    let (_, sarif) = run(&["analyze", "--format", "sarif", files[0], files[1]]);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "rdptriage");
    assert_eq!(run0["artifacts"].as_array().unwrap().len(), 2);
    let results = run0["results"].as_array().unwrap();
    // rdp-port-closed: two tcp.refused findings, nothing else; the healthy capture none.
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["ruleId"], "tcp.refused");
        assert_eq!(r["level"], "error");
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            files[0]
        );
        assert!(
            r["message"]["text"]
                .as_str()
                .unwrap()
                .contains("connection refused")
        );
    }
    let (_, junit) = run(&["analyze", "--format", "junit", files[0], files[1]]);
    assert!(junit.starts_with("<?xml"));
    assert_eq!(junit.matches("<testcase ").count(), 2);
    assert_eq!(junit.matches("<failure ").count(), 1);
    assert!(junit.contains("<failure type=\"connection_refused\""));
    assert_eq!(
        junit.matches("<testsuite ").count(),
        junit.matches("</testsuite>").count()
    );
    let (_, md) = run(&["analyze", "--format", "markdown", files[0], files[1]]);
    assert!(
        md.contains("| `samples/rdp-port-closed.pcap` | `connection_refused` | 90 % |"),
        "{md}"
    );
    assert!(
        md.contains("| `samples/rdp-tls-healthy-xrdp.pcap` | `no_failure_observed` |"),
        "{md}"
    );
}

#[test]
fn batch_output_does_not_depend_on_parallelism() {
    let (code1, one) = run(&[
        "analyze",
        "--format",
        "json",
        "--jobs",
        "1",
        "samples",
        "tests/captures",
    ]);
    let (code2, two) = run(&[
        "analyze",
        "--format",
        "json",
        "--jobs",
        "2",
        "samples",
        "tests/captures",
    ]);
    assert_eq!(code1, code2);
    assert!(one.lines().count() >= 50, "{}", one.lines().count());
    assert_eq!(one, two);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let (_, plain) = run(&["analyze", "samples/rdp-port-closed.pcap"]);
    assert!(
        !plain.contains('\x1b'),
        "not a terminal: no colour by default"
    );
    let (_, coloured) = run(&[
        "analyze",
        "--color",
        "always",
        "samples/rdp-port-closed.pcap",
    ]);
    assert!(coloured.contains("\x1b[1m\x1b[31mVERDICT attempt-1:\x1b[0m connection_refused"));
    assert_eq!(
        coloured
            .replace("\x1b[1m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[33m", "")
            .replace("\x1b[32m", "")
            .replace("\x1b[0m", ""),
        plain
    );
}

/// tshark: 51 SYNs from 10.0.1.2; with the key log (`-d tcp.port==3389,tls`) 50 TLS alerts
/// from the server 10.0.2.2, the first ten in frames 17, 40, 63, 85, 108, 131, 154, 178,
/// 200, 222; the 51st connection (SYN in frame 1148) gets a session.
#[test]
fn password_guessing_reads_as_a_summary_with_nla_failure() {
    let r = common::report_of(
        &common::project_dir()
            .join("samples")
            .join("rdp-nla-password-guessing-shadow.pcap"),
    );
    assert_eq!(r.diagnosis.causes[0].cause, "nla_failure");
    assert_eq!(r.diagnosis.attempts.len(), 51);
    let groups: Vec<(&str, Option<&str>, usize)> = r
        .diagnosis
        .summary
        .iter()
        .map(|g| (g.outcome, g.cause.as_deref(), g.attempts))
        .collect();
    assert_eq!(
        groups,
        [("failed", Some("nla_failure"), 50), ("connected", None, 1)]
    );
    assert_eq!(r.diagnosis.summary[1].first_frame, 1148);
    let guessing: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "rdp.password_guessing")
        .collect();
    assert_eq!(guessing.len(), 1);
    assert_eq!(guessing[0].severity, rdptriage::detect::Severity::Warning);
    assert_eq!(
        guessing[0].frames,
        [17, 40, 63, 85, 108, 131, 154, 178, 200, 222]
    );
    assert!(
        guessing[0]
            .summary
            .starts_with("50 logons from 10.0.1.2 refused by 10.0.2.2:3389")
    );
    assert!(
        guessing[0]
            .summary
            .contains("(tcp/50, frame 1148) reached a session")
    );
    // The table: the groups in a few lines, one example verdict, not fifty.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--color", "never"])
        .arg(common::project_dir().join("samples/rdp-nla-password-guessing-shadow.pcap"))
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("VERDICT").count(), 1, "{text}");
    assert!(text.contains("failed: nla_failure: 50 attempt(s) from 10.0.1.2 to 10.0.2.2:3389"));
    assert!(text.contains("49 more attempt verdict(s) not shown"));
}

/// tshark: 44 SYNs from the balancer 10.0.2.1, 44 SYN/ACKs from 10.0.2.2, 44 RST/ACKs from
/// 10.0.2.1, nothing else; nc: 30 SYNs from 10.0.1.2; the nmap scan of xrdp sends SYNs to
/// ports 443 and 3389–3395 (`tcp.flags.syn==1 && tcp.flags.ack==0`; port 80 gets an ACK
/// probe), then the script connections to 3389.
#[test]
fn probes_and_scans_are_not_attempts() {
    let dir = common::project_dir().join("samples");
    let r = common::report_of(&dir.join("rdp-health-probes-haproxy.pcap"));
    assert_eq!(r.diagnosis.causes[0].cause, "probes_only");
    assert!(r.diagnosis.attempts.is_empty());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let p: Vec<_> = r
        .diagnosis
        .probes
        .iter()
        .map(|g| {
            (
                g.client.as_str(),
                g.server.as_str(),
                g.connections,
                g.ports.clone(),
            )
        })
        .collect();
    assert_eq!(p, [("10.0.2.1", "10.0.2.2", 44, vec![3389])]);
    assert_eq!(
        serde_json::to_value(r.diagnosis.probes[0].kind).unwrap(),
        "half_open"
    );
    let r = common::report_of(&dir.join("rdp-health-probes-nc.pcap"));
    assert_eq!(r.diagnosis.causes[0].cause, "probes_only");
    assert_eq!(r.diagnosis.probes[0].connections, 30);
    assert_eq!(
        serde_json::to_value(r.diagnosis.probes[0].kind).unwrap(),
        "connect_close"
    );
    let r = common::report_of(&dir.join("rdp-scan-nmap-xrdp.pcap"));
    assert_eq!(r.diagnosis.causes[0].cause, "probes_only");
    assert!(
        r.findings
            .iter()
            .all(|f| f.severity < rdptriage::detect::Severity::Error)
    );
    let scan: Vec<_> = r.findings.iter().filter(|f| f.id == "rdp.scan").collect();
    assert_eq!(scan.len(), 1);
    let ports = scan[0].evidence.as_ref().unwrap()["ports"].clone();
    assert_eq!(
        ports,
        serde_json::json!([443, 3389, 3390, 3391, 3392, 3393, 3394, 3395])
    );
    // The server's answers to the scan still show: standard RDP security accepted.
    assert!(r.findings.iter().any(|f| f.id == "rdp.weak_security"));
    // A session through the balancer among its probes is the file's one attempt.
    let r = common::report_of(&dir.join("rdp-health-probes-haproxy-session.pcap"));
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
    assert_eq!(r.diagnosis.attempts.len(), 1);
    assert_eq!(r.diagnosis.probes[0].connections, 45);
}

/// The manifest (tshark): ICMP fragmentation-needed, next-hop MTU 1000, frames 13–15; the
/// 948-byte segment re-sent in frame 16; the client's ACK for it in frame 21.
#[test]
fn path_mtu_discovery_that_worked_is_info() {
    let r = common::report_of(
        &common::project_dir()
            .join("samples")
            .join("rdp-pmtud-works-server.pcap"),
    );
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "icmp.unreachable")
        .unwrap();
    assert_eq!(f.severity, rdptriage::detect::Severity::Info);
    assert_eq!(f.frames, [13, 14, 15, 16, 21]);
    assert!(f.summary.contains("path-MTU discovery worked"));
    assert!(f.summary.contains("948 bytes of payload, frame 16"));
}

/// Calibration: file verdicts at 80 % or more are right at least 95 % of the time, over every
/// shipped sample (the manifest's expected cause) and the corpus captures with a known outcome.
#[test]
fn verdicts_at_80_percent_are_right() {
    let mut sure = 0usize;
    let mut right = 0usize;
    let mut wrong = Vec::new();
    let mut judge = |name: &str, expected: &str, r: &rdptriage::report::json::FileReport| {
        let top = &r.diagnosis.causes[0];
        if top.confidence >= 0.8 {
            sure += 1;
            if top.cause == expected {
                right += 1;
            } else {
                wrong.push(format!(
                    "{name}: {} at {:.2}, expected {expected}",
                    top.cause, top.confidence
                ));
            }
        }
    };
    for e in manifest() {
        let file = e["file"].as_str().unwrap();
        let r = common::report_of(&common::project_dir().join("samples").join(file));
        judge(file, e["expected_cause"].as_str().unwrap(), &r);
    }
    if let Some(corpus) = common::corpus_dir() {
        for (file, expected) in CORPUS_KNOWN {
            judge(file, expected, &common::report_of(&corpus.join(file)));
        }
    }
    eprintln!("{right} of {sure} verdicts at >= 80 % are right; wrong: {wrong:?}");
    assert!(sure >= 50, "{sure}");
    assert!(right * 100 >= sure * 95, "{right}/{sure}: {wrong:?}");
}
