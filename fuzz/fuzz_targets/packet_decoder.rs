//! One frame: the first byte picks a link type, the rest is the frame. Strips the link
//! layer, decodes, and follows tunnels as `analyze` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::capture::{Timestamp, strip_link_layer};
use rdptriage::net::{Decoded, Decoder, tunnel};

const LINK_TYPES: [u32; 9] = [0, 1, 12, 101, 108, 113, 228, 229, 276];
/// Tunnels followed inside one frame (as in `analyze`).
const MAX_DEPTH: usize = 3;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, frame)) = data.split_first() else {
        return;
    };
    let link_type = LINK_TYPES[usize::from(selector) % LINK_TYPES.len()];
    let mut decoder = Decoder::new();
    let Ok(net) = strip_link_layer(link_type, frame) else {
        return;
    };
    let ts = Timestamp(1_700_000_000_000_000_000);
    let mut next = Some(net);
    let mut depth = 0;
    while let Some(net) = next.take() {
        match decoder.decode(net, ts) {
            Decoded::Packet(packet) => {
                depth += 1;
                if depth <= MAX_DEPTH {
                    next = tunnel::inner(&packet);
                }
            }
            Decoded::Reassembled(header) => {
                let _ = decoder.reassembled_packet(header);
            }
            Decoded::FragmentHeld | Decoded::NotIp(_) | Decoded::Error(_) => {}
        }
    }
    decoder.expire(Timestamp(ts.0 + 60_000_000_000));
    decoder.finish();
});
