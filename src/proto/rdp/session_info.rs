//! MS-RDPBCGR 2.2.10.1 Server Save Session Info PDU: logon notifications, and the logon
//! errors and warnings (TS_LOGON_ERRORS_INFO) that tell why a logon did not complete.
//!
//! Hand-written: no maintained crate decodes these; only the info type, the session id and
//! the logon error fields are read (user and domain names in INFOTYPE_LOGON are skipped).

use super::observed::SessionInfo;
use crate::proto::wire::{Cursor, DecodeError};

pub const INFOTYPE_LOGON: u32 = 0;
pub const INFOTYPE_LOGON_LONG: u32 = 1;
pub const INFOTYPE_LOGON_PLAINNOTIFY: u32 = 2;
pub const INFOTYPE_LOGON_EXTENDED_INFO: u32 = 3;
/// 2.2.10.1.1.4 TS_LOGON_INFO_EXTENDED FieldsPresent bit of the logon errors field.
const LOGON_EX_LOGONERRORS: u32 = 0x0000_0002;
const LOGON_EX_AUTORECONNECTCOOKIE: u32 = 0x0000_0001;

/// MS-RDPBCGR 2.2.10.1.1 Save Session Info PDU Data (TS_SAVE_SESSION_INFO_PDU_DATA).
pub fn decode(c: &mut Cursor) -> Result<SessionInfo, DecodeError> {
    let info_type = c.u32_le("TS_SAVE_SESSION_INFO_PDU_DATA infoType")?;
    let mut info = SessionInfo {
        info_type,
        ..SessionInfo::default()
    };
    match info_type {
        // 2.2.10.1.1.1 TS_LOGON_INFO: cbDomain u32, Domain[52], cbUserName u32,
        // UserName[512], SessionId u32.
        INFOTYPE_LOGON => {
            c.skip(4 + 52 + 4 + 512, "TS_LOGON_INFO names")?;
            info.session_id = Some(c.u32_le("TS_LOGON_INFO SessionId")?);
        }
        // 2.2.10.1.1.2 TS_LOGON_INFO_VERSION_2: Version u16, Size u32, SessionId u32, ….
        INFOTYPE_LOGON_LONG => {
            c.skip(2 + 4, "TS_LOGON_INFO_VERSION_2 Version, Size")?;
            info.session_id = Some(c.u32_le("TS_LOGON_INFO_VERSION_2 SessionId")?);
        }
        // 2.2.10.1.1.4 TS_LOGON_INFO_EXTENDED: Length u16, FieldsPresent u32, then each
        // present field as cbFieldData u32 + data, in bit order.
        INFOTYPE_LOGON_EXTENDED_INFO => {
            c.skip(2, "TS_LOGON_INFO_EXTENDED Length")?;
            let present = c.u32_le("TS_LOGON_INFO_EXTENDED FieldsPresent")?;
            if present & LOGON_EX_AUTORECONNECTCOOKIE != 0 {
                let n = c.u32_le("cbFieldData (auto-reconnect cookie)")?;
                c.skip(
                    usize::try_from(n).unwrap_or(usize::MAX),
                    "auto-reconnect cookie",
                )?;
            }
            if present & LOGON_EX_LOGONERRORS != 0 {
                c.skip(4, "cbFieldData (logon errors)")?;
                // 2.2.10.1.1.4.1.1 TS_LOGON_ERRORS_INFO.
                info.logon_error_type = Some(c.u32_le("ErrorNotificationType")?);
                info.logon_error_data = Some(c.u32_le("ErrorNotificationData")?);
            }
        }
        _ => {}
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logon_errors(kind: u32, data: u32) -> Vec<u8> {
        let mut b = INFOTYPE_LOGON_EXTENDED_INFO.to_le_bytes().to_vec();
        b.extend([18, 0]);
        b.extend(LOGON_EX_LOGONERRORS.to_le_bytes());
        b.extend(8u32.to_le_bytes());
        b.extend(kind.to_le_bytes());
        b.extend(data.to_le_bytes());
        b
    }

    #[test]
    fn logon_error_notifications() {
        // LOGON_MSG_NO_PERMISSION with LOGON_FAILED_OTHER; an NTSTATUS and a session id.
        for (kind, data) in [(0xFFFF_FFFA, 2), (0xC000_006D, 0), (0xFFFF_FFFB, 7)] {
            let i = decode(&mut Cursor::new(&logon_errors(kind, data))).unwrap();
            assert_eq!(i.info_type, INFOTYPE_LOGON_EXTENDED_INFO);
            assert_eq!(
                (i.logon_error_type, i.logon_error_data),
                (Some(kind), Some(data))
            );
        }
    }

    #[test]
    fn logon_long_and_plain() {
        let mut b = INFOTYPE_LOGON_LONG.to_le_bytes().to_vec();
        b.extend([1, 0, 0x76, 2, 0, 0, 5, 0, 0, 0]);
        assert_eq!(decode(&mut Cursor::new(&b)).unwrap().session_id, Some(5));
        let plain = decode(&mut Cursor::new(&[2, 0, 0, 0])).unwrap();
        assert_eq!((plain.info_type, plain.session_id), (2, None));
        let unknown = decode(&mut Cursor::new(&[9, 0, 0, 0])).unwrap();
        assert_eq!(unknown.info_type, 9);
    }

    #[test]
    fn truncated_and_impossible() {
        let b = logon_errors(0xFFFF_FFFA, 2);
        for n in 0..b.len() {
            assert!(decode(&mut Cursor::new(&b[..n])).is_err(), "{n}");
        }
        let mut cookie = INFOTYPE_LOGON_EXTENDED_INFO.to_le_bytes().to_vec();
        cookie.extend([0, 0, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert!(decode(&mut Cursor::new(&cookie)).is_err());
        assert!(decode(&mut Cursor::new(&[0, 0, 0, 0, 1, 2])).is_err());
    }
}
