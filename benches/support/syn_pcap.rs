//! The synthetic SYN flood capture shared by `benches/syn_flood.rs` and
//! `benches/live_replay.rs`: N SYNs, each from a distinct source address and port to
//! 10.255.0.1:3389, 1000 per second, legacy pcap.

use std::io::{BufWriter, Write};
use std::path::Path;

/// Server under attack.
const SERVER: [u8; 4] = [10, 255, 0, 1];
const SERVER_PORT: u16 = 3389;
/// Sources: consecutive addresses from 100.64.0.0 (RFC 6598 shared space, 4 Mi addresses).
const SOURCE_BASE: u32 = 0x6440_0000;
/// 2023-11-14 22:13:20 UTC.
const START_SECONDS: u32 = 1_700_000_000;

fn ones_complement_sum(mut sum: u32, bytes: &[u8]) -> u32 {
    for pair in bytes.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Ethernet + IPv4 + TCP SYN with an MSS option (58 bytes), checksums correct.
pub fn syn_frame(i: u64) -> [u8; 58] {
    let mut f = [0u8; 58];
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let src = (SOURCE_BASE + i as u32).to_be_bytes();
    let ip = &mut f[14..34];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&44u16.to_be_bytes());
    ip[4..6].copy_from_slice(&(i as u16).to_be_bytes());
    ip[6] = 0x40; // don't fragment
    ip[8] = 128;
    ip[9] = 6;
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&SERVER);
    let sum = fold(ones_complement_sum(0, ip));
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let src_port = 1024 + (i.wrapping_mul(7919) % 64_000) as u16;
    let seq = (i as u32).wrapping_mul(2_654_435_761);
    let tcp = &mut f[34..58];
    tcp[0..2].copy_from_slice(&src_port.to_be_bytes());
    tcp[2..4].copy_from_slice(&SERVER_PORT.to_be_bytes());
    tcp[4..8].copy_from_slice(&seq.to_be_bytes());
    tcp[12] = 6 << 4; // 24-byte header
    tcp[13] = 0x02; // SYN
    tcp[14..16].copy_from_slice(&64_240u16.to_be_bytes());
    tcp[20..24].copy_from_slice(&[2, 4, 0x05, 0xb4]); // MSS 1460
    let mut pseudo = ones_complement_sum(0, &src);
    pseudo = ones_complement_sum(pseudo, &SERVER);
    pseudo += 6 + 24;
    let sum = fold(ones_complement_sum(pseudo, tcp));
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    f
}

/// Legacy pcap, little-endian, microseconds, EN10MB; one SYN per millisecond.
pub fn write_capture(path: &Path, n: u64) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(&0xA1B2_C3D4u32.to_le_bytes())?;
    out.write_all(&2u16.to_le_bytes())?;
    out.write_all(&4u16.to_le_bytes())?;
    out.write_all(&[0; 8])?;
    out.write_all(&65_535u32.to_le_bytes())?;
    out.write_all(&1u32.to_le_bytes())?;
    for i in 0..n {
        let frame = syn_frame(i);
        out.write_all(&(START_SECONDS + (i / 1000) as u32).to_le_bytes())?;
        out.write_all(&(((i % 1000) * 1000) as u32).to_le_bytes())?;
        out.write_all(&(frame.len() as u32).to_le_bytes())?;
        out.write_all(&(frame.len() as u32).to_le_bytes())?;
        out.write_all(&frame)?;
    }
    out.flush()?;
    Ok(24 + n * (16 + 58))
}
