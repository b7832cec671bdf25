//! The RDP connection sequence read inside TLS (key-logged lab samples, the `.keys` beside
//! each capture is picked up automatically) and in clear under standard RDP security (public
//! corpus), checked frame by frame against tshark 4.0.17.
//!
//! Each expectation names the tshark command it was read with. `tshark_rdp(X)` below stands
//! for
//! `tshark -r samples/X.pcap -o tls.keylog_file:samples/X.keys -d tcp.port==3389,tls
//!  -T fields -e frame.number -e _ws.col.Info`;
//! values (user ids, share ids, license codes, capability counts) were read with
//! `... -T fields -E separator='|' -e frame.number -e credssp.version -e ntlmssp.messagetype
//!  -e t124.initiator -e t124.channelId -e t124.result -e rdp.bMsgType -e rdp.errorCode
//!  -e rdp.stateTransition -e rdp.shareId -e rdp.sourceDescriptor -e rdp.numberCapabilities
//!  -e rdp.action -e rdp.userName -e rdp.MCSChannelId -e rdp.msgChannelId`
//! (tshark's t124.initiator is the PER value, the user id minus 1001).

mod common;

use rdptriage::analyze::{Analysis, analyze_path};
use rdptriage::flow::Side;
use rdptriage::proto::observation::Observed;
use rdptriage::proto::rdp::observed::{NegoToken, RdpObserved};
use std::path::Path;

fn analysis(path: &Path) -> Analysis {
    analyze_path(path, None).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sample(name: &str) -> Analysis {
    analysis(&common::project_dir().join("samples").join(name))
}

/// tshark's Info column wording for what we decoded (None: not an RDP PDU tshark lists).
fn label(what: &Observed) -> Option<String> {
    Some(match what {
        Observed::McsConnectInitial(_) => "ClientData".into(),
        Observed::McsConnectResponse(_) => "ServerData".into(),
        Observed::McsDisconnectProviderUltimatum { .. } => "disconnectProviderUltimatum".into(),
        Observed::Rdp(pdu) => match &**pdu {
            RdpObserved::CredSsp(t) => match t.token {
                Some(NegoToken::NtlmNegotiate) => "NTLMSSP_NEGOTIATE".into(),
                Some(NegoToken::NtlmChallenge) => "NTLMSSP_CHALLENGE".into(),
                Some(NegoToken::NtlmAuthenticate) => "NTLMSSP_AUTH".into(),
                _ => "TSRequest".into(),
            },
            RdpObserved::McsErectDomainRequest => "erectDomainRequest".into(),
            RdpObserved::McsAttachUserRequest => "attachUserRequest".into(),
            RdpObserved::McsAttachUserConfirm { .. } => "attachUserConfirm".into(),
            RdpObserved::McsChannelJoinRequest { channel_id } => {
                format!("channelJoinRequest {channel_id}")
            }
            RdpObserved::McsChannelJoinConfirm { channel_id, .. } => {
                format!("channelJoinConfirm {channel_id}")
            }
            RdpObserved::SecurityExchange { .. } => "SecurityExchange".into(),
            RdpObserved::ClientInfo(_) => "ClientInfo".into(),
            RdpObserved::License(l) => match l.msg_type {
                0x01 => "License Request".into(),
                0x02 => "Platform Challenge".into(),
                0x13 => "New License Request".into(),
                0xFF => "Error Alert".into(),
                other => format!("license {other:#x}"),
            },
            RdpObserved::DemandActive(_) => "Demand Active PDU".into(),
            RdpObserved::ConfirmActive(_) => "Confirm Active PDU".into(),
            RdpObserved::Synchronize => "Synchronize".into(),
            RdpObserved::Control { action } => match action {
                1 => "Control, Action: Request control".into(),
                2 => "Control, Action: Granted control".into(),
                4 => "Control, Action: Cooperate".into(),
                other => format!("Control {other}"),
            },
            RdpObserved::FontList => "FontList".into(),
            RdpObserved::FontMap => "FontMap".into(),
            RdpObserved::SetErrorInfo { error_info } => format!("SetErrorInfo {error_info:#x}"),
            other => format!("{other:?}"),
        },
        _ => return None,
    })
}

/// (frame, label) of every RDP PDU decoded on a TCP stream, in order.
fn pdus(a: &Analysis, stream: u64) -> Vec<(u64, String)> {
    a.observations
        .get(&stream)
        .map(|obs| {
            obs.iter()
                .filter_map(|o| label(&o.what).map(|l| (o.frame, l)))
                .collect()
        })
        .unwrap_or_default()
}

fn rdp(a: &Analysis, stream: u64) -> Vec<(u64, Side, RdpObserved)> {
    a.observations[&stream]
        .iter()
        .filter_map(|o| match &o.what {
            Observed::Rdp(p) => Some((o.frame, o.from, (**p).clone())),
            _ => None,
        })
        .collect()
}

fn expect(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    list.iter().map(|&(f, s)| (f, s.to_string())).collect()
}

/// tshark_rdp(rdp-nla-healthy-shadow): 16 NTLMSSP_NEGOTIATE, 17 NTLMSSP_CHALLENGE,
/// 19 NTLMSSP_AUTH, 20 and 22 (TSRequests tshark leaves unnamed: pubKeyAuth, then
/// authInfo), 23 ClientData, 25 ServerData, 27 erectDomainRequest … 48 channelJoinConfirm
/// 1006, 50 ClientInfo, 51 Error Alert, 52 Demand Active PDU, 54 Confirm Active PDU,
/// 55–63 finalization, then fast-path and virtual channel PDUs only.
#[test]
fn nla_healthy_shadow_sequence_matches_tshark() {
    let a = sample("rdp-nla-healthy-shadow.pcap");
    let want = expect(&[
        (16, "NTLMSSP_NEGOTIATE"),
        (17, "NTLMSSP_CHALLENGE"),
        (19, "NTLMSSP_AUTH"),
        (20, "TSRequest"),
        (22, "TSRequest"),
        (23, "ClientData"),
        (25, "ServerData"),
        (27, "erectDomainRequest"),
        (28, "attachUserRequest"),
        (30, "attachUserConfirm"),
        (32, "channelJoinRequest 1008"),
        (33, "channelJoinConfirm 1008"),
        (35, "channelJoinRequest 1003"),
        (36, "channelJoinConfirm 1003"),
        (38, "channelJoinRequest 1007"),
        (39, "channelJoinConfirm 1007"),
        (41, "channelJoinRequest 1004"),
        (42, "channelJoinConfirm 1004"),
        (44, "channelJoinRequest 1005"),
        (45, "channelJoinConfirm 1005"),
        (47, "channelJoinRequest 1006"),
        (48, "channelJoinConfirm 1006"),
        (50, "ClientInfo"),
        (51, "Error Alert"),
        (52, "Demand Active PDU"),
        (54, "Confirm Active PDU"),
        (55, "Synchronize"),
        (56, "Control, Action: Cooperate"),
        (57, "Synchronize"),
        (58, "Control, Action: Cooperate"),
        (60, "Control, Action: Request control"),
        (61, "Control, Action: Granted control"),
        (62, "FontList"),
        (63, "FontMap"),
        // First fast-path PDU of each side after Font Map: tshark 67 "Fast-Path PDU,Bitmap"
        // (server), 68 "Fast-Path PDU,Scancode,Sync,Scancode" (client).
        (67, "FirstSessionData { fast_path: true }"),
        (68, "FirstSessionData { fast_path: true }"),
    ]);
    assert_eq!(pdus(&a, 0), want);

    let r = rdp(&a, 0);
    // credssp.version 6 on every TSRequest; ntlmssp.messagetype 1, 2, 3.
    let credssp: Vec<_> = r
        .iter()
        .filter_map(|(f, s, p)| match p {
            RdpObserved::CredSsp(t) => Some((*f, *s, t.version, t.pub_key_auth, t.auth_info)),
            _ => None,
        })
        .collect();
    assert_eq!(
        credssp,
        [
            (16, Side::Client, 6, false, false),
            (17, Side::Server, 6, false, false),
            (19, Side::Client, 6, true, false),
            (20, Side::Server, 6, true, false),
            (22, Side::Client, 6, false, true),
        ]
    );
    for (f, _, p) in &r {
        match (f, p) {
            // t124.initiator 7 (user 1008), t124.result 0.
            (30, RdpObserved::McsAttachUserConfirm { result, user_id }) => {
                assert_eq!((*result, *user_id), (0, Some(1008)));
            }
            // rdp.userName labuser.
            (50, RdpObserved::ClientInfo(i)) => assert_eq!(i.user_name, "labuser"),
            // rdp.bMsgType 0xff, rdp.errorCode 7 (STATUS_VALID_CLIENT), rdp.stateTransition 2.
            (51, RdpObserved::License(l)) => {
                assert_eq!(
                    (l.msg_type, l.error_code, l.state_transition),
                    (0xFF, Some(7), Some(2))
                );
            }
            // rdp.shareId 0x000103f0, rdp.sourceDescriptor RDP, rdp.numberCapabilities 14.
            (52, RdpObserved::DemandActive(c)) => {
                assert_eq!((c.share_id, c.source.as_str()), (0x0001_03F0, "RDP"));
                assert_eq!(c.capability_sets.len(), 14);
            }
            // FREERDP, 20 capability sets.
            (54, RdpObserved::ConfirmActive(c)) => {
                assert_eq!((c.share_id, c.source.as_str()), (0x0001_03F0, "FREERDP"));
                assert_eq!(c.capability_sets.len(), 20);
            }
            _ => {}
        }
    }
    // After Font Map only counted: tshark 67 Fast-Path (server); 68, 69, 71, 72 Fast-Path
    // (client); 64, 74, 75 Virtual Channel PDU (rdp.MCSChannelId lists 1005 for them).
    let t = a.rdp_traffic[&0];
    assert_eq!(
        (t.fast_path_updates, t.fast_path_inputs, t.channel_pdus),
        (1, 4, 3)
    );
    assert_eq!(
        (t.last_server_frame, t.last_client_frame),
        (Some(67), Some(75))
    );
}

/// tshark_rdp(rdp-tls-healthy-xrdp): PROTOCOL_SSL, so MCS right after the TLS handshake
/// (13 ClientData, 14 ServerData), licensing in three messages (37 License Request, 39 New
/// License Request, 40 Error Alert) and xrdp's finalization order (client's four PDUs
/// first, 45–48, then the server's 50–56).
#[test]
fn tls_healthy_xrdp_sequence_matches_tshark() {
    let a = sample("rdp-tls-healthy-xrdp.pcap");
    let want = expect(&[
        (13, "ClientData"),
        (14, "ServerData"),
        (16, "erectDomainRequest"),
        (17, "attachUserRequest"),
        (19, "attachUserConfirm"),
        (21, "channelJoinRequest 1007"),
        (22, "channelJoinConfirm 1007"),
        (24, "channelJoinRequest 1003"),
        (25, "channelJoinConfirm 1003"),
        (27, "channelJoinRequest 1004"),
        (28, "channelJoinConfirm 1004"),
        (30, "channelJoinRequest 1005"),
        (31, "channelJoinConfirm 1005"),
        (33, "channelJoinRequest 1006"),
        (34, "channelJoinConfirm 1006"),
        (36, "ClientInfo"),
        (37, "License Request"),
        (39, "New License Request"),
        (40, "Error Alert"),
        (42, "Demand Active PDU"),
        (44, "Confirm Active PDU"),
        (45, "Synchronize"),
        (46, "Control, Action: Cooperate"),
        (47, "Control, Action: Request control"),
        (48, "FontList"),
        (50, "Synchronize"),
        (52, "Control, Action: Cooperate"),
        (54, "Control, Action: Granted control"),
        (56, "FontMap"),
        // 58 "Fast-Path PDU,Synchronize" (server), 157 "Fast-Path PDU,Scancode,…" (client).
        (58, "FirstSessionData { fast_path: true }"),
        (157, "FirstSessionData { fast_path: true }"),
    ]);
    assert_eq!(pdus(&a, 0), want);
    let r = rdp(&a, 0);
    assert!(r.iter().any(|(f, s, p)| *f == 19
        && *s == Side::Server
        && *p
            == RdpObserved::McsAttachUserConfirm {
                result: 0,
                user_id: Some(1007)
            }));
    assert!(r.iter().any(|(f, _, p)| *f == 42
        && matches!(p, RdpObserved::DemandActive(c) if c.share_id == 0x0001_03EA && c.capability_sets.len() == 13)));
    // 38 "RDP PDU Type: Update" (slow path) and 3 + 2 fast-path PDUs (58, 63, 66 server;
    // 157, 160 client) after Font Map: `tshark_rdp(…) | grep -o 'PDU Type: Update' | wc -l`.
    let t = a.rdp_traffic[&0];
    assert_eq!(
        (t.slow_path_updates, t.fast_path_updates, t.fast_path_inputs),
        (38, 3, 2)
    );
}

/// tshark_rdp(rdp-by-name-healthy-xrdp): the same xrdp sequence 20 ClientData … 60 FontMap,
/// 61 "Fast-Path PDU,Synchronize".
#[test]
fn by_name_xrdp_sequence_matches_tshark() {
    let a = sample("rdp-by-name-healthy-xrdp.pcap");
    let want = expect(&[
        (20, "ClientData"),
        (21, "ServerData"),
        (23, "erectDomainRequest"),
        (24, "attachUserRequest"),
        (26, "attachUserConfirm"),
        (28, "channelJoinRequest 1007"),
        (29, "channelJoinConfirm 1007"),
        (31, "channelJoinRequest 1003"),
        (32, "channelJoinConfirm 1003"),
        (34, "channelJoinRequest 1004"),
        (35, "channelJoinConfirm 1004"),
        (37, "channelJoinRequest 1005"),
        (38, "channelJoinConfirm 1005"),
        (40, "channelJoinRequest 1006"),
        (41, "channelJoinConfirm 1006"),
        (43, "ClientInfo"),
        (44, "License Request"),
        (46, "New License Request"),
        (47, "Error Alert"),
        (49, "Demand Active PDU"),
        (51, "Confirm Active PDU"),
        (52, "Synchronize"),
        (53, "Control, Action: Cooperate"),
        (54, "Control, Action: Request control"),
        (55, "FontList"),
        (57, "Synchronize"),
        (58, "Control, Action: Cooperate"),
        (59, "Control, Action: Granted control"),
        (60, "FontMap"),
    ]);
    let got = pdus(&a, 0);
    assert_eq!(got[..want.len()], want[..]);
    assert_eq!(got[want.len()].0, 61);
}

/// tshark_rdp(rdp-rst-mid-session): 15 ClientData … 58 FontMap, 60 the first fast-path
/// update; the session then runs until the RST (no Set Error Info, no DPUm: the
/// connection is cut, not closed).
#[test]
fn rst_mid_session_reaches_the_active_session() {
    let a = sample("rdp-rst-mid-session.pcap");
    let got = pdus(&a, 0);
    let frames: Vec<u64> = got.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        frames,
        [
            15, 16, 18, 19, 21, 23, 24, 26, 27, 29, 30, 32, 33, 35, 36, 38, 39, 41, 42, 44, 46, 47,
            48, 49, 50, 52, 54, 56, 58, 60, 159
        ]
    );
    assert_eq!(got[28], (58, "FontMap".to_string()));
    assert!(
        !got.iter()
            .any(|(_, l)| l.starts_with("SetErrorInfo") || l == "disconnectProviderUltimatum")
    );
}

/// tshark_rdp(rdp-nla-wrong-password-shadow): two attempts (streams 0 and 1), each
/// NTLMSSP_NEGOTIATE, NTLMSSP_CHALLENGE, NTLMSSP_AUTH (12, 17, 20 and 38, 42, 45); the
/// shadow server answers the wrong password with a TLS close_notify (21, 46), not a
/// TSRequest errorCode, so no fourth TSRequest is decoded.
#[test]
fn wrong_password_ends_after_ntlm_authenticate() {
    let a = sample("rdp-nla-wrong-password-shadow.pcap");
    assert_eq!(
        pdus(&a, 0),
        expect(&[
            (12, "NTLMSSP_NEGOTIATE"),
            (17, "NTLMSSP_CHALLENGE"),
            (20, "NTLMSSP_AUTH")
        ])
    );
    assert_eq!(
        pdus(&a, 1),
        expect(&[
            (38, "NTLMSSP_NEGOTIATE"),
            (42, "NTLMSSP_CHALLENGE"),
            (45, "NTLMSSP_AUTH")
        ])
    );
    assert!(rdp(&a, 0).iter().all(|(_, _, p)| match p {
        RdpObserved::CredSsp(t) => t.error_code.is_none() && t.version == 6,
        _ => false,
    }));
}

/// `tshark -2 -o tcp.reassemble_out_of_order:TRUE -r samples/rdp-lossy-high-latency.pcap
/// -o tls.keylog_file:samples/rdp-lossy-high-latency.keys -d tcp.port==3389,tls -T fields
/// -e frame.number -e _ws.col.Info`: 15 ClientData, 25 erectDomainRequest, 26
/// attachUserRequest, 30 attachUserConfirm, 31/32 channel 1007, 34/36 channel 1003, 38
/// channelJoinRequest 1004, then the client's close_notify (39). tshark puts ServerData on
/// 23, the retransmission that fills the hole before frame 21; the flow stage delivers the
/// bytes after the hole with the frame that carried them (21), so we do too.
#[test]
fn lossy_session_is_read_across_retransmissions() {
    let a = sample("rdp-lossy-high-latency.pcap");
    assert_eq!(
        pdus(&a, 0),
        expect(&[
            (15, "ClientData"),
            (21, "ServerData"),
            (25, "erectDomainRequest"),
            (26, "attachUserRequest"),
            (30, "attachUserConfirm"),
            (31, "channelJoinRequest 1007"),
            (32, "channelJoinConfirm 1007"),
            (34, "channelJoinRequest 1003"),
            (36, "channelJoinConfirm 1003"),
            (38, "channelJoinRequest 1004"),
        ])
    );
}

// ---------------------------------------------------------------------------------------
// Standard RDP security, in clear (public corpus).

fn corpus(path: &str) -> Option<Analysis> {
    common::corpus_dir().map(|dir| analysis(&dir.join(path)))
}

/// `tshark -r RDP-003.pcap -T fields -e frame.number -e _ws.col.Info`: 7 ClientData, 8
/// ServerData (56-bit RC4, Client Compatible), 9 erectDomainRequest, 10 attachUserRequest,
/// 12 attachUserConfirm, 13–22 channel joins 1007, 1003, 1004, 1005, 1006, 23
/// SecurityExchange, 24 "ClientInfo, [Encrypted]", 431 disconnectProviderUltimatum.
/// Frame 26 is a server licensing PDU with flags 0x0280 (SEC_LICENSE_PKT |
/// SEC_LICENSE_ENCRYPT_CS): bytes `ff 02 10 00 07 00 00 00 02 00 00 00` = ERROR_ALERT,
/// STATUS_VALID_CLIENT, ST_NO_TRANSITION (`-x`); tshark 4.0 reads an 8-byte signature there
/// because of SEC_LICENSE_ENCRYPT and calls it "Platform Challenge", but only SEC_ENCRYPT
/// adds a MAC (MS-RDPBCGR 2.2.8.1.1.2.1), so we report the Error Alert.
#[test]
fn rdp003_standard_security_in_clear() {
    let Some(a) = corpus("suricata-verify/tests/rdp-protocol/RDP-003.pcap") else {
        return;
    };
    let want = expect(&[
        (7, "ClientData"),
        (8, "ServerData"),
        (9, "erectDomainRequest"),
        (10, "attachUserRequest"),
        (12, "attachUserConfirm"),
        (13, "channelJoinRequest 1007"),
        (14, "channelJoinConfirm 1007"),
        (15, "channelJoinRequest 1003"),
        (16, "channelJoinConfirm 1003"),
        (17, "channelJoinRequest 1004"),
        (18, "channelJoinConfirm 1004"),
        (19, "channelJoinRequest 1005"),
        (20, "channelJoinConfirm 1005"),
        (21, "channelJoinRequest 1006"),
        (22, "channelJoinConfirm 1006"),
        (23, "SecurityExchange"),
        (
            24,
            "Unreadable { reason: \"encrypted with standard RDP security\" }",
        ),
        (26, "Error Alert"),
        (
            27,
            "Unreadable { reason: \"encrypted with standard RDP security\" }",
        ),
        (431, "disconnectProviderUltimatum"),
    ]);
    assert_eq!(pdus(&a, 0), want);
    let r = rdp(&a, 0);
    assert!(r.iter().any(|(f, s, p)| *f == 23
        && *s == Side::Client
        && *p
            == RdpObserved::SecurityExchange {
                encrypted_random_len: 72
            }));
    // rn-user-requested (`21 80`), as tshark's t124.reason shows.
    assert!(a.observations[&0].iter().any(|o| o.frame == 431
        && matches!(
            o.what,
            Observed::McsDisconnectProviderUltimatum { reason: 3 }
        )));
    // Everything after the Security Exchange is counted as encrypted, not decoded.
    assert!(a.rdp_traffic[&0].encrypted_pdus > 0);
}

/// `tshark -r rdp-proprietary-encryption.pcap -T fields -e frame.number -e tcp.stream -e
/// _ws.col.Info`: stream 1 (after the negotiation failure of stream 0) 14 ClientData, 15
/// ServerData (128-bit RC4, High), 16 erectDomainRequest, 17 attachUserRequest, 19
/// attachUserConfirm, 20–31 channel joins 1008, 1003, 1004, 1005, 1006, 1007, 32
/// SecurityExchange, 33 "ClientInfo, [Encrypted]", 35 "[Encrypted]", 538
/// disconnectProviderUltimatum.
#[test]
fn zeek_proprietary_encryption_in_clear() {
    let Some(a) = corpus("zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap") else {
        return;
    };
    assert!(pdus(&a, 0).is_empty());
    let frames: Vec<(u64, String)> = pdus(&a, 1);
    let want = expect(&[
        (14, "ClientData"),
        (15, "ServerData"),
        (16, "erectDomainRequest"),
        (17, "attachUserRequest"),
        (19, "attachUserConfirm"),
        (20, "channelJoinRequest 1008"),
        (21, "channelJoinConfirm 1008"),
        (22, "channelJoinRequest 1003"),
        (23, "channelJoinConfirm 1003"),
        (24, "channelJoinRequest 1004"),
        (25, "channelJoinConfirm 1004"),
        (26, "channelJoinRequest 1005"),
        (27, "channelJoinConfirm 1005"),
        (28, "channelJoinRequest 1006"),
        (29, "channelJoinConfirm 1006"),
        (30, "channelJoinRequest 1007"),
        (31, "channelJoinConfirm 1007"),
        (32, "SecurityExchange"),
        (
            33,
            "Unreadable { reason: \"encrypted with standard RDP security\" }",
        ),
        (
            35,
            "Unreadable { reason: \"encrypted with standard RDP security\" }",
        ),
        (538, "disconnectProviderUltimatum"),
    ]);
    assert_eq!(frames, want);
    // t124.initiator 7 in frame 19: user 1008.
    assert!(rdp(&a, 1).iter().any(|(f, _, p)| *f == 19
        && *p
            == RdpObserved::McsAttachUserConfirm {
                result: 0,
                user_id: Some(1008)
            }));
}

/// `tshark -r rdp3.pcap -T fields -e frame.number -e _ws.col.Info`: 6 ClientData, 7
/// ServerData, 8 erectDomainRequest, 9 attachUserRequest, 11 attachUserConfirm, 12–21
/// channel joins, 22 SecurityExchange, 23 "ClientInfo, [Encrypted]", 25 "[Encrypted]".
#[test]
fn ndpi_rdp3_in_clear() {
    let Some(a) = corpus("ndpi/tests/cfgs/default/pcap/rdp3.pcap") else {
        return;
    };
    let got = pdus(&a, 0);
    let frames: Vec<u64> = got.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        frames,
        [
            6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25
        ]
    );
    assert_eq!(got[2].1, "erectDomainRequest");
    assert_eq!(got[15].1, "SecurityExchange");
}

/// `tshark -r esteemedaudit-failed-XPSP2.pcap -T fields -e frame.number -e tcp.stream -e
/// _ws.col.Info -Y 'tcp.stream==0 && t124'`: 12 erectDomainRequest, 14 attachUserRequest,
/// 15 attachUserConfirm, … 592 disconnectProviderUltimatum.
#[test]
fn esteemedaudit_connections_in_clear() {
    let Some(a) =
        corpus("zeek-EternalSafety/tests/traces/shadowbrokers/esteemedaudit-failed-XPSP2.pcap")
    else {
        return;
    };
    let got = pdus(&a, 0);
    let find = |l: &str| got.iter().find(|(_, g)| g == l).map(|(f, _)| *f);
    assert_eq!(find("erectDomainRequest"), Some(12));
    assert_eq!(find("attachUserRequest"), Some(14));
    assert_eq!(find("attachUserConfirm"), Some(15));
    assert_eq!(find("SecurityExchange"), Some(26));
    assert_eq!(find("disconnectProviderUltimatum"), Some(592));
}

/// `tshark -r rdp-x509.pcap -T fields -e frame.number -e _ws.col.Info` (and the same for
/// rdp-unknown-keyboard.pcap): the captures stop after 11 ClientData, 13 ServerData
/// (128-bit RC4, Client Compatible) and after 11 ClientData; nothing more is decoded and
/// nothing is reported unreadable.
#[test]
fn zeek_standard_security_captures_that_end_after_mcs() {
    let Some(x509) = corpus("zeek/testing/btest/Traces/rdp/rdp-x509.pcap") else {
        return;
    };
    assert_eq!(
        pdus(&x509, 0),
        expect(&[(11, "ClientData"), (13, "ServerData")])
    );
    let Some(kb) = corpus("zeek/testing/btest/Traces/rdp/rdp-unknown-keyboard.pcap") else {
        return;
    };
    assert_eq!(pdus(&kb, 0), expect(&[(11, "ClientData")]));
    assert!(rdp(&kb, 0).is_empty());
}
