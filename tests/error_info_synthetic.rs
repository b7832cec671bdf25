//! Set Error Info values no lab software sends, through the whole pipeline: a synthetic
//! standard-security connection in clear (MS-RDPBCGR 1.3.1.1 with encryption level NONE, so
//! the server's PDUs carry no security header), built from the spec's structures, in which
//! the server sends Set Error Info (2.2.5.1.1) and a Disconnect Provider Ultimatum, then
//! closes. Each value must come out named, as an `rdp.error_info` finding with its frames,
//! as the cause the value means, and as the extended code mstsc shows.
//!
//! tshark 4.0 reads frame 6 of these captures as an MCS sendDataIndication (initiator 6,
//! channelId 1003) whose userData is `16 00 17 00 ea 03 ea 03 01 00 00 01 08 00 2f 00 00 00
//! 07 00 00 00` for 0x7 — the share headers and errorInfo at the offsets of MS-RDPBCGR
//! 2.2.8.1.1.1.1 / 2.2.8.1.1.1.2 — and frame 7 as disconnectProviderUltimatum; it does not
//! dissect the share PDU itself without an MCS Connect Response naming the I/O channel.

mod common;

use common::pcap_writer::{frame, seg, write_pcap};
use rdptriage::analyze::analyze_path;
use rdptriage::engine::file_report;
use rdptriage::report::json::FileReport;

/// TPKT (T.123 8) around `payload`.
fn tpkt(payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() + 4) as u16;
    let mut out = vec![3, 0];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// MS-RDPBCGR 2.2.1.1 Client X.224 Connection Request with a cookie and no RDP_NEG_REQ
/// (a legacy client asking for standard RDP security).
fn connection_request() -> Vec<u8> {
    let cookie = b"Cookie: mstshash=synthetic\r\n";
    let mut x224 = vec![(6 + cookie.len()) as u8, 0xE0, 0, 0, 0, 0, 0];
    x224.extend_from_slice(cookie);
    tpkt(&x224)
}

/// MS-RDPBCGR 2.2.1.2.1 Server X.224 Connection Confirm with RDP_NEG_RSP selecting
/// PROTOCOL_RDP (0).
fn connection_confirm() -> Vec<u8> {
    let mut x224 = vec![14, 0xD0, 0, 0, 0x12, 0x34, 0];
    x224.extend_from_slice(&[0x02, 0x00, 0x08, 0x00, 0, 0, 0, 0]);
    tpkt(&x224)
}

/// X.224 Data TPDU (02 F0 80) around an MCS PDU.
fn x224_data(mcs: &[u8]) -> Vec<u8> {
    let mut p = vec![0x02, 0xF0, 0x80];
    p.extend_from_slice(mcs);
    tpkt(&p)
}

/// MS-RDPBCGR 2.2.5.1.1 Set Error Info PDU: MCS Send Data Indication (T.125 SDin, choice
/// 0x68; initiator user 1007, I/O channel 1003, priority/segmentation 0x70, PER length), then
/// TS_SHARECONTROLHEADER (totalLength 22, PDUTYPE_DATAPDU | version 1 = 0x17, pduSource
/// 1002), TS_SHAREDATAHEADER (shareId, pad, STREAM_LOW, uncompressedLength, pduType2
/// PDUTYPE2_SET_ERROR_INFO_PDU 0x2F, no compression) and errorInfo.
fn set_error_info(error_info: u32) -> Vec<u8> {
    let mut share = Vec::new();
    share.extend_from_slice(&22u16.to_le_bytes());
    share.extend_from_slice(&0x0017u16.to_le_bytes());
    share.extend_from_slice(&1002u16.to_le_bytes());
    share.extend_from_slice(&0x0001_03EAu32.to_le_bytes());
    share.push(0);
    share.push(1);
    share.extend_from_slice(&8u16.to_le_bytes());
    share.push(0x2F);
    share.push(0);
    share.extend_from_slice(&0u16.to_le_bytes());
    share.extend_from_slice(&error_info.to_le_bytes());
    let mut mcs = vec![0x68];
    mcs.extend_from_slice(&(1007u16 - 1001).to_be_bytes());
    mcs.extend_from_slice(&1003u16.to_be_bytes());
    mcs.push(0x70);
    mcs.push(share.len() as u8);
    mcs.extend_from_slice(&share);
    x224_data(&mcs)
}

/// T.125 Disconnect Provider Ultimatum, reason rn-provider-initiated (1): `20 80`.
fn ultimatum() -> Vec<u8> {
    x224_data(&[0x20, 0x80])
}

/// Frames: 1–3 handshake, 4 CR, 5 CC, 6 Set Error Info, 7 DPUm, 8 server FIN, 9 client ACK.
fn capture(error_info: u32) -> FileReport {
    let cr = connection_request();
    let cc = connection_confirm();
    let sei = set_error_info(error_info);
    let dpum = ultimatum();
    let mut c = 1001u32;
    let mut s = 5001u32;
    let mut frames = vec![
        frame(&seg(true, 1000, 0, "S", b"")),
        frame(&seg(false, 5000, 1001, "SA", b"")),
        frame(&seg(true, 1001, 5001, "A", b"")),
    ];
    frames.push(frame(&seg(true, c, s, "AP", &cr)));
    c += cr.len() as u32;
    frames.push(frame(&seg(false, s, c, "AP", &cc)));
    s += cc.len() as u32;
    frames.push(frame(&seg(false, s, c, "AP", &sei)));
    s += sei.len() as u32;
    frames.push(frame(&seg(false, s, c, "AP", &dpum)));
    s += dpum.len() as u32;
    frames.push(frame(&seg(false, s, c, "AF", b"")));
    frames.push(frame(&seg(true, c, s + 1, "A", b"")));
    let path = write_pcap(&format!("set-error-info-{error_info:x}.pcap"), &frames);
    file_report(analyze_path(&path, None).unwrap())
}

fn check(error_info: u32, name: &str, cause: &str, severity: rdptriage::detect::Severity) {
    let r = capture(error_info);
    let state = r.connections[0].state.as_ref().expect("state");
    assert_eq!(state.error_info.len(), 1, "{error_info:#x}");
    assert_eq!(state.error_info[0].code, error_info);
    assert_eq!(state.error_info[0].frame, 6);
    assert_eq!(state.error_info[0].name.as_deref(), Some(name));
    assert_eq!(state.ended.how, rdptriage::state::EndHow::SetErrorInfo);
    assert_eq!(state.ended.known, rdptriage::state::Known::ClearText);
    assert_eq!(state.ended.tcp_close.map(|c| c.frame), Some(8));
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "rdp.error_info")
        .collect();
    assert_eq!(f.len(), 1, "{error_info:#x}");
    assert_eq!(f[0].frames, vec![6, 8]);
    assert_eq!(f[0].severity, severity);
    assert!(f[0].summary.contains(name), "{}", f[0].summary);
    assert_eq!(r.diagnosis.causes[0].cause, cause, "{error_info:#x}");
    let attempt = &r.diagnosis.attempts[0];
    assert!(attempt.failed);
    let codes = attempt.client_codes.as_ref().expect("client codes");
    let ext = codes.extended_reason.as_ref().unwrap();
    assert_eq!((ext.code, ext.basis), (error_info, "seen"));
    let main = codes.disconnect_reason.as_ref().unwrap();
    assert_eq!((main.hex.as_str(), main.basis), ("0x904", "inferred"));
}

#[test]
fn server_denied_connection() {
    check(
        0x7,
        "ERRINFO_SERVER_DENIED_CONNECTION",
        "server_denied",
        rdptriage::detect::Severity::Error,
    );
}

#[test]
fn insufficient_privileges() {
    check(
        0x9,
        "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES",
        "insufficient_privileges",
        rdptriage::detect::Severity::Error,
    );
}

#[test]
fn no_license_server() {
    check(
        0x101,
        "ERRINFO_LICENSE_NO_LICENSE_SERVER",
        "licensing_failure",
        rdptriage::detect::Severity::Error,
    );
}

#[test]
fn no_remote_connections_license() {
    check(
        0x10A,
        "ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS",
        "licensing_failure",
        rdptriage::detect::Severity::Error,
    );
}

#[test]
fn broker_destination_not_found() {
    check(
        0x400,
        "ERRINFO_CB_DESTINATION_NOT_FOUND",
        "connection_broker_failure",
        rdptriage::detect::Severity::Error,
    );
}

#[test]
fn protocol_error_range() {
    check(
        0x10D3,
        "ERRINFO_CONNECTFAILED",
        "protocol_error",
        rdptriage::detect::Severity::Error,
    );
}

/// A value MS-RDPBCGR does not list keeps its number, no name, and the weakest reading.
#[test]
fn unknown_value_is_kept_raw() {
    let r = capture(0x0000_9999);
    let state = r.connections[0].state.as_ref().unwrap();
    assert_eq!(state.error_info[0].code, 0x9999);
    assert_eq!(state.error_info[0].name, None);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "rdp.error_info")
        .unwrap();
    assert!(f.summary.contains("0x00009999"), "{}", f.summary);
    assert_eq!(r.diagnosis.causes[0].cause, "server_denied");
}
