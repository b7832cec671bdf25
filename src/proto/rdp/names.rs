//! Code → name tables of the RDP connection sequence (MS-RDPBCGR, MS-RDPELE, MS-CSSP,
//! T.125). Every table returns `Option<&'static str>`: a value the table does not know is
//! `None`, never an error, so decoders keep the raw number and reports print it.
//!
//! Written from the specifications (section numbers on each table); no code is shared with
//! other implementations.

/// MS-RDPBCGR 2.2.5.1.1 Set Error Info PDU errorInfo: every value the specification lists
/// (protocol-independent, licensing, Connection Broker and RDP protocol codes).
pub fn error_info(code: u32) -> Option<&'static str> {
    Some(match code {
        0x00000000 => "ERRINFO_NONE",
        0x00000001 => "ERRINFO_RPC_INITIATED_DISCONNECT",
        0x00000002 => "ERRINFO_RPC_INITIATED_LOGOFF",
        0x00000003 => "ERRINFO_IDLE_TIMEOUT",
        0x00000004 => "ERRINFO_LOGON_TIMEOUT",
        0x00000005 => "ERRINFO_DISCONNECTED_BY_OTHERCONNECTION",
        0x00000006 => "ERRINFO_OUT_OF_MEMORY",
        0x00000007 => "ERRINFO_SERVER_DENIED_CONNECTION",
        0x00000009 => "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES",
        0x0000000A => "ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED",
        0x0000000B => "ERRINFO_RPC_INITIATED_DISCONNECT_BYUSER",
        0x0000000C => "ERRINFO_LOGOFF_BY_USER",
        0x0000000F => "ERRINFO_CLOSE_STACK_ON_DRIVER_NOT_READY",
        0x00000010 => "ERRINFO_SERVER_DWM_CRASH",
        0x00000011 => "ERRINFO_CLOSE_STACK_ON_DRIVER_FAILURE",
        0x00000012 => "ERRINFO_CLOSE_STACK_ON_DRIVER_IFACE_FAILURE",
        0x00000017 => "ERRINFO_SERVER_WINLOGON_CRASH",
        0x00000018 => "ERRINFO_SERVER_CSRSS_CRASH",
        0x00000019 => "ERRINFO_SERVER_SHUTDOWN",
        0x0000001A => "ERRINFO_SERVER_REBOOT",
        0x00000100 => "ERRINFO_LICENSE_INTERNAL",
        0x00000101 => "ERRINFO_LICENSE_NO_LICENSE_SERVER",
        0x00000102 => "ERRINFO_LICENSE_NO_LICENSE",
        0x00000103 => "ERRINFO_LICENSE_BAD_CLIENT_MSG",
        0x00000104 => "ERRINFO_LICENSE_HWID_DOESNT_MATCH_LICENSE",
        0x00000105 => "ERRINFO_LICENSE_BAD_CLIENT_LICENSE",
        0x00000106 => "ERRINFO_LICENSE_CANT_FINISH_PROTOCOL",
        0x00000107 => "ERRINFO_LICENSE_CLIENT_ENDED_PROTOCOL",
        0x00000108 => "ERRINFO_LICENSE_BAD_CLIENT_ENCRYPTION",
        0x00000109 => "ERRINFO_LICENSE_CANT_UPGRADE_LICENSE",
        0x0000010A => "ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS",
        0x00000400 => "ERRINFO_CB_DESTINATION_NOT_FOUND",
        0x00000402 => "ERRINFO_CB_LOADING_DESTINATION",
        0x00000404 => "ERRINFO_CB_REDIRECTING_TO_DESTINATION",
        0x00000405 => "ERRINFO_CB_SESSION_ONLINE_VM_WAKE",
        0x00000406 => "ERRINFO_CB_SESSION_ONLINE_VM_BOOT",
        0x00000407 => "ERRINFO_CB_SESSION_ONLINE_VM_NO_DNS",
        0x00000408 => "ERRINFO_CB_DESTINATION_POOL_NOT_FREE",
        0x00000409 => "ERRINFO_CB_CONNECTION_CANCELLED",
        0x00000410 => "ERRINFO_CB_CONNECTION_ERROR_INVALID_SETTINGS",
        0x00000411 => "ERRINFO_CB_SESSION_ONLINE_VM_BOOT_TIMEOUT",
        0x00000412 => "ERRINFO_CB_SESSION_ONLINE_VM_SESSMON_FAILED",
        0x000010C9 => "ERRINFO_UNKNOWNPDUTYPE2",
        0x000010CA => "ERRINFO_UNKNOWNPDUTYPE",
        0x000010CB => "ERRINFO_DATAPDUSEQUENCE",
        0x000010CD => "ERRINFO_CONTROLPDUSEQUENCE",
        0x000010CE => "ERRINFO_INVALIDCONTROLPDUACTION",
        0x000010CF => "ERRINFO_INVALIDINPUTPDUTYPE",
        0x000010D0 => "ERRINFO_INVALIDINPUTPDUMOUSE",
        0x000010D1 => "ERRINFO_INVALIDREFRESHRECTPDU",
        0x000010D2 => "ERRINFO_CREATEUSERDATAFAILED",
        0x000010D3 => "ERRINFO_CONNECTFAILED",
        0x000010D4 => "ERRINFO_CONFIRMACTIVEWRONGSHAREID",
        0x000010D5 => "ERRINFO_CONFIRMACTIVEWRONGORIGINATOR",
        0x000010DA => "ERRINFO_PERSISTENTKEYPDUBADLENGTH",
        0x000010DB => "ERRINFO_PERSISTENTKEYPDUILLEGALFIRST",
        0x000010DC => "ERRINFO_PERSISTENTKEYPDUTOOMANYTOTALKEYS",
        0x000010DD => "ERRINFO_PERSISTENTKEYPDUTOOMANYCACHEKEYS",
        0x000010DE => "ERRINFO_INPUTPDUBADLENGTH",
        0x000010DF => "ERRINFO_BITMAPCACHEERRORPDUBADLENGTH",
        0x000010E0 => "ERRINFO_SECURITYDATATOOSHORT",
        0x000010E1 => "ERRINFO_VCHANNELDATATOOSHORT",
        0x000010E2 => "ERRINFO_SHAREDATATOOSHORT",
        0x000010E3 => "ERRINFO_BADSUPRESSOUTPUTPDU",
        0x000010E5 => "ERRINFO_CONFIRMACTIVEPDUTOOSHORT",
        0x000010E7 => "ERRINFO_CAPABILITYSETTOOSMALL",
        0x000010E8 => "ERRINFO_CAPABILITYSETTOOLARGE",
        0x000010E9 => "ERRINFO_NOCURSORCACHE",
        0x000010EA => "ERRINFO_BADCAPABILITIES",
        0x000010EC => "ERRINFO_VIRTUALCHANNELDECOMPRESSIONERR",
        0x000010ED => "ERRINFO_INVALIDVCCOMPRESSIONTYPE",
        0x000010EF => "ERRINFO_INVALIDCHANNELID",
        0x000010F0 => "ERRINFO_VCHANNELSTOOMANY",
        0x000010F3 => "ERRINFO_REMOTEAPPSNOTENABLED",
        0x000010F4 => "ERRINFO_CACHECAPNOTSET",
        0x000010F5 => "ERRINFO_BITMAPCACHEERRORPDUBADLENGTH2",
        0x000010F6 => "ERRINFO_OFFSCRCACHEERRORPDUBADLENGTH",
        0x000010F7 => "ERRINFO_DNGCACHEERRORPDUBADLENGTH",
        0x000010F8 => "ERRINFO_GDIPLUSPDUBADLENGTH",
        0x00001111 => "ERRINFO_SECURITYDATATOOSHORT2",
        0x00001112 => "ERRINFO_SECURITYDATATOOSHORT3",
        0x00001113 => "ERRINFO_SECURITYDATATOOSHORT4",
        0x00001114 => "ERRINFO_SECURITYDATATOOSHORT5",
        0x00001115 => "ERRINFO_SECURITYDATATOOSHORT6",
        0x00001116 => "ERRINFO_SECURITYDATATOOSHORT7",
        0x00001117 => "ERRINFO_SECURITYDATATOOSHORT8",
        0x00001118 => "ERRINFO_SECURITYDATATOOSHORT9",
        0x00001119 => "ERRINFO_SECURITYDATATOOSHORT10",
        0x0000111A => "ERRINFO_SECURITYDATATOOSHORT11",
        0x0000111B => "ERRINFO_SECURITYDATATOOSHORT12",
        0x0000111C => "ERRINFO_SECURITYDATATOOSHORT13",
        0x0000111D => "ERRINFO_SECURITYDATATOOSHORT14",
        0x0000111E => "ERRINFO_SECURITYDATATOOSHORT15",
        0x0000111F => "ERRINFO_SECURITYDATATOOSHORT16",
        0x00001120 => "ERRINFO_SECURITYDATATOOSHORT17",
        0x00001121 => "ERRINFO_SECURITYDATATOOSHORT18",
        0x00001122 => "ERRINFO_SECURITYDATATOOSHORT19",
        0x00001123 => "ERRINFO_SECURITYDATATOOSHORT20",
        0x00001124 => "ERRINFO_SECURITYDATATOOSHORT21",
        0x00001125 => "ERRINFO_SECURITYDATATOOSHORT22",
        0x00001126 => "ERRINFO_SECURITYDATATOOSHORT23",
        0x00001129 => "ERRINFO_BADMONITORDATA",
        0x0000112A => "ERRINFO_VCDECOMPRESSEDREASSEMBLEFAILED",
        0x0000112B => "ERRINFO_VCDATATOOLONG",
        0x0000112C => "ERRINFO_BAD_FRAME_ACK_DATA",
        0x0000112D => "ERRINFO_GRAPHICSMODENOTSUPPORTED",
        0x0000112E => "ERRINFO_GRAPHICSSUBSYSTEMRESETFAILED",
        0x0000112F => "ERRINFO_GRAPHICSSUBSYSTEMFAILED",
        0x00001130 => "ERRINFO_TIMEZONEKEYNAMELENGTHTOOSHORT",
        0x00001131 => "ERRINFO_TIMEZONEKEYNAMELENGTHTOOLONG",
        0x00001132 => "ERRINFO_DYNAMICDSTDISABLEDFIELDMISSING",
        0x00001133 => "ERRINFO_VCDECODINGERROR",
        0x00001134 => "ERRINFO_VIRTUALDESKTOPTOOLARGE",
        0x00001135 => "ERRINFO_MONITORGEOMETRYVALIDATIONFAILED",
        0x00001136 => "ERRINFO_INVALIDMONITORCOUNT",
        0x00001191 => "ERRINFO_UPDATESESSIONKEYFAILED",
        0x00001192 => "ERRINFO_DECRYPTFAILED",
        0x00001193 => "ERRINFO_ENCRYPTFAILED",
        0x00001194 => "ERRINFO_ENCPKGMISMATCH",
        0x00001195 => "ERRINFO_DECRYPTFAILED2",
        _ => return None,
    })
}

/// NTSTATUS values a server puts in MS-CSSP 2.2.1 TSRequest.errorCode (and that
/// TS_LOGON_ERRORS_INFO.ErrorNotificationType may carry): the logon failures MS-ERREF 2.3.1
/// names, as far as CredSSP uses them.
pub fn ntstatus(code: u32) -> Option<&'static str> {
    Some(match code {
        0x0000_0000 => "STATUS_SUCCESS",
        0xC000_0022 => "STATUS_ACCESS_DENIED",
        0xC000_005E => "STATUS_NO_LOGON_SERVERS",
        0xC000_0064 => "STATUS_NO_SUCH_USER",
        0xC000_006A => "STATUS_WRONG_PASSWORD",
        0xC000_006D => "STATUS_LOGON_FAILURE",
        0xC000_006E => "STATUS_ACCOUNT_RESTRICTION",
        0xC000_006F => "STATUS_INVALID_LOGON_HOURS",
        0xC000_0070 => "STATUS_INVALID_WORKSTATION",
        0xC000_0071 => "STATUS_PASSWORD_EXPIRED",
        0xC000_0072 => "STATUS_ACCOUNT_DISABLED",
        0xC000_00BB => "STATUS_NOT_SUPPORTED",
        0xC000_0133 => "STATUS_TIME_DIFFERENCE_AT_DC",
        0xC000_015B => "STATUS_LOGON_TYPE_NOT_GRANTED",
        0xC000_018D => "STATUS_TRUSTED_RELATIONSHIP_FAILURE",
        0xC000_0193 => "STATUS_ACCOUNT_EXPIRED",
        0xC000_0224 => "STATUS_PASSWORD_MUST_CHANGE",
        0xC000_0234 => "STATUS_ACCOUNT_LOCKED_OUT",
        _ => return None,
    })
}

/// HRESULT / SSPI SEC_E_* values (MS-ERREF 2.1.1) relevant to CredSSP: client-local SSPI
/// results that some servers also return in TSRequest.errorCode, and the multitransport
/// hrResponse values (MS-RDPBCGR 2.2.15.2).
pub fn hresult(code: u32) -> Option<&'static str> {
    Some(match code {
        0x0000_0000 => "S_OK",
        0x8000_4004 => "E_ABORT",
        0x8009_0302 => "SEC_E_UNSUPPORTED_FUNCTION",
        0x8009_0303 => "SEC_E_TARGET_UNKNOWN",
        0x8009_0304 => "SEC_E_INTERNAL_ERROR",
        0x8009_0308 => "SEC_E_INVALID_TOKEN",
        0x8009_030C => "SEC_E_LOGON_DENIED",
        0x8009_030D => "SEC_E_UNKNOWN_CREDENTIALS",
        0x8009_030F => "SEC_E_MESSAGE_ALTERED",
        0x8009_0311 => "SEC_E_NO_AUTHENTICATING_AUTHORITY",
        0x8009_0322 => "SEC_E_WRONG_PRINCIPAL",
        0x8009_0324 => "SEC_E_TIME_SKEW",
        0x8009_0325 => "SEC_E_UNTRUSTED_ROOT",
        0x8009_0328 => "SEC_E_CERT_EXPIRED",
        0x8009_0330 => "SEC_E_DECRYPT_FAILURE",
        0x8009_0331 => "SEC_E_ALGORITHM_MISMATCH",
        _ => return None,
    })
}

/// A TSRequest.errorCode by whichever table knows it (NTSTATUS first).
pub fn credssp_error(code: u32) -> Option<&'static str> {
    ntstatus(code).or_else(|| hresult(code))
}

/// MS-RDPBCGR 2.2.1.12.1.3 LICENSE_ERROR_MESSAGE dwErrorCode.
pub fn license_error(code: u32) -> Option<&'static str> {
    Some(match code {
        0x01 => "ERR_INVALID_SERVER_CERTIFICATE",
        0x02 => "ERR_NO_LICENSE",
        0x03 => "ERR_INVALID_MAC",
        0x04 => "ERR_INVALID_SCOPE",
        0x06 => "ERR_NO_LICENSE_SERVER",
        0x07 => "STATUS_VALID_CLIENT",
        0x08 => "ERR_INVALID_CLIENT",
        0x0B => "ERR_INVALID_PRODUCTID",
        0x0C => "ERR_INVALID_MESSAGE_LEN",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.1.12.1.3 LICENSE_ERROR_MESSAGE dwStateTransition.
pub fn license_state_transition(code: u32) -> Option<&'static str> {
    Some(match code {
        1 => "ST_TOTAL_ABORT",
        2 => "ST_NO_TRANSITION",
        3 => "ST_RESET_PHASE_TO_START",
        4 => "ST_RESEND_LAST_MESSAGE",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.1.12.1.1 LICENSE_PREAMBLE bMsgType.
pub fn license_message(msg_type: u8) -> Option<&'static str> {
    Some(match msg_type {
        0x01 => "LICENSE_REQUEST",
        0x02 => "PLATFORM_CHALLENGE",
        0x03 => "NEW_LICENSE",
        0x04 => "UPGRADE_LICENSE",
        0x12 => "LICENSE_INFO",
        0x13 => "NEW_LICENSE_REQUEST",
        0x15 => "PLATFORM_CHALLENGE_RESPONSE",
        0xFF => "ERROR_ALERT",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.1.13.1.1.1 TS_CAPS_SET capabilitySetType.
pub fn capability_set(kind: u16) -> Option<&'static str> {
    Some(match kind {
        0x0001 => "CAPSTYPE_GENERAL",
        0x0002 => "CAPSTYPE_BITMAP",
        0x0003 => "CAPSTYPE_ORDER",
        0x0004 => "CAPSTYPE_BITMAPCACHE",
        0x0005 => "CAPSTYPE_CONTROL",
        0x0007 => "CAPSTYPE_ACTIVATION",
        0x0008 => "CAPSTYPE_POINTER",
        0x0009 => "CAPSTYPE_SHARE",
        0x000A => "CAPSTYPE_COLORCACHE",
        0x000C => "CAPSTYPE_SOUND",
        0x000D => "CAPSTYPE_INPUT",
        0x000E => "CAPSTYPE_FONT",
        0x000F => "CAPSTYPE_BRUSH",
        0x0010 => "CAPSTYPE_GLYPHCACHE",
        0x0011 => "CAPSTYPE_OFFSCREENCACHE",
        0x0012 => "CAPSTYPE_BITMAPCACHE_HOSTSUPPORT",
        0x0013 => "CAPSTYPE_BITMAPCACHE_REV2",
        0x0014 => "CAPSTYPE_VIRTUALCHANNEL",
        0x0015 => "CAPSTYPE_DRAWNINEGRIDCACHE",
        0x0016 => "CAPSTYPE_DRAWGDIPLUS",
        0x0017 => "CAPSTYPE_RAIL",
        0x0018 => "CAPSTYPE_WINDOW",
        0x0019 => "CAPSETTYPE_COMPDESK",
        0x001A => "CAPSETTYPE_MULTIFRAGMENTUPDATE",
        0x001B => "CAPSETTYPE_LARGE_POINTER",
        0x001C => "CAPSETTYPE_SURFACE_COMMANDS",
        0x001D => "CAPSETTYPE_BITMAP_CODECS",
        0x001E => "CAPSSETTYPE_FRAME_ACKNOWLEDGE",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.10.1.1 TS_SAVE_SESSION_INFO_PDU_DATA infoType.
pub fn session_info_type(info_type: u32) -> Option<&'static str> {
    Some(match info_type {
        0 => "INFOTYPE_LOGON",
        1 => "INFOTYPE_LOGON_LONG",
        2 => "INFOTYPE_LOGON_PLAINNOTIFY",
        3 => "INFOTYPE_LOGON_EXTENDED_INFO",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.10.1.1.4.1.1 TS_LOGON_ERRORS_INFO ErrorNotificationType: the LOGON_MSG_*
/// values (anything else is an NTSTATUS, see [`ntstatus`]).
pub fn logon_error_type(code: u32) -> Option<&'static str> {
    Some(match code {
        0xFFFF_FFF8 => "LOGON_MSG_SESSION_BUSY_OPTIONS",
        0xFFFF_FFF9 => "LOGON_MSG_DISCONNECT_REFUSED",
        0xFFFF_FFFA => "LOGON_MSG_NO_PERMISSION",
        0xFFFF_FFFB => "LOGON_MSG_BUMP_OPTIONS",
        0xFFFF_FFFC => "LOGON_MSG_RECONNECT_OPTIONS",
        0xFFFF_FFFD => "LOGON_MSG_SESSION_TERMINATE",
        0xFFFF_FFFE => "LOGON_MSG_SESSION_CONTINUE",
        0xFFFF_FFFF => "ERROR_CODE_ACCESS_DENIED",
        other => return ntstatus(other),
    })
}

/// MS-RDPBCGR 2.2.10.1.1.4.1.1 TS_LOGON_ERRORS_INFO ErrorNotificationData.
pub fn logon_error_data(code: u32) -> Option<&'static str> {
    Some(match code {
        0 => "LOGON_FAILED_BAD_PASSWORD",
        1 => "LOGON_FAILED_UPDATE_PASSWORD",
        2 => "LOGON_FAILED_OTHER",
        3 => "LOGON_WARNING",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.13.1 RDP_SERVER_REDIRECTION_PACKET RedirFlags, one name per set bit.
pub fn redirection_flags(flags: u32) -> Vec<&'static str> {
    const BITS: [(u32, &str); 15] = [
        (0x0000_0001, "LB_TARGET_NET_ADDRESS"),
        (0x0000_0002, "LB_LOAD_BALANCE_INFO"),
        (0x0000_0004, "LB_USERNAME"),
        (0x0000_0008, "LB_DOMAIN"),
        (0x0000_0010, "LB_PASSWORD"),
        (0x0000_0020, "LB_DONTSTOREUSERNAME"),
        (0x0000_0040, "LB_SMARTCARD_LOGON"),
        (0x0000_0080, "LB_NOREDIRECT"),
        (0x0000_0100, "LB_TARGET_FQDN"),
        (0x0000_0200, "LB_TARGET_NETBIOS_NAME"),
        (0x0000_0800, "LB_TARGET_NET_ADDRESSES"),
        (0x0000_1000, "LB_CLIENT_TSV_URL"),
        (0x0000_2000, "LB_SERVER_TSV_CAPABLE"),
        (0x0000_4000, "LB_PASSWORD_IS_PK_ENCRYPTED"),
        (0x0000_8000, "LB_REDIRECTION_GUID"),
    ];
    BITS.iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|&(_, name)| name)
        .collect()
}

/// T.125 (ITU-T T.125 7, Result) MCS result of Attach User / Channel Join Confirm and
/// Connect-Response.
pub fn mcs_result(result: u8) -> Option<&'static str> {
    Some(match result {
        0 => "rt-successful",
        1 => "rt-domain-merging",
        2 => "rt-domain-not-hierarchical",
        3 => "rt-no-such-channel",
        4 => "rt-no-such-domain",
        5 => "rt-no-such-user",
        6 => "rt-not-admitted",
        7 => "rt-other-user-id",
        8 => "rt-parameters-unacceptable",
        9 => "rt-token-not-available",
        10 => "rt-token-not-possessed",
        11 => "rt-too-many-channels",
        12 => "rt-too-many-tokens",
        13 => "rt-too-many-users",
        14 => "rt-unspecified-failure",
        15 => "rt-user-rejected",
        _ => return None,
    })
}

/// T.125 Reason of the Disconnect Provider Ultimatum.
pub fn mcs_reason(reason: u8) -> Option<&'static str> {
    Some(match reason {
        0 => "rn-domain-disconnected",
        1 => "rn-provider-initiated",
        2 => "rn-token-purged",
        3 => "rn-user-requested",
        4 => "rn-channel-purged",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.10.2 Early User Authorization Result PDU authorizationResult.
pub fn early_user_authorization(result: u32) -> Option<&'static str> {
    Some(match result {
        0 => "AUTHZ_SUCCESS",
        5 => "AUTHZ_ACCESS_DENIED",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.17.4 RDSTLS Authentication Response resultCode (Win32 error numbers).
pub fn rdstls_result(code: u32) -> Option<&'static str> {
    Some(match code {
        0x0000_0000 => "RDSTLS_RESULT_SUCCESS",
        0x0000_0005 => "RDSTLS_RESULT_ACCESS_DENIED",
        0x0000_052E => "RDSTLS_RESULT_LOGON_FAILURE",
        0x0000_0530 => "RDSTLS_RESULT_INVALID_LOGON_HOURS",
        0x0000_0532 => "RDSTLS_RESULT_PASSWORD_EXPIRED",
        0x0000_0533 => "RDSTLS_RESULT_ACCOUNT_DISABLED",
        0x0000_0773 => "RDSTLS_RESULT_PASSWORD_MUST_CHANGE",
        0x0000_0775 => "RDSTLS_RESULT_ACCOUNT_LOCKED_OUT",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.8.1.1.1.2 TS_SHAREDATAHEADER pduType2.
pub fn share_data_type(pdu_type2: u8) -> Option<&'static str> {
    Some(match pdu_type2 {
        0x02 => "PDUTYPE2_UPDATE",
        0x14 => "PDUTYPE2_CONTROL",
        0x1B => "PDUTYPE2_POINTER",
        0x1C => "PDUTYPE2_INPUT",
        0x1F => "PDUTYPE2_SYNCHRONIZE",
        0x21 => "PDUTYPE2_REFRESH_RECT",
        0x22 => "PDUTYPE2_PLAY_SOUND",
        0x23 => "PDUTYPE2_SUPPRESS_OUTPUT",
        0x24 => "PDUTYPE2_SHUTDOWN_REQUEST",
        0x25 => "PDUTYPE2_SHUTDOWN_DENIED",
        0x26 => "PDUTYPE2_SAVE_SESSION_INFO",
        0x27 => "PDUTYPE2_FONTLIST",
        0x28 => "PDUTYPE2_FONTMAP",
        0x29 => "PDUTYPE2_SET_KEYBOARD_INDICATORS",
        0x2B => "PDUTYPE2_BITMAPCACHE_PERSISTENT_LIST",
        0x2C => "PDUTYPE2_BITMAPCACHE_ERROR_PDU",
        0x2D => "PDUTYPE2_SET_KEYBOARD_IME_STATUS",
        0x2E => "PDUTYPE2_OFFSCRCACHE_ERROR_PDU",
        0x2F => "PDUTYPE2_SET_ERROR_INFO_PDU",
        0x30 => "PDUTYPE2_DRAWNINEGRID_ERROR_PDU",
        0x31 => "PDUTYPE2_DRAWGDIPLUS_ERROR_PDU",
        0x32 => "PDUTYPE2_ARC_STATUS_PDU",
        0x36 => "PDUTYPE2_STATUS_INFO_PDU",
        0x37 => "PDUTYPE2_MONITOR_LAYOUT_PDU",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.1.15.1 TS_CONTROL_PDU action.
pub fn control_action(action: u16) -> Option<&'static str> {
    Some(match action {
        1 => "CTRLACTION_REQUEST_CONTROL",
        2 => "CTRLACTION_GRANTED_CONTROL",
        3 => "CTRLACTION_DETACH",
        4 => "CTRLACTION_COOPERATE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_info_value_of_the_spec_has_a_name() {
        // MS-RDPBCGR 2.2.5.1.1: the values most connect failures end with.
        assert_eq!(error_info(0x7), Some("ERRINFO_SERVER_DENIED_CONNECTION"));
        assert_eq!(
            error_info(0x9),
            Some("ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES")
        );
        assert_eq!(error_info(0x101), Some("ERRINFO_LICENSE_NO_LICENSE_SERVER"));
        assert_eq!(
            error_info(0x10A),
            Some("ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS")
        );
        assert_eq!(error_info(0x1194), Some("ERRINFO_ENCPKGMISMATCH"));
        assert_eq!(error_info(0x1126), Some("ERRINFO_SECURITYDATATOOSHORT23"));
        assert_eq!(error_info(0x1111), Some("ERRINFO_SECURITYDATATOOSHORT2"));
        // Gaps in the numbering stay unknown.
        for gap in [0x8, 0xD, 0xE, 0x401, 0x10CC, 0x10E4, 0x1196, 0xFFFF_FFFF] {
            assert_eq!(error_info(gap), None, "{gap:#x}");
        }
        // 30 non-protocol values + 76 protocol + the 0 "no error" + 22 SECURITYDATATOOSHORTn
        // counted once: the table has no duplicates.
        let named = (0..0x1200).filter(|&v| error_info(v).is_some()).count();
        assert_eq!(named, 120);
    }

    #[test]
    fn credssp_codes() {
        assert_eq!(credssp_error(0xC000_006D), Some("STATUS_LOGON_FAILURE"));
        assert_eq!(credssp_error(0x8009_030C), Some("SEC_E_LOGON_DENIED"));
        assert_eq!(credssp_error(0x1234), None);
        assert_eq!(
            logon_error_type(0xFFFF_FFFA),
            Some("LOGON_MSG_NO_PERMISSION")
        );
        assert_eq!(
            logon_error_type(0xC000_0234),
            Some("STATUS_ACCOUNT_LOCKED_OUT")
        );
    }

    #[test]
    fn licensing_and_mcs() {
        assert_eq!(license_error(7), Some("STATUS_VALID_CLIENT"));
        assert_eq!(license_error(5), None);
        assert_eq!(license_state_transition(2), Some("ST_NO_TRANSITION"));
        assert_eq!(license_message(0xFF), Some("ERROR_ALERT"));
        assert_eq!(mcs_result(15), Some("rt-user-rejected"));
        assert_eq!(mcs_result(16), None);
        assert_eq!(mcs_reason(3), Some("rn-user-requested"));
        assert_eq!(
            redirection_flags(0x0000_0103),
            [
                "LB_TARGET_NET_ADDRESS",
                "LB_LOAD_BALANCE_INFO",
                "LB_TARGET_FQDN"
            ]
        );
        assert_eq!(capability_set(0x1D), Some("CAPSETTYPE_BITMAP_CODECS"));
        assert_eq!(capability_set(0x6), None);
    }
}
