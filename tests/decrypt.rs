//! TLS decryption with key logs: the application data rdptriage decrypts equals, byte for
//! byte (length and SHA-256), what tshark decrypts with the same key log
//! (tests/decrypted_expected.json, made by tests/captures/make/decrypted_expected.py from
//! `tshark -z follow,tls,raw`). Covers TLS 1.3 AES-128-GCM, AES-256-GCM and
//! ChaCha20-Poly1305, TLS 1.2 AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, key logs
//! beside the capture and inside a pcapng Decryption Secrets Block; and what is learned
//! from the plaintext (the TLS 1.3 certificate, encrypted alerts).

mod common;

use rdptriage::analyze::{DecryptionInfo, analyze_path, analyze_reader_with};
use rdptriage::flow::Side;
use rdptriage::flow::consumer::{Chunk, ConsumerFactory, NewConversation, StreamConsumer, Want};
use rdptriage::proto::connection::ConnectionDecoder;
use rdptriage::proto::decrypt::{self, KeyRing, KeyStore};
use rdptriage::proto::observation::{ObservationLog, Observed, SharedLog};
use rdptriage::proto::tls::TlsObserved;
use rdptriage::proto::tls::summary::TlsSummary;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

thread_local! {
    /// Decrypted application data by (stream, side), filled by [`Collector`].
    static PLAINTEXT: RefCell<BTreeMap<(u64, bool), Vec<u8>>> = const { RefCell::new(BTreeMap::new()) };
}

struct Collector {
    stream: u64,
}

impl StreamConsumer for Collector {
    fn data(&mut self, side: Side, bytes: &[u8], _chunk: Chunk) -> Want {
        PLAINTEXT.with(|p| {
            p.borrow_mut()
                .entry((self.stream, side == Side::Server))
                .or_default()
                .extend_from_slice(bytes)
        });
        Want::More
    }
    fn gap(&mut self, _side: Side, _missing: u64, _frame: u64) -> Want {
        Want::Done
    }
}

fn collector(
    stream: u64,
    _log: &SharedLog,
    _first: &[u8],
    _side: Side,
) -> Option<Box<dyn StreamConsumer>> {
    Some(Box::new(Collector { stream }))
}

struct CollectingDecoders {
    log: SharedLog,
    keys: decrypt::SharedKeys,
}

impl ConsumerFactory for CollectingDecoders {
    fn consumer_for(&mut self, c: &NewConversation) -> Option<Box<dyn StreamConsumer>> {
        Some(Box::new(ConnectionDecoder::with_inner(
            c.stream,
            self.log.clone(),
            Some(self.keys.clone()),
            collector,
        )))
    }
}

/// Decrypted application data per (stream, sent by the server), and the (client, server) endpoints.
#[allow(clippy::type_complexity)]
fn decrypt_file(
    path: &Path,
) -> (
    BTreeMap<(u64, bool), Vec<u8>>,
    BTreeMap<u64, (String, String)>,
) {
    PLAINTEXT.with(|p| p.borrow_mut().clear());
    let mut own = KeyStore::default();
    if let Some(keys) = decrypt::sibling_key_log(path) {
        decrypt::read_key_log(&keys, &mut own).unwrap();
    }
    let keys = Rc::new(KeyRing::new(None, own));
    let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
    let factory = CollectingDecoders {
        log,
        keys: keys.clone(),
    };
    let source = rdptriage::capture::open_source(path).unwrap();
    let analysis = analyze_reader_with(
        path.display().to_string(),
        source.reader,
        source.gzip,
        Some(Box::new(factory)),
        keys,
        DecryptionInfo::default(),
    )
    .unwrap();
    let ends = analysis
        .conversations
        .iter()
        .map(|c| (c.stream, (c.client.to_string(), c.server.to_string())))
        .collect();
    (
        PLAINTEXT.with(|p| std::mem::take(&mut *p.borrow_mut())),
        ends,
    )
}

#[test]
fn decrypted_application_data_equals_tshark() {
    let dir = common::project_dir();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("tests/decrypted_expected.json")).unwrap(),
    )
    .unwrap();
    let captures = expected["captures"].as_object().unwrap();
    assert!(captures.len() >= 19, "{}", captures.len());
    let mut checked = 0;
    let mut problems = Vec::new();
    for (file, streams) in captures {
        let (plain, ends) = decrypt_file(&dir.join(file));
        for (stream, nodes) in streams.as_object().unwrap() {
            let stream: u64 = stream.parse().unwrap();
            let (client, server) = &ends[&stream];
            for node in ["node0", "node1"] {
                let n = &nodes[node];
                let len = n["length"].as_u64().unwrap() as usize;
                if len == 0 {
                    continue;
                }
                // tshark names only the first sender's address; node1 is the other end.
                let node0 = nodes["node0"]["address"].as_str().unwrap();
                let node0_side = if node0 == server {
                    Side::Server
                } else {
                    Side::Client
                };
                assert!(
                    node0 == server || node0 == client,
                    "{file} {stream}: {node0}"
                );
                let side = if node == "node0" {
                    node0_side
                } else {
                    node0_side.other()
                };
                let ours = plain
                    .get(&(stream, side == Side::Server))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let sha = format!("{:x}", Sha256::digest(ours));
                if ours.len() != len || sha != n["sha256"].as_str().unwrap() {
                    problems.push(format!(
                        "{file} stream {stream} {side:?}: {} bytes (tshark {len})",
                        ours.len()
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked >= 30, "{checked}");
}

fn tls_observations(path: &str) -> Vec<(u64, Side, TlsObserved)> {
    let analysis = analyze_path(&common::project_dir().join(path), None).unwrap();
    analysis.observations[&0]
        .iter()
        .filter_map(|o| match &o.what {
            Observed::Tls(t) => Some((o.frame, o.from, (**t).clone())),
            _ => None,
        })
        .collect()
}

/// samples/rdp-tls13-cert-expired-xrdp.pcap: the certificate travels encrypted (TLS 1.3);
/// with the key log it is read from frame 9 — tshark with the key log shows the same
/// (`-Y 'frame.number==9 && tls.handshake.type==11'`, x509sat CN 10.0.2.2, notAfter
/// 2026-10-21 22:54:33 UTC) — and the client's close_notify (frame 11, an encrypted alert).
#[test]
fn tls13_certificate_and_encrypted_alert_from_key_log() {
    let seen = tls_observations("samples/rdp-tls13-cert-expired-xrdp.pcap");
    assert!(seen.iter().any(|(f, s, t)| *f == 9
        && *s == Side::Server
        && matches!(
            t,
            TlsObserved::DecryptionKeys {
                cipher_suite: 0x1302,
                ..
            }
        )));
    let cert = seen
        .iter()
        .find_map(|(f, s, t)| match t {
            TlsObserved::Certificate { certificates, .. } if *s == Side::Server => {
                Some((*f, certificates[0].clone()))
            }
            _ => None,
        })
        .expect("certificate decrypted");
    assert_eq!(cert.0, 9);
    assert_eq!(cert.1.common_name.as_deref(), Some("10.0.2.2"));
    assert!(
        cert.1.not_after_text.starts_with("2026-10-21T22:54:33"),
        "{}",
        cert.1.not_after_text
    );
    // Frame 11: tshark shows "Alert (Level: Warning, Description: Close Notify)" from the client.
    assert!(seen.iter().any(|(f, s, t)| *f == 11
        && *s == Side::Client
        && matches!(
            t,
            TlsObserved::Alert {
                level: 1,
                description: 0,
                ..
            }
        )));
    let analysis = analyze_path(
        &common::project_dir().join("samples/rdp-tls13-cert-expired-xrdp.pcap"),
        None,
    )
    .unwrap();
    let summary = TlsSummary::from_observations(&analysis.observations[&0]).unwrap();
    assert_eq!(summary.decryption, Some("decrypted"));
    assert!(!summary.certificate_encrypted);
    assert_eq!(summary.certificate_frame, Some(9));
    assert!(analysis.decryption.key_logs[0].ends_with("rdp-tls13-cert-expired-xrdp.keys"));
}

/// The DSB capture carries its key log inside (editcap --inject-secrets); no file beside it.
#[test]
fn key_log_from_decryption_secrets_block() {
    let analysis = analyze_path(
        &common::project_dir().join("tests/captures/pcapng-dsb.pcapng"),
        None,
    )
    .unwrap();
    assert_eq!(analysis.decryption.secrets_blocks, 1);
    assert!(analysis.decryption.key_logs.is_empty());
    assert_eq!(analysis.decryption.sessions_with_secrets, 1);
    let summary = TlsSummary::from_observations(&analysis.observations[&0]).unwrap();
    assert_eq!(summary.decryption, Some("decrypted"));
    assert_eq!(summary.certificate_frame, Some(6));
}

/// A key log that belongs to other sessions: the session is reported as having no keys,
/// and a wrong secret for the right session is reported as a failed decryption.
#[test]
fn missing_and_wrong_keys_are_described() {
    let path = common::project_dir().join("samples/tls13-healthy-openssl.pcap");
    let run = |keylog: &str| {
        let mut store = KeyStore::default();
        store.add_text(keylog);
        let keys = Rc::new(KeyRing::new(None, store));
        let source = rdptriage::capture::open_source(&path).unwrap();
        let analysis = analyze_reader_with(
            "x".into(),
            source.reader,
            false,
            None,
            keys,
            DecryptionInfo::default(),
        )
        .unwrap();
        TlsSummary::from_observations(&analysis.observations[&0]).unwrap()
    };
    let other = format!("CLIENT_RANDOM {} {}\n", "00".repeat(32), "11".repeat(48));
    assert_eq!(run(&other).decryption, Some("no_session_keys"));
    // The right client random with made-up secrets.
    let real = std::fs::read_to_string(path.with_extension("keys")).unwrap();
    let random = real
        .lines()
        .find(|l| l.starts_with("SERVER_HANDSHAKE_TRAFFIC_SECRET"))
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .to_string();
    let wrong: String = [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ]
    .iter()
    .map(|l| format!("{l} {random} {}\n", "22".repeat(48)))
    .collect();
    let s = run(&wrong);
    assert_eq!(s.decryption, Some("failed"));
    assert!(s.certificate_encrypted);
}

/// `--keylog FILE` applies to every input; without it (and with nothing beside the capture)
/// the TLS 1.3 certificate stays hidden and the verdict rests on the client's behaviour.
#[test]
fn keylog_option_on_the_command_line() {
    let dir = common::Scratch::new("decrypt-keylog");
    let sample = common::project_dir().join("samples/rdp-tls13-cert-expired-xrdp.pcap");
    let copy = dir.file("alone.pcap", &std::fs::read(&sample).unwrap());
    let verdict = |extra: &[&str]| -> (String, Value) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
            .args(["analyze", "--fail-on", "never", "--format", "json"])
            .args(extra)
            .arg(&copy)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["diagnosis"]["causes"][0]["cause"]
                .as_str()
                .unwrap()
                .to_string(),
            v["connections"][0]["tls"]["decryption"].clone(),
        )
    };
    let (cause, decryption) = verdict(&[]);
    assert_ne!(cause, "certificate_expired");
    assert_eq!(decryption, Value::Null);
    let keys = sample.with_extension("keys");
    let (cause, decryption) = verdict(&["--keylog", keys.to_str().unwrap()]);
    assert_eq!(cause, "certificate_expired");
    assert_eq!(decryption, "decrypted");
    // A key log that cannot be read is an error naming it (exit 2).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--keylog"])
        .arg(dir.0.join("missing.keys"))
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.keys"));
}
