//! One connection's TLS handshake, gathered from its observations, for reports and
//! detectors. A view: it judges nothing (validity against the capture time, name matching and
//! the like are the detectors' business).

use super::names;
use super::{CertInfo, ClientHello, ServerHello, TlsObserved};
use crate::capture::Timestamp;
use crate::flow::Side;
use crate::proto::observation::{Observation, Observed};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AlertSummary {
    pub frame: u64,
    pub ts: Timestamp,
    pub from: Side,
    pub level: String,
    pub description: String,
    pub description_code: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct EncryptedRecordSummary {
    pub frame: u64,
    pub content_type: u8,
    pub length: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsSummary {
    /// Frame of the first TLS record seen (either side).
    pub first_frame: u64,
    pub client_hello_frame: Option<u64>,
    pub client_hello_ts: Option<Timestamp>,
    /// The versions the client offered: supported_versions (TLS 1.3 clients), else its
    /// legacy_version, which means "this one and any lower" (RFC 5246 E.1).
    pub client_versions: Vec<String>,
    pub client_legacy_version: Option<String>,
    /// The same as numbers: legacy_version and supported_versions (GREASE removed).
    pub client_legacy_version_raw: Option<u16>,
    pub client_supported_versions_raw: Vec<u16>,
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub offered_ciphers: Vec<String>,
    pub offered_groups: Vec<String>,
    pub signature_algorithms: Vec<String>,
    pub client_extensions: Vec<String>,
    pub ja3: Option<String>,
    pub ja3_hash: Option<String>,
    pub ja4: Option<String>,
    pub hello_retry_frame: Option<u64>,
    pub server_hello_frame: Option<u64>,
    /// Negotiated version (`TLSv1.2`), from the ServerHello.
    pub version: Option<String>,
    pub version_raw: Option<u16>,
    pub cipher: Option<String>,
    pub cipher_raw: Option<u16>,
    /// Key exchange group (TLS 1.3 key_share; TLS 1.2 ECDHE ServerKeyExchange).
    pub group: Option<String>,
    pub server_alpn: Option<String>,
    pub server_extensions: Vec<String>,
    pub ja3s: Option<String>,
    pub ja3s_hash: Option<String>,
    pub ja4s: Option<String>,
    pub certificate_frame: Option<u64>,
    pub certificate_ts: Option<Timestamp>,
    /// TLS 1.3: the certificate travels encrypted and was not decrypted (no key log for
    /// this session).
    pub certificate_encrypted: bool,
    /// Decryption with a key log or the server's RSA key: `decrypted` (records opened;
    /// encrypted handshake messages, alerts and application data are described),
    /// `no_session_keys` (key logs were given but hold nothing for this session),
    /// `cipher_not_decrypted` (a suite this tool does not open: RC4, CCM, …, or SSL 3.0),
    /// `rsa_key_mismatch` (RSA key exchange, but no RSA key given matches the server's
    /// certificate), `rsa_key_not_usable` (only RSA keys could help and the key exchange is
    /// ephemeral — (EC)DHE or TLS 1.3 needs a key log), `session_resumed` (an abbreviated
    /// handshake whose master secret only a key log holds), `failed` (a record did not
    /// open: the secrets belong to another session, or records are missing; or the RSA key
    /// did not decrypt the premaster secret). Absent when no key log or RSA key was given or
    /// the session did not get that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decryption: Option<&'static str>,
    /// `decryption` as a sentence: what opened the session, or why it was not opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decryption_reason: Option<String>,
    /// Certificates in the server's Certificate message (leaf first).
    pub certificates: Vec<CertInfo>,
    pub certificate_count: usize,
    pub client_certificate_count: Option<usize>,
    pub certificate_request_frame: Option<u64>,
    pub server_hello_done_frame: Option<u64>,
    pub client_key_exchange_frame: Option<u64>,
    pub client_change_cipher_spec_frame: Option<u64>,
    pub server_change_cipher_spec_frame: Option<u64>,
    /// Alerts sent in clear.
    pub alerts: Vec<AlertSummary>,
    /// The last alert in clear (`handshake_failure`), as Zeek's `last_alert`.
    pub last_alert: Option<String>,
    /// Encrypted records: client's and server's first ones (frame, type, length).
    pub client_encrypted_records: Vec<EncryptedRecordSummary>,
    pub server_encrypted_records: Vec<EncryptedRecordSummary>,
    /// Both sides reached encrypted traffic after a ServerHello and no fatal alert was sent
    /// in clear (Zeek's `established`).
    pub established: bool,
    /// `established`, `alert`, `no_server_hello`, `incomplete`, `not_tls`.
    pub outcome: &'static str,
    pub malformed: Vec<String>,
    /// Frames after which bytes of a direction were not captured (TLS decoding of that
    /// direction stopped there).
    pub bytes_missing: Vec<BytesMissing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BytesMissing {
    pub frame: u64,
    pub from: Side,
    pub bytes: u64,
}

fn server_hello_fields(s: &mut TlsSummary, o: &Observation, h: &ServerHello) {
    s.server_hello_frame = Some(o.frame);
    s.version = Some(names::version_name(h.version()));
    s.version_raw = Some(h.version());
    s.cipher = Some(names::cipher_name(h.cipher_suite));
    s.cipher_raw = Some(h.cipher_suite);
    if let Some(g) = h.key_share_group {
        s.group = Some(names::group_name(g));
    }
    s.server_alpn = h.alpn.clone();
    s.server_extensions = h
        .extensions
        .iter()
        .map(|&e| names::extension_name(e))
        .collect();
    s.ja3s = Some(h.ja3s.clone());
    s.ja3s_hash = Some(h.ja3s_hash.clone());
    s.ja4s = Some(h.ja4s.clone());
}

fn client_hello_fields(s: &mut TlsSummary, o: &Observation, h: &ClientHello) {
    s.client_hello_frame = Some(o.frame);
    s.client_hello_ts = Some(o.ts);
    s.client_legacy_version = Some(names::version_name(h.legacy_version));
    s.client_legacy_version_raw = Some(h.legacy_version);
    s.client_supported_versions_raw = h
        .supported_versions
        .iter()
        .copied()
        .filter(|&v| !names::is_grease(v))
        .collect();
    s.client_versions = if h.supported_versions.is_empty() {
        vec![names::version_name(h.legacy_version)]
    } else {
        h.supported_versions
            .iter()
            .filter(|&&v| !names::is_grease(v))
            .map(|&v| names::version_name(v))
            .collect()
    };
    s.sni = h.sni.clone();
    s.alpn = h.alpn.clone();
    s.offered_ciphers = h.cipher_suite_names.clone();
    s.offered_groups = h.groups.iter().map(|&g| names::group_name(g)).collect();
    s.signature_algorithms = h
        .signature_algorithms
        .iter()
        .map(|&a| names::signature_scheme_name(a))
        .collect();
    s.client_extensions = h
        .extensions
        .iter()
        .map(|&e| names::extension_name(e))
        .collect();
    s.ja3 = Some(h.ja3.clone());
    s.ja3_hash = Some(h.ja3_hash.clone());
    s.ja4 = Some(h.ja4.clone());
}

/// Why an encrypted session was not opened when no key log or RSA key was given at all:
/// what would open it.
fn not_attempted(version: Option<u16>, cipher: Option<u16>) -> Option<String> {
    use crate::proto::decrypt::suites::{self, KeyExchange};
    let (version, id) = (version?, cipher?);
    let name = names::cipher_name(id);
    let tls13 = version == 0x0304 || version >> 8 == 0x7f;
    let openable = suites::suite(id)
        .is_some_and(|s| s.tls13 == tls13 && (tls13 || (0x0301..=0x0303).contains(&version)));
    Some(if !openable {
        format!(
            "not decrypted: no key log was given, and cipher suite {name} is not supported for decryption"
        )
    } else if !tls13 && suites::key_exchange(id) == Some(KeyExchange::Rsa) {
        format!(
            "not decrypted: no key log or RSA key was given; {name} opens with a key log (--keylog) or the server's RSA private key (--rsa-key)"
        )
    } else {
        format!(
            "not decrypted: no key log was given; {name} opens only with a key log (--keylog): its key exchange is ephemeral"
        )
    })
}

/// The `decryption` value and sentence of a decryption observation.
fn decryption_outcome(o: &Observation, t: &TlsObserved) -> Option<(&'static str, String)> {
    let side = match o.from {
        Side::Client => "client",
        Side::Server => "server",
    };
    Some(match t {
        TlsObserved::DecryptionKeys {
            secrets,
            cipher_suite,
        } => (
            "decrypted",
            match secrets.strip_prefix("RSA private key") {
                Some(rest) => format!(
                    "{} opened with the server's RSA private key{rest}",
                    names::cipher_name(*cipher_suite)
                ),
                None => format!(
                    "{} opened with the key log ({secrets})",
                    names::cipher_name(*cipher_suite)
                ),
            },
        ),
        TlsObserved::NoSessionKeys => (
            "no_session_keys",
            "no key log holds a secret for this session's ClientHello.random".to_string(),
        ),
        TlsObserved::CipherNotDecrypted { cipher_suite } => (
            "cipher_not_decrypted",
            format!(
                "cipher suite {} is not supported for decryption",
                names::cipher_name(*cipher_suite)
            ),
        ),
        TlsObserved::RsaKeyMismatch {
            cipher_suite,
            keys,
            certificate_key,
        } => (
            "rsa_key_mismatch",
            format!(
                "{}: none of the {keys} RSA key(s) given matches the server certificate's public key ({certificate_key})",
                names::cipher_name(*cipher_suite)
            ),
        ),
        TlsObserved::RsaKeyNotUsable {
            cipher_suite,
            key_exchange,
        } => (
            "rsa_key_not_usable",
            format!(
                "{} uses {key_exchange} key exchange, which an RSA private key cannot open: a key log (SSLKEYLOGFILE) of this session is needed",
                names::cipher_name(*cipher_suite)
            ),
        ),
        TlsObserved::SessionResumed { cipher_suite } => (
            "session_resumed",
            format!(
                "{}: resumed session (abbreviated handshake); its master secret comes from an earlier session and only a key log holds it",
                names::cipher_name(*cipher_suite)
            ),
        ),
        TlsObserved::DecryptionFailed { reason, .. } => {
            ("failed", format!("frame {}, {side}: {reason}", o.frame))
        }
        _ => return None,
    })
}

impl TlsSummary {
    /// The TLS handshake of a connection, when any TLS record was decoded on it.
    pub fn from_observations(obs: &[Observation]) -> Option<TlsSummary> {
        let tls: Vec<(&Observation, &TlsObserved)> = obs
            .iter()
            .filter_map(|o| match &o.what {
                Observed::Tls(t) => Some((o, &**t)),
                _ => None,
            })
            .collect();
        let first = tls.first()?;
        let mut s = TlsSummary {
            first_frame: first.0.frame,
            client_hello_frame: None,
            client_hello_ts: None,
            client_versions: Vec::new(),
            client_legacy_version: None,
            client_legacy_version_raw: None,
            client_supported_versions_raw: Vec::new(),
            sni: None,
            alpn: Vec::new(),
            offered_ciphers: Vec::new(),
            offered_groups: Vec::new(),
            signature_algorithms: Vec::new(),
            client_extensions: Vec::new(),
            ja3: None,
            ja3_hash: None,
            ja4: None,
            hello_retry_frame: None,
            server_hello_frame: None,
            version: None,
            version_raw: None,
            cipher: None,
            cipher_raw: None,
            group: None,
            server_alpn: None,
            server_extensions: Vec::new(),
            ja3s: None,
            ja3s_hash: None,
            ja4s: None,
            certificate_frame: None,
            certificate_ts: None,
            certificate_encrypted: false,
            decryption: None,
            decryption_reason: None,
            certificates: Vec::new(),
            certificate_count: 0,
            client_certificate_count: None,
            certificate_request_frame: None,
            server_hello_done_frame: None,
            client_key_exchange_frame: None,
            client_change_cipher_spec_frame: None,
            server_change_cipher_spec_frame: None,
            alerts: Vec::new(),
            last_alert: None,
            client_encrypted_records: Vec::new(),
            server_encrypted_records: Vec::new(),
            established: false,
            outcome: "incomplete",
            malformed: Vec::new(),
            bytes_missing: Vec::new(),
        };
        for (o, t) in &tls {
            match t {
                TlsObserved::ClientHello(h) if s.client_hello_frame.is_none() => {
                    client_hello_fields(&mut s, o, h)
                }
                TlsObserved::HelloRetryRequest(h) => {
                    s.hello_retry_frame.get_or_insert(o.frame);
                    if let Some(g) = h.key_share_group {
                        s.group = Some(names::group_name(g));
                    }
                }
                TlsObserved::ServerHello(h) if s.server_hello_frame.is_none() => {
                    server_hello_fields(&mut s, o, h)
                }
                TlsObserved::Certificate {
                    certificates,
                    count,
                    ..
                } => match o.from {
                    Side::Server if s.certificate_frame.is_none() => {
                        s.certificate_frame = Some(o.frame);
                        s.certificate_ts = Some(o.ts);
                        s.certificates = certificates.clone();
                        s.certificate_count = *count;
                    }
                    Side::Client => s.client_certificate_count = Some(*count),
                    _ => {}
                },
                TlsObserved::ServerKeyExchange { group: Some(g), .. } => {
                    s.group = Some(names::group_name(*g))
                }
                TlsObserved::CertificateRequest { .. } => {
                    s.certificate_request_frame.get_or_insert(o.frame);
                }
                TlsObserved::ServerHelloDone => {
                    s.server_hello_done_frame.get_or_insert(o.frame);
                }
                TlsObserved::ClientKeyExchange { .. } => {
                    s.client_key_exchange_frame.get_or_insert(o.frame);
                }
                TlsObserved::ChangeCipherSpec => match o.from {
                    Side::Client => {
                        s.client_change_cipher_spec_frame.get_or_insert(o.frame);
                    }
                    Side::Server => {
                        s.server_change_cipher_spec_frame.get_or_insert(o.frame);
                    }
                },
                TlsObserved::Alert {
                    level_name,
                    description,
                    description_name,
                    ..
                } => {
                    s.last_alert = Some(description_name.clone());
                    s.alerts.push(AlertSummary {
                        frame: o.frame,
                        ts: o.ts,
                        from: o.from,
                        level: level_name.to_string(),
                        description: description_name.clone(),
                        description_code: *description,
                    });
                }
                TlsObserved::EncryptedRecord {
                    content_type,
                    length,
                } => {
                    let r = EncryptedRecordSummary {
                        frame: o.frame,
                        content_type: *content_type,
                        length: *length,
                    };
                    match o.from {
                        Side::Client => s.client_encrypted_records.push(r),
                        Side::Server => s.server_encrypted_records.push(r),
                    }
                }
                TlsObserved::DecryptionKeys { .. }
                | TlsObserved::NoSessionKeys
                | TlsObserved::CipherNotDecrypted { .. }
                | TlsObserved::RsaKeyMismatch { .. }
                | TlsObserved::RsaKeyNotUsable { .. }
                | TlsObserved::SessionResumed { .. }
                | TlsObserved::DecryptionFailed { .. } => {
                    if let Some((value, reason)) = decryption_outcome(o, t) {
                        s.decryption = Some(value);
                        s.decryption_reason = Some(reason);
                    }
                }
                TlsObserved::BytesMissing { missing } => s.bytes_missing.push(BytesMissing {
                    frame: o.frame,
                    from: o.from,
                    bytes: *missing,
                }),
                TlsObserved::Malformed { offset, reason } => s.malformed.push(format!(
                    "frame {} ({:?} at TLS offset {offset}): {reason}",
                    o.frame, o.from
                )),
                _ => {}
            }
        }
        let tls13 = s.version_raw.is_some_and(|v| v == 0x0304 || v >> 8 == 0x7f);
        if s.decryption.is_none()
            && (!s.client_encrypted_records.is_empty() || !s.server_encrypted_records.is_empty())
        {
            s.decryption_reason = not_attempted(s.version_raw, s.cipher_raw);
        }
        s.certificate_encrypted = tls13 && s.certificate_frame.is_none();
        let fatal_alert = s.alerts.iter().any(|a| a.level == "fatal");
        s.established = s.server_hello_frame.is_some()
            && !fatal_alert
            && !s.client_encrypted_records.is_empty()
            && !s.server_encrypted_records.is_empty();
        s.outcome = if s.established {
            "established"
        } else if fatal_alert {
            "alert"
        } else if s.client_hello_frame.is_some() && s.server_hello_frame.is_none() {
            "no_server_hello"
        } else if s.client_hello_frame.is_none()
            && s.server_hello_frame.is_none()
            && !s.malformed.is_empty()
        {
            "not_tls"
        } else {
            "incomplete"
        };
        Some(s)
    }

    /// The server's own certificate, when it was seen in clear.
    pub fn leaf(&self) -> Option<&CertInfo> {
        self.certificates
            .first()
            .filter(|c| c.parse_error.is_none())
    }

    /// One line: `TLSv1.2 TLS_ECDHE_… · SNI x · CN=… (until 2026-10-21)`.
    pub fn outcome_line(&self) -> String {
        let mut parts = Vec::new();
        match (&self.version, &self.cipher) {
            (Some(v), Some(c)) => parts.push(format!("{v} {c}")),
            _ => parts.push(
                match self.outcome {
                    "no_server_hello" => "no ServerHello",
                    "not_tls" => "not TLS",
                    "alert" => "alert",
                    _ => "incomplete",
                }
                .to_string(),
            ),
        }
        if let Some(a) = self.alerts.iter().find(|a| a.level == "fatal") {
            parts.push(format!(
                "· fatal {} from {} (#{})",
                a.description,
                match a.from {
                    Side::Client => "client",
                    Side::Server => "server",
                },
                a.frame
            ));
        }
        if let Some(sni) = &self.sni {
            parts.push(format!("· SNI {sni}"));
        }
        if let Some(c) = self.leaf() {
            let name = c
                .common_name
                .clone()
                .map(|cn| format!("CN={cn}"))
                .unwrap_or_else(|| c.subject.clone());
            let until = c.not_after_text.get(..10).unwrap_or("");
            parts.push(format!(
                "· {name}{} {}…{until}",
                if c.self_issued { " (self-signed)" } else { "" },
                c.not_before_text.get(..10).unwrap_or("")
            ));
        } else if self.certificate_encrypted {
            parts.push("· certificate encrypted (TLS 1.3)".into());
        }
        parts.join(" ")
    }
}
