//! A passive tracker of the RDP connection sequence (MS-RDPBCGR 1.3.1.1 with Enhanced RDP
//! Security, 5.4.5): fed one connection's observations in frame order, it records the frame
//! where each stage began, the codes that end a connection (CredSSP errorCode, Early User
//! Authorization Result, license error, Set Error Info, Disconnect Provider Ultimatum, TLS
//! alert) and who sent them. It never fails: a PDU out of the spec's order is noted, and the
//! furthest stage still counts.

use super::{
    CodeAt, ConnectionState, CredSspState, EndHow, Ending, Known, MultitransportState, Stage,
    StageReached, TcpClose,
};
use crate::capture::Timestamp;
use crate::flow::{Conversation, Side};
use crate::proto::observation::{Observation, Observed};
use crate::proto::rdp::names;
use crate::proto::rdp::observed::{NegoToken, RdpObserved, SessionTraffic};
use crate::proto::rdp::x224::ConnectionConfirm;
use crate::proto::tls::TlsObserved;

/// MS-RDPBCGR 2.2.1.12.1.3: the license error code that means "licensed" / nothing to do.
pub const STATUS_VALID_CLIENT: u32 = 0x7;
/// MS-RDPBCGR 2.2.10.2 AUTHZ_SUCCESS.
const AUTHZ_SUCCESS: u32 = 0;
/// TLS AlertDescription close_notify (RFC 8446 6.1).
const CLOSE_NOTIFY: u8 = 0;

/// An ending message seen before the TCP close.
struct EndMessage {
    how: EndHow,
    by: Side,
    frame: u64,
    known: Known,
    code: Option<u32>,
    name: Option<String>,
}

pub struct Tracker {
    stages: Vec<StageReached>,
    /// Frame of the client's first TLS record: PDUs after it were read from decrypted TLS.
    tls_from: Option<u64>,
    decrypted: bool,
    credssp: Option<CredSspState>,
    early_authorization: Option<CodeAt>,
    user: Option<String>,
    license: Option<CodeAt>,
    logon_frame: Option<u64>,
    logon_errors: Vec<CodeAt>,
    error_info: Vec<CodeAt>,
    redirected_to: Option<String>,
    redirection_frame: Option<u64>,
    multitransport: Option<MultitransportState>,
    mcs_connect_response_frame: Option<u64>,
    deactivate_all_frame: Option<u64>,
    out_of_order: Vec<String>,
    /// The message that ended the connection, if one did (the first decisive one).
    end: Option<EndMessage>,
    /// A weaker ending (an alert, a DPUm) kept in case nothing decisive comes.
    soft_end: Option<EndMessage>,
}

/// How decisive an ending message is: a code the server chose outranks the framing that
/// carried the close (a DPUm after a Set Error Info, a close_notify after a CredSSP error).
fn decisive(how: EndHow) -> bool {
    matches!(
        how,
        EndHow::CredsspError
            | EndHow::AuthorizationDenied
            | EndHow::RdstlsDenied
            | EndHow::LicenseError
            | EndHow::SetErrorInfo
            | EndHow::Redirected
            | EndHow::NegotiationFailure
    )
}

impl Tracker {
    /// A tracker that has seen nothing yet.
    pub fn empty() -> Tracker {
        Tracker {
            stages: Vec::new(),
            tls_from: None,
            decrypted: false,
            credssp: None,
            early_authorization: None,
            user: None,
            license: None,
            logon_frame: None,
            logon_errors: Vec::new(),
            error_info: Vec::new(),
            redirected_to: None,
            redirection_frame: None,
            multitransport: None,
            mcs_connect_response_frame: None,
            deactivate_all_frame: None,
            out_of_order: Vec::new(),
            end: None,
            soft_end: None,
        }
    }

    /// A tracker that starts from the TCP handshake of `c`.
    pub fn new(c: &Conversation) -> Tracker {
        let mut t = Tracker::empty();
        if let Some(tcp) = &c.tcp {
            if let (Some(f), Some(ts)) = (tcp.syn_frame, tcp.syn_ts) {
                t.reach(Stage::Syn, f, ts, Known::ClearText);
            }
            if let (Some(f), Some(ts)) = (tcp.handshake_ack_frame, tcp.handshake_ack_ts) {
                t.reach(Stage::Tcp, f, ts, Known::ClearText);
            } else if tcp.synack_frame.is_some() && c.to_server.payload_bytes > 0 {
                // The handshake's ACK was not captured but the client sent data.
                if let (Some(f), Some(ts)) = (tcp.synack_frame, tcp.synack_ts) {
                    t.reach(Stage::Tcp, f, ts, Known::ClearText);
                }
            } else if tcp.syn_frame.is_none()
                && tcp.synack_frame.is_none()
                && c.to_server.packets > 0
                && c.to_client.packets > 0
            {
                t.reach(Stage::Tcp, c.first_frame, c.first_ts, Known::ClearText);
            }
        }
        t
    }

    /// Notes that `stage` began at `frame` (only the first time).
    fn reach(&mut self, stage: Stage, frame: u64, ts: Timestamp, known: Known) {
        if self.stages.iter().any(|s| s.stage == stage) {
            return;
        }
        if let Some(last) = self.stages.iter().map(|s| s.stage).max()
            && stage < last
            && stage > Stage::Tls
        {
            self.out_of_order
                .push(format!("{frame}: {} after {}", stage.words(), last.words()));
        }
        self.stages.push(StageReached {
            stage,
            frame,
            ts,
            known,
        });
    }

    fn known_at(&self, o: &Observation) -> Known {
        match self.tls_from {
            Some(f) if o.frame >= f => Known::Decrypted,
            _ => Known::ClearText,
        }
    }

    fn ended(&mut self, m: EndMessage) {
        if decisive(m.how) {
            if self.end.is_none() {
                self.end = Some(m);
            }
        } else if self.soft_end.is_none() {
            self.soft_end = Some(m);
        }
    }

    pub fn observe(&mut self, o: &Observation) {
        match &o.what {
            Observed::RdpConnectionRequest(_) => {
                self.reach(Stage::X224, o.frame, o.ts, Known::ClearText)
            }
            Observed::RdpConnectionConfirm(cc) => {
                self.reach(Stage::X224, o.frame, o.ts, Known::ClearText);
                if let ConnectionConfirm::Failure { code } = cc {
                    self.ended(EndMessage {
                        how: EndHow::NegotiationFailure,
                        by: Side::Server,
                        frame: o.frame,
                        known: Known::ClearText,
                        code: Some(*code),
                        name: Some(
                            crate::proto::rdp::x224::NegotiationFailure { code: *code }.name(),
                        ),
                    });
                }
            }
            Observed::TlsStart { .. } => {
                if o.from == Side::Client && self.tls_from.is_none() {
                    self.tls_from = Some(o.frame);
                }
                self.reach(Stage::Tls, o.frame, o.ts, Known::ClearText);
            }
            Observed::Tls(t) => self.tls(o, t),
            Observed::McsConnectInitial(_) | Observed::McsConnectResponse(_) => {
                if matches!(o.what, Observed::McsConnectResponse(_)) {
                    self.mcs_connect_response_frame.get_or_insert(o.frame);
                }
                let known = self.known_at(o);
                self.reach(Stage::Mcs, o.frame, o.ts, known);
            }
            Observed::McsDisconnectProviderUltimatum { reason } => {
                let known = self.known_at(o);
                self.ended(EndMessage {
                    how: EndHow::DisconnectUltimatum,
                    by: o.from,
                    frame: o.frame,
                    known,
                    code: Some(u32::from(*reason)),
                    name: Some(crate::proto::rdp::summary::dpum_reason_name(*reason).to_string()),
                });
            }
            Observed::X224DisconnectRequest => {
                let known = self.known_at(o);
                self.ended(EndMessage {
                    how: EndHow::X224Disconnect,
                    by: o.from,
                    frame: o.frame,
                    known,
                    code: None,
                    name: None,
                });
            }
            Observed::Rdp(pdu) => self.rdp(o, pdu),
            _ => {}
        }
    }

    fn tls(&mut self, o: &Observation, t: &TlsObserved) {
        match t {
            TlsObserved::ClientHello(_) => {
                if self.tls_from.is_none() {
                    self.tls_from = Some(o.frame);
                }
                self.reach(Stage::Tls, o.frame, o.ts, Known::ClearText);
            }
            TlsObserved::DecryptionKeys { .. } => self.decrypted = true,
            TlsObserved::Alert {
                level, description, ..
            } => {
                // A warning-level close_notify is an orderly close, not a reason.
                let fatal = *level == 2 || *description != CLOSE_NOTIFY;
                let known = self.known_at(o);
                let m = EndMessage {
                    how: EndHow::TlsAlert,
                    by: o.from,
                    frame: o.frame,
                    known: if known == Known::Decrypted && self.decrypted {
                        Known::Decrypted
                    } else {
                        Known::ClearText
                    },
                    code: Some(u32::from(*description)),
                    name: Some(crate::proto::tls::names::alert_name(*description)),
                };
                if fatal {
                    self.ended(m);
                } else if self.soft_end.is_none() {
                    self.soft_end = Some(m);
                }
            }
            _ => {}
        }
    }

    fn rdp(&mut self, o: &Observation, pdu: &RdpObserved) {
        let known = self.known_at(o);
        if known == Known::Decrypted {
            self.decrypted = true;
        }
        let code_at = |code: u32, name: Option<&str>| CodeAt {
            code,
            frame: o.frame,
            name: name.map(str::to_string),
        };
        match pdu {
            RdpObserved::CredSsp(ts) => {
                self.reach(Stage::Nla, o.frame, o.ts, known);
                let c = self.credssp.get_or_insert_with(CredSspState::default);
                match o.from {
                    Side::Client => {
                        c.client_version.get_or_insert(ts.version);
                        c.client_messages += 1;
                        if ts.auth_info && c.auth_info_frame.is_none() {
                            c.auth_info_frame = Some(o.frame);
                        }
                        if ts.token == Some(NegoToken::NtlmAuthenticate)
                            && c.authenticate_frame.is_none()
                        {
                            c.authenticate_frame = Some(o.frame);
                        }
                    }
                    Side::Server => {
                        c.server_version.get_or_insert(ts.version);
                        c.server_messages += 1;
                        if ts.token.is_some() && c.server_token_frame.is_none() {
                            c.server_token_frame = Some(o.frame);
                        }
                        if ts.pub_key_auth && c.server_pub_key_auth_frame.is_none() {
                            c.server_pub_key_auth_frame = Some(o.frame);
                        }
                    }
                }
                if let Some(token) = ts.token {
                    c.package.get_or_insert(match token {
                        NegoToken::NtlmNegotiate
                        | NegoToken::NtlmChallenge
                        | NegoToken::NtlmAuthenticate => "ntlm",
                        NegoToken::KerberosApReq
                        | NegoToken::KerberosApRep
                        | NegoToken::KerberosError => "kerberos",
                        NegoToken::SpnegoResponse | NegoToken::Other => "other",
                    });
                }
                if let Some(code) = ts.error_code
                    && o.from == Side::Server
                    && code != 0
                    && c.error_code.is_none()
                {
                    let name = names::credssp_error(code).map(str::to_string);
                    c.error_code = Some(code);
                    c.error_frame = Some(o.frame);
                    c.error_name = name.clone();
                    self.ended(EndMessage {
                        how: EndHow::CredsspError,
                        by: Side::Server,
                        frame: o.frame,
                        known,
                        code: Some(code),
                        name,
                    });
                }
            }
            RdpObserved::EarlyUserAuthorizationResult { result } => {
                self.reach(Stage::Nla, o.frame, o.ts, known);
                self.early_authorization =
                    Some(code_at(*result, names::early_user_authorization(*result)));
                if *result != AUTHZ_SUCCESS {
                    self.ended(EndMessage {
                        how: EndHow::AuthorizationDenied,
                        by: Side::Server,
                        frame: o.frame,
                        known,
                        code: Some(*result),
                        name: names::early_user_authorization(*result).map(str::to_string),
                    });
                }
            }
            RdpObserved::Rdstls {
                result_code: Some(code),
                ..
            } if *code != 0 => {
                self.reach(Stage::Nla, o.frame, o.ts, known);
                self.ended(EndMessage {
                    how: EndHow::RdstlsDenied,
                    by: Side::Server,
                    frame: o.frame,
                    known,
                    code: Some(*code),
                    name: names::rdstls_result(*code).map(str::to_string),
                });
            }
            RdpObserved::Rdstls { .. } => self.reach(Stage::Nla, o.frame, o.ts, known),
            RdpObserved::McsErectDomainRequest
            | RdpObserved::McsAttachUserRequest
            | RdpObserved::McsAttachUserConfirm { .. }
            | RdpObserved::McsChannelJoinRequest { .. }
            | RdpObserved::McsChannelJoinConfirm { .. } => {
                self.reach(Stage::Mcs, o.frame, o.ts, known)
            }
            RdpObserved::SecurityExchange { .. } => {
                self.reach(Stage::Security, o.frame, o.ts, known)
            }
            RdpObserved::ClientInfo(info) => {
                self.reach(Stage::Security, o.frame, o.ts, known);
                if !info.user_name.is_empty() || !info.domain.is_empty() {
                    self.user = Some(if info.domain.is_empty() {
                        info.user_name.clone()
                    } else {
                        format!("{}\\{}", info.domain, info.user_name)
                    });
                }
            }
            RdpObserved::License(l) => {
                self.reach(Stage::Licensing, o.frame, o.ts, known);
                if let Some(code) = l.error_code {
                    let name = names::license_error(code);
                    self.license = Some(code_at(code, name));
                    if code != STATUS_VALID_CLIENT && o.from == Side::Server {
                        self.ended(EndMessage {
                            how: EndHow::LicenseError,
                            by: o.from,
                            frame: o.frame,
                            known,
                            code: Some(code),
                            name: name.map(str::to_string),
                        });
                    }
                }
            }
            RdpObserved::DemandActive(_) | RdpObserved::ConfirmActive(_) => {
                self.reach(Stage::Capabilities, o.frame, o.ts, known)
            }
            RdpObserved::Synchronize | RdpObserved::Control { .. } | RdpObserved::FontList => {
                self.reach(Stage::Capabilities, o.frame, o.ts, known)
            }
            RdpObserved::FontMap => self.reach(Stage::Active, o.frame, o.ts, known),
            RdpObserved::FirstSessionData { .. } => self.reach(Stage::Active, o.frame, o.ts, known),
            RdpObserved::SaveSessionInfo(info) => match info.logon_error_type {
                Some(t) => self
                    .logon_errors
                    .push(code_at(t, names::logon_error_type(t))),
                None => {
                    self.logon_frame.get_or_insert(o.frame);
                }
            },
            RdpObserved::SetErrorInfo { error_info } if *error_info != 0 => {
                let name = names::error_info(*error_info);
                self.error_info.push(code_at(*error_info, name));
                self.ended(EndMessage {
                    how: EndHow::SetErrorInfo,
                    by: Side::Server,
                    frame: o.frame,
                    known,
                    code: Some(*error_info),
                    name: name.map(str::to_string),
                });
            }
            RdpObserved::DeactivateAll => {
                self.deactivate_all_frame.get_or_insert(o.frame);
            }
            RdpObserved::ServerRedirection(r) => {
                self.redirected_to = r.target.clone();
                self.redirection_frame = Some(o.frame);
                self.ended(EndMessage {
                    how: EndHow::Redirected,
                    by: Side::Server,
                    frame: o.frame,
                    known,
                    code: None,
                    name: r.target.clone(),
                });
            }
            RdpObserved::MultitransportRequest {
                requested_protocol, ..
            } => {
                self.multitransport.get_or_insert(MultitransportState {
                    request_frame: o.frame,
                    requested_protocol: *requested_protocol,
                    ..Default::default()
                });
            }
            RdpObserved::MultitransportResponse { hr_response, .. } => {
                if let Some(m) = self.multitransport.as_mut()
                    && m.response_frame.is_none()
                {
                    m.response_frame = Some(o.frame);
                    m.hr_response = Some(*hr_response);
                }
            }
            _ => {}
        }
    }

    pub fn finish(self, c: &Conversation, traffic: Option<SessionTraffic>) -> ConnectionState {
        let mid_stream = c.tcp.as_ref().is_some_and(|t| t.syn_frame.is_none());
        self.finish_with(first_close(c), mid_stream, traffic)
    }

    /// The state, given the connection's first FIN / RST.
    pub fn finish_with(
        self,
        tcp_close: Option<TcpClose>,
        mid_stream: bool,
        traffic: Option<SessionTraffic>,
    ) -> ConnectionState {
        let stage = self
            .stages
            .iter()
            .max_by_key(|s| s.stage)
            .map_or(Stage::Syn, |s| s.stage);
        let stage_known = self
            .stages
            .iter()
            .find(|s| s.stage == stage)
            .map_or(Known::ClearText, |s| s.known);
        // A soft ending (an alert, an ultimatum) sent after the first FIN or RST answers that
        // close; the close is the ending then.
        let soft_end = self
            .soft_end
            .filter(|m| tcp_close.is_none_or(|c| m.frame <= c.frame));
        let ended = match self.end.or(soft_end) {
            Some(m) => Ending {
                how: m.how,
                by: Some(m.by),
                frame: Some(m.frame),
                known: m.known,
                code: m.code,
                name: m.name,
                tcp_close,
            },
            None => match tcp_close {
                Some(close) => Ending {
                    how: if close.kind == "fin" {
                        EndHow::Fin
                    } else {
                        EndHow::Rst
                    },
                    by: Some(close.by),
                    frame: Some(close.frame),
                    known: Known::ClearText,
                    code: None,
                    name: None,
                    tcp_close,
                },
                None => Ending {
                    how: EndHow::CaptureEnded,
                    by: None,
                    frame: None,
                    known: Known::ClearText,
                    code: None,
                    name: None,
                    tcp_close: None,
                },
            },
        };
        let mut stages = self.stages;
        stages.sort_by_key(|s| s.stage);
        ConnectionState {
            stage,
            stage_known,
            stages,
            ended,
            mid_stream,
            decrypted: self.decrypted,
            credssp: self.credssp,
            early_authorization: self.early_authorization,
            user: self.user,
            license: self.license,
            logon_frame: self.logon_frame,
            logon_errors: self.logon_errors,
            error_info: self.error_info,
            redirected_to: self.redirected_to,
            redirection_frame: self.redirection_frame,
            multitransport: self.multitransport,
            mcs_connect_response_frame: self.mcs_connect_response_frame,
            deactivate_all_frame: self.deactivate_all_frame,
            out_of_order: self.out_of_order,
            traffic,
            setup: None,
            tls: None,
            gateway: None,
        }
    }
}

/// The first FIN or RST of the connection, whichever came first.
pub fn first_close(c: &Conversation) -> Option<TcpClose> {
    let tcp = c.tcp.as_ref()?;
    let mut candidates = Vec::new();
    for (side, dir) in [(Side::Client, &tcp.client), (Side::Server, &tcp.server)] {
        if let Some(f) = dir.stats.fin.first() {
            candidates.push(TcpClose {
                kind: "fin",
                by: side,
                frame: f,
            });
        }
        if let Some(f) = dir.stats.rst.first() {
            candidates.push(TcpClose {
                kind: "rst",
                by: side,
                frame: f,
            });
        }
    }
    candidates.into_iter().min_by_key(|c| c.frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::rdp::observed::{LicenseMessage, SessionInfo, TsRequestInfo};
    use crate::proto::rdp::x224::ConnectionConfirm;

    fn obs(frame: u64, from: Side, what: Observed) -> Observation {
        Observation {
            frame,
            ts: Timestamp(frame as i64 * 1_000_000),
            from,
            what,
        }
    }
    fn rdp(frame: u64, from: Side, pdu: RdpObserved) -> Observation {
        obs(frame, from, Observed::Rdp(Box::new(pdu)))
    }
    fn run(list: &[Observation], close: Option<TcpClose>) -> ConnectionState {
        let mut t = Tracker::empty();
        for o in list {
            t.observe(o);
        }
        t.finish_with(close, false, None)
    }
    fn negotiated(selected_protocol: u32) -> Vec<Observation> {
        vec![
            obs(
                4,
                Side::Server,
                Observed::RdpConnectionConfirm(ConnectionConfirm::Response {
                    flags: 0,
                    selected_protocol,
                }),
            ),
            obs(6, Side::Client, Observed::TlsStart { direct: false }),
        ]
    }
    fn fin(by: Side, frame: u64) -> Option<TcpClose> {
        Some(TcpClose {
            kind: "fin",
            by,
            frame,
        })
    }

    /// MS-CSSP 2.2.1: a TSRequest with errorCode STATUS_LOGON_FAILURE answers the client's
    /// AUTHENTICATE; the connection ends in NLA with that status, read from decrypted TLS.
    #[test]
    fn credssp_error_ends_the_connection_in_nla() {
        let mut list = negotiated(2);
        let ts = |version, error_code| TsRequestInfo {
            version,
            error_code,
            ..Default::default()
        };
        list.push(rdp(10, Side::Client, RdpObserved::CredSsp(ts(6, None))));
        list.push(rdp(11, Side::Server, RdpObserved::CredSsp(ts(6, None))));
        list.push(rdp(12, Side::Client, RdpObserved::CredSsp(ts(6, None))));
        list.push(rdp(
            13,
            Side::Server,
            RdpObserved::CredSsp(ts(6, Some(0xC000_006D))),
        ));
        let s = run(&list, fin(Side::Server, 15));
        assert_eq!(s.stage, Stage::Nla);
        assert_eq!(s.stage_known, Known::Decrypted);
        assert_eq!(s.stage_frame(Stage::Nla), Some(10));
        assert_eq!(s.ended.how, EndHow::CredsspError);
        assert_eq!(s.ended.code, Some(0xC000_006D));
        assert_eq!(s.ended.frame, Some(13));
        assert_eq!(s.ended.by, Some(Side::Server));
        assert_eq!(s.ended.tcp_close.map(|c| c.frame), Some(15));
        let c = s.credssp.unwrap();
        assert_eq!((c.client_messages, c.server_messages), (2, 2));
        assert_eq!(c.error_frame, Some(13));
    }

    /// MS-RDPBCGR 2.2.5.1.1: Set Error Info 0x7 after licensing, then the server's
    /// Disconnect Provider Ultimatum: the errorInfo is the reason, not the ultimatum.
    #[test]
    fn set_error_info_outranks_the_ultimatum_that_follows() {
        let mut list = negotiated(1);
        list.push(rdp(20, Side::Client, RdpObserved::McsErectDomainRequest));
        list.push(rdp(
            30,
            Side::Server,
            RdpObserved::License(LicenseMessage {
                msg_type: 0xFF,
                error_code: Some(STATUS_VALID_CLIENT),
                state_transition: Some(2),
            }),
        ));
        list.push(rdp(
            31,
            Side::Server,
            RdpObserved::SetErrorInfo { error_info: 0x7 },
        ));
        list.push(obs(
            32,
            Side::Server,
            Observed::McsDisconnectProviderUltimatum { reason: 3 },
        ));
        let s = run(&list, fin(Side::Server, 33));
        assert_eq!(s.stage, Stage::Licensing);
        assert_eq!(s.ended.how, EndHow::SetErrorInfo);
        assert_eq!(s.ended.code, Some(7));
        assert_eq!(
            s.ended.name.as_deref(),
            Some("ERRINFO_SERVER_DENIED_CONNECTION")
        );
        assert_eq!(s.error_info.len(), 1);
        assert_eq!(
            s.license.as_ref().map(|l| l.code),
            Some(STATUS_VALID_CLIENT)
        );
        assert!(!s.reached_active());
    }

    /// Font Map ends connection finalization (MS-RDPBCGR 1.3.1.1): the session is active;
    /// a connection with no close is still up when the capture ends.
    #[test]
    fn font_map_is_active_and_no_close_is_the_capture_ending() {
        let mut list = negotiated(1);
        list.push(rdp(
            40,
            Side::Server,
            RdpObserved::DemandActive(Default::default()),
        ));
        list.push(rdp(
            41,
            Side::Client,
            RdpObserved::ConfirmActive(Default::default()),
        ));
        list.push(rdp(44, Side::Server, RdpObserved::FontMap));
        list.push(rdp(
            45,
            Side::Server,
            RdpObserved::SaveSessionInfo(SessionInfo {
                info_type: 0,
                session_id: Some(2),
                ..Default::default()
            }),
        ));
        let s = run(&list, None);
        assert!(s.reached_active());
        assert_eq!(s.stage_frame(Stage::Active), Some(44));
        assert_eq!(s.stage_frame(Stage::Capabilities), Some(40));
        assert_eq!(s.logon_frame, Some(45));
        assert_eq!(s.ended.how, EndHow::CaptureEnded);
        assert_eq!(s.ended.by, None);
    }

    /// A license ERROR_ALERT other than STATUS_VALID_CLIENT ends the connection in licensing.
    #[test]
    fn license_error_from_the_server() {
        let mut list = negotiated(1);
        list.push(rdp(
            30,
            Side::Server,
            RdpObserved::License(LicenseMessage {
                msg_type: 0xFF,
                error_code: Some(6),
                state_transition: Some(1),
            }),
        ));
        let s = run(&list, fin(Side::Server, 31));
        assert_eq!(s.ended.how, EndHow::LicenseError);
        assert_eq!(s.ended.code, Some(6));
        assert_eq!(s.stage, Stage::Licensing);
    }

    /// A close_notify is an orderly close: it is kept only when nothing decisive came, and a
    /// bare FIN is the ending when nothing was said at all.
    #[test]
    fn close_notify_is_soft_and_fin_is_the_default() {
        let mut list = negotiated(2);
        list.push(obs(
            20,
            Side::Server,
            Observed::Tls(Box::new(TlsObserved::Alert {
                level: 1,
                level_name: "warning",
                description: 0,
                description_name: "close_notify".into(),
            })),
        ));
        let s = run(&list, fin(Side::Server, 21));
        assert_eq!(s.ended.how, EndHow::TlsAlert);
        assert_eq!(s.ended.code, Some(0));
        let s = run(&negotiated(2), fin(Side::Client, 21));
        assert_eq!(s.ended.how, EndHow::Fin);
        assert_eq!(s.ended.by, Some(Side::Client));
        assert_eq!(s.stage, Stage::Tls);
        assert_eq!(s.stage_known, Known::ClearText);
    }
}
