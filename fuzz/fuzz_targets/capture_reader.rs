//! Arbitrary bytes as a capture file: the container reader alone, then the whole analysis.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::analyze::analyze_reader;
use rdptriage::capture::CaptureReader;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut frames = 0u64;
    let _ = CaptureReader::read(Cursor::new(data), |frame| {
        assert!(frame.number > frames, "frame numbers must increase");
        frames = frame.number;
    });
    let _ = analyze_reader(String::new(), Cursor::new(data), false, None);
});
