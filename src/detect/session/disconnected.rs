//! `rdp.disconnected`: the server ended the RDP connection with an MCS Disconnect Provider
//! Ultimatum or a Deactivate All PDU (MS-RDPBCGR 1.3.1.4.2, 2.2.3.1) before the session
//! became active or before its logon notification, and without a Set Error Info saying why:
//! the server refused the session. Only decrypted or clear-text connection sequences after
//! the MCS Connect Response are judged here (earlier ones are `rdp.setup_disconnect`).

use super::{StateView, known_words};
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::state::{EndHow, Stage};

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let s = v.state;
        if !s.error_info.is_empty() || s.stage < Stage::Mcs {
            continue;
        }
        // An ultimatum before the MCS Connect Response is `rdp.setup_disconnect`'s.
        let by_server_ultimatum = s.ended.how == EndHow::DisconnectUltimatum
            && s.ended.by == Some(Side::Server)
            && s.mcs_connect_response_frame
                .zip(s.ended.frame)
                .is_some_and(|(response, end)| response < end);
        let deactivated = s
            .deactivate_all_frame
            .filter(|_| s.stage < Stage::Active || s.logon_frame.is_none());
        if !by_server_ultimatum && deactivated.is_none() {
            continue;
        }
        if s.reached_active() && s.logon_frame.is_some() {
            continue;
        }
        let mut frames: Vec<u64> = deactivated.into_iter().collect();
        if by_server_ultimatum {
            frames.extend(s.ended.frame);
        }
        frames.extend(s.ended.tcp_close.map(|c| c.frame));
        frames.sort_unstable();
        frames.dedup();
        let what = if by_server_ultimatum {
            format!(
                "an MCS Disconnect Provider Ultimatum ({})",
                s.ended.name.as_deref().unwrap_or("reason unknown")
            )
        } else {
            "a Deactivate All PDU".to_string()
        };
        let before = if s.reached_active() {
            "before any logon notification"
        } else {
            "before the session became active"
        };
        let mut f = Finding::new(
            "rdp.disconnected",
            if s.reached_active() {
                Severity::Warning
            } else {
                Severity::Error
            },
            v.conversation.stream,
            frames,
            format!(
                "the server ended the connection with {what} {before}, at stage \"{}\", without Set Error Info ({})",
                s.stage.words(),
                known_words(s.ended.known)
            ),
        );
        f.meaning = Some("The server refused the session without giving a code: its event log (TerminalServices-RemoteConnectionManager, RdpCoreTS, or xrdp's log) names the reason.".into());
        out.push(f);
    }
    out
}
