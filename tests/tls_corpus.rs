//! TLS handshakes of the shared corpus against the peers' own expected output: Zeek btest
//! baselines (ssl.log: version, cipher, curve, server_name, last_alert, established,
//! cert_chain_fps, subject, issuer, sni_matches_cert; notice.log certificate expiry;
//! x509_check_cert_hostname) and nDPI's flow risks and fingerprints. Differences are listed
//! with their reason, checked in tshark 4.0.17; the test fails on any other difference.

mod common;

use rdptriage::detect::tls::hostname::cert_matches;
use rdptriage::report::json::FileReport;
use std::collections::BTreeMap;
use std::path::Path;

/// One row of a Zeek ASCII log, by field name.
type Row = BTreeMap<String, String>;

/// Zeek ASCII log rows (several `#fields` blocks allowed), with `\\` unescaped.
fn zeek_rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut fields: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(f) = line.strip_prefix("#fields\t") {
            fields = f.split('\t').map(str::to_string).collect();
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        rows.push(
            fields
                .iter()
                .cloned()
                .zip(line.split('\t').map(|v| v.replace("\\\\", "\\")))
                .collect(),
        );
    }
    rows
}

/// Zeek's version names (`TLSv12`) in ours (`TLSv1.2`).
fn zeek_version(v: &str) -> String {
    match v {
        "TLSv10" => "TLSv1.0".into(),
        "TLSv11" => "TLSv1.1".into(),
        "TLSv12" => "TLSv1.2".into(),
        "TLSv13" => "TLSv1.3".into(),
        other => other.into(),
    }
}

fn opt(v: Option<&str>) -> String {
    v.unwrap_or("-").to_string()
}

/// Our value of every compared ssl.log column for the connection with this client port.
fn ours(report: &FileReport, orig_p: &str) -> Option<Row> {
    let c = report
        .connections
        .iter()
        .find(|c| c.client.rsplit_once(':').map(|(_, p)| p) == Some(orig_p))?;
    let t = c.tls.as_ref()?;
    let mut r = Row::new();
    r.insert("version".into(), opt(t.version.as_deref()));
    r.insert("cipher".into(), opt(t.cipher.as_deref()));
    r.insert("server_name".into(), opt(t.sni.as_deref()));
    r.insert("curve".into(), opt(t.group.as_deref()));
    r.insert("last_alert".into(), opt(t.last_alert.as_deref()));
    r.insert(
        "established".into(),
        if t.established { "T" } else { "F" }.into(),
    );
    r.insert(
        "cert_chain_fps".into(),
        if t.certificates.is_empty() {
            "-".into()
        } else {
            t.certificates
                .iter()
                .map(|c| c.sha256.clone())
                .collect::<Vec<_>>()
                .join(",")
        },
    );
    let leaf = t.certificates.first();
    r.insert("subject".into(), opt(leaf.map(|l| l.subject.as_str())));
    r.insert("issuer".into(), opt(leaf.map(|l| l.issuer.as_str())));
    r.insert(
        "sni_matches_cert".into(),
        match (leaf, &t.sni) {
            (Some(l), Some(sni)) => if cert_matches(l, sni) { "T" } else { "F" }.into(),
            _ => "-".into(),
        },
    );
    Some(r)
}

/// Compares the ssl.log rows of one trace; returns `trace port field: zeek X, ours Y`.
fn compare(trace: &str, report: &FileReport, rows: &[Row]) -> Vec<String> {
    let mut diffs = Vec::new();
    for row in rows {
        let port = &row["id.orig_p"];
        let Some(mine) = ours(report, port) else {
            continue;
        };
        for (field, zeek) in row {
            let Some(ours) = mine.get(field) else {
                continue;
            };
            let zeek = if field == "version" {
                zeek_version(zeek)
            } else {
                zeek.clone()
            };
            if ours != &zeek {
                diffs.push(format!("{trace} {port} {field}: zeek {zeek}, ours {ours}"));
            }
        }
    }
    diffs
}

#[test]
fn zeek_ssl_log_baselines() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let traces = corpus.join("zeek/testing/btest/Traces");
    let base = corpus.join("zeek/testing/btest/Baseline");
    let validate = zeek_rows(&base.join("scripts.policy.protocols.ssl.validate-certs/ssl-all.log"));
    let cases: Vec<(&str, Vec<Row>, usize)> = vec![
        (
            "rdp/rdp-to-ssl.pcap",
            zeek_rows(&base.join("scripts.base.protocols.rdp.rdp-to-ssl/ssl.log")),
            2,
        ),
        (
            "rdp/rdp-no-cookie-mstshash.pcap",
            zeek_rows(&base.join("scripts.base.protocols.rdp.rdp-no-cookie-msthash/ssl.log")),
            1,
        ),
        (
            "tls/tls-1.2-handshake-failure.pcap",
            zeek_rows(&base.join("scripts.base.protocols.ssl.tls-1.2-handshake-failure/ssl.log")),
            1,
        ),
        ("tls/tls-expired-cert.pcap", validate.clone(), 2),
        ("tls/missing-intermediate.pcap", validate, 3),
    ];
    let mut diffs = Vec::new();
    for (trace, rows, expected_rows) in cases {
        let report = common::report_of(&traces.join(trace));
        let matched = rows
            .iter()
            .filter(|r| ours(&report, &r["id.orig_p"]).is_some())
            .count();
        assert_eq!(
            matched, expected_rows,
            "{trace}: TLS connections matched to ssl.log rows"
        );
        diffs.extend(compare(trace, &report, &rows));
    }
    // Zeek's ssl.log `established` for the two TLS supplement traces is T although the
    // client quits: Zeek sets it on the server's Finished; ours needs encrypted records from
    // both sides, which these have too — so no difference is expected there.
    let known: Vec<String> = vec![
        // tshark: frame 6 of tls-1.2-handshake-failure.pcap is the server's first TCP payload,
        // "Alert (Level: Fatal, Description: Handshake Failure)". The stream is handed to the
        // TLS decoder only when its first record is a handshake record (proto/rdp/setup.rs
        // checks for 0x16), so the alert is not decoded yet.
        "tls/tls-1.2-handshake-failure.pcap 53525 last_alert: zeek handshake_failure, ours -"
            .into(),
    ];
    // Known differences may disappear once their cause is fixed; anything else fails.
    let unexplained: Vec<&String> = diffs.iter().filter(|d| !known.contains(d)).collect();
    assert!(
        unexplained.is_empty(),
        "unexplained differences: {unexplained:#?}"
    );
}

#[test]
fn zeek_expiring_certs_notices() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // notice.log: SSL::Certificate_Expired for 60539 (CN=www.spidh.org, expired 2014-03-04
    // 23:59:59) and SSL::Certificate_Expires_Soon for 60540 (expires 2014-03-14 23:59:59).
    let notices = zeek_rows(&corpus.join(
        "zeek/testing/btest/Baseline/scripts.policy.protocols.ssl.expiring-certs/notice.log",
    ));
    let report =
        common::report_of(&corpus.join("zeek/testing/btest/Traces/tls/tls-expired-cert.pcap"));
    for n in &notices {
        let port = &n["id.orig_p"];
        let stream = report
            .connections
            .iter()
            .find(|c| c.client.ends_with(&format!(":{port}")))
            .map(|c| c.stream)
            .unwrap();
        let id = match n["note"].as_str() {
            "SSL::Certificate_Expired" => "tls.cert_expired",
            "SSL::Certificate_Expires_Soon" => "tls.cert_expiring_soon",
            other => panic!("unexpected notice {other}"),
        };
        let f = report
            .findings
            .iter()
            .find(|f| f.id == id && f.connection == Some(stream))
            .unwrap_or_else(|| panic!("{id} on tcp/{stream}: {:#?}", report.findings));
        // The date Zeek prints (`expired at 2014-03-04-23:59:59.000000000`).
        let date = n["msg"]
            .split(" at ")
            .nth(1)
            .map(|d| d.replacen('-', " ", 3).replacen(' ', "-", 2))
            .unwrap();
        let day = &date[..10];
        assert!(f.summary.contains(day), "{} / {}", f.summary, date);
        // Certificate frames in tshark: 7 (stream 0), 35 (stream 1).
        assert_eq!(f.frames[0], if stream == 0 { 7 } else { 35 });
    }
    // validate-certs: the other connections' certificates are valid ("ok").
    let expired: Vec<u64> = report
        .findings
        .iter()
        .filter(|f| f.id == "tls.cert_expired")
        .filter_map(|f| f.connection)
        .collect();
    assert_eq!(expired, vec![0]);
}

#[test]
fn zeek_check_cert_hostname() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // x509_check_cert_hostname/.stdout for the rdp-to-ssl certificate: matches
    // WIN2K8R2.awakecoding.ath.cx, not awakecoding.ath.cx nor www.zeek.org.
    let report = common::report_of(&corpus.join("zeek/testing/btest/Traces/rdp/rdp-to-ssl.pcap"));
    let leaf = report.connections[0].tls.as_ref().unwrap().certificates[0].clone();
    assert!(cert_matches(&leaf, "WIN2K8R2.awakecoding.ath.cx"));
    assert!(!cert_matches(&leaf, "awakecoding.ath.cx"));
    assert!(!cert_matches(&leaf, "www.zeek.org"));
    // ssl.log sni_matches_cert=F for SNI 192.168.1.150: both connections get the finding.
    let mismatches: Vec<(Option<u64>, Vec<u64>)> = report
        .findings
        .iter()
        .filter(|f| f.id == "tls.cert_name_mismatch")
        .map(|f| (f.connection, f.frames.clone()))
        .collect();
    // tshark: ClientHello 8 / Certificate 9 (stream 0), 26 / 27 (stream 1).
    assert_eq!(
        mismatches,
        vec![(Some(0), vec![8, 9]), (Some(1), vec![26, 27])]
    );
}

#[test]
fn ndpi_rdp_over_tls_risks_and_fingerprints() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let out = std::fs::read_to_string(
        corpus.join("ndpi/tests/cfgs/default/result/rdp_over_tls.pcap.out"),
    )
    .unwrap();
    let flow = out
        .lines()
        .find(|l| l.contains("89.31.79.12:3389"))
        .unwrap();
    let field = |name: &str| -> String {
        let start = flow.find(&format!("[{name}: ")).unwrap() + name.len() + 3;
        flow[start..].split(']').next().unwrap().to_string()
    };
    let report = common::report_of(&corpus.join("ndpi/tests/cfgs/default/pcap/rdp_over_tls.pcap"));
    let t = report.connections[0].tls.as_ref().unwrap();
    let leaf = &t.certificates[0];
    assert!(flow.contains("Self-signed Cert"));
    assert!(leaf.self_issued);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.id == "tls.cert_self_signed" && f.connection == Some(0))
    );
    assert!(flow.contains("Missing SNI"));
    assert_eq!(t.sni, None);
    assert_eq!(t.ja3_hash.as_deref(), Some(field("JA3C").as_str()));
    assert_eq!(t.ja3s_hash.as_deref(), Some(field("JA3S").as_str()));
    assert_eq!(leaf.sha1, field("Certificate SHA-1").replace(':', ""));
    assert_eq!(leaf.subject, field("Subject"));
    assert_eq!(leaf.issuer, field("Issuer"));
    assert_eq!(t.cipher.as_deref(), Some(field("Cipher").as_str()));
    assert_eq!(
        field("Validity"),
        format!(
            "{} {} - {} {}",
            &leaf.not_before_text[..10],
            &leaf.not_before_text[11..19],
            &leaf.not_after_text[..10],
            &leaf.not_after_text[11..19]
        )
    );
    // JA4: nDPI prints t12d…, we t12i…: the ClientHello (frame 6) has no server_name
    // extension (tshark tls.handshake.extension.type = 10,11,13,35,23,65281) and the FoxIO
    // JA4 specification says `i` when SNI is absent; nDPI's own "Missing SNI" risk agrees
    // that it is absent. The other two parts are equal.
    let ndpi_ja4 = field("JA4");
    let ja4 = t.ja4.clone().unwrap();
    assert_eq!(ja4, ndpi_ja4.replacen("t12d", "t12i", 1));
    // No expiry risk in nDPI; none here (valid 2024-07-26 → 2025-01-25, captured 2024-10-18).
    assert!(!report.findings.iter().any(|f| f.id == "tls.cert_expired"));
}

#[test]
fn ndpi_rdp_pcap_clear_text_classification() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // nDPI classifies rdp.pcap as `88/RDP ClearText` from the X.224 exchange and does not
    // dissect the TLS that follows, so it reports no certificate risk. tshark
    // (-d tcp.port==3389,tls) shows frame 8: Certificate CN=OFFICE-WIN10-VM, self-issued,
    // valid 2019-03-19 → 2019-09-18 (capture 2019-05-30): self-signed, not expired — which is
    // what we find, as info on a direct RDP connection.
    let report = common::report_of(&corpus.join("ndpi/tests/cfgs/default/pcap/rdp.pcap"));
    let ids: Vec<(&str, Vec<u64>)> = report
        .findings
        .iter()
        .filter(|f| f.id.starts_with("tls.cert"))
        .map(|f| (f.id, f.frames.clone()))
        .collect();
    assert!(ids.contains(&("tls.cert_self_signed", vec![8])), "{ids:?}");
    assert!(!ids.iter().any(|(id, _)| *id == "tls.cert_expired"));
}
