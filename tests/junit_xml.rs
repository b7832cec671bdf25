//! The other CI outputs, read the way CI reads them: `--format junit` parsed by an XML parser
//! (testsuites/testsuite/testcase per file, a failure typed by the cause when a failed
//! attempt was explained, consistent counts, names that survive escaping), the Markdown
//! summary's table, and the exit code for each `--fail-on` level (the cases
//! tests/diagnosis.rs `exit_codes` does not already cover).

mod common;

use common::Scratch;

use serde_json::Value;
use std::process::Command;

const HEALTHY: &str = "samples/rdp-tls-healthy-xrdp.pcap";
/// Two tcp.refused findings (error).
const REFUSED: &str = "samples/rdp-port-closed.pcap";
/// Only a tls.cert_expiring_soon finding (info); a healthy TLS session.
const INFO_ONLY: &str = "samples/tls13-healthy-openssl-ipv6.pcap";
/// Only a tcp.heavy_loss finding (warning): an HTTP download with every 7th segment lost.
const WARNING_ONLY: &str = "tests/captures/tcp-bulk-retrans.pcap";
/// Verdict nla_failure resting on tcp.ended_in_setup (error): the server closed during the
/// encrypted exchange.
const NLA: &str = "samples/rdp-nla-wrong-password-shadow.pcap";
/// Verdict certificate_untrusted resting on tcp.ended_in_setup (error) and an info-level
/// tls.cert_self_signed.
const UNTRUSTED: &str = "samples/rdp-cert-untrusted-xrdp.pcap";
const NO_RDP: &str = "samples/http-only-no-rdp.pcap";

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .arg("analyze")
        .args(args)
        .current_dir(common::project_dir())
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn reports(paths: &[&str]) -> Vec<Value> {
    let mut args = vec!["--format", "json", "--fail-on", "never"];
    args.extend_from_slice(paths);
    let text = run(&args).1;
    common::json_documents(&text)
}

fn elements<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().filter(|n| n.is_element()).collect()
}

fn count(node: roxmltree::Node, attribute: &str) -> usize {
    node.attribute(attribute)
        .unwrap_or_else(|| panic!("<{}> has no {attribute}", node.tag_name().name()))
        .parse()
        .unwrap()
}

#[test]
fn junit_parses_with_one_testcase_per_file() {
    let dir = Scratch::new("junit-names");
    let capture = std::fs::read(common::project_dir().join(REFUSED)).unwrap();
    // Every character XML must escape, in a file name.
    let odd = dir.file("refused <3389> & \"quoted\" 'too'.pcap", &capture);
    let garbage = dir.file("garbage.pcap", b"no capture here\n");
    let inputs = [
        HEALTHY,
        odd.as_str(),
        NLA,
        UNTRUSTED,
        garbage.as_str(),
        NO_RDP,
    ];
    let (code, xml) = run(&[&["--format", "junit"][..], &inputs[..]].concat());
    assert_eq!(code, Some(2), "an unreadable input");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));

    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites = elements(root);
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(suite.tag_name().name(), "testsuite");
    let cases = elements(suite);
    assert!(cases.iter().all(|c| c.tag_name().name() == "testcase"));
    assert_eq!(cases.len(), inputs.len());
    let failures: Vec<roxmltree::Node> = cases
        .iter()
        .flat_map(|c| elements(*c))
        .filter(|n| n.tag_name().name() == "failure")
        .collect();
    for node in [root, suite] {
        assert_eq!(count(node, "tests"), cases.len());
        assert_eq!(count(node, "failures"), failures.len());
    }

    // Each case against the JSON report of the same file: a failure exactly when the file was
    // unreadable or the top cause is a failure, typed by the error kind or the cause id.
    let mut types = Vec::new();
    for (case, report) in cases.iter().zip(reports(&inputs)) {
        let path = report["file"]["path"].as_str().unwrap();
        assert_eq!(case.attribute("name"), Some(path));
        assert_eq!(case.attribute("classname"), Some("rdptriage"));
        let children = elements(*case);
        let top = &report["diagnosis"]["causes"][0];
        let error = &report["file"]["error"];
        let expected = if !error.is_null() {
            Some((&error["kind"], &error["message"], None))
        } else if top["cause"] != "no_failure_observed" && top["cause"] != "no_rdp_traffic" {
            let body = format!(
                "Remedy: {}\nWireshark: {}",
                top["remedy"].as_str().unwrap(),
                top["wireshark_filter"].as_str().unwrap()
            );
            Some((&top["cause"], &top["summary"], Some(body)))
        } else {
            None
        };
        match expected {
            None => {
                assert!(children.is_empty(), "{path}: {children:?}");
                types.push(None);
            }
            Some((kind, message, body)) => {
                assert_eq!(children.len(), 1, "{path}");
                let failure = children[0];
                assert_eq!(failure.tag_name().name(), "failure");
                assert_eq!(failure.attribute("type"), kind.as_str(), "{path}");
                assert_eq!(failure.attribute("message"), message.as_str(), "{path}");
                assert_eq!(failure.text().map(str::to_string), body, "{path}");
                types.push(kind.as_str().map(str::to_string));
            }
        }
    }
    assert_eq!(
        types,
        [
            None,
            Some("connection_refused"),
            Some("nla_failure"),
            Some("certificate_untrusted"),
            Some("not_a_capture"),
            None
        ]
        .map(|t| t.map(str::to_string))
    );
}

#[test]
fn exit_codes_for_each_fail_on_level() {
    let dir = Scratch::new("junit-exit");
    let garbage = dir.file("garbage.pcap", b"no capture here\n");
    let garbage = garbage.as_str();
    // (inputs, --fail-on, exit code); tests/diagnosis.rs covers the healthy capture at the
    // default level, the refused one at the default level and at never, and an unreadable
    // input beside a failing one at never.
    let cases: [(&[&str], &str, i32); 21] = [
        // A failed attempt whose verdict rests on the phase fails the run too.
        (&[NLA], "error", 1),
        (&[UNTRUSTED], "error", 1),
        (&[HEALTHY], "warning", 0),
        (&[HEALTHY], "info", 0),
        (&[HEALTHY], "never", 0),
        (&[REFUSED], "warning", 1),
        (&[REFUSED], "info", 1),
        (&[WARNING_ONLY], "error", 0),
        (&[WARNING_ONLY], "warning", 1),
        (&[WARNING_ONLY], "info", 1),
        (&[WARNING_ONLY], "never", 0),
        (&[INFO_ONLY], "error", 0),
        (&[INFO_ONLY], "warning", 0),
        (&[INFO_ONLY], "info", 1),
        (&[INFO_ONLY], "never", 0),
        (&[garbage], "error", 2),
        (&[garbage], "warning", 2),
        (&[garbage], "info", 2),
        (&[garbage], "never", 2),
        // An unreadable input outranks findings at the threshold.
        (&[HEALTHY, garbage, REFUSED], "error", 2),
        // A failing file among healthy ones fails the run.
        (&[HEALTHY, NO_RDP, WARNING_ONLY], "warning", 1),
    ];
    for (inputs, fail_on, expected) in cases {
        let args = [&["--format", "json", "--fail-on", fail_on][..], inputs].concat();
        assert_eq!(
            run(&args).0,
            Some(expected),
            "{inputs:?} --fail-on {fail_on}"
        );
    }
    // The format does not change the exit code.
    for format in ["table", "json", "sarif", "junit", "markdown"] {
        assert_eq!(
            run(&["--format", format, REFUSED]).0,
            Some(1),
            "--format {format}"
        );
        assert_eq!(
            run(&["--format", format, "--fail-on", "info", INFO_ONLY]).0,
            Some(1),
            "--format {format}"
        );
    }
}

#[test]
fn markdown_has_a_row_per_file_with_its_verdict() {
    let dir = Scratch::new("junit-markdown");
    let garbage = dir.file("garbage.pcap", b"no capture here\n");
    let inputs = [HEALTHY, REFUSED, NLA, garbage.as_str(), NO_RDP];
    let (_, md) = run(&[&["--format", "markdown"][..], &inputs[..]].concat());
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| `")).collect();
    let expected: Vec<String> = inputs
        .iter()
        .zip([
            "`no_failure_observed`",
            "`connection_refused`",
            "`nla_failure`",
            "unreadable",
            "`no_rdp_traffic`",
        ])
        .map(|(path, verdict)| format!("| `{path}` | {verdict} |"))
        .collect();
    assert_eq!(rows.len(), expected.len(), "{md}");
    for (row, start) in rows.iter().zip(&expected) {
        assert!(
            row.starts_with(start.as_str()),
            "{row} does not start with {start}"
        );
    }
}
