//! Cipher suites whose records this tool can open, and how each one's keys are exchanged:
//!
//! * the AEAD suites of TLS 1.3 (RFC 8446 B.4) and the AES-GCM (RFC 5288, RFC 5289) and
//!   ChaCha20-Poly1305 (RFC 7905) suites of TLS 1.2 — what Schannel prefers on current
//!   Windows (RDP-FACTS §6.4);
//! * the CBC suites with HMAC (MAC-then-encrypt, RFC 5246 6.2.3.2, or encrypt-then-MAC,
//!   RFC 7366) that Windows 7 / 2008 R2 / 2012 servers pick: AES-128/256-CBC with SHA-1,
//!   SHA-256 or SHA-384 and 3DES-EDE-CBC-SHA, with RSA, ECDHE_RSA, ECDHE_ECDSA, DHE_RSA or
//!   DHE_DSS key exchange (RFC 5246 A.5, RFC 4492 6, RFC 5289 3.1), in TLS 1.0, 1.1 and 1.2.
//!
//! RC4, CCM, Camellia, ARIA, PSK and export suites are not opened; the decoder names the
//! suite instead.

use super::kdf::SuiteHash;

/// The record protection algorithm of an AEAD suite.
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

/// The block cipher of a CBC suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockCipher {
    Aes128,
    Aes256,
    /// DES-EDE3 (RFC 5246 C, `3DES_EDE_CBC`).
    TripleDes,
}

impl BlockCipher {
    pub fn key_len(self) -> usize {
        match self {
            BlockCipher::Aes128 => 16,
            BlockCipher::Aes256 => 32,
            BlockCipher::TripleDes => 24,
        }
    }

    pub fn block_len(self) -> usize {
        match self {
            BlockCipher::Aes128 | BlockCipher::Aes256 => 16,
            BlockCipher::TripleDes => 8,
        }
    }
}

/// The HMAC of a CBC suite (RFC 5246 6.2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacHash {
    Sha1,
    Sha256,
    Sha384,
}

impl MacHash {
    /// `mac_length` and `mac_key_length` (RFC 5246 6.2.3.1, C).
    pub fn output_len(self) -> usize {
        match self {
            MacHash::Sha1 => 20,
            MacHash::Sha256 => 32,
            MacHash::Sha384 => 48,
        }
    }
}

/// How a suite protects records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    Aead(Aead),
    Cbc { cipher: BlockCipher, mac: MacHash },
}

/// How a TLS ≤ 1.2 suite agrees on the premaster secret — what decides whether the server's
/// RSA private key can open the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// `TLS_RSA_*`: the client encrypts the premaster secret to the server's certificate
    /// key (RFC 5246 7.4.7.1); the server's private key recovers it.
    Rsa,
    /// `TLS_ECDHE_*`: ephemeral elliptic-curve Diffie-Hellman (RFC 8422); needs a key log.
    Ecdhe,
    /// `TLS_DHE_*`: ephemeral finite-field Diffie-Hellman (RFC 5246 7.4.3); needs a key log.
    Dhe,
    /// TLS 1.3 (RFC 8446): always ephemeral; needs a key log.
    Tls13,
}

impl KeyExchange {
    pub fn name(self) -> &'static str {
        match self {
            KeyExchange::Rsa => "RSA",
            KeyExchange::Ecdhe => "ECDHE",
            KeyExchange::Dhe => "DHE",
            KeyExchange::Tls13 => "TLS 1.3 (EC)DHE",
        }
    }
}

/// What decrypting one suite's records needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub protection: Protection,
    /// The PRF hash in TLS 1.2 (RFC 5246 5: SHA-256 unless the suite names SHA-384) and the
    /// HKDF hash in TLS 1.3. TLS 1.0 and 1.1 use the MD5/SHA-1 PRF whatever this says.
    pub hash: SuiteHash,
    pub kex: KeyExchange,
    /// RFC 8446 B.4 suite (keys from traffic secrets) rather than a TLS ≤ 1.2 one.
    pub tls13: bool,
}

impl Suite {
    /// TLS 1.2-only suites (AEAD, HMAC-SHA256/384) cannot be used in TLS 1.0 or 1.1
    /// (RFC 5246 A.5 and RFC 5289 say "TLS 1.2 or later").
    pub fn needs_tls12(self) -> bool {
        match self.protection {
            Protection::Aead(_) => true,
            Protection::Cbc { mac, .. } => mac != MacHash::Sha1,
        }
    }
}

/// The key exchange of a TLS ≤ 1.2 suite from its IANA number, also for suites whose
/// records are not opened (to say whether an RSA key could have helped). `None` when
/// unknown.
pub fn key_exchange(id: u16) -> Option<KeyExchange> {
    use KeyExchange::*;
    Some(match id {
        0x1301..=0x1305 => Tls13,
        // TLS_RSA_WITH_* (RFC 5246 A.5, RFC 5288, RFC 6655, RFC 5932, RFC 6209, ...).
        0x0001..=0x000A
        | 0x002F
        | 0x0035
        | 0x003B..=0x003D
        | 0x0041
        | 0x0084
        | 0x0096
        | 0x009C
        | 0x009D
        | 0x00BA
        | 0x00C0
        | 0xC09C
        | 0xC09D
        | 0xC0A0
        | 0xC0A1
        | 0xC03C
        | 0xC03D
        | 0xC050
        | 0xC051 => Rsa,
        // TLS_DHE_{DSS,RSA}_* (RFC 5246 A.5, RFC 5288).
        0x0011..=0x0016
        | 0x0032
        | 0x0033
        | 0x0038
        | 0x0039
        | 0x0040
        | 0x0067
        | 0x006A
        | 0x006B
        | 0x009E..=0x00A3
        | 0xCCAA
        | 0xC09E
        | 0xC09F
        | 0xC0A2
        | 0xC0A3 => Dhe,
        // TLS_ECDHE_* and TLS_ECDH_* (RFC 8422, RFC 5289, RFC 7905).
        0xC001..=0xC019
        | 0xC023..=0xC032
        | 0xC072..=0xC079
        | 0xC086..=0xC08D
        | 0xC0AC..=0xC0AF
        | 0xCCA8
        | 0xCCA9 => Ecdhe,
        _ => return None,
    })
}

/// The suite with IANA number `id`, if its records can be opened.
pub fn suite(id: u16) -> Option<Suite> {
    use Aead::*;
    use BlockCipher::*;
    use SuiteHash::{Sha256 as Prf256, Sha384 as Prf384};
    let cbc = |cipher, mac| Protection::Cbc { cipher, mac };
    let (protection, hash) = match id {
        // RFC 8446 B.4.
        0x1301 => (Protection::Aead(Aes128Gcm), Prf256),
        0x1302 => (Protection::Aead(Aes256Gcm), Prf384),
        0x1303 => (Protection::Aead(ChaCha20Poly1305), Prf256),
        // RFC 5288 3: TLS_{RSA,DHE_RSA,DHE_DSS}_WITH_AES_{128,256}_GCM_SHA{256,384}.
        0x009C | 0x009E | 0x00A2 => (Protection::Aead(Aes128Gcm), Prf256),
        0x009D | 0x009F | 0x00A3 => (Protection::Aead(Aes256Gcm), Prf384),
        // RFC 5289 3.2: TLS_ECDHE_{ECDSA,RSA}_WITH_AES_{128,256}_GCM_SHA{256,384}.
        0xC02B | 0xC02F => (Protection::Aead(Aes128Gcm), Prf256),
        0xC02C | 0xC030 => (Protection::Aead(Aes256Gcm), Prf384),
        // RFC 7905 2: TLS_{ECDHE_RSA,ECDHE_ECDSA,DHE_RSA}_WITH_CHACHA20_POLY1305_SHA256.
        0xCCA8..=0xCCAA => (Protection::Aead(ChaCha20Poly1305), Prf256),
        // RFC 5246 A.5 / RFC 3268: TLS_{RSA,DHE_DSS,DHE_RSA}_WITH_AES_{128,256}_CBC_SHA.
        0x002F | 0x0032 | 0x0033 => (cbc(Aes128, MacHash::Sha1), Prf256),
        0x0035 | 0x0038 | 0x0039 => (cbc(Aes256, MacHash::Sha1), Prf256),
        // RFC 5246 A.5: ..._AES_{128,256}_CBC_SHA256.
        0x003C | 0x0040 | 0x0067 => (cbc(Aes128, MacHash::Sha256), Prf256),
        0x003D | 0x006A | 0x006B => (cbc(Aes256, MacHash::Sha256), Prf256),
        // RFC 5246 A.5: TLS_{RSA,DHE_DSS,DHE_RSA}_WITH_3DES_EDE_CBC_SHA.
        0x000A | 0x0013 | 0x0016 => (cbc(TripleDes, MacHash::Sha1), Prf256),
        // RFC 8422 6: TLS_ECDHE_{ECDSA,RSA}_WITH_{3DES_EDE,AES_128,AES_256}_CBC_SHA.
        0xC008 | 0xC012 => (cbc(TripleDes, MacHash::Sha1), Prf256),
        0xC009 | 0xC013 => (cbc(Aes128, MacHash::Sha1), Prf256),
        0xC00A | 0xC014 => (cbc(Aes256, MacHash::Sha1), Prf256),
        // RFC 5289 3.1: TLS_ECDHE_{ECDSA,RSA}_WITH_AES_128_CBC_SHA256 / AES_256_CBC_SHA384.
        0xC023 | 0xC027 => (cbc(Aes128, MacHash::Sha256), Prf256),
        0xC024 | 0xC028 => (cbc(Aes256, MacHash::Sha384), Prf384),
        _ => return None,
    };
    Some(Suite {
        id,
        protection,
        hash,
        kex: key_exchange(id)?,
        tls13: (0x1301..=0x1303).contains(&id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_suites() {
        // RDP-FACTS §6.4: what Windows 7 / 2008 R2 / 2012 servers pick.
        let s = suite(0x002F).unwrap();
        assert_eq!(s.kex, KeyExchange::Rsa);
        assert_eq!(
            s.protection,
            Protection::Cbc {
                cipher: BlockCipher::Aes128,
                mac: MacHash::Sha1
            }
        );
        assert!(!s.needs_tls12());
        let s = suite(0xC028).unwrap();
        assert_eq!((s.kex, s.hash), (KeyExchange::Ecdhe, SuiteHash::Sha384));
        assert!(s.needs_tls12());
        assert_eq!(suite(0x000A).unwrap().kex, KeyExchange::Rsa);
        assert_eq!(suite(0x0016).unwrap().kex, KeyExchange::Dhe);
        assert!(suite(0x1302).unwrap().tls13);
        // RC4 and CCM are known but not opened.
        assert!(suite(0x0005).is_none());
        assert_eq!(key_exchange(0x0005), Some(KeyExchange::Rsa));
        assert!(suite(0xC0AC).is_none());
        // Every openable suite has a key exchange.
        for id in 0..=u16::MAX {
            if let Some(s) = suite(id) {
                assert_eq!(Some(s.kex), key_exchange(id), "{id:04x}");
            }
        }
    }
}
