//! `rdp.multitransport`: the server offered RDP over UDP with an Initiate Multitransport
//! Request (MS-RDPBCGR 2.2.15.1) and the client declined it (hrResponse E_ABORT, 2.2.15.2)
//! or never answered — the session runs on TCP only.

use super::StateView;
use crate::detect::{Finding, Severity};

/// MS-RDPBCGR 2.2.15.2 hrResponse E_ABORT: the client could not set up the UDP transport.
const E_ABORT: u32 = 0x8000_4004;

pub fn detect(views: &[StateView<'_>]) -> Vec<Finding> {
    views
        .iter()
        .filter_map(|v| {
            let m = v.state.multitransport.as_ref()?;
            let answer = match (m.response_frame, m.hr_response) {
                (Some(f), Some(E_ABORT)) => {
                    format!("the client answered E_ABORT (frame {f}): it could not set up UDP")
                }
                (Some(_), Some(0)) => return None,
                (Some(f), Some(hr)) => format!("the client answered 0x{hr:08X} (frame {f})"),
                _ => "the client never answered".to_string(),
            };
            let protocol = match m.requested_protocol {
                0x01 => "reliable UDP (TRANSPORTTYPE_UDPFECR)",
                0x02 => "lossy UDP (TRANSPORTTYPE_UDPFECL)",
                _ => "a UDP transport",
            };
            let mut frames = vec![m.request_frame];
            frames.extend(m.response_frame);
            let mut f = Finding::new(
                "rdp.multitransport",
                if m.hr_response == Some(E_ABORT) {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                v.conversation.stream,
                frames,
                format!(
                    "the server offered {protocol} (frame {}); {answer} — the session stays on TCP",
                    m.request_frame
                ),
            );
            f.evidence = Some(serde_json::json!({
                "requested_protocol": m.requested_protocol,
                "hr_response": m.hr_response,
            }));
            Some(f)
        })
        .collect()
}
