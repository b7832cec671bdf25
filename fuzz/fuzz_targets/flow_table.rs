//! A sequence of packets through the whole analysis and both report renderings, and through
//! the engine as it goes (conversations closed and attempts judged mid-input, each event
//! rendered; a file's document assembled from it, with small listing caps, its connection
//! entries held and spilled).
//!
//! Input layout (so that mutations land in packets, not in pcap framing): byte 0 picks the
//! link type; then records, each `[time step: u8][length: u16 LE][frame bytes]` (a short
//! last record takes what is left). They are written as a legacy pcap (microsecond,
//! little-endian) whose timestamps advance by `time step` × 10 ms, going back 1 s when the
//! step is 255 (out-of-order timestamps).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::analyze::analyze_reader;
use rdptriage::report::screen;
use std::io::Cursor;

const LINK_TYPES: [u32; 9] = [1, 0, 12, 101, 108, 113, 228, 229, 276];

fn pcap_from(data: &[u8]) -> Option<Vec<u8>> {
    let (&selector, mut rest) = data.split_first()?;
    let link_type = LINK_TYPES[usize::from(selector) % LINK_TYPES.len()];
    let mut out = Vec::with_capacity(data.len() * 2 + 24);
    out.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&link_type.to_le_bytes());
    let mut ts_us: u64 = 1_600_000_000_000_000;
    while rest.len() >= 3 {
        let step = rest[0];
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]])).min(rest.len() - 3);
        let frame = &rest[3..3 + len];
        rest = &rest[3 + len..];
        ts_us = if step == 255 {
            ts_us - 1_000_000
        } else {
            ts_us + u64::from(step) * 10_000
        };
        out.extend_from_slice(&((ts_us / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((ts_us % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(frame);
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Some(pcap) = pcap_from(data) else {
        return;
    };
    if let Ok(analysis) = analyze_reader("fuzz".into(), Cursor::new(&pcap), false, None) {
        let report = rdptriage::engine::file_report(analysis);
        let _ = serde_json::to_string(&report).expect("report serialises");
        let layout = screen::Layout {
            width: 100,
            verbose: true,
            ..screen::Layout::default()
        };
        let _ = screen::render(&report, &layout);
    }
    // A file's document from the engine as it goes, its connection entries spilled and
    // written back, and held (tests/document.rs holds both to the whole-file document).
    for spill in [false, true] {
        let options = rdptriage::engine::stream::StreamOptions {
            spill_connections: spill,
            max_listed_connections: 8,
            max_listed_attempts: 4,
            ..Default::default()
        };
        if let Ok(report) = rdptriage::engine::document::report_reader(
            "fuzz".into(),
            Cursor::new(&pcap),
            false,
            std::rc::Rc::new(Default::default()),
            Default::default(),
            options,
        ) {
            let mut out = Vec::new();
            rdptriage::report::json::write_document(&report, &mut out, false)
                .expect("document writes");
            let _: serde_json::Value = serde_json::from_slice(&out).expect("document is JSON");
            let _ = screen::render(&report, &screen::Layout::default());
        }
    }
    let layout = screen::Layout::default();
    let _ = rdptriage::engine::stream::stream_reader(
        "fuzz".into(),
        Cursor::new(&pcap),
        Default::default(),
        std::rc::Rc::new(Default::default()),
        |event| {
            let _ = serde_json::to_string(&event).expect("event serialises");
            let _ = rdptriage::report::stream::attempt_lines(&event, &layout);
        },
    );
});
