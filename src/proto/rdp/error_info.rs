//! MS-RDPBCGR 2.2.5.1 Server Set Error Info PDU: why the server is about to disconnect.
//! Names of the codes are in [`super::names::error_info`].
//!
//! Hand-written (one 32-bit field); no maintained crate decodes it without rejecting codes
//! it does not know.

use crate::proto::wire::{Cursor, DecodeError};

/// MS-RDPBCGR 2.2.5.1.1 Set Error Info PDU Data (TS_SET_ERROR_INFO_PDU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetErrorInfo {
    /// errorInfo (0 = ERRINFO_NONE, to be ignored).
    pub code: u32,
}

impl SetErrorInfo {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        Ok(SetErrorInfo {
            code: c.u32_le("errorInfo")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::rdp::names;

    #[test]
    fn codes_no_lab_software_sends() {
        // errorInfo is a little-endian u32 (TS_SET_ERROR_INFO_PDU).
        for (bytes, code, name) in [
            ([0x07, 0, 0, 0], 0x7, "ERRINFO_SERVER_DENIED_CONNECTION"),
            (
                [0x09, 0, 0, 0],
                0x9,
                "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES",
            ),
            (
                [0x01, 0x01, 0, 0],
                0x101,
                "ERRINFO_LICENSE_NO_LICENSE_SERVER",
            ),
            (
                [0x0A, 0x01, 0, 0],
                0x10A,
                "ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS",
            ),
        ] {
            let e = SetErrorInfo::decode(&mut Cursor::new(&bytes)).unwrap();
            assert_eq!(e.code, code);
            assert_eq!(names::error_info(e.code), Some(name));
        }
    }

    #[test]
    fn unknown_and_truncated() {
        let e = SetErrorInfo::decode(&mut Cursor::new(&[0xEF, 0xBE, 0, 0])).unwrap();
        assert_eq!(e.code, 0xBEEF);
        assert_eq!(names::error_info(e.code), None);
        assert!(SetErrorInfo::decode(&mut Cursor::new(&[7, 0, 0])).is_err());
    }
}
