//! `gateway.http_error`: the RD Gateway (or a proxy in front of it) answers a gateway
//! channel request with an HTTP error other than the 401 authentication challenge — e.g.
//! 403 / 404 (the URL is not an RD Gateway: FreeRDP falls back to RPC over HTTP), 405 /
//! 501 (a proxy that does not pass the custom RDG methods), 502 / 503 / 504 (a proxy that
//! cannot reach the gateway, or the gateway service is down).

use super::{GatewayView, is_gateway_method};
use crate::detect::{Finding, Severity};

pub fn detect(views: &[GatewayView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let g = &v.gateway;
        for r in &g.responses {
            if r.status < 400 || r.status == 401 {
                continue;
            }
            let method = r.answers_method.as_deref().unwrap_or("");
            if !is_gateway_method(method) {
                continue;
            }
            let frames: Vec<u64> = r.answers_frame.into_iter().chain([r.frame]).collect();
            let mut f = Finding::new(
                "gateway.http_error",
                Severity::Error,
                v.conversation.stream,
                frames,
                format!(
                    "{} answered {method} with HTTP {} {} (frame {}){}",
                    v.conversation.server,
                    r.status,
                    r.reason,
                    r.frame,
                    g.server
                        .as_deref()
                        .map(|s| format!(", Server: {s}"))
                        .unwrap_or_default()
                ),
            );
            f.meaning = Some(
                match r.status {
                    404 | 403 | 410 => "The URL does not lead to an RD Gateway HTTP endpoint (wrong gateway name or path, or a proxy publishing another site).",
                    405 | 501 => "Something in the path does not accept the gateway's custom HTTP methods (RDG_OUT_DATA / RDG_IN_DATA): usually a reverse proxy or WAF.",
                    502..=504 => "A proxy in front of the gateway could not reach it, or the gateway service is not running.",
                    _ => "The gateway or a proxy in front of it refused the channel request.",
                }
                .into(),
            );
            out.push(f);
        }
    }
    out
}
