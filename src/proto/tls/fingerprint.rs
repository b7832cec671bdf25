//! Client and server fingerprints: JA3 / JA3S (Salesforce, MD5 of the decimal field lists)
//! and JA4 / JA4S (FoxIO JA4+ specification, TCP variant).

use super::names::is_grease;
use md5::Md5;
use sha2::{Digest, Sha256};

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sha256_12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".into();
    }
    Sha256::digest(s.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn dec_list(v: &[u16]) -> String {
    v.iter()
        .filter(|&&x| !is_grease(x))
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

fn hex_list(v: impl Iterator<Item = u16>) -> String {
    v.map(|x| format!("{x:04x}")).collect::<Vec<_>>().join(",")
}

/// What the fingerprints read from a ClientHello.
pub struct ClientHelloFields<'a> {
    pub legacy_version: u16,
    pub ciphers: &'a [u16],
    pub extensions: &'a [u16],
    pub groups: &'a [u16],
    pub point_formats: &'a [u8],
    pub signature_algorithms: &'a [u16],
    pub supported_versions: &'a [u16],
    pub has_sni: bool,
    pub first_alpn: Option<&'a [u8]>,
}

/// JA3 string and its MD5.
pub fn ja3(c: &ClientHelloFields<'_>) -> (String, String) {
    let pf: Vec<u16> = c.point_formats.iter().map(|&p| u16::from(p)).collect();
    let s = format!(
        "{},{},{},{},{}",
        c.legacy_version,
        dec_list(c.ciphers),
        dec_list(c.extensions),
        dec_list(c.groups),
        dec_list(&pf)
    );
    let h = md5_hex(&s);
    (s, h)
}

/// JA3S string and its MD5.
pub fn ja3s(legacy_version: u16, cipher: u16, extensions: &[u16]) -> (String, String) {
    let s = format!("{legacy_version},{cipher},{}", dec_list(extensions));
    let h = md5_hex(&s);
    (s, h)
}

fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

fn ja4_alpn(alpn: Option<&[u8]>) -> String {
    let Some(a) = alpn.filter(|a| !a.is_empty()) else {
        return "00".into();
    };
    let (first, last) = (a[0], a[a.len() - 1]);
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        format!("{}{}", first as char, last as char)
    } else {
        let f = format!("{first:02x}");
        let l = format!("{last:02x}");
        format!("{}{}", &f[..1], &l[1..])
    }
}

fn count2(n: usize) -> String {
    format!("{:02}", n.min(99))
}

/// JA4 (`t13d1516h2_8daaf6152771_e5627efa2ab1`).
pub fn ja4(c: &ClientHelloFields<'_>) -> String {
    let version = c
        .supported_versions
        .iter()
        .copied()
        .filter(|&v| !is_grease(v))
        .max()
        .unwrap_or(c.legacy_version);
    let ciphers: Vec<u16> = c
        .ciphers
        .iter()
        .copied()
        .filter(|&x| !is_grease(x))
        .collect();
    let exts: Vec<u16> = c
        .extensions
        .iter()
        .copied()
        .filter(|&x| !is_grease(x))
        .collect();
    let a = format!(
        "t{}{}{}{}{}",
        ja4_version(version),
        if c.has_sni { 'd' } else { 'i' },
        count2(ciphers.len()),
        count2(exts.len()),
        ja4_alpn(c.first_alpn)
    );
    let mut sorted_c = ciphers.clone();
    sorted_c.sort_unstable();
    let b = sha256_12(&hex_list(sorted_c.into_iter()));
    let mut sorted_e: Vec<u16> = exts.into_iter().filter(|&e| e != 0 && e != 16).collect();
    sorted_e.sort_unstable();
    let ext_text = hex_list(sorted_e.into_iter());
    let sigs: Vec<u16> = c
        .signature_algorithms
        .iter()
        .copied()
        .filter(|&x| !is_grease(x))
        .collect();
    let c_in = if ext_text.is_empty() {
        String::new()
    } else if sigs.is_empty() {
        ext_text
    } else {
        format!("{ext_text}_{}", hex_list(sigs.into_iter()))
    };
    format!("{a}_{b}_{}", sha256_12(&c_in))
}

/// JA4S (`t130200_1301_234ea6891581`).
pub fn ja4s(version: u16, cipher: u16, extensions: &[u16], alpn: Option<&[u8]>) -> String {
    format!(
        "t{}{}{}_{cipher:04x}_{}",
        ja4_version(version),
        count2(extensions.len()),
        ja4_alpn(alpn),
        sha256_12(&hex_list(extensions.iter().copied()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JA4 specification's worked example (FoxIO JA4 technical details: the Chrome
    /// ClientHello with 15 ciphers, 16 extensions and h2).
    #[test]
    fn ja4_spec_example() {
        let ciphers = [
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ];
        let exts = [
            0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
            0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
        ];
        let sigs = [
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ];
        let f = ClientHelloFields {
            legacy_version: 0x0303,
            ciphers: &ciphers,
            extensions: &exts,
            groups: &[],
            point_formats: &[],
            signature_algorithms: &sigs,
            supported_versions: &[0x0304, 0x0303],
            has_sni: true,
            first_alpn: Some(b"h2"),
        };
        assert_eq!(ja4(&f), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    }

    /// The JA4S specification's example: TLS 1.3, TLS_AES_128_GCM_SHA256, extensions
    /// key_share then supported_versions, no ALPN.
    #[test]
    fn ja4s_spec_example() {
        assert_eq!(
            ja4s(0x0304, 0x1301, &[0x0033, 0x002b], None),
            "t130200_1301_234ea6891581"
        );
    }

    #[test]
    fn alpn_non_alnum() {
        assert_eq!(ja4_alpn(Some(&[0xab, 0xcd])), "ad");
        assert_eq!(ja4_alpn(None), "00");
    }
}
