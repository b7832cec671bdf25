//! MS-RDPBCGR 2.2.8.1.2 / 2.2.9.1.2 fast-path framing: the first byte (action in the low 2
//! bits, 0 = FASTPATH_ACTION_FASTPATH; flags in the top 2) and the 1- or 2-byte length that
//! covers the whole PDU. Only the framing is read: the updates and input events inside are
//! counted, not decoded.

use crate::proto::wire::{Cursor, DecodeError};

/// Top bits of the fast-path header byte (2.2.9.1.2 fpOutputHeader flags).
pub const FASTPATH_FLAG_SECURE_CHECKSUM: u8 = 0x40;
pub const FASTPATH_FLAG_ENCRYPTED: u8 = 0x80;

/// MS-RDPBCGR 2.2.9.1.2 TS_FP_UPDATE_PDU / 2.2.8.1.2 TS_FP_INPUT_PDU header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastPathHeader {
    /// fpOutputHeader / fpInputHeader.
    pub header: u8,
    /// length of the whole PDU, header included.
    pub length: usize,
}

impl FastPathHeader {
    /// Reads the header; `Ok(None)` when `b` is too short to hold it yet.
    pub fn peek(b: &[u8]) -> Result<Option<Self>, DecodeError> {
        let (Some(&header), Some(&l1)) = (b.first(), b.get(1)) else {
            return Ok(None);
        };
        if header & 0x03 != 0 {
            return Err(DecodeError::new(
                0,
                format!("fast-path action {}", header & 3),
            ));
        }
        let (length, header_len) = if l1 & 0x80 != 0 {
            let Some(&l2) = b.get(2) else {
                return Ok(None);
            };
            ((usize::from(l1 & 0x7F) << 8) | usize::from(l2), 3)
        } else {
            (usize::from(l1), 2)
        };
        if length < header_len {
            return Err(DecodeError::new(1, format!("fast-path length {length}")));
        }
        Ok(Some(FastPathHeader { header, length }))
    }

    /// The same, through a cursor (for tests and callers that hold the whole PDU).
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        let at = c.pos();
        match Self::peek(c.rest()) {
            Ok(Some(h)) => {
                c.skip(h.length, "fast-path PDU")?;
                Ok(h)
            }
            Ok(None) => Err(c.err("fast-path header: truncated")),
            Err(e) => Err(e.shifted(at)),
        }
    }

    pub fn encrypted(&self) -> bool {
        self.header & FASTPATH_FLAG_ENCRYPTED != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_and_two_byte_lengths() {
        // One-byte length 5; two-byte length 0x012C = 300 (bit 7 of the first set).
        assert_eq!(
            FastPathHeader::peek(&[0x00, 0x05]).unwrap(),
            Some(FastPathHeader {
                header: 0,
                length: 5
            })
        );
        assert_eq!(
            FastPathHeader::peek(&[0x80, 0x81, 0x2C])
                .unwrap()
                .map(|h| (h.length, h.encrypted())),
            Some((300, true))
        );
        assert_eq!(FastPathHeader::peek(&[0x00, 0x81]).unwrap(), None);
        assert_eq!(FastPathHeader::peek(&[0x00]).unwrap(), None);
    }

    #[test]
    fn impossible() {
        assert!(FastPathHeader::peek(&[0x03, 0x05]).is_err());
        assert!(FastPathHeader::peek(&[0x00, 0x01]).is_err());
        assert!(FastPathHeader::peek(&[0x00, 0x80, 0x02]).is_err());
        assert!(FastPathHeader::decode(&mut Cursor::new(&[0x00, 0x09, 1])).is_err());
    }
}
