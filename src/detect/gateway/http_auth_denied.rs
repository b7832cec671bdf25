//! `gateway.auth_denied`: the RD Gateway's last word on a channel request is `401
//! Unauthorized` to a request that already carried credentials (MS-TSGU 3.3.5.1: the
//! client authenticates the HTTP channel with Negotiate / NTLM legs; a 401 after the final
//! leg means the credentials or the gateway's authentication policy refused the user —
//! FreeRDP reports ERRCONNECT_ACCESS_DENIED, mstsc "your credentials did not work").

use super::{GatewayView, is_gateway_method};
use crate::detect::{Finding, Severity};

pub fn detect(views: &[GatewayView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let g = &v.gateway;
        if g.final_status != Some(401) {
            continue;
        }
        let Some(last) = g
            .responses
            .iter()
            .find(|r| Some(r.frame) == g.final_status_frame && r.status == 401)
        else {
            continue;
        };
        let Some(request) = g
            .requests
            .iter()
            .find(|q| Some(q.frame) == last.answers_frame)
        else {
            continue;
        };
        if !is_gateway_method(&request.method) || request.auth_scheme.is_none() {
            continue;
        }
        let legs = g.auth_legs;
        let mut f = Finding::new(
            "gateway.auth_denied",
            Severity::Error,
            v.conversation.stream,
            vec![request.frame, last.frame],
            format!(
                "the RD Gateway {} answered the {} request with {} credentials (frame {}, {} authentication leg{}) with a final 401 {} (frame {}){}",
                v.conversation.server,
                request.method,
                request.auth_scheme.as_deref().unwrap_or("?"),
                request.frame,
                legs,
                if legs == 1 { "" } else { "s" },
                last.reason,
                last.frame,
                if last.www_authenticate.is_empty() {
                    String::new()
                } else {
                    format!("; it offers {} again", last.www_authenticate.join(", "))
                }
            ),
        );
        f.meaning = Some(
            "The gateway did not accept the user: wrong user name or password, a locked or expired account, or an RD CAP that does not allow this user or authentication method.".into(),
        );
        out.push(f);
    }
    out
}
