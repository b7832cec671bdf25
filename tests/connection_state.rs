//! The connection state (`connections[].state`) on real captures: healthy key-logged
//! sessions reach the active stage with no error-level finding, and the stage inferred
//! without keys (from encrypted record sizes, RDP-FACTS §2.9) is measured against the stage
//! read from the decrypted stream on every key-logged capture.

mod common;

use common::project_dir;
use rdptriage::analyze::{AnalyzeOptions, analyze_path_with};
use rdptriage::engine::file_report;
use rdptriage::report::json::FileReport;
use rdptriage::state::{Known, Stage};
use std::path::{Path, PathBuf};

/// Ids of the error-level findings.
fn errors(r: &FileReport) -> Vec<&'static str> {
    r.findings
        .iter()
        .filter(|f| f.severity == rdptriage::detect::Severity::Error)
        .map(|f| f.id)
        .collect()
}

fn report(path: &Path, keys: bool) -> FileReport {
    let options = AnalyzeOptions {
        sibling_key_logs: keys,
        ..Default::default()
    };
    let a = analyze_path_with(path, None, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file_report(a)
}

/// Every shipped sample with a key log or the server's RSA key beside it, except the RD Gateway stand-ins (HTTP, not
/// an RDP connection sequence, inside their TLS).
fn key_logged_rdp_samples() -> Vec<PathBuf> {
    let dir = project_dir().join("samples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .filter(|p| p.with_extension("keys").is_file() || p.with_extension("rsa.pem").is_file())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("rdp-")
        })
        .collect();
    out.sort();
    out
}

/// Healthy sessions, decrypted with their key logs: every RDP connection reaches the active
/// stage (read, not inferred) and no finding is an error.
#[test]
fn healthy_key_logged_sessions_reach_active_without_errors() {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project_dir().join("samples/MANIFEST.json")).unwrap(),
    )
    .unwrap();
    let healthy: Vec<String> = manifest["captures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["expected_cause"] == "no_failure_observed")
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect();
    let mut checked = 0;
    for path in key_logged_rdp_samples() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !healthy.contains(&name) {
            continue;
        }
        let r = report(&path, true);
        for c in r.connections.iter().filter(|c| c.rdp.is_some()) {
            let s = c.state.as_ref().expect("an RDP connection has a state");
            assert_eq!(s.stage, Stage::Active, "{name} {}: {}", c.id, s.words());
            assert_eq!(s.stage_known, Known::Decrypted, "{name} {}", c.id);
        }
        let errors = errors(&r);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed", "{name}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} healthy key-logged samples");
}

/// The stage inferred without keys against the stage read with them, connection by
/// connection, on every key-logged RDP sample. Inference may stop short (it never sees
/// inside TLS); it must never claim a stage beyond the truth. The agreement rate is printed
/// and may not fall below what was measured when the inference was written.
#[test]
fn inferred_stage_against_the_decrypted_stage() {
    let mut total = 0;
    let mut agree = 0;
    // Connections whose decrypted stage is past the TLS handshake: the inference's real work.
    let mut beyond_tls = 0;
    let mut agree_beyond_tls = 0;
    let mut lines = Vec::new();
    for path in key_logged_rdp_samples() {
        let with = report(&path, true);
        let without = report(&path, false);
        for c in with.connections.iter().filter(|c| c.rdp.is_some()) {
            let Some(truth) = c.state.as_ref().filter(|s| s.decrypted) else {
                continue;
            };
            let guess = without
                .connections
                .iter()
                .find(|d| d.id == c.id)
                .and_then(|d| d.state.as_ref())
                .expect("same connection without keys");
            assert_ne!(guess.stage_known, Known::Decrypted);
            assert!(
                guess.stage <= truth.stage,
                "{} {}: inferred {:?} beyond the decrypted {:?}",
                path.display(),
                c.id,
                guess.stage,
                truth.stage
            );
            total += 1;
            if guess.stage == truth.stage {
                agree += 1;
            }
            if truth.stage > Stage::Tls {
                beyond_tls += 1;
                if guess.stage == truth.stage {
                    agree_beyond_tls += 1;
                }
            }
            lines.push(format!(
                "{} {}: decrypted {:?}, inferred {:?}",
                path.file_name().unwrap().to_string_lossy(),
                c.id,
                truth.stage,
                guess.stage
            ));
        }
    }
    let rate = f64::from(agree) / f64::from(total.max(1));
    let rate_beyond_tls = f64::from(agree_beyond_tls) / f64::from(beyond_tls.max(1));
    println!("inferred stage = decrypted stage on {agree} of {total} connections ({rate:.2})");
    println!(
        "  of those past the TLS handshake: {agree_beyond_tls} of {beyond_tls} ({rate_beyond_tls:.2})"
    );
    for l in &lines {
        println!("  {l}");
    }
    assert!(total >= 8, "only {total} key-logged RDP connections");
    assert!(rate >= MEASURED_AGREEMENT, "agreement {rate:.2}");
    assert!(
        rate_beyond_tls >= MEASURED_AGREEMENT_BEYOND_TLS,
        "agreement past TLS {rate_beyond_tls:.2}"
    );
}

/// Agreement measured when the inference was written, on the 26 key-logged connections of
/// the shipped samples: 22 of 26, and 16 of the 20 that got past the TLS handshake (see
/// docs/json-schema.md). The four misses stop at `mcs` where the truth is `active`: sessions
/// whose server sent little or nothing after activation.
const MEASURED_AGREEMENT: f64 = 0.84;
const MEASURED_AGREEMENT_BEYOND_TLS: f64 = 0.8;

/// The first `keep` packets of a little-endian legacy pcap.
fn truncated_pcap(bytes: &[u8], keep: usize) -> Vec<u8> {
    assert_eq!(
        &bytes[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "legacy little-endian pcap"
    );
    let mut at = 24;
    for _ in 0..keep {
        let incl = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + incl;
    }
    bytes[..at].to_vec()
}

fn packet_count(bytes: &[u8]) -> usize {
    let (mut at, mut n) = (24, 0);
    while at + 16 <= bytes.len() {
        let incl = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + incl;
        n += 1;
    }
    n
}

/// Metamorphic: a healthy session's capture cut anywhere (10 % … 90 % of its packets), with
/// and without its key log, never yields an error-level finding or a failure; it says
/// `connected` when the cut keeps the active stage, else `undetermined` — the verdict does
/// not flip with where the capture happens to stop. With keys, a cut after the Font Map
/// frame still reads the active stage.
#[test]
fn truncated_healthy_sessions_are_never_failures() {
    let dir = std::env::temp_dir().join(format!("rdptriage-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cuts = 0;
    for name in [
        "rdp-tls-healthy-xrdp",
        "rdp-nla-healthy-shadow",
        "rdp-tls-idle-60s-xrdp",
        "rdp-tls12-cbc-etm-xrdp",
        "rdp-tls10-cbc-xrdp",
    ] {
        let path = project_dir().join("samples").join(format!("{name}.pcap"));
        let bytes = std::fs::read(&path).unwrap();
        let total = packet_count(&bytes);
        let full = report(&path, true);
        let font_map = full.connections[0]
            .state
            .as_ref()
            .and_then(|s| s.stage_frame(Stage::Active))
            .unwrap();
        for percent in (10..=90).step_by(10) {
            let keep = total * percent / 100;
            let cut = dir.join(format!("{name}-{percent}.pcap"));
            std::fs::write(&cut, truncated_pcap(&bytes, keep)).unwrap();
            std::fs::copy(path.with_extension("keys"), cut.with_extension("keys")).unwrap();
            for keys in [true, false] {
                let r = report(&cut, keys);
                let errors = errors(&r);
                let what = format!("{name} cut at {keep}/{total}, keys {keys}");
                assert!(errors.is_empty(), "{what}: {errors:?}");
                let verdict = r.diagnosis.causes[0].cause.as_str();
                assert!(
                    matches!(verdict, "no_failure_observed" | "undetermined"),
                    "{what}: {verdict}"
                );
                assert!(r.diagnosis.attempts.iter().all(|a| !a.failed), "{what}");
                if keys && keep as u64 >= font_map {
                    let s = r.connections[0].state.as_ref().unwrap();
                    assert_eq!(s.stage, Stage::Active, "{what}");
                    assert_eq!(r.diagnosis.attempts[0].outcome, "connected", "{what}");
                }
                cuts += 1;
            }
        }
    }
    assert_eq!(cuts, 5 * 9 * 2);
}
