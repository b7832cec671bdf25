//! MS-RDPBCGR 2.2.1.12 Server License Error PDU / MS-RDPELE 2.2.2 licensing PDUs: the
//! LICENSE_PREAMBLE of every licensing message and the LICENSE_ERROR_MESSAGE that ends the
//! common exchange (STATUS_VALID_CLIENT) or a failed one.
//!
//! Hand-written: no maintained crate decodes RDP licensing; only the preamble and the error
//! message are read (license blobs are skipped).

use super::observed::LicenseMessage;
use crate::proto::wire::{Cursor, DecodeError};

/// LICENSE_PREAMBLE bMsgType of the error message.
pub const ERROR_ALERT: u8 = 0xFF;

/// MS-RDPBCGR 2.2.1.12.1.1 Licensing Preamble (LICENSE_PREAMBLE) and, for ERROR_ALERT,
/// 2.2.1.12.1.3 Licensing Error Message (LICENSE_ERROR_MESSAGE).
pub fn decode(c: &mut Cursor) -> Result<LicenseMessage, DecodeError> {
    let msg_type = c.u8("LICENSE_PREAMBLE bMsgType")?;
    c.skip(1, "LICENSE_PREAMBLE flags")?;
    let at = c.pos();
    let size = usize::from(c.u16_le("LICENSE_PREAMBLE wMsgSize")?);
    if size < 4 {
        return Err(Cursor::err_at(at, format!("wMsgSize {size} < 4")));
    }
    let mut body = c.sub(size - 4, "licensing message")?;
    let mut msg = LicenseMessage {
        msg_type,
        ..LicenseMessage::default()
    };
    if msg_type == ERROR_ALERT {
        msg.error_code = Some(body.u32_le("LICENSE_ERROR_MESSAGE dwErrorCode")?);
        msg.state_transition = Some(body.u32_le("LICENSE_ERROR_MESSAGE dwStateTransition")?);
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decrypted licensing packet of MS-RDPBCGR 4.1.11 (Server License Error PDU - Valid
    /// Client) when called with (7, 2): `ff 03 10 00 07 00 00 00 02 00 00 00 04 00 00 00`.
    fn alert(code: u32, transition: u32) -> Vec<u8> {
        let mut b = vec![0xFF, 0x03, 0x10, 0x00];
        b.extend(code.to_le_bytes());
        b.extend(transition.to_le_bytes());
        b.extend([0x04, 0x00, 0x00, 0x00]);
        b
    }

    #[test]
    fn valid_client() {
        let m = decode(&mut Cursor::new(&alert(7, 2))).unwrap();
        assert_eq!(
            m,
            LicenseMessage {
                msg_type: 0xFF,
                error_code: Some(7),
                state_transition: Some(2)
            }
        );
    }

    #[test]
    fn errors_no_lab_server_sends() {
        // ERR_NO_LICENSE_SERVER + ST_TOTAL_ABORT; ERR_INVALID_CLIENT; an unknown code.
        for (code, t) in [(6, 1), (8, 1), (0x55, 9)] {
            let m = decode(&mut Cursor::new(&alert(code, t))).unwrap();
            assert_eq!((m.error_code, m.state_transition), (Some(code), Some(t)));
        }
    }

    #[test]
    fn other_messages_truncated_impossible() {
        // LICENSE_REQUEST preamble with a 6-byte body.
        let m = decode(&mut Cursor::new(&[1, 3, 10, 0, 0, 0, 0, 0, 0, 0])).unwrap();
        assert_eq!((m.msg_type, m.error_code), (1, None));
        let a = alert(7, 2);
        for n in 0..a.len() {
            assert!(decode(&mut Cursor::new(&a[..n])).is_err(), "{n}");
        }
        assert!(decode(&mut Cursor::new(&[0xFF, 3, 2, 0])).is_err());
        assert!(decode(&mut Cursor::new(&[0xFF, 3, 0xFF, 0xFF, 0])).is_err());
    }
}
