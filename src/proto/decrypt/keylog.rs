//! NSS key log files (RFC 9850, "The SSLKEYLOGFILE Format for TLS"; RDP-FACTS §7.1): lines
//! `<label> <client_random as 64 hex digits> <secret as hex>`, `#` comments. Written by
//! browsers, OpenSSL's `-keylogfile`, FreeRDP with a key-log shim, and kept in pcapng
//! Decryption Secrets Blocks (pcapng spec 4.7, secrets type 0x544c534b "TLSK"). No crate
//! reads this format, so it is parsed here. Besides the per-session labels, `RSA` lines
//! (`RSA <first 8 bytes of the encrypted premaster, hex> <premaster secret>`, logged for RSA
//! key exchange) are kept by their 8-byte prefix, found again in the ClientKeyExchange.

use std::collections::HashMap;

/// Sessions kept per key store; more lines are counted, not kept (a key log of a whole
/// browser profile can hold many thousands).
pub const MAX_SESSIONS: usize = 200_000;
/// Longest secret accepted (TLS 1.3 SHA-384 secrets are 48 bytes; the TLS 1.2 master secret
/// is 48).
const MAX_SECRET_LEN: usize = 64;

/// The secrets logged for one TLS session, found by its ClientHello.random.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionSecrets {
    /// `CLIENT_RANDOM`: the TLS ≤ 1.2 master secret (48 bytes).
    pub master_secret: Option<Vec<u8>>,
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    pub client_handshake: Option<Vec<u8>>,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    pub server_handshake: Option<Vec<u8>>,
    /// `CLIENT_TRAFFIC_SECRET_0`.
    pub client_traffic: Option<Vec<u8>>,
    /// `SERVER_TRAFFIC_SECRET_0`.
    pub server_traffic: Option<Vec<u8>>,
}

/// Secrets by client random, with counts of what was read.
#[derive(Debug, Default, Clone)]
pub struct KeyStore {
    sessions: HashMap<[u8; 32], SessionSecrets>,
    /// `RSA` lines: the premaster secret by the first 8 bytes of its RSA encryption (as in
    /// the ClientKeyExchange).
    premasters: HashMap<[u8; 8], Vec<u8>>,
    /// Lines that gave a secret we use.
    pub lines_used: u64,
    /// Lines with labels we do not use (`EXPORTER_SECRET`, early secrets…).
    pub lines_other: u64,
    /// Lines that are not key-log lines at all.
    pub lines_malformed: u64,
    /// Sessions not kept because the store was full.
    pub sessions_dropped: u64,
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 2 * MAX_SECRET_LEN {
        return None;
    }
    let b = s.as_bytes();
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    (0..b.len())
        .step_by(2)
        .map(|i| Some(nibble(b[i])? << 4 | nibble(b[i + 1])?))
        .collect()
}

impl KeyStore {
    /// Adds every line of a key log.
    pub fn add_text(&mut self, text: &str) {
        for line in text.lines() {
            self.add_line(line);
        }
    }

    /// Adds the key-log bytes of a file or a Decryption Secrets Block (invalid UTF-8 lines
    /// are counted as malformed).
    pub fn add_bytes(&mut self, bytes: &[u8]) {
        for line in bytes.split(|&b| b == b'\n') {
            match std::str::from_utf8(line) {
                Ok(line) => self.add_line(line),
                Err(_) => self.lines_malformed += 1,
            }
        }
    }

    fn add_line(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        let mut parts = line.split_ascii_whitespace();
        let (Some(label), Some(random), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            self.lines_malformed += 1;
            return;
        };
        let (Some(random), Some(secret)) = (hex_bytes(random), hex_bytes(secret)) else {
            self.lines_malformed += 1;
            return;
        };
        let Ok(random) = <[u8; 32]>::try_from(random.as_slice()) else {
            // `RSA <first 8 bytes of the encrypted premaster> <48-byte premaster>`.
            match (label, <[u8; 8]>::try_from(random.as_slice())) {
                ("RSA", Ok(prefix)) if secret.len() == 48 => {
                    if self.premasters.len() < MAX_SESSIONS || self.premasters.contains_key(&prefix)
                    {
                        self.premasters.insert(prefix, secret);
                        self.lines_used += 1;
                    } else {
                        self.sessions_dropped += 1;
                    }
                }
                _ => self.lines_other += 1,
            }
            return;
        };
        if secret.is_empty() || secret.len() > MAX_SECRET_LEN {
            self.lines_malformed += 1;
            return;
        }
        let slot: fn(&mut SessionSecrets) -> &mut Option<Vec<u8>> = match label {
            "CLIENT_RANDOM" => |s| &mut s.master_secret,
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET" => |s| &mut s.client_handshake,
            "SERVER_HANDSHAKE_TRAFFIC_SECRET" => |s| &mut s.server_handshake,
            "CLIENT_TRAFFIC_SECRET_0" => |s| &mut s.client_traffic,
            "SERVER_TRAFFIC_SECRET_0" => |s| &mut s.server_traffic,
            _ => {
                self.lines_other += 1;
                return;
            }
        };
        if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(&random) {
            self.sessions_dropped += 1;
            return;
        }
        *slot(self.sessions.entry(random).or_default()) = Some(secret);
        self.lines_used += 1;
    }

    pub fn get(&self, client_random: &[u8; 32]) -> Option<&SessionSecrets> {
        self.sessions.get(client_random)
    }

    /// The premaster secret of an `RSA` line, by the first 8 bytes of the encrypted
    /// premaster secret.
    pub fn premaster(&self, encrypted_prefix: &[u8; 8]) -> Option<&Vec<u8>> {
        self.premasters.get(encrypted_prefix)
    }

    /// True when `RSA` lines were read.
    pub fn has_premasters(&self) -> bool {
        !self.premasters.is_empty()
    }

    pub fn sessions(&self) -> usize {
        self.sessions.len() + self.premasters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.premasters.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_comments_and_garbage() {
        let mut k = KeyStore::default();
        let r = "ab".repeat(32);
        k.add_text(&format!(
            "# comment\n\nCLIENT_RANDOM {r} {}\nSERVER_TRAFFIC_SECRET_0 {r} {}\n\
             EXPORTER_SECRET {r} 00\nRSA 0011223344556677 {}\nnot a line\n\
             CLIENT_RANDOM zz{} 00\n",
            "11".repeat(48),
            "22".repeat(48),
            "33".repeat(48),
            "a".repeat(62),
        ));
        let s = k.get(&[0xab; 32]).unwrap();
        assert_eq!(s.master_secret.as_deref(), Some(&[0x11; 48][..]));
        assert_eq!(s.server_traffic.as_deref(), Some(&[0x22; 48][..]));
        assert!(s.client_handshake.is_none());
        assert_eq!((k.lines_used, k.lines_other, k.lines_malformed), (3, 1, 2));
        assert_eq!(
            k.premaster(&[0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]),
            Some(&vec![0x33; 48])
        );
        assert!(k.has_premasters());
    }

    #[test]
    fn crlf_and_invalid_utf8() {
        let mut k = KeyStore::default();
        let r = "01".repeat(32);
        let mut bytes = format!("CLIENT_RANDOM {r} {}\r\n", "ff".repeat(48)).into_bytes();
        bytes.extend_from_slice(b"\xff\xfe\n");
        k.add_bytes(&bytes);
        assert!(k.get(&[1; 32]).is_some());
        assert_eq!(k.lines_malformed, 1);
    }
}
