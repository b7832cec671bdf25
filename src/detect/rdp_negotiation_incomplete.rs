//! `rdp.negotiation_incomplete`: a Connection Request that never got a Connection Confirm,
//! and who closed the connection.

use super::{Finding, RdpConnection, Severity};
use crate::analyze::Analysis;
use crate::flow::Side;
use crate::report::json::conversation_end;

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
            let mut frames: Vec<u64> = c.setup.request_frame.into_iter().collect();
            frames.extend(end_frame);
            Finding::new(
                "rdp.negotiation_incomplete",
                Severity::Warning,
                conv.stream,
                frames,
                format!(
                    "X.224 Connection Request (frame {}) got no Connection Confirm: {closed}{}{answered}",
                    c.setup.request_frame.unwrap_or(0),
                    end_frame.map(|f| format!(" (frame {f})")).unwrap_or_default()
                ),
            )
        })
        .collect()
}
