//! TLS decryption with key logs: the application data rdptriage decrypts equals, byte for
//! byte (length and SHA-256), what tshark decrypts with the same key log
//! (tests/decrypted_expected.json, made by tests/captures/make/decrypted_expected.py from
//! `tshark -z follow,tls,raw`). Covers TLS 1.3 AES-128-GCM, AES-256-GCM and
//! ChaCha20-Poly1305, TLS 1.2 AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, key logs
//! beside the capture and inside a pcapng Decryption Secrets Block; and what is learned
//! from the plaintext (the TLS 1.3 certificate, encrypted alerts). The CBC suites Windows 7 /
//! 2008 R2 / 2012 pick (TLS 1.0, 1.1, 1.2; AES-128/256 with SHA-1, SHA-256, SHA-384; with
//! and without encrypt_then_mac and the extended master secret) are opened with the key log
//! and, for RSA key exchange, with the server's RSA private key alone (`--rsa-key`), again
//! equal to tshark's (`rsa_key_only` in the same file); and a session that cannot be opened
//! says why (an ECDHE session given only an RSA key, an RSA key that does not match).

mod common;

use rdptriage::analyze::{DecryptionInfo, analyze_path, analyze_reader_with};
use rdptriage::flow::Side;
use rdptriage::flow::consumer::{Chunk, ConsumerFactory, NewConversation, StreamConsumer, Want};
use rdptriage::proto::connection::ConnectionDecoder;
use rdptriage::proto::decrypt::{self, KeyRing, KeyStore, RsaKeys};
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

/// The keys a test decrypts with.
enum Keys<'a> {
    /// The key log beside the capture.
    Beside,
    /// An RSA private key alone.
    Rsa(&'a Path),
    /// The `RSA` lines of the key log beside the capture only (premaster secrets by
    /// encrypted premaster prefix), not its `CLIENT_RANDOM` lines.
    PremasterLines,
}

/// Decrypted application data per (stream, sent by the server), and the (client, server)
/// endpoints.
#[allow(clippy::type_complexity)]
fn decrypt_file(
    path: &Path,
    keys: Keys,
) -> (
    BTreeMap<(u64, bool), Vec<u8>>,
    BTreeMap<u64, (String, String)>,
) {
    PLAINTEXT.with(|p| p.borrow_mut().clear());
    let mut own = KeyStore::default();
    let mut rsa = RsaKeys::default();
    match keys {
        Keys::Rsa(key) => {
            rsa.read_file(key).unwrap();
        }
        Keys::Beside => {
            if let Some(keys) = decrypt::sibling_key_log(path) {
                decrypt::read_key_log(&keys, &mut own).unwrap();
            }
        }
        Keys::PremasterLines => {
            let text = std::fs::read_to_string(path.with_extension("keys")).unwrap();
            let rsa_lines: String = text
                .lines()
                .filter(|l| l.starts_with("RSA "))
                .map(|l| format!("{l}\n"))
                .collect();
            assert!(!rsa_lines.is_empty());
            own.add_text(&rsa_lines);
        }
    }
    let keys = Rc::new(KeyRing::new(None, own).with_rsa_keys(Some(std::sync::Arc::new(rsa))));
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
    assert!(captures.len() >= 26, "{}", captures.len());
    let mut problems = Vec::new();
    let mut checked = 0;
    for (file, streams) in captures {
        checked += compare(&dir, file, Keys::Beside, streams, &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked >= 44, "{checked}");
}

/// The RSA key-exchange captures opened with the server's private key only, as tshark with
/// the same key in its RSA keys list: with and without the extended master secret, TLS 1.0
/// to 1.2.
#[test]
fn rsa_key_only_equals_tshark() {
    let dir = common::project_dir();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("tests/decrypted_expected.json")).unwrap(),
    )
    .unwrap();
    let captures = expected["rsa_key_only"].as_object().unwrap();
    assert!(captures.len() >= 6, "{}", captures.len());
    let mut problems = Vec::new();
    let mut checked = 0;
    for (file, entry) in captures {
        let key = dir.join(entry["rsa_key"].as_str().unwrap());
        checked += compare(
            &dir,
            file,
            Keys::Rsa(&key),
            &entry["streams"],
            &mut problems,
        );
        // The same sessions from the key log's `RSA` lines alone (what OpenSSL and NSS log
        // for RSA key exchange besides CLIENT_RANDOM); the resumed one through the full
        // handshake before it.
        checked += compare(
            &dir,
            file,
            Keys::PremasterLines,
            &entry["streams"],
            &mut problems,
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked >= 28, "{checked}");
}

/// Compares one capture's decrypted streams with tshark's; returns the directions checked.
fn compare(
    dir: &Path,
    file: &str,
    keys: Keys,
    streams: &Value,
    problems: &mut Vec<String>,
) -> usize {
    let mut checked = 0;
    {
        let (plain, ends) = decrypt_file(&dir.join(file), keys);
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
    checked
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

/// Runs the command line on `capture` with `extra` options and returns each TLS connection's
/// (`decryption`, `decryption_reason`).
fn cli_decryption(capture: &Path, extra: &[&str]) -> Vec<(Value, Value)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--fail-on", "never", "--format", "json"])
        .args(extra)
        .arg(capture)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["tls"].is_object())
        .map(|c| {
            (
                c["tls"]["decryption"].clone(),
                c["tls"]["decryption_reason"].clone(),
            )
        })
        .collect()
}

/// `--rsa-key`: opens an RSA key-exchange session without a key log; a key that is not the
/// server's says so; an ECDHE session cannot use it and says it needs a key log; the
/// file's name is in the report; an unreadable or key-less file is an error (exit 2).
#[test]
fn rsa_key_option_and_reasons() {
    let dir = common::project_dir().join("tests/captures");
    let server = dir.join("tls-rsa-server.pem");
    let other = dir.join("tls-rsa-other.pem");
    let rsa = dir.join("tls-tls12-aes128sha-rsa-noetm-noems.pcap");
    let ecdhe = dir.join("tls-tls12-ecdhe-rsa-aes256sha384-noetm.pcap");
    let key = |k: &Path| {
        [
            "--no-keylog-beside".to_string(),
            "--rsa-key".into(),
            k.display().to_string(),
        ]
    };
    let run = |c: &Path, k: &Path| {
        cli_decryption(c, &key(k).iter().map(String::as_str).collect::<Vec<_>>())
    };
    let opened = run(&rsa, &server);
    assert_eq!(opened[0].0, "decrypted");
    assert!(
        opened[0].1.as_str().unwrap().contains("RSA private key"),
        "{opened:?}"
    );
    let wrong = run(&rsa, &other);
    assert_eq!(wrong[0].0, "rsa_key_mismatch");
    assert!(
        wrong[0].1.as_str().unwrap().contains("RSA 2048-bit"),
        "{wrong:?}"
    );
    let ecdhe_only_rsa = run(&ecdhe, &server);
    assert_eq!(ecdhe_only_rsa[0].0, "rsa_key_not_usable");
    let why = ecdhe_only_rsa[0].1.as_str().unwrap();
    assert!(why.contains("ECDHE") && why.contains("key log"), "{why}");
    // With its key log (beside the file) the ECDHE session opens even with the RSA key given.
    let both = cli_decryption(&ecdhe, &["--rsa-key", server.to_str().unwrap()]);
    assert_eq!(both[0].0, "decrypted");
    // Without any key the reason still says what would open it.
    let none = cli_decryption(&rsa, &["--no-keylog-beside"]);
    assert_eq!(none[0].0, Value::Null);
    assert!(
        none[0].1.as_str().unwrap().contains("--rsa-key"),
        "{none:?}"
    );
    // The key files are listed with the report's key material.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args([
            "analyze",
            "--fail-on",
            "never",
            "--format",
            "json",
            "--rsa-key",
        ])
        .arg(&server)
        .arg(&rsa)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["file"]["decryption"]["rsa_keys"][0]
            .as_str()
            .unwrap()
            .ends_with("tls-rsa-server.pem"),
        "{}",
        v["file"]["decryption"]
    );
    // A file without a private key (a key log) is refused, naming it.
    for bad in [
        dir.join("tls-tls12-aes128sha-rsa.keys"),
        dir.join("missing.pem"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
            .args(["analyze", "--rsa-key"])
            .arg(&bad)
            .arg(&rsa)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(bad.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }
}

/// Zeek's rdp-to-ssl.pcap (public corpus): TLS 1.0 TLS_RSA_WITH_AES_128_CBC_SHA, whose key
/// nobody has. Without keys the reason says what would open it; with an RSA key that is not
/// the server's, that it does not match the certificate; with a key log of other sessions,
/// that the key log has nothing for it.
#[test]
fn zeek_rdp_to_ssl_says_why_it_stays_closed() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let pcap = corpus.join("zeek/testing/btest/Traces/rdp/rdp-to-ssl.pcap");
    let other = common::project_dir().join("tests/captures/tls-rsa-other.pem");
    let none = cli_decryption(&pcap, &[]);
    assert!(!none.is_empty());
    for (value, reason) in &none {
        assert_eq!(*value, Value::Null);
        assert!(
            reason
                .as_str()
                .unwrap()
                .contains("TLS_RSA_WITH_AES_128_CBC_SHA"),
            "{reason}"
        );
    }
    for (value, _) in cli_decryption(&pcap, &["--rsa-key", other.to_str().unwrap()]) {
        assert_eq!(value, "rsa_key_mismatch");
    }
    let keylog = common::project_dir().join("tests/captures/tls-tls12-aes128sha-rsa.keys");
    assert!(keylog.is_file());
    for (value, _) in cli_decryption(&pcap, &["--keylog", keylog.to_str().unwrap()]) {
        assert_eq!(value, "no_session_keys");
    }
}

/// Session resumption with only the RSA key: a resumed session whose full handshake is in
/// the same capture opens with the master secret recovered there; one whose full handshake
/// was not captured says it was resumed (only a key log would open it).
#[test]
fn resumed_sessions_with_the_rsa_key() {
    let dir = common::project_dir().join("tests/captures");
    let key = dir.join("tls-rsa-server.pem");
    let args = ["--no-keylog-beside", "--rsa-key", key.to_str().unwrap()];
    let both = cli_decryption(&dir.join("tls-tls12-aes128sha-rsa-resumed.pcap"), &args);
    assert_eq!(both.len(), 2);
    assert_eq!(both[0].0, "decrypted");
    assert_eq!(both[1].0, "decrypted");
    assert!(both[1].1.as_str().unwrap().contains("resumed"), "{both:?}");
    let alone = cli_decryption(&dir.join("tls-resumed-without-first.pcap"), &args);
    assert_eq!(alone[0].0, "session_resumed");
}

/// A CBC session with a made-up master secret for its client random: the first record does
/// not verify (MAC / padding) and the session is reported as `failed`, saying why.
#[test]
fn cbc_with_the_wrong_master_secret_fails_on_the_mac() {
    let path =
        common::project_dir().join("tests/captures/tls-tls10-aes256sha-rsa-noetm-noems.pcap");
    let real = std::fs::read_to_string(path.with_extension("keys")).unwrap();
    let random = real
        .lines()
        .find(|l| l.starts_with("CLIENT_RANDOM"))
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .to_string();
    let mut store = KeyStore::default();
    store.add_text(&format!("CLIENT_RANDOM {random} {}\n", "5a".repeat(48)));
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
    let s = TlsSummary::from_observations(&analysis.observations[&0]).unwrap();
    assert_eq!(s.decryption, Some("failed"));
    let why = s.decryption_reason.unwrap();
    assert!(why.contains("MAC or padding does not verify"), "{why}");
}
