//! The server's RSA private keys (`--rsa-key FILE`, like Wireshark's "RSA keys list"): with
//! `TLS_RSA_*` key exchange the client encrypts the premaster secret to the server
//! certificate's public key (RFC 5246 7.4.7.1, PKCS #1 v1.5); the matching private key
//! recovers it, and with it the master secret (RFC 5246 8.1, or RFC 7627 4 with the extended
//! master secret). A key is matched to a session by the public modulus of the server's
//! certificate. Keys are read from PEM files (PKCS #1 `RSA PRIVATE KEY` or PKCS #8 `PRIVATE
//! KEY` blocks; other blocks such as certificates are skipped) with the RustCrypto `rsa`
//! crate. Ephemeral (EC)DHE and TLS 1.3 sessions cannot be opened this way: they need a key
//! log.

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use std::path::Path;

/// Largest key file read (a 16384-bit key in PEM is ~13 KB).
pub const MAX_RSA_KEY_FILE: u64 = 1 << 20;
/// Keys kept at most.
const MAX_KEYS: usize = 1024;
/// RFC 5246 8.1.1: the RSA premaster secret is 48 bytes.
const PREMASTER_LEN: usize = 48;

/// One private key and the file it came from.
#[derive(Debug, Clone)]
pub struct RsaKey {
    pub file: String,
    key: RsaPrivateKey,
    /// Big-endian public modulus without leading zero bytes.
    modulus: Vec<u8>,
}

impl RsaKey {
    pub fn bits(&self) -> usize {
        self.key.n().bits()
    }
}

/// Every RSA private key of a run.
#[derive(Debug, Clone, Default)]
pub struct RsaKeys {
    keys: Vec<RsaKey>,
}

/// Why an RSA key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RsaKeyError {
    #[error("{path}: cannot read RSA key: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: RSA key file larger than {MAX_RSA_KEY_FILE} bytes")]
    TooLarge { path: String },
    #[error(
        "{path}: no RSA private key in it (PEM `RSA PRIVATE KEY` or unencrypted `PRIVATE KEY` expected){detail}"
    )]
    NoKey { path: String, detail: String },
}

/// Why the premaster secret could not be recovered from a ClientKeyExchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PremasterError {
    #[error("ClientKeyExchange of {0} bytes does not hold an RSA-encrypted premaster secret")]
    Malformed(usize),
    #[error(
        "the RSA key does not decrypt the ClientKeyExchange (PKCS #1 v1.5 padding does not verify)"
    )]
    Decrypt,
    #[error("the decrypted premaster secret has {0} bytes instead of 48")]
    Length(usize),
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let at = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[at..]
}

/// The PEM blocks of a text: (label, whole block text).
fn pem_blocks(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = after.find(&end_marker) else {
            break;
        };
        let block_end = start + 11 + end + end_marker.len();
        out.push((label, &rest[start..block_end]));
        rest = &rest[block_end..];
    }
    out
}

impl RsaKeys {
    /// Adds the private keys of a PEM text; returns how many were found and the reasons
    /// blocks that looked like keys were refused.
    pub fn add_pem(&mut self, text: &str, file: &str) -> (usize, Vec<String>) {
        let mut added = 0;
        let mut refused = Vec::new();
        for (label, block) in pem_blocks(text) {
            let key = match label {
                "RSA PRIVATE KEY" => {
                    RsaPrivateKey::from_pkcs1_pem(block).map_err(|e| e.to_string())
                }
                "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_pem(block).map_err(|e| e.to_string()),
                "ENCRYPTED PRIVATE KEY" => Err("encrypted keys are not read".to_string()),
                _ => continue,
            };
            match key {
                Ok(key) if self.keys.len() < MAX_KEYS => {
                    let modulus = strip_zeros(&key.n().to_bytes_be()).to_vec();
                    self.keys.push(RsaKey {
                        file: file.to_string(),
                        key,
                        modulus,
                    });
                    added += 1;
                }
                Ok(_) => refused.push(format!("more than {MAX_KEYS} keys")),
                Err(e) => refused.push(format!("{label}: {e}")),
            }
        }
        (added, refused)
    }

    /// Reads a PEM key file; an error when it holds no usable RSA private key.
    pub fn read_file(&mut self, path: &Path) -> Result<usize, RsaKeyError> {
        let name = || path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| RsaKeyError::Read {
            path: name(),
            reason: e.to_string(),
        })?;
        if meta.len() > MAX_RSA_KEY_FILE {
            return Err(RsaKeyError::TooLarge { path: name() });
        }
        let bytes = std::fs::read(path).map_err(|e| RsaKeyError::Read {
            path: name(),
            reason: e.to_string(),
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let (added, refused) = self.add_pem(&text, &name());
        if added == 0 {
            return Err(RsaKeyError::NoKey {
                path: name(),
                detail: if refused.is_empty() {
                    String::new()
                } else {
                    format!(": {}", refused.join("; "))
                },
            });
        }
        Ok(added)
    }

    /// The key whose public modulus is `modulus` (big-endian, leading zeros allowed).
    pub fn find(&self, modulus: &[u8]) -> Option<&RsaKey> {
        let m = strip_zeros(modulus);
        self.keys.iter().find(|k| k.modulus == m)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The files the keys came from, each once.
    pub fn files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for k in &self.keys {
            if !out.contains(&k.file) {
                out.push(k.file.clone());
            }
        }
        out
    }
}

/// What the server's certificate says about its public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateKey {
    /// Big-endian modulus (leading zeros stripped).
    Rsa(Vec<u8>),
    /// Another algorithm (EC, DSA…), named.
    Other(String),
    /// The certificate could not be parsed.
    Unreadable,
}

impl CertificateKey {
    /// The public key of a DER X.509 certificate.
    pub fn of_certificate(der: &[u8]) -> CertificateKey {
        use x509_parser::public_key::PublicKey;
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            return CertificateKey::Unreadable;
        };
        match cert.public_key().parsed() {
            Ok(PublicKey::RSA(rsa)) => CertificateKey::Rsa(strip_zeros(rsa.modulus).to_vec()),
            Ok(PublicKey::EC(_)) => CertificateKey::Other("EC".into()),
            Ok(PublicKey::DSA(_)) => CertificateKey::Other("DSA".into()),
            Ok(_) => CertificateKey::Other("non-RSA".into()),
            Err(_) => CertificateKey::Unreadable,
        }
    }

    /// `RSA 2048-bit`, `EC`, `unreadable`.
    pub fn describe(&self) -> String {
        match self {
            CertificateKey::Rsa(m) => {
                let bits = m.len() * 8 - m.first().map_or(8, |b| b.leading_zeros() as usize);
                format!("RSA {bits}-bit")
            }
            CertificateKey::Other(name) => name.clone(),
            CertificateKey::Unreadable => "unreadable".into(),
        }
    }
}

/// RFC 5246 7.4.7.1: the body of an RSA ClientKeyExchange is `opaque
/// encrypted_pre_master_secret<0..2^16-1>`; the encrypted premaster secret (the whole body
/// when the length does not fit, as SSL 3.0 sent it).
pub fn encrypted_premaster(body: &[u8]) -> &[u8] {
    match body {
        [a, b, rest @ ..] if usize::from(u16::from_be_bytes([*a, *b])) == rest.len() => rest,
        _ => body,
    }
}

/// Decrypts the encrypted premaster secret of an RSA ClientKeyExchange body (see
/// [`encrypted_premaster`]) with PKCS #1 v1.5 and returns the 48-byte premaster secret.
pub fn decrypt_premaster(key: &RsaKey, body: &[u8]) -> Result<Vec<u8>, PremasterError> {
    let modulus_len = key.modulus.len();
    let encrypted = encrypted_premaster(body);
    if encrypted.is_empty() || encrypted.len() > modulus_len {
        return Err(PremasterError::Malformed(body.len()));
    }
    let premaster = key
        .key
        .decrypt(Pkcs1v15Encrypt, encrypted)
        .map_err(|_| PremasterError::Decrypt)?;
    if premaster.len() != PREMASTER_LEN {
        return Err(PremasterError::Length(premaster.len()));
    }
    Ok(premaster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_and_refusals() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n\
                    -----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n\
                    -----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n\
                    -----BEGIN PRIVATE KEY-----\nunterminated";
        let blocks = pem_blocks(text);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[1].0, "RSA PRIVATE KEY");
        let mut keys = RsaKeys::default();
        let (added, refused) = keys.add_pem(text, "x.pem");
        assert_eq!(added, 0);
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(keys.is_empty());
        assert!(pem_blocks("-----BEGIN ").is_empty());
    }

    /// A fixed byte source for PKCS #1 v1.5 padding in tests (not random, not secret).
    struct Counter(u8);
    impl rsa::rand_core::RngCore for Counter {
        fn next_u32(&mut self) -> u32 {
            rsa::rand_core::impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            rsa::rand_core::impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                self.0 = self.0.wrapping_add(1).max(1);
                *b = self.0;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl rsa::rand_core::CryptoRng for Counter {}

    const PKCS8: &str = include_str!("../../../tests/captures/tls-rsa-server.pem");
    const PKCS1: &str = include_str!("../../../tests/captures/tls-rsa-server-pkcs1.pem");
    const OTHER: &str = include_str!("../../../tests/captures/tls-rsa-other.pem");

    #[test]
    fn pkcs1_and_pkcs8_and_premaster() {
        let mut keys = RsaKeys::default();
        assert_eq!(keys.add_pem(PKCS8, "a.pem").0, 1);
        assert_eq!(keys.add_pem(&format!("{PKCS1}\n{OTHER}"), "b.pem").0, 2);
        assert_eq!(keys.len(), 3);
        assert_eq!(keys.files(), ["a.pem", "b.pem"]);
        assert_eq!(keys.keys[0].modulus, keys.keys[1].modulus);
        assert_eq!(keys.keys[0].bits(), 2048);
        let mut with_zero = vec![0];
        with_zero.extend_from_slice(&keys.keys[2].modulus);
        assert_eq!(keys.find(&with_zero).unwrap().file, "b.pem");
        assert!(keys.find(&[1, 2, 3]).is_none());
        // RFC 5246 7.4.7.1: a 48-byte premaster secret, encrypted, behind a length.
        let public = rsa::RsaPublicKey::from(&keys.keys[0].key);
        let premaster: Vec<u8> = (0..48).collect();
        let encrypted = public
            .encrypt(&mut Counter(0), Pkcs1v15Encrypt, &premaster)
            .unwrap();
        let mut body = (encrypted.len() as u16).to_be_bytes().to_vec();
        body.extend_from_slice(&encrypted);
        assert_eq!(decrypt_premaster(&keys.keys[1], &body).unwrap(), premaster);
        // SSL 3.0 style, without the length.
        assert_eq!(
            decrypt_premaster(&keys.keys[0], &encrypted).unwrap(),
            premaster
        );
        // Another key, a short premaster, truncated and garbled bodies.
        assert_eq!(
            decrypt_premaster(&keys.keys[2], &body),
            Err(PremasterError::Decrypt)
        );
        let short = public
            .encrypt(&mut Counter(9), Pkcs1v15Encrypt, &[3; 20])
            .unwrap();
        assert_eq!(
            decrypt_premaster(&keys.keys[0], &short),
            Err(PremasterError::Length(20))
        );
        for len in [0, 1, 2, 3, 100, 257, 258, 300] {
            let garbage = vec![0xff; len];
            assert!(decrypt_premaster(&keys.keys[0], &garbage).is_err());
        }
        assert!(decrypt_premaster(&keys.keys[0], &body[..body.len() - 1]).is_err());
    }

    #[test]
    fn key_files() {
        let dir = std::env::temp_dir().join(format!("rdpt-rsakey-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("k.pem");
        std::fs::write(&good, PKCS1).unwrap();
        let bad = dir.join("bad.pem");
        std::fs::write(&bad, "CLIENT_RANDOM 00 11\n").unwrap();
        let mut keys = RsaKeys::default();
        assert_eq!(keys.read_file(&good).unwrap(), 1);
        assert!(matches!(
            keys.read_file(&bad),
            Err(RsaKeyError::NoKey { .. })
        ));
        assert!(matches!(
            keys.read_file(&dir.join("missing.pem")),
            Err(RsaKeyError::Read { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn modulus_bits() {
        assert_eq!(
            CertificateKey::Rsa(vec![0x80; 256]).describe(),
            "RSA 2048-bit"
        );
        assert_eq!(CertificateKey::Rsa(vec![0x01, 0]).describe(), "RSA 9-bit");
        assert_eq!(
            CertificateKey::of_certificate(&[0x30, 0]),
            CertificateKey::Unreadable
        );
    }
}
