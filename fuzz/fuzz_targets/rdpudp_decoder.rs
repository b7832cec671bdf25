//! The RDP-UDP decoder (MS-RDPEUDP) over a sequence of datagrams of one UDP conversation on
//! port 3389 (input format: `drive::drive_datagrams`); the flow it describes is then
//! serialised as the JSON report would.
#![no_main]

#[path = "drive.rs"]
mod drive;

use libfuzzer_sys::fuzz_target;
use rdptriage::proto::observation::{ObservationLog, SharedLog};
use rdptriage::proto::rdpudp::RdpUdpDecoder;
use std::cell::RefCell;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = RdpUdpDecoder::new(&drive::udp_conversation(3389), log.clone());
    drive::drive_datagrams(&mut decoder, data);
    for flow in log.borrow().rdp_udp.values() {
        drop(serde_json::to_string(flow));
    }
});
