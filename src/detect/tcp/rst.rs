//! `tcp.rst`: a genuine reset that ended a connection before it reached the session: who
//! sent it, in which phase, after which message. Resets that follow a FIN (an ordinary
//! abortive close), answer a SYN (`tcp.refused`), look forged (`tcp.rst_injected`) or follow
//! an RDP-level refusal already reported are left out.

use super::TcpView;
use crate::analyze::Analysis;
use crate::detect::{Finding, Severity};
use crate::net::TcpFlags;
use crate::proto::observation::Observed;
use crate::state::phase::Phase;
use crate::state::rst_evidence::{judge_resets, side_word};

pub fn detect(views: &[TcpView<'_>], a: &Analysis) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        let c = v.conversation;
        let p = &v.phase;
        if p.close == "none"
            || p.closed_by == "middlebox"
            || !p.close.starts_with("rst")
            || p.phase >= Phase::Session
        {
            continue;
        }
        let Some(t) = c.tcp.as_ref() else { continue };
        // Resets before the handshake completed are refusals or a scanner's half-open probes;
        // a client resetting before any data is a probe or a client giving up at once.
        if (t.handshake_ack_frame.is_none() && t.syn_frame.is_some())
            || p.phase < Phase::TcpEstablished
        {
            continue;
        }
        let no_data = c.to_server.payload_bytes + c.to_client.payload_bytes == 0;
        let Some(frame) = p.close_frame else { continue };
        if judge_resets(c)
            .iter()
            .any(|r| r.frame == frame && r.injected())
        {
            continue;
        }
        let obs = a.observations.get(&c.stream);
        if let Some(setup) = a.states.get(&c.stream).and_then(|s| s.setup.as_ref())
            && (setup.result == "failure" || setup.disconnect.is_some())
        {
            continue;
        }
        let Some(rst) = t.timeline.packets().find(|x| x.frame == frame) else {
            continue;
        };
        if no_data && (rst.from == crate::flow::Side::Client || t.handshake_ack_frame.is_none()) {
            continue;
        }
        let who = side_word(rst.from);
        // The last message before the reset: an observation, else the last payload packet.
        let last_obs = obs
            .into_iter()
            .flatten()
            .filter(|o| o.frame < frame && !matches!(o.what, Observed::DecodeError { .. }))
            .max_by_key(|o| o.frame);
        let last_data = t
            .timeline
            .packets()
            .filter(|x| x.frame < frame && x.payload_len > 0)
            .last();
        let after = match (last_obs, last_data) {
            (Some(o), Some(d)) if d.frame > o.frame => format!(
                "after {} bytes from the {} (frame {})",
                d.payload_len,
                side_word(d.from),
                d.frame
            ),
            (Some(o), _) => format!(
                "after the {}'s {} (frame {})",
                side_word(o.from),
                describe(&o.what),
                o.frame
            ),
            (None, Some(d)) => format!(
                "after {} bytes from the {} (frame {})",
                d.payload_len,
                side_word(d.from),
                d.frame
            ),
            (None, None) => "before any data".to_string(),
        };
        let flags = if TcpFlags(rst.flags).ack() {
            "RST+ACK"
        } else {
            "RST"
        };
        let mut frames = Vec::new();
        if let Some(d) = last_data {
            frames.push(d.frame);
        }
        frames.push(frame);
        let mut f = Finding::new(
            "tcp.rst",
            Severity::Warning,
            c.stream,
            frames,
            format!(
                "the {who} reset the connection ({flags}, frame {frame}) in phase \"{}\", {after}",
                p.phase.words()
            ),
        );
        f.evidence = Some(serde_json::json!({
            "frame": frame,
            "from": rst.from,
            "phase": p.phase,
        }));
        f.meaning = Some(if rst.from == crate::flow::Side::Server {
            "The server aborted the connection: a policy or protocol failure on its side (its event logs — RemoteDesktopServices-RdpCoreTS, Schannel, Security 4625 — say which)."
        } else {
            "The client aborted the connection: it rejected something the server sent (certificate, authentication result) or the user cancelled."
        }
        .into());
        out.push(f);
    }
    out
}

fn describe(what: &Observed) -> &'static str {
    match what {
        Observed::RdpConnectionRequest(_) => "X.224 Connection Request",
        Observed::RdpConnectionConfirm(_) => "X.224 Connection Confirm",
        Observed::McsConnectInitial(_) => "MCS Connect Initial",
        Observed::McsConnectResponse(_) => "MCS Connect Response",
        Observed::TlsStart { .. } => "first TLS record",
        Observed::Tls(_) => "TLS message",
        _ => "message",
    }
}
