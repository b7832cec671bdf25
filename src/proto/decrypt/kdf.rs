//! Key derivation for TLS record protection: the TLS 1.0/1.1 PRF (RFC 2246 5, MD5 and
//! SHA-1), the TLS 1.2 PRF (RFC 5246 5), the master secret from a premaster secret (RFC
//! 5246 8.1) or with the extended master secret (RFC 7627 4), the handshake transcript hash
//! that one needs, and TLS 1.3 HKDF-Expand-Label (RFC 8446 7.1). Built on the RustCrypto
//! `hmac`, `hkdf`, `md-5`, `sha1` and `sha2` crates; only the label framing is written here.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};

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

/// The hash of an HMAC: the PRFs' (MD5 and SHA-1 for TLS 1.0/1.1, SHA-256/384 for TLS
/// 1.2) and the record MACs' (RFC 5246 6.2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacHash {
    Md5,
    Sha1,
    Sha256,
    Sha384,
}

impl From<SuiteHash> for HmacHash {
    fn from(h: SuiteHash) -> Self {
        match h {
            SuiteHash::Sha256 => HmacHash::Sha256,
            SuiteHash::Sha384 => HmacHash::Sha384,
        }
    }
}

fn hmac_of<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length (RFC 2104 2); new_from_slice cannot fail.
    let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// `HMAC_hash(key, parts[0] + parts[1] + …)` (RFC 2104).
pub fn hmac(hash: HmacHash, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match hash {
        HmacHash::Md5 => hmac_of::<Hmac<Md5>>(key, parts),
        HmacHash::Sha1 => hmac_of::<Hmac<Sha1>>(key, parts),
        HmacHash::Sha256 => hmac_of::<Hmac<Sha256>>(key, parts),
        HmacHash::Sha384 => hmac_of::<Hmac<Sha384>>(key, parts),
    }
}

/// RFC 5246 5 `P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed)
/// + …` with `A(0) = seed, A(i) = HMAC(secret, A(i-1))`, where seed = label + seed. XORed
/// into `out` (so that TLS 1.0's two halves combine; `out` starts zeroed for one hash).
fn p_hash_xor(hash: HmacHash, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let mut a = hmac(hash, secret, &[label, seed]);
    let mut filled = 0;
    while filled < out.len() && !a.is_empty() {
        let block = hmac(hash, secret, &[&a, label, seed]);
        for (o, b) in out[filled..].iter_mut().zip(&block) {
            *o ^= b;
        }
        filled += block.len();
        a = hmac(hash, secret, &[&a]);
    }
}

/// RFC 5246 5: `PRF(secret, label, seed) = P_<hash>(secret, label + seed)`. Fills `out`.
pub fn tls12_prf(hash: SuiteHash, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    out.fill(0);
    p_hash_xor(hash.into(), secret, label, seed, out);
}

/// RFC 2246 5 (TLS 1.0, unchanged in RFC 4346 for TLS 1.1): the secret is split into two
/// halves S1 and S2 (sharing the middle byte when its length is odd) and
/// `PRF(secret, label, seed) = P_MD5(S1, label + seed) XOR P_SHA-1(S2, label + seed)`.
pub fn tls10_prf(secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let half = secret.len().div_ceil(2);
    out.fill(0);
    p_hash_xor(HmacHash::Md5, &secret[..half], label, seed, out);
    p_hash_xor(
        HmacHash::Sha1,
        &secret[secret.len() - half..],
        label,
        seed,
        out,
    );
}

/// The PRF of a TLS ≤ 1.2 session: MD5/SHA-1 before TLS 1.2, the suite's hash in TLS 1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prf {
    Tls10,
    Tls12(SuiteHash),
}

impl Prf {
    /// The PRF of `version` (0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2) with a suite
    /// whose TLS 1.2 PRF hash is `hash`.
    pub fn for_version(version: u16, hash: SuiteHash) -> Prf {
        if version >= 0x0303 {
            Prf::Tls12(hash)
        } else {
            Prf::Tls10
        }
    }

    pub fn derive(self, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
        match self {
            Prf::Tls10 => tls10_prf(secret, label, seed, out),
            Prf::Tls12(h) => tls12_prf(h, secret, label, seed, out),
        }
    }
}

/// RFC 5246 8.1: `master_secret = PRF(pre_master_secret, "master secret", ClientHello.random
/// + ServerHello.random)[0..47]`.
pub fn master_secret(
    prf: Prf,
    premaster: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> [u8; 48] {
    let mut seed = [0u8; 64];
    seed[..32].copy_from_slice(client_random);
    seed[32..].copy_from_slice(server_random);
    let mut out = [0u8; 48];
    prf.derive(premaster, b"master secret", &seed, &mut out);
    out
}

/// RFC 7627 4: `master_secret = PRF(pre_master_secret, "extended master secret",
/// session_hash)[0..47]`, the session hash being [`Transcript::session_hash`].
pub fn extended_master_secret(prf: Prf, premaster: &[u8], session_hash: &[u8]) -> [u8; 48] {
    let mut out = [0u8; 48];
    prf.derive(premaster, b"extended master secret", session_hash, &mut out);
    out
}

/// A running hash of the handshake messages (RFC 7627 3 session_hash: every handshake message
/// from the ClientHello up to and including the ClientKeyExchange, headers included). The
/// hash depends on the version and suite the ServerHello picks, so the messages before it are
/// kept until [`Transcript::choose`].
#[derive(Clone, Debug)]
pub enum Transcript {
    Pending(Vec<u8>),
    /// TLS 1.0 / 1.1: `MD5(handshake_messages) + SHA-1(handshake_messages)` (RFC 7627 3).
    Md5Sha1(Md5, Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript::Pending(Vec::new())
    }
}

/// Bytes of handshake messages kept before the ServerHello chooses the hash (a ClientHello is
/// well under this).
const MAX_PENDING_TRANSCRIPT: usize = 1 << 16;

impl Transcript {
    /// Adds one handshake message (with its 4-byte header).
    pub fn update(&mut self, msg: &[u8]) {
        match self {
            Transcript::Pending(v) => {
                if v.len() + msg.len() <= MAX_PENDING_TRANSCRIPT {
                    v.extend_from_slice(msg);
                }
            }
            Transcript::Md5Sha1(m, s) => {
                m.update(msg);
                s.update(msg);
            }
            Transcript::Sha256(h) => h.update(msg),
            Transcript::Sha384(h) => h.update(msg),
        }
    }

    /// Switches to the hash of the session's PRF, hashing what was kept.
    pub fn choose(&mut self, prf: Prf) {
        let Transcript::Pending(kept) = self else {
            return;
        };
        let kept = std::mem::take(kept);
        *self = match prf {
            Prf::Tls10 => Transcript::Md5Sha1(Md5::new(), Sha1::new()),
            Prf::Tls12(SuiteHash::Sha256) => Transcript::Sha256(Sha256::new()),
            Prf::Tls12(SuiteHash::Sha384) => Transcript::Sha384(Sha384::new()),
        };
        self.update(&kept);
    }

    /// The hash of the messages so far (`None` before [`Transcript::choose`]).
    pub fn session_hash(&self) -> Option<Vec<u8>> {
        Some(match self {
            Transcript::Pending(_) => return None,
            Transcript::Md5Sha1(m, s) => {
                let mut out = m.clone().finalize().to_vec();
                out.extend_from_slice(&s.clone().finalize());
                out
            }
            Transcript::Sha256(h) => h.clone().finalize().to_vec(),
            Transcript::Sha384(h) => h.clone().finalize().to_vec(),
        })
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

    /// The same secret, label and seed through the TLS 1.0 PRF and the TLS 1.2 SHA-384 PRF;
    /// expected outputs from OpenSSL 3.0's TLS1-PRF KDF (`openssl kdf -keylen N -kdfopt
    /// digest:MD5-SHA1|SHA384 -kdfopt hexsecret:… -kdfopt hexseed:<label><seed> TLS1-PRF`).
    #[test]
    fn tls10_and_sha384_prf_match_openssl() {
        let secret = hex("9bbe436ba940f017b17652849a71db35");
        let seed = hex("a0ba9f936cda311827a6f796ffd5198c");
        let mut out = [0u8; 100];
        tls10_prf(&secret, b"test label", &seed, &mut out);
        assert_eq!(
            out.to_vec(),
            hex(concat!(
                "661740e6f98bc901efd2738502a71c03f76dd2f86298549b1148eff06714cf0f",
                "6b7c532cd8c69f1530e0bb680eec34c495fa75a8bfcc9c335484c0d3d194ab6e",
                "32975903c50ebcdbe9d67c0591bdbd80dddcc36d33ccd58adf96caae173f48dc",
                "40f983e2"
            ))
        );
        let mut out = [0u8; 64];
        Prf::Tls12(SuiteHash::Sha384).derive(&secret, b"test label", &seed, &mut out);
        assert_eq!(
            out.to_vec(),
            hex(concat!(
                "dd88775cd827187b67a3f7652b5c13f715791cc46e0274a6d3fb16651103defc",
                "544cd8afb68369a219bb918b8b21ddb1764af0a70339e6dec085e574f655851b"
            ))
        );
        // An odd-length secret: the halves share the middle byte (RFC 2246 5).
        let mut a = [0u8; 16];
        tls10_prf(&[1, 2, 3], b"l", b"s", &mut a);
        let mut b = [0u8; 16];
        p_hash_xor(HmacHash::Md5, &[1, 2], b"l", b"s", &mut b);
        p_hash_xor(HmacHash::Sha1, &[2, 3], b"l", b"s", &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn transcript_keeps_messages_until_the_hash_is_known() {
        let mut t = Transcript::default();
        t.update(b"hello ");
        assert!(t.session_hash().is_none());
        t.choose(Prf::Tls12(SuiteHash::Sha256));
        t.update(b"world");
        assert_eq!(
            t.session_hash().unwrap(),
            Sha256::digest(b"hello world").to_vec()
        );
        let mut t = Transcript::default();
        t.update(b"abc");
        t.choose(Prf::Tls10);
        let mut both = Md5::digest(b"abc").to_vec();
        both.extend_from_slice(&Sha1::digest(b"abc"));
        assert_eq!(t.session_hash().unwrap(), both);
    }

    /// RFC 2202 test case 1 for HMAC-MD5 and HMAC-SHA1; RFC 4231 test case 1 for SHA-256.
    #[test]
    fn hmac_vectors() {
        assert_eq!(
            hmac(HmacHash::Md5, &[0x0b; 16], &[b"Hi ", b"There"]),
            hex("9294727a3638bb1c13f48ef8158bfc9d")
        );
        assert_eq!(
            hmac(HmacHash::Sha1, &[0x0b; 20], &[b"Hi There"]),
            hex("b617318655057264e28bc0b6fb378c8ef146be00")
        );
        assert_eq!(
            hmac(HmacHash::Sha256, &[0x0b; 20], &[b"Hi There"]),
            hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        );
    }

    #[test]
    fn short_prk_is_refused() {
        assert!(hkdf_expand_label(SuiteHash::Sha384, &[1; 16], b"key", b"", 32).is_none());
    }
}
