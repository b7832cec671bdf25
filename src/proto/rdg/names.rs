//! Names of MS-TSGU HTTP-transport values: packet types, capability and flag bits, and the
//! error codes RD Gateways put in HANDSHAKE_RESPONSE, TUNNEL_RESPONSE, TUNNEL_AUTH_RESPONSE,
//! CHANNEL_RESPONSE and CLOSE_CHANNEL (RDP-FACTS §4.3–4.4). Names only: what a code means for
//! a connection is the detectors' business.

/// MS-TSGU 2.2.5.3 HTTP_PACKET_TYPE: the packet types of the HTTP transport.
pub const PKT_TYPE_HANDSHAKE_REQUEST: u16 = 0x01;
pub const PKT_TYPE_HANDSHAKE_RESPONSE: u16 = 0x02;
pub const PKT_TYPE_EXTENDED_AUTH_MSG: u16 = 0x03;
pub const PKT_TYPE_TUNNEL_CREATE: u16 = 0x04;
pub const PKT_TYPE_TUNNEL_RESPONSE: u16 = 0x05;
pub const PKT_TYPE_TUNNEL_AUTH: u16 = 0x06;
pub const PKT_TYPE_TUNNEL_AUTH_RESPONSE: u16 = 0x07;
pub const PKT_TYPE_CHANNEL_CREATE: u16 = 0x08;
pub const PKT_TYPE_CHANNEL_RESPONSE: u16 = 0x09;
pub const PKT_TYPE_DATA: u16 = 0x0A;
pub const PKT_TYPE_SERVICE_MESSAGE: u16 = 0x0B;
pub const PKT_TYPE_REAUTH_MESSAGE: u16 = 0x0C;
pub const PKT_TYPE_KEEPALIVE: u16 = 0x0D;
pub const PKT_TYPE_CLOSE_CHANNEL: u16 = 0x10;
pub const PKT_TYPE_CLOSE_CHANNEL_RESPONSE: u16 = 0x11;

/// Name of a packet type (without the `PKT_TYPE_` prefix); `None` for values MS-TSGU does
/// not define.
pub fn packet_type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        PKT_TYPE_HANDSHAKE_REQUEST => "HANDSHAKE_REQUEST",
        PKT_TYPE_HANDSHAKE_RESPONSE => "HANDSHAKE_RESPONSE",
        PKT_TYPE_EXTENDED_AUTH_MSG => "EXTENDED_AUTH_MSG",
        PKT_TYPE_TUNNEL_CREATE => "TUNNEL_CREATE",
        PKT_TYPE_TUNNEL_RESPONSE => "TUNNEL_RESPONSE",
        PKT_TYPE_TUNNEL_AUTH => "TUNNEL_AUTH",
        PKT_TYPE_TUNNEL_AUTH_RESPONSE => "TUNNEL_AUTH_RESPONSE",
        PKT_TYPE_CHANNEL_CREATE => "CHANNEL_CREATE",
        PKT_TYPE_CHANNEL_RESPONSE => "CHANNEL_RESPONSE",
        PKT_TYPE_DATA => "DATA",
        PKT_TYPE_SERVICE_MESSAGE => "SERVICE_MESSAGE",
        PKT_TYPE_REAUTH_MESSAGE => "REAUTH_MESSAGE",
        PKT_TYPE_KEEPALIVE => "KEEPALIVE",
        PKT_TYPE_CLOSE_CHANNEL => "CLOSE_CHANNEL",
        PKT_TYPE_CLOSE_CHANNEL_RESPONSE => "CLOSE_CHANNEL_RESPONSE",
        _ => return None,
    })
}

/// Smallest `packetLength` of each packet type: the header plus the fixed part of its body
/// (RDP-FACTS §4.3 table).
pub fn min_packet_length(t: u16) -> Option<u32> {
    Some(match t {
        PKT_TYPE_HANDSHAKE_REQUEST => 14,
        PKT_TYPE_HANDSHAKE_RESPONSE => 18,
        PKT_TYPE_EXTENDED_AUTH_MSG => 14,
        PKT_TYPE_TUNNEL_CREATE => 16,
        PKT_TYPE_TUNNEL_RESPONSE => 18,
        PKT_TYPE_TUNNEL_AUTH => 12,
        PKT_TYPE_TUNNEL_AUTH_RESPONSE => 16,
        PKT_TYPE_CHANNEL_CREATE => 14,
        PKT_TYPE_CHANNEL_RESPONSE => 16,
        PKT_TYPE_DATA => 10,
        PKT_TYPE_SERVICE_MESSAGE => 10,
        PKT_TYPE_REAUTH_MESSAGE => 16,
        PKT_TYPE_KEEPALIVE => 8,
        PKT_TYPE_CLOSE_CHANNEL | PKT_TYPE_CLOSE_CHANNEL_RESPONSE => 12,
        _ => return None,
    })
}

/// Names of the set bits of `value` from a (bit, name) table; unknown bits as `0x…`.
pub fn flag_names(value: u32, table: &[(u32, &'static str)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    for &(bit, name) in table {
        if value & bit != 0 {
            out.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push(format!("0x{rest:X}"));
    }
    out
}

/// MS-TSGU 2.2.5.3 HTTP_CAPABILITY_TYPE (TUNNEL_CREATE / TUNNEL_RESPONSE capsFlags).
pub const CAPABILITIES: &[(u32, &str)] = &[
    (0x01, "QUAR_SOH"),
    (0x02, "IDLE_TIMEOUT"),
    (0x04, "MESSAGING_CONSENT_SIGN"),
    (0x08, "MESSAGING_SERVICE_MSG"),
    (0x10, "REAUTH"),
    (0x20, "UDP_TRANSPORT"),
];

/// MS-TSGU 2.2.5.3 HTTP_EXTENDED_AUTH (HANDSHAKE_REQUEST / RESPONSE extendedAuth); 0x8
/// is FreeRDP's bearer-token extension, not in the specification.
pub const EXTENDED_AUTH: &[(u32, &str)] = &[
    (0x01, "SC"),
    (0x02, "PAA"),
    (0x04, "SSPI_NTLM"),
    (0x08, "BEARER"),
];

/// MS-TSGU 2.2.5.3 HTTP_TUNNEL_REDIR_FLAGS (TUNNEL_AUTH_RESPONSE redirFlags).
pub const REDIRECT_FLAGS: &[(u32, &str)] = &[
    (0x8000_0000, "ENABLE_ALL"),
    (0x4000_0000, "DISABLE_ALL"),
    (0x01, "DISABLE_DRIVE"),
    (0x02, "DISABLE_PRINTER"),
    (0x04, "DISABLE_PORT"),
    (0x08, "DISABLE_CLIPBOARD"),
    (0x10, "DISABLE_PNP"),
];

/// Win32 / E_PROXY codes by their low 16 bits (MS-TSGU 2.2.6.1 HRESULT values carry
/// facility 7, `0x8007xxxx`; 2.2.6.2 Win32 codes are sent bare).
fn code16_name(low: u32) -> Option<&'static str> {
    Some(match low {
        0x0000 => "S_OK",
        0x0005 => "ERROR_ACCESS_DENIED",
        0x00A0 => "ERROR_BAD_ARGUMENTS",
        0x03E3 => "ERROR_OPERATION_ABORTED",
        0x04CA => "ERROR_GRACEFUL_DISCONNECT",
        0x04D4 => "E_PROXY_CONNECTIONABORTED",
        0x071A => "RPC_S_CALL_CANCELLED",
        0x59D8 => "E_PROXY_INTERNALERROR",
        0x59DA => "E_PROXY_RAP_ACCESSDENIED",
        0x59DB => "E_PROXY_NAP_ACCESSDENIED",
        0x59DD => "E_PROXY_TS_CONNECTFAILED",
        0x59DF => "E_PROXY_ALREADYDISCONNECTED",
        0x59E6 => "E_PROXY_MAXCONNECTIONSREACHED",
        0x59E8 => "E_PROXY_NOTSUPPORTED",
        0x59E9 => "E_PROXY_CAPABILITYMISMATCH",
        0x59ED => "E_PROXY_QUARANTINE_ACCESSDENIED",
        0x59EE => "E_PROXY_NOCERTAVAILABLE",
        0x59F6 => "E_PROXY_SESSIONTIMEOUT",
        0x59F7 => "E_PROXY_COOKIE_BADPACKET",
        0x59F8 => "E_PROXY_COOKIE_AUTHENTICATION_ACCESS_DENIED",
        0x59F9 => "E_PROXY_UNSUPPORTED_AUTHENTICATION_METHOD",
        0x59FA => "E_PROXY_REAUTH_AUTHN_FAILED",
        0x59FB => "E_PROXY_REAUTH_CAP_FAILED",
        0x59FC => "E_PROXY_REAUTH_RAP_FAILED",
        0x59FD => "E_PROXY_SDR_NOT_SUPPORTED_BY_TS",
        0x5A00 => "E_PROXY_REAUTH_NAP_FAILED",
        _ => return None,
    })
}

/// Name of an RD Gateway error / status code (RDP-FACTS §4.4): both the HRESULT form
/// (`0x800759DD`) and the bare Win32 form (`0x000059DD`) of a code get its name; 0 is `S_OK`.
pub fn error_name(code: u32) -> Option<&'static str> {
    match code {
        0x8009_030C => Some("SEC_E_LOGON_DENIED"),
        0x8007_0005 => Some("E_ACCESSDENIED"),
        c if c >> 16 == 0x8007 => code16_name(c & 0xFFFF).filter(|_| c & 0xFFFF != 0),
        c if c >> 16 == 0 => code16_name(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_in_both_forms() {
        assert_eq!(error_name(0x8007_59DD), Some("E_PROXY_TS_CONNECTFAILED"));
        assert_eq!(error_name(0x0000_59DD), Some("E_PROXY_TS_CONNECTFAILED"));
        assert_eq!(error_name(0x8007_59DA), Some("E_PROXY_RAP_ACCESSDENIED"));
        assert_eq!(error_name(0), Some("S_OK"));
        assert_eq!(error_name(0x8007_0000), None);
        assert_eq!(error_name(0x8009_030C), Some("SEC_E_LOGON_DENIED"));
        assert_eq!(error_name(0xA0), Some("ERROR_BAD_ARGUMENTS"));
        assert_eq!(error_name(0x1234_5678), None);
    }

    #[test]
    fn flags() {
        assert_eq!(
            flag_names(0x0D, CAPABILITIES),
            [
                "QUAR_SOH",
                "MESSAGING_CONSENT_SIGN",
                "MESSAGING_SERVICE_MSG"
            ]
        );
        assert_eq!(
            flag_names(0x8000_0100, REDIRECT_FLAGS),
            ["ENABLE_ALL", "0x100"]
        );
        assert!(flag_names(0, CAPABILITIES).is_empty());
        assert_eq!(packet_type_name(0x0E), None);
        assert_eq!(packet_type_name(9), Some("CHANNEL_RESPONSE"));
    }
}
