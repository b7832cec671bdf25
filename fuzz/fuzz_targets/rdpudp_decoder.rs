//! The RDP-UDP decoder (MS-RDPEUDP) over a sequence of datagrams of one UDP conversation on
//! port 3389. Input: repeated `[side byte][length u16 LE][datagram]` (side bit 0: 0 client,
//! 1 server); the flow it describes is then serialised as the JSON report would.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::capture::Timestamp;
use rdptriage::flow::consumer::{Chunk, DatagramConsumer, NewConversation, Want};
use rdptriage::flow::{Endpoint, Side};
use rdptriage::proto::observation::{ObservationLog, SharedLog};
use rdptriage::proto::rdpudp::RdpUdpDecoder;
use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
    let conversation = NewConversation {
        stream: 0,
        client: Endpoint {
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            port: 50000,
        },
        server: Endpoint {
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            port: 3389,
        },
        first_frame: 1,
    };
    let mut decoder = RdpUdpDecoder::new(&conversation, log.clone());
    let mut rest = data;
    let mut frame = 1u64;
    while rest.len() >= 3 {
        let side = if rest[0] & 1 == 0 { Side::Client } else { Side::Server };
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]]));
        let body = &rest[3..];
        let take = len.min(body.len());
        let chunk = Chunk {
            frame,
            ts: Timestamp(frame as i64 * 1000),
            stream_offset: 0,
        };
        if decoder.datagram(side, &body[..take], len as u32, chunk) == Want::Done {
            break;
        }
        rest = &body[take..];
        frame += 1;
    }
    for flow in log.borrow().rdp_udp.values() {
        drop(serde_json::to_string(flow));
    }
});
