//! The reader of the RDP connection sequence after negotiation (`proto::rdp::inner`), and
//! the per-structure decoders it uses. Byte 0 picks what the rest is:
//! * 0–5: two streams for `RdpInnerDecoder` (bytes 1–2 LE: where the client's stream ends;
//!   byte 3: chunk size; byte 4 odd: a gap after the third chunk). Bit 0 of byte 0: as
//!   decrypted TLS (`new`) or in clear (`clear`); byte 0 / 2: behind a fixed start so that
//!   every phase is reached — 0–1 none, 2–3 CredSSP (a client TSRequest, the server's
//!   answer and a 4-byte Early User Authorization Result), 4–5 a finalized session (Font
//!   Map first, so later PDUs are counted and their bodies skipped); then the JSON of the
//!   observations;
//! * 6 and up: one structure decoder on the rest (byte 0 picks which).
#![no_main]

#[path = "drive.rs"]
mod drive;

use drive::{drive, split_input};
use libfuzzer_sys::fuzz_target;
use rdptriage::proto::observation::ObservationLog;
use rdptriage::proto::rdp::inner::RdpInnerDecoder;
use rdptriage::proto::rdp::{
    autodetect, capabilities, credssp, domain, error_info, fastpath, heartbeat, licensing,
    multitransport, rdstls, redirection, security, session_info, share,
};
use rdptriage::proto::wire::Cursor;
use std::cell::RefCell;
use std::rc::Rc;

/// `30 0d a0 03 02 01 06 a1 06 30 04 30 02 a0 00`: a TSRequest v6 with an empty negoToken.
const TS_REQUEST: &[u8] = &[
    0x30, 0x0D, 0xA0, 0x03, 0x02, 0x01, 0x06, 0xA1, 0x06, 0x30, 0x04, 0x30, 0x02, 0xA0, 0x00,
];
/// TPKT, X.224 Data, SDin on channel 1003, Share Control + Share Data Font Map.
const FONT_MAP: &[u8] = &[
    0x03, 0x00, 0x00, 0x28, 0x02, 0xF0, 0x80, 0x68, 0x00, 0x01, 0x03, 0xEB, 0x70, 0x1A, 0x1A, 0x00,
    0x17, 0x00, 0xEA, 0x03, 0xEA, 0x03, 0x01, 0x00, 0x00, 0x01, 0x0C, 0x00, 0x28, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

fn streams(selector: u8, data: &[u8]) {
    let (client_start, server_start): (&[u8], Vec<u8>) = match selector / 2 {
        1 => (TS_REQUEST, [TS_REQUEST, &[0, 0, 0, 0]].concat()),
        2 => (&[], FONT_MAP.to_vec()),
        _ => (&[], Vec::new()),
    };
    let Some(input) = split_input(data, [client_start, &server_start]) else {
        return;
    };
    let log = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = if selector & 1 == 0 {
        RdpInnerDecoder::new(0, log.clone())
    } else {
        RdpInnerDecoder::clear(0, log.clone())
    };
    drive(
        &mut decoder,
        [input.client.as_slice(), input.server.as_slice()],
        &input.delivery,
    );
    let log = log.borrow();
    if let Some(obs) = log.by_stream.get(&0) {
        let _ = serde_json::to_string(obs);
    }
    let _ = serde_json::to_string(&log.rdp_traffic);
}

fn structure(selector: u8, data: &[u8]) {
    let mut c = Cursor::new(data);
    match selector % 16 {
        0 => drop(credssp::decode_ts_request(&mut c)),
        1 => drop(domain::DomainPdu::decode(&mut c)),
        2 => drop(security::decode_client_info(&mut c)),
        3 => drop(licensing::decode(&mut c)),
        4 => drop(capabilities::decode_demand_active(&mut c)),
        5 => drop(capabilities::decode_confirm_active(&mut c)),
        6 => drop(session_info::decode(&mut c)),
        7 => drop(redirection::decode(&mut c)),
        8 => drop(rdstls::decode(&mut c)),
        9 => drop(fastpath::FastPathHeader::decode(&mut c)),
        10 => {
            let _ = share::ShareControlHeader::decode(&mut c)
                .and_then(|_| share::ShareDataHeader::decode(&mut c));
        }
        11 => drop(security::SecurityExchange::decode(&mut c)),
        12 => drop(multitransport::MultitransportRequest::decode(&mut c)),
        13 => drop(autodetect::AutoDetectHeader::decode(&mut c)),
        14 => drop(heartbeat::Heartbeat::decode(&mut c)),
        _ => {
            drop(error_info::SetErrorInfo::decode(&mut c));
            let _ = credssp::classify(data);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector < 6 {
        streams(selector, rest);
    } else {
        structure(selector - 6, rest);
    }
});
