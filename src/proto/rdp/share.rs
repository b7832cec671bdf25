//! MS-RDPBCGR 2.2.8.1.1.1 Share Control and Share Data headers and the small PDUs of the
//! capabilities exchange, connection finalization and shutdown sequence that ride on them:
//! Synchronize (2.2.1.14), Control (2.2.1.15), Font List (2.2.1.18), Font Map (2.2.1.22),
//! Deactivate All (2.2.3.1), Shutdown Request (2.2.2.2) and Shutdown Request Denied
//! (2.2.2.3).
//!
//! Hand-written: no maintained crate decodes these without rejecting unknown PDU types; the
//! headers are a few little-endian fields.

use crate::proto::wire::{Cursor, DecodeError};

/// 2.2.8.1.1.1.1 TS_SHARECONTROLHEADER pduType (low 4 bits; version 1 in the next 4).
pub mod pdu_type {
    pub const DEMAND_ACTIVE: u16 = 0x1;
    pub const CONFIRM_ACTIVE: u16 = 0x3;
    pub const DEACTIVATE_ALL: u16 = 0x6;
    pub const DATA: u16 = 0x7;
    pub const SERVER_REDIRECT: u16 = 0xA;
}

/// 2.2.8.1.1.1.2 TS_SHAREDATAHEADER pduType2 values read here.
pub mod pdu_type2 {
    pub const UPDATE: u8 = 0x02;
    pub const CONTROL: u8 = 0x14;
    pub const POINTER: u8 = 0x1B;
    pub const INPUT: u8 = 0x1C;
    pub const SYNCHRONIZE: u8 = 0x1F;
    pub const SHUTDOWN_REQUEST: u8 = 0x24;
    pub const SHUTDOWN_DENIED: u8 = 0x25;
    pub const SAVE_SESSION_INFO: u8 = 0x26;
    pub const FONTLIST: u8 = 0x27;
    pub const FONTMAP: u8 = 0x28;
    pub const SET_ERROR_INFO: u8 = 0x2F;
}

/// 2.2.8.1.1.1.2 compressedType bit: the body is bulk-compressed (MS-RDPBCGR 3.1.8).
pub const PACKET_COMPRESSED: u8 = 0x20;
/// 2.2.8.1.1.1.1: a totalLength of 0x8000 marks a Flow PDU (TS_FLOW_PDU, 2.2.8.1.1.1.1),
/// not a share control PDU.
pub const FLOW_MARKER: u16 = 0x8000;

/// MS-RDPBCGR 2.2.8.1.1.1.1 Share Control Header (TS_SHARECONTROLHEADER).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareControlHeader {
    pub total_length: u16,
    /// pduType & 0x000F.
    pub pdu_type: u16,
    pub pdu_source: Option<u16>,
}

impl ShareControlHeader {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        let total_length = c.u16_le("TS_SHARECONTROLHEADER totalLength")?;
        let pdu_type = c.u16_le("TS_SHARECONTROLHEADER pduType")? & 0x000F;
        // Deactivate All from some servers is 4 bytes long: pduSource absent.
        let pdu_source = c.opt_u16_le();
        Ok(ShareControlHeader {
            total_length,
            pdu_type,
            pdu_source,
        })
    }

    /// Do these bytes start with a share control header (version 1, a known type)? Used to
    /// tell one from a security header under Enhanced RDP Security.
    pub fn looks_like(b: &[u8]) -> bool {
        match b {
            [l0, l1, t0, t1, ..] => {
                let len = u16::from_le_bytes([*l0, *l1]);
                let t = u16::from_le_bytes([*t0, *t1]);
                len >= 4 && t & 0xFFF0 == 0x0010 && matches!(t & 0xF, 0x1 | 0x3 | 0x6 | 0x7 | 0xA)
            }
            _ => false,
        }
    }
}

/// MS-RDPBCGR 2.2.8.1.1.1.2 Share Data Header (TS_SHAREDATAHEADER), after the share
/// control header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareDataHeader {
    pub share_id: u32,
    pub stream_id: u8,
    pub pdu_type2: u8,
    pub compressed_type: u8,
}

impl ShareDataHeader {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        let share_id = c.u32_le("TS_SHAREDATAHEADER shareId")?;
        c.skip(1, "pad1")?;
        let stream_id = c.u8("streamId")?;
        c.skip(2, "uncompressedLength")?;
        let pdu_type2 = c.u8("pduType2")?;
        let compressed_type = c.u8("generalCompressedType")?;
        c.skip(2, "generalCompressedLength")?;
        Ok(ShareDataHeader {
            share_id,
            stream_id,
            pdu_type2,
            compressed_type,
        })
    }

    pub fn compressed(&self) -> bool {
        self.compressed_type & PACKET_COMPRESSED != 0
    }
}

/// MS-RDPBCGR 2.2.1.15.1 Control PDU Data (TS_CONTROL_PDU): action (1 REQUEST_CONTROL,
/// 2 GRANTED_CONTROL, 3 DETACH, 4 COOPERATE), grantId, controlId.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlPdu {
    pub action: u16,
}

impl ControlPdu {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        let action = c.u16_le("TS_CONTROL_PDU action")?;
        c.skip(2 + 4, "TS_CONTROL_PDU grantId, controlId")?;
        Ok(ControlPdu { action })
    }
}

/// MS-RDPBCGR 2.2.1.14.1 Synchronize PDU Data (TS_SYNCHRONIZE_PDU): messageType (1
/// SYNCMSGTYPE_SYNC), targetUser.
pub fn decode_synchronize(c: &mut Cursor) -> Result<u16, DecodeError> {
    c.skip(2, "TS_SYNCHRONIZE_PDU messageType")?;
    c.u16_le("TS_SYNCHRONIZE_PDU targetUser")
}

/// MS-RDPBCGR 2.2.1.18.1 Font List PDU Data (TS_FONT_LIST_PDU) and 2.2.1.22.1 Font Map PDU
/// Data (TS_FONT_MAP_PDU): four u16 fields, none of which matters; the PDU is checked to be
/// whole.
pub fn decode_font_pdu(c: &mut Cursor) -> Result<(), DecodeError> {
    c.skip(8, "TS_FONT_LIST_PDU / TS_FONT_MAP_PDU")
}

/// MS-RDPBCGR 2.2.3.1.1 Deactivate All PDU Data (TS_DEACTIVATE_ALL_PDU): shareId,
/// lengthSourceDescriptor, sourceDescriptor. Returns the share id.
pub fn decode_deactivate_all(c: &mut Cursor) -> Result<u32, DecodeError> {
    let share_id = c.u32_le("TS_DEACTIVATE_ALL_PDU shareId")?;
    // Some servers stop after shareId; the descriptor is optional in practice.
    if let Some(n) = c.opt_u16_le() {
        c.skip(usize::from(n), "sourceDescriptor")?;
    }
    Ok(share_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_from_spec_example() {
        // MS-RDPBCGR 4.1.19 Server Synchronize PDU, decrypted: 16 00 17 00 ea 03 | ea 03 01
        // 00 14 00 16 00 1f 00 00 00 | 01 00 63 44 (targetUser left uninitialised).
        let b = [
            0x16, 0x00, 0x17, 0x00, 0xEA, 0x03, 0xEA, 0x03, 0x01, 0x00, 0x14, 0x00, 0x16, 0x00,
            0x1F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x63, 0x44,
        ];
        assert!(ShareControlHeader::looks_like(&b));
        let mut c = Cursor::new(&b);
        let h = ShareControlHeader::decode(&mut c).unwrap();
        assert_eq!(
            (h.total_length, h.pdu_type, h.pdu_source),
            (22, 7, Some(1002))
        );
        let d = ShareDataHeader::decode(&mut c).unwrap();
        assert_eq!(
            (d.share_id, d.stream_id, d.pdu_type2),
            (0x0001_03EA, 0, 0x1F)
        );
        assert!(!d.compressed());
        assert_eq!(decode_synchronize(&mut c).unwrap(), 0x4463);
        assert!(c.is_empty());
    }

    #[test]
    fn control_and_truncation() {
        let b = [4, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(ControlPdu::decode(&mut Cursor::new(&b)).unwrap().action, 4);
        assert!(ControlPdu::decode(&mut Cursor::new(&b[..7])).is_err());
        assert!(decode_font_pdu(&mut Cursor::new(&[0; 7])).is_err());
        assert!(ShareDataHeader::decode(&mut Cursor::new(&[0; 11])).is_err());
        assert!(ShareControlHeader::decode(&mut Cursor::new(&[0; 3])).is_err());
        assert_eq!(
            decode_deactivate_all(&mut Cursor::new(&[1, 0, 0, 0])).unwrap(),
            1
        );
        assert!(decode_deactivate_all(&mut Cursor::new(&[1, 0, 0, 0, 9, 0, 1])).is_err());
    }

    #[test]
    fn security_header_is_not_share_control() {
        // SEC_INFO_PKT (0x0040), flagsHi 0: a Client Info PDU's basic security header.
        assert!(!ShareControlHeader::looks_like(&[0x40, 0, 0, 0, 0, 0]));
        // SEC_LICENSE_PKT | SEC_FLAGSHI_VALID.
        assert!(!ShareControlHeader::looks_like(&[0x80, 0x80, 0, 0]));
        // Version 1, unknown type 0x5.
        assert!(!ShareControlHeader::looks_like(&[0x10, 0, 0x15, 0]));
    }
}
