//! `credssp.error`: the server answered NLA with a TSRequest carrying an errorCode (MS-CSSP
//! 2.2.1, versions 3+): the logon was refused and the status says why.
//! `credssp.rejected`: read from the decrypted stream, the server closed NLA right after
//! the client's NTLM AUTHENTICATE, with neither its pubKeyAuth (success, MS-CSSP 3.1.5
//! step 4) nor an errorCode — what servers that send no errorCode do on a refused logon
//! (CredSSP version 2 servers, FreeRDP's).

use super::{StateView, at, close_frame, closing_words, known_words};
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::state::{EndHow, Known, Stage};

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    let mut out = errors(views);
    out.extend(rejected(views));
    out
}

fn rejected(views: &[StateView<'_>]) -> Vec<Finding> {
    let mut out: Vec<Finding> = views.iter().filter_map(rejected_unread).collect();
    out.extend(rejected_read(views));
    out
}

/// Without the TLS secrets: the connection reached the NLA step (inferred from the records)
/// and the server ended TLS with an alert there, before its TCP close and before any MCS
/// traffic — a refused logon as servers without an errorCode show it, or another CredSSP
/// failure; the alert's description is encrypted.
fn rejected_unread(v: &StateView<'_>) -> Option<Finding> {
    let s = v.state;
    if s.decrypted
        || s.credssp.is_some()
        || s.stage != Stage::Nla
        || s.ended.how != EndHow::TlsAlert
        || s.ended.by != Some(Side::Server)
        || s.ended.code.is_some()
    {
        return None;
    }
    let nla_frame = s.stage_frame(Stage::Nla)?;
    let end = s.ended.frame?;
    let mut frames = vec![nla_frame, end];
    frames.extend(close_frame(s));
    frames.sort_unstable();
    frames.dedup();
    let mut f = Finding::new(
        "credssp.rejected",
        Severity::Error,
        v.conversation.stream,
        frames,
        format!(
            "the server ended TLS with an alert (frame {end}; its description is encrypted) during the encrypted exchange that follows the TLS handshake (the client's first CredSSP record, frame {nla_frame}), before any MCS traffic: it refused the logon at the NLA step, inferred from the TLS records (the key log would show the CredSSP messages and any errorCode)"
        ),
    );
    f.evidence = Some(serde_json::json!({
        "known": "inferred",
        "alert_frame": end,
        "nla_frame": nla_frame,
    }));
    Some(f)
}

fn rejected_read(views: &[StateView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter_map(|v| {
            let s = v.state;
            let c = s.credssp.as_ref()?;
            let authenticate = c.authenticate_frame?;
            if c.error_code.is_some()
                || c.server_pub_key_auth_frame.is_some()
                || s.stage != Stage::Nla
                || s.ended.by != Some(Side::Server)
                || !matches!(s.ended.how, EndHow::TlsAlert | EndHow::Fin | EndHow::Rst)
            {
                return None;
            }
            let end = s.ended.frame?;
            let mut frames = vec![authenticate, end];
            frames.extend(close_frame(s));
            frames.sort_unstable();
            frames.dedup();
            let how = closing_words(&s.ended)?;
            let mut f = Finding::new(
                "credssp.rejected",
                Severity::Error,
                v.conversation.stream,
                frames,
                format!(
                    "the server answered the client's NTLM AUTHENTICATE (frame {authenticate}) with {how} (frame {end}) instead of its pubKeyAuth: it refused the credentials without an errorCode (CredSSP version {}), {}",
                    c.server_version.map_or("?".to_string(), |v| v.to_string()),
                    known_words(if s.ended.known == Known::Decrypted {
                        Known::Decrypted
                    } else {
                        s.stage_known
                    })
                ),
            );
            f.evidence = Some(serde_json::json!({
                "authenticate_frame": authenticate,
                "credssp_version": c.server_version,
                "package": c.package,
            }));
            Some(f)
        })
        .collect()
}

fn errors(views: &[StateView<'_>]) -> Vec<Finding> {
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
