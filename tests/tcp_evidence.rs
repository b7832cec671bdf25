//! TCP-level findings on the lab's real captures (samples/, MANIFEST.json) and the corpus:
//! exact ids, frames and the injector's hop distance; no false positives on healthy sessions.
//! Frames were checked in tshark 4.0.17: `tcp.flags`, `icmp.type/code`, `tcp.seq_raw` and
//! `tcp.len` of the retransmitted segments, `tcp.analysis.lost_segment` /
//! `duplicate_ack` / `retransmission`.

mod common;

use rdptriage::detect::Finding;
use rdptriage::report::json::FileReport;

fn sample(name: &str) -> FileReport {
    common::report_of(&common::project_dir().join("samples").join(name))
}

fn with_id<'a>(r: &'a FileReport, id: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.id == id).collect()
}

const TCP_IDS: [&str; 9] = [
    "tcp.syn_unanswered",
    "tcp.refused",
    "icmp.unreachable",
    "tcp.rst_injected",
    "tcp.rst",
    "tcp.mtu_blackhole",
    "tcp.handshake_stall",
    "tcp.heavy_loss",
    "tcp.zero_window",
];

/// The TCP-level finding ids of a report, sorted.
fn tcp_ids(r: &FileReport) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = r
        .findings
        .iter()
        .map(|f| f.id)
        .filter(|id| TCP_IDS.contains(id))
        .collect();
    ids.sort();
    ids
}

#[test]
fn dropped_syns_are_unanswered() {
    let r = sample("rdp-syn-dropped.pcap");
    assert_eq!(tcp_ids(&r), ["tcp.syn_unanswered"]);
    let f = with_id(&r, "tcp.syn_unanswered")[0];
    assert_eq!(f.frames, (1..=8).collect::<Vec<u64>>());
    assert!(f.summary.contains("retried 7 times"), "{}", f.summary);
    assert_eq!(
        r.connections[0].tcp.as_ref().unwrap().phase.words(),
        "SYN sent"
    );
}

#[test]
fn closed_port_is_refused_twice() {
    let r = sample("rdp-port-closed.pcap");
    assert_eq!(tcp_ids(&r), ["tcp.refused", "tcp.refused"]);
    let f = with_id(&r, "tcp.refused");
    assert_eq!(
        (f[0].frames.clone(), f[1].frames.clone()),
        (vec![1, 2], vec![3, 4])
    );
    assert!(f[0].summary.contains("TTL 63, 1 hops away"));
}

#[test]
fn firewall_admin_prohibited() {
    let r = sample("rdp-icmp-admin-prohibited.pcap");
    assert_eq!(tcp_ids(&r), ["icmp.unreachable", "icmp.unreachable"]);
    let f = with_id(&r, "icmp.unreachable");
    assert_eq!(
        (f[0].frames.clone(), f[1].frames.clone()),
        (vec![2, 4], vec![6, 8])
    );
    assert!(
        f[0].summary
            .contains("admin-prohibited (type 3, code 13) from 10.0.1.1 (a router on the path)"),
        "{}",
        f[0].summary
    );
}

fn injected(name: &str, frame: u64) {
    let r = sample(name);
    let f = with_id(&r, "tcp.rst_injected");
    assert_eq!(f.len(), 1, "{name}");
    assert_eq!(f[0].frames, vec![frame]);
    let e = f[0].evidence.as_ref().unwrap();
    // The router forged it: TTL 64 (0 hops from the client's capture point) while the real
    // server's packets arrive with TTL 63 (1 hop).
    assert_eq!(
        (e["ttl"].as_u64(), e["sender_ttl"].as_u64()),
        (Some(64), Some(63))
    );
    assert_eq!(
        (e["rst_hops"].as_u64(), e["sender_hops"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        r.connections[0].tcp.as_ref().unwrap().closed_by,
        "middlebox"
    );
    assert!(
        with_id(&r, "tcp.rst").is_empty(),
        "{name}: a forged reset is not also a genuine one"
    );
}

#[test]
fn forged_reset_mid_handshake() {
    injected("rdp-rst-mid-handshake.pcap", 9);
}

#[test]
fn forged_reset_mid_session() {
    injected("rdp-rst-mid-session.pcap", 232);
}

#[test]
fn mtu_black_hole_from_both_ends() {
    // Server side: the 1448-byte segment at seq 1017935810 sent 8 times, never acknowledged,
    // and the 819-byte segment sent after it (frame 15) SACKed by the client (frame 16,
    // SLE=5564 SRE=6383 in tshark).
    let r = sample("rdp-mtu-blackhole-server.pcap");
    assert_eq!(tcp_ids(&r), ["tcp.mtu_blackhole"]);
    assert_eq!(
        with_id(&r, "tcp.mtu_blackhole")[0].frames,
        vec![10, 15, 16, 17, 19, 20, 21, 22, 25, 28]
    );
    // Client side: only the last 819-byte segment arrives (frame 10, previous segment not
    // captured); the client's duplicate ACK with SACK follows (frame 11).
    let r = sample("rdp-mtu-blackhole.pcap");
    assert_eq!(tcp_ids(&r), ["tcp.mtu_blackhole"]);
    let f = with_id(&r, "tcp.mtu_blackhole")[0];
    assert_eq!(f.frames, vec![10, 11]);
    assert!(
        f.summary
            .contains("no segment of 1448 bytes or more ever arrived (largest 819 bytes)"),
        "{}",
        f.summary
    );
}

#[test]
fn hung_server_stalls_the_handshake() {
    // X.224 CR at frame 4; the server's kernel ACKs it (frame 5, ACK 46 in tshark) and
    // keep-alives follow, no data; the last packet (frame 13) is at 19.6 s.
    let r = sample("rdp-hung-server.pcap");
    assert_eq!(tcp_ids(&r), ["tcp.handshake_stall"]);
    let f = with_id(&r, "tcp.handshake_stall")[0];
    assert_eq!(f.frames, vec![4, 5, 13]);
    assert!(
        f.summary
            .starts_with("the server sent no data for 19.6 s after the client's"),
        "{}",
        f.summary
    );
}

#[test]
fn lossy_path() {
    // tshark: tcp.analysis.retransmission in frames 2 10 11 17 28 35 (client, frame 2 a SYN)
    // and 23 (server: fills a hole 1.57 s after it opened, longer than the 0.60 s initial
    // RTT, so a retransmission rather than out-of-order); tcp.analysis.initial_rtt 0.6016 s.
    let r = sample("rdp-lossy-high-latency.pcap");
    assert_eq!(tcp_ids(&r), ["tcp.heavy_loss"]);
    let c = r.connections[0].tcp.as_ref().unwrap();
    assert_eq!((c.retransmissions_client, c.retransmissions_server), (6, 1));
    assert!((c.rtt_ms.unwrap() - 601.6).abs() < 0.1, "{:?}", c.rtt_ms);
}

#[test]
fn healthy_sessions_have_no_tcp_findings() {
    for name in [
        "rdp-nla-healthy-shadow.pcap",
        "rdp-tls-healthy-xrdp.pcap",
        "tls13-healthy-openssl.pcap",
    ] {
        assert!(
            tcp_ids(&sample(name)).is_empty(),
            "{name}: {:?}",
            tcp_ids(&sample(name))
        );
    }
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // Full RDP sessions (several end with a client RST, a normal Windows close).
    for file in [
        "zeek/testing/btest/Traces/rdp/rdp-to-ssl.pcap",
        "zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap",
        "zeek/history/rdp-rdpeudp-handshake-fail.pcap",
        "zeek/history/rdp-rdpeudp-handshake-success.pcap",
        "ndpi/tests/cfgs/default/pcap/rdp.pcap",
        "suricata-verify/tests/rdp-protocol/RDP-003.pcap",
        "zeek-EternalSafety/tests/traces/shadowbrokers/esteemedaudit-failed-XPSP2.pcap",
        "zeek/testing/btest/Traces/tls/missing-intermediate.pcap",
        "zeek/testing/btest/Traces/rdp/rdp-no-cookie-mstshash.pcap",
    ] {
        let r = common::report_of(&corpus.join(file));
        for id in [
            "tcp.rst_injected",
            "tcp.mtu_blackhole",
            "tcp.handshake_stall",
            "tcp.heavy_loss",
        ] {
            assert!(
                with_id(&r, id).is_empty(),
                "{file}: {id}: {:?}",
                with_id(&r, id)
            );
        }
    }
}

#[test]
fn corpus_scans_give_unanswered_and_refused() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // synscan: every conversation to an RDP or RD Gateway port (3389, 3391, 443) whose end
    // tshark data gives as syn_unanswered (see tests/corpus_expected.json) has a
    // tcp.syn_unanswered finding, the two probes to 3389 among them; the scan's SYNs to the
    // other 997 ports carry nothing that says RDP and get none.
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::project_dir().join("tests/corpus_expected.json")).unwrap(),
    )
    .unwrap();
    let cap = expected["captures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == "ndpi/tests/cfgs/default/pcap/synscan.pcap")
        .unwrap();
    let unanswered: Vec<u64> = cap["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["end"] == "syn_unanswered")
        .filter(|c| {
            let port = c["server"].as_str().unwrap().rsplit(':').next().unwrap();
            matches!(port, "3389" | "3391" | "443")
        })
        .map(|c| c["stream"].as_u64().unwrap())
        .collect();
    let r = common::report_of(&corpus.join("ndpi/tests/cfgs/default/pcap/synscan.pcap"));
    let mut ours: Vec<u64> = with_id(&r, "tcp.syn_unanswered")
        .iter()
        .filter_map(|f| f.connection)
        .collect();
    ours.sort();
    assert_eq!(ours, unanswered);
    assert_eq!(ours, [0, 14, 17, 28]);
    assert!(
        r.findings
            .iter()
            .any(|f| f.id == "tcp.syn_unanswered" && f.summary.contains(":3389 "))
    );
    // tcp_scan: the SYN to 3389 (frame 17) answered by RST+ACK (frame 18).
    let r = common::report_of(&corpus.join("ndpi/tests/cfgs/default/pcap/tcp_scan.pcapng"));
    assert!(
        with_id(&r, "tcp.refused")
            .iter()
            .any(|f| f.frames == [17, 18])
    );
}

/// tcp.ended_in_setup is the evidence under a verdict read from the phase only when nothing
/// read from the protocol explains the end. Frames from tshark (`-o tls.keylog_file:… -d
/// tcp.port==3389,tls`): wrong password — the client's NTLMSSP_AUTH (20 / 45), the server's
/// close_notify (21 / 46) and its FIN (23 / 48), on both of FreeRDP's connections, now read
/// from the decrypted stream as `credssp.rejected`; standard RDP security — the server's
/// disconnectProviderUltimatum (35) and FIN (37), read in clear as `rdp.disconnected`.
#[test]
fn connections_ended_during_setup() {
    let r = sample("rdp-nla-wrong-password-shadow.pcap");
    assert!(with_id(&r, "tcp.ended_in_setup").is_empty());
    let rejected: Vec<(Option<u64>, Vec<u64>, _)> = with_id(&r, "credssp.rejected")
        .iter()
        .map(|f| (f.connection, f.frames.clone(), f.severity))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (
                Some(0),
                vec![20, 21, 23],
                rdptriage::detect::Severity::Error
            ),
            (
                Some(1),
                vec![45, 46, 48],
                rdptriage::detect::Severity::Error
            ),
        ]
    );
    assert!(
        with_id(&r, "credssp.rejected")[0]
            .summary
            .contains("NTLM AUTHENTICATE (frame 20) with a TLS close_notify alert (frame 21)")
    );
    let r = sample("rdp-stdsec-server-disconnect-xrdp.pcap");
    assert!(with_id(&r, "tcp.ended_in_setup").is_empty());
    let f = with_id(&r, "rdp.disconnected");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![35, 37]);
    // Healthy sessions and failures another detector explains get none.
    for name in [
        "rdp-tls-healthy-xrdp.pcap",
        "rdp-nla-healthy-shadow.pcap",
        "rdp-tls12-cert-expired-xrdp.pcap",
        "rdp-port-closed.pcap",
    ] {
        assert!(
            with_id(&sample(name), "tcp.ended_in_setup").is_empty(),
            "{name}"
        );
    }
}
