//! The HTTP / RD Gateway decoder of TLS plaintext on its own. Byte 0 picks what the rest is:
//! * 0–3: two plaintext streams for `proto::http::GatewayDecoder` (bytes 1–2 LE: where the
//!   client's stream ends; byte 3: chunk size; byte 4 odd: a gap after the third chunk),
//!   each stream behind a fixed start so that every layer is reached: 0 none, 1 an OUT
//!   channel (`RDG_OUT_DATA` answered `200` without Content-Length: the RD Gateway packets
//!   of the body), 2 an IN channel (chunked `RDG_IN_DATA` request body), 3 a WebSocket
//!   upgrade (`101`, then frames); then the connection summary and the JSON of everything;
//! * 4: one RD Gateway packet stream (`proto::rdg::RdgStream`; byte 1 picks where the first
//!   packet starts, byte 2 the chunk size);
//! * 5: a message head for `proto::http::head::parse` (as a request and as a response) and
//!   the header helpers.
#![no_main]

#[path = "drive.rs"]
mod drive;

use drive::{drive, split_input};
use libfuzzer_sys::fuzz_target;
use rdptriage::flow::Side;
use rdptriage::proto::http::{GatewayDecoder, head, looks_like_http};
use rdptriage::proto::observation::ObservationLog;
use rdptriage::proto::rdg::summary::GatewaySummary;
use rdptriage::proto::rdg::{RdgStream, Start};
use std::cell::RefCell;
use std::rc::Rc;

const STARTS: [(&[u8], &[u8]); 4] = [
    (b"", b""),
    (
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n\r\n\xab\xcd\xab\xcd\xab\xcd\xab\xcd\xab\xcd",
    ),
    (
        b"RDG_IN_DATA /remoteDesktopGateway/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"",
    ),
    (
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    ),
];

fn streams(start: usize, data: &[u8]) {
    let (client_start, server_start) = STARTS[start];
    let Some(mut input) = split_input(data, [client_start, server_start]) else {
        return;
    };
    let log = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = GatewayDecoder::new(0, log.clone());
    let all = [input.client.as_slice(), input.server.as_slice()];
    let _ = looks_like_http(all[0], Side::Client) || looks_like_http(all[1], Side::Server);
    // The fixed start goes in as one record, as a gateway sends it.
    input.delivery.first = if start > 0 {
        [client_start.len().max(1), server_start.len().max(1)]
    } else {
        [0, 0]
    };
    drive(&mut decoder, all, &input.delivery);
    let log = log.borrow();
    if let Some(obs) = log.by_stream.get(&0) {
        if let Some(s) = GatewaySummary::from_observations(obs) {
            let _ = serde_json::to_string(&s);
        }
        let _ = serde_json::to_string(obs);
    }
}

fn rdg(data: &[u8]) {
    let [mode, size, rest @ ..] = data else {
        return;
    };
    let start = match mode % 3 {
        0 => Start::Direct,
        1 => Start::Seeded,
        _ => Start::MaybeSeeded,
    };
    let mut s = RdgStream::new(start);
    let mut out = Vec::new();
    for piece in rest.chunks(usize::from(*size).max(1)) {
        s.feed(piece, &mut out);
        let _ = s.at_boundary();
    }
    let _ = serde_json::to_string(&out);
}

fn heads(data: &[u8]) {
    for request in [true, false] {
        let _ = head::plausible_start(data, request);
        let _ = head::find_end(data, data.len() / 2);
        if let Ok(h) = head::parse(data, request) {
            let _ = h.list("transfer-encoding");
            let _ = h.text("host");
            let values: Vec<&[u8]> = h.all("content-length").collect();
            let _ = head::content_length(&values);
            for v in h.all("www-authenticate") {
                let _ = head::challenge_schemes(v);
                let _ = head::auth_scheme(v);
            }
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = head::redact_target(&text);
    let _ = head::query_param(&text, "ConId");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 6 {
        m @ 0..=3 => streams(usize::from(m), rest),
        4 => rdg(rest),
        _ => heads(rest),
    }
});
