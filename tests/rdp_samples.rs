//! RDP negotiation findings on the captures the lab recorded with real software
//! (samples/, see samples/MANIFEST.json): exact finding ids, codes and frames. Every frame
//! number below was checked in tshark 4.0.17 (`tshark -r samples/F.pcap` Info column:
//! "Cookie: mstshash=labuser", "Negotiate Failure, failureCode …", "CC TPDU",
//! "disconnectProviderUltimatum", FIN / RST flags).

mod common;

use rdptriage::detect::Finding;

fn findings(name: &str) -> Vec<Finding> {
    common::report_of(&common::project_dir().join("samples").join(name)).findings
}

fn only<'a>(all: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    all.iter().filter(|f| f.id == id).collect()
}

#[test]
fn negotiation_failure_codes_from_freerdp_shadow() {
    // (file, failure name, code, what the client asked for)
    let cases = [
        (
            "rdp-neg-ssl-required-shadow.pcap",
            "SSL_REQUIRED_BY_SERVER",
            1,
            "standard RDP security only (legacy request",
        ),
        (
            "rdp-neg-ssl-not-allowed-shadow.pcap",
            "SSL_NOT_ALLOWED_BY_SERVER",
            2,
            "client requested SSL (frame 4)",
        ),
        (
            "rdp-neg-hybrid-required-shadow.pcap",
            "HYBRID_REQUIRED_BY_SERVER",
            5,
            "standard RDP security only (legacy request",
        ),
        (
            "rdp-neg-hybrid-required-tls-client-shadow.pcap",
            "HYBRID_REQUIRED_BY_SERVER",
            5,
            "client requested SSL (frame 4)",
        ),
    ];
    for (file, name, code, asked) in cases {
        let all = findings(file);
        let f = only(&all, "rdp.neg_failure");
        assert_eq!(f.len(), 1, "{file}");
        assert_eq!(f[0].frames, vec![4, 6], "{file}");
        assert_eq!(f[0].connection, Some(0));
        assert!(
            f[0].summary
                .contains(&format!("RDP_NEG_FAILURE {name} (code {code}, frame 6)")),
            "{}",
            f[0].summary
        );
        assert!(f[0].summary.contains(asked), "{}", f[0].summary);
        assert!(f[0].meaning.is_some());
        assert!(
            only(&all, "rdp.neg_downgrade").is_empty(),
            "{file}: one connection only"
        );
    }
}

#[test]
fn server_selecting_an_unrequested_protocol_is_a_mismatch() {
    // xrdp security_layer=rdp answers a TLS-only FreeRDP with RDP_NEG_RSP selecting RDP
    // (frame 6); the client sends FIN (frame 8).
    let all = findings("rdp-seclayer-rdp-server-tls-client-xrdp.pcap");
    let f = only(&all, "rdp.neg_mismatch");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].frames, vec![4, 6, 8]);
    assert!(f[0].summary.starts_with(
        "server selected RDP (frame 6), which the client did not request (it asked for SSL"
    ));
}

#[test]
fn nla_only_client_against_tls_only_server() {
    // Both servers select TLS (frame 6) for a client requesting TLS|CredSSP; the client
    // closes with FIN at frame 8 instead of sending a ClientHello.
    for file in [
        "rdp-neg-tls-server-nla-client-shadow.pcap",
        "rdp-seclayer-tls-server-nla-client-xrdp.pcap",
    ] {
        let all = findings(file);
        let f = only(&all, "rdp.neg_mismatch");
        assert_eq!(f.len(), 1, "{file}");
        assert_eq!(f[0].frames, vec![4, 6, 8], "{file}");
        assert!(
            f[0].summary.contains("the client requires HYBRID"),
            "{}",
            f[0].summary
        );
    }
}

#[test]
fn xrdp_refusing_standard_security_with_a_disconnect_ultimatum() {
    // xrdp security_layer=tls, FreeRDP /sec:rdp: CC without negotiation data (frames 6 and
    // 18), then MCS Disconnect Provider Ultimatum (frames 8 and 22), on two connections.
    let all = findings("rdp-seclayer-tls-server-rdp-client-xrdp.pcap");
    let f = only(&all, "rdp.setup_disconnect");
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].connection, f[0].frames.clone()),
        (Some(0), vec![6, 8])
    );
    assert_eq!(
        (f[1].connection, f[1].frames.clone()),
        (Some(1), vec![18, 22])
    );
    assert!(
        f[0].summary
            .contains("MCS Disconnect Provider Ultimatum (user-requested)")
    );
}

#[test]
fn healthy_sessions_have_no_negotiation_error() {
    for file in ["rdp-nla-healthy-shadow.pcap", "rdp-tls-healthy-xrdp.pcap"] {
        let all = findings(file);
        assert!(
            all.iter()
                .all(|f| !f.id.starts_with("rdp.neg") && f.id != "rdp.setup_disconnect"),
            "{file}: {:?}",
            all.iter().map(|f| f.id).collect::<Vec<_>>()
        );
    }
}
