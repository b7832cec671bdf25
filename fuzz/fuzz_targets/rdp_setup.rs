//! RDP connection-setup decoders: byte 0 picks one (X.224 Connection Request, Connection
//! Confirm, MCS Connect Initial, MCS Connect Response), the rest is its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::proto::rdp::{mcs, x224};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 4 {
        0 => drop(x224::parse_connection_request(rest)),
        1 => drop(x224::parse_connection_confirm(rest)),
        2 => drop(mcs::parse_connect_initial(rest)),
        _ => drop(mcs::parse_connect_response(rest)),
    }
});
