//! Broken inputs: empty and text files, captures cut at every byte of their first 200 and at
//! pseudo-random offsets, absurd record lengths, garbage in the middle. Never a panic; an
//! unreadable input is an error naming the file and byte offset (exit code 2) while the
//! other inputs are still analysed; a partly readable one reports what it could read.

mod common;

use rdptriage::analyze::{AnalyzeError, analyze_reader};
use rdptriage::capture::CaptureError;
use std::process::Command;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(common::project_dir().join("tests/captures").join(name)).unwrap()
}

fn analyze_bytes(bytes: &[u8]) -> Result<rdptriage::analyze::Analysis, AnalyzeError> {
    analyze_reader(
        "mem".into(),
        std::io::Cursor::new(bytes.to_vec()),
        false,
        None,
    )
}

/// Deterministic pseudo-random offsets (64-bit LCG), so a failure can be replayed.
fn offsets(len: usize, n: usize) -> Vec<usize> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as usize % len
        })
        .collect()
}

#[test]
fn empty_and_text_inputs_are_errors_at_offset_zero() {
    assert!(matches!(
        analyze_bytes(b""),
        Err(AnalyzeError::Capture {
            source: CaptureError::Empty,
            ..
        })
    ));
    match analyze_bytes(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n") {
        Err(AnalyzeError::Capture {
            source: CaptureError::NotACapture { first_bytes },
            ..
        }) => {
            assert!(first_bytes.contains("\"GET \""), "{first_bytes}")
        }
        other => panic!("{:?}", other.map(|a| a.capture.frames)),
    }
}

#[test]
fn truncation_at_every_early_byte_and_random_offsets_never_panics() {
    for name in [
        "eth-lo.pcap",
        "pcapng-multi-if.pcapng",
        "pcap-be-usec.pcap",
        "pcapng-be-multi-if.pcapng",
    ] {
        let full = sample(name);
        let complete = analyze_bytes(&full).unwrap();
        assert!(complete.capture.stopped.is_none(), "{name}");
        let mut cuts: Vec<usize> = (0..200.min(full.len())).collect();
        cuts.extend(offsets(full.len(), 200));
        for cut in cuts {
            match analyze_bytes(&full[..cut]) {
                Ok(a) => {
                    assert!(
                        a.capture.frames <= complete.capture.frames,
                        "{name} cut at {cut}"
                    );
                    if let Some(stop) = &a.capture.stopped {
                        assert!(stop.offset() as usize <= cut, "{name} cut at {cut}: {stop}");
                    }
                }
                Err(AnalyzeError::Capture { source, .. }) => {
                    assert!(source.offset() as usize <= cut)
                }
                Err(e) => panic!("{name} cut at {cut}: {e}"),
            }
        }
    }
}

#[test]
fn truncated_file_reports_offset_and_keeps_earlier_frames() {
    let full = sample("eth-lo.pcap");
    let cut = full.len() - 10;
    let a = analyze_bytes(&full[..cut]).unwrap();
    let full_frames = analyze_bytes(&full).unwrap().capture.frames;
    assert_eq!(a.capture.frames, full_frames - 1);
    match a.capture.stopped {
        Some(CaptureError::Truncated { offset }) => {
            // The last record starts where the previous ones end.
            assert!(offset as usize > 24 && (offset as usize) < cut);
            let report = rdptriage::engine::file_report(a);
            let w = report
                .file
                .warnings
                .iter()
                .find(|w| w.kind == "truncated")
                .unwrap();
            assert_eq!(w.offset, Some(offset));
            assert!(
                w.message.contains(&format!("byte offset {offset}")),
                "{}",
                w.message
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn absurd_record_length_is_corrupt_not_allocated() {
    let mut bytes = sample("eth-lo.pcap");
    // First record header at 24: ts_sec, ts_usec, caplen (28..32), origlen.
    bytes[32..36].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    bytes[28..32].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let a = analyze_bytes(&bytes).unwrap();
    assert_eq!(a.capture.frames, 0);
    match a.capture.stopped {
        Some(CaptureError::Corrupt { offset: 24, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_in_the_middle_never_panics_and_names_an_offset() {
    let full = sample("pcapng-multi-if.pcapng");
    for (i, at) in offsets(full.len(), 64).into_iter().enumerate() {
        let mut bytes = full.clone();
        let end = (at + 1 + i % 40).min(bytes.len());
        for (k, b) in bytes[at..end].iter_mut().enumerate() {
            *b = (k as u8).wrapping_mul(151).wrapping_add(i as u8);
        }
        if let Ok(a) = analyze_bytes(&bytes)
            && let Some(stop) = a.capture.stopped
        {
            assert!(stop.offset() as usize <= bytes.len());
        }
    }
}

#[test]
fn cli_reports_unreadable_file_with_exit_2_and_still_analyses_the_others() {
    let dir = std::env::temp_dir().join(format!("rdptriage-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = dir.join("notes.pcap");
    std::fs::write(&text, "this is not a capture\n").unwrap();
    let good = common::project_dir().join("tests/captures/eth-lo.pcap");
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--format", "json"])
        .arg(&text)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("notes.pcap") && stderr.contains("not a pcap or pcapng capture"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let docs: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "JSON Lines, one document per file");
    assert_eq!(docs[0]["file"]["error"]["kind"], "not_a_capture");
    assert_eq!(docs[0]["file"]["error"]["offset"], 0);
    assert_eq!(docs[1]["schema"], "rdptriage/1");
    assert!(docs[1]["file"]["error"].is_null());
    // tests/captures/EXPECTED.json (from tshark): eth-lo.pcap has 4 conversations.
    assert_eq!(docs[1]["connections"].as_array().unwrap().len(), 4);
}

#[test]
fn cli_reads_standard_input_and_gzip() {
    let gz = std::fs::read(common::project_dir().join("tests/captures/eth-lo.pcap.gz")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--format", "json", "--no-stream", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["file"]["gzip"], true);
    let plain = common::report_of(&common::project_dir().join("tests/captures/eth-lo.pcap"));
    assert_eq!(doc["file"]["packets"], plain.file.packets);
}

#[test]
fn fuzzer_found_pcap_parser_overflow_is_an_error_not_a_panic() {
    // fuzz/regressions/capture_reader-1: a pcapng Process Information Block whose length
    // makes pcap-parser 0.17 subtract past zero (a panic in debug builds).
    let bytes =
        std::fs::read(common::project_dir().join("fuzz/regressions/capture_reader-1")).unwrap();
    let a = analyze_bytes(&bytes).unwrap();
    match a.capture.stopped {
        // The section header is 108 bytes long; the block after it is the broken one.
        Some(CaptureError::Corrupt { offset: 108, .. }) => {}
        other => panic!("{other:?}"),
    }
}
