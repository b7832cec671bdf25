//! Stage 1 — capture: turns capture files (pcap, pcapng, gzip-compressed or not, from a
//! path or standard input) into a sequence of link-layer frames numbered exactly as
//! Wireshark numbers them, plus a summary of the file itself.
//!
//! Container parsing is pcap-parser's; this module adds what it leaves to its users:
//! per-interface timestamp resolution, the obsolete packet block, frame numbering,
//! byte offsets in error messages, and bounded handling of broken files.

mod link;
#[cfg(feature = "live")]
pub mod live;
pub mod pcapng_write;
mod reader;
pub mod recent;
mod source;
pub mod walk;

pub use link::{
    ETHERTYPE_IPV4, ETHERTYPE_IPV6, LinkLayer, NetworkPayload, link_type_name, strip_link_layer,
};
pub use reader::{CaptureError, CaptureInfo, CaptureReader, InterfaceInfo, ReadOutcome};
pub use source::{InputSource, open_source};

use serde::Serialize;

/// Nanoseconds since the Unix epoch, as stamped by the capturing host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Timestamp(pub i64);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl Timestamp {
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// Seconds between `self` and a later `other` (negative if `other` is earlier).
    pub fn secs_until(self, other: Timestamp) -> f64 {
        (other.0 - self.0) as f64 / 1e9
    }
    /// RFC 3339 in UTC with nanoseconds, e.g. `2025-02-18T15:50:01.123456789Z`.
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1_000_000_000);
        let nanos = self.0.rem_euclid(1_000_000_000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
            rem / 3600,
            (rem % 3600) / 60,
            rem % 60
        )
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// One captured frame, borrowed from the reader's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based, equal to Wireshark's `frame.number`.
    pub number: u64,
    pub ts: Timestamp,
    /// Link-layer header type (LINKTYPE_* value as stored in the file).
    pub link_type: u32,
    /// pcapng interface id (0 for legacy pcap).
    pub interface: u32,
    /// Length on the wire (`frame.len`).
    pub wire_len: u32,
    /// Captured bytes (`frame.cap_len` of them).
    pub data: &'a [u8],
}

/// Container format of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pcap,
    Pcapng,
}

/// A pcapng Decryption Secrets Block, kept for the decryption stage.
#[derive(Debug, Clone, Serialize)]
pub struct DecryptionSecrets {
    /// Secrets type, e.g. 0x544c534b ("TLSK", an NSS key log).
    pub secrets_type: u32,
    /// Number of the last frame read before this block (0 if none).
    pub after_frame: u64,
    #[serde(skip)]
    pub data: Vec<u8>,
    pub length: usize,
}

/// Caps on what a single capture may make us keep.
pub const MAX_SECRETS_BYTES: usize = 4 << 20;
pub const MAX_COMMENTS_KEPT: usize = 64;

/// Byte order of the capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    Little,
    Big,
}
