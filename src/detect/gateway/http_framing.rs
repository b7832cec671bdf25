//! `gateway.http_framing`: a gateway response that HTTP cannot frame — neither
//! `Content-Length` nor chunked, so by RFC 9112 6.3 its body runs until the connection
//! closes — while the client goes on using the connection: it sends its next request
//! during that body, or the next response arrives inside it. RD Gateway clients take such
//! a body's length as 0 (FreeRDP `http_response_recv`, RDP-FACTS §4.5), so the body's bytes
//! are read as the next response and the exchange falls out of step. The one response that
//! legitimately has no length is the `200` that opens the OUT channel's RDG packet stream.

use super::GatewayView;
use crate::detect::{Finding, Severity};
use crate::proto::http::Framing;

pub fn detect(views: &[GatewayView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let g = &v.gateway;
        for r in &g.responses {
            if r.framing != Framing::CloseDelimited {
                continue;
            }
            let opens_out_channel =
                r.status == 200 && matches!(r.answers_method.as_deref(), Some("RDG_OUT_DATA"));
            if opens_out_channel {
                continue;
            }
            let next_request = g
                .requests
                .iter()
                .find(|q| q.while_close_delimited_response == Some(r.frame));
            let next_response = g
                .responses
                .iter()
                .find(|n| n.inside_close_delimited_body_of == Some(r.frame));
            if next_request.is_none() && next_response.is_none() {
                continue;
            }
            let mut frames = vec![r.frame];
            frames.extend(next_request.map(|q| q.frame));
            frames.extend(next_response.map(|n| n.frame));
            let mut f = Finding::new(
                "gateway.http_framing",
                Severity::Error,
                v.conversation.stream,
                frames,
                format!(
                    "{} sent HTTP {} {} (frame {}) with a {}-byte body but neither Content-Length nor chunked encoding{}{}",
                    v.conversation.server,
                    r.status,
                    r.reason,
                    r.frame,
                    r.body_bytes_in_first_record,
                    next_request
                        .map(|q| format!(
                            "; the client sent its next {} (frame {}) without waiting for the body to end",
                            q.method, q.frame
                        ))
                        .unwrap_or_default(),
                    next_response
                        .map(|n| format!(
                            "; the next response (HTTP {}, frame {}) arrived inside that body",
                            n.status, n.frame
                        ))
                        .unwrap_or_default()
                ),
            );
            f.meaning = Some(
                "Gateway clients read a response without a length as having no body, so the body's bytes are parsed as the next response and the connection fails. A Windows RD Gateway sends Content-Length; a proxy or load balancer that rewrites responses usually removed it.".into(),
            );
            out.push(f);
        }
    }
    out
}
