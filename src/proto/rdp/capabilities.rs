//! MS-RDPBCGR 2.2.1.13 Capabilities Exchange: Server Demand Active (2.2.1.13.1.1) and
//! Client Confirm Active (2.2.1.13.2.1), summarised: the share id, the source descriptor,
//! the type of every capability set (2.2.1.13.1.1.1 TS_CAPS_SET) and what the General
//! (2.2.7.1.1) and Bitmap (2.2.7.1.2) sets say about the peer.
//!
//! Hand-written: no maintained crate decodes RDP capability sets without rejecting unknown
//! ones. Each set is read from its own length-bounded slice; sets not modelled are kept by
//! type only.

use super::observed::CapabilitySummary;
use crate::proto::wire::{Cursor, DecodeError, ascii_until_nul};

pub const CAPSTYPE_GENERAL: u16 = 0x0001;
pub const CAPSTYPE_BITMAP: u16 = 0x0002;
/// Capability set types kept per PDU (Windows sends about 30).
pub const MAX_CAPABILITY_SETS: usize = 64;

/// MS-RDPBCGR 2.2.1.13.1.1 Demand Active PDU Data (TS_DEMAND_ACTIVE_PDU), after the share
/// control header.
pub fn decode_demand_active(c: &mut Cursor) -> Result<CapabilitySummary, DecodeError> {
    let share_id = c.u32_le("TS_DEMAND_ACTIVE_PDU shareId")?;
    decode_common(c, share_id)
}

/// MS-RDPBCGR 2.2.1.13.2.1 Confirm Active PDU Data (TS_CONFIRM_ACTIVE_PDU), after the share
/// control header.
pub fn decode_confirm_active(c: &mut Cursor) -> Result<CapabilitySummary, DecodeError> {
    let share_id = c.u32_le("TS_CONFIRM_ACTIVE_PDU shareId")?;
    c.skip(2, "TS_CONFIRM_ACTIVE_PDU originatorId")?;
    decode_common(c, share_id)
}

fn decode_common(c: &mut Cursor, share_id: u32) -> Result<CapabilitySummary, DecodeError> {
    let source_len = usize::from(c.u16_le("lengthSourceDescriptor")?);
    let caps_len = usize::from(c.u16_le("lengthCombinedCapabilities")?);
    let source = ascii_until_nul(c.take(source_len, "sourceDescriptor")?);
    let mut caps = c.sub(caps_len, "combined capabilities")?;
    let number = caps.u16_le("numberCapabilities")?;
    caps.skip(2, "pad2Octets")?;
    let mut summary = CapabilitySummary {
        share_id,
        source,
        ..CapabilitySummary::default()
    };
    for _ in 0..number {
        let at = caps.pos();
        let kind = caps.u16_le("capabilitySetType")?;
        let len = usize::from(caps.u16_le("lengthCapability")?);
        if len < 4 {
            return Err(Cursor::err_at(at, format!("lengthCapability {len} < 4")));
        }
        let mut set = caps.sub(len - 4, "capabilityData")?;
        if summary.capability_sets.len() < MAX_CAPABILITY_SETS {
            summary.capability_sets.push(kind);
        }
        match kind {
            // 2.2.7.1.1 TS_GENERAL_CAPABILITYSET: osMajorType, osMinorType.
            CAPSTYPE_GENERAL => {
                let major = set.u16_le("osMajorType")?;
                let minor = set.u16_le("osMinorType")?;
                summary.os = Some((major, minor));
            }
            // 2.2.7.1.2 TS_BITMAP_CAPABILITYSET: preferredBitsPerPixel, 3 × receive*,
            // desktopWidth, desktopHeight.
            CAPSTYPE_BITMAP => {
                let bpp = set.u16_le("preferredBitsPerPixel")?;
                set.skip(6, "receive1/4/8BitPerPixel")?;
                let w = set.u16_le("desktopWidth")?;
                let h = set.u16_le("desktopHeight")?;
                summary.desktop = Some((w, h, bpp));
            }
            _ => {}
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Demand Active body: shareId 0x000103EA, source "RDP", General (Windows, NT) and
    /// Bitmap (24 bpp, 1024×768) sets and one unknown set 0x7777.
    fn demand_active() -> Vec<u8> {
        let mut caps = vec![3, 0, 0, 0];
        caps.extend([1, 0, 24, 0, 1, 0, 3, 0]);
        caps.extend([0u8; 16]);
        caps.extend([2, 0, 28, 0, 24, 0, 1, 0, 1, 0, 1, 0, 0, 4, 0, 3]);
        caps.extend([0u8; 12]);
        caps.extend([0x77, 0x77, 6, 0, 9, 9]);
        let mut b = 0x0001_03EAu32.to_le_bytes().to_vec();
        b.extend(4u16.to_le_bytes());
        b.extend((caps.len() as u16).to_le_bytes());
        b.extend(b"RDP\0");
        b.extend(caps);
        b.extend([0, 0, 0, 0]); // sessionId
        b
    }

    #[test]
    fn demand_active_summary() {
        let s = decode_demand_active(&mut Cursor::new(&demand_active())).unwrap();
        assert_eq!(s.share_id, 0x0001_03EA);
        assert_eq!(s.source, "RDP");
        assert_eq!(s.capability_sets, [1, 2, 0x7777]);
        assert_eq!(s.os, Some((1, 3)));
        assert_eq!(s.desktop, Some((1024, 768, 24)));
    }

    #[test]
    fn truncated_and_impossible() {
        let b = demand_active();
        for n in 0..b.len() - 4 {
            assert!(
                decode_demand_active(&mut Cursor::new(&b[..n])).is_err(),
                "{n}"
            );
        }
        let mut zero = b.clone();
        let set = 4 + 2 + 2 + 4 + 4; // first TS_CAPS_SET
        zero[set + 2] = 2; // lengthCapability 2 < 4
        zero[set + 3] = 0;
        assert!(decode_demand_active(&mut Cursor::new(&zero)).is_err());
        let mut many = b;
        many[12] = 0xFF; // numberCapabilities 0xFF03 with three sets present
        many[13] = 0xFF;
        assert!(decode_demand_active(&mut Cursor::new(&many)).is_err());
    }
}
