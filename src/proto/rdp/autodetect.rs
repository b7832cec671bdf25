//! MS-RDPBCGR 2.2.14 Auto-Detect Request / Response PDUs (after a security header with
//! SEC_AUTODETECT_REQ / SEC_AUTODETECT_RSP on the message channel): the common header of
//! every auto-detect message (RTT, bandwidth, network characteristics).
//!
//! Hand-written: a 6-byte header; the measurement bodies are not read.

use crate::proto::wire::{Cursor, DecodeError};

/// MS-RDPBCGR 2.2.14.1 / 2.2.14.2 auto-detect request / response header (the first six
/// bytes of RDP_RTT_REQUEST, RDP_BW_START, … RDP_RTT_RESPONSE, …): headerLength,
/// headerTypeId (0x00 TYPE_ID_AUTODETECT_REQUEST, 0x01 TYPE_ID_AUTODETECT_RESPONSE),
/// sequenceNumber, requestType / responseType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoDetectHeader {
    pub header_type: u8,
    pub sequence: u16,
    pub request_type: u16,
}

impl AutoDetectHeader {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        c.skip(1, "headerLength")?;
        Ok(AutoDetectHeader {
            header_type: c.u8("headerTypeId")?,
            sequence: c.u16_le("sequenceNumber")?,
            request_type: c.u16_le("requestType")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtt_request() {
        // RDP_RTT_REQUEST: 06 00 | sequence 1 | RDP_RTT_REQUEST_TYPE_CONTINUOUS 0x0001.
        let h = AutoDetectHeader::decode(&mut Cursor::new(&[6, 0, 1, 0, 1, 0])).unwrap();
        assert_eq!((h.header_type, h.sequence, h.request_type), (0, 1, 1));
        assert!(AutoDetectHeader::decode(&mut Cursor::new(&[6, 0, 1, 0, 1])).is_err());
    }
}
