//! ClientHello and ServerHello (RFC 8446 4.1.2, 4.1.3; RFC 5246 7.4.1.2, 7.4.1.3), parsed with
//! tls-parser, with their extensions and fingerprints.

use super::fingerprint::{self, ClientHelloFields};
use super::names;
use serde::Serialize;
use tls_parser::{
    TlsExtension, TlsMessage, TlsMessageHandshake, parse_tls_client_hello_extension,
    parse_tls_message_handshake, parse_tls_server_hello_extension,
};

/// Entries kept of each list (ciphers, extensions, groups, …).
const MAX_LIST: usize = 128;

/// RFC 8446 4.1.3: the ServerHello random of a HelloRetryRequest (SHA-256 of
/// "HelloRetryRequest").
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// RFC 8446 4.1.2 ClientHello.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClientHello {
    /// `legacy_version` (RFC 8446 4.1.2; the client's highest version before TLS 1.3).
    pub legacy_version: u16,
    /// RFC 8446 4.2.1 supported_versions, in the client's order (GREASE included).
    pub supported_versions: Vec<u16>,
    pub cipher_suites: Vec<u16>,
    pub cipher_suite_names: Vec<String>,
    /// Extension types in order.
    pub extensions: Vec<u16>,
    /// RFC 8446 4.2.7 supported_groups.
    pub groups: Vec<u16>,
    /// RFC 8422 5.1.2 ec_point_formats.
    pub point_formats: Vec<u8>,
    /// RFC 8446 4.2.3 signature_algorithms.
    pub signature_algorithms: Vec<u16>,
    /// RFC 6066 3 server_name (host_name).
    pub sni: Option<String>,
    /// RFC 7301 ALPN protocol names.
    pub alpn: Vec<String>,
    pub session_id_length: usize,
    /// The extensions block was malformed from this point on (RFC 8446 4.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_error: Option<String>,
    pub ja3: String,
    pub ja3_hash: String,
    pub ja4: String,
}

/// RFC 8446 4.1.3 ServerHello (also a HelloRetryRequest).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServerHello {
    pub legacy_version: u16,
    /// RFC 8446 4.2.1 selected_version, when present.
    pub selected_version: Option<u16>,
    pub cipher_suite: u16,
    pub extensions: Vec<u16>,
    pub alpn: Option<String>,
    /// RFC 8446 4.2.8 key_share selected group (HelloRetryRequest: the group asked for).
    pub key_share_group: Option<u16>,
    /// The extensions block was malformed from this point on (RFC 8446 4.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_error: Option<String>,
    pub ja3s: String,
    pub ja3s_hash: String,
    pub ja4s: String,
}

impl ServerHello {
    /// The version that the connection uses.
    pub fn version(&self) -> u16 {
        self.selected_version.unwrap_or(self.legacy_version)
    }
}

/// Why a hello could not be decoded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct HelloError(pub String);

/// Splits an extensions block into `(type, whole extension bytes)` (RFC 8446 4.2
/// Extension). Stops at the first malformed one and says why (the ones before it are kept,
/// as Wireshark does).
fn split_extensions(mut ext: &[u8]) -> (Vec<(u16, &[u8])>, Option<String>) {
    let mut out = Vec::new();
    while !ext.is_empty() {
        if ext.len() < 4 {
            return (
                out,
                Some(format!("{} trailing byte(s) in the extensions", ext.len())),
            );
        }
        let t = u16::from_be_bytes([ext[0], ext[1]]);
        let len = usize::from(u16::from_be_bytes([ext[2], ext[3]]));
        let Some(whole) = ext.get(..4 + len) else {
            return (
                out,
                Some(format!(
                    "extension 0x{t:04x} length {len} beyond the message"
                )),
            );
        };
        if out.len() < MAX_LIST {
            out.push((t, whole));
        }
        ext = &ext[4 + len..];
    }
    (out, None)
}

fn capped<T: Clone>(v: &[T]) -> Vec<T> {
    v[..v.len().min(MAX_LIST)].to_vec()
}

/// Parses a whole ClientHello handshake message (with its 4-byte header).
pub fn parse_client_hello(msg: &[u8]) -> Result<ClientHello, HelloError> {
    let ch = match parse_tls_message_handshake(msg) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)))) => ch,
        Ok(_) => return Err(HelloError("not a ClientHello".into())),
        Err(e) => return Err(HelloError(format!("ClientHello: {e:?}"))),
    };
    let ciphers: Vec<u16> = ch.ciphers.iter().take(MAX_LIST).map(|c| c.0).collect();
    let mut hello = ClientHello {
        legacy_version: ch.version.0,
        supported_versions: Vec::new(),
        cipher_suite_names: ciphers.iter().map(|&c| names::cipher_name(c)).collect(),
        cipher_suites: ciphers,
        extensions: Vec::new(),
        groups: Vec::new(),
        point_formats: Vec::new(),
        signature_algorithms: Vec::new(),
        sni: None,
        alpn: Vec::new(),
        session_id_length: ch.session_id.map_or(0, <[u8]>::len),
        extension_error: None,
        ja3: String::new(),
        ja3_hash: String::new(),
        ja4: String::new(),
    };
    let mut first_alpn: Option<Vec<u8>> = None;
    let (exts, error) = split_extensions(ch.ext.unwrap_or_default());
    hello.extension_error = error;
    for (t, raw) in exts {
        hello.extensions.push(t);
        let Ok((_, ext)) = parse_tls_client_hello_extension(raw) else {
            continue;
        };
        match ext {
            TlsExtension::SNI(list) => {
                if let Some((_, name)) = list.iter().find(|(kind, _)| kind.0 == 0) {
                    hello.sni = Some(String::from_utf8_lossy(&name[..name.len().min(255)]).into());
                }
            }
            TlsExtension::EllipticCurves(g) => {
                hello.groups = g.iter().take(MAX_LIST).map(|g| g.0).collect()
            }
            TlsExtension::EcPointFormats(p) => hello.point_formats = capped(p),
            TlsExtension::SignatureAlgorithms(s) => hello.signature_algorithms = capped(&s),
            TlsExtension::SupportedVersions(v) => {
                hello.supported_versions = v.iter().take(MAX_LIST).map(|v| v.0).collect()
            }
            TlsExtension::ALPN(list) => {
                first_alpn = list.first().map(|a| a.to_vec());
                hello.alpn = list
                    .iter()
                    .take(16)
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
            }
            _ => {}
        }
    }
    let fields = ClientHelloFields {
        legacy_version: hello.legacy_version,
        ciphers: &hello.cipher_suites,
        extensions: &hello.extensions,
        groups: &hello.groups,
        point_formats: &hello.point_formats,
        signature_algorithms: &hello.signature_algorithms,
        supported_versions: &hello.supported_versions,
        has_sni: hello.sni.is_some(),
        first_alpn: first_alpn.as_deref(),
    };
    let (ja3, ja3_hash) = fingerprint::ja3(&fields);
    hello.ja4 = fingerprint::ja4(&fields);
    hello.ja3 = ja3;
    hello.ja3_hash = ja3_hash;
    Ok(hello)
}

/// Parses a whole ServerHello handshake message; the bool says HelloRetryRequest.
pub fn parse_server_hello(msg: &[u8]) -> Result<(ServerHello, bool), HelloError> {
    let (legacy_version, random, cipher, ext) = match parse_tls_message_handshake(msg) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)))) => {
            (sh.version.0, sh.random, sh.cipher.0, sh.ext)
        }
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHelloV13Draft18(sh)))) => {
            (sh.version.0, sh.random, sh.cipher.0, sh.ext)
        }
        Ok(_) => return Err(HelloError("not a ServerHello".into())),
        Err(e) => return Err(HelloError(format!("ServerHello: {e:?}"))),
    };
    let hrr = random == HRR_RANDOM;
    let mut hello = ServerHello {
        legacy_version,
        selected_version: None,
        cipher_suite: cipher,
        extensions: Vec::new(),
        alpn: None,
        key_share_group: None,
        extension_error: None,
        ja3s: String::new(),
        ja3s_hash: String::new(),
        ja4s: String::new(),
    };
    let mut alpn_raw: Option<Vec<u8>> = None;
    let (exts, error) = split_extensions(ext.unwrap_or_default());
    hello.extension_error = error;
    for (t, raw) in exts {
        hello.extensions.push(t);
        if t == 51 {
            // RFC 8446 4.2.8: KeyShareServerHello { KeyShareEntry } or, in a
            // HelloRetryRequest, KeyShareHelloRetryRequest { NamedGroup }.
            if let Some(g) = raw.get(4..6) {
                hello.key_share_group = Some(u16::from_be_bytes([g[0], g[1]]));
            }
            continue;
        }
        let Ok((_, ext)) = parse_tls_server_hello_extension(raw) else {
            continue;
        };
        match ext {
            TlsExtension::SupportedVersions(v) => hello.selected_version = v.first().map(|v| v.0),
            TlsExtension::ALPN(list) => {
                alpn_raw = list.first().map(|a| a.to_vec());
                hello.alpn = list
                    .first()
                    .map(|a| String::from_utf8_lossy(a).into_owned());
            }
            _ => {}
        }
    }
    let (ja3s, ja3s_hash) = fingerprint::ja3s(legacy_version, cipher, &hello.extensions);
    hello.ja3s = ja3s;
    hello.ja3s_hash = ja3s_hash;
    hello.ja4s = fingerprint::ja4s(
        hello.version(),
        cipher,
        &hello.extensions,
        alpn_raw.as_deref(),
    );
    Ok((hello, hrr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_extensions_are_reported() {
        assert!(split_extensions(&[0, 0, 0, 9, 1]).1.is_some());
        assert!(split_extensions(&[0, 0]).1.is_some());
        let (ok, err) = split_extensions(&[0, 23, 0, 0, 1]);
        assert_eq!((ok.len(), err.is_some()), (1, true));
        assert_eq!(split_extensions(&[0, 23, 0, 0]).0.len(), 1);
    }

    #[test]
    fn garbage_hello_is_an_error() {
        assert!(parse_client_hello(&[1, 0, 0, 2, 3, 3]).is_err());
        assert!(parse_server_hello(&[2, 0, 0, 0]).is_err());
        assert!(parse_client_hello(&[]).is_err());
    }
}
