//! Bench helper: builds a large legacy pcap from real captures.
//!
//! The input captures (legacy pcap, link type EN10MB) are concatenated into a *template*
//! (each input's records keep their relative timing; inputs follow one another with a
//! one-second pause). The output is the template written again and again, each *replica*
//! `k` with:
//!
//! * every IPv4 address (outer header, after Ethernet and up to four VLAN tags) rewritten:
//!   its last two octets are XORed with `(k mod period) * 40503` (mod 2^16), so replicas
//!   within one period are distinct sets of conversations, and a replica `period` later
//!   replays the same 5-tuples. `period` is chosen so that the whole output holds at most
//!   `max_conversations` distinct TCP/UDP 5-tuples (default 4096): the flow table stays
//!   as small as in a real long capture of a few thousand sessions;
//! * the IPv4 header checksum and the TCP / UDP checksums updated incrementally
//!   (RFC 1624), so a checksum that was right stays right and one that was wrong (offload)
//!   stays wrong — the analysis counts the same bad checksums per replica;
//! * timestamps shifted by `k` template durations, and clamped so that time never goes
//!   backwards in the output.
//!
//! Output: little-endian, microsecond legacy pcap, link type EN10MB, snaplen 262144. Records
//! are written whole: the output stops at the last record that fits in `target_bytes`.

#![allow(dead_code)] // each bench target uses part of this module

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Default inputs, relative to the package root: RDP-heavy captures of the shared corpus.
/// `samples/*.pcap` with link type EN10MB are added by [`default_inputs`].
pub const DEFAULT_CORPUS_INPUTS: [&str; 3] = [
    "../shared/corpus/zeek/history/rdp-rdpeudp-handshake-fail.pcap",
    "../shared/corpus/zeek/testing/btest/Traces/rdp/rdp-to-ssl.pcap",
    "../shared/corpus/zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap",
];

/// Distinct 5-tuples allowed in the output by default.
pub const DEFAULT_MAX_CONVERSATIONS: u64 = 4096;

const LINKTYPE_EN10MB: u32 = 1;
const PCAP_HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;
const NS_PER_SEC: i64 = 1_000_000_000;
/// Multiplier spreading replica numbers over the 16-bit address suffix (odd, so that
/// `k * M mod 2^16` differs for every `k < 2^16`).
const SPREAD: u32 = 40503;

/// Package root (where Cargo.toml is).
pub fn package_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The default inputs that exist on this machine: the corpus captures, then
/// `samples/*.pcap` (sorted). Link types are checked when the template is built.
pub fn default_inputs() -> Vec<PathBuf> {
    let root = package_root();
    let mut out: Vec<PathBuf> = DEFAULT_CORPUS_INPUTS
        .iter()
        .map(|p| root.join(p))
        .filter(|p| p.is_file())
        .collect();
    let mut samples: Vec<PathBuf> = std::fs::read_dir(root.join("samples"))
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
                .collect()
        })
        .unwrap_or_default();
    samples.sort();
    out.extend(samples);
    out
}

/// One packet record of the template.
struct Record {
    /// Nanoseconds since the template's start.
    rel_ns: i64,
    orig_len: u32,
    data: Vec<u8>,
    /// Where the rewritable IPv4 header is, if any.
    ipv4: Option<Ipv4Spot>,
}

/// Offsets (into the frame) of what replication rewrites.
#[derive(Clone, Copy)]
struct Ipv4Spot {
    /// Start of the IPv4 header.
    ip: usize,
    /// Offset of the TCP / UDP checksum field, when the whole transport header of an
    /// unfragmented TCP / UDP packet was captured (UDP with checksum 0 excluded).
    transport_checksum: Option<(usize, bool)>,
}

/// The input captures, concatenated and ready to be replicated.
pub struct Template {
    records: Vec<Record>,
    /// First timestamp of the first input (output time origin), in ns since the epoch.
    start_ns: i64,
    /// Time one replica spans (including the pause after it), in ns.
    duration_ns: i64,
    /// Bytes one full replica takes in the output.
    pub bytes_per_replica: u64,
    /// Distinct IPv4 TCP/UDP 5-tuples in one replica.
    pub conversations: u64,
    /// Inputs used, with their record counts.
    pub used: Vec<(PathBuf, usize)>,
    /// Inputs skipped, with why.
    pub skipped: Vec<(PathBuf, String)>,
}

/// What [`Template::write`] produced.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    pub bytes: u64,
    pub records: u64,
    /// Replicas started (the last one may be partial).
    pub replicas: u64,
    /// Replicas after which the same 5-tuples come back.
    pub period: u64,
}

fn u32_at(b: &[u8], off: usize, big: bool) -> u32 {
    let a = [b[off], b[off + 1], b[off + 2], b[off + 3]];
    if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

/// Records of one legacy pcap: (timestamp ns, original length, captured bytes).
type RawRecord = (i64, u32, Vec<u8>);

/// Parses a legacy pcap held in memory. Returns its link type and records; a truncated
/// last record is dropped.
fn parse_pcap(bytes: &[u8]) -> Result<(u32, Vec<RawRecord>), String> {
    if bytes.len() < PCAP_HEADER_LEN {
        return Err("shorter than a pcap header".into());
    }
    let magic = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let (big, nanos) = match magic {
        0xA1B2_C3D4 => (false, false),
        0xD4C3_B2A1 => (true, false),
        0xA1B2_3C4D => (false, true),
        0x4D3C_B2A1 => (true, true),
        0x0A0D_0D0A => return Err("pcapng is not supported by this helper".into()),
        _ => return Err(format!("not a legacy pcap (magic {magic:08x})")),
    };
    let link_type = u32_at(bytes, 20, big) & 0x0FFF_FFFF;
    let mut records = Vec::new();
    let mut off = PCAP_HEADER_LEN;
    while off + RECORD_HEADER_LEN <= bytes.len() {
        let sec = i64::from(u32_at(bytes, off, big));
        let frac = i64::from(u32_at(bytes, off + 4, big));
        let incl = u32_at(bytes, off + 8, big) as usize;
        let orig = u32_at(bytes, off + 12, big);
        let body = off + RECORD_HEADER_LEN;
        let Some(data) = bytes.get(body..body.saturating_add(incl)) else {
            break;
        };
        let ts = sec * NS_PER_SEC + if nanos { frac } else { frac * 1000 };
        records.push((ts, orig.max(incl as u32), data.to_vec()));
        off = body + incl;
    }
    Ok((link_type, records))
}

/// Finds the IPv4 header of an Ethernet frame (after up to four VLAN tags) and the
/// transport checksum that depends on its addresses.
fn locate_ipv4(frame: &[u8]) -> Option<Ipv4Spot> {
    let mut off = 12;
    let mut ether_type = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
    let mut tags = 0;
    while matches!(ether_type, 0x8100 | 0x88A8 | 0x9100 | 0x9200) && tags < 4 {
        off += 4;
        ether_type = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
        tags += 1;
    }
    if ether_type != 0x0800 {
        return None;
    }
    let ip = off + 2;
    let first = *frame.get(ip)?;
    let ihl = usize::from(first & 0x0F) * 4;
    if first >> 4 != 4 || ihl < 20 || frame.len() < ip + ihl {
        return None;
    }
    let flags_frag = u16::from_be_bytes([frame[ip + 6], frame[ip + 7]]);
    let fragment = flags_frag & 0x3FFF != 0; // MF set or offset non-zero
    let l4 = ip + ihl;
    let transport_checksum = match (frame[ip + 9], fragment) {
        (6, false) if frame.len() >= l4 + 20 => Some((l4 + 16, false)),
        (17, false) if frame.len() >= l4 + 8 && frame[l4 + 6..l4 + 8] != [0, 0] => {
            Some((l4 + 6, true))
        }
        _ => None,
    };
    Some(Ipv4Spot {
        ip,
        transport_checksum,
    })
}

/// The IPv4 TCP/UDP 5-tuple of a frame, direction-independent.
fn flow_of(frame: &[u8], spot: Ipv4Spot) -> Option<(u8, [u8; 6], [u8; 6])> {
    let ip = spot.ip;
    let proto = frame[ip + 9];
    if proto != 6 && proto != 17 {
        return None;
    }
    let l4 = ip + usize::from(frame[ip] & 0x0F) * 4;
    let ports = frame.get(l4..l4 + 4)?;
    let mut a = [0u8; 6];
    let mut b = [0u8; 6];
    a[..4].copy_from_slice(&frame[ip + 12..ip + 16]);
    a[4..].copy_from_slice(&ports[..2]);
    b[..4].copy_from_slice(&frame[ip + 16..ip + 20]);
    b[4..].copy_from_slice(&ports[2..]);
    Some(if a <= b { (proto, a, b) } else { (proto, b, a) })
}

/// RFC 1624 eqn. 3: updates a ones-complement checksum for 16-bit words changing from
/// `old` to `new`.
fn adjust_checksum(checksum: u16, old: &[u16], new: &[u16]) -> u16 {
    let mut sum = u32::from(!checksum);
    for &w in old {
        sum += u32::from(!w);
    }
    for &w in new {
        sum += u32::from(w);
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

impl Template {
    /// Reads the inputs. Inputs that are not EN10MB legacy pcaps are skipped (listed in
    /// `skipped`); fails when none is usable.
    pub fn load(inputs: &[PathBuf]) -> Result<Template, String> {
        let mut records = Vec::new();
        let mut used = Vec::new();
        let mut skipped = Vec::new();
        let mut cursor: i64 = 0;
        let mut start_ns = None;
        for path in inputs {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    skipped.push((path.clone(), e.to_string()));
                    continue;
                }
            };
            let (link_type, raw) = match parse_pcap(&bytes) {
                Ok(r) => r,
                Err(e) => {
                    skipped.push((path.clone(), e));
                    continue;
                }
            };
            if link_type != LINKTYPE_EN10MB {
                skipped.push((path.clone(), format!("link type {link_type}, not EN10MB")));
                continue;
            }
            let Some(first) = raw.first().map(|r| r.0) else {
                skipped.push((path.clone(), "no records".into()));
                continue;
            };
            start_ns.get_or_insert(first);
            let mut last_rel = 0;
            for (ts, orig_len, data) in raw.iter().cloned() {
                let rel = (ts - first).max(last_rel);
                last_rel = rel;
                let ipv4 = locate_ipv4(&data);
                records.push(Record {
                    rel_ns: cursor + rel,
                    orig_len,
                    data,
                    ipv4,
                });
            }
            used.push((path.clone(), raw.len()));
            cursor += last_rel + NS_PER_SEC;
        }
        if records.is_empty() {
            return Err(format!(
                "no usable input capture (EN10MB legacy pcap); skipped: {skipped:?}"
            ));
        }
        let bytes_per_replica = records
            .iter()
            .map(|r| (RECORD_HEADER_LEN + r.data.len()) as u64)
            .sum();
        let conversations = records
            .iter()
            .filter_map(|r| flow_of(&r.data, r.ipv4?))
            .collect::<HashSet<_>>()
            .len() as u64;
        Ok(Template {
            records,
            start_ns: start_ns.unwrap_or(0),
            duration_ns: cursor,
            bytes_per_replica,
            conversations,
            used,
            skipped,
        })
    }

    /// Replicas after which the 5-tuples repeat, for at most `max_conversations`.
    pub fn period(&self, max_conversations: u64) -> u64 {
        (max_conversations / self.conversations.max(1)).clamp(1, 1 << 16)
    }

    /// Writes a capture of at most `target_bytes` (header included) to `out`.
    pub fn write<W: Write>(
        &self,
        out: &mut W,
        target_bytes: u64,
        max_conversations: u64,
    ) -> io::Result<Written> {
        let mut header = [0u8; PCAP_HEADER_LEN];
        header[0..4].copy_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
        header[4..6].copy_from_slice(&2u16.to_le_bytes());
        header[6..8].copy_from_slice(&4u16.to_le_bytes());
        header[16..20].copy_from_slice(&262_144u32.to_le_bytes());
        header[20..24].copy_from_slice(&LINKTYPE_EN10MB.to_le_bytes());
        out.write_all(&header)?;
        let period = self.period(max_conversations);
        let mut written = Written {
            bytes: PCAP_HEADER_LEN as u64,
            records: 0,
            replicas: 0,
            period,
        };
        let mut scratch = Vec::with_capacity(1 << 16);
        let mut last_ts = i64::MIN;
        'replicas: for k in 0u64.. {
            let mask = ((k % period) as u32).wrapping_mul(SPREAD) as u16;
            let shift = self.duration_ns.saturating_mul(k as i64);
            written.replicas = k + 1;
            for rec in &self.records {
                let size = (RECORD_HEADER_LEN + rec.data.len()) as u64;
                if written.bytes + size > target_bytes {
                    break 'replicas;
                }
                let ts = (self.start_ns + shift + rec.rel_ns).max(last_ts);
                last_ts = ts;
                let mut rh = [0u8; RECORD_HEADER_LEN];
                rh[0..4].copy_from_slice(&((ts / NS_PER_SEC) as u32).to_le_bytes());
                rh[4..8].copy_from_slice(&((ts % NS_PER_SEC / 1000) as u32).to_le_bytes());
                rh[8..12].copy_from_slice(&(rec.data.len() as u32).to_le_bytes());
                rh[12..16].copy_from_slice(&rec.orig_len.to_le_bytes());
                out.write_all(&rh)?;
                match rec.ipv4 {
                    Some(spot) if mask != 0 => {
                        scratch.clear();
                        scratch.extend_from_slice(&rec.data);
                        rewrite(&mut scratch, spot, mask);
                        out.write_all(&scratch)?;
                    }
                    _ => out.write_all(&rec.data)?,
                }
                written.bytes += size;
                written.records += 1;
            }
            if self.records.is_empty() {
                break;
            }
        }
        Ok(written)
    }

    /// The capture built in memory.
    pub fn build(&self, target_bytes: u64, max_conversations: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(target_bytes as usize);
        self.write(&mut out, target_bytes, max_conversations)
            .expect("writing to a Vec cannot fail");
        out
    }
}

/// XORs the last two octets of both IPv4 addresses with `mask` and fixes the checksums.
fn rewrite(frame: &mut [u8], spot: Ipv4Spot, mask: u16) {
    let ip = spot.ip;
    let word = |f: &[u8], o: usize| u16::from_be_bytes([f[o], f[o + 1]]);
    let old = [word(frame, ip + 14), word(frame, ip + 18)];
    let new = [old[0] ^ mask, old[1] ^ mask];
    frame[ip + 14..ip + 16].copy_from_slice(&new[0].to_be_bytes());
    frame[ip + 18..ip + 20].copy_from_slice(&new[1].to_be_bytes());
    let ip_sum = adjust_checksum(word(frame, ip + 10), &old, &new);
    frame[ip + 10..ip + 12].copy_from_slice(&ip_sum.to_be_bytes());
    if let Some((at, udp)) = spot.transport_checksum {
        let mut sum = adjust_checksum(word(frame, at), &old, &new);
        if udp && sum == 0 {
            sum = 0xFFFF; // RFC 768: a computed zero is sent as all ones
        }
        frame[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    }
}

/// Parses a size such as `1024` (MiB), `1g`, `4G`, `512m`, `300k` into bytes.
pub fn parse_size_mib(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let (num, mult) = match t.chars().last()? {
        'g' => (&t[..t.len() - 1], 1u64 << 30),
        'm' => (&t[..t.len() - 1], 1 << 20),
        'k' => (&t[..t.len() - 1], 1 << 10),
        _ => (&t[..], 1 << 20),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// Writes `path` with [`Template::write`], buffered.
pub fn write_file(
    template: &Template,
    path: &Path,
    target_bytes: u64,
    max_conversations: u64,
) -> io::Result<Written> {
    let file = std::fs::File::create(path)?;
    let mut out = io::BufWriter::with_capacity(1 << 20, file);
    let written = template.write(&mut out, target_bytes, max_conversations)?;
    out.flush()?;
    Ok(written)
}
