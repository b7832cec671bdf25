//! What the decoders of the RDP connection sequence (MS-RDPBCGR 1.3.1.1) saw after X.224
//! negotiation: CredSSP inside TLS, the MCS domain PDUs, the RDP security, licensing,
//! capability and finalization PDUs, and the PDUs that end or redirect a session. One
//! variant per spec structure, each carrying only the fields something reads, codes kept as
//! raw integers (names come from [`super::names`], so unknown values never fail).
//!
//! These are descriptions, never judgements: the connection state (`crate::state`) and the
//! detectors read them. Credentials and token contents are never kept: only message types,
//! lengths and the user / domain names a Client Info PDU carries.

use serde::Serialize;

/// One PDU (or one CredSSP message) of the RDP connection sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "pdu", rename_all = "snake_case")]
pub enum RdpObserved {
    /// MS-CSSP 2.2.1 TSRequest.
    CredSsp(TsRequestInfo),
    /// MS-RDPBCGR 2.2.10.2 Early User Authorization Result PDU (HYBRID_EX): 0
    /// AUTHZ_SUCCESS, 5 AUTHZ_ACCESS_DENIED.
    EarlyUserAuthorizationResult { result: u32 },
    /// MS-RDPBCGR 2.2.17 RDSTLS PDUs (capabilities, authentication request / response).
    Rdstls {
        /// 2.2.17.1: 1 CAPABILITIES, 2 AUTHREQ, 4 AUTHRSP.
        pdu_type: u16,
        /// 2.2.17.4 RDSTLS Authentication Response resultCode.
        result_code: Option<u32>,
    },
    /// MS-RDPBCGR 2.2.1.5 Client MCS Erect Domain Request.
    McsErectDomainRequest,
    /// MS-RDPBCGR 2.2.1.6 Client MCS Attach User Request.
    McsAttachUserRequest,
    /// MS-RDPBCGR 2.2.1.7 Server MCS Attach User Confirm (T.125 result, 0 = rt-successful).
    McsAttachUserConfirm { result: u8, user_id: Option<u16> },
    /// MS-RDPBCGR 2.2.1.8 Client MCS Channel Join Request.
    McsChannelJoinRequest { channel_id: u16 },
    /// MS-RDPBCGR 2.2.1.9 Server MCS Channel Join Confirm.
    McsChannelJoinConfirm { result: u8, channel_id: u16 },
    /// MS-RDPBCGR 2.2.1.10 Client Security Exchange PDU (standard RDP security).
    SecurityExchange { encrypted_random_len: u32 },
    /// MS-RDPBCGR 2.2.1.11 Client Info PDU (TS_INFO_PACKET).
    ClientInfo(ClientInfo),
    /// MS-RDPBCGR 2.2.1.12 licensing PDU / MS-RDPELE 2.2.2.
    License(LicenseMessage),
    /// MS-RDPBCGR 2.2.1.13.1 Server Demand Active PDU.
    DemandActive(CapabilitySummary),
    /// MS-RDPBCGR 2.2.1.13.2 Client Confirm Active PDU.
    ConfirmActive(CapabilitySummary),
    /// MS-RDPBCGR 2.2.1.14 / 2.2.1.19 Synchronize PDU (TS_SYNCHRONIZE_PDU).
    Synchronize,
    /// MS-RDPBCGR 2.2.1.15 / 16 / 20 / 21 Control PDU (TS_CONTROL_PDU): action 1
    /// REQUEST_CONTROL, 2 GRANTED_CONTROL, 4 COOPERATE.
    Control { action: u16 },
    /// MS-RDPBCGR 2.2.1.18 Client Font List PDU.
    FontList,
    /// MS-RDPBCGR 2.2.1.22 Server Font Map PDU: the last PDU of connection finalization.
    FontMap,
    /// MS-RDPBCGR 2.2.10.1 Save Session Info PDU (TS_SAVE_SESSION_INFO_PDU_DATA).
    SaveSessionInfo(SessionInfo),
    /// MS-RDPBCGR 2.2.5.1.1 Set Error Info PDU (TS_SET_ERROR_INFO_PDU): errorInfo.
    SetErrorInfo { error_info: u32 },
    /// MS-RDPBCGR 2.2.3.1 Server Deactivate All PDU.
    DeactivateAll,
    /// MS-RDPBCGR 2.2.2.2 Client Shutdown Request PDU.
    ShutdownRequest,
    /// MS-RDPBCGR 2.2.2.3 Server Shutdown Request Denied PDU.
    ShutdownDenied,
    /// MS-RDPBCGR 2.2.13.1 Server Redirection PDU (RDP_SERVER_REDIRECTION_PACKET).
    ServerRedirection(Redirection),
    /// MS-RDPBCGR 2.2.15.1 Server Initiate Multitransport Request PDU: requestedProtocol
    /// 0x01 TRANSPORTTYPE_UDPFECR, 0x02 TRANSPORTTYPE_UDPFECL.
    MultitransportRequest {
        request_id: u32,
        requested_protocol: u16,
    },
    /// MS-RDPBCGR 2.2.15.2 Client Initiate Multitransport Response PDU: hrResponse
    /// (0 S_OK, 0x80004004 E_ABORT).
    MultitransportResponse { request_id: u32, hr_response: u32 },
    /// MS-RDPBCGR 2.2.16.1 Server Heartbeat PDU (only the first is recorded; the rest are
    /// counted in [`SessionTraffic`]).
    Heartbeat {
        period: u8,
        warning_count: u8,
        reconnect_count: u8,
    },
    /// MS-RDPBCGR 2.2.14 Auto-Detect Request / Response PDU (first one of each side;
    /// the rest are counted): headerTypeId 0x00 request, 0x01 response; requestType.
    AutoDetect { header_type: u8, request_type: u16 },
    /// MS-RDPBCGR 2.2.9.1 / 2.2.8 the first fast-path or slow-path update / input of a side
    /// after finalization: from here on the session is active and PDUs are counted only.
    FirstSessionData { fast_path: bool },
    /// A PDU whose header decoded but whose body did not; decoding of this direction may go
    /// on (the framing is intact).
    Malformed {
        /// The structure that failed, e.g. "TS_DEMAND_ACTIVE_PDU".
        structure: &'static str,
        offset: usize,
        reason: String,
    },
    /// Encrypted (standard RDP security with SEC_ENCRYPT) or compressed data the decoder
    /// cannot read; counted once per direction.
    Unreadable { reason: &'static str },
}

/// MS-CSSP 2.2.1 TSRequest, described without its secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TsRequestInfo {
    /// TSRequest.version (2–6).
    pub version: u32,
    /// What the negoTokens carry, by message type (never the token bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<NegoToken>,
    /// authInfo present (TSCredentials, encrypted).
    pub auth_info: bool,
    /// pubKeyAuth present.
    pub pub_key_auth: bool,
    /// clientNonce present (version 5+).
    pub client_nonce: bool,
    /// errorCode (NTSTATUS, or an HRESULT), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
}

/// The authentication token inside TSRequest.negoTokens (MS-CSSP 2.2.1.1 NegoData).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NegoToken {
    /// MS-NLMP 2.2.1.1 NEGOTIATE_MESSAGE (bare or inside SPNEGO).
    NtlmNegotiate,
    /// MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE.
    NtlmChallenge,
    /// MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE.
    NtlmAuthenticate,
    /// RFC 4178 SPNEGO NegTokenInit carrying a Kerberos AP-REQ (RFC 4120 5.5.1).
    KerberosApReq,
    /// Kerberos AP-REP (RFC 4120 5.5.2).
    KerberosApRep,
    /// Kerberos KRB-ERROR (RFC 4120 5.9.1).
    KerberosError,
    /// RFC 4178 NegTokenResp without an inner token (e.g. the final accept-completed).
    SpnegoResponse,
    /// Something else (PKU2U, an unknown mechanism).
    Other,
}

/// MS-RDPBCGR 2.2.1.11.1.1 TS_INFO_PACKET: names and flags only (never the password).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientInfo {
    /// INFO_* flags (0x8 INFO_AUTOLOGON, 0x2 INFO_MOUSE, 0x40 INFO_UNICODE, …).
    pub flags: u32,
    pub domain: String,
    pub user_name: String,
    /// A password is present (cbPassword > 0); its content is not read.
    pub password_present: bool,
    /// 2.2.1.11.1.1.1 TS_EXTENDED_INFO_PACKET present.
    pub extended: bool,
}

/// MS-RDPBCGR 2.2.1.12 / MS-RDPELE 2.2.2 licensing message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LicenseMessage {
    /// LICENSE_PREAMBLE bMsgType: 0x01 LICENSE_REQUEST, 0x02 PLATFORM_CHALLENGE, 0x03
    /// NEW_LICENSE, 0x04 UPGRADE_LICENSE, 0x12 LICENSE_INFO, 0x13 NEW_LICENSE_REQUEST, 0x15
    /// PLATFORM_CHALLENGE_RESPONSE, 0xFF ERROR_ALERT.
    pub msg_type: u8,
    /// MS-RDPBCGR 2.2.1.12.1.3 LICENSE_ERROR_MESSAGE dwErrorCode (ERROR_ALERT only): 7
    /// STATUS_VALID_CLIENT is success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    /// dwStateTransition (ERROR_ALERT only): 1 ST_TOTAL_ABORT, 2 ST_NO_TRANSITION, 3
    /// ST_RESET_PHASE_TO_START, 4 ST_RESEND_LAST_MESSAGE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_transition: Option<u32>,
}

/// Demand Active / Confirm Active (MS-RDPBCGR 2.2.1.13.1.1, 2.2.1.13.2.1), summarised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CapabilitySummary {
    pub share_id: u32,
    /// sourceDescriptor (e.g. "RDP", "MSTSC").
    pub source: String,
    /// capabilitySetType of every set, in order (2.2.1.13.1.1.1 TS_CAPS_SET).
    pub capability_sets: Vec<u16>,
    /// From the General Capability Set (2.2.7.1.1): osMajorType, osMinorType.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<(u16, u16)>,
    /// From the Bitmap Capability Set (2.2.7.1.2): desktop width, height, preferred bpp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop: Option<(u16, u16, u16)>,
}

/// MS-RDPBCGR 2.2.10.1.1 TS_SAVE_SESSION_INFO_PDU_DATA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// infoType: 0 INFOTYPE_LOGON, 1 INFOTYPE_LOGON_LONG, 2 INFOTYPE_LOGON_PLAINNOTIFY, 3
    /// INFOTYPE_LOGON_EXTENDED_INFO.
    pub info_type: u32,
    /// Session id of a logon notification (LOGON / LOGON_LONG).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<u32>,
    /// 2.2.10.1.1.4.1.1 TS_LOGON_ERRORS_INFO: ErrorNotificationType (an NTSTATUS, or
    /// 0xFFFFFFF8–0xFFFFFFFF LOGON_MSG_*).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_error_type: Option<u32>,
    /// ErrorNotificationData (LOGON_FAILED_BAD_PASSWORD 0, _UPDATE_PASSWORD 1, _OTHER 2,
    /// LOGON_WARNING 3, or a session id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_error_data: Option<u32>,
}

/// MS-RDPBCGR 2.2.13.1 Server Redirection Packet, what the administrator needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Redirection {
    pub session_id: u32,
    /// RedirFlags (LB_TARGET_NET_ADDRESS 0x1, LB_LOAD_BALANCE_INFO 0x2, …).
    pub flags: u32,
    /// TargetNetAddress, TargetFQDN or TargetNetBiosName, whichever is present first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// LoadBalanceInfo present (a routing token for the broker).
    pub load_balance_info: bool,
}

/// Traffic of the session after connection finalization, counted, not recorded PDU by PDU
/// (MS-RDPBCGR 2.2.8 slow path, 2.2.9 fast path).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SessionTraffic {
    /// Server fast-path update PDUs (2.2.9.1.2).
    pub fast_path_updates: u64,
    /// Server slow-path update PDUs (2.2.9.1.1.3, Share Data with pduType2 UPDATE).
    pub slow_path_updates: u64,
    /// Client fast-path input events PDUs (2.2.8.1.2).
    pub fast_path_inputs: u64,
    /// Client slow-path input PDUs (2.2.8.1.1.3).
    pub slow_path_inputs: u64,
    /// Virtual channel PDUs (2.2.6.1), both ways.
    pub channel_pdus: u64,
    /// Heartbeat PDUs (2.2.16.1).
    pub heartbeats: u64,
    /// Auto-Detect PDUs (2.2.14), both ways.
    pub auto_detect: u64,
    /// PDUs that could not be read: encrypted under standard RDP security (SEC_ENCRYPT,
    /// encrypted fast-path) or bulk-compressed.
    pub encrypted_pdus: u64,
    /// Frame of the last PDU decoded from the client and from the server.
    pub last_client_frame: Option<u64>,
    pub last_server_frame: Option<u64>,
}
