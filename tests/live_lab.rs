//! `rdptriage live` with the lab's real software: `lab/scenarios/live_xrdp.sh` runs xfreerdp
//! against xrdp through the router namespace while `rdptriage live -i c0` captures there;
//! the script itself fails unless each case's verdict arrives while the capture runs. This
//! test checks the verdicts: the same causes as the samples recorded from the same cases
//! (samples/MANIFEST.json: rdp-tls-healthy-xrdp no failure, rdp-cert-untrusted-xrdp
//! certificate_untrusted, rdp-seclayer-rdp-server-tls-client-xrdp security_layer_mismatch,
//! rdp-tls13-cert-expired-xrdp certificate_expired — read only with the key log).
//! Needs root and the lab packages (xrdp, freerdp2-x11, xvfb, faketime, gcc, ethtool,
//! tcpdump): skipped with a message without them unless RDPTRIAGE_REQUIRE_LAB is set.
#![cfg(feature = "live")]

mod common;

use common::live::is_root;

use serde_json::Value;
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn verdicts_of_real_xrdp_sessions_arrive_while_capturing() {
    let missing: Vec<&str> = [
        "xrdp", "xfreerdp", "Xvfb", "faketime", "gcc", "tcpdump", "ethtool",
    ]
    .into_iter()
    .filter(|t| !have(t))
    .collect();
    if !is_root() || !missing.is_empty() {
        assert!(
            std::env::var_os("RDPTRIAGE_REQUIRE_LAB").is_none(),
            "RDPTRIAGE_REQUIRE_LAB is set but root={} and missing {missing:?}",
            is_root()
        );
        eprintln!("SKIPPED: needs root and the lab packages (missing: {missing:?})");
        return;
    }
    let out = std::env::temp_dir().join(format!("rdpt-live-lab-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("timeout")
        .arg("300")
        .arg(common::project_dir().join("lab/scenarios/live_xrdp.sh"))
        .env("RDPT_OUT", &out)
        .env("RDPTRIAGE", env!("CARGO_BIN_EXE_rdptriage"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "lab/scenarios/live_xrdp.sh failed: see {}",
        out.display()
    );
    let events: Vec<Value> = std::fs::read_to_string(out.join("live-xrdp.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let attempts: Vec<&Value> = events.iter().filter(|e| e["event"] == "attempt").collect();
    assert_eq!(attempts.len(), 4, "{events:#?}");
    assert_ne!(attempts[0]["attempt"]["outcome"], "failed");
    assert_eq!(attempts[1]["causes"][0]["cause"], "certificate_untrusted");
    assert_eq!(attempts[2]["causes"][0]["cause"], "security_layer_mismatch");
    // TLS 1.3: the certificate is encrypted; the key log the client wrote during the
    // capture (re-read as it grows) opens it (samples/rdp-tls13-cert-expired-xrdp.pcap and
    // its key log give the same cause).
    assert_eq!(attempts[3]["causes"][0]["cause"], "certificate_expired");
    let end = events.last().unwrap();
    assert_eq!(end["event"], "end");
    assert_eq!(end["reason"], "signal");
    // Each verdict was judged before the capture ended (the script waited for it).
    let frames = end["frames"].as_u64().unwrap();
    for a in &attempts[..2] {
        assert!(a["judged_after_frame"].as_u64().unwrap() < frames);
    }
    let _ = std::fs::remove_dir_all(&out);
}
