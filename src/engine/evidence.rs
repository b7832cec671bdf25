//! The evidence of a failed attempt, saved as a pcapng the administrator can hand over: the
//! frames between the attempt's two hosts from its first to its last frame (as still held
//! by [`RecentFrames`]), and — when TLS secrets were used — a Decryption Secrets Block with
//! the key-log lines of the sessions those frames hold (a line is kept when its
//! ClientHello.random appears in the saved frames), so Wireshark opens them without the
//! key log.

use crate::capture::pcapng_write::PcapngWriter;
use crate::capture::recent::{RecentFrame, RecentFrames};
use crate::diagnose::event::AttemptEvent;
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// What was saved for one attempt.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SavedEvidence {
    pub path: PathBuf,
    pub frames: u64,
    /// Frames of the attempt's range no longer held (evicted from the ring before it was
    /// judged).
    pub frames_missing: bool,
    /// Key-log lines written in the Decryption Secrets Block.
    pub secrets_lines: usize,
}

/// Source and destination addresses of a frame, when it is IPv4 or IPv6.
fn addresses(frame: &RecentFrame) -> Option<(IpAddr, IpAddr)> {
    let net = crate::capture::strip_link_layer(frame.link_type, &frame.data).ok()?;
    let d = net.data;
    match d.first()? >> 4 {
        4 if d.len() >= 20 => {
            let src: [u8; 4] = d[12..16].try_into().ok()?;
            let dst: [u8; 4] = d[16..20].try_into().ok()?;
            Some((IpAddr::from(src), IpAddr::from(dst)))
        }
        6 if d.len() >= 40 => {
            let src: [u8; 16] = d[8..24].try_into().ok()?;
            let dst: [u8; 16] = d[24..40].try_into().ok()?;
            Some((IpAddr::from(src), IpAddr::from(dst)))
        }
        _ => None,
    }
}

/// Key-log lines (NSS format: `LABEL <client_random hex> <secret hex>`) whose client random
/// appears in `frames`.
fn lines_for(frames: &[&RecentFrame], key_log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in key_log.lines() {
        let mut parts = line.split_whitespace();
        let (Some(_label), Some(random)) = (parts.next(), parts.next()) else {
            continue;
        };
        if random.len() != 64 {
            continue;
        }
        let Some(bytes) = (0..32)
            .map(|i| u8::from_str_radix(random.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
        else {
            continue;
        };
        if frames
            .iter()
            .any(|f| f.data.windows(32).any(|w| w == bytes.as_slice()))
        {
            out.push(line.to_string());
        }
    }
    out
}

/// A file name for the attempt: `<id>-<client>-<server>.pcapng`, safe on any file system.
fn file_name(event: &AttemptEvent) -> String {
    let raw = format!(
        "{}-{}-{}.pcapng",
        event.attempt.id, event.attempt.client, event.attempt.server
    );
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Saves `event`'s frames from `recent` into `dir`, with the matching lines of `key_log`.
pub fn save_attempt(
    dir: &Path,
    event: &AttemptEvent,
    recent: &RecentFrames,
    key_log: Option<&str>,
) -> io::Result<SavedEvidence> {
    let at = &event.attempt;
    let hosts = |a: IpAddr, b: IpAddr| {
        (a == at.client && b == at.server_ip) || (b == at.client && a == at.server_ip)
    };
    let frames: Vec<&RecentFrame> = recent
        .iter_range(at.first_frame, at.last_frame)
        .filter(|f| addresses(f).is_some_and(|(a, b)| hosts(a, b)))
        .collect();
    let frames_missing = recent
        .oldest_number()
        .is_none_or(|oldest| oldest > at.first_frame);
    let link_type = frames.first().map_or(1, |f| f.link_type);
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(event));
    let file = io::BufWriter::new(std::fs::File::create(&path)?);
    let mut writer = PcapngWriter::new(file, link_type, 262_144)?;
    let lines = key_log.map(|k| lines_for(&frames, k)).unwrap_or_default();
    if !lines.is_empty() {
        let mut text = lines.join("\n");
        text.push('\n');
        writer.write_secrets(text.as_bytes())?;
    }
    let mut written = 0;
    for f in frames.iter().filter(|f| f.link_type == link_type) {
        writer.write_frame(f.ts, f.wire_len, &f.data)?;
        written += 1;
    }
    let mut file = writer.into_inner()?;
    file.flush()?;
    Ok(SavedEvidence {
        path,
        frames: written,
        frames_missing,
        secrets_lines: lines.len(),
    })
}
