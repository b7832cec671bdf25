//! `credssp.error`: the server answered NLA with a TSRequest carrying an errorCode (MS-CSSP
//! 2.2.1, versions 3+): the logon was refused and the status says why.

use super::{StateView, at, close_frame, known_words};
use crate::detect::{Finding, Severity};

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter_map(|v| {
            let c = v.state.credssp.as_ref()?;
            let code = c.error_code?;
            let name = c.error_name.as_deref().unwrap_or("unknown status");
            let mut frames: Vec<u64> = c.error_frame.into_iter().collect();
            frames.extend(close_frame(v.state));
            let mut f = Finding::new(
                "credssp.error",
                Severity::Error,
                v.conversation.stream,
                frames,
                format!(
                    "the server refused Network Level Authentication: CredSSP errorCode 0x{code:08X} {name}{} after the client's credentials, {}",
                    at(c.error_frame),
                    known_words(v.state.ended.known)
                ),
            );
            f.evidence = Some(serde_json::json!({
                "error_code": code,
                "error_name": c.error_name,
                "credssp_version": c.server_version,
                "package": c.package,
            }));
            Some(f)
        })
        .collect()
}
