//! Names of TLS protocol values (IANA "Transport Layer Security (TLS) Parameters" registry),
//! as the RFCs spell them.

use tls_parser::TlsCipherSuiteID;

/// RFC 8701 GREASE: `0x?A?A` values a client sends to keep servers tolerant.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// RFC 8446 4.1.2 / RFC 5246 A.1 ProtocolVersion, e.g. `TLSv1.2`.
pub fn version_name(v: u16) -> String {
    match v {
        0x0002 => "SSLv2".into(),
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1.0".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        0x0304 => "TLSv1.3".into(),
        v if is_grease(v) => "GREASE".into(),
        v if v >> 8 == 0x7f => format!("TLSv1.3-draft{}", v & 0xff),
        v => format!("0x{v:04x}"),
    }
}

/// RFC 8446 B.4 / IANA TLS Cipher Suites name (`TLS_AES_128_GCM_SHA256`), else `0xC030`.
pub fn cipher_name(id: u16) -> String {
    if is_grease(id) {
        return "GREASE".into();
    }
    match TlsCipherSuiteID(id).get_ciphersuite() {
        Some(c) => c.name.to_string(),
        None => format!("0x{id:04X}"),
    }
}

/// RFC 8446 6 / RFC 5246 7.2 AlertDescription names.
pub fn alert_name(d: u8) -> String {
    let n = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        _ => return format!("unknown({d})"),
    };
    n.into()
}

/// RFC 8446 6 AlertLevel.
pub fn alert_level_name(l: u8) -> &'static str {
    match l {
        1 => "warning",
        2 => "fatal",
        _ => "unknown",
    }
}

/// RFC 8446 4.2.7 NamedGroup (and RFC 8422 5.1.1 curves).
pub fn group_name(g: u16) -> String {
    const RFC4492: [&str; 22] = [
        "sect163k1",
        "sect163r1",
        "sect163r2",
        "sect193r1",
        "sect193r2",
        "sect233k1",
        "sect233r1",
        "sect239k1",
        "sect283k1",
        "sect283r1",
        "sect409k1",
        "sect409r1",
        "sect571k1",
        "sect571r1",
        "secp160k1",
        "secp160r1",
        "secp160r2",
        "secp192k1",
        "secp192r1",
        "secp224k1",
        "secp224r1",
        "secp256k1",
    ];
    let n = match g {
        1..=22 => RFC4492[usize::from(g) - 1],
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001d => "x25519",
        0x001e => "x448",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x0103 => "ffdhe6144",
        0x0104 => "ffdhe8192",
        0x11ec => "X25519MLKEM768",
        0x6399 => "X25519Kyber768Draft00",
        g if is_grease(g) => "GREASE",
        g => return format!("0x{g:04x}"),
    };
    n.into()
}

/// RFC 8446 4.2.3 SignatureScheme.
pub fn signature_scheme_name(s: u16) -> String {
    let n = match s {
        0x0201 => "rsa_pkcs1_sha1",
        0x0203 => "ecdsa_sha1",
        0x0401 => "rsa_pkcs1_sha256",
        0x0501 => "rsa_pkcs1_sha384",
        0x0601 => "rsa_pkcs1_sha512",
        0x0403 => "ecdsa_secp256r1_sha256",
        0x0503 => "ecdsa_secp384r1_sha384",
        0x0603 => "ecdsa_secp521r1_sha512",
        0x0804 => "rsa_pss_rsae_sha256",
        0x0805 => "rsa_pss_rsae_sha384",
        0x0806 => "rsa_pss_rsae_sha512",
        0x0807 => "ed25519",
        0x0808 => "ed448",
        0x0809 => "rsa_pss_pss_sha256",
        0x080a => "rsa_pss_pss_sha384",
        0x080b => "rsa_pss_pss_sha512",
        s => return format!("0x{s:04x}"),
    };
    n.into()
}

/// RFC 8446 4.2 ExtensionType (the common ones).
pub fn extension_name(t: u16) -> String {
    let n = match t {
        0 => "server_name",
        1 => "max_fragment_length",
        5 => "status_request",
        10 => "supported_groups",
        11 => "ec_point_formats",
        13 => "signature_algorithms",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        18 => "signed_certificate_timestamp",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        27 => "compress_certificate",
        28 => "record_size_limit",
        35 => "session_ticket",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        0xff01 => "renegotiation_info",
        t if is_grease(t) => "GREASE",
        t => return format!("0x{t:04x}"),
    };
    n.into()
}

/// RFC 8446 4 HandshakeType.
pub fn handshake_name(t: u8) -> String {
    let n = match t {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        4 => "new_session_ticket",
        5 => "end_of_early_data",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        22 => "certificate_status",
        24 => "key_update",
        254 => "message_hash",
        t => return format!("unknown({t})"),
    };
    n.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_grease(0x0a0a) && is_grease(0xfafa) && !is_grease(0x0a1a));
        assert_eq!(version_name(0x0303), "TLSv1.2");
        assert_eq!(cipher_name(0xc030), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assert_eq!(cipher_name(0x1302), "TLS_AES_256_GCM_SHA384");
        assert_eq!(alert_name(40), "handshake_failure");
        assert_eq!(group_name(0x1d), "x25519");
    }
}
