//! Delivering a client and a server byte stream to a stream consumer the way reassembly
//! does: the sides take turns, one chunk each, frame numbers counting up, until both are
//! delivered or the consumer is done with them; and datagrams to a datagram consumer.
//! Shared by the decoder fuzz targets (`#[path = "drive.rs"] mod drive;`).

use rdptriage::capture::Timestamp;
use rdptriage::flow::Side;
use rdptriage::flow::consumer::{Chunk, StreamConsumer, Want};

/// How the streams are cut.
#[allow(dead_code)]
pub struct Delivery {
    /// Bytes per delivery (at least 1).
    pub chunk_size: usize,
    /// Length of each side's first delivery (0: `chunk_size`), e.g. a fixed start sent as
    /// one record.
    pub first: [usize; 2],
    /// Announce a 100-byte gap after the delivery of frame 3.
    pub gap_at_frame_3: bool,
}

#[allow(dead_code)]
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

/// The two streams and their delivery, from the input shared by the stream fuzz targets.
#[allow(dead_code)]
pub struct FuzzStreams {
    pub client: Vec<u8>,
    pub server: Vec<u8>,
    pub delivery: Delivery,
}

/// Reads the stream targets' input: bytes 0–1 (LE) where the client's stream ends, byte 2
/// the chunk size, byte 3 bit 0 a gap after frame 3; the rest is split into the client's and
/// the server's bytes, each after its fixed start `starts[i]`, which is delivered whole.
/// `None` when the input is shorter than its header.
#[allow(dead_code)]
pub fn split_input(data: &[u8], starts: [&[u8]; 2]) -> Option<FuzzStreams> {
    if data.len() < 4 {
        return None;
    }
    let split = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let body = &data[4..];
    let (client, server) = body.split_at(split.min(body.len()));
    Some(FuzzStreams {
        client: [starts[0], client].concat(),
        server: [starts[1], server].concat(),
        delivery: Delivery {
            chunk_size: usize::from(data[2]).max(1),
            first: [starts[0].len(), starts[1].len()],
            gap_at_frame_3: data[3] & 1 == 1,
        },
    })
}

/// A UDP conversation 10.0.0.1:50000 → 10.0.0.2:`server_port`, stream 0.
#[allow(dead_code)]
pub fn udp_conversation(server_port: u16) -> rdptriage::flow::consumer::NewConversation {
    use rdptriage::flow::Endpoint;
    use std::net::{IpAddr, Ipv4Addr};
    rdptriage::flow::consumer::NewConversation {
        stream: 0,
        client: Endpoint {
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            port: 50000,
        },
        server: Endpoint {
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            port: server_port,
        },
        first_frame: 1,
    }
}

/// Delivers `data` as datagrams to a datagram consumer: repeated `[side byte][length u16
/// LE][datagram]` (side bit 0: 0 client, 1 server; a length beyond the input is the UDP
/// header's, the datagram then counts as cut by the snaplen), frame numbers counting up,
/// until the input ends or the consumer is done.
#[allow(dead_code)]
pub fn drive_datagrams(
    consumer: &mut dyn rdptriage::flow::consumer::DatagramConsumer,
    data: &[u8],
) {
    let mut rest = data;
    let mut frame = 1u64;
    while rest.len() >= 3 {
        let side = if rest[0] & 1 == 0 {
            Side::Client
        } else {
            Side::Server
        };
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]]));
        let body = &rest[3..];
        let take = len.min(body.len());
        let chunk = Chunk {
            frame,
            ts: Timestamp(frame as i64 * 1000),
            stream_offset: 0,
        };
        if consumer.datagram(side, &body[..take], len as u32, chunk) == Want::Done {
            break;
        }
        rest = &body[take..];
        frame += 1;
    }
}
