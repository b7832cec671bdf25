//! `rdp.error_info`: the server's Set Error Info PDU (MS-RDPBCGR 2.2.5.1.1) — the code
//! mstsc shows as the "extended error code" (RDP-FACTS §3.6). Each value is named, and
//! judged by its class: codes that refuse or break a connection are errors; codes that end
//! a running session by policy (idle or session limits, another logon taking the session,
//! an administrator's disconnect) are warnings; a user's own logoff is information.

use super::{StateView, close_frame, known_words};
use crate::detect::{Finding, Severity};

/// What an errorInfo value means for the diagnosis: the cause id, a confidence, why it is
/// not 1, and whether it ends a connection as a failure (`true`) or ends a session by
/// policy or by the user (`false`).
pub struct ErrorInfoMeaning {
    pub cause: Option<&'static str>,
    pub confidence: f64,
    pub reason: &'static str,
    pub failure: bool,
}

/// The meaning of errorInfo `code` (MS-RDPBCGR 2.2.5.1.1, RDP-FACTS §3.2).
pub fn meaning(code: u32) -> ErrorInfoMeaning {
    let m = |cause, confidence, reason, failure| ErrorInfoMeaning {
        cause,
        confidence,
        reason,
        failure,
    };
    const SERVER_SAYS: &str = "the server names the reason itself in Set Error Info";
    match code {
        0x7 | 0x8 => m(
            Some("server_denied"),
            0.9,
            "the server says it denied the connection; which policy denied it is only in its event log",
            true,
        ),
        0x9 => m(Some("insufficient_privileges"), 0.95, SERVER_SAYS, true),
        0xA => m(Some("fresh_credentials_required"), 0.95, SERVER_SAYS, true),
        0x3 => m(Some("idle_timeout"), 0.95, SERVER_SAYS, false),
        0x4 => m(Some("logon_timeout"), 0.95, SERVER_SAYS, false),
        0x5 => m(Some("session_replaced"), 0.95, SERVER_SAYS, false),
        0x1 | 0x2 | 0xB => m(Some("admin_disconnect"), 0.9, SERVER_SAYS, false),
        0xC => m(None, 1.0, SERVER_SAYS, false),
        0x6 | 0xF..=0x1A => m(Some("server_error"), 0.9, SERVER_SAYS, true),
        0x100..=0x10B => m(Some("licensing_failure"), 0.95, SERVER_SAYS, true),
        0x400..=0x412 => m(Some("connection_broker_failure"), 0.9, SERVER_SAYS, true),
        0x1000..=0x7FFF => m(
            Some("protocol_error"),
            0.8,
            "the server rejected something the client sent; which field is only in the server's RdpCoreTS log",
            true,
        ),
        _ => m(
            Some("server_denied"),
            0.5,
            "an errorInfo value this tool has no meaning for",
            true,
        ),
    }
}

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let Some(e) = v.state.error_info.last() else {
            continue;
        };
        let m = meaning(e.code);
        let active = v.state.reached_active();
        let severity = match (m.failure, m.cause) {
            (true, _) => Severity::Error,
            (false, Some(_)) => Severity::Warning,
            (false, None) => Severity::Info,
        };
        let mut frames: Vec<u64> = v.state.error_info.iter().map(|e| e.frame).collect();
        frames.extend(close_frame(v.state));
        let name = e
            .name
            .as_deref()
            .unwrap_or("an errorInfo value not in MS-RDPBCGR");
        let mut f = Finding::new(
            "rdp.error_info",
            severity,
            v.conversation.stream,
            frames,
            format!(
                "the server sent Set Error Info 0x{:08X} {name} (frame {}) {} the session was active, {}; mstsc shows it as extended error code 0x{:X}",
                e.code,
                e.frame,
                if active { "after" } else { "before" },
                known_words(v.state.ended.known),
                e.code
            ),
        );
        f.evidence = Some(serde_json::json!({
            "error_info": e.code,
            "name": e.name,
            "after_active": active,
        }));
        out.push(f);
    }
    out
}
