//! Opening protected TLS records of one direction: the per-direction keys, IV and sequence
//! number, and each version's record construction:
//!
//! * AEAD: the nonce and additional data of TLS 1.2 (RFC 5246 6.2.3.3 with RFC 5288 3 and
//!   RFC 7905 2) and TLS 1.3 (RFC 8446 5.2–5.3); the AEAD itself is RustCrypto's.
//! * CBC with HMAC (RFC 5246 6.2.3.2, RFC 4346 6.2.3.2, RFC 2246 6.2.3.2): MAC-then-encrypt,
//!   or encrypt-then-MAC when both hellos carried that extension (RFC 7366 3). TLS 1.0
//!   chains the IV (the first from the key block, then the last ciphertext block of the
//!   previous record, RFC 2246 6.3 / 6.2.3.2); TLS 1.1 and 1.2 carry an explicit IV in each
//!   record. The padding and the MAC are both checked; a record that fails either did not
//!   open. Block ciphers from RustCrypto's `aes`, `des` and `cbc`.

use super::kdf::{HmacHash, Prf, SuiteHash, hkdf_expand_label, hmac};
use super::suites::{Aead, BlockCipher, MacHash, Protection, Suite};
use aes_gcm::aead::{Aead as _, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use chacha20poly1305::ChaCha20Poly1305;

/// AEAD tag length of every supported suite (RFC 5116 5.1, RFC 8439 2.8).
const TAG_LEN: usize = 16;
/// RFC 5288 3: the GCM nonce_explicit carried in each TLS 1.2 record.
const GCM_EXPLICIT_NONCE_LEN: usize = 8;

enum AeadCipher {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

impl AeadCipher {
    fn new(aead: Aead, key: &[u8]) -> Option<AeadCipher> {
        Some(match aead {
            Aead::Aes128Gcm => AeadCipher::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            Aead::Aes256Gcm => AeadCipher::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            Aead::ChaCha20Poly1305 => {
                AeadCipher::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        })
    }

    fn open(&self, nonce: &[u8; 12], msg: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let payload = Payload { msg, aad };
        match self {
            AeadCipher::Aes128(c) => c.decrypt(nonce.into(), payload).ok(),
            AeadCipher::Aes256(c) => c.decrypt(nonce.into(), payload).ok(),
            AeadCipher::ChaCha(c) => c.decrypt(nonce.into(), payload).ok(),
        }
    }
}

/// CBC decryption of whole blocks (`data.len()` a multiple of the block size, checked by the
/// caller); `None` when the key or IV length is wrong.
fn cbc_decrypt(cipher: BlockCipher, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    fn run<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
    where
        cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
        C: cbc::cipher::BlockCipher + cbc::cipher::BlockDecryptMut,
    {
        let mut buf = data.to_vec();
        let n = cbc::Decryptor::<C>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .ok()?
            .len();
        buf.truncate(n);
        Some(buf)
    }
    match cipher {
        BlockCipher::Aes128 => run::<aes::Aes128>(key, iv, data),
        BlockCipher::Aes256 => run::<aes::Aes256>(key, iv, data),
        BlockCipher::TripleDes => run::<des::TdesEde3>(key, iv, data),
    }
}

impl From<MacHash> for HmacHash {
    fn from(m: MacHash) -> Self {
        match m {
            MacHash::Sha1 => HmacHash::Sha1,
            MacHash::Sha256 => HmacHash::Sha256,
            MacHash::Sha384 => HmacHash::Sha384,
        }
    }
}

/// Why a record could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("record of {0} bytes is shorter than the cipher's overhead")]
    TooShort(usize),
    /// The tag did not verify: wrong keys for this session, or a record we missed.
    #[error(
        "authentication tag does not verify (key log does not match this session, or records are missing)"
    )]
    BadTag,
    /// CBC: the MAC or the padding did not verify — same meaning as [`OpenError::BadTag`].
    #[error(
        "MAC or padding does not verify (the secrets do not match this session, or records are missing)"
    )]
    BadMac,
    /// CBC: the ciphertext is not a whole number of cipher blocks.
    #[error("CBC ciphertext of {0} bytes is not a whole number of blocks")]
    NotBlocks(usize),
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

/// How one direction's records are opened.
enum Protect {
    Aead {
        cipher: AeadCipher,
        aead: Aead,
        /// TLS 1.3 and ChaCha20: the 12-byte per-connection IV; TLS 1.2 GCM: the 4-byte
        /// salt in the first bytes.
        iv: [u8; 12],
    },
    Cbc {
        cipher: BlockCipher,
        key: Vec<u8>,
        mac: MacHash,
        mac_key: Vec<u8>,
        /// TLS 1.0: the IV of the next record (chained); `None` in TLS 1.1+ (explicit IV).
        chained_iv: Option<Vec<u8>>,
        /// RFC 7366 encrypt_then_mac.
        encrypt_then_mac: bool,
    },
}

/// Record protection state of one direction.
pub struct DirectionKeys {
    protect: Protect,
    seq: u64,
    suite: Suite,
    /// TLS 1.3 traffic secret the keys came from (for KeyUpdate, RFC 8446 7.2).
    secret: Vec<u8>,
}

/// Session parameters a TLS ≤ 1.2 key block depends on besides the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tls12Params {
    /// ServerHello version: 0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2.
    pub version: u16,
    /// Both hellos carried encrypt_then_mac (RFC 7366; only meaningful for CBC suites).
    pub encrypt_then_mac: bool,
}

impl DirectionKeys {
    /// RFC 8446 7.3: `key = HKDF-Expand-Label(secret, "key", "", key_length)`,
    /// `iv = HKDF-Expand-Label(secret, "iv", "", 12)`; the sequence number starts at 0.
    pub fn tls13(suite: Suite, traffic_secret: &[u8]) -> Option<DirectionKeys> {
        let Protection::Aead(aead) = suite.protection else {
            return None;
        };
        let key = hkdf_expand_label(suite.hash, traffic_secret, b"key", b"", aead.key_len())?;
        let iv = hkdf_expand_label(suite.hash, traffic_secret, b"iv", b"", 12)?;
        Some(DirectionKeys {
            protect: Protect::Aead {
                cipher: AeadCipher::new(aead, &key)?,
                aead,
                iv: iv.try_into().ok()?,
            },
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
    /// ChaCha20-Poly1305, RFC 7905 2; for CBC a block in TLS 1.0, RFC 2246 6.3, none later).
    /// The PRF is TLS 1.0's before TLS 1.2. Returns (client, server) keys.
    pub fn tls12(
        suite: Suite,
        params: Tls12Params,
        master_secret: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Option<(DirectionKeys, DirectionKeys)> {
        if suite.tls13 || (params.version < 0x0303 && suite.needs_tls12()) {
            return None;
        }
        let (mac_len, key_len, iv_len) = match suite.protection {
            Protection::Aead(Aead::ChaCha20Poly1305) => (0, 32, 12),
            Protection::Aead(a) => (0, a.key_len(), 4),
            Protection::Cbc { cipher, mac } => (
                mac.output_len(),
                cipher.key_len(),
                if params.version <= 0x0301 {
                    cipher.block_len()
                } else {
                    0
                },
            ),
        };
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(server_random);
        seed[32..].copy_from_slice(client_random);
        let mut block = vec![0u8; 2 * (mac_len + key_len + iv_len)];
        Prf::for_version(params.version, suite.hash).derive(
            master_secret,
            b"key expansion",
            &seed,
            &mut block,
        );
        let (client_mac, rest) = block.split_at(mac_len);
        let (server_mac, rest) = rest.split_at(mac_len);
        let (client_key, rest) = rest.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let make = |mac_key: &[u8], key: &[u8], iv_part: &[u8]| -> Option<DirectionKeys> {
            let protect = match suite.protection {
                Protection::Aead(aead) => {
                    let mut iv = [0u8; 12];
                    iv[..iv_part.len()].copy_from_slice(iv_part);
                    Protect::Aead {
                        cipher: AeadCipher::new(aead, key)?,
                        aead,
                        iv,
                    }
                }
                Protection::Cbc { cipher, mac } => Protect::Cbc {
                    cipher,
                    key: key.to_vec(),
                    mac,
                    mac_key: mac_key.to_vec(),
                    chained_iv: (iv_len > 0).then(|| iv_part.to_vec()),
                    encrypt_then_mac: params.encrypt_then_mac,
                },
            };
            Some(DirectionKeys {
                protect,
                seq: 0,
                suite,
                secret: Vec::new(),
            })
        };
        Some((
            make(client_mac, client_key, client_iv)?,
            make(server_mac, server_key, server_iv)?,
        ))
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
        let opened = match &mut self.protect {
            Protect::Aead { cipher, aead, iv } => open_aead(
                cipher,
                *aead,
                iv,
                self.suite.tls13,
                seq,
                content_type,
                version,
                fragment,
            ),
            Protect::Cbc {
                cipher,
                key,
                mac,
                mac_key,
                chained_iv,
                encrypt_then_mac,
            } => open_cbc(
                CbcKeys {
                    cipher: *cipher,
                    key,
                    mac: *mac,
                    mac_key,
                    encrypt_then_mac: *encrypt_then_mac,
                },
                chained_iv,
                seq,
                content_type,
                version,
                fragment,
            ),
        };
        // A TLS 1.3 record that opened but holds only padding still used its sequence number.
        if matches!(opened, Ok(_) | Err(OpenError::NoContentType)) {
            self.seq += 1;
        }
        opened
    }
}

#[allow(clippy::too_many_arguments)]
fn open_aead(
    cipher: &AeadCipher,
    aead: Aead,
    iv: &[u8; 12],
    tls13: bool,
    seq: [u8; 8],
    content_type: u8,
    version: [u8; 2],
    fragment: &[u8],
) -> Result<Opened, OpenError> {
    let xor_iv = || {
        let mut nonce = *iv;
        for (n, s) in nonce[4..].iter_mut().zip(seq) {
            *n ^= s;
        }
        nonce
    };
    if tls13 {
        // RFC 8446 5.2: additional_data = opaque_type || legacy_record_version || length.
        let len = u16::try_from(fragment.len()).map_err(|_| OpenError::TooShort(0))?;
        if fragment.len() < TAG_LEN {
            return Err(OpenError::TooShort(fragment.len()));
        }
        let mut aad = [content_type, version[0], version[1], 0, 0];
        aad[3..].copy_from_slice(&len.to_be_bytes());
        let mut inner = cipher
            .open(&xor_iv(), fragment, &aad)
            .ok_or(OpenError::BadTag)?;
        // RFC 8446 5.2 TLSInnerPlaintext: content, then the type, then zero padding.
        let Some(at) = inner.iter().rposition(|&b| b != 0) else {
            return Err(OpenError::NoContentType);
        };
        let inner_type = inner[at];
        inner.truncate(at);
        return Ok(Opened {
            content_type: inner_type,
            plaintext: inner,
        });
    }
    let (nonce, sealed) = match aead {
        Aead::ChaCha20Poly1305 => (xor_iv(), fragment),
        Aead::Aes128Gcm | Aead::Aes256Gcm => {
            if fragment.len() < GCM_EXPLICIT_NONCE_LEN + TAG_LEN {
                return Err(OpenError::TooShort(fragment.len()));
            }
            let mut nonce = *iv;
            nonce[4..].copy_from_slice(&fragment[..GCM_EXPLICIT_NONCE_LEN]);
            (nonce, &fragment[GCM_EXPLICIT_NONCE_LEN..])
        }
    };
    if sealed.len() < TAG_LEN {
        return Err(OpenError::TooShort(fragment.len()));
    }
    let plain_len = u16::try_from(sealed.len() - TAG_LEN).map_err(|_| OpenError::BadTag)?;
    // RFC 5246 6.2.3.3: additional_data = seq_num + TLSCompressed.type +
    // TLSCompressed.version + TLSCompressed.length.
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq);
    aad[8] = content_type;
    aad[9..11].copy_from_slice(&version);
    aad[11..].copy_from_slice(&plain_len.to_be_bytes());
    let plaintext = cipher.open(&nonce, sealed, &aad).ok_or(OpenError::BadTag)?;
    Ok(Opened {
        content_type,
        plaintext,
    })
}

struct CbcKeys<'a> {
    cipher: BlockCipher,
    key: &'a [u8],
    mac: MacHash,
    mac_key: &'a [u8],
    encrypt_then_mac: bool,
}

/// RFC 5246 6.2.3.1: `MAC(MAC_write_key, seq_num + TLSCompressed.type +
/// TLSCompressed.version + TLSCompressed.length + TLSCompressed.fragment)`; with RFC 7366
/// the length and fragment are those of the ciphertext (IV included).
fn record_mac(
    k: &CbcKeys,
    seq: [u8; 8],
    content_type: u8,
    version: [u8; 2],
    data: &[u8],
) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap_or(u16::MAX).to_be_bytes();
    hmac(
        k.mac.into(),
        k.mac_key,
        &[&seq, &[content_type], &version, &len, data],
    )
}

fn open_cbc(
    k: CbcKeys,
    chained_iv: &mut Option<Vec<u8>>,
    seq: [u8; 8],
    content_type: u8,
    version: [u8; 2],
    fragment: &[u8],
) -> Result<Opened, OpenError> {
    let block = k.cipher.block_len();
    let mac_len = k.mac.output_len();
    // RFC 7366 3: GenericBlockCipher (IV and ciphertext), then the MAC over it.
    let body = if k.encrypt_then_mac {
        let at = fragment
            .len()
            .checked_sub(mac_len)
            .ok_or(OpenError::TooShort(fragment.len()))?;
        let (body, tag) = fragment.split_at(at);
        if record_mac(&k, seq, content_type, version, body) != tag {
            return Err(OpenError::BadMac);
        }
        body
    } else {
        fragment
    };
    let (iv, ciphertext) = match chained_iv {
        Some(iv) => (iv.as_slice(), body),
        None => {
            if body.len() < block {
                return Err(OpenError::TooShort(fragment.len()));
            }
            body.split_at(block)
        }
    };
    if ciphertext.is_empty() {
        return Err(OpenError::TooShort(fragment.len()));
    }
    if !ciphertext.len().is_multiple_of(block) {
        return Err(OpenError::NotBlocks(ciphertext.len()));
    }
    let mut plain = cbc_decrypt(k.cipher, k.key, iv, ciphertext).ok_or(OpenError::BadMac)?;
    // RFC 5246 6.2.3.2: padding_length bytes each holding padding_length, then that byte.
    let pad = usize::from(*plain.last().ok_or(OpenError::BadMac)?);
    let inner_mac = if k.encrypt_then_mac { 0 } else { mac_len };
    let content_len = plain
        .len()
        .checked_sub(pad + 1 + inner_mac)
        .ok_or(OpenError::BadMac)?;
    if plain[plain.len() - pad - 1..]
        .iter()
        .any(|&b| usize::from(b) != pad)
    {
        return Err(OpenError::BadMac);
    }
    if !k.encrypt_then_mac {
        let (content, rest) = plain.split_at(content_len);
        if record_mac(&k, seq, content_type, version, content) != rest[..mac_len] {
            return Err(OpenError::BadMac);
        }
    }
    if let Some(next) = chained_iv {
        // RFC 2246 6.2.3.2: the last ciphertext block is the next record's IV.
        *next = ciphertext[ciphertext.len() - block..].to_vec();
    }
    plain.truncate(content_len);
    Ok(Opened {
        content_type,
        plaintext: plain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::decrypt::suites::suite;
    use cbc::cipher::BlockEncryptMut;

    fn cbc_encrypt(cipher: BlockCipher, key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8> {
        let mut buf = data.to_vec();
        let len = buf.len();
        match cipher {
            BlockCipher::Aes128 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
                .unwrap()
                .encrypt_padded_mut::<NoPadding>(&mut buf, len)
                .unwrap()
                .to_vec(),
            BlockCipher::Aes256 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
                .unwrap()
                .encrypt_padded_mut::<NoPadding>(&mut buf, len)
                .unwrap()
                .to_vec(),
            BlockCipher::TripleDes => cbc::Encryptor::<des::TdesEde3>::new_from_slices(key, iv)
                .unwrap()
                .encrypt_padded_mut::<NoPadding>(&mut buf, len)
                .unwrap()
                .to_vec(),
        }
    }

    /// Seals a record the way a TLS sender does (RFC 5246 6.2.3.2, RFC 7366 3), with the
    /// sender's copy of the keys; `pad` extra padding blocks. Returns the fragment.
    fn seal(
        keys: &mut DirectionKeys,
        ct: u8,
        version: [u8; 2],
        plain: &[u8],
        pad: usize,
    ) -> Vec<u8> {
        let Protect::Cbc {
            cipher,
            key,
            mac,
            mac_key,
            chained_iv,
            encrypt_then_mac,
        } = &mut keys.protect
        else {
            panic!("not CBC");
        };
        let seq = keys.seq.to_be_bytes();
        let k = CbcKeys {
            cipher: *cipher,
            key,
            mac: *mac,
            mac_key,
            encrypt_then_mac: *encrypt_then_mac,
        };
        let block = k.cipher.block_len();
        let mut inner = plain.to_vec();
        if !k.encrypt_then_mac {
            inner.extend(record_mac(&k, seq, ct, version, plain));
        }
        let pad_len = block - (inner.len() + 1) % block + pad * block;
        let pad_len = pad_len % 256;
        inner.extend(std::iter::repeat_n(pad_len as u8, pad_len + 1));
        let explicit: Vec<u8> = (0..block as u8).map(|i| i.wrapping_mul(37)).collect();
        let iv = chained_iv.clone().unwrap_or_else(|| explicit.clone());
        let ciphertext = cbc_encrypt(k.cipher, k.key, &iv, &inner);
        let mut body = if chained_iv.is_some() {
            Vec::new()
        } else {
            explicit
        };
        body.extend_from_slice(&ciphertext);
        if k.encrypt_then_mac {
            let tag = record_mac(&k, seq, ct, version, &body);
            body.extend(tag);
        }
        if let Some(next) = chained_iv {
            *next = ciphertext[ciphertext.len() - block..].to_vec();
        }
        keys.seq += 1;
        body
    }

    fn pair(id: u16, version: u16, etm: bool) -> (DirectionKeys, DirectionKeys) {
        let params = Tls12Params {
            version,
            encrypt_then_mac: etm,
        };
        // The client's sending keys twice: one to seal with, one to open with.
        let (sender, _) =
            DirectionKeys::tls12(suite(id).unwrap(), params, &[7; 48], &[1; 32], &[2; 32]).unwrap();
        let (receiver, _) =
            DirectionKeys::tls12(suite(id).unwrap(), params, &[7; 48], &[1; 32], &[2; 32]).unwrap();
        (sender, receiver)
    }

    /// NIST SP 800-38A F.2.2 (CBC-AES128.Decrypt), first two blocks.
    #[test]
    fn nist_cbc_aes128_vector() {
        let h = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let plain = cbc_decrypt(
            BlockCipher::Aes128,
            &h("2b7e151628aed2a6abf7158809cf4f3c"),
            &h("000102030405060708090a0b0c0d0e0f"),
            &h("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"),
        )
        .unwrap();
        assert_eq!(
            plain,
            h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")
        );
        assert!(cbc_decrypt(BlockCipher::Aes128, &[0; 15], &[0; 16], &[0; 16]).is_none());
    }

    #[test]
    fn cbc_round_trips_every_version_and_mode() {
        for (id, version) in [
            (0x002F, 0x0301),
            (0x0035, 0x0302),
            (0x000A, 0x0301),
            (0x000A, 0x0303),
            (0x003C, 0x0303),
            (0xC028, 0x0303),
            (0xC013, 0x0301),
        ] {
            for etm in [false, true] {
                let (mut tx, mut rx) = pair(id, version, etm);
                let v = version.to_be_bytes();
                // Several records: TLS 1.0 chains the IV through them; an empty one too.
                for (i, msg) in [&b"first"[..], b"", &[0xab; 100], &[0; 16]]
                    .iter()
                    .enumerate()
                {
                    let fragment = seal(&mut tx, 23, v, msg, i % 2);
                    let opened = rx.open(23, v, &fragment).unwrap_or_else(|e| {
                        panic!("{id:04x} {version:04x} etm={etm} record {i}: {e}")
                    });
                    assert_eq!(opened.plaintext, *msg);
                    assert_eq!(opened.content_type, 23);
                }
                assert_eq!(rx.sequence(), 4);
            }
        }
    }

    #[test]
    fn cbc_refuses_tampering_and_missing_records() {
        for etm in [false, true] {
            let (mut tx, mut rx) = pair(0x002F, 0x0303, etm);
            let v = [3, 3];
            let mut f = seal(&mut tx, 23, v, b"hello world", 0);
            // A flipped bit, the wrong content type, and a record that was skipped.
            let last = f.len() - 1;
            f[last] ^= 1;
            assert_eq!(rx.open(23, v, &f).unwrap_err(), OpenError::BadMac);
            f[last] ^= 1;
            assert!(rx.open(22, v, &f).is_err());
            let _skipped = seal(&mut tx, 23, v, b"lost", 0);
            let next = seal(&mut tx, 23, v, b"after", 0);
            assert!(rx.open(23, v, &f).is_ok());
            assert_eq!(rx.open(23, v, &next).unwrap_err(), OpenError::BadMac);
        }
        // TLS 1.0: a missing record breaks the IV chain; the first block no longer decrypts
        // right and the MAC fails.
        let (mut tx, mut rx) = pair(0x002F, 0x0301, false);
        let _lost = seal(&mut tx, 23, [3, 1], &[1; 40], 0);
        let f = seal(&mut tx, 23, [3, 1], &[2; 40], 0);
        assert!(rx.open(23, [3, 1], &f).is_err());
    }

    #[test]
    fn short_odd_and_garbage_records_never_panic() {
        for (id, version, etm) in [
            (0x002F, 0x0301, false),
            (0x002F, 0x0302, true),
            (0xC028, 0x0303, false),
            (0x000A, 0x0303, true),
            (0xC02F, 0x0303, false),
            (0xCCA8, 0x0303, false),
        ] {
            let (_, mut rx) = pair(id, version, etm);
            let mut x: u32 = 0x1234_5678;
            for len in 0..200 {
                let f: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        x as u8
                    })
                    .collect();
                assert!(rx.open(23, [3, 3], &f).is_err());
            }
            assert_eq!(rx.sequence(), 0);
        }
    }

    #[test]
    fn tls12_only_suites_are_refused_in_older_versions() {
        let params = Tls12Params {
            version: 0x0301,
            encrypt_then_mac: false,
        };
        for id in [0x003C, 0xC028, 0xC02F, 0x1301] {
            assert!(
                DirectionKeys::tls12(suite(id).unwrap(), params, &[0; 48], &[0; 32], &[0; 32])
                    .is_none()
            );
        }
    }
}
