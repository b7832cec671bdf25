//! One TCP conversation's byte streams through the protocol decoders (RDP setup, then TLS),
//! as reassembly delivers them. Bytes 0–1 (LE) say where the client's stream ends; each
//! stream is delivered in chunks whose sizes come from byte 2, alternating sides, with a
//! gap notification when byte 3 is odd.
#![no_main]

#[path = "drive.rs"]
mod drive;

use drive::{Delivery, drive};
use libfuzzer_sys::fuzz_target;
use rdptriage::proto::connection::ConnectionDecoder;
use rdptriage::proto::observation::ObservationLog;
use std::cell::RefCell;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let split = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let chunk_size = usize::from(data[2]).max(1);
    let with_gap = data[3] & 1 == 1;
    let body = &data[4..];
    let (client, server) = body.split_at(split.min(body.len()));
    let log = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = ConnectionDecoder::new(0, log.clone());
    drive(
        &mut decoder,
        [client, server],
        &Delivery {
            chunk_size,
            first: [0, 0],
            gap_at_frame_3: with_gap,
        },
    );
    let _ = serde_json::to_string(&log.borrow().by_stream);
});
