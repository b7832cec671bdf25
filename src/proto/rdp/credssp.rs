//! MS-CSSP 2.2.1 TSRequest (CredSSP, the NLA exchange inside TLS under HYBRID and
//! HYBRID_EX), described without its secrets: the version, which fields are present, what
//! kind of authentication token negoTokens carries (NTLM message type, Kerberos AP-REQ /
//! AP-REP / KRB-ERROR, bare SPNEGO) and the errorCode a failing server returns. Also the
//! 4-byte Early User Authorization Result PDU of HYBRID_EX (MS-RDPBCGR 2.2.10.2).
//!
//! Hand-written on [`crate::proto::asn1`]: the `sspi`/`picky` crates decode TSRequest but
//! keep the token bytes and credentials and reject what they do not expect; here only the
//! shape is read and the token bytes are never copied.

use super::observed::{NegoToken, TsRequestInfo};
use crate::proto::asn1::{ber_any, ber_int_bits, ber_tlv, ber_uint_contents};
use crate::proto::wire::{Cursor, DecodeError};

/// MS-NLMP 2.2.1 signature of every NTLM message.
const NTLMSSP: &[u8; 8] = b"NTLMSSP\0";
/// RFC 1964 / RFC 4121 Kerberos V5 mechanism OID 1.2.840.113554.1.2.2, DER contents.
const KRB5_OID: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02];

/// MS-CSSP 2.2.1 TSRequest.
pub fn decode_ts_request(c: &mut Cursor) -> Result<TsRequestInfo, DecodeError> {
    let mut seq = ber_tlv(c, 0x30, "TSRequest")?;
    let mut info = TsRequestInfo::default();
    while !seq.is_empty() {
        let (tag, mut field) = ber_any(&mut seq, "TSRequest field")?;
        match tag {
            0xA0 => {
                let v = ber_tlv(&mut field, 0x02, "TSRequest.version")?;
                info.version = ber_uint_contents(v, "TSRequest.version")?;
            }
            0xA1 => info.token = Some(nego_token(field)?),
            0xA2 => info.auth_info = true,
            0xA3 => info.pub_key_auth = true,
            0xA4 => {
                let v = ber_tlv(&mut field, 0x02, "TSRequest.errorCode")?;
                info.error_code = Some(ber_int_bits(v, "TSRequest.errorCode")?);
            }
            0xA5 => info.client_nonce = true,
            _ => {} // a later version's field: skipped.
        }
    }
    Ok(info)
}

/// NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }: the first token's kind.
fn nego_token(mut field: Cursor) -> Result<NegoToken, DecodeError> {
    let mut list = ber_tlv(&mut field, 0x30, "NegoData")?;
    let mut item = ber_tlv(&mut list, 0x30, "NegoDataItem")?;
    let mut tagged = ber_tlv(&mut item, 0xA0, "negoToken")?;
    let token = ber_tlv(&mut tagged, 0x04, "negoToken OCTET STRING")?;
    Ok(classify(token.rest()))
}

/// What an SPNEGO / GSS-API / raw NTLM token carries.
pub fn classify(token: &[u8]) -> NegoToken {
    if let Some(at) = find(token, NTLMSSP) {
        let kind = token
            .get(at + 8..at + 12)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        return match kind {
            Some(1) => NegoToken::NtlmNegotiate,
            Some(2) => NegoToken::NtlmChallenge,
            Some(3) => NegoToken::NtlmAuthenticate,
            _ => NegoToken::Other,
        };
    }
    // RFC 4121 4.1: the Kerberos GSS token is the mechanism OID then a 2-byte TOK_ID.
    if let Some(at) = find(token, KRB5_OID) {
        // The OID may also appear in mechTypes; look for a TOK_ID after the last one.
        let mut last = at;
        while let Some(next) = token.get(last + 1..).and_then(|t| find(t, KRB5_OID)) {
            last += 1 + next;
        }
        match token.get(last + KRB5_OID.len()..last + KRB5_OID.len() + 2) {
            Some([0x01, 0x00]) => return NegoToken::KerberosApReq,
            Some([0x02, 0x00]) => return NegoToken::KerberosApRep,
            Some([0x03, 0x00]) => return NegoToken::KerberosError,
            _ => {}
        }
    }
    match token.first() {
        // RFC 4120 5.9.1 KRB-ERROR [APPLICATION 30], 5.5.2 AP-REP [APPLICATION 15].
        Some(0x7E) => NegoToken::KerberosError,
        Some(0x6F) => NegoToken::KerberosApRep,
        // RFC 4178 4.2.2 NegTokenResp without a mechanism token.
        Some(0xA1) => NegoToken::SpnegoResponse,
        _ => NegoToken::Other,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// MS-RDPBCGR 2.2.10.2 Early User Authorization Result PDU: authorizationResult (0
/// AUTHZ_SUCCESS, 5 AUTHZ_ACCESS_DENIED).
pub fn decode_early_user_authorization(c: &mut Cursor) -> Result<u32, DecodeError> {
    c.u32_le("authorizationResult")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(b: &[u8]) -> Result<TsRequestInfo, DecodeError> {
        decode_ts_request(&mut Cursor::new(b))
    }

    #[test]
    fn error_code_reply() {
        // RDP-FACTS 2.5: 30 0d a0 03 02 01 06 a4 06 02 04 c0 00 00 6d (v6, LOGON_FAILURE).
        let b = [
            0x30, 0x0D, 0xA0, 0x03, 0x02, 0x01, 0x06, 0xA4, 0x06, 0x02, 0x04, 0xC0, 0x00, 0x00,
            0x6D,
        ];
        let i = decode(&b).unwrap();
        assert_eq!(i.version, 6);
        assert_eq!(i.error_code, Some(0xC000_006D));
        assert_eq!(i.token, None);
        for n in 0..b.len() {
            assert!(decode(&b[..n]).is_err(), "{n}");
        }
    }

    fn with_token(token: &[u8]) -> Vec<u8> {
        let mut octets = vec![0x04, token.len() as u8];
        octets.extend(token);
        let mut tagged = vec![0xA0, octets.len() as u8];
        tagged.extend(octets);
        let mut item = vec![0x30, tagged.len() as u8];
        item.extend(tagged);
        let mut list = vec![0x30, item.len() as u8];
        list.extend(item);
        let mut nego = vec![0xA1, list.len() as u8];
        nego.extend(list);
        let mut body = vec![0xA0, 3, 2, 1, 6];
        body.extend(nego);
        body.extend([0xA3, 4, 4, 2, 0xAA, 0xBB, 0xA5, 4, 4, 2, 1, 2]);
        let mut b = vec![0x30, body.len() as u8];
        b.extend(body);
        b
    }

    #[test]
    fn ntlm_messages() {
        for (kind, want) in [
            (1u32, NegoToken::NtlmNegotiate),
            (2, NegoToken::NtlmChallenge),
            (3, NegoToken::NtlmAuthenticate),
            (9, NegoToken::Other),
        ] {
            let mut t = b"NTLMSSP\0".to_vec();
            t.extend(kind.to_le_bytes());
            let i = decode(&with_token(&t)).unwrap();
            assert_eq!(i.token, Some(want));
            assert!(i.pub_key_auth && i.client_nonce && !i.auth_info);
        }
    }

    #[test]
    fn kerberos_and_spnego() {
        let mut ap_req = vec![0x60, 0x10, 0x06, 0x09];
        ap_req.extend(KRB5_OID);
        ap_req.extend([0x01, 0x00, 0x6E, 0x00]);
        assert_eq!(classify(&ap_req), NegoToken::KerberosApReq);
        assert_eq!(
            classify(&[0xA1, 0x07, 0x30, 0x05]),
            NegoToken::SpnegoResponse
        );
        assert_eq!(classify(&[0x7E, 0x01]), NegoToken::KerberosError);
        assert_eq!(classify(&[]), NegoToken::Other);
    }

    #[test]
    fn impossible_lengths() {
        assert!(decode(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        assert!(decode(&[0x30, 0x03, 0xA4, 0x05, 0x02]).is_err());
        assert!(decode(&[0x31, 0x00]).is_err());
        // An unknown field of a later version is skipped.
        assert_eq!(
            decode(&[0x30, 0x07, 0xA0, 0x03, 2, 1, 2, 0xA9, 0])
                .unwrap()
                .version,
            2
        );
        assert_eq!(
            decode_early_user_authorization(&mut Cursor::new(&[5, 0, 0, 0])).unwrap(),
            5
        );
    }
}
