//! MS-RDPBCGR 2.2.16.1 Server Heartbeat PDU (after a security header with SEC_HEARTBEAT on
//! the message channel): how often the server promises to send one and after how many
//! missed ones the client should warn and reconnect.
//!
//! Hand-written: four bytes.

use crate::proto::wire::{Cursor, DecodeError};

/// MS-RDPBCGR 2.2.16.1 Heartbeat PDU (RDP_HEARTBEAT_PDU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// Seconds between heartbeats.
    pub period: u8,
    /// count1: missed heartbeats before a warning.
    pub warning_count: u8,
    /// count2: missed heartbeats before a reconnect.
    pub reconnect_count: u8,
}

impl Heartbeat {
    pub fn decode(c: &mut Cursor) -> Result<Self, DecodeError> {
        c.skip(1, "RDP_HEARTBEAT_PDU reserved")?;
        Ok(Heartbeat {
            period: c.u8("period")?,
            warning_count: c.u8("count1")?,
            reconnect_count: c.u8("count2")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat() {
        let h = Heartbeat::decode(&mut Cursor::new(&[0, 30, 3, 6])).unwrap();
        assert_eq!((h.period, h.warning_count, h.reconnect_count), (30, 3, 6));
        assert!(Heartbeat::decode(&mut Cursor::new(&[0, 30, 3])).is_err());
    }
}
