//! `rdp.disconnected`: the server ended the RDP connection before the user had a session,
//! without Set Error Info saying why — the server refused the session:
//! - an MCS Disconnect Provider Ultimatum after the MCS Connect Response, or a Deactivate All
//!   (MS-RDPBCGR 1.3.1.4.2, 2.2.3.1), before the session became active or before its logon
//!   notification (earlier ultimatums are `rdp.setup_disconnect`);
//! - or, read from the decrypted stream, a close (TLS alert, FIN, reset) after connection
//!   finalization before the server sent a single screen update (MS-RDPBCGR 2.2.9.1): a
//!   logon refused after activation, as FreeRDP's shadow server does when PAM refuses the
//!   Client Info credentials.

use super::{StateView, closing_words, known_words};
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::state::{ConnectionState, EndHow, Known, Stage};

/// Activated, read from the decrypted (or clear) stream, and not one screen update from the
/// server.
fn active_without_screen(s: &ConnectionState) -> bool {
    s.reached_active()
        && s.stage_known != Known::Inferred
        && s.traffic
            .is_some_and(|t| t.fast_path_updates + t.slow_path_updates == 0)
}

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
        let closed_without_screen = active_without_screen(s)
            && s.ended.by == Some(Side::Server)
            && matches!(
                s.ended.how,
                EndHow::TlsAlert | EndHow::Fin | EndHow::Rst | EndHow::DisconnectUltimatum
            );
        if !by_server_ultimatum && deactivated.is_none() && !closed_without_screen {
            continue;
        }
        // After an active stage that is only inferred, the logon notification (encrypted)
        // cannot be seen: its absence says nothing.
        if s.reached_active()
            && (s.logon_frame.is_some() || s.stage_known == Known::Inferred)
            && !closed_without_screen
        {
            continue;
        }
        let mut frames: Vec<u64> = deactivated.into_iter().collect();
        if closed_without_screen {
            frames.extend(s.stage_frame(Stage::Active));
        }
        frames.extend(s.ended.frame);
        frames.extend(s.ended.tcp_close.map(|c| c.frame));
        frames.sort_unstable();
        frames.dedup();
        let what = if by_server_ultimatum || closed_without_screen {
            closing_words(&s.ended)
        } else {
            None
        }
        .unwrap_or_else(|| "a Deactivate All PDU".to_string());
        let when = if closed_without_screen {
            format!(
                "after connection finalization (Font Map, frame {}) but before sending a single screen update",
                s.stage_frame(Stage::Active).unwrap_or(0)
            )
        } else if s.reached_active() {
            "before any logon notification".to_string()
        } else {
            format!(
                "before the session became active, at stage \"{}\"",
                s.stage.words()
            )
        };
        let refused = closed_without_screen || !s.reached_active();
        let mut f = Finding::new(
            "rdp.disconnected",
            if refused {
                Severity::Error
            } else {
                Severity::Warning
            },
            v.conversation.stream,
            frames,
            format!(
                "the server ended the connection with {what}{} {when}, without Set Error Info ({})",
                s.ended
                    .frame
                    .map(|f| format!(" (frame {f})"))
                    .unwrap_or_default(),
                known_words(s.ended.known)
            ),
        );
        f.meaning = Some(if closed_without_screen {
            "The server finished the connection sequence, then closed without ever drawing the desktop: it refused the logon after activation (wrong credentials in the Client Info, a logon policy). Its log names the reason (Security log event 4625 on Windows; the server's own log for xrdp / FreeRDP).".into()
        } else {
            "The server refused the session without giving a code: its event log (TerminalServices-RemoteConnectionManager, RdpCoreTS, or xrdp's log) names the reason.".into()
        });
        out.push(f);
    }
    out
}
