//! `gateway.auth_denied`: the RD Gateway refused the user's credentials. MS-TSGU 3.3.5.1: the
//! client authenticates the HTTP channel with Negotiate / NTLM legs (RFC 4559, MS-NTHT): a
//! request without `Authorization` gets a bare offer (`401`, `WWW-Authenticate: Negotiate`
//! / `NTLM`), the client's NEGOTIATE leg gets a `401` carrying the server's CHALLENGE token,
//! and its AUTHENTICATE leg gets the answer. Only that last answer can refuse: a `401` is a
//! refusal when it answers the last request of the connection that carried credentials,
//! that request carried the final token (an NTLM AUTHENTICATE, or a one-leg token such as
//! Kerberos inside Negotiate or Basic), and the `401` carries no continuation token (a
//! SPNEGO `reject` is not one). A `401` that arrived inside a previous response's
//! close-delimited body is a framing fault first (`gateway.http_framing`). FreeRDP reports
//! ERRCONNECT_ACCESS_DENIED, mstsc "your credentials did not work".

use super::{GatewayView, is_gateway_method};
use crate::detect::{Finding, Severity};
use crate::proto::http::head::AuthToken;

/// MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE.
const NTLM_AUTHENTICATE: u32 = 3;
/// RFC 4178 4.2.2 negState reject.
const SPNEGO_REJECT: u8 = 2;

/// The request's token is the last one of its scheme's exchange: an NTLM AUTHENTICATE, or a
/// token that is not an NTLM leg (Kerberos AP-REQ, Basic credentials).
fn final_token(t: &AuthToken) -> bool {
    t.ntlm_message.is_none_or(|m| m == NTLM_AUTHENTICATE)
}

/// The 401 asks for another leg: its challenge carries a token that is not a rejection.
fn continuation(t: Option<&AuthToken>) -> bool {
    t.is_some_and(|t| t.spnego_neg_state != Some(SPNEGO_REJECT))
}

fn leg_name(t: &AuthToken) -> String {
    match t.ntlm_message {
        Some(1) => "NTLM NEGOTIATE".into(),
        Some(2) => "NTLM CHALLENGE".into(),
        Some(3) => "NTLM AUTHENTICATE".into(),
        Some(n) => format!("NTLM message type {n}"),
        None => format!("{} token", t.scheme),
    }
}

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
        if continuation(last.www_authenticate_token.as_ref())
            || last.inside_close_delimited_body_of.is_some()
        {
            continue;
        }
        let Some(request) = g
            .requests
            .iter()
            .find(|q| Some(q.frame) == last.answers_frame)
        else {
            continue;
        };
        // The last credential-bearing request of the connection, with its final token.
        let last_credentials = g
            .requests
            .iter()
            .rev()
            .find(|q| q.auth_scheme.is_some())
            .map(|q| q.frame);
        let Some(token) = request.auth_token.as_ref() else {
            continue;
        };
        if !is_gateway_method(&request.method)
            || last_credentials != Some(request.frame)
            || !final_token(token)
        {
            continue;
        }
        let legs = g.auth_legs;
        let mut f = Finding::new(
            "gateway.auth_denied",
            Severity::Error,
            v.conversation.stream,
            vec![request.frame, last.frame],
            format!(
                "the RD Gateway {} answered the {} request with {} credentials ({}, frame {}, {} authentication leg{}) with a final 401 {} (frame {}) that carries no challenge token{}",
                v.conversation.server,
                request.method,
                request.auth_scheme.as_deref().unwrap_or("?"),
                leg_name(token),
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
