//! TLS over synthetic captures built here: certificates with unusual names (IP SANs only and
//! no CN, a wildcard, an IDN), a chain split across many tiny records and TCP segments,
//! broken DER, and the same server name answering with two different certificates. The
//! certificates were generated for this test (Python `cryptography`, P-256 keys) and their
//! fields checked with `openssl x509 -inform der -text`:
//!
//! * IP_NO_CN: subject `O=Lab, Inc.` (no CN), SAN IP 10.0.0.2 and 2001:db8::2, valid
//!   2023-01-01 → 2024-06-01, SHA-1 83:A3:D0:6F:…:02:2B;
//! * WILDCARD_SOON: `CN=*.example.com`, SAN DNS `*.example.com`, valid 2023-06-01 →
//!   2023-11-30 00:00:00, SHA-1 02:75:28:99:86:F3:C1:B2:B9:E7:E5:25:5D:43:E3:90:BC:30:F8:B6;
//! * IDN: `CN=bücher.example` (UTF8String), SAN DNS `xn--bcher-kva.example`;
//! * CA: `CN=Lab Issuing CA`, self-signed, CA:TRUE, issuer of the three others;
//! * EXPIRED_ROOT: `CN=Old Cross Root`, self-signed, valid 2010-01-01 → 2023-05-30.
//!
//! The pcap writer stamps frames at 2023-11-14 22:13:20 UTC + 1 ms each.

mod common;

use common::pcap_writer::write_pcap;
use etherparse::PacketBuilder;
use rdptriage::detect::Severity;
use rdptriage::report::json::FileReport;

const IP_NO_CN: &str = "308201663082010ba00302010202021001300a06082a8648ce3d04030230193117301506035504030c0e4c61622049737375696e67204341301e170d3233303130313030303030305a170d3234303630313030303030305a301431123010060355040a0c094c61622c20496e632e3059301306072a8648ce3d020106082a8648ce3d0301070342000496ff111d4431fdfb37159de22f00125dd9399160ea7f0862c2c375beb24bf3e565f3a1b4d5c9e2cdd5b2f29c2b5a60190bca2ddb62101c7e723ce43fa2257a28a348304630210603551d11041a301887040a000002871020010db800000000000000000000000230130603551d25040c300a06082b06010505070301300c0603551d130101ff04023000300a06082a8648ce3d040302034900304602210096211c2fa40cf91e76c998a6b7255533510556202b83c6b16dddb65e32103883022100b8a845c2f1e9e5a1d8cf1a2285f9abb2c1c9435bf8e7b99bc9eb56d5db6b1dcc";
const WILDCARD_SOON: &str = "3082016130820106a00302010202021002300a06082a8648ce3d04030230193117301506035504030c0e4c61622049737375696e67204341301e170d3233303630313030303030305a170d3233313133303030303030305a30183116301406035504030c0d2a2e6578616d706c652e636f6d3059301306072a8648ce3d020106082a8648ce3d0301070342000496ff111d4431fdfb37159de22f00125dd9399160ea7f0862c2c375beb24bf3e565f3a1b4d5c9e2cdd5b2f29c2b5a60190bca2ddb62101c7e723ce43fa2257a28a33f303d30180603551d110411300f820d2a2e6578616d706c652e636f6d30130603551d25040c300a06082b06010505070301300c0603551d130101ff04023000300a06082a8648ce3d040302034900304602210094c585fb7a129c1a960c447ebd35ec1396005d47c8121de0c2ddccfffccb8e44022100ce87b1dc9d0de69162e7db9c103b189480132d97c01c7536a82ed140cdfaa6e3";
const IDN: &str = "3082016b30820110a00302010202021003300a06082a8648ce3d04030230193117301506035504030c0e4c61622049737375696e67204341301e170d3233303130313030303030305a170d3234303630313030303030305a301a3118301606035504030c0f62c3bc636865722e6578616d706c653059301306072a8648ce3d020106082a8648ce3d0301070342000496ff111d4431fdfb37159de22f00125dd9399160ea7f0862c2c375beb24bf3e565f3a1b4d5c9e2cdd5b2f29c2b5a60190bca2ddb62101c7e723ce43fa2257a28a347304530200603551d11041930178215786e2d2d62636865722d6b76612e6578616d706c6530130603551d25040c300a06082b06010505070301300c0603551d130101ff04023000300a06082a8648ce3d0403020349003046022100c0ce2ddefa8c7069c9249524dadd9e58bae8d081109ee0845bdf2552ad60bba9022100da2187ad190468bfbaacc16a8bc0b36aab0efe3507a5824681d75101d615ffa7";
const CA: &str = "308201343081daa003020102020101300a06082a8648ce3d04030230193117301506035504030c0e4c61622049737375696e67204341301e170d3230303130313030303030305a170d3330303130313030303030305a30193117301506035504030c0e4c61622049737375696e672043413059301306072a8648ce3d020106082a8648ce3d0301070342000479c97f630042879c91243ab08b5e970a13f6a114350a5d98b24d8ec1b5fefa76ee93b158b4ade223af9ab728efbd7b76396278c98d8c17ce1403e6489c050ed9a3133011300f0603551d130101ff040530030101ff300a06082a8648ce3d0403020349003046022100d2b28c73161d63d9821d49a9eaa45a1cc1df510b3ff2d04b9d11b072cbe0fd09022100804db4b7ec74798e23f3c03324b54a190c276a15f0274b805904e2ff18654e2f";

const EXPIRED_ROOT: &str = "308201323081daa003020102020107300a06082a8648ce3d04030230193117301506035504030c0e4f6c642043726f737320526f6f74301e170d3130303130313030303030305a170d3233303533303030303030305a30193117301506035504030c0e4f6c642043726f737320526f6f743059301306072a8648ce3d020106082a8648ce3d0301070342000462a653d6834049f128177288e2b81a5fc8286d9e2d5f17e248938c7e652d92180ad01529501059e50aaf148fed0cbaf799c5b2d7d39d81c788f43aa684bf599aa3133011300f0603551d130101ff040530030101ff300a06082a8648ce3d0403020347003044022073aab2260e060833b8aa2bcefa6891b0548361d7759d3b7c6bbf8fb94da79782022060d9284162c15970190c24a60663a29b455a4a34be461dba8ed1e62a688d792c";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn u24(n: usize) -> [u8; 3] {
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![msg_type];
    m.extend_from_slice(&u24(body.len()));
    m.extend_from_slice(body);
    m
}

/// RFC 5246 7.4.1.2 ClientHello with server_name (RFC 6066 3), supported_groups and
/// signature_algorithms.
fn client_hello(sni: Option<&str>, ciphers: &[u16]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&[7; 32]);
    b.push(0);
    b.extend_from_slice(&((ciphers.len() * 2) as u16).to_be_bytes());
    for c in ciphers {
        b.extend_from_slice(&c.to_be_bytes());
    }
    b.extend_from_slice(&[1, 0]);
    let mut ext = Vec::new();
    if let Some(name) = sni {
        let n = name.as_bytes();
        ext.extend_from_slice(&[0, 0]);
        ext.extend_from_slice(&((n.len() + 5) as u16).to_be_bytes());
        ext.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(n.len() as u16).to_be_bytes());
        ext.extend_from_slice(n);
    }
    ext.extend_from_slice(&[0, 10, 0, 4, 0, 2, 0, 0x1d]);
    ext.extend_from_slice(&[0, 13, 0, 4, 0, 2, 4, 3]);
    b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    b.extend_from_slice(&ext);
    handshake(1, &b)
}

/// ServerHello (TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), Certificate, ServerHelloDone.
fn server_flight(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[9; 32]);
    sh.push(0);
    sh.extend_from_slice(&[0xc0, 0x2b, 0]);
    sh.extend_from_slice(&[0, 5, 0xff, 0x01, 0, 1, 0]);
    let mut out = handshake(2, &sh);
    let mut list = Vec::new();
    for der in chain {
        list.extend_from_slice(&u24(der.len()));
        list.extend_from_slice(der);
    }
    let mut cert = u24(list.len()).to_vec();
    cert.extend_from_slice(&list);
    out.extend(handshake(11, &cert));
    out.extend(handshake(14, &[]));
    out
}

/// Handshake bytes in TLS records of at most `size` bytes (RFC 8446 5.1 fragmentation).
fn records(hs: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in hs.chunks(size) {
        out.extend_from_slice(&[22, 3, 3]);
        out.extend_from_slice(&(piece.len() as u16).to_be_bytes());
        out.extend_from_slice(piece);
    }
    out
}

/// One TCP connection 10.0.0.1:`cport` → 10.0.0.2:`sport`: handshake, the client's bytes,
/// the server's bytes in segments of `mss`, then the client's FIN. Returns frames and the
/// frame number (1-based, from `first`) of the server's last data segment.
fn connection(
    first: usize,
    cport: u16,
    sport: u16,
    client: &[u8],
    server: &[u8],
    mss: usize,
) -> (Vec<Vec<u8>>, u64) {
    let build = |from_client: bool, seq: u32, ack: u32, flags: &str, payload: &[u8]| {
        let (src, dst, sp, dp) = if from_client {
            ([10, 0, 0, 1], [10, 0, 0, 2], cport, sport)
        } else {
            ([10, 0, 0, 2], [10, 0, 0, 1], sport, cport)
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
    frames.push(build(true, c, s, "A", client));
    c += client.len() as u32;
    let mut last = 0;
    for piece in server.chunks(mss) {
        frames.push(build(false, s, c, "A", piece));
        s += piece.len() as u32;
        last = (first + frames.len() - 1) as u64;
    }
    frames.push(build(true, c, s, "FA", &[]));
    (frames, last)
}

fn analyze(name: &str, frames: &[Vec<u8>]) -> FileReport {
    common::report_of(&write_pcap(name, frames))
}

fn tls_ids(r: &FileReport, stream: u64) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = r
        .findings
        .iter()
        .filter(|f| f.id.starts_with("tls.") && f.connection == Some(stream))
        .map(|f| f.id)
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn chain_split_across_many_records_and_segments() {
    let chain = vec![unhex(WILDCARD_SOON), unhex(CA)];
    // 7-byte records in 50-byte segments: every message spans records and segments.
    let server = records(&server_flight(&chain), 7);
    let (frames, last) = connection(
        1,
        50000,
        3389,
        &records(&client_hello(Some("rdp.example.com"), &[0xc02b]), 512),
        &server,
        50,
    );
    let r = analyze("tls-split-chain.pcap", &frames);
    let t = r.connections[0].tls.as_ref().unwrap();
    // Where a handshake message ends in the server's byte stream: 7-byte fragments in
    // 12-byte records, records in 50-byte segments from frame 5 on.
    let frame_of_end = |hs_end: usize| {
        let record_end = (hs_end - 1) / 7 * 12 + ((hs_end - 1) % 7 + 1) + 5;
        5 + (record_end as u64 - 1) / 50
    };
    let flight = server_flight(&chain);
    let sh_len = 4 + 45;
    let cert_len = flight.len() - sh_len - 4;
    assert_eq!(t.server_hello_frame, Some(frame_of_end(sh_len)));
    assert_eq!(t.server_hello_frame, Some(6));
    assert_eq!(t.certificate_frame, Some(frame_of_end(sh_len + cert_len)));
    // tshark 4.0.17 on this file: "Server Hello" in frame 6, "Certificate, Server Hello
    // Done" reassembled in frame 30, the last server segment.
    assert_eq!(t.server_hello_done_frame, Some(last));
    assert_eq!(last, 30);
    let cert_frame = t.certificate_frame.unwrap();
    assert_eq!(t.certificates.len(), 2);
    assert_eq!(t.certificates[0].subject, "CN=*.example.com");
    assert_eq!(
        t.certificates[0].sha1,
        "0275289986F3C1B2B9E7E5255D43E390BC30F8B6"
    );
    assert_eq!(t.certificates[0].issued_by_next, Some(true));
    assert!(t.certificates[1].self_issued && t.certificates[1].is_ca);
    assert_eq!(
        t.certificates[0].not_after_text,
        "2023-11-30T00:00:00.000000000Z"
    );
    assert_eq!(t.certificates[0].key_type, "EC");
    assert_eq!(t.certificates[0].key_bits, Some(256));
    assert_eq!(t.certificates[0].extended_key_usage, vec!["serverAuth"]);
    assert_eq!(
        t.cipher.as_deref(),
        Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
    );
    // rdp.example.com matches *.example.com; expiry 15 days after the capture.
    assert_eq!(tls_ids(&r, 0), vec!["tls.cert_expiring_soon"]);
    let soon = r
        .findings
        .iter()
        .find(|f| f.id == "tls.cert_expiring_soon")
        .unwrap();
    assert_eq!(soon.severity, Severity::Info);
    assert_eq!(soon.frames, vec![cert_frame]);
    assert!(
        soon.summary.contains("15 days 1 h after"),
        "{}",
        soon.summary
    );
}

#[test]
fn unusual_names() {
    let ca = unhex(CA);
    let mut frames = Vec::new();
    let mut streams = Vec::new();
    // (SNI, leaf, name mismatch expected)
    let cases = [
        (Some("10.0.0.2"), IP_NO_CN, false),
        (Some("2001:db8::2"), IP_NO_CN, false),
        (Some("10.0.0.9"), IP_NO_CN, true),
        (Some("host.lab"), IP_NO_CN, true),
        (Some("xn--bcher-kva.example"), IDN, false),
        (Some("a.b.example.com"), WILDCARD_SOON, true),
        (Some("example.com"), WILDCARD_SOON, true),
        (None, IDN, false),
    ];
    for (i, (sni, leaf, _)) in cases.iter().enumerate() {
        let (f, _) = connection(
            frames.len() + 1,
            40000 + i as u16,
            3389,
            &records(&client_hello(*sni, &[0xc02b, 0x1301]), 512),
            &records(&server_flight(&[unhex(leaf), ca.clone()]), 16_384),
            1400,
        );
        frames.extend(f);
        streams.push(i as u64);
    }
    let r = analyze("tls-names.pcap", &frames);
    for (i, (sni, _, mismatch)) in cases.iter().enumerate() {
        let ids = tls_ids(&r, i as u64);
        assert_eq!(
            ids.contains(&"tls.cert_name_mismatch"),
            *mismatch,
            "{sni:?}: {ids:?}"
        );
        assert!(!ids.contains(&"tls.cert_expired"), "{sni:?}: {ids:?}");
    }
    let no_cn = r.connections[0]
        .tls
        .as_ref()
        .unwrap()
        .leaf()
        .unwrap()
        .clone();
    assert_eq!(no_cn.subject, "O=Lab\\, Inc.");
    assert_eq!(no_cn.common_name, None);
    assert_eq!(no_cn.san_ip, vec!["10.0.0.2", "2001:db8::2"]);
    let idn = r.connections[4]
        .tls
        .as_ref()
        .unwrap()
        .leaf()
        .unwrap()
        .clone();
    assert_eq!(idn.subject, "CN=bücher.example");
    assert_eq!(idn.san_dns, vec!["xn--bcher-kva.example"]);
    let m = r
        .findings
        .iter()
        .find(|f| f.id == "tls.cert_name_mismatch" && f.connection == Some(3))
        .unwrap();
    assert!(
        m.summary.contains("is valid for 10.0.0.2, 2001:db8::2"),
        "{}",
        m.summary
    );
}

#[test]
fn broken_der_is_described_without_findings_on_it() {
    let mut broken = unhex(WILDCARD_SOON);
    broken.truncate(100);
    let mut garbage = vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff];
    garbage.extend_from_slice(&[0; 20]);
    let (frames, _) = connection(
        1,
        50000,
        3389,
        &records(&client_hello(Some("rdp.example.com"), &[0xc02b]), 512),
        &records(&server_flight(&[broken, garbage, Vec::new()]), 300),
        1400,
    );
    let r = analyze("tls-broken-der.pcap", &frames);
    let t = r.connections[0].tls.as_ref().unwrap();
    assert_eq!(t.certificate_count, 3);
    assert!(t.certificates.iter().all(|c| c.parse_error.is_some()));
    assert_eq!(t.certificates[0].der_length, 100);
    assert!(t.leaf().is_none());
    // Nothing can be judged about a certificate that cannot be read.
    assert_eq!(tls_ids(&r, 0), Vec::<&str>::new());
}

#[test]
fn same_name_two_certificates_is_interception() {
    let ca = unhex(CA);
    let (mut frames, _) = connection(
        1,
        40001,
        443,
        &records(&client_hello(Some("gw.example.com"), &[0xc02b]), 512),
        &records(&server_flight(&[unhex(WILDCARD_SOON), ca.clone()]), 16_384),
        1400,
    );
    let first_len = frames.len();
    let (more, _) = connection(
        first_len + 1,
        40002,
        443,
        &records(&client_hello(Some("gw.example.com"), &[0xc02b]), 512),
        &records(&server_flight(std::slice::from_ref(&ca)), 16_384),
        1400,
    );
    frames.extend(more);
    let r = analyze("tls-interception.pcap", &frames);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "tls.cert_interception")
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!(f[0].connections, vec![0, 1]);
    // The Certificate travels in the 5th frame of each connection (SYN, SYN+ACK, ACK,
    // ClientHello, server flight).
    assert_eq!(f[0].frames, vec![5, first_len as u64 + 5]);
    // The second certificate is self-signed on 443: an RD Gateway certificate clients must
    // trust, so an error.
    let ss = r
        .findings
        .iter()
        .find(|f| f.id == "tls.cert_self_signed")
        .unwrap();
    assert_eq!(ss.severity, Severity::Error);
    assert_eq!(ss.connection, Some(1));
}

#[test]
fn expired_extra_root_is_a_warning() {
    let (frames, _) = connection(
        1,
        50000,
        3389,
        &records(&client_hello(Some("10.0.0.2"), &[0xc02b]), 512),
        &records(
            &server_flight(&[unhex(IP_NO_CN), unhex(CA), unhex(EXPIRED_ROOT)]),
            16_384,
        ),
        1400,
    );
    let r = analyze("tls-expired-root.pcap", &frames);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "tls.cert_expired")
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].frames, vec![5]);
    assert!(
        f[0].summary
            .starts_with("chain certificate #3 CN=Old Cross Root"),
        "{}",
        f[0].summary
    );
    assert!(
        f[0].summary
            .contains("expired on 2023-05-30 00:00:00 UTC, 168 days 22 h before")
    );
}

/// Frames of one TCP connection 10.0.0.1:`cport` ↔ 10.0.0.2:`sport`: handshake, then each
/// `(from_client, bytes)` as one segment, then the client's FIN.
fn exchange(cport: u16, sport: u16, messages: &[(bool, Vec<u8>)]) -> Vec<Vec<u8>> {
    let build = |from_client: bool, seq: u32, ack: u32, flags: &str, payload: &[u8]| {
        let (src, dst, sp, dp) = if from_client {
            ([10, 0, 0, 1], [10, 0, 0, 2], cport, sport)
        } else {
            ([10, 0, 0, 2], [10, 0, 0, 1], sport, cport)
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
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    };
    let (mut c, mut s) = (1001u32, 5001u32);
    let mut frames = vec![
        build(true, 1000, 0, "S", &[]),
        build(false, 5000, c, "SA", &[]),
        build(true, c, s, "A", &[]),
    ];
    for (from_client, bytes) in messages {
        if *from_client {
            frames.push(build(true, c, s, "A", bytes));
            c += bytes.len() as u32;
        } else {
            frames.push(build(false, s, c, "A", bytes));
            s += bytes.len() as u32;
        }
    }
    frames.push(build(true, c, s, "FA", &[]));
    frames
}

/// Without SNI, the name comes from an RDP load-balancing routing token (MS-RDPBCGR
/// 2.2.1.1 `Cookie: msts=<IPv4 as little-endian u32>.<port byte-swapped>.0000`).
#[test]
fn name_from_rdp_routing_token() {
    let cookie = b"Cookie: msts=33554442.15629.0000\r\n"; // 10.0.0.2:3389
    let mut cr = vec![
        3,
        0,
        0,
        0,
        (6 + cookie.len() + 8) as u8,
        0xe0,
        0,
        0,
        0,
        0,
        0,
    ];
    cr.extend_from_slice(cookie);
    cr.extend_from_slice(&[1, 0, 8, 0, 1, 0, 0, 0]); // RDP_NEG_REQ: SSL
    let len = cr.len() as u16;
    cr[2..4].copy_from_slice(&len.to_be_bytes());
    // X.224 Connection Confirm with RDP_NEG_RSP selecting SSL.
    let cc = vec![
        3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 1, 0, 0, 0,
    ];
    let frames = exchange(
        50000,
        3389,
        &[
            (true, cr),
            (false, cc),
            (true, records(&client_hello(None, &[0xc02b]), 512)),
            (
                false,
                records(&server_flight(&[unhex(IDN), unhex(CA)]), 16_384),
            ),
        ],
    );
    let r = analyze("tls-routing-token.pcap", &frames);
    assert_eq!(
        r.connections[0]
            .rdp
            .as_ref()
            .unwrap()
            .routing_target
            .as_deref(),
        Some("10.0.0.2:3389")
    );
    let t = r.connections[0].tls.as_ref().unwrap();
    assert_eq!(
        (t.client_hello_frame, t.certificate_frame),
        (Some(6), Some(7))
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "tls.cert_name_mismatch")
        .unwrap();
    // ClientHello, certificate, and the client's close right after (frame 8).
    assert_eq!(f.frames, vec![6, 7, 8]);
    assert!(
        f.summary
            .starts_with("the client asked for \"10.0.0.2\" (RDP routing token, frame 6)"),
        "{}",
        f.summary
    );
}
