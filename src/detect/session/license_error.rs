//! `rdp.license_error`: the server ended licensing with a LICENSE_ERROR_MESSAGE other than
//! STATUS_VALID_CLIENT (MS-RDPBCGR 2.2.1.12.1.3; MS-RDPELE 2.2.2.7).

use super::{StateView, at, close_frame, known_words};
use crate::detect::{Finding, Severity};
use crate::state::sequence::STATUS_VALID_CLIENT;

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter_map(|v| {
            let l = v.state.license.as_ref()?;
            if l.code == STATUS_VALID_CLIENT {
                return None;
            }
            let mut frames = vec![l.frame];
            frames.extend(close_frame(v.state));
            let active = v.state.reached_active();
            let mut f = Finding::new(
                "rdp.license_error",
                if active {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                v.conversation.stream,
                frames,
                format!(
                    "licensing ended with error 0x{:X} {}{} ({}){}",
                    l.code,
                    l.name.as_deref().unwrap_or("unknown license error"),
                    at(Some(l.frame)),
                    known_words(v.state.ended.known),
                    if active {
                        "; the session still became active"
                    } else {
                        ""
                    }
                ),
            );
            f.evidence = Some(serde_json::json!({ "license_error": l.code, "name": l.name }));
            Some(f)
        })
        .collect()
}
