//! Internet checksum (RFC 1071) over IPv4 headers and TCP/UDP segments with their pseudo
//! headers. Used only to count bad checksums: packets are never dropped for them, since
//! checksum offloading makes locally sent packets carry wrong ones.

use std::net::IpAddr;

/// One's-complement sum of `data` folded to 32 bits (not yet complemented).
pub fn sum_words(data: &[u8], mut acc: u64) -> u64 {
    // Four independent accumulators over 32-byte blocks, so the additions pipeline.
    let mut lanes = [0u64; 4];
    let mut blocks = data.chunks_exact(32);
    for b in &mut blocks {
        for (lane, c) in lanes.iter_mut().zip(b.chunks_exact(8)) {
            let v = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            *lane += (v >> 32) + (v & 0xFFFF_FFFF);
        }
    }
    acc += lanes
        .iter()
        .map(|&l| (l & 0xFFFF_FFFF) + (l >> 32))
        .sum::<u64>();
    let mut chunks = blocks.remainder().chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        acc += (v >> 32) + (v & 0xFFFF_FFFF);
    }
    let rest = chunks.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        acc += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [last] = pairs.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u64) -> u16 {
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    acc as u16
}

/// True when an IPv4 header (options included) checksums to 0xFFFF.
pub fn ipv4_header_ok(header: &[u8]) -> bool {
    fold(sum_words(header, 0)) == 0xFFFF
}

/// True when a whole TCP or UDP segment (header + payload, as sent) checksums correctly.
pub fn transport_ok(src: IpAddr, dst: IpAddr, protocol: u8, segment: &[u8]) -> bool {
    let mut acc = 0u64;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc = sum_words(&s.octets(), acc);
            acc = sum_words(&d.octets(), acc);
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            acc = sum_words(&s.octets(), acc);
            acc = sum_words(&d.octets(), acc);
        }
        _ => return true,
    }
    acc += u64::from(protocol) + segment.len() as u64;
    fold(sum_words(segment, acc)) == 0xFFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_ddf2() {
        // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        assert_eq!(
            fold(sum_words(
                &[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7],
                0
            )),
            0xddf2
        );
    }

    #[test]
    fn block_path_equals_word_by_word() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for len in [0, 1, 31, 32, 33, 999, 1000] {
            let simple = data[..len].chunks(2).fold(0u64, |a, p| {
                a + u64::from(u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
            });
            assert_eq!(fold(sum_words(&data[..len], 0)), fold(simple), "{len}");
        }
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(sum_words(&[0x12, 0x34, 0x56], 0)), 0x1234 + 0x5600);
    }
}
