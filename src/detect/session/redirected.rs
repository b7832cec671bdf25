//! `rdp.redirected` (info): the server sent a Server Redirection PDU (MS-RDPBCGR 2.2.13.1) —
//! a broker or farm member sending the client to another host. The close that follows is
//! expected; the next connection goes to the target.

use super::{StateView, known_words};
use crate::detect::{Finding, Severity};

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter_map(|v| {
            let frame = v.state.redirection_frame?;
            let mut f = Finding::new(
                "rdp.redirected",
                Severity::Info,
                v.conversation.stream,
                vec![frame],
                format!(
                    "the server redirected the client to {} (frame {frame}, {})",
                    v.state
                        .redirected_to
                        .as_deref()
                        .unwrap_or("a target not named in the PDU"),
                    known_words(v.state.ended.known)
                ),
            );
            f.evidence = Some(serde_json::json!({ "target": v.state.redirected_to }));
            Some(f)
        })
        .collect()
}
