//! `--redact`: every format's output, on captures that carry user, domain, host and
//! certificate names, SNI, cookies and IP addresses, contains none of them; verdicts, ids
//! and frame numbers are those of the unredacted run; `--redact-key` makes the pseudonyms
//! the same in every run.

mod common;

use common::{corpus_dir, project_dir};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

const FORMATS: [&str; 6] = ["table", "json", "sarif", "junit", "markdown", "html"];

fn inputs() -> Vec<PathBuf> {
    let samples = project_dir().join("samples");
    let mut files: Vec<PathBuf> = [
        "rdp-by-name-healthy-xrdp.pcap",
        "rdg-healthy-standin.pcap",
        "rdp-cert-name-mismatch-xrdp.pcap",
        "rdp-cert-untrusted-ipv6-xrdp.pcap",
        "rdp-mtu-blackhole-server.pcap",
        "rdp-rst-mid-session.pcap",
        "rdp-icmp-admin-prohibited.pcap",
        "http-only-no-rdp.pcap",
    ]
    .iter()
    .map(|n| samples.join(n))
    .collect();
    if let Some(corpus) = corpus_dir() {
        for p in [
            // Cookie "FTBCO\A70" (domain\user), client name FROG-POND.
            "zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap",
            // Client name JOHN-PC-LAPTOP and a server certificate.
            "zeek/testing/btest/Traces/rdp/rdp-x509.pcap",
            "suricata-verify/tests/rdp-protocol/RDP-003.pcap",
            // TLS with SNI names.
            "arkime/tests/pcap/arkime_synthetic.pcap",
            "zeek/history/nla_win7_win2k8r2.pcap",
        ] {
            files.push(corpus.join(p));
        }
    }
    files
}

fn run(files: &[PathBuf], format: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .arg("analyze")
        .args(files)
        .args(["--format", format, "--fail-on", "never", "--color", "never"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One document per file, whether pretty-printed or JSON Lines.
fn documents(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

/// RFC 4514 attributes, split at unescaped commas.
fn rdn_values(name: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in name.chars() {
        if c == ',' && !escaped {
            parts.push(String::new());
        } else {
            parts.last_mut().unwrap().push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    parts
        .iter()
        .filter_map(|p| p.split_once('='))
        .filter(|(attr, _)| attr.trim() != "C")
        .map(|(_, v)| v.to_string())
        .collect()
}

/// The names and addresses a report holds, read independently of the redactor.
fn originals(v: &Value, key: Option<&str>, in_dns: bool, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                originals(v, Some(k), in_dns || k == "dns", out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| originals(i, key, in_dns, out)),
        Value::String(s) => {
            let mut add = |s: &str| {
                let s = s.trim();
                if s.chars().count() >= 2 {
                    out.insert(s.to_string());
                }
            };
            match key.unwrap_or_default() {
                "user" | "cookie" => {
                    for part in s.split(['\\', '@']) {
                        add(part);
                    }
                }
                "client_name" | "sni" | "common_name" | "san_dns" | "san_ip" | "names"
                | "cnames" | "host" | "redirected_to" | "routing_target" | "resources"
                | "alt_resources" | "socks5_target" => add(s),
                "name" if in_dns => add(s),
                "subject" | "issuer" => {
                    add(s);
                    rdn_values(s).iter().for_each(|v| add(v));
                }
                "client" | "server" | "from" | "addresses" => {
                    // Addresses, `ip:port`, `[v6]:port`.
                    let host = s
                        .strip_prefix('[')
                        .and_then(|r| r.split_once(']'))
                        .map(|(h, _)| h.to_string())
                        .unwrap_or_else(|| match s.rsplit_once(':') {
                            Some((h, p)) if !h.contains(':') && p.parse::<u16>().is_ok() => {
                                h.to_string()
                            }
                            _ => s.to_string(),
                        });
                    if host.parse::<std::net::IpAddr>().is_ok() {
                        add(&host);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Does `needle` occur in `hay` as a whole word (any case)?
fn contains_word(hay: &str, needle: &str) -> bool {
    let (hay_l, needle_l) = (hay.to_lowercase(), needle.to_lowercase());
    if hay_l.len() != hay.len() {
        return hay_l.contains(&needle_l);
    }
    let mut from = 0;
    while let Some(i) = hay_l[from..].find(&needle_l) {
        let (s, e) = (from + i, from + i + needle_l.len());
        let before = hay_l[..s].chars().next_back();
        let after = hay_l[e..].chars().next();
        let digit_dot_before = before == Some('.')
            && hay_l[..s - 1]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit());
        let dot_digit_after = after == Some('.')
            && hay_l[e + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit());
        let numeric = needle.starts_with(|c: char| c.is_ascii_digit());
        if !before.is_some_and(is_word)
            && !after.is_some_and(is_word)
            && !(numeric && (digit_dot_before || dot_digit_after))
        {
            return true;
        }
        from = s + 1;
    }
    false
}

fn forms(original: &str) -> Vec<String> {
    let json = serde_json::to_string(original).unwrap();
    vec![
        original.to_string(),
        json[1..json.len() - 1].to_string(),
        original
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;"),
    ]
}

/// What must not change: per file, the causes with their frames and attempts, the findings
/// with their frames and connections, the attempts' outcomes and frame ranges.
fn verdicts(doc: &Value) -> Value {
    let pick = |arr: &Value, keys: &[&str]| -> Value {
        arr.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| keys.iter().map(|k| i[*k].clone()).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            })
            .map(|v| serde_json::to_value(v).unwrap())
            .unwrap_or(Value::Null)
    };
    serde_json::json!({
        "causes": pick(&doc["diagnosis"]["causes"], &["cause", "frames", "attempt", "confidence", "connection"]),
        "findings": pick(&doc["findings"], &["id", "severity", "frames", "connection"]),
        "attempts": pick(&doc["diagnosis"]["attempts"], &["id", "outcome", "failed", "first_frame", "last_frame", "connections"]),
        "frames": doc["file"]["packets"],
    })
}

#[test]
fn redacted_outputs_hold_no_original_name_or_address() {
    let files = inputs();
    let plain = documents(&run(&files, "json", &[]));
    assert_eq!(plain.len(), files.len());
    let mut names = BTreeSet::new();
    for doc in &plain {
        originals(doc, None, false, &mut names);
    }
    // The originals these captures are known to hold (read with tshark: the X.224 cookie,
    // the Client Core Data's clientName, the ClientHello's server_name, the certificates,
    // the DNS query, the addresses).
    for known in [
        "labuser",
        "vm",
        "rdp.lab.test",
        "rdp.example.net",
        "rdptriage lab CA",
        "10.0.1.2",
        "10.0.2.2",
        "::1",
        "rdp.example.test",
    ] {
        assert!(names.contains(known), "{known} not collected: {names:?}");
    }
    if corpus_dir().is_some() {
        for known in ["FTBCO", "A70", "FROG-POND", "JOHN-PC-LAPTOP"] {
            assert!(names.contains(known), "{known} not collected: {names:?}");
        }
    }
    let mut leaks = Vec::new();
    for format in FORMATS {
        // Without --redact every format shows some of them (the check is not vacuous).
        let shown = run(&files, format, &[]);
        for name in ["10.0.2.2", "rdp.example.net"] {
            assert!(contains_word(&shown, name), "{format} does not show {name}");
        }
        let out = run(&files, format, &["--redact"]);
        assert!(out.len() > 1000, "{format}: {} bytes", out.len());
        for name in &names {
            if forms(name).iter().any(|f| contains_word(&out, f)) {
                leaks.push(format!("{format}: {name}"));
            }
        }
        if format == "json" {
            let redacted = documents(&out);
            assert_eq!(redacted.len(), plain.len());
            for (a, b) in plain.iter().zip(&redacted) {
                assert_eq!(verdicts(a), verdicts(b), "{}", a["file"]["path"]);
            }
        }
    }
    // The coloured table (ANSI styles right before a name).
    let coloured = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .arg("analyze")
        .args(&files)
        .args(["--fail-on", "never", "--color", "always", "--redact"])
        .output()
        .unwrap();
    let coloured = String::from_utf8(coloured.stdout).unwrap();
    assert!(coloured.contains('\x1b'));
    for name in &names {
        if contains_word(&coloured.replace('\x1b', " "), name) {
            leaks.push(format!("coloured table: {name}"));
        }
    }
    assert!(leaks.is_empty(), "originals left in the output: {leaks:#?}");
}

#[test]
fn a_redaction_key_gives_the_same_pseudonyms_in_every_run() {
    let files = inputs();
    let files = &files[..2];
    let a = run(files, "json", &["--redact-key", "ticket-4711"]);
    let b = run(files, "json", &["--redact-key", "ticket-4711"]);
    let c = run(files, "json", &["--redact-key", "other"]);
    let d = run(
        files,
        "table",
        &["--redact-key", "ticket-4711", "--verbose"],
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
    // The same pseudonym in every format: the client address of the first file.
    let doc = &documents(&a)[0];
    let client = doc["diagnosis"]["attempts"][0]["client"].as_str().unwrap();
    let ip: std::net::Ipv4Addr = client.parse().unwrap();
    assert_eq!(
        ip.octets()[0] & 0xF0,
        0xF0,
        "{client} is not in 240.0.0.0/4"
    );
    assert!(d.contains(client), "{client} not in the table");
    // Without a key, every run draws its own.
    let e = run(files, "json", &["--redact"]);
    let f = run(files, "json", &["--redact"]);
    assert_ne!(e, f);
}
