//! One TCP conversation's byte streams through the protocol decoders (RDP setup, then TLS),
//! as reassembly delivers them. Bytes 0–1 (LE) say where the client's stream ends; each
//! stream is delivered in chunks whose sizes come from byte 2, alternating sides, with a
//! gap notification when byte 3 is odd.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::capture::Timestamp;
use rdptriage::flow::Side;
use rdptriage::flow::consumer::{Chunk, StreamConsumer, Want};
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
    let mut offsets = [0usize; 2];
    let streams = [client, server];
    let mut frame = 1;
    let mut want = [Want::More; 2];
    while offsets[0] < client.len() || offsets[1] < server.len() {
        for (i, side) in [Side::Client, Side::Server].into_iter().enumerate() {
            let s = streams[i];
            if offsets[i] >= s.len() || want[i] == Want::Done {
                offsets[i] = s.len();
                continue;
            }
            let end = (offsets[i] + chunk_size).min(s.len());
            let chunk = Chunk {
                frame,
                ts: Timestamp(frame as i64 * 1_000_000),
                stream_offset: offsets[i] as u64,
            };
            want[i] = decoder.data(side, &s[offsets[i]..end], chunk);
            if with_gap && frame == 3 && want[i] == Want::More {
                want[i] = decoder.gap(side, 100, frame);
            }
            offsets[i] = end;
            frame += 1;
        }
    }
    let _ = serde_json::to_string(&log.borrow().by_stream);
});
