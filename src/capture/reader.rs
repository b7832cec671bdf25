//! Walks the records of a pcap or pcapng stream with pcap-parser's streaming readers and
//! hands every packet record to a callback as a [`Frame`], numbered like Wireshark.
//!
//! What pcap-parser leaves to us and is done here: legacy pcap in both byte orders and with
//! nanosecond magic; pcapng per-interface `if_tsresol`/`if_tsoffset`; Simple and Obsolete
//! Packet Blocks (the obsolete one arrives as an unknown block, decoded here per pcapng
//! spec appendix); cutting EPB padding at the captured length; keeping Decryption Secrets
//! Blocks and counting comments; and turning parser errors into messages with the byte
//! offset of the record that could not be read. The read buffer starts at [`READ_BUFFER`]
//! and grows, doubling, for a larger record or block (a Decryption Secrets Block of a large
//! key log, a custom block) up to [`MAX_READ_BUFFER`]; a record declaring more is reported
//! as corrupt instead of being allocated. An input that fails mid-way (damaged or truncated
//! gzip, an I/O error) keeps the frames read before the failure.

use super::{
    ByteOrder, DecryptionSecrets, Format, Frame, MAX_COMMENTS_KEPT, MAX_SECRETS_BYTES, Timestamp,
};
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;

/// Initial read buffer: holds the largest packet record (tcpdump's snaplen is 262144; pcapng
/// blocks add options).
pub const READ_BUFFER: usize = (1 << 20) + (64 << 10);
/// The read buffer grows (doubling) up to this for larger records or blocks: 68 MiB, so a
/// pcapng block of 64 MiB (a Decryption Secrets Block, a custom block) is read. Records
/// declaring more are treated as corrupt.
pub const MAX_READ_BUFFER: usize = READ_BUFFER << 6;

/// Bytes read before choosing the container reader.
const FIRST_CHUNK: usize = 256 << 10;
/// How far past a corrupt record the input is read to see whether it fails there itself.
const DRAIN_AFTER_CORRUPT: usize = 4 << 20;
/// pcapng option code for comments (`opt_comment`), valid in every block.
const OPT_COMMENT: u16 = 1;
/// pcapng Obsolete Packet Block type.
const OBSOLETE_PACKET_BLOCK: u32 = 0x0000_0002;

/// What the file itself says, filled while reading.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CaptureInfo {
    pub format: Option<Format>,
    pub byte_order: Option<ByteOrder>,
    /// "micro" / "nano" for legacy pcap; per interface for pcapng.
    pub ts_precision: Option<String>,
    /// Frames per link type, keyed by LINKTYPE value.
    pub link_types: BTreeMap<u32, u64>,
    pub interfaces: Vec<InterfaceInfo>,
    pub frames: u64,
    /// Sum of wire lengths.
    pub wire_bytes: u64,
    /// Sum of captured lengths.
    pub captured_bytes: u64,
    /// Frames whose captured length is below the wire length (snaplen cuts).
    pub frames_cut_by_snaplen: u64,
    pub first_ts: Option<Timestamp>,
    pub last_ts: Option<Timestamp>,
    /// Frames whose timestamp is earlier than the previous frame's.
    pub out_of_order_timestamps: u64,
    pub comments: Vec<String>,
    pub comments_total: u64,
    pub sections: u64,
    pub secrets: Vec<DecryptionSecrets>,
    /// Bytes of the input consumed (decompressed bytes for gzip input).
    pub bytes_read: u64,
    /// Packet blocks referring to an interface that was never described.
    pub frames_unknown_interface: u64,
    /// Set when reading stopped early: where and why. Frames before it were processed.
    pub stopped: Option<CaptureError>,
    /// When capturing ended, if the file says (pcapng Interface Statistics Block
    /// `isb_endtime`): silence after the last packet is then visible.
    pub capture_end: Option<Timestamp>,
    /// How `capture_end` was read: `isb_endtime`, or `isb_endtime_microseconds` when the value
    /// only makes sense in microseconds whatever the interface's `if_tsresol` says (dumpcap
    /// 4.0 writes it so).
    pub capture_end_basis: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterfaceInfo {
    pub link_type: u32,
    pub snaplen: u32,
    /// Timestamp units per second.
    pub ts_units_per_sec: u64,
    pub name: Option<String>,
}

/// Why a capture could not be read, or stopped being readable, and where.
#[derive(Debug, Clone, thiserror::Error, Serialize)]
pub enum CaptureError {
    #[error("empty input: no capture header")]
    Empty,
    #[error("not a pcap or pcapng capture (first bytes: {first_bytes})")]
    NotACapture { first_bytes: String },
    #[error("file ends in the middle of a record at byte offset {offset} (truncated capture)")]
    Truncated { offset: u64 },
    #[error("corrupt record at byte offset {offset}: {reason}")]
    Corrupt { offset: u64, reason: String },
    #[error("read error at byte offset {offset}: {reason}")]
    Io { offset: u64, reason: String },
}

impl CaptureError {
    /// Byte offset the error refers to (0 for header errors).
    pub fn offset(&self) -> u64 {
        match self {
            CaptureError::Empty | CaptureError::NotACapture { .. } => 0,
            CaptureError::Truncated { offset }
            | CaptureError::Corrupt { offset, .. }
            | CaptureError::Io { offset, .. } => *offset,
        }
    }
}

/// Result of reading a whole capture: either nothing could be read (`Err`), or some or all of
/// it was (`info.stopped` says where reading ended early).
pub type ReadOutcome = Result<CaptureInfo, CaptureError>;

/// Reads capture records from a byte stream.
pub struct CaptureReader;

#[derive(Clone)]
struct NgInterface {
    link_type: u32,
    /// Units per second; `None` when the resolution cannot be represented.
    units_per_sec: u64,
    offset_secs: i64,
    snaplen: u32,
}

impl CaptureReader {
    /// Reads every record of `input`, calling `on_frame` for each packet in file order.
    pub fn read<R: Read>(input: R, on_frame: impl FnMut(&Frame<'_>)) -> ReadOutcome {
        Self::read_with_secrets(input, on_frame, |_| {})
    }

    /// Like [`CaptureReader::read`], and calls `on_secrets` for each pcapng Decryption
    /// Secrets Block when it is read (before the packets it applies to, pcapng 4.7).
    pub fn read_with_secrets<R: Read>(
        input: R,
        mut on_frame: impl FnMut(&Frame<'_>),
        mut on_secrets: impl FnMut(&DecryptionSecrets),
    ) -> ReadOutcome {
        // The container readers parse their file header from their first read, so hand them
        // a first chunk large enough to hold it whatever the source's read sizes.
        let mut input = Fused {
            inner: input,
            read: 0,
            error: None,
        };
        // Only as much as the file header needs: a pipe (`tcpdump -U -w - | rdptriage`)
        // delivers the first packets long before 256 KiB have arrived.
        let mut head = vec![0u8; FIRST_CHUNK];
        let io_error = |e: std::io::Error| CaptureError::Io {
            offset: 0,
            reason: e.to_string(),
        };
        let mut got = read_at_least(&mut input, &mut head, 0, 12).map_err(io_error)?;
        let header_len = match head.get(..12) {
            // pcapng: the Section Header Block's total length (pcapng 4.1), in the byte order
            // its byte-order magic gives.
            Some(h) if h[..4] == [0x0A, 0x0D, 0x0D, 0x0A] => {
                let len = [h[4], h[5], h[6], h[7]];
                let len = if h[8..12] == [0x4D, 0x3C, 0x2B, 0x1A] {
                    u32::from_le_bytes(len)
                } else {
                    u32::from_be_bytes(len)
                };
                (len as usize).clamp(12, FIRST_CHUNK)
            }
            // Legacy pcap: the 24-byte global header.
            _ => 24,
        };
        got = read_at_least(&mut input, &mut head, got, header_len).map_err(io_error)?;
        if got == 0 {
            return Err(match input.error {
                Some(e) => CaptureError::Io {
                    offset: 0,
                    reason: e.to_string(),
                },
                None => CaptureError::Empty,
            });
        }
        head.truncate(got);
        let mut magic = [0u8; 4];
        let n = got.min(4);
        magic[..n].copy_from_slice(&head[..n]);
        let magic_le = u32::from_le_bytes(magic);
        if got < 4 {
            return Err(CaptureError::NotACapture {
                first_bytes: describe_bytes(&head),
            });
        }
        let chained = std::io::Cursor::new(head).chain(&mut input);
        let is_pcapng = match magic_le {
            0x0A0D_0D0A => true,
            0xA1B2_C3D4 | 0xD4C3_B2A1 | 0xA1B2_3C4D | 0x4D3C_B2A1 | 0xA1B2_CD34 | 0x34CD_B2A1 => {
                false
            }
            _ => {
                return Err(CaptureError::NotACapture {
                    first_bytes: describe_bytes(&magic),
                });
            }
        };
        // pcap-parser 0.17 has arithmetic that can overflow on hostile block lengths (found by
        // our fuzzer: fuzz/regressions/capture_reader-1, a Process Information Block). A panic
        // inside it must not take the whole batch down: it ends this file's reading like any
        // corrupt record, at the last offset reached.
        let mut reached = 0u64;
        let mut info = CaptureInfo::default();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if is_pcapng {
                read_pcapng(
                    chained,
                    &mut on_frame,
                    &mut on_secrets,
                    &mut reached,
                    &mut info,
                )
            } else {
                read_legacy(chained, &mut on_frame, &mut reached, &mut info)
            }
        }));
        // A parser that stopped at a corrupt record may have read garbage a damaged gzip
        // stream decoded before failing: read on a little to see whether the input itself
        // fails there, which is the better reason to give.
        if matches!(&outcome, Ok(Ok(())) if matches!(info.stopped, Some(CaptureError::Corrupt { .. })))
            && input.error.is_none()
        {
            let mut sink = [0u8; 64 << 10];
            let mut drained = 0usize;
            while drained < DRAIN_AFTER_CORRUPT && input.error.is_none() {
                match input.read(&mut sink) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => drained += n,
                }
            }
        }
        // An input that failed (damaged gzip, I/O error) ends where it failed; the frames
        // before were read.
        let failed = input.error.take().map(|e| CaptureError::Io {
            offset: reached,
            reason: format!(
                "the input could not be read past here ({e}; damaged gzip or I/O error)"
            ),
        });
        match outcome {
            Ok(Ok(())) => {
                if let Some(err) = failed {
                    info.stopped = Some(err);
                }
                Ok(info)
            }
            Ok(Err(e)) => Err(failed.unwrap_or(e)),
            Err(_) => {
                info.bytes_read = reached;
                info.stopped = Some(CaptureError::Corrupt {
                    offset: reached,
                    reason: "the record here made the pcap parser fail".into(),
                });
                Ok(info)
            }
        }
    }
}

/// The input as the container readers see it: the first error ends it like an end of file
/// (pcap-parser would drop the frames buffered before it), and is kept to be reported.
struct Fused<R> {
    inner: R,
    /// Bytes handed out before the error.
    read: u64,
    error: Option<std::io::Error>,
}

impl<R: Read> Read for Fused<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.error.is_some() {
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.read += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    return Ok(0);
                }
            }
        }
    }
}

/// Grows `reader`'s buffer after `BufferTooSmall` to hold the record at its start, whose
/// length is the `u32` at `len_at` (legacy pcap: the captured length after a 16-byte
/// header; pcapng: the block total length), bounded by [`MAX_READ_BUFFER`]; false when it
/// declares more (then the record is corrupt, and nothing large was allocated).
fn grow<R: PcapReaderIterator + ?Sized>(
    reader: &mut R,
    capacity: &mut usize,
    legacy: bool,
    big_endian: bool,
) -> bool {
    let (len_at, header) = if legacy { (8, 16) } else { (4, 0) };
    let Some(raw) = reader.data().get(len_at..len_at + 4) else {
        return false;
    };
    let raw: [u8; 4] = [raw[0], raw[1], raw[2], raw[3]];
    let declared = if big_endian {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    } as usize;
    let needed = declared.saturating_add(header).saturating_add(64 << 10);
    if needed > MAX_READ_BUFFER || needed <= *capacity || !reader.grow(needed) {
        return false;
    }
    *capacity = needed;
    reader.refill().is_ok()
}

/// Reads into `buf` (holding `filled` bytes already) until it holds at least `min` bytes or
/// the input ends; returns how many it holds.
fn read_at_least(
    input: &mut impl Read,
    buf: &mut [u8],
    mut filled: usize,
    min: usize,
) -> std::io::Result<usize> {
    let min = min.min(buf.len());
    while filled < min {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn describe_bytes(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("{} \"{}\"", hex.join(" "), text)
}

/// Maps a pcap-parser error at `offset` to ours. `Incomplete` is handled by the callers.
fn map_error<I>(err: &PcapError<I>, offset: u64) -> CaptureError {
    match err {
        PcapError::UnexpectedEof | PcapError::Incomplete(_) => CaptureError::Truncated { offset },
        PcapError::BufferTooSmall => CaptureError::Corrupt {
            offset,
            reason: format!("record declares a length above {} bytes", MAX_READ_BUFFER),
        },
        PcapError::ReadError => CaptureError::Io {
            offset,
            reason: "the input could not be read (bad gzip data or I/O error)".into(),
        },
        PcapError::HeaderNotRecognized => CaptureError::NotACapture {
            first_bytes: String::new(),
        },
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => CaptureError::Corrupt {
            offset,
            reason: format!("malformed record ({kind:?})"),
        },
        PcapError::Eof => CaptureError::Truncated { offset },
    }
}

/// Outcome of asking the reader for more input after `Incomplete`.
enum Refill {
    Again,
    Stop(CaptureError),
}

fn refill<R: PcapReaderIterator + ?Sized>(reader: &mut R, offset: u64, stall: &mut u32) -> Refill {
    // pcap-parser reports the end of input inside a record as `UnexpectedEof` on the next
    // call; this guard only stops a reader that keeps asking without progress.
    *stall += 1;
    if *stall > 100_000 {
        return Refill::Stop(CaptureError::Truncated { offset });
    }
    match reader.refill() {
        Ok(()) => Refill::Again,
        Err(e) => Refill::Stop(map_error(&e, offset)),
    }
}

struct FrameCounter<'i> {
    info: &'i mut CaptureInfo,
    last_ts: Option<Timestamp>,
}

impl FrameCounter<'_> {
    fn account(&mut self, frame: &Frame<'_>) {
        let info = &mut *self.info;
        info.frames = frame.number;
        info.wire_bytes += u64::from(frame.wire_len);
        info.captured_bytes += frame.data.len() as u64;
        if (frame.data.len() as u64) < u64::from(frame.wire_len) {
            info.frames_cut_by_snaplen += 1;
        }
        *info.link_types.entry(frame.link_type).or_insert(0) += 1;
        if info.first_ts.is_none() {
            info.first_ts = Some(frame.ts);
        }
        if let Some(prev) = self.last_ts
            && frame.ts < prev
        {
            info.out_of_order_timestamps += 1;
        }
        self.last_ts = Some(frame.ts);
        info.last_ts = Some(info.last_ts.map_or(frame.ts, |t| t.max(frame.ts)));
    }
}

fn read_legacy<R: Read>(
    input: R,
    on_frame: &mut impl FnMut(&Frame<'_>),
    reached: &mut u64,
    info: &mut CaptureInfo,
) -> Result<(), CaptureError> {
    let mut reader = LegacyPcapReader::new(READ_BUFFER, input).map_err(|e| match e {
        PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof => {
            CaptureError::Truncated { offset: 0 }
        }
        other => map_error(&other, 0),
    })?;
    *info = CaptureInfo {
        format: Some(Format::Pcap),
        ..Default::default()
    };
    let mut offset: u64 = 0;
    let mut number: u64 = 0;
    let mut link_type = 0u32;
    let mut nanos = false;
    let mut stall = 0u32;
    let mut legacy_big_endian = false;
    let mut capacity = READ_BUFFER;
    let mut last_ts = None;
    loop {
        match reader.next() {
            Ok((consumed, block)) => {
                stall = 0;
                match block {
                    PcapBlockOwned::LegacyHeader(hdr) => {
                        link_type = hdr.network.0 as u32;
                        nanos = hdr.is_nanosecond_precision();
                        legacy_big_endian = hdr.is_bigendian();
                        info.byte_order = Some(if hdr.is_bigendian() {
                            ByteOrder::Big
                        } else {
                            ByteOrder::Little
                        });
                        info.ts_precision = Some(if nanos { "nano" } else { "micro" }.into());
                        info.interfaces.push(InterfaceInfo {
                            link_type,
                            snaplen: hdr.snaplen,
                            ts_units_per_sec: if nanos { 1_000_000_000 } else { 1_000_000 },
                            name: None,
                        });
                    }
                    PcapBlockOwned::Legacy(rec) => {
                        number += 1;
                        let frac = if nanos {
                            i64::from(rec.ts_usec)
                        } else {
                            i64::from(rec.ts_usec) * 1000
                        };
                        let ts = Timestamp(i64::from(rec.ts_sec) * 1_000_000_000 + frac);
                        let cap = (rec.caplen as usize).min(rec.data.len());
                        let frame = Frame {
                            number,
                            ts,
                            link_type,
                            interface: 0,
                            wire_len: rec.origlen.max(cap as u32),
                            data: &rec.data[..cap],
                        };
                        let mut counter = FrameCounter {
                            info: &mut *info,
                            last_ts,
                        };
                        counter.account(&frame);
                        last_ts = counter.last_ts;
                        on_frame(&frame);
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                offset += consumed as u64;
                *reached = offset;
                reader.consume(consumed);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::BufferTooSmall) => {
                if grow(&mut reader, &mut capacity, true, legacy_big_endian) {
                    continue;
                }
                info.stopped = Some(map_error::<&[u8]>(&PcapError::BufferTooSmall, offset));
                break;
            }
            Err(PcapError::Incomplete(_)) => match refill(&mut reader, offset, &mut stall) {
                Refill::Again => continue,
                Refill::Stop(err) => {
                    info.stopped = Some(err);
                    break;
                }
            },
            Err(e) => {
                info.stopped = Some(map_error(&e, offset));
                break;
            }
        }
    }
    info.bytes_read = offset;
    Ok(())
}

fn units_per_sec(tsresol: u8) -> Option<u64> {
    let exp = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 == 0 {
        10u64.checked_pow(exp)
    } else {
        1u64.checked_shl(exp).filter(|_| exp < 64)
    }
}

fn ng_timestamp(iface: Option<&NgInterface>, high: u32, low: u32) -> Timestamp {
    let raw = (u64::from(high) << 32) | u64::from(low);
    let (units, offset) = iface.map_or((1_000_000, 0), |i| (i.units_per_sec, i.offset_secs));
    let units = units.max(1);
    let secs = raw / units;
    let frac = raw % units;
    let nanos = (u128::from(frac) * 1_000_000_000 / u128::from(units)) as i64;
    let secs = i64::try_from(secs)
        .unwrap_or(i64::MAX / 2_000_000_000)
        .saturating_add(offset);
    Timestamp(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
}

/// pcapng 4.6 `isb_endtime` (option 3): two 32-bit words, high then low, in the section's
/// byte order (pcap-parser 0.17's accessor reads them little-endian whatever the section).
fn isb_endtime(options: &[pcap_parser::PcapNGOption<'_>], big_endian: bool) -> Option<(u32, u32)> {
    let opt = options.iter().find(|o| o.code.0 == 3)?;
    let v = opt.value.get(..8)?;
    let word = |b: &[u8]| {
        let b = [b[0], b[1], b[2], b[3]];
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    Some((word(&v[..4]), word(&v[4..])))
}

/// Latest plausible capture end: not before the last packet (1 s of clock slack) and at most
/// a day after it.
const CAPTURE_END_SLACK_SECS: i64 = 1;
const CAPTURE_END_MAX_AFTER_SECS: i64 = 86_400;

/// An `isb_endtime` read in the interface's units, or else in microseconds, whichever lands
/// just after the last packet; `None` when neither does (or no packet came before it).
fn plausible_end(
    iface: Option<&NgInterface>,
    high: u32,
    low: u32,
    last_packet: Option<Timestamp>,
) -> Option<(Timestamp, &'static str)> {
    let last = last_packet?;
    let in_micros = NgInterface {
        units_per_sec: 1_000_000,
        ..iface.cloned().unwrap_or(NgInterface {
            link_type: 0,
            units_per_sec: 1_000_000,
            offset_secs: 0,
            snaplen: 0,
        })
    };
    [
        (ng_timestamp(iface, high, low), "isb_endtime"),
        (
            ng_timestamp(Some(&in_micros), high, low),
            "isb_endtime_microseconds",
        ),
    ]
    .into_iter()
    .find(|(end, _)| {
        let after = end.0.saturating_sub(last.0) / 1_000_000_000;
        (-CAPTURE_END_SLACK_SECS..=CAPTURE_END_MAX_AFTER_SECS).contains(&after)
    })
}

fn push_comment(info: &mut CaptureInfo, bytes: &[u8]) {
    info.comments_total += 1;
    if info.comments.len() < MAX_COMMENTS_KEPT {
        let text = String::from_utf8_lossy(bytes);
        info.comments
            .push(text.trim_end_matches('\0').chars().take(512).collect());
    }
}

fn read_pcapng<R: Read>(
    input: R,
    on_frame: &mut impl FnMut(&Frame<'_>),
    on_secrets: &mut impl FnMut(&DecryptionSecrets),
    reached: &mut u64,
    info: &mut CaptureInfo,
) -> Result<(), CaptureError> {
    let mut reader = PcapNGReader::new(READ_BUFFER, input).map_err(|e| match e {
        PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof => {
            CaptureError::Truncated { offset: 0 }
        }
        other => map_error(&other, 0),
    })?;
    *info = CaptureInfo {
        format: Some(Format::Pcapng),
        ..Default::default()
    };
    let mut interfaces: Vec<NgInterface> = Vec::new();
    let mut big_endian = false;
    let mut offset: u64 = 0;
    let mut number: u64 = 0;
    let mut stall = 0u32;
    let mut capacity = READ_BUFFER;
    let mut last_ts = None;
    let mut secrets_bytes = 0usize;
    loop {
        match reader.next() {
            Ok((consumed, block)) => {
                stall = 0;
                if let PcapBlockOwned::NG(block) = block {
                    let mut packet: Option<(u32, Timestamp, u32, &[u8])> = None;
                    match &block {
                        Block::SectionHeader(shb) => {
                            interfaces.clear();
                            big_endian = shb.big_endian();
                            info.sections += 1;
                            info.byte_order = Some(if big_endian {
                                ByteOrder::Big
                            } else {
                                ByteOrder::Little
                            });
                            for opt in shb.options.iter().filter(|o| o.code.0 == OPT_COMMENT) {
                                push_comment(info, &opt.value);
                            }
                        }
                        Block::InterfaceDescription(idb) => {
                            let units = units_per_sec(idb.if_tsresol).unwrap_or(1_000_000);
                            let name = idb.options.iter().find(|o| o.code.0 == 2).map(|o| {
                                String::from_utf8_lossy(&o.value)
                                    .trim_end_matches('\0')
                                    .to_string()
                            });
                            info.interfaces.push(InterfaceInfo {
                                link_type: idb.linktype.0 as u32,
                                snaplen: idb.snaplen,
                                ts_units_per_sec: units,
                                name,
                            });
                            interfaces.push(NgInterface {
                                link_type: idb.linktype.0 as u32,
                                units_per_sec: units,
                                offset_secs: idb.if_tsoffset,
                                snaplen: idb.snaplen,
                            });
                        }
                        Block::EnhancedPacket(epb) => {
                            for opt in epb.options.iter().filter(|o| o.code.0 == OPT_COMMENT) {
                                push_comment(info, &opt.value);
                            }
                            let iface = interfaces.get(epb.if_id as usize);
                            let cap = (epb.caplen as usize).min(epb.data.len());
                            packet = Some((
                                epb.if_id,
                                ng_timestamp(iface, epb.ts_high, epb.ts_low),
                                epb.origlen,
                                &epb.data[..cap],
                            ));
                        }
                        Block::SimplePacket(spb) => {
                            // SPB: interface 0, no timestamp; captured length is
                            // min(original length, snaplen) (pcapng spec 4.4).
                            let snap = interfaces.first().map_or(u32::MAX, |i| i.snaplen);
                            let snap = if snap == 0 { u32::MAX } else { snap };
                            let data = spb.data;
                            let cap = (spb.origlen.min(snap) as usize).min(data.len());
                            let ts = last_ts.unwrap_or_default();
                            packet = Some((0, ts, spb.origlen, &data[..cap]));
                        }
                        Block::InterfaceStatistics(isb) => {
                            if let Some((high, low)) = isb_endtime(&isb.options, big_endian)
                                && let Some((end, basis)) = plausible_end(
                                    interfaces.get(isb.if_id as usize),
                                    high,
                                    low,
                                    last_ts,
                                )
                                && info.capture_end.is_none_or(|e| end > e)
                            {
                                info.capture_end = Some(end);
                                info.capture_end_basis = Some(basis);
                            }
                        }
                        Block::DecryptionSecrets(dsb) => {
                            let len = (dsb.secrets_len as usize).min(dsb.data.len());
                            let keep = secrets_bytes + len <= MAX_SECRETS_BYTES;
                            if keep {
                                secrets_bytes += len;
                            }
                            // The caller gets every block whole (its key store has its
                            // own caps); the summary keeps bytes only up to the cap.
                            let mut secrets = DecryptionSecrets {
                                secrets_type: dsb.secrets_type.0,
                                after_frame: number,
                                data: dsb.data[..len].to_vec(),
                                length: len,
                            };
                            on_secrets(&secrets);
                            if !keep {
                                secrets.data = Vec::new();
                            }
                            info.secrets.push(secrets);
                        }
                        Block::Unknown(unknown) if unknown.block_type == OBSOLETE_PACKET_BLOCK => {
                            packet = parse_obsolete_packet(unknown.data, big_endian, &interfaces);
                        }
                        _ => {}
                    }
                    if let Some((if_id, ts, origlen, data)) = packet {
                        number += 1;
                        let link_type = match interfaces.get(if_id as usize) {
                            Some(i) => i.link_type,
                            None => {
                                info.frames_unknown_interface += 1;
                                u32::MAX
                            }
                        };
                        let frame = Frame {
                            number,
                            ts,
                            link_type,
                            interface: if_id,
                            wire_len: origlen.max(data.len() as u32),
                            data,
                        };
                        let mut counter = FrameCounter {
                            info: &mut *info,
                            last_ts,
                        };
                        counter.account(&frame);
                        last_ts = counter.last_ts;
                        on_frame(&frame);
                    }
                }
                offset += consumed as u64;
                *reached = offset;
                reader.consume(consumed);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::BufferTooSmall) => {
                if grow(&mut reader, &mut capacity, false, big_endian) {
                    continue;
                }
                info.stopped = Some(map_error::<&[u8]>(&PcapError::BufferTooSmall, offset));
                break;
            }
            Err(PcapError::Incomplete(_)) => match refill(&mut reader, offset, &mut stall) {
                Refill::Again => continue,
                Refill::Stop(err) => {
                    info.stopped = Some(err);
                    break;
                }
            },
            Err(e) => {
                info.stopped = Some(map_error(&e, offset));
                break;
            }
        }
    }
    info.ts_precision = Some(
        info.interfaces
            .iter()
            .map(|i| match i.ts_units_per_sec {
                1_000_000 => "micro".to_string(),
                1_000_000_000 => "nano".to_string(),
                u => format!("1/{u}s"),
            })
            .collect::<Vec<_>>()
            .join(","),
    );
    info.bytes_read = offset;
    Ok(())
}

/// Obsolete Packet Block body (pcapng draft, appendix "Packet Block"): interface id (u16),
/// drops count (u16), timestamp high/low (u32 each), captured length, packet length, data.
fn parse_obsolete_packet<'a>(
    body: &'a [u8],
    big_endian: bool,
    interfaces: &[NgInterface],
) -> Option<(u32, Timestamp, u32, &'a [u8])> {
    let u16_at = |o: usize| {
        let b = [*body.get(o)?, *body.get(o + 1)?];
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |o: usize| {
        let b: [u8; 4] = body.get(o..o + 4)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let if_id = u32::from(u16_at(0)?);
    let high = u32_at(4)?;
    let low = u32_at(8)?;
    let caplen = u32_at(12)? as usize;
    let origlen = u32_at(16)?;
    let data = body.get(20..)?;
    let data = &data[..caplen.min(data.len())];
    let ts = ng_timestamp(interfaces.get(if_id as usize), high, low);
    Some((if_id, ts, origlen, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nano_interface() -> NgInterface {
        NgInterface {
            link_type: 1,
            units_per_sec: 1_000_000_000,
            offset_secs: 0,
            snaplen: 0,
        }
    }

    fn split(raw: u64) -> (u32, u32) {
        ((raw >> 32) as u32, raw as u32)
    }

    #[test]
    fn capture_end_in_the_interface_units_or_in_microseconds() {
        let last = Timestamp(1_795_225_941_980_030_315);
        // Written as the spec says (nanoseconds on a nanosecond interface).
        let (h, l) = split(1_795_225_951_997_146_000);
        assert_eq!(
            plausible_end(Some(&nano_interface()), h, l, Some(last)),
            Some((Timestamp(1_795_225_951_997_146_000), "isb_endtime"))
        );
        // dumpcap 4.0: microseconds whatever if_tsresol says.
        let (h, l) = split(1_795_225_951_997_146);
        assert_eq!(
            plausible_end(Some(&nano_interface()), h, l, Some(last)),
            Some((
                Timestamp(1_795_225_951_997_146_000),
                "isb_endtime_microseconds"
            ))
        );
        // Before the last packet, or days after it: not believed.
        let (h, l) = split(1_795_225_901_000_000_000);
        assert_eq!(
            plausible_end(Some(&nano_interface()), h, l, Some(last)),
            None
        );
        let (h, l) = split(1_795_525_951_000_000_000);
        assert_eq!(
            plausible_end(Some(&nano_interface()), h, l, Some(last)),
            None
        );
        assert_eq!(plausible_end(Some(&nano_interface()), h, l, None), None);
    }
}
