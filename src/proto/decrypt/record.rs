//! Opening protected TLS records of one direction: the per-direction key, IV and sequence
//! number, and the nonce / additional-data construction of each version (RFC 5246 6.2.3.3
//! with RFC 5288 3 and RFC 7905 2; RFC 8446 5.2–5.3). The AEAD itself is RustCrypto's.

use super::kdf::{SuiteHash, hkdf_expand_label, tls12_prf};
use super::suites::{Aead, Suite};
use aes_gcm::aead::{Aead as _, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;

/// AEAD tag length of every supported suite (RFC 5116 5.1, RFC 8439 2.8).
const TAG_LEN: usize = 16;
/// RFC 5288 3: the GCM nonce_explicit carried in each TLS 1.2 record.
const GCM_EXPLICIT_NONCE_LEN: usize = 8;

enum Cipher {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

impl Cipher {
    fn new(aead: Aead, key: &[u8]) -> Option<Cipher> {
        Some(match aead {
            Aead::Aes128Gcm => Cipher::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            Aead::Aes256Gcm => Cipher::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            Aead::ChaCha20Poly1305 => {
                Cipher::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        })
    }

    fn open(&self, nonce: &[u8; 12], msg: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let payload = Payload { msg, aad };
        match self {
            Cipher::Aes128(c) => c.decrypt(nonce.into(), payload).ok(),
            Cipher::Aes256(c) => c.decrypt(nonce.into(), payload).ok(),
            Cipher::ChaCha(c) => c.decrypt(nonce.into(), payload).ok(),
        }
    }
}

/// Why a record could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("record of {0} bytes is shorter than the AEAD overhead")]
    TooShort(usize),
    /// The tag did not verify: wrong keys for this session, or a record we missed.
    #[error(
        "authentication tag does not verify (key log does not match this session, or records are missing)"
    )]
    BadTag,
    #[error("TLS 1.3 record has no content type (all padding)")]
    NoContentType,
}

/// A decrypted record: its real content type (for TLS 1.3 the inner type, RFC 8446 5.2)
/// and plaintext.
#[derive(Debug)]
pub struct Opened {
    pub content_type: u8,
    pub plaintext: Vec<u8>,
}

/// Record protection state of one direction.
pub struct DirectionKeys {
    cipher: Cipher,
    /// TLS 1.3 and ChaCha20: the 12-byte per-connection IV; TLS 1.2 GCM: the 4-byte salt
    /// in the first bytes.
    iv: [u8; 12],
    seq: u64,
    suite: Suite,
    /// TLS 1.3 traffic secret the keys came from (for KeyUpdate, RFC 8446 7.2).
    secret: Vec<u8>,
}

impl DirectionKeys {
    /// RFC 8446 7.3: `key = HKDF-Expand-Label(secret, "key", "", key_length)`,
    /// `iv = HKDF-Expand-Label(secret, "iv", "", 12)`; the sequence number starts at 0.
    pub fn tls13(suite: Suite, traffic_secret: &[u8]) -> Option<DirectionKeys> {
        let key = hkdf_expand_label(
            suite.hash,
            traffic_secret,
            b"key",
            b"",
            suite.aead.key_len(),
        )?;
        let iv = hkdf_expand_label(suite.hash, traffic_secret, b"iv", b"", 12)?;
        Some(DirectionKeys {
            cipher: Cipher::new(suite.aead, &key)?,
            iv: iv.try_into().ok()?,
            seq: 0,
            suite,
            secret: traffic_secret.to_vec(),
        })
    }

    /// RFC 8446 7.2 KeyUpdate: `application_traffic_secret_N+1 =
    /// HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)`.
    pub fn key_update(&self) -> Option<DirectionKeys> {
        let next = hkdf_expand_label(
            self.suite.hash,
            &self.secret,
            b"traffic upd",
            b"",
            self.suite.hash.output_len(),
        )?;
        DirectionKeys::tls13(self.suite, &next)
    }

    /// RFC 5246 6.3: `key_block = PRF(master_secret, "key expansion", server_random +
    /// client_random)`, split into client/server MAC keys (none for AEAD suites), client/server
    /// write keys and client/server IVs (4-byte salt for GCM, RFC 5288 3; 12 bytes for
    /// ChaCha20-Poly1305, RFC 7905 2). Returns (client, server) keys.
    pub fn tls12(
        suite: Suite,
        master_secret: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Option<(DirectionKeys, DirectionKeys)> {
        let key_len = suite.aead.key_len();
        let iv_len = match suite.aead {
            Aead::ChaCha20Poly1305 => 12,
            Aead::Aes128Gcm | Aead::Aes256Gcm => 4,
        };
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(server_random);
        seed[32..].copy_from_slice(client_random);
        let mut block = vec![0u8; 2 * (key_len + iv_len)];
        tls12_prf(
            suite.hash,
            master_secret,
            b"key expansion",
            &seed,
            &mut block,
        );
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let make = |key: &[u8], iv_part: &[u8]| -> Option<DirectionKeys> {
            let mut iv = [0u8; 12];
            iv[..iv_part.len()].copy_from_slice(iv_part);
            Some(DirectionKeys {
                cipher: Cipher::new(suite.aead, key)?,
                iv,
                seq: 0,
                suite,
                secret: Vec::new(),
            })
        };
        Some((make(client_key, client_iv)?, make(server_key, server_iv)?))
    }

    /// Records opened so far with these keys.
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    pub fn hash(&self) -> SuiteHash {
        self.suite.hash
    }

    /// Opens the record whose header is `content_type`, `version` and whose fragment is
    /// `fragment`. The sequence number advances only when the record verifies.
    pub fn open(
        &mut self,
        content_type: u8,
        version: [u8; 2],
        fragment: &[u8],
    ) -> Result<Opened, OpenError> {
        let seq = self.seq.to_be_bytes();
        let xor_iv = || {
            let mut nonce = self.iv;
            for (n, s) in nonce[4..].iter_mut().zip(seq) {
                *n ^= s;
            }
            nonce
        };
        let opened = if self.suite.tls13 {
            // RFC 8446 5.2: additional_data = opaque_type || legacy_record_version || length.
            let len = u16::try_from(fragment.len()).map_err(|_| OpenError::TooShort(0))?;
            if fragment.len() < TAG_LEN {
                return Err(OpenError::TooShort(fragment.len()));
            }
            let mut aad = [content_type, version[0], version[1], 0, 0];
            aad[3..].copy_from_slice(&len.to_be_bytes());
            let mut inner = self
                .cipher
                .open(&xor_iv(), fragment, &aad)
                .ok_or(OpenError::BadTag)?;
            // RFC 8446 5.2 TLSInnerPlaintext: content, then the type, then zero padding.
            let Some(at) = inner.iter().rposition(|&b| b != 0) else {
                self.seq += 1;
                return Err(OpenError::NoContentType);
            };
            let inner_type = inner[at];
            inner.truncate(at);
            Opened {
                content_type: inner_type,
                plaintext: inner,
            }
        } else {
            let (nonce, sealed) = match self.suite.aead {
                Aead::ChaCha20Poly1305 => (xor_iv(), fragment),
                Aead::Aes128Gcm | Aead::Aes256Gcm => {
                    if fragment.len() < GCM_EXPLICIT_NONCE_LEN + TAG_LEN {
                        return Err(OpenError::TooShort(fragment.len()));
                    }
                    let mut nonce = self.iv;
                    nonce[4..].copy_from_slice(&fragment[..GCM_EXPLICIT_NONCE_LEN]);
                    (nonce, &fragment[GCM_EXPLICIT_NONCE_LEN..])
                }
            };
            if sealed.len() < TAG_LEN {
                return Err(OpenError::TooShort(fragment.len()));
            }
            let plain_len = (sealed.len() - TAG_LEN) as u16;
            // RFC 5246 6.2.3.3: additional_data = seq_num + TLSCompressed.type +
            // TLSCompressed.version + TLSCompressed.length.
            let mut aad = [0u8; 13];
            aad[..8].copy_from_slice(&seq);
            aad[8] = content_type;
            aad[9..11].copy_from_slice(&version);
            aad[11..].copy_from_slice(&plain_len.to_be_bytes());
            let plaintext = self
                .cipher
                .open(&nonce, sealed, &aad)
                .ok_or(OpenError::BadTag)?;
            Opened {
                content_type,
                plaintext,
            }
        };
        self.seq += 1;
        Ok(opened)
    }
}
