//! A small writer of legacy pcap files (Ethernet, IPv4, TCP) for reassembly tests, built on
//! etherparse's packet builder.

use etherparse::PacketBuilder;
use std::path::PathBuf;

pub const CLIENT: [u8; 4] = [10, 0, 0, 1];
pub const SERVER: [u8; 4] = [10, 0, 0, 2];
pub const CLIENT_PORT: u16 = 50000;
pub const SERVER_PORT: u16 = 3389;

pub struct Seg<'a> {
    pub from_client: bool,
    pub seq: u32,
    pub ack: u32,
    pub flags: &'a str,
    pub payload: &'a [u8],
    pub window: u16,
    pub ttl: u8,
}

pub fn seg<'a>(
    from_client: bool,
    seq: u32,
    ack: u32,
    flags: &'a str,
    payload: &'a [u8],
) -> Seg<'a> {
    Seg {
        from_client,
        seq,
        ack,
        flags,
        payload,
        window: 64240,
        ttl: 64,
    }
}

pub fn frame(s: &Seg<'_>) -> Vec<u8> {
    let (src, dst, sp, dp) = if s.from_client {
        (CLIENT, SERVER, CLIENT_PORT, SERVER_PORT)
    } else {
        (SERVER, CLIENT, SERVER_PORT, CLIENT_PORT)
    };
    let mut b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, s.ttl)
        .tcp(sp, dp, s.seq, s.window);
    if s.flags.contains('S') {
        b = b.syn();
    }
    if s.flags.contains('A') {
        b = b.ack(s.ack);
    }
    if s.flags.contains('F') {
        b = b.fin();
    }
    if s.flags.contains('R') {
        b = b.rst();
    }
    if s.flags.contains('P') {
        b = b.psh();
    }
    let mut out = Vec::with_capacity(b.size(s.payload.len()));
    b.write(&mut out, s.payload).unwrap();
    out
}

/// Writes `frames` as a little-endian microsecond pcap, 1 ms apart; returns its path.
pub fn write_pcap(name: &str, frames: &[Vec<u8>]) -> PathBuf {
    let mut out = Vec::new();
    out.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        out.extend_from_slice(&(i as u32 * 1000).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    let dir = std::env::temp_dir().join(format!("rdptriage-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}
