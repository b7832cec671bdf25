//! A CredSSP errorCode through the whole pipeline: a synthetic RDP connection negotiating
//! HYBRID, a TLS 1.2 session (TLS_RSA_WITH_AES_128_GCM_SHA256) encrypted here with a chosen
//! master secret whose key log lies beside the capture, and inside it the NTLM exchange of
//! MS-CSSP 3.1.5 ending in the server's TSRequest with errorCode (MS-CSSP 2.2.1). The status
//! must come out named in the state, as `credssp.error` with its frames, as `nla_failure`
//! with the status's own remedy, and as the code mstsc shows (RDP-FACTS §3.5).
//!
//! The record protection follows RFC 5246 6.2.3.3 and RFC 5288 3 (key block from the PRF of
//! RFC 5246 5 with SHA-256, 4-byte salt, 8-byte explicit nonce = sequence number); the
//! TSRequest DER follows MS-CSSP 2.2.1 (`30 … A0 version A1 negoTokens A3 pubKeyAuth A4
//! errorCode`).
//!
//! Checked with tshark 4.0.17 (`-o tls.keylog_file:<capture>.keys -d tcp.port==3389,tls`): it
//! decrypts the generated capture and shows frames 10–12 as NTLMSSP_NEGOTIATE,
//! NTLMSSP_CHALLENGE, NTLMSSP_AUTH and frame 13's CredSSP `errorCode: -1073741715`
//! (0xC000006D), frame 14 the server's FIN.

mod common;

use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use common::pcap_writer::{frame, seg, write_pcap};
use hmac::{Hmac, Mac};
use rdptriage::analyze::analyze_path;
use rdptriage::engine::file_report;
use rdptriage::report::json::FileReport;
use sha2::Sha256;

const CLIENT_RANDOM: [u8; 32] = [7; 32];
const SERVER_RANDOM: [u8; 32] = [9; 32];
const MASTER: [u8; 48] = [0x42; 48];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// RFC 5246 5: P_SHA256(secret, label + seed), `len` bytes.
fn prf(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mac = |data: &[u8]| {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
        m.update(data);
        m.finalize().into_bytes().to_vec()
    };
    let full: Vec<u8> = [label, seed].concat();
    let mut a = mac(&full);
    let mut out = Vec::new();
    while out.len() < len {
        out.extend(mac(&[a.as_slice(), full.as_slice()].concat()));
        a = mac(&a);
    }
    out.truncate(len);
    out
}

/// One direction's record protection: key, salt, sequence number.
struct Sealer {
    cipher: Aes128Gcm,
    salt: [u8; 4],
    seq: u64,
}

impl Sealer {
    fn both() -> (Sealer, Sealer) {
        let seed = [SERVER_RANDOM, CLIENT_RANDOM].concat();
        let block = prf(&MASTER, b"key expansion", &seed, 2 * 16 + 2 * 4);
        let make = |key: &[u8], salt: &[u8]| Sealer {
            cipher: Aes128Gcm::new_from_slice(key).unwrap(),
            salt: salt.try_into().unwrap(),
            seq: 0,
        };
        (
            make(&block[0..16], &block[32..36]),
            make(&block[16..32], &block[36..40]),
        )
    }

    /// A protected TLS 1.2 record of `content_type` carrying `plain`.
    fn record(&mut self, content_type: u8, plain: &[u8]) -> Vec<u8> {
        let explicit = self.seq.to_be_bytes();
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&self.salt);
        nonce[4..].copy_from_slice(&explicit);
        let mut aad = self.seq.to_be_bytes().to_vec();
        aad.extend_from_slice(&[content_type, 3, 3]);
        aad.extend_from_slice(&(plain.len() as u16).to_be_bytes());
        let sealed = self
            .cipher
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .unwrap();
        self.seq += 1;
        let body = [explicit.as_slice(), sealed.as_slice()].concat();
        let mut out = vec![content_type, 3, 3];
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }
}

/// DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// MS-NLMP message of `kind` (1 NEGOTIATE, 2 CHALLENGE, 3 AUTHENTICATE) with filler fields.
fn ntlm(kind: u32, filler: usize) -> Vec<u8> {
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&kind.to_le_bytes());
    m.extend(std::iter::repeat_n(0u8, filler));
    m
}

/// MS-CSSP 2.2.1 TSRequest, version 6.
fn ts_request(token: Option<Vec<u8>>, pub_key_auth: bool, error_code: Option<[u8; 4]>) -> Vec<u8> {
    let mut body = tlv(0xA0, &tlv(0x02, &[6]));
    if let Some(t) = token {
        let item = tlv(0x30, &tlv(0xA0, &tlv(0x04, &t)));
        body.extend(tlv(0xA1, &tlv(0x30, &item)));
    }
    if pub_key_auth {
        body.extend(tlv(0xA3, &tlv(0x04, &[0x5A; 32])));
    }
    if let Some(code) = error_code {
        body.extend(tlv(0xA4, &tlv(0x02, &code)));
    }
    tlv(0x30, &body)
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![msg_type, 0];
    m.extend_from_slice(&(body.len() as u16).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn clear_record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type, 3, 3];
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// The messages in order, `true` for the client. Frames: 1–3 handshake, then one frame per
/// message from 4 on: 4 CR, 5 CC, 6 ClientHello, 7 ServerHello…, 8 client CKE/CCS/Finished,
/// 9 server CCS/Finished, 10 NEGOTIATE, 11 CHALLENGE, 12 AUTHENTICATE, 13 errorCode, then the
/// server's FIN (14) and the client's ACK (15).
fn session(error_code: [u8; 4]) -> FileReport {
    let (mut c_seal, mut s_seal) = Sealer::both();
    // MS-RDPBCGR 2.2.1.1 with RDP_NEG_REQ (PROTOCOL_SSL | PROTOCOL_HYBRID).
    let cr = [3, 0, 0, 19, 14, 0xE0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0];
    // MS-RDPBCGR 2.2.1.2.1 RDP_NEG_RSP selecting PROTOCOL_HYBRID.
    let cc = [
        3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 2, 0, 0, 0,
    ];
    let mut hello = vec![3, 3];
    hello.extend_from_slice(&CLIENT_RANDOM);
    hello.extend_from_slice(&[0, 0, 2, 0x00, 0x9C, 1, 0]);
    let client_hello = clear_record(22, &handshake(1, &hello));
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&SERVER_RANDOM);
    sh.extend_from_slice(&[0, 0x00, 0x9C, 0]);
    let server_hello = clear_record(22, &[handshake(2, &sh), handshake(14, &[])].concat());
    let mut client_finish = clear_record(22, &handshake(16, &[0, 4, 1, 2, 3, 4]));
    client_finish.extend(clear_record(20, &[1]));
    client_finish.extend(c_seal.record(22, &handshake(20, &[0xC1; 12])));
    let mut server_finish = clear_record(20, &[1]);
    server_finish.extend(s_seal.record(22, &handshake(20, &[0x5E; 12])));
    let negotiate = c_seal.record(23, &ts_request(Some(ntlm(1, 24)), false, None));
    let challenge = s_seal.record(23, &ts_request(Some(ntlm(2, 200)), false, None));
    let authenticate = c_seal.record(23, &ts_request(Some(ntlm(3, 300)), true, None));
    let refused = s_seal.record(23, &ts_request(None, false, Some(error_code)));
    let messages: Vec<(bool, &[u8])> = vec![
        (true, &cr),
        (false, &cc),
        (true, &client_hello),
        (false, &server_hello),
        (true, &client_finish),
        (false, &server_finish),
        (true, &negotiate),
        (false, &challenge),
        (true, &authenticate),
        (false, &refused),
    ];
    let (mut c, mut s) = (1001u32, 5001u32);
    let mut frames = vec![
        frame(&seg(true, 1000, 0, "S", b"")),
        frame(&seg(false, 5000, 1001, "SA", b"")),
        frame(&seg(true, 1001, 5001, "A", b"")),
    ];
    for (from_client, bytes) in messages {
        if from_client {
            frames.push(frame(&seg(true, c, s, "AP", bytes)));
            c += bytes.len() as u32;
        } else {
            frames.push(frame(&seg(false, s, c, "AP", bytes)));
            s += bytes.len() as u32;
        }
    }
    frames.push(frame(&seg(false, s, c, "AF", b"")));
    frames.push(frame(&seg(true, c, s + 1, "A", b"")));
    let name = format!("credssp-{}.pcap", hex(&error_code));
    let path = write_pcap(&name, &frames);
    std::fs::write(
        path.with_extension("keys"),
        format!("CLIENT_RANDOM {} {}\n", hex(&CLIENT_RANDOM), hex(&MASTER)),
    )
    .unwrap();
    file_report(analyze_path(&path, None).unwrap())
}

fn check(code: u32, name: &str, remedy_words: &str, mstsc: (&str, &str)) {
    let r = session(code.to_be_bytes());
    let state = r.connections[0].state.as_ref().expect("state");
    assert!(state.decrypted);
    assert_eq!(state.stage, rdptriage::state::Stage::Nla);
    assert_eq!(state.stage_known, rdptriage::state::Known::Decrypted);
    assert_eq!(state.stage_frame(rdptriage::state::Stage::Nla), Some(10));
    let c = state.credssp.as_ref().unwrap();
    assert_eq!((c.client_messages, c.server_messages), (2, 2));
    assert_eq!(c.authenticate_frame, Some(12));
    assert_eq!(c.error_code, Some(code));
    assert_eq!(c.error_frame, Some(13));
    assert_eq!(c.error_name.as_deref(), Some(name));
    assert_eq!(state.ended.how, rdptriage::state::EndHow::CredsspError);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "credssp.error")
        .expect("credssp.error");
    assert_eq!(f.frames, vec![13, 14]);
    assert!(
        f.summary.contains(&format!("0x{code:08X} {name}")),
        "{}",
        f.summary
    );
    assert!(!r.findings.iter().any(|f| f.id == "credssp.rejected"));
    let cause = &r.diagnosis.causes[0];
    assert_eq!(cause.cause, "nla_failure");
    assert_eq!(cause.confidence, 0.95);
    assert!(cause.remedy.contains(remedy_words), "{}", cause.remedy);
    let codes = r.diagnosis.attempts[0].client_codes.as_ref().unwrap();
    let main = codes.disconnect_reason.as_ref().unwrap();
    assert_eq!((main.hex.as_str(), main.name), mstsc);
    assert_eq!(main.basis, "inferred");
    assert!(codes.extended_reason.is_none());
}

#[test]
fn logon_failure() {
    check(
        0xC000_006D,
        "STATUS_LOGON_FAILURE",
        "user name or password is wrong",
        ("0x807", "SSL_ERR_LOGON_FAILURE"),
    );
}

#[test]
fn account_restriction() {
    check(
        0xC000_006E,
        "STATUS_ACCOUNT_RESTRICTION",
        "Protected Users",
        ("0xC07", "SSL_ERR_ACCOUNT_RESTRICTION"),
    );
}

#[test]
fn password_must_change() {
    check(
        0xC000_0224,
        "STATUS_PASSWORD_MUST_CHANGE",
        "must be changed",
        ("0x1207", "SSL_ERR_PASSWORD_MUST_CHANGE"),
    );
}

#[test]
fn account_locked_out() {
    check(
        0xC000_0234,
        "STATUS_ACCOUNT_LOCKED_OUT",
        "locked out",
        ("0xD07", "SSL_ERR_ACCOUNT_LOCKED_OUT"),
    );
}
