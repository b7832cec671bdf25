//! `rdp.neg_failure`: the server refused the security protocols the client asked for with an
//! RDP_NEG_FAILURE (MS-RDPBCGR 2.2.1.2.2). The user typically sees a generic "can't connect"
//! (mstsc 0x904 or similar); the capture names the real reason.

use super::{Finding, RdpConnection, Severity};

/// What each failure code means for the administrator, and what to change.
pub fn meaning(code: u32) -> &'static str {
    match code {
        1 => {
            "The server requires TLS (its Security Layer is SSL or Negotiate with TLS required) but the client offered only standard RDP security. Let the client negotiate TLS/NLA (mstsc: do not force \"authentication level\"/security layer RDP; FreeRDP: drop /sec:rdp), or set the server's Security Layer to Negotiate."
        }
        2 => {
            "The server is configured for standard RDP security only (Security Layer = RDP) and refuses TLS. The client must retry with standard RDP security, or the server's Security Layer should be set to Negotiate or SSL (recommended)."
        }
        3 => {
            "The server cannot start TLS because it has no usable certificate. Check the Remote Desktop certificate (certlm.msc → Remote Desktop → Certificates), the private-key permissions in MachineKeys, and the SSLCertificateSHA1Hash setting; then Restart-Service TermService -Force."
        }
        4 => {
            "The protocols the client requested are inconsistent with the security already in force (for example a direct CredSSP approach without HYBRID). A client bug or a misbehaving proxy."
        }
        5 => {
            "The server requires Network Level Authentication (CredSSP) and the client did not offer it. Enable NLA on the client (mstsc supports it; FreeRDP: /sec:nla), or — weaker — clear \"Allow connections only from computers running Remote Desktop with Network Level Authentication\" on the server."
        }
        6 => {
            "The server requires TLS with client-certificate authentication (sent only by RDP 6.0 servers)."
        }
        _ => "An RDP_NEG_FAILURE code not defined by MS-RDPBCGR.",
    }
}

pub fn detect(conns: &[RdpConnection<'_>]) -> Vec<Finding> {
    conns
        .iter()
        .filter_map(|c| {
            let s = &c.setup;
            let code = s.failure_code?;
            let confirm = s.confirm_frame?;
            let requested = if s.legacy_request {
                "standard RDP security only (legacy request, no RDP_NEG_REQ)".to_string()
            } else if s.requested_protocols_raw == 0 {
                "RDP security only".to_string()
            } else {
                s.requested_protocols.join("|")
            };
            let mut f = Finding::new(
                "rdp.neg_failure",
                Severity::Error,
                c.conversation.stream,
                s.request_frame.into_iter().chain([confirm]).collect(),
                format!(
                    "client requested {requested} (frame {}); server refused: RDP_NEG_FAILURE {} (code {code}, frame {confirm})",
                    s.request_frame.unwrap_or(0),
                    s.failure_name.clone().unwrap_or_default()
                ),
            );
            f.meaning = Some(meaning(code).to_string());
            f.evidence = Some(serde_json::json!({
                "failure_code": code,
                "failure_name": s.failure_name,
            }));
            Some(f)
        })
        .collect()
}
