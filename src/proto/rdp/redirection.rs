//! MS-RDPBCGR 2.2.13 Server Redirection: the RDP_SERVER_REDIRECTION_PACKET (2.2.13.1) a
//! broker sends to move the client to another server, either inside an Enhanced Security
//! Server Redirection PDU (2.2.13.3, share control type 0xA) or after a security header with
//! SEC_REDIRECTION_PKT (2.2.13.2, standard RDP security).
//!
//! Hand-written: no maintained crate decodes it; only the session id, flags, the target name
//! and whether a routing token is present are read (user names and passwords are skipped).

use super::observed::Redirection;
use crate::proto::wire::{Cursor, DecodeError, utf16_until_nul};

const LB_TARGET_NET_ADDRESS: u32 = 0x0000_0001;
const LB_LOAD_BALANCE_INFO: u32 = 0x0000_0002;
const LB_USERNAME: u32 = 0x0000_0004;
const LB_DOMAIN: u32 = 0x0000_0008;
const LB_PASSWORD: u32 = 0x0000_0010;
const LB_TARGET_FQDN: u32 = 0x0000_0100;
const LB_TARGET_NETBIOS_NAME: u32 = 0x0000_0200;

/// MS-RDPBCGR 2.2.13.1 Server Redirection Packet (RDP_SERVER_REDIRECTION_PACKET).
pub fn decode(c: &mut Cursor) -> Result<Redirection, DecodeError> {
    c.skip(2, "RDP_SERVER_REDIRECTION_PACKET Flags")?;
    let at = c.pos();
    let length = usize::from(c.u16_le("RDP_SERVER_REDIRECTION_PACKET Length")?);
    if length < 12 {
        return Err(Cursor::err_at(at, format!("Length {length} < 12")));
    }
    let mut p = c.sub(length.min(c.remaining() + 4) - 4, "redirection packet")?;
    let session_id = p.u32_le("SessionId")?;
    let flags = p.u32_le("RedirFlags")?;
    let mut r = Redirection {
        session_id,
        flags,
        ..Redirection::default()
    };
    // Optional fields, each a u32 length and its bytes, in this order (2.2.13.1).
    for (bit, what) in [
        (LB_TARGET_NET_ADDRESS, "TargetNetAddress"),
        (LB_LOAD_BALANCE_INFO, "LoadBalanceInfo"),
        (LB_USERNAME, "UserName"),
        (LB_DOMAIN, "Domain"),
        (LB_PASSWORD, "Password"),
        (LB_TARGET_FQDN, "TargetFQDN"),
        (LB_TARGET_NETBIOS_NAME, "TargetNetBiosName"),
    ] {
        if flags & bit == 0 {
            continue;
        }
        let n = p.u32_le(what)?;
        let bytes = p.take(usize::try_from(n).unwrap_or(usize::MAX), what)?;
        match bit {
            LB_LOAD_BALANCE_INFO => r.load_balance_info = true,
            LB_TARGET_NET_ADDRESS | LB_TARGET_FQDN | LB_TARGET_NETBIOS_NAME
                if r.target.is_none() =>
            {
                r.target = Some(utf16_until_nul(bytes));
            }
            _ => {}
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16z(s: &str) -> Vec<u8> {
        let mut v: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        v.extend([0, 0]);
        v
    }

    fn packet(flags: u32, fields: &[Vec<u8>]) -> Vec<u8> {
        let mut body = 2u32.to_le_bytes().to_vec();
        body.extend(flags.to_le_bytes());
        for f in fields {
            body.extend((f.len() as u32).to_le_bytes());
            body.extend(f);
        }
        let mut b = vec![0x00, 0x04];
        b.extend(((body.len() + 4) as u16).to_le_bytes());
        b.extend(body);
        b
    }

    #[test]
    fn target_and_routing_token() {
        let b = packet(
            LB_TARGET_NET_ADDRESS | LB_LOAD_BALANCE_INFO | LB_USERNAME,
            &[
                utf16z("10.0.0.7"),
                b"Cookie: msts=1\r\n".to_vec(),
                utf16z("u"),
            ],
        );
        let r = decode(&mut Cursor::new(&b)).unwrap();
        assert_eq!(r.session_id, 2);
        assert_eq!(r.target.as_deref(), Some("10.0.0.7"));
        assert!(r.load_balance_info);
        let fqdn = packet(LB_TARGET_FQDN, &[utf16z("rdsh2.corp.example")]);
        let r = decode(&mut Cursor::new(&fqdn)).unwrap();
        assert_eq!(r.target.as_deref(), Some("rdsh2.corp.example"));
        assert!(!r.load_balance_info);
    }

    #[test]
    fn truncated_and_impossible() {
        let b = packet(LB_TARGET_FQDN, &[utf16z("x")]);
        for n in 0..b.len() {
            assert!(decode(&mut Cursor::new(&b[..n])).is_err(), "{n}");
        }
        let mut huge = packet(LB_TARGET_FQDN, &[utf16z("x")]);
        huge[12] = 0xFF;
        huge[15] = 0xFF;
        assert!(decode(&mut Cursor::new(&huge)).is_err());
        assert!(decode(&mut Cursor::new(&[0, 4, 3, 0])).is_err());
    }
}
