//! MS-RDPBCGR 2.2.17 RDSTLS PDUs (the security protocol of redirected connections, inside
//! TLS): Capabilities (2.2.17.1), Authentication Request (2.2.17.2 / 2.2.17.3) and
//! Authentication Response (2.2.17.4) with its result code.
//!
//! Hand-written: fixed little-endian layouts; credentials in the request are skipped, never
//! kept.

use crate::proto::wire::{Cursor, DecodeError};

pub const PDUTYPE_CAPABILITIES: u16 = 0x0001;
pub const PDUTYPE_AUTHREQ: u16 = 0x0002;
pub const PDUTYPE_AUTHRSP: u16 = 0x0004;
const DATATYPE_PASSWORD: u16 = 0x0001;
const DATATYPE_AUTORECONNECT: u16 = 0x0002;

/// MS-RDPBCGR 2.2.17 RDSTLS PDU (RDSTLS_CAPABILITIES / RDSTLS_AUTHREQ / RDSTLS_AUTHRSP):
/// its type and, for the Authentication Response (2.2.17.4), resultCode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RdstlsPdu {
    pub pdu_type: u16,
    pub result_code: Option<u32>,
}

/// Does a stream start with an RDSTLS PDU (version 1, a known type)?
pub fn looks_like(b: &[u8]) -> bool {
    matches!(b, [0x01, 0x00, t, 0x00, ..] if matches!(u16::from(*t), PDUTYPE_CAPABILITIES | PDUTYPE_AUTHREQ | PDUTYPE_AUTHRSP))
}

/// MS-RDPBCGR 2.2.17 RDSTLS PDU (version, pduType, dataType, then the type's fields).
pub fn decode(c: &mut Cursor) -> Result<RdstlsPdu, DecodeError> {
    let at = c.pos();
    let version = c.u16_le("RDSTLS version")?;
    if version != 1 {
        return Err(Cursor::err_at(at, format!("RDSTLS version {version}")));
    }
    let pdu_type = c.u16_le("RDSTLS pduType")?;
    let data_type = c.u16_le("RDSTLS dataType")?;
    let mut result_code = None;
    match pdu_type {
        // 2.2.17.1: supportedVersions.
        PDUTYPE_CAPABILITIES => c.skip(2, "supportedVersions")?,
        PDUTYPE_AUTHREQ if data_type == DATATYPE_PASSWORD => {
            // 2.2.17.2: RedirectionGuid, UserName, Domain, Password, each length-prefixed.
            for what in ["RedirectionGuid", "UserName", "Domain", "Password"] {
                let n = c.u16_le(what)?;
                c.skip(usize::from(n), what)?;
            }
        }
        PDUTYPE_AUTHREQ if data_type == DATATYPE_AUTORECONNECT => {
            // 2.2.17.3: SessionId, AutoReconnectCookie.
            c.skip(4, "SessionId")?;
            let n = c.u16_le("AutoReconnectCookieLength")?;
            c.skip(usize::from(n), "AutoReconnectCookie")?;
        }
        PDUTYPE_AUTHRSP => result_code = Some(c.u32_le("ResultCode")?),
        other => {
            return Err(Cursor::err_at(
                at + 2,
                format!("RDSTLS pduType {other} / dataType {data_type}"),
            ));
        }
    }
    Ok(RdstlsPdu {
        pdu_type,
        result_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdus() {
        let caps = [1, 0, 1, 0, 1, 0, 1, 0];
        assert!(looks_like(&caps));
        assert_eq!(decode(&mut Cursor::new(&caps)).unwrap().pdu_type, 1);
        // Authentication Response RDSTLS_RESULT_ACCOUNT_LOCKED_OUT (0x775).
        let rsp = [1, 0, 4, 0, 1, 0, 0x75, 0x07, 0, 0];
        assert_eq!(
            decode(&mut Cursor::new(&rsp)).unwrap(),
            RdstlsPdu {
                pdu_type: 4,
                result_code: Some(0x775)
            }
        );
        let req = [1, 0, 2, 0, 1, 0, 0, 0, 1, 0, b'u', 0, 0, 2, 0, b'p', 0];
        assert_eq!(decode(&mut Cursor::new(&req)).unwrap().pdu_type, 2);
        for n in 0..req.len() {
            assert!(decode(&mut Cursor::new(&req[..n])).is_err(), "{n}");
        }
        assert!(decode(&mut Cursor::new(&[2, 0, 1, 0, 1, 0, 1, 0])).is_err());
        assert!(decode(&mut Cursor::new(&[1, 0, 9, 0, 1, 0])).is_err());
        assert!(!looks_like(&[0x30, 0x82]));
    }
}
