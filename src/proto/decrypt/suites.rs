//! Cipher suites whose records this tool can open: the AEAD suites of TLS 1.3 (RFC 8446
//! B.4) and the AES-GCM (RFC 5288, RFC 5289) and ChaCha20-Poly1305 (RFC 7905) suites of
//! TLS 1.2 — the ones Schannel prefers on current Windows (RDP-FACTS §6.4). CBC suites
//! (MAC-then-encrypt) and CCM are not opened; the decoder says so instead.

use super::kdf::SuiteHash;

/// The record protection algorithm of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl Aead {
    pub fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Aes256Gcm | Aead::ChaCha20Poly1305 => 32,
        }
    }
}

/// What decrypting one suite's records needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub aead: Aead,
    pub hash: SuiteHash,
    /// RFC 8446 B.4 suite (keys from traffic secrets) rather than a TLS 1.2 one.
    pub tls13: bool,
}

/// The suite with IANA number `id`, if its records can be opened.
pub fn suite(id: u16) -> Option<Suite> {
    use Aead::*;
    use SuiteHash::*;
    let (aead, hash, tls13) = match id {
        // RFC 8446 B.4.
        0x1301 => (Aes128Gcm, Sha256, true),
        0x1302 => (Aes256Gcm, Sha384, true),
        0x1303 => (ChaCha20Poly1305, Sha256, true),
        // RFC 5288 3: TLS_{RSA,DHE_RSA,DHE_DSS}_WITH_AES_{128,256}_GCM_SHA{256,384}.
        0x009C | 0x009E | 0x00A2 => (Aes128Gcm, Sha256, false),
        0x009D | 0x009F | 0x00A3 => (Aes256Gcm, Sha384, false),
        // RFC 5289 3.2: TLS_ECDHE_{ECDSA,RSA}_WITH_AES_{128,256}_GCM_SHA{256,384}.
        0xC02B | 0xC02F => (Aes128Gcm, Sha256, false),
        0xC02C | 0xC030 => (Aes256Gcm, Sha384, false),
        // RFC 7905 2: TLS_{ECDHE_RSA,ECDHE_ECDSA,DHE_RSA}_WITH_CHACHA20_POLY1305_SHA256.
        0xCCA8..=0xCCAA => (ChaCha20Poly1305, Sha256, false),
        _ => return None,
    };
    Some(Suite {
        id,
        aead,
        hash,
        tls13,
    })
}
