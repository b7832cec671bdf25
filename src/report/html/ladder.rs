//! The events of one attempt's ladder diagram, read from what the pipeline already produced:
//! the TCP handshake and closes, the RDP negotiation (`connections[].rdp`), the TLS summary,
//! the connection state (stage frames, CredSSP, licensing, Set Error Info, logon, ending),
//! ICMP errors and the `tcp.rst_injected` findings. Nothing is parsed here.

use crate::diagnose::attempts::Attempt;
use crate::flow::Side;
use crate::proto::rdg::summary::{GatewaySummary, RdgResult};
use crate::report::json::{ConnectionReport, FileReport};
use crate::state::{EndHow, Stage};
use serde::Serialize;

/// A column of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Client,
    /// A device between them that forged packets (shown only when one did).
    Middlebox,
    Server,
}

impl Column {
    pub fn word(self) -> &'static str {
        match self {
            Column::Client => "client",
            Column::Middlebox => "middlebox",
            Column::Server => "server",
        }
    }
}

/// What an arrow shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Syn,
    SynAck,
    X224Request,
    X224Confirm,
    ClientHello,
    HelloRetry,
    ServerHello,
    Certificate,
    HttpRequest,
    HttpResponse,
    RdgRequest,
    RdgResponse,
    CredsspNegotiate,
    CredsspChallenge,
    CredsspAuthenticate,
    CredsspPubKeyAuth,
    CredsspAuthInfo,
    CredsspError,
    EarlyAuthorization,
    McsConnectInitial,
    McsConnectResponse,
    ClientInfo,
    Licensing,
    DemandActive,
    Active,
    Logon,
    SetErrorInfo,
    Redirection,
    Ending,
    TlsAlert,
    Icmp,
    Fin,
    Rst,
}

/// One arrow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub frame: u64,
    /// The TCP stream it belongs to.
    pub stream: u64,
    pub kind: EventKind,
    pub from: Column,
    pub to: Column,
    pub label: String,
    /// The arrow the verdict points at.
    pub failing: bool,
}

/// The ladder of one attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ladder {
    pub middlebox: bool,
    /// More than one TCP connection: labels name their stream.
    pub streams: Vec<u64>,
    pub events: Vec<Event>,
    /// Events not drawn because the ladder reached [`MAX_EVENTS`] (failing ones are kept).
    pub omitted: usize,
}

/// The most arrows one ladder draws (an attempt of hundreds of retries stays readable).
pub const MAX_EVENTS: usize = 300;

fn toward(from: Side) -> (Column, Column) {
    match from {
        Side::Client => (Column::Client, Column::Server),
        Side::Server => (Column::Server, Column::Client),
    }
}

struct Builder<'a> {
    stream: u64,
    events: &'a mut Vec<Event>,
}

impl Builder<'_> {
    fn push(&mut self, frame: Option<u64>, kind: EventKind, from: Side, label: String) {
        if let Some(frame) = frame {
            let (from, to) = toward(from);
            self.push_cols(frame, kind, from, to, label);
        }
    }

    fn push_cols(&mut self, frame: u64, kind: EventKind, from: Column, to: Column, label: String) {
        self.events.push(Event {
            frame,
            stream: self.stream,
            kind,
            from,
            to,
            label,
            failing: false,
        });
    }
}

/// The events of one TCP connection.
pub fn connection_events(report: &FileReport, c: &ConnectionReport) -> Vec<Event> {
    let mut events = Vec::new();
    let mut b = Builder {
        stream: c.stream,
        events: &mut events,
    };
    if let Some(h) = &c.handshake {
        b.push(h.syn_frame, EventKind::Syn, Side::Client, "SYN".into());
        b.push(
            h.synack_frame,
            EventKind::SynAck,
            Side::Server,
            "SYN, ACK".into(),
        );
    }
    if let Some(rdp) = &c.rdp {
        let mut label = "X.224 Connection Request".to_string();
        if !rdp.requested_protocols.is_empty() {
            label += &format!(": {}", rdp.requested_protocols.join(" | "));
        }
        if let Some(cookie) = &rdp.cookie {
            label += &format!(" (mstshash={cookie})");
        }
        b.push(
            rdp.request_frame,
            EventKind::X224Request,
            Side::Client,
            label,
        );
        let confirm = match (&rdp.selected_protocol, &rdp.failure_name) {
            (_, Some(failure)) => format!("X.224 Connection Confirm: RDP_NEG_FAILURE {failure}"),
            (Some(p), None) => format!("X.224 Connection Confirm: {p}"),
            (None, None) => "X.224 Connection Confirm".into(),
        };
        b.push(
            rdp.confirm_frame,
            EventKind::X224Confirm,
            Side::Server,
            confirm,
        );
    }
    if let Some(tls) = &c.tls {
        let mut hello = "TLS ClientHello".to_string();
        if let Some(sni) = &tls.sni {
            hello += &format!(" (SNI {sni})");
        }
        b.push(
            tls.client_hello_frame,
            EventKind::ClientHello,
            Side::Client,
            hello,
        );
        b.push(
            tls.hello_retry_frame,
            EventKind::HelloRetry,
            Side::Server,
            "TLS HelloRetryRequest".into(),
        );
        let server_hello = match (&tls.version, &tls.cipher) {
            (Some(v), Some(c)) => format!("TLS ServerHello: {v}, {c}"),
            (Some(v), None) => format!("TLS ServerHello: {v}"),
            _ => "TLS ServerHello".into(),
        };
        b.push(
            tls.server_hello_frame,
            EventKind::ServerHello,
            Side::Server,
            server_hello,
        );
        let certificate = match tls.certificates.first() {
            Some(cert) => format!("Certificate: {}", cert.subject),
            None => "Certificate".into(),
        };
        b.push(
            tls.certificate_frame,
            EventKind::Certificate,
            Side::Server,
            certificate,
        );
        for a in &tls.alerts {
            b.push(
                Some(a.frame),
                EventKind::TlsAlert,
                a.from,
                format!("TLS alert: {} {}", a.level, a.description),
            );
        }
    }
    if let Some(g) = &c.gateway {
        gateway_events(&mut b, g);
    }
    let state = c.state.as_deref();
    if let Some(s) = state {
        b.push(
            s.stage_frame(Stage::Nla),
            EventKind::CredsspNegotiate,
            Side::Client,
            "CredSSP TSRequest (negotiate)".into(),
        );
        if let Some(cs) = &s.credssp {
            let package = cs.package.map(|p| p.to_uppercase()).unwrap_or_default();
            b.push(
                cs.authenticate_frame,
                EventKind::CredsspAuthenticate,
                Side::Client,
                format!("CredSSP {package} AUTHENTICATE").replace("  ", " "),
            );
            let challenge = match cs.package {
                Some("ntlm") => "CredSSP NTLM CHALLENGE",
                _ => "CredSSP server token",
            };
            b.push(
                cs.server_token_frame,
                EventKind::CredsspChallenge,
                Side::Server,
                challenge.into(),
            );
            b.push(
                cs.server_pub_key_auth_frame,
                EventKind::CredsspPubKeyAuth,
                Side::Server,
                "CredSSP pubKeyAuth".into(),
            );
            b.push(
                cs.auth_info_frame,
                EventKind::CredsspAuthInfo,
                Side::Client,
                "CredSSP authInfo (credentials)".into(),
            );
            let error = match (cs.error_code, &cs.error_name) {
                (Some(code), Some(name)) => format!("CredSSP errorCode 0x{code:08X} {name}"),
                (Some(code), None) => format!("CredSSP errorCode 0x{code:08X}"),
                _ => "CredSSP errorCode".into(),
            };
            b.push(cs.error_frame, EventKind::CredsspError, Side::Server, error);
        }
        if let Some(e) = &s.early_authorization {
            b.push(
                Some(e.frame),
                EventKind::EarlyAuthorization,
                Side::Server,
                code_label("Early User Authorization Result", e.code, e.name.as_deref()),
            );
        }
    }
    let mcs_initial = c
        .rdp
        .as_ref()
        .and_then(|r| r.mcs_connect_initial_frame)
        .or_else(|| state.and_then(|s| s.stage_frame(Stage::Mcs)));
    b.push(
        mcs_initial,
        EventKind::McsConnectInitial,
        Side::Client,
        "MCS Connect Initial".into(),
    );
    let mcs_response = state
        .and_then(|s| s.mcs_connect_response_frame)
        .or_else(|| c.rdp.as_ref().and_then(|r| r.mcs_connect_response_frame));
    b.push(
        mcs_response,
        EventKind::McsConnectResponse,
        Side::Server,
        "MCS Connect Response".into(),
    );
    if let Some(s) = state {
        let user = s
            .user
            .as_ref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        b.push(
            s.stage_frame(Stage::Security),
            EventKind::ClientInfo,
            Side::Client,
            format!("Security Exchange / Client Info{user}"),
        );
        match &s.license {
            Some(l) => b.push(
                Some(l.frame),
                EventKind::Licensing,
                Side::Server,
                code_label("Licensing", l.code, l.name.as_deref()),
            ),
            None => b.push(
                s.stage_frame(Stage::Licensing),
                EventKind::Licensing,
                Side::Server,
                "Licensing".into(),
            ),
        }
        b.push(
            s.stage_frame(Stage::Capabilities),
            EventKind::DemandActive,
            Side::Server,
            "Demand Active".into(),
        );
        b.push(
            s.stage_frame(Stage::Active),
            EventKind::Active,
            Side::Server,
            "Connection finalized: session active".into(),
        );
        b.push(
            s.logon_frame,
            EventKind::Logon,
            Side::Server,
            "Save Session Info (logon)".into(),
        );
        for e in &s.error_info {
            b.push(
                Some(e.frame),
                EventKind::SetErrorInfo,
                Side::Server,
                code_label("Set Error Info", e.code, e.name.as_deref()),
            );
        }
        let redirected = s
            .redirected_to
            .as_ref()
            .map(|t| format!(" to {t}"))
            .unwrap_or_default();
        b.push(
            s.redirection_frame,
            EventKind::Redirection,
            Side::Server,
            format!("Server Redirection{redirected}"),
        );
        // An ending message none of the arrows above shows.
        let ending = match s.ended.how {
            EndHow::DisconnectUltimatum => Some("MCS Disconnect Provider Ultimatum"),
            EndHow::X224Disconnect => Some("X.224 Disconnect Request"),
            EndHow::RdstlsDenied => Some("RDSTLS authentication response"),
            EndHow::AuthorizationDenied | EndHow::LicenseError => {
                Some("server ended the connection")
            }
            _ => None,
        };
        if let (Some(what), Some(frame), Some(by)) = (ending, s.ended.frame, s.ended.by)
            && !b.events.iter().any(|e| e.frame == frame)
        {
            let label = match (s.ended.code, &s.ended.name) {
                (Some(code), name) => code_label(what, code, name.as_deref()),
                _ => what.to_string(),
            };
            b.push(Some(frame), EventKind::Ending, by, label);
        }
    }
    // ICMP errors: from the server (when it sent them) or the network, to the side whose
    // packet they quote.
    let server_ip = c
        .server
        .rsplit_once(':')
        .map(|(h, _)| h.trim_matches(['[', ']']));
    for n in &c.icmp_errors {
        let to = match n.about {
            Side::Client => Column::Client,
            Side::Server => Column::Server,
        };
        let from = if to == Column::Client {
            Column::Server
        } else {
            Column::Client
        };
        let sender = if server_ip == Some(n.from.to_string().as_str()) {
            String::new()
        } else {
            format!(" from {}", n.from)
        };
        let mtu = n.mtu.map(|m| format!(" (MTU {m})")).unwrap_or_default();
        b.push_cols(
            n.frame,
            EventKind::Icmp,
            from,
            to,
            format!("ICMP {}{mtu}{sender}", n.name),
        );
    }
    // FIN and RST: the first of each side; a reset judged forged comes from the middlebox.
    let forged: Vec<(u64, Side, String)> = report
        .findings
        .iter()
        .filter(|f| f.id == "tcp.rst_injected" && f.connection == Some(c.stream))
        .filter_map(|f| forged_reset(f.evidence.as_ref()?))
        .collect();
    for (side, dir) in [
        (Side::Client, &c.client_to_server),
        (Side::Server, &c.server_to_client),
    ] {
        let Some(tcp) = &dir.tcp else { continue };
        b.push(tcp.fin.first(), EventKind::Fin, side, "FIN".into());
        if let Some(rst) = tcp.rst.first()
            && !forged.iter().any(|(f, _, _)| *f == rst)
        {
            let label = if c.handshake.as_ref().and_then(|h| h.synack_frame).is_none()
                && side == Side::Server
            {
                "RST, ACK (refused)"
            } else {
                "RST"
            };
            b.push(Some(rst), EventKind::Rst, side, label.into());
        }
    }
    for (frame, claimed, why) in forged {
        let to = match claimed {
            Side::Server => Column::Client,
            Side::Client => Column::Server,
        };
        b.push_cols(
            frame,
            EventKind::Rst,
            Column::Middlebox,
            to,
            format!("RST forged in the {}'s name ({why})", side_word(claimed)),
        );
    }
    events
}

/// HTTP and RD Gateway (MS-TSGU 2.2.10) messages inside decrypted TLS.
fn gateway_events(b: &mut Builder<'_>, g: &GatewaySummary) {
    for r in &g.requests {
        let auth = r
            .auth_scheme
            .as_ref()
            .map(|a| format!(" (Authorization: {a})"))
            .unwrap_or_default();
        b.push(
            Some(r.frame),
            EventKind::HttpRequest,
            Side::Client,
            format!("HTTP {} {}{auth}", r.method, r.target),
        );
    }
    for r in &g.responses {
        b.push(
            Some(r.frame),
            EventKind::HttpResponse,
            Side::Server,
            format!("HTTP {} {}", r.status, r.reason),
        );
    }
    let result = |what: &str, r: &RdgResult| match r.name {
        Some(name) => format!("{what} {} {name}", r.code_hex),
        None => format!("{what} {}", r.code_hex),
    };
    b.push(
        g.handshake_request_frame,
        EventKind::RdgRequest,
        Side::Client,
        "RDG HANDSHAKE_REQUEST".into(),
    );
    b.push(
        g.tunnel_create_frame,
        EventKind::RdgRequest,
        Side::Client,
        "RDG TUNNEL_CREATE".into(),
    );
    b.push(
        g.tunnel_auth_frame,
        EventKind::RdgRequest,
        Side::Client,
        "RDG TUNNEL_AUTH".into(),
    );
    if let Some(cc) = &g.channel_create {
        b.push(
            Some(cc.frame),
            EventKind::RdgRequest,
            Side::Client,
            format!("RDG CHANNEL_CREATE {}:{}", cc.resources.join(", "), cc.port),
        );
    }
    for (what, r) in [
        ("RDG HANDSHAKE_RESPONSE", &g.handshake),
        ("RDG TUNNEL_RESPONSE", &g.tunnel),
        ("RDG TUNNEL_AUTH_RESPONSE", &g.tunnel_auth),
        ("RDG CHANNEL_RESPONSE", &g.channel_response),
    ] {
        if let Some(r) = r {
            b.push(
                Some(r.frame),
                EventKind::RdgResponse,
                Side::Server,
                result(what, r),
            );
        }
    }
    for close in &g.close {
        let what = if close.response {
            "RDG CLOSE_CHANNEL_RESPONSE"
        } else {
            "RDG CLOSE_CHANNEL"
        };
        let kind = match close.from {
            Side::Client => EventKind::RdgRequest,
            Side::Server => EventKind::RdgResponse,
        };
        b.push(
            Some(close.status.frame),
            kind,
            close.from,
            result(what, &close.status),
        );
    }
}

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

fn code_label(what: &str, code: u32, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{what} 0x{code:X} {n}"),
        None => format!("{what} 0x{code:X}"),
    }
}

/// The reset a `tcp.rst_injected` finding names: frame, the side it claims, the TTLs.
fn forged_reset(e: &serde_json::Value) -> Option<(u64, Side, String)> {
    let frame = e.get("frame")?.as_u64()?;
    let claimed = match e.get("from")?.as_str()? {
        "client" => Side::Client,
        _ => Side::Server,
    };
    let why = match (
        e.get("ttl").and_then(|v| v.as_u64()),
        e.get("sender_ttl").and_then(|v| v.as_u64()),
    ) {
        (Some(ttl), Some(sender)) => {
            format!("TTL {ttl}, the {} sends {sender}", side_word(claimed))
        }
        _ => "header evidence".into(),
    };
    Some((frame, claimed, why))
}

/// The ladder of one attempt: the events of its TCP connections in frame order, the arrows
/// its causes cite marked.
pub fn ladder(report: &FileReport, attempt: &Attempt) -> Ladder {
    let connections: Vec<&ConnectionReport> = report
        .connections
        .iter()
        .filter(|c| attempt.connections.contains(&c.id) && c.id.starts_with("tcp/"))
        .collect();
    let mut events: Vec<Event> = connections
        .iter()
        .flat_map(|c| connection_events(report, c))
        .collect();
    events.sort_by_key(|e| (e.frame, e.kind));
    let middlebox = events.iter().any(|e| e.from == Column::Middlebox);
    if attempt.failed {
        for cause in report
            .diagnosis
            .causes
            .iter()
            .filter(|c| c.attempt.as_deref() == Some(attempt.id.as_str()))
        {
            let ended: Vec<u64> = connections
                .iter()
                .filter_map(|c| c.state.as_ref()?.ended.frame)
                .collect();
            let cited = |e: &Event| cause.frames.contains(&e.frame);
            let pick = events
                .iter()
                .position(|e| cited(e) && ended.contains(&e.frame))
                .or_else(|| events.iter().position(cited));
            if let Some(i) = pick {
                events[i].failing = true;
            }
        }
    }
    let total = events.len();
    let mut index = 0;
    events.retain(|e| {
        index += 1;
        index <= MAX_EVENTS || e.failing
    });
    Ladder {
        middlebox,
        streams: connections.iter().map(|c| c.stream).collect(),
        omitted: total - events.len(),
        events,
    }
}
