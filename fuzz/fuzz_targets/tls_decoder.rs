//! The TLS layer on its own. Byte 0 picks what the rest is:
//! * 0: two byte streams for `proto::tls::TlsDecoder` (bytes 1–2 LE: where the client's
//!   stream ends; byte 3: chunk size; byte 4 odd: a gap after the third chunk), then the
//!   connection summary, its one-line outcome and JSON;
//! * 1: a Certificate message body, read as TLS 1.2 (RFC 5246 7.4.2) and TLS 1.3 (RFC 8446
//!   4.4.2) layouts, each certificate matched against a host name (byte 1 = its length,
//!   then the name; `certificate_checks` fuzzes a single DER certificate);
//! * 2: a whole ClientHello / ServerHello handshake message for the hello parsers and the
//!   JA3 / JA4 fingerprints.
#![no_main]

#[path = "drive.rs"]
mod drive;

use drive::{drive, split_input};
use libfuzzer_sys::fuzz_target;
use rdptriage::detect::tls::hostname::{cert_matches, cert_names, dns_matches};
use rdptriage::proto::observation::ObservationLog;
use rdptriage::proto::tls::summary::TlsSummary;
use rdptriage::proto::tls::{TlsDecoder, certificate_list, certificate_list_tls13, hello};
use std::cell::RefCell;
use std::rc::Rc;

fn streams(data: &[u8]) {
    let Some(input) = split_input(data, [&[], &[]]) else {
        return;
    };
    let log = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = TlsDecoder::new(0, log.clone());
    drive(
        &mut decoder,
        [input.client.as_slice(), input.server.as_slice()],
        &input.delivery,
    );
    let log = log.borrow();
    if let Some(obs) = log.by_stream.get(&0) {
        if let Some(s) = TlsSummary::from_observations(obs) {
            let _ = s.outcome_line();
            let _ = serde_json::to_string(&s);
            if let Some(leaf) = s.leaf() {
                let _ = cert_matches(leaf, s.sni.as_deref().unwrap_or("host"));
            }
        }
        let _ = serde_json::to_string(obs);
    }
}

fn certificate(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n).min(rest.len());
    let name = String::from_utf8_lossy(&rest[..n]);
    let body = &rest[n..];
    for chain in [certificate_list(body), certificate_list_tls13(body)]
        .into_iter()
        .flatten()
    {
        for c in chain.1 {
            let _ = cert_matches(&c, &name);
            for san in cert_names(&c) {
                let _ = dns_matches(&san, &name);
            }
        }
    }
}

fn hellos(data: &[u8]) {
    if let Ok(h) = hello::parse_client_hello(data) {
        let _ = serde_json::to_string(&h);
    }
    if let Ok((h, _)) = hello::parse_server_hello(data) {
        let _ = h.version();
        let _ = serde_json::to_string(&h);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => streams(rest),
        1 => certificate(rest),
        _ => hellos(rest),
    }
});
