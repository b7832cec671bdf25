//! Decryption of TLS records with logged session secrets or the server's RSA private key
//! (RDP-FACTS §7): key logs ([`keylog`]), RSA private keys ([`rsakey`]), key derivation
//! ([`kdf`]), the suites we can open ([`suites`]: AEAD and CBC, TLS 1.0 to 1.3) and record
//! opening ([`record`]). The TLS decoder asks here for keys when it has seen both hellos
//! (key log), or at the ClientKeyExchange (RSA key exchange with the server's key); everything
//! it then learns from the plaintext (a TLS 1.3 certificate, an encrypted alert, the RD
//! Gateway's HTTP exchange) is described like clear-text observations. When a session cannot
//! be opened the decoder says why (no secret for its client random, a suite not opened, an
//! RSA key that does not match the certificate, an (EC)DHE session given only an RSA key, a
//! record that does not verify).
//!
//! Key logs come from `--keylog FILE` (shared by every input of a run), from a file beside
//! the capture (`<capture>.keys`, `.keylog`, `.sslkeylog` — what the lab writes and what an
//! administrator naturally keeps together), and from pcapng Decryption Secrets Blocks read
//! while the capture is read. RSA private keys come from `--rsa-key FILE` (PEM). For RSA key
//! exchange a key log's `RSA` lines (premaster secrets) serve as well as the private key,
//! and the master secrets recovered either way are kept per input (by session ID and
//! ticket) for the sessions that resume them later in the capture.

pub mod kdf;
pub mod keylog;
pub mod record;
pub mod rsakey;
pub mod suites;

pub use keylog::{KeyStore, SessionSecrets};
pub use record::{DirectionKeys, OpenError, Opened, Tls12Params};
pub use rsakey::{RsaKey, RsaKeyError, RsaKeys};

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// pcapng 4.7 Decryption Secrets Block type "TLSK": an NSS key log.
pub const SECRETS_TYPE_TLS_KEY_LOG: u32 = 0x544c_534b;
/// File names beside a capture that are read as its key log, in this order.
pub const SIBLING_KEY_LOG_EXTENSIONS: [&str; 3] = ["keys", "keylog", "sslkeylog"];
/// Largest key-log file read (a key log is ~200 bytes per session).
pub const MAX_KEY_LOG_FILE: u64 = 64 << 20;

/// Every key the decoders of one input may use: the run's shared key logs, and the
/// input's own (sibling file, Decryption Secrets Blocks).
#[derive(Debug, Default)]
pub struct KeyRing {
    shared: Option<Arc<KeyStore>>,
    own: RefCell<KeyStore>,
    /// The servers' RSA private keys (`--rsa-key`), for `TLS_RSA_*` sessions.
    rsa: Option<Arc<RsaKeys>>,
    /// Master secrets recovered with an RSA key in this input, by session ID and by session
    /// ticket, for the sessions that resume them (RFC 5246 7.3, RFC 5077 3.4).
    resumable: RefCell<HashMap<Vec<u8>, Vec<u8>>>,
    /// Secrets may still arrive (a key log read as it grows during a live capture): decoders
    /// then look them up even while the ring is empty.
    growing: bool,
}

/// Sessions remembered per input for resumption.
const MAX_RESUMABLE: usize = 4096;

pub type SharedKeys = Rc<KeyRing>;

impl KeyRing {
    pub fn new(shared: Option<Arc<KeyStore>>, own: KeyStore) -> Self {
        KeyRing {
            shared,
            own: RefCell::new(own),
            rsa: None,
            resumable: RefCell::default(),
            growing: false,
        }
    }

    /// The same ring, told that secrets may still be added while connections run.
    pub fn growing(mut self) -> Self {
        self.growing = true;
        self
    }

    /// The same ring with the servers' RSA private keys.
    pub fn with_rsa_keys(mut self, rsa: Option<Arc<RsaKeys>>) -> Self {
        self.rsa = rsa.filter(|k| !k.is_empty());
        self
    }

    /// Remembers the master secret of a session recovered with an RSA key under its session
    /// ID or ticket (`id`, not empty).
    pub fn remember_session(&self, id: &[u8], master_secret: &[u8]) {
        let mut r = self.resumable.borrow_mut();
        if !id.is_empty() && (r.len() < MAX_RESUMABLE || r.contains_key(id)) {
            r.insert(id.to_vec(), master_secret.to_vec());
        }
    }

    /// The master secret remembered under a session ID or ticket.
    pub fn resumed_session(&self, id: &[u8]) -> Option<Vec<u8>> {
        self.resumable.borrow().get(id).cloned()
    }

    /// The premaster secret of an `RSA` key-log line, by the first 8 bytes of the encrypted
    /// premaster secret of a ClientKeyExchange.
    pub fn premaster(&self, encrypted_prefix: &[u8; 8]) -> Option<Vec<u8>> {
        if let Some(p) = self.own.borrow().premaster(encrypted_prefix) {
            return Some(p.clone());
        }
        self.shared.as_ref()?.premaster(encrypted_prefix).cloned()
    }

    /// True when some key log has `RSA` lines (premaster secrets of RSA key exchange).
    pub fn has_premasters(&self) -> bool {
        self.own.borrow().has_premasters()
            || self.shared.as_ref().is_some_and(|s| s.has_premasters())
    }

    /// The RSA private keys, when any were given.
    pub fn rsa_keys(&self) -> Option<&RsaKeys> {
        self.rsa.as_deref()
    }

    /// True when a key log (given or found in the capture) may hold session secrets.
    pub fn has_key_logs(&self) -> bool {
        !self.own.borrow().is_empty() || self.shared.as_ref().is_some_and(|s| !s.is_empty())
    }

    /// Adds secrets found while reading the capture (a Decryption Secrets Block).
    pub fn add_secrets(&self, bytes: &[u8]) {
        self.own.borrow_mut().add_bytes(bytes);
    }

    /// The secrets logged for the session with this ClientHello.random.
    pub fn lookup(&self, client_random: &[u8; 32]) -> Option<SessionSecrets> {
        if let Some(s) = self.own.borrow().get(client_random) {
            return Some(s.clone());
        }
        self.shared.as_ref()?.get(client_random).cloned()
    }

    /// True when no secret and no RSA key at all is known (decoders then skip key lookups).
    pub fn is_empty(&self) -> bool {
        !self.growing && !self.has_key_logs() && self.rsa.is_none()
    }

    /// Sessions known from the input's own key material.
    pub fn own_sessions(&self) -> usize {
        self.own.borrow().sessions()
    }
}

/// Why a key-log file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyLogError {
    #[error("{path}: cannot read key log: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: key log larger than {MAX_KEY_LOG_FILE} bytes")]
    TooLarge { path: String },
}

/// What a key log with no usable line says (a warning naming the file: nothing is decrypted
/// with it, and the user probably gave the wrong file).
pub fn no_key_lines(path: &Path) -> String {
    format!(
        "{}: no valid key-log line in it (NSS key log: CLIENT_RANDOM, \
         CLIENT_TRAFFIC_SECRET_0, … or RSA lines): nothing to decrypt with",
        path.display()
    )
}

/// Reads a key-log file into `store`; returns the number of valid key-log lines in it (0: see
/// [`no_key_lines`]).
pub fn read_key_log(path: &Path, store: &mut KeyStore) -> Result<u64, KeyLogError> {
    let name = || path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| KeyLogError::Read {
        path: name(),
        reason: e.to_string(),
    })?;
    if meta.len() > MAX_KEY_LOG_FILE {
        return Err(KeyLogError::TooLarge { path: name() });
    }
    let bytes = std::fs::read(path).map_err(|e| KeyLogError::Read {
        path: name(),
        reason: e.to_string(),
    })?;
    let before = store.lines_used + store.sessions_dropped;
    store.add_bytes(&bytes);
    Ok(store.lines_used + store.sessions_dropped - before)
}

/// The server's RSA private key kept beside `capture`, if any: `x.pcap` → `x.rsa.pem` (also
/// for `x.pcap.gz`), read like `--rsa-key`.
pub fn sibling_rsa_key(capture: &Path) -> Option<PathBuf> {
    let name = capture.file_name()?.to_str()?;
    let stem = name.strip_suffix(".gz").unwrap_or(name);
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    Some(capture.with_file_name(format!("{stem}.rsa.pem"))).filter(|p| p.is_file())
}

/// The key-log file kept beside `capture`, if any: `x.pcap` → `x.keys`, `x.keylog`,
/// `x.sslkeylog` (also for `x.pcap.gz`).
pub fn sibling_key_log(capture: &Path) -> Option<PathBuf> {
    let name = capture.file_name()?.to_str()?;
    let stem = name.strip_suffix(".gz").unwrap_or(name);
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    SIBLING_KEY_LOG_EXTENSIONS
        .iter()
        .map(|ext| capture.with_file_name(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}
