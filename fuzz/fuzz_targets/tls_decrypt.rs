//! TLS record decryption with key logs and RSA keys. Byte 0, bit 7 set: the rest is a key
//! log for `KeyStore::add_bytes` (bit 6 also: a PEM text for `RsaKeys::add_pem`). Otherwise
//! the real byte streams of four recorded sessions — bits 0–1 pick
//! samples/tls13-healthy-openssl.pcap (TLS 1.3, AES-256-GCM, key log),
//! tests/captures/tls-tls12-chacha20.pcap (TLS 1.2, ChaCha20-Poly1305, key log),
//! tests/captures/tls-tls10-aes128sha-rsa.pcap (TLS 1.0 AES-128-CBC-SHA, encrypt_then_mac,
//! extended master secret, opened with the server's RSA key alone: certificate matching,
//! premaster decryption, the transcript hash, the chained IV) or
//! tests/captures/tls-tls12-aes256sha256-rsa-noetm.pcap (TLS 1.2 AES-256-CBC-SHA256,
//! MAC-then-encrypt, key log), streams in fuzz/data/ — are cut after a fuzz-chosen number of
//! bytes per side (bytes 1–2 and 3–4, LE) and continued with the fuzz bytes (first half to
//! the client, second to the server), delivered in chunks of (byte 0 >> 2) + 1 bytes after
//! the ClientHello record. So real handshakes reach the decrypting paths and the records
//! after the cut are hostile: mutated ciphertext, padding, MACs, lengths, certificates and
//! ClientKeyExchange bodies, inner content types, and decrypted application data for the
//! inner decoders.
#![no_main]

#[path = "drive.rs"]
mod drive;

use drive::{Delivery, drive};
use libfuzzer_sys::fuzz_target;
use rdptriage::proto::decrypt::{KeyRing, KeyStore, RsaKeys};
use rdptriage::proto::observation::ObservationLog;
use rdptriage::proto::tls::TlsDecoder;
use rdptriage::proto::tls::summary::TlsSummary;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

const TLS13_CLIENT: &[u8] = include_bytes!("../data/tls13-client.bin");
const TLS13_SERVER: &[u8] = include_bytes!("../data/tls13-server.bin");
const TLS13_KEYS: &str = include_str!("../../samples/tls13-healthy-openssl.keys");
const TLS12_CLIENT: &[u8] = include_bytes!("../data/tls12-client.bin");
const TLS12_SERVER: &[u8] = include_bytes!("../data/tls12-server.bin");
const TLS12_KEYS: &str = include_str!("../../tests/captures/tls-tls12-chacha20.keys");
const TLS10_CBC_CLIENT: &[u8] = include_bytes!("../data/tls10-cbc-client.bin");
const TLS10_CBC_SERVER: &[u8] = include_bytes!("../data/tls10-cbc-server.bin");
const TLS12_CBC_CLIENT: &[u8] = include_bytes!("../data/tls12-cbc-client.bin");
const TLS12_CBC_SERVER: &[u8] = include_bytes!("../data/tls12-cbc-server.bin");
const TLS12_CBC_KEYS: &str =
    include_str!("../../tests/captures/tls-tls12-aes256sha256-rsa-noetm.keys");
const RSA_KEY: &str = include_str!("../../tests/captures/tls-rsa-server.pem");

/// The server's RSA key, parsed once.
fn rsa_keys() -> Arc<RsaKeys> {
    static KEYS: OnceLock<Arc<RsaKeys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = RsaKeys::default();
        keys.add_pem(RSA_KEY, "tls-rsa-server.pem");
        Arc::new(keys)
    })
    .clone()
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    if data[0] & 0x80 != 0 {
        if data[0] & 0x40 != 0 {
            let mut keys = RsaKeys::default();
            let _ = keys.add_pem(&String::from_utf8_lossy(&data[1..]), "fuzz");
            let _ = keys.find(&data[1..]);
            return;
        }
        let mut store = KeyStore::default();
        store.add_bytes(&data[1..]);
        let _ = store.get(&[0; 32]);
        return;
    }
    let (client, server, keys, rsa) = match data[0] & 3 {
        0 => (TLS13_CLIENT, TLS13_SERVER, TLS13_KEYS, false),
        1 => (TLS12_CLIENT, TLS12_SERVER, TLS12_KEYS, false),
        2 => (TLS10_CBC_CLIENT, TLS10_CBC_SERVER, "", true),
        _ => (TLS12_CBC_CLIENT, TLS12_CBC_SERVER, TLS12_CBC_KEYS, false),
    };
    let keep_client = usize::from(u16::from_le_bytes([data[1], data[2]])) % (client.len() + 1);
    let keep_server = usize::from(u16::from_le_bytes([data[3], data[4]])) % (server.len() + 1);
    let rest = &data[5..];
    let (extra_client, extra_server) = rest.split_at(rest.len() / 2);
    let streams = [
        [&client[..keep_client], extra_client].concat(),
        [&server[..keep_server], extra_server].concat(),
    ];
    let chunk_size = usize::from(data[0] >> 2) + 1;
    let mut store = KeyStore::default();
    store.add_text(keys);
    let log = Rc::new(RefCell::new(ObservationLog::default()));
    let mut decoder = TlsDecoder::with_keys(
        0,
        log.clone(),
        Some(Rc::new(
            KeyRing::new(None, store).with_rsa_keys(rsa.then(rsa_keys)),
        )),
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
