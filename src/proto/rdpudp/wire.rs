//! The MS-RDPEUDP (v1/v2) datagram layout: one parse of a datagram into its headers, borrowing
//! nothing past the call. All fields are big-endian (MS-RDPEUDP 2.2).
//!
//! Written by hand: no maintained crate decodes MS-RDPEUDP, and the layout is a handful of
//! fixed headers selected by flag bits. The order of the optional parts follows the spec's
//! example (MS-RDPEUDP 4.2.3) and Zeek's `rdpeudp-protocol.pac`: the ACK vector is padded to a
//! 4-byte boundary (checked on the Zeek corpus captures, where Wireshark's dissector, which does
//! not skip the padding, shows sequence numbers shifted by two bytes).

/// MS-RDPEUDP 2.2.2.1 RDPUDP_FEC_HEADER uFlags.
pub mod flags {
    pub const SYN: u16 = 0x0001;
    pub const FIN: u16 = 0x0002;
    pub const ACK: u16 = 0x0004;
    pub const DATA: u16 = 0x0008;
    pub const FEC: u16 = 0x0010;
    pub const CN: u16 = 0x0020;
    pub const CWR: u16 = 0x0040;
    pub const ACK_OF_ACKS: u16 = 0x0100;
    pub const SYNLOSSY: u16 = 0x0200;
    pub const ACKDELAYED: u16 = 0x0400;
    pub const CORRELATION_ID: u16 = 0x0800;
    pub const SYNEX: u16 = 0x1000;
}

/// MS-RDPEUDP 2.2.2.9 RDPUDP_SYNDATAEX_PAYLOAD uUdpVer values.
pub mod version {
    pub const V1: u16 = 0x0001;
    pub const V2: u16 = 0x0002;
    /// RDPEUDP2 data phase (MS-RDPEUDP2).
    pub const V3: u16 = 0x0101;
}

/// MS-RDPEUDP 2.2.2.1 RDPUDP_FEC_HEADER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FecHeader {
    pub sn_source_ack: u32,
    pub receive_window_size: u16,
    pub flags: u16,
}

/// MS-RDPEUDP 2.2.2.5 RDPUDP_SYNDATA_PAYLOAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynData {
    pub initial_sequence_number: u32,
    pub upstream_mtu: u16,
    pub downstream_mtu: u16,
}

/// MS-RDPEUDP 2.2.2.9 RDPUDP_SYNDATAEX_PAYLOAD (without the cookie hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynEx {
    pub flags: u16,
    pub version: u16,
}

/// MS-RDPEUDP 2.2.2.4 RDPUDP_SOURCE_PAYLOAD_HEADER, or the sequence part of 2.2.2.2
/// RDPUDP_FEC_PAYLOAD_HEADER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceHeader {
    pub sn_coded: u32,
    pub sn_source_start: u32,
}

/// One decoded datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    pub header: FecHeader,
    pub syn: Option<SynData>,
    /// MS-RDPEUDP 2.2.2.8 RDPUDP_CORRELATION_ID_PAYLOAD uCorrelationId.
    pub correlation_id: Option<[u8; 16]>,
    pub synex: Option<SynEx>,
    /// MS-RDPEUDP 2.2.2.7 RDPUDP_ACK_VECTOR_HEADER uAckVectorSize.
    pub ack_vector_size: Option<u16>,
    /// MS-RDPEUDP 2.2.2.6 RDPUDP_ACK_OF_ACKVECTOR_HEADER snResetSeqNum.
    pub reset_seq_num: Option<u32>,
    /// Source (DATA) or FEC (DATA|FEC) payload header.
    pub source: Option<SourceHeader>,
    /// Payload bytes after the headers.
    pub payload_len: usize,
}

impl Datagram {
    pub fn has(&self, flag: u16) -> bool {
        self.header.flags & flag != 0
    }
}

/// Why a datagram is not MS-RDPEUDP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("{what} needs {need} bytes at offset {offset}, {have} captured")]
    Short {
        what: &'static str,
        offset: usize,
        need: usize,
        have: usize,
    },
    #[error("ACK vector of {0} entries (MS-RDPEUDP 2.2.2.7 allows at most 2048)")]
    AckVectorTooLong(u16),
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        let have = self.bytes.len().saturating_sub(self.at);
        if have < n {
            return Err(WireError::Short {
                what,
                offset: self.at,
                need: n,
                have,
            });
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// MS-RDPEUDP 2.2.2.7: at most 2048 ACK vector entries.
const MAX_ACK_VECTOR: u16 = 2048;

/// Parses one MS-RDPEUDP v1/v2 datagram (not the RDPEUDP2 data phase, which has its own
/// framing).
pub fn parse(bytes: &[u8]) -> Result<Datagram, WireError> {
    let mut c = Cursor { bytes, at: 0 };
    let header = FecHeader {
        sn_source_ack: c.u32("RDPUDP_FEC_HEADER")?,
        receive_window_size: c.u16("RDPUDP_FEC_HEADER")?,
        flags: c.u16("RDPUDP_FEC_HEADER")?,
    };
    let mut d = Datagram {
        header,
        syn: None,
        correlation_id: None,
        synex: None,
        ack_vector_size: None,
        reset_seq_num: None,
        source: None,
        payload_len: 0,
    };
    if d.has(flags::SYN) {
        d.syn = Some(SynData {
            initial_sequence_number: c.u32("RDPUDP_SYNDATA_PAYLOAD")?,
            upstream_mtu: c.u16("RDPUDP_SYNDATA_PAYLOAD")?,
            downstream_mtu: c.u16("RDPUDP_SYNDATA_PAYLOAD")?,
        });
        if d.has(flags::CORRELATION_ID) {
            let id = c.take(16, "RDPUDP_CORRELATION_ID_PAYLOAD")?;
            let mut out = [0u8; 16];
            out.copy_from_slice(id);
            d.correlation_id = Some(out);
            c.take(16, "RDPUDP_CORRELATION_ID_PAYLOAD reserved")?;
        }
        if d.has(flags::SYNEX) {
            d.synex = Some(SynEx {
                flags: c.u16("RDPUDP_SYNDATAEX_PAYLOAD")?,
                version: c.u16("RDPUDP_SYNDATAEX_PAYLOAD")?,
            });
        }
        // The rest of a SYN / SYN+ACK is the optional cookie hash and zero padding up to the MTU.
        return Ok(d);
    }
    if d.has(flags::ACK) {
        let size = c.u16("RDPUDP_ACK_VECTOR_HEADER")?;
        if size > MAX_ACK_VECTOR {
            return Err(WireError::AckVectorTooLong(size));
        }
        let padded = (2 + usize::from(size)).div_ceil(4) * 4 - 2;
        c.take(padded, "ACK vector")?;
        d.ack_vector_size = Some(size);
    }
    if d.has(flags::ACK_OF_ACKS) {
        d.reset_seq_num = Some(c.u32("RDPUDP_ACK_OF_ACKVECTOR_HEADER")?);
    }
    if d.has(flags::DATA) {
        let what = if d.has(flags::FEC) {
            "RDPUDP_FEC_PAYLOAD_HEADER"
        } else {
            "RDPUDP_SOURCE_PAYLOAD_HEADER"
        };
        d.source = Some(SourceHeader {
            sn_coded: c.u32(what)?,
            sn_source_start: c.u32(what)?,
        });
        if d.has(flags::FEC) {
            // uRange, uFecIndex, uPadding
            c.take(4, what)?;
        }
    }
    d.payload_len = bytes.len().saturating_sub(c.at);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MS-RDPEUDP 4.1.1, the spec's sample SYN (first 16 bytes).
    #[test]
    fn spec_sample_syn() {
        let mut syn = vec![
            0xff, 0xff, 0xff, 0xff, 0x04, 0x00, 0x0a, 0x01, 0x00, 0x00, 0x00, 0x42, 0x04, 0xd0,
            0x04, 0xd0,
        ];
        syn.extend([0x11; 32]);
        let d = parse(&syn).unwrap();
        assert_eq!(d.header.sn_source_ack, 0xffff_ffff);
        assert_eq!(d.header.receive_window_size, 1024);
        assert!(d.has(flags::SYN) && d.has(flags::SYNLOSSY) && d.has(flags::CORRELATION_ID));
        let s = d.syn.unwrap();
        assert_eq!(
            (s.initial_sequence_number, s.upstream_mtu, s.downstream_mtu),
            (0x42, 1232, 1232)
        );
        assert_eq!(d.correlation_id, Some([0x11; 16]));
    }

    #[test]
    fn ack_vector_padding_and_truncation() {
        // ACK|DATA, one vector entry + 1 pad byte, then snCoded / snSourceStart.
        let dg = [
            0, 0, 0, 1, 0, 0xc8, 0, 0x0c, 0, 1, 0, 0x1f, 0, 0, 0, 7, 0, 0, 0, 7, 0x16,
        ];
        let d = parse(&dg).unwrap();
        assert_eq!(d.ack_vector_size, Some(1));
        assert_eq!(
            d.source,
            Some(SourceHeader {
                sn_coded: 7,
                sn_source_start: 7
            })
        );
        assert_eq!(d.payload_len, 1);
        for cut in 0..20 {
            assert!(parse(&dg[..cut]).is_err(), "cut at {cut}");
        }
    }
}
