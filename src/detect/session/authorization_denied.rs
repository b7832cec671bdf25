//! `rdp.authorization_denied`: under HYBRID_EX the server's Early User Authorization Result
//! (MS-RDPBCGR 2.2.10.2) was not AUTHZ_SUCCESS: the user authenticated but may not log on
//! over Remote Desktop.

use super::{StateView, at, close_frame, known_words};
use crate::detect::{Finding, Severity};

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter_map(|v| {
            let r = v.state.early_authorization.as_ref()?;
            if r.code == 0 {
                return None;
            }
            let mut frames = vec![r.frame];
            frames.extend(close_frame(v.state));
            let mut f = Finding::new(
                "rdp.authorization_denied",
                Severity::Error,
                v.conversation.stream,
                frames,
                format!(
                    "the server's Early User Authorization Result is 0x{:08X} {}{}: the credentials were accepted, the Remote Desktop logon was not ({})",
                    r.code,
                    r.name.as_deref().unwrap_or("unknown result"),
                    at(Some(r.frame)),
                    known_words(v.state.ended.known)
                ),
            );
            f.evidence = Some(serde_json::json!({ "result": r.code, "name": r.name }));
            Some(f)
        })
        .collect()
}
