//! T.125 MCS domain PDUs as RDP uses them (MS-RDPBCGR 2.2.1.5–2.2.1.9, 2.2.2.3; T.125 7,
//! ALIGNED PER): Erect Domain, Attach User, Channel Join, Send Data Request / Indication
//! (the framing of every later slow-path PDU) and the Disconnect Provider Ultimatum.
//!
//! Hand-written: no maintained crate decodes T.125's PER domain PDUs; RDP uses eight of them
//! with fixed layouts. The CHOICE index is the top 6 bits of the first byte (X.691 22,
//! DomainMCSPDU has 44 alternatives), the low 2 bits flag optional fields.

use crate::proto::asn1::{per_length, per_u16};
use crate::proto::wire::{Cursor, DecodeError};

/// T.125 DomainMCSPDU CHOICE indices RDP uses.
pub mod choice {
    pub const ERECT_DOMAIN_REQUEST: u8 = 1;
    pub const DISCONNECT_PROVIDER_ULTIMATUM: u8 = 8;
    pub const ATTACH_USER_REQUEST: u8 = 10;
    pub const ATTACH_USER_CONFIRM: u8 = 11;
    pub const CHANNEL_JOIN_REQUEST: u8 = 14;
    pub const CHANNEL_JOIN_CONFIRM: u8 = 15;
    pub const SEND_DATA_REQUEST: u8 = 25;
    pub const SEND_DATA_INDICATION: u8 = 26;
}

/// T.125 UserId is `DynamicChannelId (1001..65535)`: PER writes it as an offset from 1001.
pub const USER_ID_BASE: u16 = 1001;

/// MS-RDPBCGR 2.2.1.5–2.2.1.9 / 2.2.2.3 / T.125 7 DomainMCSPDU, the alternatives RDP uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainPdu<'a> {
    /// 2.2.1.5 Client MCS Erect Domain Request PDU (subHeight, subInterval not kept).
    ErectDomainRequest,
    /// 2.2.1.6 Client MCS Attach User Request PDU.
    AttachUserRequest,
    /// 2.2.1.7 Server MCS Attach User Confirm PDU: result, initiator (the user channel).
    AttachUserConfirm { result: u8, user_id: Option<u16> },
    /// 2.2.1.8 Client MCS Channel Join Request PDU.
    ChannelJoinRequest { user_id: u16, channel_id: u16 },
    /// 2.2.1.9 Server MCS Channel Join Confirm PDU: channelId when present, else the
    /// requested one.
    ChannelJoinConfirm {
        result: u8,
        user_id: u16,
        channel_id: u16,
    },
    /// T.125 SendDataRequest (client → server, MS-RDPBCGR 2.2.8.1.1.1.1 framing).
    SendDataRequest(SendData<'a>),
    /// T.125 SendDataIndication (server → client).
    SendDataIndication(SendData<'a>),
    /// MS-RDPBCGR 2.2.2.3 / T.125 DisconnectProviderUltimatum: reason 0 domain-disconnected
    /// … 4 channel-purged.
    DisconnectProviderUltimatum { reason: u8 },
    /// Another DomainMCSPDU alternative (kept by CHOICE index).
    Other { choice: u8 },
}

/// T.125 11.32 / 11.33 SendDataRequest / SendDataIndication (MS-RDPBCGR 2.2.8.1.1.1.1
/// framing of slow-path PDUs): the header and the user data it frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendData<'a> {
    pub initiator: u16,
    pub channel_id: u16,
    /// The userData octets (security header, share control header, channel PDU …).
    pub data: &'a [u8],
    /// Absolute offset of `data` in the decoded buffer (for error offsets).
    pub data_offset: usize,
}

impl<'a> DomainPdu<'a> {
    /// Decodes the DomainMCSPDU that fills the X.224 Data TPDU's user data.
    pub fn decode(c: &mut Cursor<'a>) -> Result<Self, DecodeError> {
        let b0 = c.u8("DomainMCSPDU choice")?;
        Ok(match b0 >> 2 {
            choice::ERECT_DOMAIN_REQUEST => DomainPdu::ErectDomainRequest,
            choice::ATTACH_USER_REQUEST => DomainPdu::AttachUserRequest,
            choice::DISCONNECT_PROVIDER_ULTIMATUM => {
                // Reason is a 3-bit ENUMERATED straddling the two octets.
                let b1 = c.u8("DisconnectProviderUltimatum reason")?;
                DomainPdu::DisconnectProviderUltimatum {
                    reason: ((b0 & 0x03) << 1) | (b1 >> 7),
                }
            }
            choice::ATTACH_USER_CONFIRM => {
                let result = c.u8("AttachUserConfirm result")? >> 4;
                let user_id = if b0 & 0x02 != 0 {
                    Some(per_u16(c, USER_ID_BASE, "AttachUserConfirm initiator")?)
                } else {
                    None
                };
                DomainPdu::AttachUserConfirm { result, user_id }
            }
            choice::CHANNEL_JOIN_REQUEST => DomainPdu::ChannelJoinRequest {
                user_id: per_u16(c, USER_ID_BASE, "ChannelJoinRequest initiator")?,
                channel_id: per_u16(c, 0, "ChannelJoinRequest channelId")?,
            },
            choice::CHANNEL_JOIN_CONFIRM => {
                let result = c.u8("ChannelJoinConfirm result")? >> 4;
                let user_id = per_u16(c, USER_ID_BASE, "ChannelJoinConfirm initiator")?;
                let requested = per_u16(c, 0, "ChannelJoinConfirm requested")?;
                let channel_id = if b0 & 0x02 != 0 {
                    per_u16(c, 0, "ChannelJoinConfirm channelId")?
                } else {
                    requested
                };
                DomainPdu::ChannelJoinConfirm {
                    result,
                    user_id,
                    channel_id,
                }
            }
            choice::SEND_DATA_REQUEST => DomainPdu::SendDataRequest(SendData::decode(c)?),
            choice::SEND_DATA_INDICATION => DomainPdu::SendDataIndication(SendData::decode(c)?),
            other => DomainPdu::Other { choice: other },
        })
    }
}

impl<'a> SendData<'a> {
    fn decode(c: &mut Cursor<'a>) -> Result<Self, DecodeError> {
        let initiator = per_u16(c, USER_ID_BASE, "SendData initiator")?;
        let channel_id = per_u16(c, 0, "SendData channelId")?;
        c.skip(1, "SendData dataPriority/segmentation")?;
        let len = per_length(c, "SendData userData length")?;
        let data_offset = c.pos();
        let data = c.take(len, "SendData userData")?;
        Ok(SendData {
            initiator,
            channel_id,
            data,
            data_offset,
        })
    }
}

/// How many bytes of a Send Data PDU's X.224 user data must be at hand to read its header
/// (choice, initiator, channelId, priority, 2-byte length).
pub const SEND_DATA_HEADER: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(b: &[u8]) -> Result<DomainPdu<'_>, DecodeError> {
        DomainPdu::decode(&mut Cursor::new(b))
    }

    #[test]
    fn spec_examples() {
        // MS-RDPBCGR 4.1.5 Erect Domain Request: 04 01 00 01 00.
        assert_eq!(
            decode(&[0x04, 1, 0, 1, 0]).unwrap(),
            DomainPdu::ErectDomainRequest
        );
        // 4.1.6 Attach User Request: 28.
        assert_eq!(decode(&[0x28]).unwrap(), DomainPdu::AttachUserRequest);
        // 4.1.7 Attach User Confirm: 2e 00 00 06 (result 0, user 1007).
        assert_eq!(
            decode(&[0x2E, 0, 0, 6]).unwrap(),
            DomainPdu::AttachUserConfirm {
                result: 0,
                user_id: Some(1007)
            }
        );
        // 4.1.8.2.1 Channel Join Request for the I/O channel: 38 00 06 03 eb (user 1007,
        // channel 1003).
        assert_eq!(
            decode(&[0x38, 0, 6, 3, 0xEB]).unwrap(),
            DomainPdu::ChannelJoinRequest {
                user_id: 1007,
                channel_id: 1003
            }
        );
        // 4.1.9 Channel Join Confirm: 3e 00 00 06 03 ef 03 ef.
        assert_eq!(
            decode(&[0x3E, 0, 0, 6, 3, 0xEF, 3, 0xEF]).unwrap(),
            DomainPdu::ChannelJoinConfirm {
                result: 0,
                user_id: 1007,
                channel_id: 1007
            }
        );
        // 4.2.3 Disconnect Provider Ultimatum, rn-user-requested: 21 80.
        assert_eq!(
            decode(&[0x21, 0x80]).unwrap(),
            DomainPdu::DisconnectProviderUltimatum { reason: 3 }
        );
    }

    #[test]
    fn send_data_framing() {
        // SDin from user 1002 on channel 1003, 2-byte length 0x0005.
        let b = [0x68, 0, 1, 3, 0xEB, 0x70, 0x80, 5, 1, 2, 3, 4, 5];
        let DomainPdu::SendDataIndication(sd) = decode(&b).unwrap() else {
            panic!("not SDin");
        };
        assert_eq!((sd.initiator, sd.channel_id), (1002, 1003));
        assert_eq!(sd.data, &[1, 2, 3, 4, 5]);
        assert_eq!(sd.data_offset, 8);
        // Rejected channel join keeps the T.125 result (rt-no-such-channel 3 → 0x30).
        assert_eq!(
            decode(&[0x3C, 0x30, 0, 6, 3, 0xEF]).unwrap(),
            DomainPdu::ChannelJoinConfirm {
                result: 3,
                user_id: 1007,
                channel_id: 1007
            }
        );
    }

    #[test]
    fn truncated_and_impossible() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[0x21]).is_err());
        assert!(decode(&[0x38, 0, 6]).is_err());
        // Length says 300 bytes, 2 remain.
        assert!(decode(&[0x64, 0, 1, 3, 0xEB, 0x70, 0x81, 0x2C, 1, 2]).is_err());
        // Initiator beyond 65535 once 1001 is added.
        assert!(decode(&[0x38, 0xFF, 0xFF, 0, 1]).is_err());
        // An alternative RDP does not use is kept by index.
        assert_eq!(decode(&[0x0C]).unwrap(), DomainPdu::Other { choice: 3 });
    }
}
