//! `rdp.setup_disconnect`: a side ended the RDP connection setup explicitly — MCS Disconnect
//! Provider Ultimatum or X.224 Disconnect Request — before the MCS Connect Response. Servers
//! do this when they refuse the negotiated security after all (xrdp with TLS required and a
//! client asking for standard RDP security).

use super::{Finding, RdpConnection, Severity};

pub fn detect(conns: &[RdpConnection<'_>]) -> Vec<Finding> {
    conns
        .iter()
        .filter_map(|c| {
            let s = &c.setup;
            let d = s.disconnect.as_ref()?;
            // The server said why in Set Error Info: `rdp.error_info` reports it.
            if !c.state.error_info.is_empty() {
                return None;
            }
            if s.mcs_connect_response_frame.is_some_and(|f| f < d.frame) {
                return None;
            }
            let who = match d.from {
                crate::flow::Side::Client => "client",
                crate::flow::Side::Server => "server",
            };
            let negotiated = match (s.selected_protocol.as_deref(), s.selected_protocol_raw, s.confirm_frame) {
                (Some(name), Some(raw), Some(f)) => Some((name, raw, f)),
                _ => None,
            };
            let after = match negotiated {
                Some((name, _, f)) => format!(" after negotiating {name} (frame {f})"),
                None => String::new(),
            };
            let mut frames: Vec<u64> = s.confirm_frame.into_iter().collect();
            frames.push(d.frame);
            let mut f = Finding::new(
                "rdp.setup_disconnect",
                if d.from == crate::flow::Side::Server { Severity::Error } else { Severity::Warning },
                c.conversation.stream,
                frames,
                format!("{who} ended the connection setup with {} (frame {}){after}", d.message, d.frame),
            );
            let mut evidence = serde_json::json!({ "from": d.from, "frame": d.frame });
            if let Some((name, raw, _)) = negotiated {
                evidence["selected_protocol"] = name.into();
                evidence["selected_protocol_raw"] = raw.into();
            }
            f.evidence = Some(evidence);
            if d.from == crate::flow::Side::Server && s.selected_protocol_raw == Some(0) {
                f.meaning = Some("The server accepted the connection request but refuses standard RDP security at the next step — its security layer requires TLS. Let the client negotiate TLS/NLA (FreeRDP: drop /sec:rdp).".into());
            }
            Some(f)
        })
        .collect()
}
