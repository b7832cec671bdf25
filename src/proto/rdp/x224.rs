//! TPKT (RFC 1006, MS-RDPBCGR 2.2.1.1), X.224 class 0 TPDUs (ITU-T X.224, MS-RDPBCGR
//! 2.2.1.1 / 2.2.1.2) and the RDP security negotiation structures they carry.
//!
//! Hand-written: each structure is a few fixed little- or big-endian fields, and no
//! maintained crate parses RDP's negotiation messages.

use serde::Serialize;
use std::net::Ipv4Addr;

/// RFC 1006 / MS-RDPBCGR 2.2.1.1 TPKT header length.
pub const TPKT_HEADER: usize = 4;

/// A malformed negotiation structure: where (offset in the TPKT record) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct X224Error {
    pub offset: usize,
    pub reason: String,
}

fn err(offset: usize, reason: impl Into<String>) -> X224Error {
    X224Error {
        offset,
        reason: reason.into(),
    }
}

/// Total length of the TPKT record at the start of `data` (RFC 1006: version 3, reserved,
/// big-endian length including the header), or `None` when `data` does not start one.
pub fn tpkt_length(data: &[u8]) -> Option<usize> {
    if data.len() < TPKT_HEADER || data[0] != 3 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([data[2], data[3]]));
    (len >= 7).then_some(len)
}

/// X.224 TPDU code (high nibble of the byte after the length indicator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TpduKind {
    ConnectionRequest,
    ConnectionConfirm,
    Data,
    DisconnectRequest,
    Error,
    Other(u8),
}

/// Kind of the X.224 TPDU in a complete TPKT record.
pub fn tpdu_kind(record: &[u8]) -> Option<TpduKind> {
    let code = *record.get(5)? & 0xF0;
    Some(match code {
        0xE0 => TpduKind::ConnectionRequest,
        0xD0 => TpduKind::ConnectionConfirm,
        0xF0 => TpduKind::Data,
        0x80 => TpduKind::DisconnectRequest,
        0x70 => TpduKind::Error,
        other => TpduKind::Other(other),
    })
}

/// MS-RDPBCGR 2.2.1.1.1 RDP_NEG_REQ requestedProtocols / 2.2.1.2.1 selectedProtocol bits.
pub const PROTOCOL_SSL: u32 = 0x01;
pub const PROTOCOL_HYBRID: u32 = 0x02;
pub const PROTOCOL_RDSTLS: u32 = 0x04;
pub const PROTOCOL_HYBRID_EX: u32 = 0x08;
pub const PROTOCOL_RDSAAD: u32 = 0x10;

/// Names of a requestedProtocols bit set, `["RDP"]` for 0 (standard RDP security).
pub fn protocol_names(bits: u32) -> Vec<String> {
    if bits == 0 {
        return vec!["RDP".into()];
    }
    let mut names = Vec::new();
    for (bit, name) in [
        (PROTOCOL_SSL, "SSL"),
        (PROTOCOL_HYBRID, "HYBRID"),
        (PROTOCOL_RDSTLS, "RDSTLS"),
        (PROTOCOL_HYBRID_EX, "HYBRID_EX"),
        (PROTOCOL_RDSAAD, "RDSAAD"),
    ] {
        if bits & bit != 0 {
            names.push(name.to_string());
        }
    }
    let unknown = bits & !0x1F;
    if unknown != 0 {
        names.push(format!("0x{unknown:x}"));
    }
    names
}

/// Name of a selectedProtocol value (a single protocol).
pub fn selected_protocol_name(value: u32) -> String {
    match value {
        0 => "RDP".into(),
        PROTOCOL_SSL => "SSL".into(),
        PROTOCOL_HYBRID => "HYBRID".into(),
        PROTOCOL_RDSTLS => "RDSTLS".into(),
        PROTOCOL_HYBRID_EX => "HYBRID_EX".into(),
        PROTOCOL_RDSAAD => "RDSAAD".into(),
        other => format!("0x{other:x}"),
    }
}

/// MS-RDPBCGR 2.2.1.1.1 RDP_NEG_REQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NegotiationRequest {
    pub flags: u8,
    pub requested_protocols: u32,
}

impl NegotiationRequest {
    pub const RESTRICTED_ADMIN_MODE_REQUIRED: u8 = 0x01;
    pub const REDIRECTED_AUTHENTICATION_MODE_REQUIRED: u8 = 0x02;
    pub const CORRELATION_INFO_PRESENT: u8 = 0x08;
}

/// Load-balancing routing token (MS-RDPBCGR 2.2.1.1, MSFT-SDLBTS "Routing Token Format").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutingToken {
    /// The token text without its CRLF.
    pub text: String,
    /// Target of a `Cookie: msts=<ip>.<port>.<reserved>` token.
    pub target: Option<String>,
}

/// MS-RDPBCGR 2.2.1.1 Client X.224 Connection Request PDU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionRequest {
    /// The `mstshash=` value of a `Cookie: mstshash=...` line.
    pub cookie: Option<String>,
    pub routing_token: Option<RoutingToken>,
    /// Absent in legacy requests, which ask for standard RDP security.
    pub negotiation: Option<NegotiationRequest>,
    /// MS-RDPBCGR 2.2.1.1.2 RDP_NEG_CORRELATION_INFO correlationId, as a GUID string.
    pub correlation_id: Option<String>,
}

impl ConnectionRequest {
    /// Protocols asked for (0 = standard RDP security, also for legacy requests).
    pub fn requested_protocols(&self) -> u32 {
        self.negotiation.map_or(0, |n| n.requested_protocols)
    }
}

/// MS-RDPBCGR 2.2.1.2.2 RDP_NEG_FAILURE failureCode SSL_CERT_NOT_ON_SERVER: the server
/// cannot start TLS because it has no certificate.
pub const SSL_CERT_NOT_ON_SERVER: u32 = 0x0000_0003;

/// MS-RDPBCGR 2.2.1.2.2 RDP_NEG_FAILURE failureCode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NegotiationFailure {
    pub code: u32,
}

impl NegotiationFailure {
    pub fn name(self) -> String {
        match self.code {
            1 => "SSL_REQUIRED_BY_SERVER".into(),
            2 => "SSL_NOT_ALLOWED_BY_SERVER".into(),
            SSL_CERT_NOT_ON_SERVER => "SSL_CERT_NOT_ON_SERVER".into(),
            4 => "INCONSISTENT_FLAGS".into(),
            5 => "HYBRID_REQUIRED_BY_SERVER".into(),
            6 => "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER".into(),
            other => format!("UNKNOWN_FAILURE_0x{other:x}"),
        }
    }
}

/// What the server's X.224 Connection Confirm says (MS-RDPBCGR 2.2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConnectionConfirm {
    /// 2.2.1.2.1 RDP_NEG_RSP.
    Response { flags: u8, selected_protocol: u32 },
    /// 2.2.1.2.2 RDP_NEG_FAILURE.
    Failure { code: u32 },
    /// No negotiation data: a legacy server, standard RDP security.
    NoNegotiation,
}

/// Decodes a Client X.224 Connection Request from a complete TPKT record.
pub fn parse_connection_request(record: &[u8]) -> Result<ConnectionRequest, X224Error> {
    let li = usize::from(
        *record
            .get(4)
            .ok_or_else(|| err(4, "record too short for X.224"))?,
    );
    if record.get(5).map(|c| c & 0xF0) != Some(0xE0) {
        return Err(err(5, "not an X.224 Connection Request"));
    }
    if li < 6 || 5 + li > record.len() {
        return Err(err(
            4,
            format!(
                "X.224 length indicator {li} does not fit the {}-byte record",
                record.len()
            ),
        ));
    }
    let mut rest = &record[11..5 + li];
    let mut offset = 11;
    let mut req = ConnectionRequest {
        cookie: None,
        routing_token: None,
        negotiation: None,
        correlation_id: None,
    };
    // Cookie or routing token: text ending in CRLF, before any RDP_NEG_REQ.
    if !rest.is_empty()
        && rest[0] != 0x01
        && let Some(end) = rest.windows(2).position(|w| w == b"\r\n")
    {
        let text = String::from_utf8_lossy(&rest[..end]).into_owned();
        if let Some(value) = text.strip_prefix("Cookie: mstshash=") {
            req.cookie = Some(value.to_string());
        } else {
            req.routing_token = Some(RoutingToken {
                target: text.strip_prefix("Cookie: msts=").and_then(msts_target),
                text,
            });
        }
        rest = &rest[end + 2..];
        offset += end + 2;
    }
    if rest.is_empty() {
        return Ok(req);
    }
    if rest[0] != 0x01 {
        return Err(err(
            offset,
            format!(
                "unexpected byte 0x{:02x} where RDP_NEG_REQ should start",
                rest[0]
            ),
        ));
    }
    if rest.len() < 8 {
        return Err(err(
            offset,
            format!("RDP_NEG_REQ cut short: {} of 8 bytes", rest.len()),
        ));
    }
    let length = u16::from_le_bytes([rest[2], rest[3]]);
    if length != 8 {
        return Err(err(
            offset + 2,
            format!("RDP_NEG_REQ length {length}, must be 8"),
        ));
    }
    let neg = NegotiationRequest {
        flags: rest[1],
        requested_protocols: u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]),
    };
    req.negotiation = Some(neg);
    rest = &rest[8..];
    offset += 8;
    if neg.flags & NegotiationRequest::CORRELATION_INFO_PRESENT != 0 {
        // MS-RDPBCGR 2.2.1.1.2 RDP_NEG_CORRELATION_INFO: type 6, flags 0, length 36.
        if rest.len() < 36 || rest[0] != 0x06 {
            return Err(err(
                offset,
                "RDP_NEG_CORRELATION_INFO announced but missing",
            ));
        }
        req.correlation_id = rest
            .get(4..20)
            .and_then(|b| <&[u8; 16]>::try_from(b).ok())
            .map(crate::proto::wire::guid);
    }
    Ok(req)
}

/// Decodes a Server X.224 Connection Confirm from a complete TPKT record.
pub fn parse_connection_confirm(record: &[u8]) -> Result<ConnectionConfirm, X224Error> {
    let li = usize::from(
        *record
            .get(4)
            .ok_or_else(|| err(4, "record too short for X.224"))?,
    );
    if record.get(5).map(|c| c & 0xF0) != Some(0xD0) {
        return Err(err(5, "not an X.224 Connection Confirm"));
    }
    if li < 6 || 5 + li > record.len() {
        return Err(err(
            4,
            format!(
                "X.224 length indicator {li} does not fit the {}-byte record",
                record.len()
            ),
        ));
    }
    let rest = &record[11..5 + li];
    if rest.is_empty() {
        return Ok(ConnectionConfirm::NoNegotiation);
    }
    if rest.len() < 8 {
        return Err(err(
            11,
            format!("negotiation data cut short: {} of 8 bytes", rest.len()),
        ));
    }
    let length = u16::from_le_bytes([rest[2], rest[3]]);
    if length != 8 {
        return Err(err(
            13,
            format!("negotiation response length {length}, must be 8"),
        ));
    }
    let value = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    match rest[0] {
        0x02 => Ok(ConnectionConfirm::Response {
            flags: rest[1],
            selected_protocol: value,
        }),
        0x03 => Ok(ConnectionConfirm::Failure { code: value }),
        other => Err(err(11, format!("unknown negotiation type 0x{other:02x}"))),
    }
}

/// `<ip>.<port>.<reserved>`: the address is the decimal of its 4 bytes read as a
/// little-endian u32; the port is byte-swapped.
fn msts_target(value: &str) -> Option<String> {
    let mut parts = value.split('.');
    let ip: u32 = parts.next()?.trim().parse().ok()?;
    let port: u16 = parts.next()?.trim().parse().ok()?;
    let ip = Ipv4Addr::from(ip.to_le_bytes());
    Some(format!("{ip}:{}", port.swap_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_request_and_confirm() {
        // MS-RDPBCGR 4.1.1 / 4.1.2.
        let mut cr = vec![0x03, 0x00, 0x00, 0x2c, 0x27, 0xe0, 0, 0, 0, 0, 0];
        cr.extend_from_slice(b"Cookie: mstshash=eltons\r\n");
        cr.extend_from_slice(&[0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
        let req = parse_connection_request(&cr).unwrap();
        assert_eq!(req.cookie.as_deref(), Some("eltons"));
        assert_eq!(req.requested_protocols(), 0);
        let cc = [
            0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 0x02, 0, 0x08, 0, 0, 0, 0, 0,
        ];
        assert_eq!(
            parse_connection_confirm(&cc).unwrap(),
            ConnectionConfirm::Response {
                flags: 0,
                selected_protocol: 0
            }
        );
    }

    #[test]
    fn msts_routing_token_decodes_to_address() {
        // 10.0.0.5:3389 → msts=83886090.15629.0000 (MSFT-SDLBTS example in RDP-FACTS §1.3).
        assert_eq!(
            msts_target("83886090.15629.0000").as_deref(),
            Some("10.0.0.5:3389")
        );
    }

    #[test]
    fn failure_codes_have_names() {
        assert_eq!(
            NegotiationFailure { code: 5 }.name(),
            "HYBRID_REQUIRED_BY_SERVER"
        );
        assert_eq!(protocol_names(0xb), ["SSL", "HYBRID", "HYBRID_EX"]);
    }
}
