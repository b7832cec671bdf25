//! `rdptriage live` end to end, with real software: a veth pair into a network namespace
//! made for the test, `rdptriage live -i` on the host end, sample captures replayed onto the
//! other end with `tcpreplay`. Each attempt's verdict must arrive while the capture is still
//! running; SIGINT then judges what is open, prints the end event and exits by --fail-on.
//! Needs root (namespaces, raw capture): skipped with a message otherwise, unless
//! RDPTRIAGE_REQUIRE_LIVE is set (CI sets it).
#![cfg(feature = "live")]

mod common;

use common::live::{VethLab, may_run, run};

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The lines of `reader`, as they come.
fn lines(reader: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next JSON event whose `event` is `kind`, within `wait`.
fn next_event(rx: &Receiver<String>, kind: &str, wait: Duration) -> Value {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {kind} event within {wait:?}"));
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["event"] == kind {
            return v;
        }
    }
}

#[test]
fn verdicts_arrive_while_capturing_and_sigint_ends_with_the_summary() {
    if !may_run("verdicts_arrive_while_capturing_and_sigint_ends_with_the_summary") {
        return;
    }
    let lab = VethLab::new("rcl");
    let evidence = std::env::temp_dir().join(format!("rdpt-live-evidence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&evidence);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args([
            "live",
            "-i",
            &lab.host_end,
            "--format",
            "json",
            "--stats",
            "0",
        ])
        .args(["--attempt-window", "2", "-w"])
        .arg(&evidence)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(child.stdout.take().unwrap());
    let err = lines(child.stderr.take().unwrap());
    let started = err
        .recv_timeout(Duration::from_secs(10))
        .expect("no start line");
    assert!(started.contains("capturing on"), "{started}");

    // tshark -r samples/rdp-port-closed.pcap: SYN (1), RST+ACK (2), SYN (3), RST+ACK (4).
    lab.replay("samples/rdp-port-closed.pcap");
    // Judged 5 s after the reset (grace) plus the 2 s window: while still capturing.
    let first = next_event(&out, "attempt", Duration::from_secs(20));
    assert_eq!(first["attempt"]["outcome"], "failed");
    assert_eq!(first["causes"][0]["cause"], "connection_refused");
    assert_eq!(first["attempt"]["client"], "10.0.1.2");
    assert_eq!(first["attempt"]["server"], "10.0.2.2:3389");
    let saved = first["evidence"]["path"].as_str().expect("evidence saved");
    assert_eq!(first["evidence"]["frames"], 4);
    let tshark = Command::new("tshark")
        .args(["-r", saved, "-T", "fields", "-e", "tcp.flags.str"])
        .output()
        .unwrap();
    let flags = String::from_utf8_lossy(&tshark.stdout);
    assert_eq!(flags.lines().count(), 4, "{flags}");
    assert!(flags.lines().next().unwrap().contains('S'));

    // tshark -r samples/rdp-neg-ssl-required-shadow.pcap: the server's RDP_NEG_FAILURE
    // (SSL_REQUIRED_BY_SERVER) answers the client's standard-security request.
    lab.replay("samples/rdp-neg-ssl-required-shadow.pcap");
    std::thread::sleep(Duration::from_millis(500));
    // Still open (its window has not passed): SIGINT judges it.
    run(&["kill", "-INT", &child.id().to_string()]);
    let second = next_event(&out, "attempt", Duration::from_secs(10));
    assert_eq!(second["attempt"]["outcome"], "failed");
    assert_eq!(second["causes"][0]["cause"], "security_layer_mismatch");
    let end = next_event(&out, "end", Duration::from_secs(10));
    assert_eq!(end["reason"], "signal");
    assert_eq!(end["attempts"], 2);
    assert_eq!(end["failed"], 2);
    assert!(end["capture_stats"]["received"].as_u64().unwrap() >= 4 + 10);
    assert_eq!(end["capture_stats"]["dropped"], 0);
    // Findings at error level and --fail-on error (the default): exit 1.
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let _ = std::fs::remove_dir_all(&evidence);
}

/// `--list-interfaces` names the interfaces libpcap sees, the loopback among them.
#[test]
fn list_interfaces_names_loopback() {
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["live", "--list-interfaces"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("lo\t") && l.contains("loopback")),
        "{text}"
    );
}
