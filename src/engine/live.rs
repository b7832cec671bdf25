//! `rdptriage live`: the engine as it goes on packets from an interface. Frames come from
//! [`crate::capture::live`] (libpcap); the read timeout gives the loop its chance to close
//! attempts by the clock when no packet comes, to re-read a growing key log
//! (`SSLKEYLOGFILE` is appended during a session) and to report progress. The most recent
//! frames are kept ([`RecentFrames`]) so that a failed attempt can be saved with its
//! packets once it has been judged ([`super::evidence`]). SIGINT / SIGTERM (the caller's
//! `stop` flag), `duration` or `count` end the capture; every open attempt is then judged.

use super::evidence::{SavedEvidence, save_attempt};
use super::stream::{StreamOptions, StreamStats, Streamer};
use crate::analyze::Pipeline;
use crate::capture::live::{LiveCapture, LiveError, LiveOptions, LiveStats};
use crate::capture::recent::{DEFAULT_RECENT_BYTES, RecentFrame, RecentFrames};
use crate::capture::{CaptureInfo, Timestamp};
use crate::diagnose::event::AttemptEvent;
use crate::proto::decrypt::KeyRing;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often the key log is checked for new lines: a secret must be there before the
/// connection's first encrypted record is decoded (a TLS handshake takes a few round trips).
const KEYLOG_POLL: Duration = Duration::from_millis(50);

/// With a key log to follow, frames are decoded this long after they were captured: the TLS
/// decoder looks a session's secrets up when it reads the ServerHello, and the client
/// appends them to its key log only after it has received it; the delay gives the line time
/// to be written and read.
pub const KEYLOG_DELAY: Duration = Duration::from_millis(500);

/// Everything `rdptriage live` was asked for.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub capture: LiveOptions,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Stop after this many frames.
    pub count: Option<u64>,
    /// A key log to re-read as it grows.
    pub keylog: Option<PathBuf>,
    /// Save each failed attempt's frames here as a pcapng.
    pub save_dir: Option<PathBuf>,
    pub stream: StreamOptions,
    /// Report progress this often.
    pub stats_every: Option<Duration>,
    /// Byte budget of the frames kept for `save_dir`.
    pub recent_bytes: usize,
}

impl LiveConfig {
    pub fn new(capture: LiveOptions) -> Self {
        LiveConfig {
            capture,
            duration: None,
            count: None,
            keylog: None,
            save_dir: None,
            stream: StreamOptions::default(),
            stats_every: None,
            recent_bytes: DEFAULT_RECENT_BYTES,
        }
    }
}

/// Progress of a live capture.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LiveProgress {
    /// `stats`.
    pub event: &'static str,
    pub frames: u64,
    /// pcap's own counters.
    pub capture: LiveStats,
    pub attempts: u64,
    pub failed: u64,
    /// Resident memory of this process (Linux `VmRSS`), bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_bytes: Option<u64>,
    /// Frames held for saving evidence, and how many were evicted.
    pub held_frames: usize,
    pub evicted_frames: u64,
}

/// What the loop reports as it goes.
pub enum LiveReport<'a> {
    /// The capture is open: its link type and the filter in force.
    Started {
        link_type: u32,
        filter: &'a str,
    },
    Attempt(&'a AttemptEvent, Option<&'a Result<SavedEvidence, String>>),
    Progress(&'a LiveProgress),
}

/// How a live capture ended.
#[derive(Debug, Clone)]
pub struct LiveEnd {
    /// `signal`, `duration` or `count`.
    pub reason: &'static str,
    pub frames: u64,
    pub stats: StreamStats,
    pub flow: crate::flow::FlowStats,
    pub capture: LiveStats,
}

/// Resident memory from /proc/self/status (Linux), bytes.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The clock as a capture timestamp (the kernel stamps packets with the same clock).
fn wall_clock() -> Timestamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(i64::try_from(now.as_nanos()).unwrap_or(i64::MAX))
}

/// A key log read as it grows: complete lines only, from where the last read stopped.
struct KeyLogTail {
    path: PathBuf,
    offset: u64,
    /// Everything read so far (for the evidence's Decryption Secrets Blocks).
    text: String,
}

impl KeyLogTail {
    /// New complete lines since the last call.
    fn read_new(&mut self) -> std::io::Result<String> {
        let mut file = std::fs::File::open(&self.path)?;
        let len = file.metadata()?.len();
        if len < self.offset {
            // Truncated or replaced: start again.
            self.offset = 0;
        }
        if len == self.offset {
            return Ok(String::new());
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        file.take(len - self.offset).read_to_end(&mut bytes)?;
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else {
            return Ok(String::new());
        };
        bytes.truncate(end + 1);
        self.offset += bytes.len() as u64;
        let new = String::from_utf8_lossy(&bytes).into_owned();
        self.text.push_str(&new);
        Ok(new)
    }
}

/// Captures until `stop` is set (or the duration / count is reached), calling `on` for each
/// attempt as it closes and for progress; at the end every open attempt is judged too.
pub fn run(
    config: &LiveConfig,
    stop: &AtomicBool,
    mut on: impl FnMut(LiveReport<'_>),
) -> Result<LiveEnd, LiveError> {
    let mut capture = LiveCapture::open(&config.capture)?;
    on(LiveReport::Started {
        link_type: capture.link_type(),
        filter: capture.filter(),
    });
    let keys = Rc::new(match config.keylog {
        Some(_) => KeyRing::default().growing(),
        None => KeyRing::default(),
    });
    let mut tail = config.keylog.as_ref().map(|path| KeyLogTail {
        path: path.clone(),
        offset: 0,
        text: String::new(),
    });
    let mut pipeline = Pipeline::new(None, keys.clone());
    let mut streamer = Streamer::new(
        config.capture.interface.clone(),
        config.stream,
        &mut pipeline,
    );
    let mut recent = config
        .save_dir
        .as_ref()
        .map(|_| RecentFrames::new(config.recent_bytes));
    // Frames waiting KEYLOG_DELAY for their secrets, when a key log is followed.
    let mut delayed: Option<std::collections::VecDeque<RecentFrame>> =
        config.keylog.as_ref().map(|_| Default::default());
    let started = Instant::now();
    let mut last_poll = Instant::now() - Duration::from_secs(60);
    let mut last_stats = Instant::now();
    let mut progress = LiveProgress {
        event: "stats",
        ..Default::default()
    };
    let mut first_ts = None;
    let mut last_ts = None;
    let handle = |events: Vec<AttemptEvent>,
                  recent: &Option<RecentFrames>,
                  tail: &Option<KeyLogTail>,
                  progress: &mut LiveProgress,
                  on: &mut dyn FnMut(LiveReport<'_>)| {
        for event in events {
            progress.attempts += 1;
            let saved = match (&config.save_dir, recent) {
                (Some(dir), Some(recent)) if event.attempt.failed => Some(
                    save_attempt(dir, &event, recent, tail.as_ref().map(|t| t.text.as_str()))
                        .map_err(|e| format!("cannot save the evidence in {}: {e}", dir.display())),
                ),
                _ => None,
            };
            if event.attempt.failed {
                progress.failed += 1;
            }
            on(LiveReport::Attempt(&event, saved.as_ref()));
        }
    };
    let reason = loop {
        if stop.load(Ordering::Relaxed) {
            break "signal";
        }
        if config.duration.is_some_and(|d| started.elapsed() >= d) {
            break "duration";
        }
        if config.count.is_some_and(|c| progress.frames >= c) {
            break "count";
        }
        if last_poll.elapsed() >= KEYLOG_POLL {
            last_poll = Instant::now();
            if let Some(t) = tail.as_mut() {
                match t.read_new() {
                    Ok(new) if !new.is_empty() => keys.add_secrets(new.as_bytes()),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => eprintln!("rdptriage: warning: {}: {e}", t.path.display()),
                }
            }
        }
        let events = match capture.next_frame()? {
            Some(frame) => {
                progress.frames = frame.number;
                first_ts.get_or_insert(frame.ts);
                last_ts = Some(last_ts.map_or(frame.ts, |t: Timestamp| t.max(frame.ts)));
                if let Some(r) = recent.as_mut() {
                    r.push(&frame);
                }
                match delayed.as_mut() {
                    Some(line) => {
                        line.push_back(RecentFrame::of(&frame));
                        Vec::new()
                    }
                    None => {
                        pipeline.frame(&frame);
                        let ts = frame.ts;
                        streamer.advance(&mut pipeline, ts)
                    }
                }
            }
            // No packet within the read timeout: the clock still closes attempts.
            None if delayed.is_none() => streamer.advance(&mut pipeline, wall_clock()),
            None => Vec::new(),
        };
        // Frames held for the key log go on once they are old enough.
        let mut events = events;
        if let Some(line) = delayed.as_mut() {
            let ripe = wall_clock().0 - KEYLOG_DELAY.as_nanos() as i64;
            while line.front().is_some_and(|f| f.ts.0 <= ripe) {
                let Some(f) = line.pop_front() else { break };
                pipeline.frame(&f.as_frame());
                events.extend(streamer.advance(&mut pipeline, f.ts));
            }
            if line.is_empty() {
                events.extend(streamer.advance(&mut pipeline, Timestamp(ripe)));
            }
        }
        handle(events, &recent, &tail, &mut progress, &mut on);
        if config
            .stats_every
            .is_some_and(|every| last_stats.elapsed() >= every)
        {
            last_stats = Instant::now();
            progress.capture = capture.stats().unwrap_or_default();
            progress.rss_bytes = rss_bytes();
            if let Some(r) = recent.as_ref() {
                progress.held_frames = r.len();
                progress.evicted_frames = r.evicted_frames();
            }
            on(LiveReport::Progress(&progress));
        }
    };
    // Whatever still waits for its secrets is decoded now.
    for f in delayed.take().into_iter().flatten() {
        pipeline.frame(&f.as_frame());
        let events = streamer.advance(&mut pipeline, f.ts);
        handle(events, &recent, &tail, &mut progress, &mut on);
    }
    let info = CaptureInfo {
        frames: progress.frames,
        first_ts,
        last_ts: Some(last_ts.map_or(wall_clock(), |t| t.max(wall_clock()))),
        ..Default::default()
    };
    streamer.finish(&mut pipeline, info, |events| {
        handle(events, &recent, &tail, &mut progress, &mut on)
    });
    Ok(LiveEnd {
        reason,
        frames: progress.frames,
        stats: streamer.stats.clone(),
        flow: pipeline.flow_stats().clone(),
        capture: capture.stats().unwrap_or_default(),
    })
}
