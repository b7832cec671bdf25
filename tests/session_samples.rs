//! The connection state and the findings read from the protocol on the lab's key-logged
//! recordings of session endings (samples/README.md). Every frame below was checked with
//! `tshark -r samples/X.pcap -o tls.keylog_file:samples/X.keys -d tcp.port==3389,tls -T fields
//! -e frame.number -e tcp.flags.str -e _ws.col.Info` (tshark 4.0.17).

mod common;

use common::{project_dir, report_of};
use rdptriage::detect::Severity;
use rdptriage::report::json::FileReport;
use rdptriage::state::{EndHow, Known, Stage};

fn sample(name: &str) -> FileReport {
    report_of(&project_dir().join("samples").join(name))
}

/// The findings with id `id`.
fn with_id<'a>(r: &'a FileReport, id: &str) -> Vec<&'a rdptriage::detect::Finding> {
    r.findings.iter().filter(|f| f.id == id).collect()
}

fn ids(r: &FileReport, severity: Severity) -> Vec<&'static str> {
    r.findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.id)
        .collect()
}

/// xrdp, TLS: Font Map in frame 58, then 60 s of nothing, then the client's FIN (253); xrdp
/// answers the FIN with a decode_error alert (254) and the client resets (255). An idle
/// session: active, ended by the client, no error, no stall.
#[test]
fn idle_session_is_active_and_ended_by_the_client() {
    let r = sample("rdp-tls-idle-60s-xrdp.pcap");
    let s = r.connections[0].state.as_ref().unwrap();
    assert_eq!((s.stage, s.stage_known), (Stage::Active, Known::Decrypted));
    assert_eq!(s.stage_frame(Stage::Active), Some(58));
    assert_eq!(s.ended.how, EndHow::Fin);
    assert_eq!(s.ended.by, Some(rdptriage::flow::Side::Client));
    assert_eq!(s.ended.frame, Some(253));
    assert!(
        ids(&r, Severity::Error).is_empty(),
        "{:?}",
        ids(&r, Severity::Error)
    );
    assert!(!r.findings.iter().any(|f| f.id == "tcp.handshake_stall"));
    assert_eq!(r.diagnosis.attempts[0].outcome, "connected");
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
    assert_eq!(r.diagnosis.causes[0].confidence, 0.95);
}

/// The capture stops (last frame 309) while the session runs: Font Map in frame 56, no FIN
/// or RST. Ended with the capture, connected, not a failure.
#[test]
fn capture_stopped_mid_session_is_not_a_failure() {
    let r = sample("rdp-capture-stopped-mid-session-xrdp.pcap");
    let s = r.connections[0].state.as_ref().unwrap();
    assert_eq!(s.stage_frame(Stage::Active), Some(56));
    assert_eq!(s.ended.how, EndHow::CaptureEnded);
    assert!(s.ended.tcp_close.is_none());
    assert!(ids(&r, Severity::Error).is_empty());
    assert_eq!(r.diagnosis.attempts[0].outcome, "connected");
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
}

/// FreeRDP's shadow server in TLS mode refuses the Client Info password after activation:
/// Font Map (45), then 2.5 s later a close_notify (52) and FIN (53), no screen update ever.
#[test]
fn logon_refused_after_activation() {
    let r = sample("rdp-tls-logon-refused-shadow.pcap");
    let f = with_id(&r, "rdp.disconnected");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].frames, vec![45, 52, 53]);
    assert!(
        f[0].summary
            .contains("before sending a single screen update")
    );
    assert_eq!(r.diagnosis.causes[0].cause, "server_denied");
    let at = &r.diagnosis.attempts[0];
    assert_eq!(at.outcome, "failed");
    let main = at
        .client_codes
        .as_ref()
        .unwrap()
        .disconnect_reason
        .as_ref()
        .unwrap();
    assert_eq!(main.hex, "0x904");
}

/// xrdp stopped by SIGTERM: Disconnect Provider Ultimatum (345, rn-user-requested), its
/// close_notify (347), FIN (351) — after a session that drew its screen. Not a refusal: a
/// warning, and the attempt connected.
#[test]
fn server_shutdown_ultimatum_after_the_session() {
    let r = sample("rdp-server-shutdown-xrdp.pcap");
    let s = r.connections[0].state.as_ref().unwrap();
    assert_eq!(s.ended.how, EndHow::DisconnectUltimatum);
    assert_eq!(s.ended.frame, Some(345));
    assert_eq!(s.ended.code, Some(3));
    assert_eq!(s.ended.tcp_close.map(|c| c.frame), Some(351));
    let f = with_id(&r, "rdp.disconnected");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].frames, vec![345, 351]);
    assert_eq!(r.diagnosis.attempts[0].outcome, "connected");
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
}

/// FreeRDP's proxy relays the end of the session as Set Error Info 0xC
/// (ERRINFO_LOGOFF_BY_USER; tshark shows the bytes `0c 00 00 00` after pduType2 0x2F) in
/// frames 126 and 130, then an ultimatum (132) and FIN (136): the user's own logoff, info.
#[test]
fn logoff_by_user_is_information() {
    let r = sample("rdp-set-error-info-proxy.pcap");
    let s = r.connections[0].state.as_ref().unwrap();
    let codes: Vec<(u32, u64)> = s.error_info.iter().map(|e| (e.code, e.frame)).collect();
    assert_eq!(codes, vec![(0xC, 126), (0xC, 130)]);
    assert_eq!(s.ended.how, EndHow::SetErrorInfo);
    assert_eq!(s.ended.name.as_deref(), Some("ERRINFO_LOGOFF_BY_USER"));
    let f = with_id(&r, "rdp.error_info")[0];
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.frames, vec![126, 130, 136]);
    assert_eq!(r.diagnosis.causes[0].cause, "no_failure_observed");
}

/// FreeRDP's shadow server refuses an unknown user after NTLMSSP_AUTH (19 / 45) with a
/// close_notify (20 / 46) and FIN (21 / …), no errorCode: `credssp.rejected` on both
/// connections, `nla_failure`.
#[test]
fn unknown_user_is_rejected_in_nla() {
    let r = sample("rdp-nla-unknown-user-shadow.pcap");
    let f = with_id(&r, "credssp.rejected");
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].frames, vec![19, 20, 21]);
    assert_eq!(f[1].frames[..2], [45, 46]);
    assert_eq!(r.diagnosis.causes[0].cause, "nla_failure");
    assert_eq!(r.diagnosis.causes[0].confidence, 0.85);
}

/// FreeRDP's proxy whose target is down: Font Map (47), no screen update, Deactivate All
/// (52), ultimatum (54), close_notify (56), FIN (58): the server refused the session.
#[test]
fn proxy_target_down_is_refused_after_activation() {
    let r = sample("rdp-proxy-target-down.pcap");
    let f = with_id(&r, "rdp.disconnected");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].frames, vec![47, 52, 54, 58]);
    assert_eq!(r.diagnosis.causes[0].cause, "server_denied");
    let s = r.connections[0].state.as_ref().unwrap();
    assert_eq!(s.deactivate_all_frame, Some(52));
    assert_eq!(s.ended.how, EndHow::DisconnectUltimatum);
    assert_eq!(s.ended.frame, Some(54));
}
