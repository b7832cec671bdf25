//! Decryption of TLS records with logged session secrets (RDP-FACTS §7): key logs
//! ([`keylog`]), key derivation ([`kdf`]), the suites we can open ([`suites`]) and record
//! opening ([`record`]). The TLS decoder asks here for keys when it has seen both hellos;
//! everything it then learns from the plaintext (a TLS 1.3 certificate, an encrypted alert,
//! the RD Gateway's HTTP exchange) is described like clear-text observations.
//!
//! Key logs come from `--keylog FILE` (shared by every input of a run), from a file beside
//! the capture (`<capture>.keys`, `.keylog`, `.sslkeylog` — what the lab writes and what an
//! administrator naturally keeps together), and from pcapng Decryption Secrets Blocks read
//! while the capture is read.

pub mod kdf;
pub mod keylog;
pub mod record;
pub mod suites;

pub use keylog::{KeyStore, SessionSecrets};
pub use record::{DirectionKeys, OpenError, Opened};

use std::cell::RefCell;
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
}

pub type SharedKeys = Rc<KeyRing>;

impl KeyRing {
    pub fn new(shared: Option<Arc<KeyStore>>, own: KeyStore) -> Self {
        KeyRing {
            shared,
            own: RefCell::new(own),
        }
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

    /// True when no secret at all is known (decoders then skip key lookups).
    pub fn is_empty(&self) -> bool {
        self.own.borrow().is_empty() && self.shared.as_ref().is_none_or(|s| s.is_empty())
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

/// Reads a key-log file into `store`.
pub fn read_key_log(path: &Path, store: &mut KeyStore) -> Result<(), KeyLogError> {
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
    store.add_bytes(&bytes);
    Ok(())
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
