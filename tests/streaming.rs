//! The engine as it goes (standard input, live capture) against the engine to the end of the
//! input: for every sample and corpus capture, the attempts emitted as they close are the
//! attempts of the whole file's diagnosis — same hosts, connections, frames, outcome, stage
//! and causes — and events are emitted before the input ends when the capture goes on for
//! an attempt window after an attempt.

mod common;

use rdptriage::analyze::{AnalyzeOptions, analyze_path, keys_for};
use rdptriage::engine::judge;
use rdptriage::engine::stream::{AttemptEvent, StreamOptions, stream_reader};
use std::path::Path;

/// What must agree between the two runs for one attempt.
fn key(a: &rdptriage::diagnose::attempts::Attempt) -> String {
    format!(
        "{} -> {} {:?} frames {}..{} {} {:?} {:?}",
        a.client,
        a.server,
        a.connections,
        a.first_frame,
        a.last_frame,
        a.outcome,
        a.stage,
        a.causes
    )
}

fn streamed(path: &Path) -> (Vec<AttemptEvent>, Vec<u64>) {
    let (keys, _) = keys_for(path, &AnalyzeOptions::default());
    let source = rdptriage::capture::open_source(path).unwrap();
    let mut events = Vec::new();
    let mut emitted_at = Vec::new();
    let mut frames_read = 0u64;
    let counting = CountingReader {
        inner: source.reader,
        bytes: &mut frames_read,
    };
    stream_reader(
        path.display().to_string(),
        counting,
        StreamOptions::default(),
        keys,
        |e| {
            events.push(e);
            emitted_at.push(0);
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (events, emitted_at)
}

struct CountingReader<'a, R> {
    inner: R,
    bytes: &'a mut u64,
}

impl<R: std::io::Read> std::io::Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.bytes += n as u64;
        Ok(n)
    }
}

#[test]
fn streamed_attempts_are_the_whole_files_attempts() {
    let mut differences = Vec::new();
    let mut compared = 0;
    let mut attempts = 0;
    for path in common::sample_and_corpus_captures() {
        let Ok(analysis) = analyze_path(&path, None) else {
            continue;
        };
        let (_, diagnosis) = judge(&analysis);
        let mut whole: Vec<String> = diagnosis.attempts.iter().map(key).collect();
        let (events, _) = streamed(&path);
        let mut stream: Vec<String> = events.iter().map(|e| key(&e.attempt)).collect();
        whole.sort();
        stream.sort();
        compared += 1;
        attempts += whole.len();
        if whole != stream {
            differences.push(format!(
                "{}:\n  whole file: {whole:#?}\n  streamed:   {stream:#?}",
                path.display()
            ));
        }
    }
    assert!(compared >= 60, "only {compared} captures compared");
    assert!(attempts >= 100, "only {attempts} attempts compared");
    assert!(
        differences.is_empty(),
        "{} of {compared} captures differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// A legacy pcap (nanosecond timestamps, EN10MB) of `parts` one after the other, each part's
/// frames moved by its offset in seconds.
fn concatenated(parts: &[(&Path, i64)]) -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    let mut frames_per_part = Vec::new();
    for (path, shift_s) in parts {
        let source = rdptriage::capture::open_source(path).unwrap();
        let mut n = 0;
        rdptriage::capture::CaptureReader::read(source.reader, |f| {
            assert_eq!(f.link_type, 1, "{}: EN10MB expected", path.display());
            let ns = f.ts.0 + shift_s * 1_000_000_000;
            out.extend_from_slice(&((ns / 1_000_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&((ns % 1_000_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&(f.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&f.wire_len.to_le_bytes());
            out.extend_from_slice(f.data);
            n += 1;
        })
        .unwrap();
        frames_per_part.push(n);
    }
    (out, frames_per_part)
}

/// A refused connection, then a healthy TLS session 10 minutes later (tshark: frames 1–4
/// are the refused SYN and its RST from 192.0.2.x, frames 5–236 the xrdp session). The
/// refused attempt is judged while the session is being read, after its attempt window
/// (60 s) has passed in capture time — before the input ends — and the healthy one at
/// the end.
#[test]
fn an_attempt_is_judged_before_the_input_ends() {
    let samples = common::project_dir().join("samples");
    let refused = samples.join("rdp-port-closed.pcap");
    let healthy = samples.join("rdp-tls-healthy-xrdp.pcap");
    let (bytes, frames) = concatenated(&[(&refused, 0), (&healthy, 0)]);
    // The healthy capture was recorded after the refused one; check it starts ≥ 61 s later.
    let first_ts = |p: &Path| {
        let mut first = None;
        rdptriage::capture::CaptureReader::read(
            rdptriage::capture::open_source(p).unwrap().reader,
            |f| {
                first.get_or_insert(f.ts);
            },
        )
        .unwrap();
        first.unwrap().0
    };
    let gap_s = (first_ts(&healthy) - first_ts(&refused)) / 1_000_000_000;
    let shift = if gap_s >= 61 { 0 } else { 600 };
    let (bytes, frames) = if shift == 0 {
        (bytes, frames)
    } else {
        concatenated(&[(&refused, 0), (&healthy, shift)])
    };
    assert_eq!(frames, vec![4, 232]);
    let mut events = Vec::new();
    let end = stream_reader(
        "-".into(),
        &bytes[..],
        StreamOptions::default(),
        std::rc::Rc::new(Default::default()),
        |e| events.push(e),
    )
    .unwrap();
    assert_eq!(end.capture.frames, 236);
    assert_eq!(events.len(), 2, "{events:#?}");
    let first = &events[0];
    assert_eq!(first.attempt.id, "attempt-1");
    assert_eq!(first.attempt.outcome, "failed");
    assert_eq!(first.attempt.causes, vec!["connection_refused"]);
    assert_eq!(
        (first.attempt.first_frame, first.attempt.last_frame),
        (1, 4)
    );
    assert!(
        first.judged_after_frame > 4 && first.judged_after_frame < 236,
        "judged after frame {}",
        first.judged_after_frame
    );
    assert!(first.findings.iter().any(|f| f.id == "tcp.refused"));
    let second = &events[1];
    assert_eq!(second.attempt.id, "attempt-2");
    assert_eq!(second.attempt.outcome, "connected");
    assert_eq!(second.judged_after_frame, 236);
}

/// Byte offset of the end of the `n`th record of a legacy pcap written by [`concatenated`].
fn after_record(pcap: &[u8], n: usize) -> usize {
    let mut at = 24;
    for _ in 0..n {
        let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + len;
    }
    at
}

/// `rdptriage analyze` reading standard input prints the refused attempt as soon as a frame
/// an attempt window later arrives — while the writer still holds the pipe open — and the
/// rest when the pipe closes; `--format json` writes JSON Lines events.
#[test]
fn standard_input_prints_attempts_before_the_writer_closes() {
    use std::io::{BufRead, Write};
    let samples = common::project_dir().join("samples");
    let (bytes, _) = concatenated(&[
        (&samples.join("rdp-port-closed.pcap"), 0),
        (&samples.join("rdp-tls-healthy-xrdp.pcap"), 600),
    ]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The 4 frames of the refused attempt and the first 10 of the session (600 s later).
    let split = after_record(&bytes, 14);
    stdin.write_all(&bytes[..split]).unwrap();
    stdin.flush().unwrap();
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("no event while the pipe is open");
    let event: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(event["schema"], "rdptriage-event/1");
    assert_eq!(event["event"], "attempt");
    assert_eq!(event["attempt"]["id"], "attempt-1");
    assert_eq!(event["attempt"]["outcome"], "failed");
    assert_eq!(event["causes"][0]["cause"], "connection_refused");
    // tshark -r samples/rdp-port-closed.pcap: frame 1 SYN, frame 2 RST+ACK.
    assert_eq!(event["causes"][0]["frames"], serde_json::json!([1, 2]));
    assert!(event["judged_after_frame"].as_u64().unwrap() <= 14);
    stdin.write_all(&bytes[split..]).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let rest: Vec<serde_json::Value> = rx
        .try_iter()
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    assert_eq!(status.code(), Some(0));
    assert_eq!(rest.len(), 2, "{rest:#?}");
    assert_eq!(rest[0]["attempt"]["id"], "attempt-2");
    assert_eq!(rest[0]["attempt"]["outcome"], "connected");
    assert_eq!(rest[1]["event"], "end");
    assert_eq!(rest[1]["reason"], "end_of_input");
    assert_eq!(rest[1]["attempts"], 2);
    assert_eq!(rest[1]["failed"], 1);
    assert_eq!(rest[1]["frames"], 236);
}
