//! MS-RDPBCGR security-layer structures: the security header flags (2.2.8.1.1.2.1), the
//! Client Security Exchange PDU (2.2.1.10) and the Client Info PDU (2.2.1.11).
//!
//! Hand-written: no maintained crate decodes these; the layouts are a few little-endian
//! fields. The password and auto-reconnect cookie are never read, only their presence.

use super::observed::ClientInfo;
use crate::proto::wire::{Cursor, DecodeError, utf16_until_nul};

/// MS-RDPBCGR 2.2.8.1.1.2.1 TS_SECURITY_HEADER flags.
pub mod flags {
    pub const SEC_EXCHANGE_PKT: u16 = 0x0001;
    pub const SEC_TRANSPORT_REQ: u16 = 0x0002;
    pub const SEC_TRANSPORT_RSP: u16 = 0x0004;
    pub const SEC_ENCRYPT: u16 = 0x0008;
    pub const SEC_RESET_SEQNO: u16 = 0x0010;
    pub const SEC_IGNORE_SEQNO: u16 = 0x0020;
    pub const SEC_INFO_PKT: u16 = 0x0040;
    pub const SEC_LICENSE_PKT: u16 = 0x0080;
    pub const SEC_LICENSE_ENCRYPT: u16 = 0x0200;
    pub const SEC_REDIRECTION_PKT: u16 = 0x0400;
    pub const SEC_SECURE_CHECKSUM: u16 = 0x0800;
    pub const SEC_AUTODETECT_REQ: u16 = 0x1000;
    pub const SEC_AUTODETECT_RSP: u16 = 0x2000;
    pub const SEC_HEARTBEAT: u16 = 0x4000;
    pub const SEC_FLAGSHI_VALID: u16 = 0x8000;
}

/// MS-RDPBCGR 2.2.8.1.1.2.1 Basic Security Header (TS_SECURITY_HEADER): flags, flagsHi.
/// With SEC_ENCRYPT a MAC (8 bytes; FIPS: 12-byte header) follows and the rest is
/// encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityHeader {
    pub flags: u16,
    pub flags_hi: u16,
}

impl SecurityHeader {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        Ok(SecurityHeader {
            flags: c.u16_le("TS_SECURITY_HEADER flags")?,
            flags_hi: c.u16_le("TS_SECURITY_HEADER flagsHi")?,
        })
    }

    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// MS-RDPBCGR 2.2.1.10.1 TS_SECURITY_PACKET (after the basic security header with
/// SEC_EXCHANGE_PKT): the client random encrypted with the server's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityExchange {
    /// length: bytes of encryptedClientRandom (key length + 8 bytes of padding).
    pub encrypted_random_len: u32,
}

impl SecurityExchange {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        let len = c.u32_le("TS_SECURITY_PACKET length")?;
        let n = usize::try_from(len).unwrap_or(usize::MAX);
        c.skip(n, "TS_SECURITY_PACKET encryptedClientRandom")?;
        Ok(SecurityExchange {
            encrypted_random_len: len,
        })
    }
}

/// TS_INFO_PACKET flags read here.
pub const INFO_UNICODE: u32 = 0x0000_0010;

/// MS-RDPBCGR 2.2.1.11.1.1 Info Packet (TS_INFO_PACKET), without the password.
pub fn decode_client_info(c: &mut Cursor) -> Result<ClientInfo, DecodeError> {
    c.skip(4, "TS_INFO_PACKET CodePage")?;
    let flags = c.u32_le("TS_INFO_PACKET flags")?;
    let cb_domain = usize::from(c.u16_le("cbDomain")?);
    let cb_user = usize::from(c.u16_le("cbUserName")?);
    let cb_password = usize::from(c.u16_le("cbPassword")?);
    let cb_shell = usize::from(c.u16_le("cbAlternateShell")?);
    let cb_dir = usize::from(c.u16_le("cbWorkingDir")?);
    // Each string is followed by a terminator the cb* counts leave out.
    let unicode = flags & INFO_UNICODE != 0;
    let nul = if unicode { 2 } else { 1 };
    let text = |b: &[u8]| {
        if unicode {
            utf16_until_nul(b)
        } else {
            crate::proto::wire::ascii_until_nul(b)
        }
    };
    let domain = text(c.take(cb_domain + nul, "Domain")?);
    let user_name = text(c.take(cb_user + nul, "UserName")?);
    c.skip(cb_password + nul, "Password")?;
    c.skip(cb_shell + nul, "AlternateShell")?;
    c.skip(cb_dir + nul, "WorkingDir")?;
    Ok(ClientInfo {
        flags,
        domain,
        user_name,
        password_present: cb_password > 0,
        // 2.2.1.11.1.1.1 TS_EXTENDED_INFO_PACKET starts with clientAddressFamily.
        extended: c.remaining() >= 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16z(s: &str) -> Vec<u8> {
        let mut v: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        v.extend([0, 0]);
        v
    }

    /// A TS_INFO_PACKET laid out as MS-RDPBCGR 2.2.1.11.1.1 says (flags 0x0001017B include
    /// INFO_UNICODE 0x10), with a domain, a user and a password.
    fn info_packet(domain: &str, user: &str, password: &str) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 0];
        b.extend(0x0001_017Bu32.to_le_bytes());
        for s in [domain, user, password, "", ""] {
            b.extend(((s.len() * 2) as u16).to_le_bytes());
        }
        for s in [domain, user, password, "", ""] {
            b.extend(utf16z(s));
        }
        b.extend([2, 0, 0x1C, 0]); // clientAddressFamily AF_INET, cbClientAddress …
        b
    }

    #[test]
    fn client_info_names_without_password() {
        let b = info_packet("NTDEV", "eltons", "secret");
        let info = decode_client_info(&mut Cursor::new(&b)).unwrap();
        assert_eq!(info.domain, "NTDEV");
        assert_eq!(info.user_name, "eltons");
        assert!(info.password_present);
        assert!(info.extended);
        assert_eq!(info.flags, 0x0001_017B);
        assert!(!format!("{info:?}").contains("secret"));
    }

    #[test]
    fn client_info_truncated_and_impossible() {
        let b = info_packet("D", "u", "");
        for n in 0..b.len() - 4 {
            assert!(
                decode_client_info(&mut Cursor::new(&b[..n])).is_err(),
                "{n}"
            );
        }
        let mut bad = b.clone();
        bad[8] = 0xFF; // cbDomain 0x00FF + more than there is
        bad[9] = 0xFF;
        assert!(decode_client_info(&mut Cursor::new(&bad)).is_err());
    }

    #[test]
    fn security_exchange() {
        // A 512-bit server key: length 0x48 = 64 + 8 bytes of padding (2.2.1.10.1), as in
        // RDP-003 frame 23 (tests/rdp_inner.rs).
        let mut b = vec![0x48, 0, 0, 0];
        b.extend([0xAA; 0x48]);
        let mut c = Cursor::new(&b);
        assert_eq!(
            SecurityExchange::decode(&mut c).unwrap(),
            SecurityExchange {
                encrypted_random_len: 0x48
            }
        );
        assert!(SecurityExchange::decode(&mut Cursor::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0])).is_err());
        let h = SecurityHeader::decode(&mut Cursor::new(&[0x01, 0, 0, 0])).unwrap();
        assert!(h.has(flags::SEC_EXCHANGE_PKT) && !h.has(flags::SEC_ENCRYPT));
        assert!(SecurityHeader::decode(&mut Cursor::new(&[0x01, 0, 0])).is_err());
    }
}
