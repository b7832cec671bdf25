//! TLS on any TCP stream (RFC 5246, RFC 8446): records, handshake messages, alerts, X.509
//! certificates, fingerprints. Describes what is on the wire as [`TlsObserved`] observations.
//!
//! Each direction is read record by record (RFC 8446 5.1 TLSPlaintext); handshake messages
//! are reassembled across records (RFC 8446 5.1: "Handshake messages MAY be coalesced into a
//! single TLSPlaintext record or fragmented across several records"). Once a direction is
//! encrypted (after its ChangeCipherSpec, or after a TLS 1.3 ServerHello) the size of its
//! first [`MAX_ENCRYPTED_RECORDS`] records is noted. Without keys the direction is then
//! done. With the session's secrets from a key log, or for RSA key exchange with the
//! server's RSA private key (recovering the premaster secret at the ClientKeyExchange; see
//! [`crate::proto::decrypt`]) its records are opened: handshake messages and alerts inside
//! are described like clear ones (the TLS 1.3 certificate, an encrypted alert), and
//! application data goes to an inner decoder chosen from its first bytes (HTTP for an RD
//! Gateway, the RDP connection sequence) until that decoder is done or
//! [`MAX_DECRYPTED_BYTES`] have been opened — except for an inner decoder that reads the
//! whole session (RDP: a Set Error Info may come hours in).

use super::decrypt::kdf::{self, Prf, Transcript};
use super::decrypt::rsakey::{self, CertificateKey};
use super::decrypt::suites::{self, KeyExchange, Suite};
use super::decrypt::{DirectionKeys, RsaKey, SharedKeys, Tls12Params};
use super::observation::{Observation, Observed, SharedLog};
use crate::flow::Side;
use crate::flow::consumer::{Chunk, StreamConsumer, Want};
use serde::Serialize;

pub mod cert;
pub mod fingerprint;
pub mod hello;
pub mod names;
pub mod summary;

pub use cert::CertInfo;
pub use hello::{ClientHello, ServerHello};

/// RFC 8446 5.1: a record is at most 2^14 bytes of plaintext; 5.2: a TLSCiphertext at most
/// 2^14 + 256 (RFC 5246 6.2.3: + 2048). Longer length fields are not TLS.
const MAX_RECORD_PAYLOAD: usize = 16_384 + 2_048;
/// Bytes buffered per direction for one record.
const MAX_RECORD_BUFFER: usize = 5 + MAX_RECORD_PAYLOAD;
/// Bytes buffered per direction for one handshake message spread over records.
pub const MAX_HANDSHAKE: usize = 64 * 1024;
/// Encrypted records noted per direction before the decoder stops reading it.
pub const MAX_ENCRYPTED_RECORDS: usize = 8;
/// Messages in clear (handshake messages, alerts, other records) noted per direction; a
/// real handshake has fewer than 10, so more means the stream is not what it seems.
pub const MAX_CLEAR_MESSAGES: usize = 24;

/// Plaintext opened per direction at most (handshake and application data together), unless
/// the inner decoder reads the whole stream ([`StreamConsumer::wants_whole_stream`]).
pub const MAX_DECRYPTED_BYTES: u64 = 1 << 20;

/// Chooses the decoder of decrypted application data from its first bytes and the side
/// that sent them; `None` when no decoder reads that protocol.
pub type InnerFactory =
    fn(stream: u64, log: &SharedLog, first: &[u8], side: Side) -> Option<Box<dyn StreamConsumer>>;

/// RFC 8446 5.1 ContentType.
pub const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CT_ALERT: u8 = 21;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPLICATION_DATA: u8 = 23;
pub const CT_HEARTBEAT: u8 = 24;

/// RFC 7366 encrypt_then_mac extension.
const EXT_ENCRYPT_THEN_MAC: u16 = 22;
/// RFC 7627 extended_master_secret extension.
const EXT_EXTENDED_MASTER_SECRET: u16 = 23;

/// What the TLS decoder saw.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "tls", rename_all = "snake_case")]
pub enum TlsObserved {
    /// RFC 8446 4.1.2 ClientHello.
    ClientHello(Box<ClientHello>),
    /// RFC 8446 4.1.3 ServerHello.
    ServerHello(Box<ServerHello>),
    /// RFC 8446 4.1.4 HelloRetryRequest (a ServerHello with the special random).
    HelloRetryRequest(Box<ServerHello>),
    /// RFC 5246 7.4.2 / RFC 8446 4.4.2 Certificate, sent in clear (TLS ≤ 1.2).
    Certificate {
        certificates: Vec<CertInfo>,
        /// Certificates in the message (more than are described when very long).
        count: usize,
        length: usize,
    },
    /// RFC 5246 7.4.3 ServerKeyExchange; `group` for ECDHE (RFC 8422 5.4 named_curve).
    ServerKeyExchange { length: usize, group: Option<u16> },
    /// RFC 5246 7.4.4 / RFC 8446 4.3.2 CertificateRequest: the server asks for a client
    /// certificate.
    CertificateRequest {
        certificate_types: Vec<u8>,
        certificate_authorities: usize,
    },
    /// RFC 5246 7.4.5 ServerHelloDone.
    ServerHelloDone,
    /// RFC 5246 7.4.7 ClientKeyExchange.
    ClientKeyExchange { length: usize },
    /// Another handshake message sent in clear (RFC 8446 4 HandshakeType).
    Handshake {
        msg_type: u8,
        name: String,
        length: usize,
    },
    /// RFC 5246 7.1 ChangeCipherSpec (in TLS 1.3 only for middlebox compatibility, D.4).
    ChangeCipherSpec,
    /// RFC 8446 6 Alert in clear.
    Alert {
        level: u8,
        level_name: &'static str,
        description: u8,
        description_name: String,
    },
    /// A record after this side started encrypting (RFC 8446 5.2 TLSCiphertext): its content
    /// type (23 in TLS 1.3 for everything; 21 = encrypted alert, 22 = encrypted
    /// handshake in TLS ≤ 1.2) and length. Only the first few per direction.
    EncryptedRecord { content_type: u8, length: u16 },
    /// A TLS record header (RFC 5246 6.2.1) that could not be followed further.
    Unparsed { content_type: u8, length: u16 },
    /// Bytes that are not (or no longer) TLS, or a message that could not be decoded; this
    /// direction is not read further.
    Malformed { offset: u64, reason: String },
    /// Bytes of this direction were not captured: record boundaries are lost, decoding of
    /// the direction stops (the frame is the one after the hole).
    BytesMissing { missing: u64 },
    /// The key log holds this session's secrets (found by ClientHello.random), or the
    /// server's RSA private key recovered the premaster secret from the ClientKeyExchange:
    /// records from here on are opened. `secrets` names the key-log labels used (or `RSA
    /// private key`).
    DecryptionKeys {
        secrets: &'static str,
        cipher_suite: u16,
    },
    /// Key logs were given but none holds this session's ClientHello.random.
    NoSessionKeys,
    /// The session's secrets are known (or could be recovered) but its cipher suite's
    /// records are not opened by this tool (RC4, CCM, Camellia…, or SSL 3.0).
    CipherNotDecrypted { cipher_suite: u16 },
    /// RSA key exchange, but none of the RSA private keys given has the public key of the
    /// server's certificate (`certificate_key`: `RSA 2048-bit`, `EC`, `not seen`…).
    RsaKeyMismatch {
        cipher_suite: u16,
        keys: usize,
        certificate_key: String,
    },
    /// No key log holds this session and the RSA private keys given cannot open it: its
    /// key exchange (`ECDHE`, `DHE`, TLS 1.3) is ephemeral — only a key log can.
    RsaKeyNotUsable {
        cipher_suite: u16,
        key_exchange: &'static str,
    },
    /// An abbreviated handshake (session resumption, RFC 5246 7.3) with no key log entry:
    /// the master secret was agreed in an earlier session, which the RSA key cannot recover.
    SessionResumed { cipher_suite: u16 },
    /// A record of this direction did not open (wrong secrets, or missing records); the
    /// direction is not decrypted further.
    DecryptionFailed { offset: u64, reason: String },
}

#[derive(Default)]
struct Direction {
    /// Bytes of the record being assembled.
    buf: Vec<u8>,
    /// Handshake message bytes spread over records.
    hs: Vec<u8>,
    /// Stream offset (from the first TLS byte) of `buf[0]`.
    offset: u64,
    /// This side sent ChangeCipherSpec (or TLS 1.3 encrypts from here on).
    encrypted: bool,
    encrypted_records: usize,
    clear_messages: usize,
    done: bool,
    /// Keys opening this direction's records (active once it encrypts).
    keys: Option<DirectionKeys>,
    /// Keys that take over: TLS 1.2 at this side's ChangeCipherSpec; TLS 1.3 the
    /// application traffic keys, after this side's Finished.
    next_keys: Option<DirectionKeys>,
    /// A handshake message inside the record just opened changes the keys after it
    /// (TLS 1.3 Finished or KeyUpdate, RFC 8446 5.1: they end a record's key epoch).
    switch_keys: KeySwitch,
    /// Plaintext opened so far.
    decrypted: u64,
    /// Application data handed to the inner decoder so far.
    app_offset: u64,
    /// The inner decoder said it wants nothing more of this side.
    inner_done: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum KeySwitch {
    #[default]
    None,
    Next,
    Update,
}

/// Decodes the TLS byte stream of both directions of one connection.
pub struct TlsDecoder {
    stream: u64,
    log: SharedLog,
    client: Direction,
    server: Direction,
    /// Version the ServerHello selected.
    version: Option<u16>,
    /// Time of the last delivery (for observations made on a gap, which has no time).
    last_ts: crate::capture::Timestamp,
    /// Session secrets to decrypt with, if any were given.
    keys: Option<SharedKeys>,
    client_random: Option<[u8; 32]>,
    /// Decoder of the decrypted application data, chosen from its first bytes.
    inner: Option<Box<dyn StreamConsumer>>,
    inner_factory: Option<InnerFactory>,
    /// The inner decoder was chosen (or none fits): do not ask again.
    inner_chosen: bool,
    /// The ClientHello offered encrypt_then_mac (RFC 7366) / extended_master_secret (RFC 7627).
    client_etm: bool,
    client_ems: bool,
    /// Handshake messages hashed for the extended master secret (RFC 7627 3), kept only when
    /// an RSA key may open the session.
    transcript: Option<Transcript>,
    /// An RSA key-exchange session waiting for the server's certificate and the
    /// ClientKeyExchange to be opened with the server's private key.
    rsa: Option<RsaSession>,
    /// The ClientHello's session ID and session ticket (RFC 5077 3.2), to find a resumed
    /// session's master secret.
    client_session_id: Vec<u8>,
    client_ticket: Vec<u8>,
    /// The master secret recovered with an RSA key, until the server's NewSessionTicket
    /// (RFC 5077 3.3) has been seen.
    rsa_master: Option<Vec<u8>>,
}

/// What opening a `TLS_RSA_*` session with the server's private key needs, gathered from the
/// ServerHello (and the key matching the certificate, once seen).
struct RsaSession {
    suite: Suite,
    params: Tls12Params,
    prf: Prf,
    /// Both hellos carried extended_master_secret.
    ems: bool,
    server_random: [u8; 32],
    /// The ServerHello's session ID (remembered with the master secret).
    session_id: Vec<u8>,
    key: Option<RsaKey>,
    /// The server certificate's key when no RSA key given matched it (the key log's `RSA`
    /// lines may still hold the premaster secret).
    unmatched: Option<String>,
}

impl TlsDecoder {
    pub fn new(stream: u64, log: SharedLog) -> Self {
        TlsDecoder {
            stream,
            log,
            client: Direction::default(),
            server: Direction::default(),
            version: None,
            last_ts: crate::capture::Timestamp::default(),
            keys: None,
            client_random: None,
            inner: None,
            inner_factory: None,
            inner_chosen: false,
            client_etm: false,
            client_ems: false,
            transcript: None,
            rsa: None,
            client_session_id: Vec::new(),
            client_ticket: Vec::new(),
            rsa_master: None,
        }
    }

    /// A decoder that decrypts with `keys` and hands application data to the decoder
    /// `inner_factory` chooses.
    pub fn with_keys(
        stream: u64,
        log: SharedLog,
        keys: Option<SharedKeys>,
        inner_factory: Option<InnerFactory>,
    ) -> Self {
        TlsDecoder {
            keys: keys.filter(|k| !k.is_empty()),
            inner_factory,
            ..TlsDecoder::new(stream, log)
        }
    }

    fn record(&mut self, side: Side, chunk: &Chunk, what: TlsObserved) {
        if !matches!(
            what,
            TlsObserved::EncryptedRecord { .. }
                | TlsObserved::Malformed { .. }
                | TlsObserved::BytesMissing { .. }
        ) {
            let d = self.dir(side);
            d.clear_messages += 1;
            if d.clear_messages > MAX_CLEAR_MESSAGES {
                d.done = true;
                return;
            }
        }
        self.log.borrow_mut().record(
            self.stream,
            Observation {
                frame: chunk.frame,
                ts: chunk.ts,
                from: side,
                what: Observed::Tls(Box::new(what)),
            },
        );
    }

    fn dir(&mut self, side: Side) -> &mut Direction {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    fn malformed(&mut self, side: Side, chunk: &Chunk, offset: u64, reason: String) {
        self.record(side, chunk, TlsObserved::Malformed { offset, reason });
        let d = self.dir(side);
        d.done = true;
        d.buf = Vec::new();
        d.hs = Vec::new();
    }

    /// Decodes every complete record in this direction's buffer.
    fn records(&mut self, side: Side, chunk: &Chunk) {
        loop {
            let d = self.dir(side);
            if d.done || d.buf.len() < 5 {
                return;
            }
            let (ct, major, len) = (
                d.buf[0],
                d.buf[1],
                usize::from(u16::from_be_bytes([d.buf[3], d.buf[4]])),
            );
            let offset = d.offset;
            if !(CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&ct) || major != 3 {
                let reason = if ct == 3 && major == 0 {
                    // RFC 1006 TPKT: the peer went back to clear-text RDP (e.g. xrdp's MCS
                    // Disconnect Provider Ultimatum after a failed TLS handshake).
                    "a clear-text TPKT (RDP) record instead of a TLS record".to_string()
                } else {
                    format!(
                        "not a TLS record header: {:02x} {:02x} {:02x}",
                        ct, major, d.buf[2]
                    )
                };
                self.malformed(side, chunk, offset, reason);
                return;
            }
            if len > MAX_RECORD_PAYLOAD {
                self.malformed(
                    side,
                    chunk,
                    offset,
                    format!("record length {len} exceeds 2^14 + 2048"),
                );
                return;
            }
            if d.buf.len() < 5 + len {
                return;
            }
            let version = [d.buf[1], d.buf[2]];
            let payload: Vec<u8> = d.buf[5..5 + len].to_vec();
            d.buf.drain(..5 + len);
            d.offset += (5 + len) as u64;
            self.one_record(side, chunk, ct, version, &payload, offset);
        }
    }

    /// RFC 8446 5.1 TLSPlaintext / 5.2 TLSCiphertext.
    fn one_record(
        &mut self,
        side: Side,
        chunk: &Chunk,
        ct: u8,
        version: [u8; 2],
        payload: &[u8],
        offset: u64,
    ) {
        let encrypted = self.dir(side).encrypted;
        if ct == CT_APPLICATION_DATA
            || (encrypted && ct != CT_CHANGE_CIPHER_SPEC && ct != CT_HEARTBEAT)
        {
            let d = self.dir(side);
            d.encrypted_records += 1;
            let noted = d.encrypted_records <= MAX_ENCRYPTED_RECORDS;
            if noted {
                self.record(
                    side,
                    chunk,
                    TlsObserved::EncryptedRecord {
                        content_type: ct,
                        length: payload.len() as u16,
                    },
                );
            }
            let decrypting = self.open_record(side, chunk, ct, version, payload, offset);
            let d = self.dir(side);
            if !decrypting && d.encrypted_records >= MAX_ENCRYPTED_RECORDS {
                d.done = true;
            }
            return;
        }
        match ct {
            CT_CHANGE_CIPHER_SPEC => {
                self.record(side, chunk, TlsObserved::ChangeCipherSpec);
                if side == Side::Server {
                    self.rsa_resumed(side, chunk);
                }
                let d = self.dir(side);
                // TLS 1.3 sends CCS only for middlebox compatibility (RFC 8446 D.4): its
                // keys are already in place.
                if !d.encrypted && d.keys.is_none() {
                    d.keys = d.next_keys.take();
                }
                d.encrypted = true;
            }
            CT_ALERT => self.alert_record(side, chunk, payload, offset),
            CT_HANDSHAKE => self.handshake_bytes(side, chunk, payload, offset),
            _ => self.record(
                side,
                chunk,
                TlsObserved::Unparsed {
                    content_type: ct,
                    length: payload.len() as u16,
                },
            ),
        }
    }

    /// RFC 8446 6 Alert records (in clear, or opened).
    fn alert_record(&mut self, side: Side, chunk: &Chunk, payload: &[u8], offset: u64) {
        if payload.is_empty() || !payload.len().is_multiple_of(2) {
            self.malformed(
                side,
                chunk,
                offset,
                format!("alert record of {} bytes", payload.len()),
            );
            return;
        }
        for a in payload.chunks_exact(2).take(4) {
            self.record(
                side,
                chunk,
                TlsObserved::Alert {
                    level: a[0],
                    level_name: names::alert_level_name(a[0]),
                    description: a[1],
                    description_name: names::alert_name(a[1]),
                },
            );
        }
    }

    /// Opens a protected record when this direction has keys and still wants plaintext;
    /// returns whether the direction is still being decrypted.
    fn open_record(
        &mut self,
        side: Side,
        chunk: &Chunk,
        ct: u8,
        version: [u8; 2],
        payload: &[u8],
        offset: u64,
    ) -> bool {
        let d = self.dir(side);
        let Some(keys) = d.keys.as_mut() else {
            return false;
        };
        let opened = match keys.open(ct, version, payload) {
            Ok(opened) => opened,
            Err(e) => {
                d.keys = None;
                d.next_keys = None;
                self.record(
                    side,
                    chunk,
                    TlsObserved::DecryptionFailed {
                        offset,
                        reason: e.to_string(),
                    },
                );
                return false;
            }
        };
        d.decrypted += opened.plaintext.len() as u64;
        match opened.content_type {
            CT_HANDSHAKE => self.handshake_bytes(side, chunk, &opened.plaintext, offset),
            CT_ALERT => self.alert_record(side, chunk, &opened.plaintext, offset),
            CT_APPLICATION_DATA => self.application_data(side, chunk, &opened.plaintext),
            other => self.record(
                side,
                chunk,
                TlsObserved::Unparsed {
                    content_type: other,
                    length: opened.plaintext.len() as u16,
                },
            ),
        }
        let d = self.dir(side);
        match std::mem::take(&mut d.switch_keys) {
            KeySwitch::None => {}
            KeySwitch::Next => d.keys = d.next_keys.take(),
            KeySwitch::Update => d.keys = d.keys.as_ref().and_then(DirectionKeys::key_update),
        }
        let handshake_keys_pending = d.next_keys.is_some();
        let uncapped = !d.inner_done
            && self
                .inner
                .as_ref()
                .is_some_and(|inner| inner.wants_whole_stream());
        let d = self.dir(side);
        d.keys.is_some()
            && !d.done
            && (d.decrypted < MAX_DECRYPTED_BYTES || uncapped)
            && (handshake_keys_pending || !d.inner_done)
    }

    /// Decrypted application data: to the inner decoder, chosen by the first bytes.
    fn application_data(&mut self, side: Side, chunk: &Chunk, plaintext: &[u8]) {
        if plaintext.is_empty() || self.dir(side).inner_done {
            return;
        }
        if !self.inner_chosen {
            self.inner_chosen = true;
            self.inner = self
                .inner_factory
                .and_then(|f| f(self.stream, &self.log, plaintext, side));
        }
        let d = self.dir(side);
        let stream_offset = d.app_offset;
        d.app_offset += plaintext.len() as u64;
        let Some(inner) = self.inner.as_mut() else {
            self.dir(side).inner_done = true;
            return;
        };
        let inner_chunk = Chunk {
            frame: chunk.frame,
            ts: chunk.ts,
            stream_offset,
        };
        if inner.data(side, plaintext, inner_chunk) == Want::Done {
            self.dir(side).inner_done = true;
        }
    }

    /// After both hellos: looks the session up in the key log and prepares each
    /// direction's keys (RDP-FACTS §7.2, §7.3); without a key-log entry, an RSA key-exchange
    /// session waits for the ClientKeyExchange when RSA private keys were given. Says why
    /// when the session cannot be opened.
    fn prepare_keys(
        &mut self,
        side: Side,
        chunk: &Chunk,
        server_random: [u8; 32],
        hello: &ServerHello,
        session_id: Vec<u8>,
    ) {
        let transcript = self.transcript.take();
        let (Some(keys), Some(client_random)) = (self.keys.clone(), self.client_random) else {
            return;
        };
        let version = hello.version();
        let cipher_suite = hello.cipher_suite;
        let tls13 = version == 0x0304 || version >> 8 == 0x7f;
        let not_opened = TlsObserved::CipherNotDecrypted { cipher_suite };
        let logged = keys.lookup(&client_random).filter(|s| {
            if tls13 {
                s.client_handshake.is_some() && s.server_handshake.is_some()
            } else {
                s.master_secret.is_some()
            }
        });
        // TLS 1.0 to 1.2 (SSL 3.0's MAC and PRF differ and are not implemented).
        let suite = suites::suite(cipher_suite)
            .filter(|s| s.tls13 == tls13 && (tls13 || (0x0301..=0x0303).contains(&version)));
        let params = Tls12Params {
            version,
            encrypt_then_mac: self.client_etm && hello.extensions.contains(&EXT_ENCRYPT_THEN_MAC),
        };
        if let Some(secrets) = logged {
            let Some(suite) = suite else {
                return self.record(side, chunk, not_opened);
            };
            let labels = if tls13 {
                let key =
                    |s: &Option<Vec<u8>>| s.as_deref().and_then(|s| DirectionKeys::tls13(suite, s));
                let (Some(ch), Some(sh)) = (
                    key(&secrets.client_handshake),
                    key(&secrets.server_handshake),
                ) else {
                    return self.record(side, chunk, TlsObserved::NoSessionKeys);
                };
                self.client.keys = Some(ch);
                self.server.keys = Some(sh);
                self.client.next_keys = key(&secrets.client_traffic);
                self.server.next_keys = key(&secrets.server_traffic);
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0"
            } else {
                let Some((c, s)) = secrets.master_secret.as_deref().and_then(|m| {
                    DirectionKeys::tls12(suite, params, m, &client_random, &server_random)
                }) else {
                    return self.record(side, chunk, not_opened);
                };
                self.client.next_keys = Some(c);
                self.server.next_keys = Some(s);
                "CLIENT_RANDOM"
            };
            return self.record(
                side,
                chunk,
                TlsObserved::DecryptionKeys {
                    secrets: labels,
                    cipher_suite,
                },
            );
        }
        if keys.rsa_keys().is_some() || keys.has_premasters() {
            let kex = if tls13 {
                Some(KeyExchange::Tls13)
            } else {
                suites::key_exchange(cipher_suite)
            };
            if kex != Some(KeyExchange::Rsa) && keys.rsa_keys().is_none() {
                return self.record(side, chunk, TlsObserved::NoSessionKeys);
            }
            if kex != Some(KeyExchange::Rsa) {
                return self.record(
                    side,
                    chunk,
                    TlsObserved::RsaKeyNotUsable {
                        cipher_suite,
                        key_exchange: kex.map_or("not RSA", KeyExchange::name),
                    },
                );
            }
            let Some(suite) = suite else {
                return self.record(side, chunk, not_opened);
            };
            // RFC 5246 7.4.1.3 / RFC 5077 3.4: the server echoes the client's session ID
            // when it resumes; the master secret is then the earlier session's.
            let resumed = (!session_id.is_empty() && session_id == self.client_session_id)
                .then(|| {
                    keys.resumed_session(&self.client_ticket)
                        .or_else(|| keys.resumed_session(&session_id))
                })
                .flatten();
            if let Some(master) = resumed {
                let Some((c, s)) =
                    DirectionKeys::tls12(suite, params, &master, &client_random, &server_random)
                else {
                    return self.record(side, chunk, not_opened);
                };
                self.client.next_keys = Some(c);
                self.server.next_keys = Some(s);
                return self.record(
                    side,
                    chunk,
                    TlsObserved::DecryptionKeys {
                        secrets: "RSA private key (session resumed from earlier in the capture)",
                        cipher_suite,
                    },
                );
            }
            let prf = Prf::for_version(version, suite.hash);
            let ems = self.client_ems && hello.extensions.contains(&EXT_EXTENDED_MASTER_SECRET);
            if ems {
                self.transcript = transcript.map(|mut t| {
                    t.choose(prf);
                    t
                });
            }
            self.rsa = Some(RsaSession {
                suite,
                params,
                prf,
                ems,
                server_random,
                session_id,
                key: None,
                unmatched: None,
            });
            return;
        }
        self.record(side, chunk, TlsObserved::NoSessionKeys);
    }

    /// The server's Certificate of an RSA key-exchange session: finds the private key with
    /// its public modulus, or says that none matches.
    fn rsa_certificate(&mut self, side: Side, chunk: &Chunk, body: &[u8]) {
        let Some(session) = self.rsa.as_mut() else {
            return;
        };
        if session.key.is_some() {
            return;
        }
        let certificate = leaf_certificate(body)
            .map_or(CertificateKey::Unreadable, CertificateKey::of_certificate);
        let keys = self.keys.clone();
        let rsa_keys = keys.as_ref().and_then(|k| k.rsa_keys());
        let found = match (&certificate, rsa_keys) {
            (CertificateKey::Rsa(modulus), Some(rsa_keys)) => rsa_keys.find(modulus).cloned(),
            _ => None,
        };
        match found {
            Some(key) => session.key = Some(key),
            None if keys.as_ref().is_some_and(|k| k.has_premasters()) => {
                session.unmatched = Some(certificate.describe());
            }
            None => {
                let cipher_suite = session.suite.id;
                self.rsa = None;
                self.transcript = None;
                self.record(
                    side,
                    chunk,
                    TlsObserved::RsaKeyMismatch {
                        cipher_suite,
                        keys: rsa_keys.map_or(0, |k| k.len()),
                        certificate_key: certificate.describe(),
                    },
                );
            }
        }
    }

    /// The ClientKeyExchange of an RSA key-exchange session: the server's private key
    /// recovers the premaster secret (RFC 5246 7.4.7.1), then the master secret (RFC 5246
    /// 8.1, or RFC 7627 4 over the transcript so far) and each direction's keys, which take
    /// over at that side's ChangeCipherSpec.
    fn rsa_client_key_exchange(&mut self, side: Side, chunk: &Chunk, body: &[u8], offset: u64) {
        let Some(session) = self.rsa.take() else {
            return;
        };
        let transcript = self.transcript.take();
        let Some(client_random) = self.client_random else {
            return;
        };
        let cipher_suite = session.suite.id;
        // A key log's `RSA` line, found by the first 8 bytes of the encrypted premaster.
        let logged = rsakey::encrypted_premaster(body)
            .get(..8)
            .and_then(|p| <[u8; 8]>::try_from(p).ok())
            .and_then(|p| self.keys.as_ref()?.premaster(&p));
        let (premaster, from_log) = match (logged, &session.key) {
            (Some(p), _) => (p, true),
            (None, Some(key)) => match rsakey::decrypt_premaster(key, body) {
                Ok(p) => (p, false),
                Err(e) => {
                    return self.record(
                        side,
                        chunk,
                        TlsObserved::DecryptionFailed {
                            offset,
                            reason: e.to_string(),
                        },
                    );
                }
            },
            (None, None) => {
                let Some(keys) = self
                    .keys
                    .as_ref()
                    .and_then(|k| k.rsa_keys())
                    .map(|k| k.len())
                else {
                    return self.record(side, chunk, TlsObserved::NoSessionKeys);
                };
                // No key matched the certificate, or the certificate was not seen (the
                // capture started later).
                return self.record(
                    side,
                    chunk,
                    TlsObserved::RsaKeyMismatch {
                        cipher_suite,
                        keys,
                        certificate_key: session.unmatched.unwrap_or_else(|| "not seen".into()),
                    },
                );
            }
        };
        let master = if session.ems {
            let Some(hash) = transcript.as_ref().and_then(Transcript::session_hash) else {
                return self.record(
                    side,
                    chunk,
                    TlsObserved::DecryptionFailed {
                        offset,
                        reason: "the handshake messages for the extended master secret were not all seen".into(),
                    },
                );
            };
            kdf::extended_master_secret(session.prf, &premaster, &hash)
        } else {
            kdf::master_secret(
                session.prf,
                &premaster,
                &client_random,
                &session.server_random,
            )
        };
        let Some((c, s)) = DirectionKeys::tls12(
            session.suite,
            session.params,
            &master,
            &client_random,
            &session.server_random,
        ) else {
            return self.record(
                side,
                chunk,
                TlsObserved::CipherNotDecrypted { cipher_suite },
            );
        };
        self.client.next_keys = Some(c);
        self.server.next_keys = Some(s);
        if let Some(keys) = &self.keys {
            keys.remember_session(&session.session_id, &master);
        }
        self.rsa_master = Some(master.to_vec());
        self.record(
            side,
            chunk,
            TlsObserved::DecryptionKeys {
                secrets: match (from_log, session.ems) {
                    (false, true) => "RSA private key (extended master secret)",
                    (false, false) => "RSA private key",
                    (true, true) => "RSA (premaster secret; extended master secret)",
                    (true, false) => "RSA (premaster secret)",
                },
                cipher_suite,
            },
        );
    }

    /// The server's ChangeCipherSpec before any ClientKeyExchange: an abbreviated handshake
    /// (RFC 5246 7.3), whose master secret the RSA key cannot recover.
    fn rsa_resumed(&mut self, side: Side, chunk: &Chunk) {
        if let Some(session) = self.rsa.take() {
            self.transcript = None;
            self.record(
                side,
                chunk,
                TlsObserved::SessionResumed {
                    cipher_suite: session.suite.id,
                },
            );
        }
    }

    fn handshake_bytes(&mut self, side: Side, chunk: &Chunk, payload: &[u8], offset: u64) {
        let d = self.dir(side);
        if d.hs.len() + payload.len() > MAX_HANDSHAKE {
            self.malformed(
                side,
                chunk,
                offset,
                "handshake message longer than 64 KiB".into(),
            );
            return;
        }
        d.hs.extend_from_slice(payload);
        loop {
            let d = self.dir(side);
            if d.done || d.hs.len() < 4 {
                return;
            }
            let len =
                (usize::from(d.hs[1]) << 16) | (usize::from(d.hs[2]) << 8) | usize::from(d.hs[3]);
            if 4 + len > MAX_HANDSHAKE {
                self.malformed(
                    side,
                    chunk,
                    offset,
                    format!("handshake message of {len} bytes (more than 64 KiB)"),
                );
                return;
            }
            if d.hs.len() < 4 + len {
                return;
            }
            let msg: Vec<u8> = d.hs.drain(..4 + len).collect();
            self.handshake_message(side, chunk, &msg, offset);
        }
    }

    /// RFC 8446 4 Handshake { msg_type, length, body }.
    fn handshake_message(&mut self, side: Side, chunk: &Chunk, msg: &[u8], offset: u64) {
        let body = &msg[4..];
        if msg[0] == 1
            && side == Side::Client
            && self.client_random.is_none()
            && self
                .keys
                .as_ref()
                .is_some_and(|k| k.rsa_keys().is_some() || k.has_premasters())
        {
            self.transcript = Some(Transcript::default());
        }
        // RFC 7627 3: every handshake message but HelloRequest, headers included.
        if msg[0] != 0
            && let Some(t) = self.transcript.as_mut()
        {
            t.update(msg);
        }
        // RFC 8446 4.1.2 / 4.1.3: legacy_version (2 bytes), then the 32-byte random.
        let random = || -> Option<[u8; 32]> { body.get(2..34)?.try_into().ok() };
        let tls13 = self.version == Some(0x0304);
        let what = match msg[0] {
            1 => match hello::parse_client_hello(msg) {
                Ok(h) => {
                    if side == Side::Client && self.client_random.is_none() {
                        self.client_random = random();
                        self.client_etm = h.extensions.contains(&EXT_ENCRYPT_THEN_MAC);
                        self.client_ems = h.extensions.contains(&EXT_EXTENDED_MASTER_SECRET);
                        (self.client_session_id, self.client_ticket) =
                            client_session(body).unwrap_or_default();
                    }
                    TlsObserved::ClientHello(Box::new(h))
                }
                Err(e) => return self.malformed(side, chunk, offset, e.0),
            },
            2 => match hello::parse_server_hello(msg) {
                Ok((h, true)) => TlsObserved::HelloRetryRequest(Box::new(h)),
                Ok((h, false)) => {
                    let v = h.version();
                    self.version = Some(v);
                    if v == 0x0304 || v >> 8 == 0x7f {
                        // RFC 8446 2: everything after the ServerHello is encrypted.
                        self.server.encrypted = true;
                    }
                    let server_random = random();
                    self.record(side, chunk, TlsObserved::ServerHello(Box::new(h.clone())));
                    if let Some(server_random) = server_random {
                        let session_id = hello_session_id(body).unwrap_or_default();
                        self.prepare_keys(side, chunk, server_random, &h, session_id);
                    }
                    return;
                }
                Err(e) => return self.malformed(side, chunk, offset, e.0),
            },
            // RFC 8446 4.4.4 Finished ends a side's handshake keys; 4.6.3 KeyUpdate
            // replaces its application keys.
            20 if tls13 => {
                self.dir(side).switch_keys = KeySwitch::Next;
                TlsObserved::Handshake {
                    msg_type: 20,
                    name: names::handshake_name(20),
                    length: body.len(),
                }
            }
            24 if tls13 => {
                self.dir(side).switch_keys = KeySwitch::Update;
                TlsObserved::Handshake {
                    msg_type: 24,
                    name: names::handshake_name(24),
                    length: body.len(),
                }
            }
            11 if tls13 => match certificate_list_tls13(body) {
                Some((count, certificates)) => TlsObserved::Certificate {
                    certificates,
                    count,
                    length: body.len(),
                },
                None => {
                    return self.malformed(side, chunk, offset, "Certificate: bad lengths".into());
                }
            },
            11 => match certificate_list(body) {
                Some((count, certificates)) => TlsObserved::Certificate {
                    certificates,
                    count,
                    length: body.len(),
                },
                None => {
                    return self.malformed(side, chunk, offset, "Certificate: bad lengths".into());
                }
            },
            12 => TlsObserved::ServerKeyExchange {
                length: body.len(),
                // RFC 8422 5.4 ServerECDHParams: curve_type named_curve (3), NamedCurve.
                group: match body {
                    [3, a, b, ..] => Some(u16::from_be_bytes([*a, *b])),
                    _ => None,
                },
            },
            13 => {
                let types = body
                    .first()
                    .and_then(|&n| body.get(1..1 + usize::from(n)))
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
                TlsObserved::CertificateRequest {
                    certificate_authorities: certificate_request_cas(body),
                    certificate_types: types,
                }
            }
            14 => TlsObserved::ServerHelloDone,
            16 => TlsObserved::ClientKeyExchange { length: body.len() },
            t => TlsObserved::Handshake {
                msg_type: t,
                name: names::handshake_name(t),
                length: body.len(),
            },
        };
        self.record(side, chunk, what);
        match msg[0] {
            // RFC 5077 3.3 NewSessionTicket { lifetime_hint u32; opaque ticket<0..2^16-1> }.
            4 if !tls13 && side == Side::Server => {
                if let (Some(master), Some(keys), Some(ticket)) =
                    (self.rsa_master.take(), &self.keys, body.get(6..))
                {
                    keys.remember_session(ticket, &master);
                }
            }
            11 if !tls13 && side == Side::Server => self.rsa_certificate(side, chunk, body),
            16 if side == Side::Client => self.rsa_client_key_exchange(side, chunk, body, offset),
            _ => {}
        }
    }
}

/// The session ID of a ClientHello or ServerHello body (RFC 5246 7.4.1.2 / 7.4.1.3:
/// version, random, `SessionID session_id<0..32>`).
fn hello_session_id(body: &[u8]) -> Option<Vec<u8>> {
    let len = usize::from(*body.get(34)?);
    Some(body.get(35..35 + len.min(32))?.to_vec())
}

/// A ClientHello body's session ID and the content of its session_ticket extension (RFC
/// 5077 3.2; empty when absent).
fn client_session(body: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let session_id = hello_session_id(body)?;
    let u16_at = |at: usize| -> Option<usize> {
        let b = body.get(at..at + 2)?;
        Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let mut at = 35 + usize::from(body[34]);
    at += 2 + u16_at(at)?; // cipher_suites
    at += 1 + usize::from(*body.get(at)?); // compression_methods
    let end = (at + 2 + u16_at(at)?).min(body.len());
    at += 2;
    while at + 4 <= end {
        let (t, len) = (u16_at(at)?, u16_at(at + 2)?);
        if t == 35 {
            return Some((session_id, body.get(at + 4..at + 4 + len)?.to_vec()));
        }
        at += 4 + len;
    }
    Some((session_id, Vec::new()))
}

/// The first certificate (the server's own) of a TLS ≤ 1.2 Certificate body (RFC 5246
/// 7.4.2), as DER.
fn leaf_certificate(body: &[u8]) -> Option<&[u8]> {
    let u24 = |b: &[u8]| -> Option<usize> {
        let s = b.get(..3)?;
        Some((usize::from(s[0]) << 16) | (usize::from(s[1]) << 8) | usize::from(s[2]))
    };
    let list = body.get(3..3 + u24(body)?)?;
    list.get(3..3 + u24(list)?)
}

/// RFC 5246 7.4.2 `ASN.1Cert certificate_list<0..2^24-1>` (TLS ≤ 1.2), or the RFC 8446 4.4.2
/// layout (request context, then CertificateEntry with extensions) when the body starts with
/// a context length byte that fits. Returns the number of certificates and their
/// descriptions.
pub fn certificate_list(body: &[u8]) -> Option<(usize, Vec<CertInfo>)> {
    let u24 = |b: &[u8], at: usize| -> Option<usize> {
        let s = b.get(at..at + 3)?;
        Some((usize::from(s[0]) << 16) | (usize::from(s[1]) << 8) | usize::from(s[2]))
    };
    let total = u24(body, 0)?;
    let list = body.get(3..3 + total)?;
    let mut ders: Vec<&[u8]> = Vec::new();
    let mut at = 0;
    let mut count = 0;
    while at < list.len() {
        let len = u24(list, at)?;
        let der = list.get(at + 3..at + 3 + len)?;
        count += 1;
        if ders.len() < cert::MAX_CERTIFICATES {
            ders.push(der);
        }
        at += 3 + len;
    }
    Some((count, cert::describe_chain(ders.into_iter())))
}

/// RFC 8446 4.4.2 Certificate (TLS 1.3): `opaque certificate_request_context<0..2^8-1>;
/// CertificateEntry certificate_list<0..2^24-1>` where each entry is `cert_data<1..2^24-1>`
/// followed by `Extension extensions<0..2^16-1>`. Only seen in clear when decrypted.
pub fn certificate_list_tls13(body: &[u8]) -> Option<(usize, Vec<CertInfo>)> {
    let ctx = usize::from(*body.first()?);
    let rest = body.get(1 + ctx..)?;
    let u24 = |b: &[u8], at: usize| -> Option<usize> {
        let s = b.get(at..at + 3)?;
        Some((usize::from(s[0]) << 16) | (usize::from(s[1]) << 8) | usize::from(s[2]))
    };
    let total = u24(rest, 0)?;
    let list = rest.get(3..3 + total)?;
    let mut ders: Vec<&[u8]> = Vec::new();
    let (mut at, mut count) = (0, 0);
    while at < list.len() {
        let len = u24(list, at)?;
        let der = list.get(at + 3..at + 3 + len)?;
        at += 3 + len;
        let ext = list.get(at..at + 2)?;
        at += 2 + usize::from(u16::from_be_bytes([ext[0], ext[1]]));
        if at > list.len() {
            return None;
        }
        count += 1;
        if ders.len() < cert::MAX_CERTIFICATES {
            ders.push(der);
        }
    }
    Some((count, cert::describe_chain(ders.into_iter())))
}

/// RFC 5246 7.4.4 CertificateRequest: number of `DistinguishedName certificate_authorities`.
fn certificate_request_cas(body: &[u8]) -> usize {
    let Some(&ntypes) = body.first() else {
        return 0;
    };
    let mut at = 1 + usize::from(ntypes);
    // TLS 1.2 adds supported_signature_algorithms<2..2^16-2>.
    let Some(s) = body.get(at..at + 2) else {
        return 0;
    };
    let siglen = usize::from(u16::from_be_bytes([s[0], s[1]]));
    at += 2 + siglen;
    let Some(c) = body.get(at..at + 2) else {
        return 0;
    };
    let total = usize::from(u16::from_be_bytes([c[0], c[1]]));
    let Some(mut list) = body.get(at + 2..at + 2 + total) else {
        return 0;
    };
    let mut n = 0;
    while list.len() >= 2 {
        let l = usize::from(u16::from_be_bytes([list[0], list[1]]));
        let Some(rest) = list.get(2 + l..) else {
            break;
        };
        n += 1;
        list = rest;
    }
    n
}

impl StreamConsumer for TlsDecoder {
    fn data(&mut self, side: Side, bytes: &[u8], chunk: Chunk) -> Want {
        self.last_ts = chunk.ts;
        let mut input = bytes;
        while !input.is_empty() {
            let d = self.dir(side);
            if d.done {
                break;
            }
            let room = MAX_RECORD_BUFFER - d.buf.len();
            let take = room.min(input.len());
            d.buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            self.records(side, &chunk);
        }
        let d = self.dir(side);
        if d.done {
            d.buf = Vec::new();
            d.hs = Vec::new();
            Want::Done
        } else {
            Want::More
        }
    }

    fn gap(&mut self, side: Side, missing: u64, frame: u64) -> Want {
        // Record boundaries are lost with the missing bytes.
        if !self.dir(side).done {
            let chunk = Chunk {
                frame,
                ts: self.last_ts,
                stream_offset: 0,
            };
            self.record(side, &chunk, TlsObserved::BytesMissing { missing });
        }
        let d = self.dir(side);
        d.done = true;
        d.buf = Vec::new();
        d.hs = Vec::new();
        Want::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::proto::observation::ObservationLog;
    use std::cell::RefCell;
    use std::rc::Rc;

    fn chunk(frame: u64) -> Chunk {
        Chunk {
            frame,
            ts: Timestamp(0),
            stream_offset: 0,
        }
    }

    fn tls(log: &SharedLog) -> Vec<TlsObserved> {
        log.borrow()
            .by_stream
            .get(&0)
            .map(|v| {
                v.iter()
                    .filter_map(|o| match &o.what {
                        Observed::Tls(t) => Some((**t).clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn alert_split_over_segments_and_garbage() {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = TlsDecoder::new(0, log.clone());
        assert_eq!(d.data(Side::Server, &[21, 3, 3], chunk(5)), Want::More);
        assert_eq!(d.data(Side::Server, &[0, 2, 2], chunk(6)), Want::More);
        assert_eq!(d.data(Side::Server, &[40], chunk(7)), Want::More);
        assert_eq!(
            d.data(Side::Server, b"GET / HTTP/1.1", chunk(8)),
            Want::Done
        );
        let seen = tls(&log);
        assert!(matches!(
            seen[0],
            TlsObserved::Alert {
                level: 2,
                description: 40,
                ..
            }
        ));
        assert!(matches!(seen[1], TlsObserved::Malformed { offset: 7, .. }));
        let json = serde_json::to_string(&log.borrow().by_stream).unwrap();
        assert!(json.contains(r#""type":"tls","tls":"alert""#), "{json}");
        assert_eq!(log.borrow().by_stream[&0][0].frame, 7);
    }

    #[test]
    fn handshake_message_across_many_records() {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = TlsDecoder::new(0, log.clone());
        // A 2000-byte unknown handshake message (type 99) cut into one-byte records.
        let mut msg = vec![99, 0, 0x07, 0xd0];
        msg.extend(std::iter::repeat_n(0xab, 2000));
        for (i, b) in msg.iter().enumerate() {
            d.data(Side::Client, &[22, 3, 3, 0, 1, *b], chunk(i as u64 + 1));
        }
        let seen = tls(&log);
        assert_eq!(seen.len(), 1);
        assert!(matches!(
            &seen[0],
            TlsObserved::Handshake {
                msg_type: 99,
                length: 2000,
                ..
            }
        ));
        assert_eq!(log.borrow().by_stream[&0][0].frame, 2004);
    }

    #[test]
    fn oversized_lengths_stop_without_allocating() {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = TlsDecoder::new(0, log.clone());
        assert_eq!(
            d.data(Side::Client, &[22, 3, 1, 0xff, 0xff], chunk(1)),
            Want::Done
        );
        let mut d = TlsDecoder::new(0, log.clone());
        assert_eq!(
            d.data(
                Side::Client,
                &[22, 3, 1, 0, 4, 11, 0xff, 0xff, 0xff],
                chunk(1)
            ),
            Want::Done
        );
        assert_eq!(tls(&log).len(), 2);
    }

    #[test]
    fn a_flood_of_clear_messages_stops_the_direction() {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = TlsDecoder::new(0, log.clone());
        let mut want = Want::More;
        for i in 0..100 {
            // HelloRequest (RFC 5246 7.4.1.1), four bytes each.
            want = d.data(Side::Server, &[22, 3, 3, 0, 4, 0, 0, 0, 0], chunk(i));
            if want == Want::Done {
                break;
            }
        }
        assert_eq!(want, Want::Done);
        assert_eq!(tls(&log).len(), MAX_CLEAR_MESSAGES);
    }

    #[test]
    fn session_ids_tickets_and_leaf_on_short_bodies() {
        // ClientHello body: version, random, session ID (2 bytes), one suite, one
        // compression method, extensions: session_ticket (35) with 3 bytes.
        let mut ch = vec![3, 3];
        ch.extend([0; 32]);
        ch.extend([
            2, 0xaa, 0xbb, 0, 2, 0, 0x2f, 1, 0, 0, 7, 0, 35, 0, 3, 1, 2, 3,
        ]);
        assert_eq!(client_session(&ch), Some((vec![0xaa, 0xbb], vec![1, 2, 3])));
        assert_eq!(hello_session_id(&ch), Some(vec![0xaa, 0xbb]));
        for n in 0..ch.len() {
            let _ = client_session(&ch[..n]);
            let _ = hello_session_id(&ch[..n]);
        }
        assert_eq!(
            leaf_certificate(&[0, 0, 5, 0, 0, 2, 0x30, 0]),
            Some(&[0x30, 0][..])
        );
        for body in [&[][..], &[0, 0, 9, 0, 0, 2], &[0, 0, 3, 0, 0, 9, 1]] {
            assert!(leaf_certificate(body).is_none());
        }
    }

    #[test]
    fn certificate_lists() {
        assert!(certificate_list(&[0, 0, 5, 0, 0, 9]).is_none());
        let (n, certs) = certificate_list(&[0, 0, 5, 0, 0, 2, 0x30, 0x00]).unwrap();
        assert_eq!(n, 1);
        assert!(certs[0].parse_error.is_some());
        let (n, _) = certificate_list_tls13(&[0, 0, 0, 7, 0, 0, 2, 0x30, 0x00, 0, 0]).unwrap();
        assert_eq!(n, 1);
        assert!(certificate_list_tls13(&[0, 0, 0, 7, 0, 0, 2, 0x30, 0x00, 0, 9]).is_none());
    }

    /// TLS 1.3 records of one direction sealed with AES-128-GCM under `secret` (RFC 8446
    /// 5.2, 7.3), for tests that need more plaintext than the samples hold.
    struct Sealer {
        cipher: aes_gcm::Aes128Gcm,
        iv: [u8; 12],
        seq: u64,
    }

    impl Sealer {
        fn new(secret: &[u8]) -> Self {
            use super::super::decrypt::kdf::{SuiteHash, hkdf_expand_label};
            use aes_gcm::KeyInit;
            let key = hkdf_expand_label(SuiteHash::Sha256, secret, b"key", b"", 16).unwrap();
            let iv = hkdf_expand_label(SuiteHash::Sha256, secret, b"iv", b"", 12).unwrap();
            Sealer {
                cipher: aes_gcm::Aes128Gcm::new_from_slice(&key).unwrap(),
                iv: iv.try_into().unwrap(),
                seq: 0,
            }
        }

        fn seal(&mut self, plaintext: &[u8]) -> Vec<u8> {
            use aes_gcm::aead::{Aead, Payload};
            let mut nonce = self.iv;
            for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
                *n ^= s;
            }
            self.seq += 1;
            let inner = [plaintext, &[CT_APPLICATION_DATA]].concat();
            let len = (inner.len() + 16) as u16;
            let mut aad = vec![CT_APPLICATION_DATA, 3, 3];
            aad.extend(len.to_be_bytes());
            let sealed = self
                .cipher
                .encrypt(
                    (&nonce).into(),
                    Payload {
                        msg: &inner,
                        aad: &aad,
                    },
                )
                .unwrap();
            [aad, sealed].concat()
        }
    }

    /// Fails when MAX_DECRYPTED_BYTES applies to the RDP inner decoder (checked by
    /// disabling the exception: the DPUm after 1.28 MB is then never opened).
    #[test]
    fn rdp_inner_decoder_is_fed_past_the_decryption_cap() {
        let secret = [7u8; 32];
        let suite = suites::suite(0x1301).unwrap();
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = TlsDecoder::with_keys(0, log.clone(), None, Some(crate::proto::inner_decoder));
        d.client.encrypted = true;
        d.client.keys = DirectionKeys::tls13(suite, &secret);
        let mut sealer = Sealer::new(&secret);
        // TPKT Erect Domain Request (MS-RDPBCGR 4.1.5) chooses the RDP inner decoder.
        let first = [3, 0, 0, 12, 2, 0xF0, 0x80, 0x04, 0x01, 0x00, 0x01, 0x00];
        assert_eq!(
            d.data(Side::Client, &sealer.seal(&first), chunk(1)),
            Want::More
        );
        // 80 fast-path input PDUs of 16 000 bytes: 1.28 MB, past MAX_DECRYPTED_BYTES.
        let mut fast_path = vec![0x00, 0x80 | 0x3E, 0x80];
        fast_path.resize(16_000, 0x11);
        let mut frame = 2;
        for _ in 0..80 {
            assert_eq!(
                d.data(Side::Client, &sealer.seal(&fast_path), chunk(frame)),
                Want::More
            );
            frame += 1;
        }
        assert!(d.client.decrypted > MAX_DECRYPTED_BYTES);
        // A Disconnect Provider Ultimatum after the cap is still read.
        let dpum = [3, 0, 0, 9, 2, 0xF0, 0x80, 0x21, 0x80];
        d.data(Side::Client, &sealer.seal(&dpum), chunk(frame));
        let log = log.borrow();
        let last = log.by_stream[&0].last().unwrap();
        assert_eq!(last.frame, frame);
        assert!(matches!(
            last.what,
            Observed::McsDisconnectProviderUltimatum { reason: 3 }
        ));
        assert_eq!(log.rdp_traffic[&0].fast_path_inputs, 80);
    }
}
