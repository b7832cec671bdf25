//! X.509 certificates (RFC 5280) as the server sent them: names, validity, key, thumbprints.
//! Describes only; whether a certificate is expired or matches a name is judged by the
//! detectors against the capture's own time.

use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::objects::{oid_registry, oid2abbrev, oid2sn};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::X509Name;

/// Certificates described per chain (the rest are counted).
pub const MAX_CERTIFICATES: usize = 10;
/// Names kept per certificate (SAN entries).
const MAX_NAMES: usize = 64;
/// Characters kept of one name string.
const MAX_NAME_LEN: usize = 512;

/// RFC 5280 4.1 Certificate, as far as an administrator needs it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertInfo {
    /// 0 = the server's own (leaf) certificate, then the chain as sent.
    pub position: usize,
    pub der_length: usize,
    /// SHA-1 of the DER, upper-case hex: the "Thumbprint" certlm.msc and
    /// `Get-ChildItem Cert:\` show (and what RDP's `SSLCertificateSHA1Hash` holds).
    pub sha1: String,
    /// SHA-256 of the DER, lower-case hex (Zeek's `cert_chain_fps`).
    pub sha256: String,
    /// The DER could not be decoded: why (the thumbprints above are still valid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    /// RFC 4514 string (most specific RDN first, as OpenSSL and Zeek print it).
    pub subject: String,
    pub issuer: String,
    /// RFC 5280 4.1.2.6: the subject's (last) commonName, if any.
    pub common_name: Option<String>,
    /// RFC 5280 4.2.1.6 subjectAltName dNSName entries.
    pub san_dns: Vec<String>,
    /// RFC 5280 4.2.1.6 subjectAltName iPAddress entries.
    pub san_ip: Vec<String>,
    /// RFC 5280 4.1.2.2 serial number, hex with colons.
    pub serial: String,
    /// RFC 5280 4.1.2.5 validity, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    pub not_before_text: String,
    pub not_after_text: String,
    /// `RSA`, `EC`, `DSA`, `Ed25519`, … and the key size in bits.
    pub key_type: String,
    pub key_bits: Option<usize>,
    /// RFC 5280 4.1.1.2 signatureAlgorithm, e.g. `sha256WithRSAEncryption`.
    pub signature_algorithm: String,
    /// RFC 5280 4.2.1.12 extended key usage, e.g. `serverAuth`.
    pub extended_key_usage: Vec<String>,
    /// RFC 5280 4.2.1.9 basicConstraints cA.
    pub is_ca: bool,
    /// Subject and issuer are the same name (self-issued, RFC 5280 3.2): a self-signed
    /// certificate, such as the one Windows generates for Remote Desktop.
    pub self_issued: bool,
    /// Issuer equals the subject of the next certificate of the chain (none for the last).
    pub issued_by_next: Option<bool>,
    #[serde(skip)]
    pub subject_raw: Vec<u8>,
    #[serde(skip)]
    pub issuer_raw: Vec<u8>,
}

fn hex(bytes: &[u8], upper: bool) -> String {
    bytes
        .iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect()
}

fn clip(mut s: String) -> String {
    if s.len() > MAX_NAME_LEN {
        let mut cut = MAX_NAME_LEN;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// RFC 4514 2.4 escaping of an attribute value.
fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        if c == '\0' {
            out.push_str("\\00");
        } else {
            out.push(c);
        }
    }
    out
}

fn attribute_text(value: &x509_parser::x509::AttributeTypeAndValue<'_>) -> String {
    match value.as_str() {
        Ok(s) => s.to_string(),
        Err(_) => {
            let raw = value.as_slice();
            // BMPString (UTF-16BE) is common in old Windows certificates.
            if value.attr_value().tag() == x509_parser::der_parser::asn1_rs::Tag::BmpString {
                let units: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            } else {
                String::from_utf8_lossy(raw).into_owned()
            }
        }
    }
}

/// RFC 4514 string of a name: RDNs in reverse order, `,`-separated, multi-valued with `+`.
pub fn name_to_rfc4514(name: &X509Name<'_>) -> String {
    let registry = oid_registry();
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|attr| {
                    let key = match oid2abbrev(attr.attr_type(), registry) {
                        Ok(a) => a.to_string(),
                        Err(_) => attr.attr_type().to_id_string(),
                    };
                    format!("{key}={}", escape_value(&attribute_text(attr)))
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    let mut rev = rdns;
    rev.reverse();
    clip(rev.join(","))
}

fn asn1_text(t: i64) -> String {
    crate::capture::Timestamp(t.saturating_mul(1_000_000_000)).to_rfc3339()
}

impl CertInfo {
    /// A certificate whose DER could not be decoded: only its size and thumbprints.
    fn undecodable(position: usize, der: &[u8], reason: String) -> CertInfo {
        CertInfo {
            position,
            der_length: der.len(),
            sha1: hex(&Sha1::digest(der), true),
            sha256: hex(&Sha256::digest(der), false),
            parse_error: Some(clip(reason)),
            subject: String::new(),
            issuer: String::new(),
            common_name: None,
            san_dns: Vec::new(),
            san_ip: Vec::new(),
            serial: String::new(),
            not_before: 0,
            not_after: 0,
            not_before_text: String::new(),
            not_after_text: String::new(),
            key_type: String::new(),
            key_bits: None,
            signature_algorithm: String::new(),
            extended_key_usage: Vec::new(),
            is_ca: false,
            self_issued: false,
            issued_by_next: None,
            subject_raw: Vec::new(),
            issuer_raw: Vec::new(),
        }
    }

    /// RFC 5280 4.1 Certificate from DER. Never fails: a broken certificate is described
    /// by its thumbprints and the decoding error.
    pub fn from_der(position: usize, der: &[u8]) -> CertInfo {
        let cert = match X509Certificate::from_der(der) {
            Ok((_, c)) => c,
            Err(e) => return CertInfo::undecodable(position, der, format!("X.509: {e}")),
        };
        let registry = oid_registry();
        let mut info = CertInfo::undecodable(position, der, String::new());
        info.parse_error = None;
        info.subject = name_to_rfc4514(cert.subject());
        info.issuer = name_to_rfc4514(cert.issuer());
        info.subject_raw = cert.subject().as_raw().to_vec();
        info.issuer_raw = cert.issuer().as_raw().to_vec();
        info.common_name = cert
            .subject()
            .iter_common_name()
            .last()
            .map(|cn| clip(attribute_text(cn)));
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in san.value.general_names.iter() {
                match name {
                    GeneralName::DNSName(d) if info.san_dns.len() < MAX_NAMES => {
                        info.san_dns.push(clip(d.to_string()))
                    }
                    GeneralName::IPAddress(a) if info.san_ip.len() < MAX_NAMES => {
                        let ip = match a.len() {
                            4 => <[u8; 4]>::try_from(*a)
                                .map(|b| std::net::IpAddr::from(b).to_string())
                                .ok(),
                            16 => <[u8; 16]>::try_from(*a)
                                .map(|b| std::net::IpAddr::from(b).to_string())
                                .ok(),
                            _ => None,
                        };
                        info.san_ip.push(ip.unwrap_or_else(|| hex(a, false)));
                    }
                    _ => {}
                }
            }
        }
        info.serial = cert
            .raw_serial()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":");
        info.not_before = cert.validity().not_before.timestamp();
        info.not_after = cert.validity().not_after.timestamp();
        info.not_before_text = asn1_text(info.not_before);
        info.not_after_text = asn1_text(info.not_after);
        let spki = cert.public_key();
        let (key_type, bits) = match spki.parsed() {
            Ok(PublicKey::RSA(k)) => ("RSA".to_string(), Some(k.key_size())),
            Ok(PublicKey::EC(k)) => ("EC".to_string(), Some(k.key_size())),
            Ok(PublicKey::DSA(k)) => ("DSA".to_string(), Some(k.len() * 8)),
            Ok(PublicKey::GostR3410(k)) => ("GOST R 34.10".to_string(), Some(k.len() * 8)),
            _ => (
                oid2sn(&spki.algorithm.algorithm, registry)
                    .map(str::to_string)
                    .unwrap_or_else(|_| spki.algorithm.algorithm.to_id_string()),
                None,
            ),
        };
        info.key_type = key_type;
        info.key_bits = bits.filter(|&b| b > 0);
        info.signature_algorithm = oid2sn(&cert.signature_algorithm.algorithm, registry)
            .map(str::to_string)
            .unwrap_or_else(|_| cert.signature_algorithm.algorithm.to_id_string());
        if let Ok(Some(eku)) = cert.extended_key_usage() {
            let e = eku.value;
            for (set, name) in [
                (e.any, "anyExtendedKeyUsage"),
                (e.server_auth, "serverAuth"),
                (e.client_auth, "clientAuth"),
                (e.code_signing, "codeSigning"),
                (e.email_protection, "emailProtection"),
                (e.time_stamping, "timeStamping"),
                (e.ocsp_signing, "OCSPSigning"),
            ] {
                if set {
                    info.extended_key_usage.push(name.to_string());
                }
            }
            for oid in e.other.iter().take(MAX_NAMES) {
                info.extended_key_usage.push(oid.to_id_string());
            }
        }
        info.is_ca = cert.is_ca();
        info.self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
        info
    }
}

/// Describes a chain (RFC 8446 4.4.2 / RFC 5246 7.4.2 order: sender's certificate first).
pub fn describe_chain<'a>(ders: impl Iterator<Item = &'a [u8]>) -> Vec<CertInfo> {
    let mut chain: Vec<CertInfo> = ders
        .take(MAX_CERTIFICATES)
        .enumerate()
        .map(|(i, der)| CertInfo::from_der(i, der))
        .collect();
    for i in 0..chain.len().saturating_sub(1) {
        let next = chain[i + 1].subject_raw.clone();
        if chain[i].parse_error.is_none() && chain[i + 1].parse_error.is_none() {
            chain[i].issued_by_next = Some(chain[i].issuer_raw == next);
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_der_is_described_not_fatal() {
        let c = CertInfo::from_der(0, &[0x30, 0x82, 0xff, 0xff, 0x01]);
        assert!(c.parse_error.is_some());
        assert_eq!(c.der_length, 5);
        assert_eq!(c.sha1.len(), 40);
        let empty = CertInfo::from_der(1, &[]);
        assert!(empty.parse_error.is_some());
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_value("TOBU Co.,Ltd."), "TOBU Co.\\,Ltd.");
        assert_eq!(escape_value(" a "), "\\ a\\ ");
    }
}
