//! Stage 5 — state: one record per TCP connection, computed once from its observations and
//! its TCP metadata, and read by the detectors, the diagnosis and every report (the idea of
//! Zeek's `c$rdp`). It says how far the connection got in the RDP connection sequence
//! (MS-RDPBCGR 1.3.1.1, with TLS and CredSSP), the frame where each stage began, how the
//! connection ended and who ended it, and — for every one of these facts — how it is known:
//! read from decrypted TLS, read in clear, or inferred from the sizes and order of
//! encrypted records (RDP-FACTS §2.9, a hypothesis measured in `tests/connection_state.rs`).
//!
//! It describes; it does not judge. Whether an ending is a failure is for `detect` and
//! `diagnose`.

pub mod infer;
pub mod phase;
pub mod rst_evidence;
pub mod sequence;
pub mod thresholds;

use crate::capture::Timestamp;
use crate::flow::{Conversation, Protocol, Side};
use crate::proto::observation::Observation;
use crate::proto::rdg::summary::GatewaySummary;
use crate::proto::rdp::observed::SessionTraffic;
use crate::proto::rdp::summary::RdpSetup;
use crate::proto::tls::summary::TlsSummary;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a fact about a connection is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Known {
    /// Read from TLS records opened with the session's secrets.
    Decrypted,
    /// Read from bytes in clear (TCP headers, X.224, TLS handshake, standard RDP security).
    ClearText,
    /// Inferred from the sizes, directions and order of encrypted records (RDP-FACTS §2.9).
    Inferred,
}

/// The stages of an RDP connection, in order (MS-RDPBCGR 1.3.1.1, with the TLS and CredSSP
/// steps of Enhanced RDP Security, 5.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The client's SYN.
    Syn,
    /// The TCP three-way handshake completed (or data both ways on a mid-stream capture).
    Tcp,
    /// X.224 Connection Request / Confirm (Connection Initiation, 1.3.1.1 step 1).
    X224,
    /// The TLS handshake (Enhanced RDP Security, 5.4.5.1).
    Tls,
    /// CredSSP (Network Level Authentication, 5.4.5.2) or RDSTLS.
    Nla,
    /// MCS Connect Initial / Response and the channel connection (Basic Settings Exchange,
    /// Channel Connection).
    Mcs,
    /// Security Exchange and Client Info (RDP Security Commencement, Secure Settings
    /// Exchange).
    Security,
    /// Licensing (2.2.1.12).
    Licensing,
    /// Demand Active / Confirm Active (Capabilities Exchange).
    Capabilities,
    /// Connection Finalization done (Font Map) or session data flowing: an active session.
    Active,
}

impl Stage {
    pub fn words(self) -> &'static str {
        match self {
            Stage::Syn => "SYN sent",
            Stage::Tcp => "TCP established",
            Stage::X224 => "X.224 negotiation",
            Stage::Tls => "TLS handshake",
            Stage::Nla => "NLA (CredSSP)",
            Stage::Mcs => "MCS connect / channels",
            Stage::Security => "security / client info",
            Stage::Licensing => "licensing",
            Stage::Capabilities => "capabilities exchange",
            Stage::Active => "active session",
        }
    }
}

/// Where a stage began.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StageReached {
    pub stage: Stage,
    pub frame: u64,
    pub ts: Timestamp,
    pub known: Known,
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndHow {
    /// The server answered NLA with a CredSSP errorCode (MS-CSSP 2.2.1).
    CredsspError,
    /// HYBRID_EX Early User Authorization Result other than AUTHZ_SUCCESS (2.2.10.2).
    AuthorizationDenied,
    /// RDSTLS Authentication Response with a failure result code (2.2.17.4).
    RdstlsDenied,
    /// A licensing ERROR_ALERT other than STATUS_VALID_CLIENT (2.2.1.12.1.3).
    LicenseError,
    /// The server's Set Error Info PDU (2.2.5.1.1), nonzero.
    SetErrorInfo,
    /// The server redirected the client elsewhere (2.2.13.1).
    Redirected,
    /// MCS Disconnect Provider Ultimatum (T.125; 2.2.2.3 / 1.3.1.4).
    DisconnectUltimatum,
    /// X.224 Disconnect Request.
    X224Disconnect,
    /// A TLS alert (RFC 8446 6), in clear or opened.
    TlsAlert,
    /// RDP_NEG_FAILURE in the Connection Confirm (2.2.1.2.2).
    NegotiationFailure,
    /// A TCP FIN with none of the above before it.
    Fin,
    /// A TCP RST with none of the above before it.
    Rst,
    /// No close was captured: the connection was still up when the capture ended.
    CaptureEnded,
}

/// How the connection ended, who ended it, and how that is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ending {
    pub how: EndHow,
    /// The side that sent the ending message or the first FIN / RST.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    pub known: Known,
    /// The code the ending message carries (errorInfo, CredSSP errorCode, license error,
    /// authorization result, DPUm reason, alert description, RDP_NEG_FAILURE code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// The code's name, e.g. `ERRINFO_SERVER_DENIED_CONNECTION`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The TCP close that followed (or was) the ending: `fin` / `rst`, the side, the frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_close: Option<TcpClose>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TcpClose {
    /// `fin` or `rst`.
    pub kind: &'static str,
    pub by: Side,
    pub frame: u64,
}

/// CredSSP as far as it went (MS-CSSP 2.2.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CredSspState {
    /// TSRequest.version the client and the server sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<u32>,
    /// Authentication package seen in the tokens: `ntlm`, `kerberos`, `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<&'static str>,
    /// TSRequests per side.
    pub client_messages: u32,
    pub server_messages: u32,
    /// The client's NTLM AUTHENTICATE (its answer to the challenge: the credentials proof).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticate_frame: Option<u64>,
    /// The server's first TSRequest carrying negoTokens (NTLM CHALLENGE, a Kerberos or
    /// SPNEGO answer): the server's leg of the authentication exchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_token_frame: Option<u64>,
    /// The server's pubKeyAuth (authentication succeeded as far as CredSSP goes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_pub_key_auth_frame: Option<u64>,
    /// The client's authInfo (credentials delegated: CredSSP completed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_info_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_name: Option<String>,
}

/// A code the server sent, with its frame and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeAt {
    pub code: u32,
    pub frame: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The server's offer of UDP (MS-RDPBCGR 2.2.15) and the client's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MultitransportState {
    pub request_frame: u64,
    pub requested_protocol: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hr_response: Option<u32>,
}

/// Everything known about one TCP connection's progress and end.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionState {
    /// The furthest stage reached.
    pub stage: Stage,
    /// How the furthest stage is known.
    pub stage_known: Known,
    /// Every stage reached, in order, with the frame where it began.
    pub stages: Vec<StageReached>,
    pub ended: Ending,
    /// The connection's start was not captured (no SYN): only what is visible is judged.
    pub mid_stream: bool,
    /// Was any TLS record of this connection opened (a key log or RSA key matched)?
    pub decrypted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credssp: Option<CredSspState>,
    /// HYBRID_EX Early User Authorization Result (0 AUTHZ_SUCCESS, 5 AUTHZ_ACCESS_DENIED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_authorization: Option<CodeAt>,
    /// `DOMAIN\user` from the Client Info PDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The licensing outcome: the ERROR_ALERT's dwErrorCode (7 STATUS_VALID_CLIENT = licensed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<CodeAt>,
    /// Frame of the server's logon notification (Save Session Info, 2.2.10.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_frame: Option<u64>,
    /// Logon errors the server reported (TS_LOGON_ERRORS_INFO ErrorNotificationType).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logon_errors: Vec<CodeAt>,
    /// Every nonzero Set Error Info the server sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub error_info: Vec<CodeAt>,
    /// Server Redirection PDU: where the client was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirected_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirection_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multitransport: Option<MultitransportState>,
    /// Frame of the MCS Connect Response (clear or decrypted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcs_connect_response_frame: Option<u64>,
    /// Frame of the server's first Deactivate All PDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivate_all_frame: Option<u64>,
    /// PDUs seen out of the order MS-RDPBCGR 1.3.1.1 gives (`frame: name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub out_of_order: Vec<String>,
    /// Session traffic after finalization (decrypted or clear).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<SessionTraffic>,
    /// The RDP negotiation and settings (reported as `connections[].rdp`).
    #[serde(skip)]
    pub setup: Option<Box<RdpSetup>>,
    /// The TLS handshake (reported as `connections[].tls`).
    #[serde(skip)]
    pub tls: Option<Box<TlsSummary>>,
    /// The RD Gateway exchange inside decrypted TLS (reported as `connections[].gateway`).
    #[serde(skip)]
    pub gateway: Option<Box<GatewaySummary>>,
}

impl ConnectionState {
    /// Frame where `stage` began, if reached.
    pub fn stage_frame(&self, stage: Stage) -> Option<u64> {
        self.stages
            .iter()
            .find(|s| s.stage == stage)
            .map(|s| s.frame)
    }

    /// Did the connection reach an active session?
    pub fn reached_active(&self) -> bool {
        self.stage >= Stage::Active
    }

    /// Is the connection a whole try of its own? The server judged it: the client sent its
    /// credentials (a CredSSP AUTHENTICATE, read), or the server itself ended the connection
    /// at the credential step (NLA, read or inferred) or later, or it reached a session — and
    /// it was not redirected. Whatever the client does next (a new password, a reconnect) is
    /// another attempt, and a later success does not "recover" it. A client that drops the
    /// connection at the NLA step itself (mstsc's certificate prompt) has not been judged.
    pub fn is_whole_try(&self) -> bool {
        if self.redirected_to.is_some() {
            return false;
        }
        self.reached_active()
            || self
                .credssp
                .as_ref()
                .is_some_and(|c| c.authenticate_frame.is_some())
            || (self.stage >= Stage::Nla
                && self.ended.by == Some(crate::flow::Side::Server)
                && self.ended.how != EndHow::CaptureEnded)
    }

    /// e.g. `reached "active session" (decrypted) · ended: server Set Error Info 0x7 …`.
    pub fn words(&self) -> String {
        let known = match self.stage_known {
            Known::Decrypted => "decrypted",
            Known::ClearText => "clear text",
            Known::Inferred => "inferred from record sizes",
        };
        format!(
            "reached \"{}\" ({known}) · {}",
            self.stage.words(),
            self.ended.words()
        )
    }
}

impl Ending {
    pub fn words(&self) -> String {
        let who = match self.by {
            Some(Side::Client) => "client ",
            Some(Side::Server) => "server ",
            None => "",
        };
        let frame = self
            .frame
            .map(|f| format!(" (frame {f})"))
            .unwrap_or_default();
        let code = match (self.code, &self.name) {
            (Some(c), Some(n)) => format!(" 0x{c:X} {n}"),
            (Some(c), None) => format!(" 0x{c:X}"),
            _ => String::new(),
        };
        let what = match self.how {
            EndHow::CredsspError => "CredSSP errorCode",
            EndHow::AuthorizationDenied => "Early User Authorization Result",
            EndHow::RdstlsDenied => "RDSTLS authentication response",
            EndHow::LicenseError => "licensing error",
            EndHow::SetErrorInfo => "Set Error Info",
            EndHow::Redirected => "Server Redirection",
            EndHow::DisconnectUltimatum => "MCS Disconnect Provider Ultimatum",
            EndHow::X224Disconnect => "X.224 Disconnect Request",
            EndHow::TlsAlert => "TLS alert",
            EndHow::NegotiationFailure => "RDP_NEG_FAILURE",
            EndHow::Fin => "closed (FIN)",
            EndHow::Rst => "reset (RST)",
            EndHow::CaptureEnded => return "still up when the capture ended".into(),
        };
        format!("ended: {who}{what}{code}{frame}")
    }
}

/// The state of every TCP conversation of an input, by stream number.
pub type States = BTreeMap<u64, ConnectionState>;

/// Builds the state of every TCP conversation (once per input).
pub fn build_all(
    conversations: &[Conversation],
    observations: &BTreeMap<u64, Vec<Observation>>,
    traffic: &BTreeMap<u64, SessionTraffic>,
    capture_end: Option<Timestamp>,
) -> States {
    conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp && c.packets() > 0)
        .map(|c| {
            let obs = observations.get(&c.stream).map_or(&[][..], Vec::as_slice);
            (c.stream, build(c, obs, traffic.get(&c.stream), capture_end))
        })
        .collect()
}

/// The state of one TCP conversation.
pub fn build(
    c: &Conversation,
    obs: &[Observation],
    traffic: Option<&SessionTraffic>,
    _capture_end: Option<Timestamp>,
) -> ConnectionState {
    let mut ordered: Vec<&Observation> = obs.iter().collect();
    ordered.sort_by_key(|o| o.frame);
    let mut tracker = sequence::Tracker::new(c);
    for o in &ordered {
        tracker.observe(o);
    }
    let mut state = tracker.finish(c, traffic.copied());
    if !state.decrypted {
        infer::from_records(&mut state, c, &ordered);
    }
    state.setup = RdpSetup::from_observations(obs).map(Box::new);
    state.tls = TlsSummary::from_observations(obs).map(Box::new);
    state.gateway = GatewaySummary::from_observations(obs).map(Box::new);
    state
}
