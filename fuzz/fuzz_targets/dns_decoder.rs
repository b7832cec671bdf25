//! The DNS decoder (simple-dns underneath) over a sequence of datagrams of one UDP
//! conversation on port 53. Input: repeated `[side byte][length u16 LE][datagram]`; the
//! lookups it keeps are then serialised as the JSON report would.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::capture::Timestamp;
use rdptriage::flow::consumer::{Chunk, DatagramConsumer, NewConversation, Want};
use rdptriage::flow::{Endpoint, Side};
use rdptriage::proto::dns::DnsDecoder;
use rdptriage::proto::observation::{ObservationLog, SharedLog};
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
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 53)),
            port: 53,
        },
        first_frame: 1,
    };
    let mut decoder = DnsDecoder::new(&conversation, log.clone());
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
    for conv in log.borrow().dns.values() {
        drop(serde_json::to_string(conv));
    }
});
