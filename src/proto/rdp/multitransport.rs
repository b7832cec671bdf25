//! MS-RDPBCGR 2.2.15 Multitransport bootstrapping: the server asks for a UDP transport
//! (Initiate Multitransport Request, 2.2.15.1) and the client answers (Initiate
//! Multitransport Response, 2.2.15.2). Both follow a security header with
//! SEC_TRANSPORT_REQ / SEC_TRANSPORT_RSP on the MCS message channel.
//!
//! Hand-written: fixed little-endian layouts; the security cookie is skipped.

use crate::proto::wire::{Cursor, DecodeError};

/// MS-RDPBCGR 2.2.15.1 Server Initiate Multitransport Request PDU
/// (TS_INITIATE_MULTITRANSPORT_REQUEST, after the security header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultitransportRequest {
    pub request_id: u32,
    /// 0x01 TRANSPORTTYPE_UDPFECR, 0x02 TRANSPORTTYPE_UDPFECL (others kept raw).
    pub requested_protocol: u16,
}

impl MultitransportRequest {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        let request_id = c.u32_le("requestId")?;
        let requested_protocol = c.u16_le("requestedProtocol")?;
        c.skip(2 + 16, "reserved, securityCookie")?;
        Ok(MultitransportRequest {
            request_id,
            requested_protocol,
        })
    }
}

/// MS-RDPBCGR 2.2.15.2 Client Initiate Multitransport Response PDU
/// (TS_INITIATE_MULTITRANSPORT_RESPONSE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultitransportResponse {
    pub request_id: u32,
    /// hrResponse: 0 S_OK, 0x80004004 E_ABORT.
    pub hr_response: u32,
}

impl MultitransportResponse {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        Ok(MultitransportResponse {
            request_id: c.u32_le("requestId")?,
            hr_response: c.u32_le("hrResponse")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_response() {
        let mut b = vec![0x01, 0, 0, 0, 0x01, 0, 0, 0];
        b.extend([0x5A; 16]);
        let r = MultitransportRequest::decode(&mut Cursor::new(&b)).unwrap();
        assert_eq!((r.request_id, r.requested_protocol), (1, 1));
        assert!(MultitransportRequest::decode(&mut Cursor::new(&b[..23])).is_err());
        let resp = [1, 0, 0, 0, 0x04, 0x40, 0x00, 0x80];
        let r = MultitransportResponse::decode(&mut Cursor::new(&resp)).unwrap();
        assert_eq!(r.hr_response, 0x8000_4004);
        assert!(MultitransportResponse::decode(&mut Cursor::new(&resp[..7])).is_err());
    }
}
