//! `rdp.client_hello_missing`: the server's X.224 Connection Confirm selected a TLS-based
//! protocol (MS-RDPBCGR 2.2.1.2.1 RDP_NEG_RSP: SSL, HYBRID, HYBRID_EX, RDSTLS), the client's
//! TCP acknowledged it, and then nothing came from the client — no TLS ClientHello
//! (MS-RDPBCGR 5.4.5.1), no retransmission, no FIN, no reset — for longer than
//! [`HANDSHAKE_STALL_SECS`] until the capture ended, the connection still open.
//!
//! An RDP client starts TLS within milliseconds of the Connection Confirm; no prompt comes
//! before it (certificate prompts follow the server's certificate). So when a capture that
//! is not the client's own (the client's packets arrive routed, the server's do not) sees
//! this, the ClientHello was lost on the path together with everything after it. Only
//! reported when the silence is visible: the capture's recorded end (pcapng `isb_endtime`)
//! or later packets of other connections reach past the threshold.

use super::{Finding, RdpConnection, Severity};
use crate::analyze::Analysis;
use crate::detect::thresholds::HANDSHAKE_STALL_SECS;
use crate::flow::Side;
use crate::flow::timeline::PacketMeta;
use crate::net::TcpFlags;
use crate::state::rst_evidence::hops;

pub fn detect(conns: &[RdpConnection<'_>], a: &Analysis) -> Vec<Finding> {
    let capture_end = match (a.capture.capture_end, a.capture.last_ts) {
        (Some(end), Some(last)) => end.max(last),
        (end, last) => match end.or(last) {
            Some(t) => t,
            None => return Vec::new(),
        },
    };
    let mut out = Vec::new();
    for c in conns {
        let conv = c.conversation;
        let (Some(confirm_frame), Some(selected)) =
            (c.setup.confirm_frame, c.setup.selected_protocol_raw)
        else {
            continue;
        };
        if c.setup.result != "success" || selected == 0 || c.setup.tls_start_frame.is_some() {
            continue;
        }
        let Some(tcp) = conv.tcp.as_ref() else {
            continue;
        };
        let Some(confirm) = tcp.timeline.packets().find(|p| p.frame == confirm_frame) else {
            continue;
        };
        let after: Vec<&PacketMeta> = tcp
            .timeline
            .packets()
            .filter(|p| p.frame > confirm_frame)
            .collect();
        // The client only acknowledged; nobody closed.
        let client_after: Vec<&&PacketMeta> =
            after.iter().filter(|p| p.from == Side::Client).collect();
        let Some(last_ack) = client_after.last() else {
            continue;
        };
        if client_after.iter().any(|p| p.payload_len > 0)
            || after
                .iter()
                .any(|p| p.flags & (TcpFlags::FIN | TcpFlags::RST) != 0)
        {
            continue;
        }
        let silence = last_ack.ts.secs_until(capture_end);
        if silence <= HANDSHAKE_STALL_SECS {
            continue;
        }
        let client_hops = hops(last_ack.ttl);
        let server_hops = hops(confirm.ttl);
        if client_hops == 0 && server_hops > 0 {
            // The client's own capture: it did not send the ClientHello at all.
            continue;
        }
        let until = if a.capture.capture_end.is_some() {
            "until the capture ended (the file's interface statistics record when)"
        } else {
            "until the capture's last packet"
        };
        let vantage = if server_hops == 0 && client_hops > 0 {
            format!(
                "; captured next to the server (its packets TTL {}, the client's TTL {}: {client_hops} hop(s) away)",
                confirm.ttl, last_ack.ttl
            )
        } else {
            String::new()
        };
        let mut f = Finding::new(
            "rdp.client_hello_missing",
            Severity::Error,
            conv.stream,
            vec![confirm_frame, last_ack.frame],
            format!(
                "the server selected {} in its X.224 Connection Confirm (frame {confirm_frame}) and the client acknowledged it (frame {}), then nothing came from the client — no TLS ClientHello, no retransmission, no FIN or reset — for {silence:.1} s {until}; the connection stayed open{vantage}",
                c.setup.selected_protocol.as_deref().unwrap_or("TLS"),
                last_ack.frame,
            ),
        );
        f.meaning = Some(
            "An RDP client sends its TLS ClientHello within milliseconds of the Connection Confirm, with no prompt before it. It never reached the server and the client neither retried nor closed: a device on the path took the ClientHello and cut the client off — typically a firewall or IPS inspecting port 3389 that resets the TLS start (answering the client with a reset in the server's name) or drops it. Check the firewalls' threat / application logs for the client's address at this time; a capture on the client shows the reset.".into(),
        );
        out.push(f);
    }
    out
}
