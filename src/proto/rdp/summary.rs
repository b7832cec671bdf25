//! One connection's RDP setup, gathered from its observations: what the client asked for,
//! what the server chose, the client and server settings. A view for detectors and reports;
//! it judges nothing.

use super::mcs::{ClientSettings, ServerSettings};
use super::x224::{self, ConnectionConfirm, ConnectionRequest};
use crate::flow::Side;
use crate::proto::observation::{Observation, Observed};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RdpSetup {
    /// Frame of the Connection Request (none when the capture starts after it).
    pub request_frame: Option<u64>,
    pub cookie: Option<String>,
    pub routing_token: Option<String>,
    /// `ip:port` of an `msts=` routing token.
    pub routing_target: Option<String>,
    pub correlation_id: Option<String>,
    /// No RDP_NEG_REQ: a legacy client asking for standard RDP security.
    pub legacy_request: bool,
    pub requested_protocols: Vec<String>,
    pub requested_protocols_raw: u32,
    pub request_flags: Option<u8>,
    pub restricted_admin: bool,
    pub redirected_authentication: bool,
    pub confirm_frame: Option<u64>,
    /// `success`, `failure`, `no_confirm` (no Connection Confirm seen), `decode_error`.
    pub result: &'static str,
    pub selected_protocol: Option<String>,
    pub selected_protocol_raw: Option<u32>,
    pub response_flags: Option<u8>,
    pub failure_code: Option<u32>,
    pub failure_name: Option<String>,
    /// Bytes of a proxy handshake the client sent before its Connection Request (e.g. SOCKS5).
    pub tunnel_prefix_bytes: Option<usize>,
    pub socks5_target: Option<String>,
    /// The client's first TLS record (its ClientHello) after negotiation.
    pub tls_start_frame: Option<u64>,
    pub mcs_connect_initial_frame: Option<u64>,
    pub mcs_connect_response_frame: Option<u64>,
    pub client: Option<ClientSettings>,
    pub server: Option<ServerSettings>,
    pub decode_errors: Vec<String>,
    /// Setup ended by the server or client: `(frame, who, "MCS Disconnect Provider Ultimatum (user-requested)")`.
    pub disconnect: Option<SetupDisconnect>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetupDisconnect {
    pub frame: u64,
    pub from: Side,
    pub message: String,
}

/// T.125 DPUm reason names.
pub fn dpum_reason_name(reason: u8) -> &'static str {
    match reason {
        0 => "domain-disconnected",
        1 => "provider-initiated",
        2 => "token-purged",
        3 => "user-requested",
        4 => "channel-purged",
        _ => "unknown",
    }
}

impl RdpSetup {
    /// The setup of a connection whose observations include a Connection Request (or, for a
    /// capture that starts after it, a Connection Confirm).
    pub fn from_observations(obs: &[Observation]) -> Option<RdpSetup> {
        let req: Option<(&Observation, &ConnectionRequest)> =
            obs.iter().find_map(|o| match &o.what {
                Observed::RdpConnectionRequest(r) => Some((o, r)),
                _ => None,
            });
        let cc: Option<(&Observation, &ConnectionConfirm)> =
            obs.iter().find_map(|o| match &o.what {
                Observed::RdpConnectionConfirm(c) => Some((o, c)),
                _ => None,
            });
        let errors: Vec<String> = obs
            .iter()
            .filter_map(|o| match &o.what {
                Observed::DecodeError {
                    decoder,
                    offset,
                    reason,
                } => Some(format!(
                    "frame {}: {decoder} at offset {offset}: {reason}",
                    o.frame
                )),
                _ => None,
            })
            .collect();
        let negotiation_error = obs.iter().any(|o| {
            matches!(&o.what, Observed::DecodeError { decoder, .. } if decoder.starts_with("x224"))
        });
        if req.is_none() && cc.is_none() && !negotiation_error {
            return None;
        }
        let neg = req.and_then(|(_, r)| r.negotiation);
        let requested = req.map_or(0, |(_, r)| r.requested_protocols());
        let mut s = RdpSetup {
            request_frame: req.map(|(o, _)| o.frame),
            cookie: req.and_then(|(_, r)| r.cookie.clone()),
            routing_token: req.and_then(|(_, r)| r.routing_token.as_ref().map(|t| t.text.clone())),
            routing_target: req
                .and_then(|(_, r)| r.routing_token.as_ref().and_then(|t| t.target.clone())),
            correlation_id: req.and_then(|(_, r)| r.correlation_id.clone()),
            legacy_request: req.is_some() && neg.is_none(),
            requested_protocols: if req.is_some() {
                x224::protocol_names(requested)
            } else {
                Vec::new()
            },
            requested_protocols_raw: requested,
            request_flags: neg.map(|n| n.flags),
            restricted_admin: neg.is_some_and(|n| {
                n.flags & x224::NegotiationRequest::RESTRICTED_ADMIN_MODE_REQUIRED != 0
            }),
            redirected_authentication: neg.is_some_and(|n| {
                n.flags & x224::NegotiationRequest::REDIRECTED_AUTHENTICATION_MODE_REQUIRED != 0
            }),
            confirm_frame: cc.map(|(o, _)| o.frame),
            result: "no_confirm",
            selected_protocol: None,
            selected_protocol_raw: None,
            response_flags: None,
            failure_code: None,
            failure_name: None,
            tunnel_prefix_bytes: None,
            socks5_target: None,
            tls_start_frame: None,
            mcs_connect_initial_frame: None,
            mcs_connect_response_frame: None,
            client: None,
            server: None,
            decode_errors: errors,
            disconnect: None,
        };
        match cc.map(|(_, c)| *c) {
            Some(ConnectionConfirm::Response {
                flags,
                selected_protocol,
            }) => {
                s.result = "success";
                s.selected_protocol = Some(x224::selected_protocol_name(selected_protocol));
                s.selected_protocol_raw = Some(selected_protocol);
                s.response_flags = Some(flags);
            }
            Some(ConnectionConfirm::NoNegotiation) => {
                s.result = "success";
                s.selected_protocol = Some("RDP".into());
                s.selected_protocol_raw = Some(0);
            }
            Some(ConnectionConfirm::Failure { code }) => {
                s.result = "failure";
                s.failure_code = Some(code);
                s.failure_name = Some(x224::NegotiationFailure { code }.name());
            }
            None if negotiation_error => s.result = "decode_error",
            None => {}
        }
        for o in obs {
            match &o.what {
                Observed::TunnelPrefix {
                    bytes,
                    socks5_target,
                } if o.from == Side::Client => {
                    s.tunnel_prefix_bytes = Some(*bytes);
                    s.socks5_target = socks5_target.clone();
                }
                Observed::TlsStart { .. }
                    if o.from == Side::Client && s.tls_start_frame.is_none() =>
                {
                    s.tls_start_frame = Some(o.frame)
                }
                Observed::McsConnectInitial(c) => {
                    s.mcs_connect_initial_frame = Some(o.frame);
                    s.client = Some((**c).clone());
                }
                Observed::McsDisconnectProviderUltimatum { reason } if s.disconnect.is_none() => {
                    s.disconnect = Some(SetupDisconnect {
                        frame: o.frame,
                        from: o.from,
                        message: format!(
                            "MCS Disconnect Provider Ultimatum ({})",
                            dpum_reason_name(*reason)
                        ),
                    });
                }
                Observed::X224DisconnectRequest if s.disconnect.is_none() => {
                    s.disconnect = Some(SetupDisconnect {
                        frame: o.frame,
                        from: o.from,
                        message: "X.224 Disconnect Request".into(),
                    });
                }
                Observed::McsConnectResponse(r) => {
                    s.mcs_connect_response_frame = Some(o.frame);
                    s.server = Some((**r).clone());
                }
                _ => {}
            }
        }
        Some(s)
    }

    /// One line: `cookie, requested → selected (or failure)`.
    pub fn outcome_line(&self) -> String {
        let requested = if self.requested_protocols.is_empty() {
            "?".to_string()
        } else {
            self.requested_protocols.join("|")
        };
        let outcome = match self.result {
            "success" => self.selected_protocol.clone().unwrap_or_default(),
            "failure" => format!("FAILURE {}", self.failure_name.clone().unwrap_or_default()),
            "decode_error" => "malformed".into(),
            _ => "no answer".into(),
        };
        let legacy = if self.legacy_request { " (legacy)" } else { "" };
        format!("{requested}{legacy} → {outcome}")
    }
}
