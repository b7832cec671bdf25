//! One connection's HTTP exchange and RD Gateway tunnel setup, gathered from its
//! observations ([`crate::proto::http::HttpObserved`], [`super::RdgObserved`]), for reports
//! and detectors. A view: codes are named, never judged.

use super::RdgObserved;
use crate::flow::Side;
use crate::proto::http::head::AuthToken;
use crate::proto::http::{Framing, HttpObserved};
use crate::proto::observation::{Observation, Observed};
use serde::Serialize;

/// A request as the summary lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestSummary {
    pub frame: u64,
    pub method: String,
    pub target: String,
    /// Scheme word of `Authorization` (never the credentials).
    pub auth_scheme: Option<String>,
    /// What its `Authorization` token carries (never the token).
    pub auth_token: Option<AuthToken>,
    pub content_length: Option<u64>,
    pub chunked: bool,
    pub framing: Framing,
    /// Sent while the previous response's close-delimited body was running: its frame.
    pub while_close_delimited_response: Option<u64>,
}

/// A response as the summary lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseSummary {
    pub frame: u64,
    pub status: u16,
    pub reason: String,
    pub answers_method: Option<String>,
    pub answers_frame: Option<u64>,
    pub framing: Framing,
    pub content_length: Option<u64>,
    pub www_authenticate: Vec<String>,
    /// The challenge token it carries, if any (a bare offer has none).
    pub www_authenticate_token: Option<AuthToken>,
    pub body_bytes_in_first_record: u64,
    /// Began inside the previous response's close-delimited body: that response's frame.
    pub inside_close_delimited_body_of: Option<u64>,
    pub previous_body_bytes: Option<u64>,
}

/// An RD Gateway result code with the frame of the packet carrying it.
#[derive(Debug, Clone, Serialize)]
pub struct RdgResult {
    pub frame: u64,
    pub code: u32,
    /// `0x800759DD`.
    pub code_hex: String,
    /// Name from MS-TSGU 2.2.6 (`E_PROXY_TS_CONNECTFAILED`), when known.
    pub name: Option<&'static str>,
}

impl RdgResult {
    fn new(frame: u64, code: u32, name: Option<&'static str>) -> Self {
        RdgResult {
            frame,
            code,
            code_hex: format!("0x{code:08X}"),
            name,
        }
    }
}

/// The CHANNEL_CREATE request: the target the gateway was asked to reach.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelCreateSummary {
    pub frame: u64,
    pub resources: Vec<String>,
    pub alt_resources: Vec<String>,
    pub port: u16,
    pub protocol: u16,
}

/// A CLOSE_CHANNEL or CLOSE_CHANNEL_RESPONSE: who sent it, and its status (with the frame).
#[derive(Debug, Clone, Serialize)]
pub struct CloseSummary {
    pub from: Side,
    pub response: bool,
    #[serde(flatten)]
    pub status: RdgResult,
}

/// Something that stopped decoding of a direction (HTTP or RD Gateway layer).
#[derive(Debug, Clone, Serialize)]
pub struct DecodeProblem {
    pub frame: u64,
    pub from: Side,
    /// `http` or `rdg`.
    pub layer: &'static str,
    pub offset: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BytesMissing {
    pub frame: u64,
    pub from: Side,
    pub bytes: u64,
}

/// Where RD Gateway decoding of a direction stopped after the setup, with the DATA counted.
#[derive(Debug, Clone, Serialize)]
pub struct RdgStopped {
    pub frame: u64,
    pub from: Side,
    pub packets: u32,
    pub data_packets: u32,
    pub data_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebSocketCloseSummary {
    pub frame: u64,
    pub from: Side,
    pub code: Option<u16>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatewaySummary {
    /// What the connection is, from its first request: `out` (`RDG_OUT_DATA`), `in`
    /// (`RDG_IN_DATA`), `websocket` (`RDG_OUT_DATA` answered `101`), `rpc_out` / `rpc_in`
    /// (RPC over HTTP, `RPC_OUT_DATA` / `RPC_IN_DATA`), `http` (anything else).
    pub channel: &'static str,
    pub first_frame: u64,
    /// `RDG-Connection-Id` (pairs the IN and OUT channels of one attempt).
    pub connection_id: Option<String>,
    pub correlation_id: Option<String>,
    pub host: Option<String>,
    pub user_agent: Option<String>,
    pub server: Option<String>,
    pub requests: Vec<RequestSummary>,
    pub responses: Vec<ResponseSummary>,
    /// Requests that carried an `Authorization` header.
    pub auth_legs: usize,
    /// Their schemes, in order of first use.
    pub auth_schemes: Vec<String>,
    /// The last final (non-1xx) response.
    pub final_status: Option<u16>,
    pub final_status_frame: Option<u64>,
    /// A request was sent while the previous response's close-delimited body was running.
    pub request_during_close_delimited_body: bool,
    /// Seed bytes before the first RD Gateway packet of the OUT channel's body.
    pub seed_length: Option<usize>,
    pub handshake_request_frame: Option<u64>,
    pub extended_auth: Vec<String>,
    pub handshake: Option<RdgResult>,
    pub tunnel_create_frame: Option<u64>,
    pub tunnel: Option<RdgResult>,
    pub tunnel_id: Option<u32>,
    pub tunnel_auth_frame: Option<u64>,
    pub client_name: Option<String>,
    pub tunnel_auth: Option<RdgResult>,
    pub idle_timeout_minutes: Option<u32>,
    pub redirect_flags: Vec<String>,
    pub channel_create: Option<ChannelCreateSummary>,
    pub channel_response: Option<RdgResult>,
    pub channel_id: Option<u32>,
    pub udp_port: Option<u16>,
    pub first_client_data_frame: Option<u64>,
    pub first_server_data_frame: Option<u64>,
    /// The first DATA packet (either side) starts with a TPKT header: the inner RDP began.
    pub data_starts_with_tpkt: Option<bool>,
    pub service_messages: Vec<String>,
    pub close: Vec<CloseSummary>,
    pub websocket_close: Option<WebSocketCloseSummary>,
    /// The OUT channel body held no plausible packet header within its first bytes.
    pub no_packet_found_frame: Option<u64>,
    pub rdg_stopped: Vec<RdgStopped>,
    pub malformed: Vec<DecodeProblem>,
    pub bytes_missing: Vec<BytesMissing>,
}

fn rdg_fields(s: &mut GatewaySummary, o: &Observation, r: &RdgObserved) {
    let frame = o.frame;
    match r {
        RdgObserved::Seed { length, .. } => {
            if o.from == Side::Server {
                s.seed_length.get_or_insert(*length);
            }
        }
        RdgObserved::HandshakeRequest {
            extended_auth_names,
            ..
        } => {
            s.handshake_request_frame.get_or_insert(frame);
            s.extended_auth = extended_auth_names.clone();
        }
        RdgObserved::HandshakeResponse {
            error_code,
            error_name,
            ..
        } => {
            s.handshake
                .get_or_insert_with(|| RdgResult::new(frame, *error_code, *error_name));
        }
        RdgObserved::ExtendedAuth { .. } => {}
        RdgObserved::TunnelCreate { .. } => {
            s.tunnel_create_frame.get_or_insert(frame);
        }
        RdgObserved::TunnelResponse {
            status_code,
            status_name,
            tunnel_id,
            ..
        } => {
            if s.tunnel.is_none() {
                s.tunnel = Some(RdgResult::new(frame, *status_code, *status_name));
                s.tunnel_id = *tunnel_id;
            }
        }
        RdgObserved::TunnelAuth { client_name, .. } => {
            if s.tunnel_auth_frame.is_none() {
                s.tunnel_auth_frame = Some(frame);
                s.client_name = Some(client_name.clone());
            }
        }
        RdgObserved::TunnelAuthResponse {
            error_code,
            error_name,
            redirect_flag_names,
            idle_timeout_minutes,
            ..
        } => {
            if s.tunnel_auth.is_none() {
                s.tunnel_auth = Some(RdgResult::new(frame, *error_code, *error_name));
                s.idle_timeout_minutes = *idle_timeout_minutes;
                s.redirect_flags = redirect_flag_names.clone();
            }
        }
        RdgObserved::ChannelCreate {
            resources,
            alt_resources,
            port,
            protocol,
        } => {
            s.channel_create
                .get_or_insert_with(|| ChannelCreateSummary {
                    frame,
                    resources: resources.clone(),
                    alt_resources: alt_resources.clone(),
                    port: *port,
                    protocol: *protocol,
                });
        }
        RdgObserved::ChannelResponse {
            error_code,
            error_name,
            channel_id,
            udp_port,
            ..
        } => {
            if s.channel_response.is_none() {
                s.channel_response = Some(RdgResult::new(frame, *error_code, *error_name));
                s.channel_id = *channel_id;
                s.udp_port = *udp_port;
            }
        }
        RdgObserved::Data {
            starts_with_tpkt, ..
        } => {
            let first = match o.from {
                Side::Client => &mut s.first_client_data_frame,
                Side::Server => &mut s.first_server_data_frame,
            };
            first.get_or_insert(frame);
            s.data_starts_with_tpkt.get_or_insert(*starts_with_tpkt);
        }
        RdgObserved::ServiceMessage { message, .. } => s.service_messages.push(message.clone()),
        RdgObserved::ReauthMessage { .. } | RdgObserved::Keepalive => {}
        RdgObserved::CloseChannel {
            status_code,
            status_name,
        }
        | RdgObserved::CloseChannelResponse {
            status_code,
            status_name,
        } => s.close.push(CloseSummary {
            from: o.from,
            response: matches!(r, RdgObserved::CloseChannelResponse { .. }),
            status: RdgResult::new(frame, *status_code, *status_name),
        }),
        RdgObserved::Unknown { .. } => {}
        RdgObserved::NoPacketFound { .. } => {
            s.no_packet_found_frame.get_or_insert(frame);
        }
        RdgObserved::Malformed { offset, reason } => s.malformed.push(DecodeProblem {
            frame,
            from: o.from,
            layer: "rdg",
            offset: *offset,
            reason: reason.clone(),
        }),
        RdgObserved::Stopped {
            packets,
            data_packets,
            data_bytes,
        } => s.rdg_stopped.push(RdgStopped {
            frame,
            from: o.from,
            packets: *packets,
            data_packets: *data_packets,
            data_bytes: *data_bytes,
        }),
    }
}

fn http_fields(s: &mut GatewaySummary, o: &Observation, h: &HttpObserved) {
    let frame = o.frame;
    match h {
        HttpObserved::Request(r) => {
            s.connection_id = s.connection_id.take().or_else(|| r.connection_id.clone());
            s.correlation_id = s.correlation_id.take().or_else(|| r.correlation_id.clone());
            s.host = s.host.take().or_else(|| r.host.clone());
            s.user_agent = s.user_agent.take().or_else(|| r.user_agent.clone());
            if let Some(a) = &r.auth_scheme {
                s.auth_legs += 1;
                if !s.auth_schemes.contains(a) {
                    s.auth_schemes.push(a.clone());
                }
            }
            s.request_during_close_delimited_body |= r.while_close_delimited_response.is_some();
            s.requests.push(RequestSummary {
                frame,
                method: r.method.clone(),
                target: r.target.clone(),
                auth_scheme: r.auth_scheme.clone(),
                auth_token: r.auth_token.clone(),
                content_length: r.content_length,
                chunked: r.chunked,
                framing: r.framing,
                while_close_delimited_response: r.while_close_delimited_response,
            });
        }
        HttpObserved::Response(r) => {
            s.server = s.server.take().or_else(|| r.server.clone());
            if !r.interim {
                s.final_status = Some(r.status);
                s.final_status_frame = Some(frame);
            }
            s.responses.push(ResponseSummary {
                frame,
                status: r.status,
                reason: r.reason.clone(),
                answers_method: r.answers_method.clone(),
                answers_frame: r.answers_frame,
                framing: r.framing,
                content_length: r.content_length,
                www_authenticate: r.www_authenticate.clone(),
                www_authenticate_token: r.www_authenticate_token.clone(),
                body_bytes_in_first_record: r.body_bytes_in_first_record,
                inside_close_delimited_body_of: r.inside_close_delimited_body_of,
                previous_body_bytes: r.previous_body_bytes,
            });
        }
        HttpObserved::WebSocketClose { code, reason } => {
            s.websocket_close
                .get_or_insert_with(|| WebSocketCloseSummary {
                    frame,
                    from: o.from,
                    code: *code,
                    reason: reason.clone(),
                });
        }
        HttpObserved::Malformed { offset, reason } => s.malformed.push(DecodeProblem {
            frame,
            from: o.from,
            layer: "http",
            offset: *offset,
            reason: reason.clone(),
        }),
        HttpObserved::BytesMissing { missing } => s.bytes_missing.push(BytesMissing {
            frame,
            from: o.from,
            bytes: *missing,
        }),
        HttpObserved::Stopped { .. } => {}
    }
}

impl GatewaySummary {
    /// The HTTP / RD Gateway view of a connection, when any HTTP or RD Gateway observation
    /// was made on it.
    pub fn from_observations(obs: &[Observation]) -> Option<GatewaySummary> {
        let first = obs
            .iter()
            .find(|o| matches!(o.what, Observed::Http(_) | Observed::Rdg(_)))?;
        let mut s = GatewaySummary {
            channel: "http",
            first_frame: first.frame,
            connection_id: None,
            correlation_id: None,
            host: None,
            user_agent: None,
            server: None,
            requests: Vec::new(),
            responses: Vec::new(),
            auth_legs: 0,
            auth_schemes: Vec::new(),
            final_status: None,
            final_status_frame: None,
            request_during_close_delimited_body: false,
            seed_length: None,
            handshake_request_frame: None,
            extended_auth: Vec::new(),
            handshake: None,
            tunnel_create_frame: None,
            tunnel: None,
            tunnel_id: None,
            tunnel_auth_frame: None,
            client_name: None,
            tunnel_auth: None,
            idle_timeout_minutes: None,
            redirect_flags: Vec::new(),
            channel_create: None,
            channel_response: None,
            channel_id: None,
            udp_port: None,
            first_client_data_frame: None,
            first_server_data_frame: None,
            data_starts_with_tpkt: None,
            service_messages: Vec::new(),
            close: Vec::new(),
            websocket_close: None,
            no_packet_found_frame: None,
            rdg_stopped: Vec::new(),
            malformed: Vec::new(),
            bytes_missing: Vec::new(),
        };
        for o in obs {
            match &o.what {
                Observed::Http(h) => http_fields(&mut s, o, h),
                Observed::Rdg(r) => rdg_fields(&mut s, o, r),
                _ => {}
            }
        }
        let switched = s.responses.iter().any(|r| r.status == 101);
        s.channel = match s.requests.first().map(|r| r.method.to_ascii_uppercase()) {
            Some(m) if m == "RDG_OUT_DATA" && switched => "websocket",
            Some(m) if m == "RDG_OUT_DATA" => "out",
            Some(m) if m == "RDG_IN_DATA" => "in",
            Some(m) if m == "RPC_OUT_DATA" => "rpc_out",
            Some(m) if m == "RPC_IN_DATA" => "rpc_in",
            _ => "http",
        };
        Some(s)
    }
}
