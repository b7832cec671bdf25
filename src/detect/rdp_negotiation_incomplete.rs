//! `rdp.negotiation_incomplete`: a Connection Request that never got a Connection Confirm,
//! whether the server's TCP acknowledged the request (an ACK covering its last byte: the
//! request was delivered and the server stayed silent) or not (not delivered, as far as the
//! capture shows), and who closed the connection.

use super::{Finding, RdpConnection, Severity};
use crate::analyze::Analysis;
use crate::flow::Side;
use crate::flow::conversation_end;

pub fn detect(conns: &[RdpConnection<'_>], a: &Analysis) -> Vec<Finding> {
    conns
        .iter()
        .filter(|c| c.setup.result == "no_confirm" && c.setup.request_frame.is_some())
        .map(|c| {
            let conv = c.conversation;
            let (end, end_frame) = conversation_end(conv);
            let server_sent_data = conv.stats(Side::Server).payload_bytes > 0;
            let closed = match end {
                "rst_server" => "the server reset the connection",
                "rst_client" => "the client reset the connection",
                "fin_server" => "the server closed the connection",
                "fin_client" => "the client closed the connection",
                _ if conv.last_frame == a.capture.frames => "the capture ends before any answer",
                _ => "nobody closed it within the capture",
            };
            let answered = if server_sent_data {
                "; the server sent data that is not an X.224 Connection Confirm"
            } else {
                ""
            };
            let request = conv.tcp.as_ref().and_then(|t| {
                t.timeline
                    .packets()
                    .find(|p| Some(p.frame) == c.setup.request_frame && p.from == Side::Client)
            });
            let ack = request.and_then(|p| {
                super::tcp::first_ack_after(
                    conv,
                    Side::Client,
                    p.seq,
                    p.seq.wrapping_add(p.payload_len),
                    p.frame,
                )
            });
            let delivery = match (request, ack) {
                (_, Some(a)) => format!(", acknowledged by the server's TCP (frame {}),", a.frame),
                (Some(_), None) => {
                    " was not acknowledged by the server (not delivered, as far as the capture shows) and".to_string()
                }
                (None, None) => String::new(),
            };
            let mut frames: Vec<u64> = c.setup.request_frame.into_iter().collect();
            frames.extend(ack.map(|a| a.frame));
            frames.extend(end_frame);
            frames.sort_unstable();
            frames.dedup();
            let mut f = Finding::new(
                "rdp.negotiation_incomplete",
                Severity::Warning,
                conv.stream,
                frames,
                format!(
                    "X.224 Connection Request (frame {}){delivery} got no Connection Confirm: {closed}{}{answered}",
                    c.setup.request_frame.unwrap_or(0),
                    end_frame.map(|f| format!(" (frame {f})")).unwrap_or_default()
                ),
            );
            // How the connection ended, in the words of `connections[].end`.
            f.evidence = Some(serde_json::json!({ "end": end, "end_frame": end_frame }));
            f
        })
        .collect()
}
