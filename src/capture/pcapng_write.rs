//! Writes pcapng: one section, one interface, TLS key logs as Decryption Secrets Blocks, and
//! packets as Enhanced Packet Blocks (draft-ietf-opsawg-pcapng, "the pcapng spec" below).
//! Used to save what `rdptriage live` saw, with the keys needed to decrypt it, in one file
//! Wireshark opens as is.
//!
//! The block encoding is pcap-parser's (`serialize` feature, `ToVec`), the crate that already
//! reads captures here: it fixes block lengths, option padding and end-of-options, and is the
//! one writer checked that has the Decryption Secrets Block. pcap-file (2.0 and 3.0-rc) writes
//! pcapng but has no Decryption Secrets Block (it would have to be built by hand as an unknown
//! block). This module adds what pcap-parser leaves to the caller: the block order, the
//! options rdptriage writes, `secrets_len`, captured and original lengths, and the split of
//! a nanosecond time stamp into the EPB's two 32-bit halves. Blocks are written in little-endian
//! byte order (the SHB's byte-order magic says so, pcapng spec section 4.1).

use super::Timestamp;
use pcap_parser::pcapng::{
    DecryptionSecretsBlock, EnhancedPacketBlock, InterfaceDescriptionBlock, OptionCode,
    PcapNGOption, SecretsType, SectionHeaderBlock,
};
use pcap_parser::{Linktype, ToVec};
use std::borrow::Cow;
use std::io::{self, Write};

/// `if_tsresol` = 9: time stamps count nanoseconds (pcapng spec section 4.2, option code 9:
/// most significant bit clear, 10^-9 seconds).
const TSRESOL_NANOSECONDS: u8 = 9;
/// Decryption Secrets Block secrets type for an NSS key log (pcapng spec section 4.7: "TLSK").
pub const SECRETS_TYPE_TLS_KEY_LOG: u32 = 0x544c_534b;

/// Writes one pcapng section with a single interface (id 0) to `W`.
pub struct PcapngWriter<W: Write> {
    out: W,
    frames: u64,
}

fn gen_error(e: impl std::fmt::Debug) -> io::Error {
    io::Error::other(format!("pcapng block encoding failed: {e:?}"))
}

fn too_long(what: &str, len: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what} of {len} bytes does not fit a pcapng block (32-bit length)"),
    )
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the Section Header Block (pcapng spec section 4.1; `shb_userappl`
    /// "rdptriage <version>", section length -1: not known in advance) and one Interface
    /// Description Block (section 4.2; `if_tsresol` 9: nanoseconds).
    pub fn new(w: W, link_type: u32, snaplen: u32) -> io::Result<Self> {
        let mut out = w;
        let userappl = format!("rdptriage {}", env!("CARGO_PKG_VERSION")).into_bytes();
        let mut shb = SectionHeaderBlock {
            block_type: 0,
            block_len1: 0,
            bom: 0,
            major_version: 1,
            minor_version: 0,
            section_len: -1,
            options: vec![PcapNGOption {
                code: OptionCode::ShbUserAppl,
                len: userappl.len() as u16,
                value: Cow::Owned(userappl),
            }],
            block_len2: 0,
        };
        out.write_all(&shb.to_vec().map_err(gen_error)?)?;
        let linktype = i32::try_from(link_type)
            .map(Linktype)
            .map_err(|_| too_long("link type", link_type as usize))?;
        let mut idb = InterfaceDescriptionBlock {
            block_type: 0,
            block_len1: 0,
            linktype,
            reserved: 0,
            snaplen,
            options: vec![PcapNGOption {
                code: OptionCode::IfTsresol,
                len: 1,
                value: Cow::Owned(vec![TSRESOL_NANOSECONDS]),
            }],
            block_len2: 0,
            if_tsresol: TSRESOL_NANOSECONDS,
            if_tsoffset: 0,
        };
        out.write_all(&idb.to_vec().map_err(gen_error)?)?;
        Ok(PcapngWriter { out, frames: 0 })
    }

    /// Writes a Decryption Secrets Block (pcapng spec section 4.7: block type 0x0000000A,
    /// secrets type 0x544c534b "TLSK", the NSS key log as is). Readers apply it to the packets
    /// that follow it, so write it before the frames it decrypts.
    pub fn write_secrets(&mut self, tls_key_log: &[u8]) -> io::Result<()> {
        let secrets_len = u32::try_from(tls_key_log.len())
            .ok()
            .filter(|&n| n <= u32::MAX - 32)
            .ok_or_else(|| too_long("key log", tls_key_log.len()))?;
        let mut dsb = DecryptionSecretsBlock {
            block_type: 0,
            block_len1: 0,
            secrets_type: SecretsType(SECRETS_TYPE_TLS_KEY_LOG),
            secrets_len,
            data: tls_key_log,
            options: Vec::new(),
            block_len2: 0,
        };
        self.out.write_all(&dsb.to_vec().map_err(gen_error)?)
    }

    /// Writes an Enhanced Packet Block (pcapng spec section 4.3) on interface 0: `data` is
    /// what was captured (`frame.cap_len`), `wire_len` the length on the wire (`frame.len`).
    /// The 64-bit time stamp counts nanoseconds (the IDB's `if_tsresol`) and is unsigned: a
    /// frame stamped before 1970 is written at the epoch.
    pub fn write_frame(&mut self, ts: Timestamp, wire_len: u32, data: &[u8]) -> io::Result<()> {
        let caplen = u32::try_from(data.len())
            .ok()
            .filter(|&n| n <= u32::MAX - 64)
            .ok_or_else(|| too_long("frame", data.len()))?;
        let ns = u64::try_from(ts.0).unwrap_or(0);
        let mut epb = EnhancedPacketBlock {
            block_type: 0,
            block_len1: 0,
            if_id: 0,
            ts_high: (ns >> 32) as u32,
            ts_low: ns as u32,
            caplen,
            // A frame cannot be shorter on the wire than captured.
            origlen: wire_len.max(caplen),
            data,
            options: Vec::new(),
            block_len2: 0,
        };
        self.out.write_all(&epb.to_vec().map_err(gen_error)?)?;
        self.frames += 1;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and hands back the output.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte layout checked against the pcapng spec: SHB (4.1) 28 bytes + shb_userappl option
    /// (4 + "rdptriage <version>" padded to 4 bytes) + opt_endofopt (4); IDB (4.2) 20 bytes + if_tsresol
    /// (4 + 4) + if_tsoffset added by pcap-parser (4 + 8) + opt_endofopt (4).
    #[test]
    fn blocks_have_the_spec_layout() {
        let mut w = PcapngWriter::new(Vec::new(), 1, 262_144).unwrap();
        w.write_secrets(b"CLIENT_RANDOM 00 11\n").unwrap();
        w.write_frame(Timestamp(0x1_0000_0002), 60, &[0xaa; 5])
            .unwrap();
        let out = w.into_inner().unwrap();
        let u32_at = |o: usize| u32::from_le_bytes(out[o..o + 4].try_into().unwrap());
        assert_eq!(u32_at(0), 0x0A0D_0D0A);
        let shb_len = u32_at(4) as usize;
        assert_eq!(u32_at(8), 0x1A2B_3C4D);
        let appl = format!("rdptriage {}", env!("CARGO_PKG_VERSION"));
        assert_eq!(shb_len, 28 + 4 + appl.len().div_ceil(4) * 4 + 4);
        assert_eq!(&out[24..26], &4u16.to_le_bytes()); // shb_userappl, after the 24-byte header
        assert_eq!(&out[26..28], &(appl.len() as u16).to_le_bytes());
        assert_eq!(&out[28..28 + appl.len()], appl.as_bytes());
        assert_eq!(u32_at(shb_len - 4), shb_len as u32);
        let idb = shb_len;
        assert_eq!(u32_at(idb), 1);
        let idb_len = u32_at(idb + 4) as usize;
        assert_eq!(u32_at(idb + 8), 1); // LINKTYPE_ETHERNET, reserved 0
        assert_eq!(u32_at(idb + 12), 262_144);
        assert_eq!(&out[idb + 16..idb + 21], &[9, 0, 1, 0, 9]);
        let dsb = idb + idb_len;
        assert_eq!(u32_at(dsb), 0x0000_000A);
        assert_eq!(u32_at(dsb + 4), 20 + 20);
        assert_eq!(u32_at(dsb + 8), 0x544c_534b);
        assert_eq!(u32_at(dsb + 12), 20);
        let epb = dsb + 40;
        assert_eq!(u32_at(epb), 6);
        assert_eq!(u32_at(epb + 4), 32 + 8);
        assert_eq!(u32_at(epb + 8), 0); // interface id
        assert_eq!(u32_at(epb + 12), 1); // ts high
        assert_eq!(u32_at(epb + 16), 2); // ts low
        assert_eq!(u32_at(epb + 20), 5);
        assert_eq!(u32_at(epb + 24), 60);
        assert_eq!(
            &out[epb + 28..epb + 36],
            &[0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0]
        );
        assert_eq!(u32_at(epb + 36), 40);
        assert_eq!(out.len(), epb + 40);
    }
}
