//! `tls.version_mismatch` shows its contradiction from both sides' data (issue 13, part 4):
//! a synthetic capture (built here) of four connections from 10.0.0.1 to the same server
//! 10.0.0.2:3389, 1 ms apart per frame, checked with
//! `tshark -r F -n -d tcp.port==3389,tls -T fields -e frame.number -e tcp.stream
//! -e tls.handshake.type -e tls.handshake.version -e tls.handshake.extensions.supported_version
//! -e tls.alert_message.desc -e tcp.flags.reset`:
//!
//! * tcp.stream 0 (frames 1–10): ClientHello 4 (version 0x0301, no supported_versions),
//!   ServerHello 5 (0x0301), the client's ClientKeyExchange + ChangeCipherSpec + encrypted
//!   Finished 6, the server's ChangeCipherSpec + Finished 7, application data 8 and 9, FIN 10:
//!   a completed TLS 1.0 handshake;
//! * tcp.stream 1 (frames 11–16): ClientHello 14 (0x0301, no supported_versions), ServerHello
//!   15 (0x0301), the client's RST 16 — the case of issue 13 ("the server selected TLSv1.0 —
//!   the client offered up to TLSv1.0"): the server chose what the client offered;
//! * tcp.stream 2 (frames 17–23): ClientHello 20 (0x0303, supported_versions 0x0304, 0x0303,
//!   0x0302, 0x0301), ServerHello 21 (0x0301), the client's fatal alert 80 internal_error 22,
//!   FIN 23 — the same client completed TLS 1.0 with this server on stream 0;
//! * tcp.stream 3 (frames 24–29): ClientHello 27 (supported_versions 0x0304 only),
//!   ServerHello 28 (0x0303, no supported_versions), FIN 29 — a version the client did not
//!   offer.

mod common;

use common::pcap_writer::write_pcap;
use etherparse::PacketBuilder;
use rdptriage::report::json::FileReport;

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut m = vec![msg_type, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    m.extend_from_slice(body);
    m
}

/// A TLS record (RFC 5246 6.2.1) with record-layer version 0x0301.
fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type, 3, 1];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// RFC 5246 7.4.1.2 ClientHello offering TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, with a
/// supported_versions extension (RFC 8446 4.2.1) when `versions` is not empty.
fn client_hello(legacy: u16, versions: &[u16]) -> Vec<u8> {
    let mut b = legacy.to_be_bytes().to_vec();
    b.extend_from_slice(&[7; 32]);
    b.extend_from_slice(&[0, 0, 2, 0xc0, 0x13, 1, 0]);
    if !versions.is_empty() {
        let mut ext = vec![0, 0x2b];
        ext.extend_from_slice(&((versions.len() * 2 + 1) as u16).to_be_bytes());
        ext.push((versions.len() * 2) as u8);
        for v in versions {
            ext.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
    }
    record(22, &handshake(1, &b))
}

/// ServerHello selecting `version` and 0xc013, then ServerHelloDone.
fn server_hello(version: u16) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&[9; 32]);
    b.extend_from_slice(&[0, 0xc0, 0x13, 0]);
    let mut hs = handshake(2, &b);
    hs.extend(handshake(14, &[]));
    record(22, &hs)
}

/// One connection 10.0.0.1:`cport` → 10.0.0.2:3389: the three-way handshake, `steps`
/// (sender is the client when true), then the client's FIN or RST.
fn connection(cport: u16, steps: &[(bool, Vec<u8>)], rst: bool) -> Vec<Vec<u8>> {
    let build = |from_client: bool, seq: u32, ack: u32, flags: &str, payload: &[u8]| {
        let (src, dst, sp, dp) = if from_client {
            ([10, 0, 0, 1], [10, 0, 0, 2], cport, 3389)
        } else {
            ([10, 0, 0, 2], [10, 0, 0, 1], 3389, cport)
        };
        let mut b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src, dst, 64)
            .tcp(sp, dp, seq, 64240);
        if flags.contains('S') {
            b = b.syn();
        }
        if flags.contains('A') {
            b = b.ack(ack);
        }
        if flags.contains('F') {
            b = b.fin();
        }
        if flags.contains('R') {
            b = b.rst();
        }
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    };
    let (mut c, mut s) = (1000u32, 5000u32);
    let mut frames = vec![build(true, c, 0, "S", &[])];
    frames.push(build(false, s, c + 1, "SA", &[]));
    c += 1;
    s += 1;
    frames.push(build(true, c, s, "A", &[]));
    for (from_client, bytes) in steps {
        if *from_client {
            frames.push(build(true, c, s, "A", bytes));
            c += bytes.len() as u32;
        } else {
            frames.push(build(false, s, c, "A", bytes));
            s += bytes.len() as u32;
        }
    }
    frames.push(build(true, c, s, if rst { "RA" } else { "FA" }, &[]));
    frames
}

fn capture() -> FileReport {
    let mut client_finish = record(22, &handshake(16, &[0x41; 66]));
    client_finish.extend(record(20, &[1]));
    client_finish.extend(record(22, &[0x5a; 48]));
    let mut server_finish = record(20, &[1]);
    server_finish.extend(record(22, &[0x6b; 48]));
    let mut frames = connection(
        50001,
        &[
            (true, client_hello(0x0301, &[])),
            (false, server_hello(0x0301)),
            (true, client_finish),
            (false, server_finish),
            (true, record(23, &[0x11; 64])),
            (false, record(23, &[0x22; 64])),
        ],
        false,
    );
    frames.extend(connection(
        50002,
        &[
            (true, client_hello(0x0301, &[])),
            (false, server_hello(0x0301)),
        ],
        true,
    ));
    frames.extend(connection(
        50003,
        &[
            (
                true,
                client_hello(0x0303, &[0x0304, 0x0303, 0x0302, 0x0301]),
            ),
            (false, server_hello(0x0301)),
            (true, record(21, &[2, 80])),
        ],
        false,
    ));
    frames.extend(connection(
        50004,
        &[
            (true, client_hello(0x0303, &[0x0304])),
            (false, server_hello(0x0303)),
        ],
        false,
    ));
    common::report_of(&write_pcap("tls-version-contradiction.pcap", &frames))
}

#[test]
fn mismatch_only_where_both_sides_show_it() {
    let r = capture();
    let tls = |stream: usize| r.connections[stream].tls.as_ref().unwrap();
    // Stream 0 completed TLS 1.0 (ServerHello 5 at 0x0301, encrypted records both ways).
    assert_eq!(tls(0).server_hello_frame, Some(5));
    assert_eq!(tls(0).version_raw, Some(0x0301));
    assert!(tls(0).established);
    let mismatches: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "tls.version_mismatch")
        .collect();
    // Only stream 3: ServerHello 28 picks 0x0303, ClientHello 27 offered only 0x0304.
    assert_eq!(mismatches.len(), 1, "{:#?}", mismatches);
    let m = mismatches[0];
    assert_eq!(m.connection, Some(3));
    assert_eq!(m.frames, vec![27, 28]);
    assert!(m.summary.contains(
        "the server selected TLSv1.2 (frame 28), a version the client did not offer — the client offered TLSv1.3 (frame 27)"
    ));
    // Stream 1: ServerHello 15 chose TLS 1.0, which ClientHello 14 offered (legacy_version
    // 0x0301): the client leaving (RST 16) is no version mismatch.
    assert_eq!(tls(1).client_legacy_version_raw, Some(0x0301));
    assert_eq!(tls(1).version_raw, Some(0x0301));
    // Stream 2: the client's alert 80 in frame 22 after ServerHello 21 (TLS 1.0); the same
    // client completed TLS 1.0 with this server on stream 0, and the alert says so.
    let alert = r
        .findings
        .iter()
        .find(|f| f.id == "tls.alert" && f.connection == Some(2))
        .expect("tls.alert on stream 2");
    assert_eq!(alert.frames, vec![22]);
    assert!(
        alert.summary.contains(
            "the same server 10.0.0.2:3389 completed TLSv1.0 handshakes with this client (10.0.0.1) on tcp/0, so the version is not the reason"
        ),
        "{}",
        alert.summary
    );
}

/// samples/rdp-tls10-several-xrdp.pcap: three healthy TLS 1.0 sessions. tshark
/// (`-d tcp.port==3389,tls -o tls.keylog_file:samples/rdp-tls10-several-xrdp.keys`):
/// ClientHellos 8, 158, 335 (version 0x0303, supported_versions 0x0304, 0x0303, 0x0302,
/// 0x0301), ServerHellos 9, 160, 337 (0x0301); each session reaches the Font Map (frames 55,
/// 205, 383). The server chose a version every client offered: no mismatch.
#[test]
fn several_tls10_sessions_are_no_mismatch() {
    let r = common::report_of(
        &common::project_dir()
            .join("samples")
            .join("rdp-tls10-several-xrdp.pcap"),
    );
    let hellos: Vec<_> = r
        .connections
        .iter()
        .map(|c| {
            let t = c.tls.as_ref().unwrap();
            (
                t.client_hello_frame,
                t.client_supported_versions_raw.clone(),
                t.server_hello_frame,
                t.version_raw,
            )
        })
        .collect();
    let offered = vec![0x0304, 0x0303, 0x0302, 0x0301];
    assert_eq!(
        hellos,
        vec![
            (Some(8), offered.clone(), Some(9), Some(0x0301)),
            (Some(158), offered.clone(), Some(160), Some(0x0301)),
            (Some(335), offered, Some(337), Some(0x0301)),
        ]
    );
    assert!(r.findings.iter().all(|f| f.id != "tls.version_mismatch"));
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
}
