//! One TCP conversation's byte streams through the protocol decoders (RDP setup, then TLS),
//! as reassembly delivers them. Bytes 0–1 (LE) say where the client's stream ends; each
//! stream is delivered in chunks whose sizes come from byte 2, alternating sides, with a
//! gap notification when byte 3 is odd.
#![no_main]

#[path = "drive.rs"]
mod drive;

use drive::{drive, split_input};
use libfuzzer_sys::fuzz_target;
use rdptriage::proto::connection::ConnectionDecoder;
use rdptriage::proto::observation::ObservationLog;
use std::cell::RefCell;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    let Some(input) = split_input(data, [&[], &[]]) else {
        return;
    };
    let log = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = ConnectionDecoder::new(0, log.clone());
    drive(
        &mut decoder,
        [input.client.as_slice(), input.server.as_slice()],
        &input.delivery,
    );
    let _ = serde_json::to_string(&log.borrow().by_stream);
});
