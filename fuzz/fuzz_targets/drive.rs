//! Delivering a client and a server byte stream to a stream consumer the way reassembly
//! does: the sides take turns, one chunk each, frame numbers counting up, until both are
//! delivered or the consumer is done with them. Shared by the decoder fuzz targets
//! (`#[path = "drive.rs"] mod drive;`).

use rdptriage::capture::Timestamp;
use rdptriage::flow::Side;
use rdptriage::flow::consumer::{Chunk, StreamConsumer, Want};

/// How the streams are cut.
pub struct Delivery {
    /// Bytes per delivery (at least 1).
    pub chunk_size: usize,
    /// Length of each side's first delivery (0: `chunk_size`), e.g. a fixed start sent as
    /// one record.
    pub first: [usize; 2],
    /// Announce a 100-byte gap after the delivery of frame 3.
    pub gap_at_frame_3: bool,
}

pub fn drive(consumer: &mut dyn StreamConsumer, streams: [&[u8]; 2], how: &Delivery) {
    let mut offsets = [0usize; 2];
    let mut want = [Want::More; 2];
    let mut frame = 1u64;
    while offsets.iter().zip(streams).any(|(o, s)| *o < s.len()) {
        for (i, side) in [Side::Client, Side::Server].into_iter().enumerate() {
            let s = streams[i];
            if offsets[i] >= s.len() || want[i] == Want::Done {
                offsets[i] = s.len();
                continue;
            }
            let size = if offsets[i] == 0 && how.first[i] > 0 {
                how.first[i]
            } else {
                how.chunk_size.max(1)
            };
            let end = (offsets[i] + size).min(s.len());
            let chunk = Chunk {
                frame,
                ts: Timestamp(frame as i64 * 1_000_000),
                stream_offset: offsets[i] as u64,
            };
            want[i] = consumer.data(side, &s[offsets[i]..end], chunk);
            if how.gap_at_frame_3 && frame == 3 && want[i] == Want::More {
                want[i] = consumer.gap(side, 100, frame);
            }
            offsets[i] = end;
            frame += 1;
        }
    }
}
