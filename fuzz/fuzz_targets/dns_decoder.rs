//! The DNS decoder (simple-dns underneath) over a sequence of datagrams of one UDP
//! conversation on port 53 (input format: `drive::drive_datagrams`); the lookups it keeps
//! are then serialised as the JSON report would.
#![no_main]

#[path = "drive.rs"]
mod drive;

use libfuzzer_sys::fuzz_target;
use rdptriage::proto::dns::DnsDecoder;
use rdptriage::proto::observation::{ObservationLog, SharedLog};
use std::cell::RefCell;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = DnsDecoder::new(&drive::udp_conversation(53), log.clone());
    drive::drive_datagrams(&mut decoder, data);
    for conv in log.borrow().dns.values() {
        drop(serde_json::to_string(conv));
    }
});
