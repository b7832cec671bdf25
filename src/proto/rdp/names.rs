//! Code → name tables of the RDP connection sequence (placeholder; the full tables come with
//! the inner decoders).

/// MS-RDPBCGR 2.2.5.1.1 errorInfo.
pub fn error_info(code: u32) -> Option<&'static str> {
    Some(match code {
        0x1 => "ERRINFO_RPC_INITIATED_DISCONNECT",
        0x2 => "ERRINFO_RPC_INITIATED_LOGOFF",
        0x3 => "ERRINFO_IDLE_TIMEOUT",
        0x4 => "ERRINFO_LOGON_TIMEOUT",
        0x5 => "ERRINFO_DISCONNECTED_BY_OTHERCONNECTION",
        0x6 => "ERRINFO_OUT_OF_MEMORY",
        0x7 => "ERRINFO_SERVER_DENIED_CONNECTION",
        0x9 => "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES",
        0xA => "ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED",
        0xB => "ERRINFO_RPC_INITIATED_DISCONNECT_BYUSER",
        0xC => "ERRINFO_LOGOFF_BY_USER",
        _ => return None,
    })
}

/// NTSTATUS values of MS-CSSP 2.2.1 errorCode.
pub fn ntstatus(code: u32) -> Option<&'static str> {
    Some(match code {
        0xC000006D => "STATUS_LOGON_FAILURE",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.10.2 Early User Authorization Result.
pub fn early_authorization_result(code: u32) -> Option<&'static str> {
    Some(match code {
        0 => "AUTHZ_SUCCESS",
        5 => "AUTHZ_ACCESS_DENIED",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.1.12.1.3 LICENSE_ERROR_MESSAGE dwErrorCode.
pub fn license_error(code: u32) -> Option<&'static str> {
    Some(match code {
        7 => "STATUS_VALID_CLIENT",
        _ => return None,
    })
}

/// MS-RDPBCGR 2.2.10.1.1.4.1.1 TS_LOGON_ERRORS_INFO ErrorNotificationType.
pub fn logon_error(code: u32) -> Option<&'static str> {
    Some(match code {
        0xFFFF_FFFF => "LOGON_MSG_SESSION_BUSY_OPTIONS",
        _ => return None,
    })
}
