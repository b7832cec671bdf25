//! `rdp.weak_security`: standard RDP security selected (no TLS: the server is not
//! authenticated and the session can be intercepted), or an encryption level of none or low
//! (MS-RDPBCGR 2.2.1.4.3, 5.3).

use super::{Finding, RdpConnection, Severity};
use crate::proto::rdp::mcs::{encryption_level_name, encryption_method_name};

pub fn detect(conns: &[RdpConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let s = &c.setup;
        if s.result != "success" || s.selected_protocol_raw != Some(0) {
            continue;
        }
        let security = s.server.as_ref().and_then(|srv| srv.security.as_ref());
        let level = security.map(|sec| sec.encryption_level);
        let mut frames: Vec<u64> = s.confirm_frame.or(s.request_frame).into_iter().collect();
        frames.extend(s.mcs_connect_response_frame);
        let detail = match security {
            Some(sec) => format!(
                "; encryption {} at level {}",
                encryption_method_name(sec.encryption_method),
                encryption_level_name(sec.encryption_level)
            ),
            None => String::new(),
        };
        let weak_level = matches!(level, Some(0 | 1));
        let mut f = Finding::new(
            "rdp.weak_security",
            Severity::Warning,
            c.conversation.stream,
            frames,
            format!(
                "standard RDP security selected (frame {}): no TLS, the server is not authenticated{detail}{}",
                s.confirm_frame.unwrap_or(s.request_frame.unwrap_or(0)),
                if weak_level {
                    " — traffic is barely or not encrypted"
                } else {
                    ""
                }
            ),
        );
        f.meaning = Some("Standard RDP security uses RC4 and a server key clients cannot verify; a man-in-the-middle can read the session. Set the server's Security Layer to SSL (TLS) and require NLA.".into());
        out.push(f);
    }
    out
}
