//! TLS record decryption with key logs. Byte 0, bit 7 set: the rest is a key log for
//! `KeyStore::add_bytes`. Otherwise the real byte streams of two recorded sessions with
//! their key logs — bit 0 picks samples/tls13-healthy-openssl.pcap (TLS 1.3,
//! AES-256-GCM) or tests/captures/tls-tls12-chacha20.pcap (TLS 1.2, ChaCha20-Poly1305),
//! streams in fuzz/data/ — are cut after a fuzz-chosen number of bytes per side (bytes 1–2
//! and 3–4, LE) and continued with the fuzz bytes (first half to the client, second to the
//! server), delivered in chunks of (byte 0 >> 1) + 1 bytes after the ClientHello record. So real handshakes reach the
//! decrypting paths and the records after the cut are hostile: mutated ciphertext, lengths,
//! inner content types, and decrypted application data for the inner decoders.
#![no_main]

#[path = "drive.rs"]
mod drive;

use drive::{Delivery, drive};
use libfuzzer_sys::fuzz_target;
use rdptriage::proto::decrypt::{KeyRing, KeyStore};
use rdptriage::proto::observation::ObservationLog;
use rdptriage::proto::tls::TlsDecoder;
use rdptriage::proto::tls::summary::TlsSummary;
use std::cell::RefCell;
use std::rc::Rc;

const TLS13_CLIENT: &[u8] = include_bytes!("../data/tls13-client.bin");
const TLS13_SERVER: &[u8] = include_bytes!("../data/tls13-server.bin");
const TLS13_KEYS: &str = include_str!("../../samples/tls13-healthy-openssl.keys");
const TLS12_CLIENT: &[u8] = include_bytes!("../data/tls12-client.bin");
const TLS12_SERVER: &[u8] = include_bytes!("../data/tls12-server.bin");
const TLS12_KEYS: &str = include_str!("../../tests/captures/tls-tls12-chacha20.keys");

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    if data[0] & 0x80 != 0 {
        let mut store = KeyStore::default();
        store.add_bytes(&data[1..]);
        let _ = store.get(&[0; 32]);
        return;
    }
    let (client, server, keys) = if data[0] & 1 == 0 {
        (TLS13_CLIENT, TLS13_SERVER, TLS13_KEYS)
    } else {
        (TLS12_CLIENT, TLS12_SERVER, TLS12_KEYS)
    };
    let keep_client = usize::from(u16::from_le_bytes([data[1], data[2]])) % (client.len() + 1);
    let keep_server = usize::from(u16::from_le_bytes([data[3], data[4]])) % (server.len() + 1);
    let rest = &data[5..];
    let (extra_client, extra_server) = rest.split_at(rest.len() / 2);
    let streams = [
        [&client[..keep_client], extra_client].concat(),
        [&server[..keep_server], extra_server].concat(),
    ];
    let chunk_size = usize::from(data[0] >> 1) + 1;
    let mut store = KeyStore::default();
    store.add_text(keys);
    let log = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = TlsDecoder::with_keys(
        0,
        log.clone(),
        Some(Rc::new(KeyRing::new(None, store))),
        Some(rdptriage::proto::inner_decoder),
    );
    // The ClientHello record first, in one piece (the server's hello needs its random).
    let hello = streams[0]
        .get(3..5)
        .map_or(0, |l| 5 + usize::from(u16::from_be_bytes([l[0], l[1]])))
        .min(streams[0].len());
    drive(
        &mut decoder,
        [&streams[0], &streams[1]],
        &Delivery {
            chunk_size,
            first: [hello, 0],
            gap_at_frame_3: false,
        },
    );
    let log = log.borrow();
    if let Some(obs) = log.by_stream.get(&0) {
        if let Some(summary) = TlsSummary::from_observations(obs) {
            let _ = summary.outcome_line();
            let _ = serde_json::to_string(&summary);
        }
        let _ = serde_json::to_string(obs);
    }
});
