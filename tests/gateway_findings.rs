//! RD Gateway verdicts from decrypted gateway connections (samples/rdg-*.pcap with the key
//! logs beside them). Frames read with tshark 4.0.17 and the key log
//! (`-o tls.keylog_file:samples/X.keys -Y frame.number==N -x`, the "Decrypted TLS" bytes):
//! * auth denied: frame 15 is the second `RDG_OUT_DATA` (NTLM AUTHENTICATE leg), frame 16
//!   `HTTP/1.1 401 Unauthorized` with `WWW-Authenticate: Negotiate` and `NTLM`;
//! * no Content-Length: frame 13 `HTTP/1.1 401` without Content-Length (147-byte HTML body),
//!   frame 15 the next `RDG_OUT_DATA`, frame 16 `HTTP/1.1 200 OK`;
//! * target unreachable: frame 46 (tcp.stream 1, the IN channel) a chunk with
//!   CHANNEL_CREATE (`08 00 …`, resource "10.0.2.2", port 3389 = 0x0d3d), frame 47
//!   (tcp.stream 0, the OUT channel) CHANNEL_RESPONSE `09 00 00 00 10 00 00 00 dd 59 07 80`
//!   = error 0x800759DD.

mod common;

use rdptriage::detect::Finding;
use rdptriage::report::json::FileReport;

fn report(name: &str) -> FileReport {
    common::report_of(&common::project_dir().join("samples").join(name))
}

fn with_id<'a>(r: &'a FileReport, id: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.id == id).collect()
}

#[test]
fn auth_denied_is_a_final_401_after_credentials() {
    let r = report("rdg-auth-denied-standin.pcap");
    let f = with_id(&r, "gateway.auth_denied");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!(f[0].connection, Some(0));
    assert_eq!(f[0].frames, vec![15, 16]);
    assert!(f[0].summary.contains("final 401 Unauthorized (frame 16)"));
    assert!(f[0].summary.contains("offers Negotiate, NTLM again"));
    let top = &r.diagnosis.causes[0];
    assert_eq!(top.cause, "gateway_auth_failure");
    assert_eq!(top.findings, vec!["gateway.auth_denied"]);
    assert_eq!(
        top.wireshark_filter,
        "tcp.stream eq 0 && frame.number in {15, 16}"
    );
    assert!(top.remedy.contains("RD CAP"));
}

#[test]
fn missing_content_length_is_a_framing_failure() {
    let r = report("rdg-no-content-length-standin.pcap");
    let f = with_id(&r, "gateway.http_framing");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!(f[0].frames, vec![13, 15, 16]);
    assert!(
        f[0].summary
            .contains("HTTP 401 Unauthorized (frame 13) with a 147-byte body")
    );
    assert_eq!(r.diagnosis.causes[0].cause, "gateway_http_framing");
    assert!(r.diagnosis.causes[0].remedy.contains("RDGClientTransport"));
    // The healthy gateway's 200 to RDG_OUT_DATA has no length either: that is how the OUT
    // channel's packet stream starts, not a framing problem.
    let healthy = report("rdg-healthy-standin.pcap");
    assert!(
        healthy
            .findings
            .iter()
            .all(|f| !f.id.starts_with("gateway."))
    );
    assert_eq!(healthy.diagnosis.causes[0].cause, "no_failure_observed");
}

#[test]
fn channel_response_error_names_the_unreachable_target() {
    let r = report("rdg-target-unreachable-standin.pcap");
    let f = with_id(&r, "gateway.rdg_error");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!(f[0].connection, Some(0));
    assert_eq!(f[0].frames, vec![47]);
    assert_eq!(f[0].connections, vec![0, 1]);
    assert!(f[0].summary.contains("CHANNEL_RESPONSE error 0x800759DD E_PROXY_TS_CONNECTFAILED for 10.0.2.2:3389 (CHANNEL_CREATE frame 46, IN channel tcp.stream 1)"));
    assert!(
        f[0].meaning
            .as_deref()
            .unwrap()
            .contains("could not open a TCP connection")
    );
    assert_eq!(r.diagnosis.causes[0].cause, "gateway_error");
    assert!(r.diagnosis.causes[0].remedy.contains("Test-NetConnection"));
}

/// Without the key log the gateway's answers are encrypted: no gateway finding, and the
/// verdict falls back to what the connection's phase shows.
#[test]
fn without_key_log_the_gateway_is_opaque() {
    let options = rdptriage::analyze::AnalyzeOptions {
        sibling_key_logs: false,
        ..Default::default()
    };
    for name in [
        "rdg-auth-denied-standin.pcap",
        "rdg-no-content-length-standin.pcap",
        "rdg-target-unreachable-standin.pcap",
    ] {
        let path = common::project_dir().join("samples").join(name);
        let r = rdptriage::engine::file_report(
            rdptriage::analyze::analyze_path_with(&path, None, &options).unwrap(),
        );
        assert!(
            r.findings.iter().all(|f| !f.id.starts_with("gateway.")),
            "{name}"
        );
        assert!(r.connections.iter().all(|c| c.gateway.is_none()), "{name}");
        assert!(
            !r.diagnosis.causes[0].cause.starts_with("gateway_"),
            "{name}"
        );
    }
}

/// Copies frames 1..=`last` of a classic pcap and the key log beside it to a temporary
/// directory; returns the new capture's path.
fn cut_with_keys(name: &str, last: usize) -> std::path::PathBuf {
    let dir = common::project_dir().join("samples");
    let data = std::fs::read(dir.join(format!("{name}.pcap"))).unwrap();
    let mut out = data[..24].to_vec();
    let mut at = 24;
    for _ in 0..last {
        let len = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        out.extend_from_slice(&data[at..at + 16 + len]);
        at += 16 + len;
    }
    let tmp = std::env::temp_dir().join(format!("rdptriage-gw-cut-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let path = tmp.join(format!("{name}-cut{last}.pcap"));
    std::fs::write(&path, out).unwrap();
    std::fs::copy(
        dir.join(format!("{name}.keys")),
        tmp.join(format!("{name}-cut{last}.keys")),
    )
    .unwrap();
    path
}

/// The tokens the decoder describes, checked with tshark 4.0.17 (`-q -z follow,tls,ascii,0`
/// with the key log, tokens base64-decoded): request 10 `Authorization: NTLM` NEGOTIATE
/// (type 1, 40 bytes); 401 at 13 `WWW-Authenticate: NTLM` CHALLENGE (`ntlmssp.messagetype
/// == 0x00000002`, 150 bytes); request 15 NTLM AUTHENTICATE (type 3, 354 bytes); the final
/// 401 at 16 only `WWW-Authenticate: Negotiate` and `NTLM`, no token.
#[test]
fn auth_tokens_are_described() {
    let r = report("rdg-auth-denied-standin.pcap");
    let g = r.connections[0].gateway.as_ref().unwrap();
    let req: Vec<_> = g
        .requests
        .iter()
        .map(|q| {
            let t = q.auth_token.as_ref().unwrap();
            (q.frame, t.scheme.as_str(), t.ntlm_message, t.bytes)
        })
        .collect();
    assert_eq!(
        req,
        vec![(10, "NTLM", Some(1), 40), (15, "NTLM", Some(3), 354)]
    );
    let challenge = g.responses[0].www_authenticate_token.as_ref().unwrap();
    assert_eq!(
        (
            g.responses[0].frame,
            challenge.ntlm_message,
            challenge.bytes
        ),
        (13, Some(2), 150)
    );
    assert_eq!(g.responses[1].frame, 16);
    assert_eq!(g.responses[1].www_authenticate_token, None);
}

/// The same capture cut after frame 14 (the client's ACK of the 401 at 13): the last
/// response is a 401 carrying the NTLM CHALLENGE to the NEGOTIATE leg of request 10 — the
/// middle of the handshake, not a refusal.
#[test]
fn challenge_401_is_not_a_refusal() {
    let r = common::report_of(&cut_with_keys("rdg-auth-denied-standin", 14));
    let g = r.connections[0].gateway.as_ref().unwrap();
    assert_eq!(
        (g.final_status, g.final_status_frame),
        (Some(401), Some(13))
    );
    assert_eq!(g.requests.len(), 1);
    assert!(
        with_id(&r, "gateway.auth_denied").is_empty(),
        "{:#?}",
        r.findings
    );
    assert!(
        r.diagnosis
            .causes
            .iter()
            .all(|c| c.cause != "gateway_auth_failure")
    );
}
