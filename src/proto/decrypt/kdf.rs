//! Key derivation for TLS record protection: the TLS 1.2 PRF (RFC 5246 5) and TLS 1.3
//! HKDF-Expand-Label (RFC 8446 7.1). Built on the RustCrypto `hmac` and `hkdf` crates; only
//! the label framing is written here.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};

/// Hash of a cipher suite (RFC 5246 5 "P_SHA256" unless the suite names SHA384; RFC 8446
/// B.4 for TLS 1.3 suites).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuiteHash {
    Sha256,
    Sha384,
}

impl SuiteHash {
    pub fn output_len(self) -> usize {
        match self {
            SuiteHash::Sha256 => 32,
            SuiteHash::Sha384 => 48,
        }
    }
}

fn hmac_parts(hash: SuiteHash, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match hash {
        SuiteHash::Sha256 => {
            // HMAC accepts keys of any length (RFC 2104 2); new_from_slice cannot fail.
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
                return Vec::new();
            };
            for p in parts {
                mac.update(p);
            }
            mac.finalize().into_bytes().to_vec()
        }
        SuiteHash::Sha384 => {
            let Ok(mut mac) = Hmac::<Sha384>::new_from_slice(key) else {
                return Vec::new();
            };
            for p in parts {
                mac.update(p);
            }
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// RFC 5246 5: `PRF(secret, label, seed) = P_<hash>(secret, label + seed)`, where
/// `P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + …` and
/// `A(0) = seed, A(i) = HMAC(secret, A(i-1))`. Fills `out`.
pub fn tls12_prf(hash: SuiteHash, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let mut a = hmac_parts(hash, secret, &[label, seed]);
    let mut filled = 0;
    while filled < out.len() && !a.is_empty() {
        let block = hmac_parts(hash, secret, &[&a, label, seed]);
        let take = block.len().min(out.len() - filled);
        out[filled..filled + take].copy_from_slice(&block[..take]);
        filled += take;
        a = hmac_parts(hash, secret, &[&a]);
    }
}

/// RFC 8446 7.1 `HKDF-Expand-Label(Secret, Label, Context, Length)` with the HkdfLabel
/// structure `uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>`.
/// `None` when the secret is shorter than the hash (not a usable PRK) or lengths overflow.
pub fn hkdf_expand_label(
    hash: SuiteHash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let full_label_len = u8::try_from(6 + label.len()).ok()?;
    let context_len = u8::try_from(context.len()).ok()?;
    let mut info = Vec::with_capacity(4 + 6 + label.len() + context.len());
    info.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    info.push(full_label_len);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(context_len);
    info.extend_from_slice(context);
    let mut out = vec![0u8; len];
    match hash {
        SuiteHash::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        SuiteHash::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8448 3 (Simple 1-RTT handshake): server handshake traffic secret → key and iv.
    #[test]
    fn rfc8448_server_handshake_key_and_iv() {
        let secret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
        let key = hkdf_expand_label(SuiteHash::Sha256, &secret, b"key", b"", 16).unwrap();
        let iv = hkdf_expand_label(SuiteHash::Sha256, &secret, b"iv", b"", 12).unwrap();
        assert_eq!(key, hex("3fce516009c21727d0f2e4e86ee403bc"));
        assert_eq!(iv, hex("5d313eb2671276ee13000b30"));
    }

    /// The TLS 1.2 PRF test vector for P_SHA256 circulated on the IETF TLS list (also in
    /// the test suites of several TLS libraries): secret, "test label", seed → 100 bytes.
    #[test]
    fn tls12_prf_sha256_vector() {
        let secret = hex("9bbe436ba940f017b17652849a71db35");
        let seed = hex("a0ba9f936cda311827a6f796ffd5198c");
        let mut out = [0u8; 100];
        tls12_prf(SuiteHash::Sha256, &secret, b"test label", &seed, &mut out);
        assert_eq!(
            out.to_vec(),
            hex(concat!(
                "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a",
                "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab",
                "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701",
                "87347b66"
            ))
        );
    }

    #[test]
    fn short_prk_is_refused() {
        assert!(hkdf_expand_label(SuiteHash::Sha384, &[1; 16], b"key", b"", 32).is_none());
    }
}
