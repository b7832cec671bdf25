//! RDP connection setup compared with the peers' own expected outputs in the shared corpus:
//! Zeek's baseline rdp.log files (every column), Suricata-verify's RDP test, Arkime's
//! session JSON. Where the peer prints a derived label (Zeek's client_build "RDP 6.0",
//! requested_color_depth), the test maps our raw decoded value the way the peer documents it.

mod common;

use rdptriage::proto::rdp::summary::RdpSetup;
use rdptriage::report::json::FileReport;
use std::path::Path;

fn rdp_setups(report: &FileReport) -> Vec<&RdpSetup> {
    report
        .connections
        .iter()
        .filter_map(|c| c.rdp.as_deref())
        .collect()
}

/// Zeek's `rdp.log` rows (fields after `id.*`), keyed by column name.
fn zeek_rows(log: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(log).unwrap();
    let fields: Vec<String> = text
        .lines()
        .find_map(|l| l.strip_prefix("#fields\t"))
        .unwrap()
        .split('\t')
        .map(String::from)
        .collect();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            fields
                .iter()
                .cloned()
                .zip(l.split('\t').map(String::from))
                .collect()
        })
        .collect()
}

/// Zeek's base/protocols/rdp consts: build numbers to the RDP release it names.
fn zeek_build_label(build: u32) -> String {
    match build {
        2600 => "RDP 5.1",
        3790 => "RDP 5.2",
        6000 => "RDP 6.0",
        6001 => "RDP 6.1",
        6002 => "RDP 6.2",
        7600 => "RDP 7.0",
        7601 => "RDP 7.1",
        9200 => "RDP 8.0",
        9600 => "RDP 8.1",
        _ => return format!("RDP Unknown ({build})"),
    }
    .into()
}

/// The columns of one Zeek rdp.log row, computed from our decoded setup.
fn as_zeek(s: &RdpSetup) -> Vec<(&'static str, String)> {
    let dash = || "-".to_string();
    let core = s.client.as_ref().and_then(|c| c.core.as_ref());
    let security = s.server.as_ref().and_then(|sv| sv.security.as_ref());
    let result = match (s.result, s.selected_protocol_raw) {
        ("failure", _) => s.failure_name.clone().unwrap_or_default(),
        ("success", Some(p)) if p != 0 => "encrypted".into(),
        ("success", Some(0)) if s.server.as_ref().is_some_and(|sv| sv.result == 0) => {
            "Success".into()
        }
        _ => dash(),
    };
    let cert = security.and_then(|sec| sec.certificate.as_ref());
    use rdptriage::proto::rdp::mcs::ServerCertificate;
    vec![
        (
            "cookie",
            s.cookie.clone().map_or("(empty)".into(), |c| {
                if c.is_empty() {
                    "(empty)".into()
                } else {
                    c.replace('\\', "\\\\")
                }
            }),
        ),
        ("result", result),
        (
            "security_protocol",
            s.selected_protocol.clone().unwrap_or_else(dash),
        ),
        (
            "client_channels",
            s.client
                .as_ref()
                .and_then(|c| c.channels.as_ref())
                .map_or_else(dash, |ch| {
                    ch.iter()
                        .map(|c| c.name.clone())
                        .collect::<Vec<_>>()
                        .join(",")
                }),
        ),
        (
            "client_build",
            core.map_or_else(dash, |c| zeek_build_label(c.client_build)),
        ),
        (
            "client_name",
            core.map_or_else(dash, |c| c.client_name.clone()),
        ),
        (
            "client_dig_product_id",
            core.map_or_else(dash, |c| match c.client_dig_product_id.as_deref() {
                None | Some("") => "(empty)".into(),
                Some(id) => id.to_string(),
            }),
        ),
        (
            "desktop_width",
            core.map_or_else(dash, |c| c.desktop_width.to_string()),
        ),
        (
            "desktop_height",
            core.map_or_else(dash, |c| c.desktop_height.to_string()),
        ),
        (
            "requested_color_depth",
            // Zeek: 32bit when earlyCapabilityFlags has RNS_UD_CS_WANT_32BPP_SESSION (0x0002),
            // else highColorDepth.
            core.map_or_else(dash, |c| {
                if c.early_capability_flags.unwrap_or(0) & 0x0002 != 0 {
                    "32bit".into()
                } else {
                    format!("{}bit", c.high_color_depth.unwrap_or(0))
                }
            }),
        ),
        (
            "cert_type",
            match cert {
                Some(ServerCertificate::Proprietary { .. }) => "RSA".into(),
                Some(ServerCertificate::X509 { .. }) => "X.509".into(),
                None => dash(),
            },
        ),
        (
            "cert_count",
            match cert {
                Some(ServerCertificate::Proprietary { .. }) => "1".into(),
                Some(ServerCertificate::X509 { count, .. }) => count.to_string(),
                None => "0".into(),
            },
        ),
        (
            "cert_permanent",
            match cert {
                Some(
                    ServerCertificate::Proprietary { permanent, .. }
                    | ServerCertificate::X509 { permanent, .. },
                ) => if *permanent { "T" } else { "F" }.into(),
                None => dash(),
            },
        ),
        (
            "encryption_level",
            security.map_or_else(dash, |sec| {
                match sec.encryption_level {
                    0 => "None",
                    1 => "Low",
                    2 => "Client compatible",
                    3 => "High",
                    4 => "FIPS",
                    _ => "?",
                }
                .into()
            }),
        ),
        (
            "encryption_method",
            security.map_or_else(dash, |sec| {
                match sec.encryption_method {
                    0 => "None",
                    1 => "40bit",
                    2 => "128bit",
                    8 => "56bit",
                    0x10 => "FIPS",
                    _ => "?",
                }
                .into()
            }),
        ),
    ]
}

#[test]
fn zeek_rdp_log_baselines_agree() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let baselines = corpus.join("zeek/testing/btest/Baseline");
    let cases = [
        (
            "rdp-proprietary-encryption",
            "rdp-proprietary-encryption.pcap",
        ),
        ("rdp-to-ssl", "rdp-to-ssl.pcap"),
        ("rdp-no-cookie-msthash", "rdp-no-cookie-mstshash.pcap"),
        ("rdp-unknown-keyboard", "rdp-unknown-keyboard.pcap"),
        ("rdp-x509", "rdp-x509.pcap"),
    ];
    let mut diffs = Vec::new();
    for (test, trace) in cases {
        let rows = zeek_rows(&baselines.join(format!("scripts.base.protocols.rdp.{test}/rdp.log")));
        let report = common::report_of(&corpus.join("zeek/testing/btest/Traces/rdp").join(trace));
        let setups = rdp_setups(&report);
        assert_eq!(
            setups.len(),
            rows.len(),
            "{trace}: one rdp.log row per RDP connection"
        );
        for (row, setup) in rows.iter().zip(setups) {
            for (column, ours) in as_zeek(setup) {
                if row[column] != ours {
                    diffs.push(format!(
                        "{trace} {column}: zeek {:?}, ours {ours:?}",
                        row[column]
                    ));
                }
            }
            // keyboard_layout: Zeek names the layout, guessing from the low word when the id
            // is unknown ("Thai (Best Guess for 263198)"); we keep the number and name the
            // known ones.
            if let Some(core) = setup.client.as_ref().and_then(|c| c.core.as_ref()) {
                let name = rdptriage::proto::rdp::mcs::keyboard_layout_name(core.keyboard_layout)
                    .or_else(|| {
                        rdptriage::proto::rdp::mcs::keyboard_layout_name(
                            core.keyboard_layout & 0xFFFF,
                        )
                    });
                let zeek = &row["keyboard_layout"];
                if !name.is_some_and(|n| zeek.starts_with(n.split(' ').next().unwrap_or(n))) {
                    diffs.push(format!(
                        "{trace} keyboard_layout: zeek {zeek:?}, ours {:#x} {name:?}",
                        core.keyboard_layout
                    ));
                }
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences from Zeek:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn zeek_invalid_length_is_a_decode_error_and_nothing_invented() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // Zeek: "violation RDP Binpac exception: &enforce violation : RDP_Negotiation_Response:length".
    let report =
        common::report_of(&corpus.join("zeek/testing/btest/Traces/rdp/rdp-invalid-length.pcap"));
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.id == "rdp.decode_error")
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].frames, vec![5]);
    assert!(
        errors[0].summary.contains("length 0, must be 8"),
        "{}",
        errors[0].summary
    );
    let setup = rdp_setups(&report)[0];
    assert_eq!(setup.result, "decode_error");
    assert_eq!(
        (
            setup.request_frame,
            &setup.selected_protocol,
            setup.failure_code
        ),
        (None, &None, None)
    );
    assert!(report.findings.iter().all(|f| f.id == "rdp.decode_error"));
}

#[test]
fn suricata_rdp_003_initial_request() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // suricata-verify tests/rdp-protocol/test.yaml: one initial_request with cookie A70067;
    // tshark: legacy X.224 CR without RDP_NEG_REQ (frame 4), CC without negotiation data.
    let report = common::report_of(&corpus.join("suricata-verify/tests/rdp-protocol/RDP-003.pcap"));
    let setups = rdp_setups(&report);
    assert_eq!(setups.len(), 1);
    assert_eq!(setups[0].cookie.as_deref(), Some("A70067"));
    assert!(setups[0].legacy_request);
    assert_eq!(setups[0].selected_protocol.as_deref(), Some("RDP"));
}

#[test]
fn arkime_requested_and_selected_protocols() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // socks5-rdp.test: requestedProtocols [rdp], selectedProtocol [rdp], socks 10.0.0.1:3389.
    let report = common::report_of(&corpus.join("arkime/tests/pcap/socks5-rdp.pcap"));
    let s = rdp_setups(&report)[0];
    assert_eq!(s.requested_protocols, ["RDP"]);
    assert_eq!(s.selected_protocol.as_deref(), Some("RDP"));
    assert_eq!(s.socks5_target.as_deref(), Some("10.0.0.1:3389"));
    assert_eq!(s.tunnel_prefix_bytes, Some(13));
    // arkime_synthetic.test: 10.20.22.100:50400 → 10.20.22.1:3389 requestedProtocols
    // [nla, ssl], selectedProtocol [ssl], user rdpuser (the mstshash cookie).
    let report = common::report_of(&corpus.join("arkime/tests/pcap/arkime_synthetic.pcap"));
    let rdp: Vec<_> = report
        .connections
        .iter()
        .filter(|c| c.rdp.is_some())
        .collect();
    assert_eq!(rdp.len(), 1);
    assert_eq!(
        (rdp[0].client.as_str(), rdp[0].server.as_str()),
        ("10.20.22.100:50400", "10.20.22.1:3389")
    );
    let s = rdp[0].rdp.as_ref().unwrap();
    assert_eq!(s.requested_protocols, ["SSL", "HYBRID"]);
    assert_eq!(s.selected_protocol.as_deref(), Some("SSL"));
    assert_eq!(s.cookie.as_deref(), Some("rdpuser"));
}

#[test]
fn corpus_negotiation_failure_and_downgrade() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // CATALOG #1 (tshark): conn 1 req=0x1 → RDP_NEG_FAILURE 0x2 in frame 5 (request frame 4);
    // conn 2 (2.5 s later) req=0 → selected 0 (frame 12 / 13).
    let report = common::report_of(
        &corpus.join("zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap"),
    );
    let failure = report
        .findings
        .iter()
        .find(|f| f.id == "rdp.neg_failure")
        .unwrap();
    assert_eq!(failure.frames, vec![4, 5]);
    assert_eq!(failure.connection, Some(0));
    assert!(
        failure
            .summary
            .contains("SSL_NOT_ALLOWED_BY_SERVER (code 2, frame 5)"),
        "{}",
        failure.summary
    );
    let downgrade = report
        .findings
        .iter()
        .find(|f| f.id == "rdp.neg_downgrade")
        .unwrap();
    assert_eq!(downgrade.connections, vec![0, 1]);
    assert_eq!(downgrade.frames, vec![4, 5, 12, 13]);
    let weak = report
        .findings
        .iter()
        .find(|f| f.id == "rdp.weak_security")
        .unwrap();
    assert_eq!(weak.connection, Some(1));
}

#[test]
fn every_corpus_rdp_connection_has_a_one_line_outcome() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // tshark (CATALOG.md): the negotiation of each RDP capture.
    let cases: [(&str, &[&str]); 8] = [
        (
            "zeek/testing/btest/Traces/rdp/rdp-to-ssl.pcap",
            &["SSL|HYBRID → HYBRID", "SSL|HYBRID → HYBRID"],
        ),
        (
            "zeek/testing/btest/Traces/rdp/rdp-no-cookie-mstshash.pcap",
            &["SSL|HYBRID|HYBRID_EX → HYBRID_EX"],
        ),
        (
            "zeek/history/rdp-rdpeudp-handshake-fail.pcap",
            &["SSL|HYBRID|HYBRID_EX → HYBRID_EX"],
        ),
        (
            "ndpi/tests/cfgs/default/pcap/rdp.pcap",
            &["SSL|HYBRID|HYBRID_EX → HYBRID_EX"],
        ),
        (
            "ndpi/tests/cfgs/default/pcap/rdp_over_tls.pcap",
            &["SSL|HYBRID → HYBRID"],
        ),
        (
            "ndpi/tests/cfgs/default/pcap/rdp3.pcap",
            &["RDP (legacy) → RDP"],
        ),
        (
            "zeek/testing/btest/Traces/rdp/rdp-unknown-keyboard.pcap",
            &["RDP → RDP"],
        ),
        (
            "suricata-verify/tests/rdp-protocol/RDP-003.pcap",
            &["RDP (legacy) → RDP"],
        ),
    ];
    for (file, expected) in cases {
        let report = common::report_of(&corpus.join(file));
        let lines: Vec<String> = rdp_setups(&report)
            .iter()
            .map(|s| s.outcome_line())
            .collect();
        assert_eq!(lines, expected, "{file}");
    }
}
