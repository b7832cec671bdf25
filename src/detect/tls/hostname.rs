//! Whether a certificate is valid for the name a client asked for (RFC 6125 6.4, RFC 9525 6.3):
//! DNS names against dNSName SANs (wildcard only as the whole left-most label, never matching
//! across a dot or a public two-label suffix), IP addresses against iPAddress SANs; the
//! subject CN only when the certificate has no SAN of that kind (what Windows Schannel,
//! OpenSSL and Zeek accept as well). Case-insensitive, a trailing dot ignored.

use crate::proto::tls::CertInfo;
use std::net::IpAddr;

fn norm(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// RFC 6125 6.4.3: `*.example.com` matches `a.example.com`, not `example.com` nor
/// `a.b.example.com`; a partial-label wildcard (`w*.example.com`) is accepted as browsers
/// used to; nothing matches `*` alone or `*.com`.
pub fn dns_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (norm(pattern), norm(name));
    if p.is_empty() || n.is_empty() {
        return false;
    }
    if !p.contains('*') {
        return p == n;
    }
    let Some((first, rest)) = p.split_once('.') else {
        return false;
    };
    if rest.contains('*') || rest.split('.').count() < 2 || rest.is_empty() {
        return false;
    }
    let Some((nfirst, nrest)) = n.split_once('.') else {
        return false;
    };
    if nrest != rest || nfirst.is_empty() {
        return false;
    }
    let Some((pre, post)) = first.split_once('*') else {
        return false;
    };
    nfirst.len() >= pre.len() + post.len() && nfirst.starts_with(pre) && nfirst.ends_with(post)
}

/// Does `cert` cover `name` (a DNS name or an IP address literal)?
pub fn cert_matches(cert: &CertInfo, name: &str) -> bool {
    let name = name.trim().trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = name.parse::<IpAddr>() {
        if cert
            .san_ip
            .iter()
            .any(|s| s.parse::<IpAddr>().is_ok_and(|a| a == ip))
        {
            return true;
        }
        // An IP written as a dNSName or CN is accepted by Windows and OpenSSL's
        // X509_check_host; keep that, as RDP self-signed certificates do it.
        let text = ip.to_string();
        return cert.san_dns.iter().any(|d| norm(d) == text)
            || (cert.san_ip.is_empty()
                && cert
                    .common_name
                    .as_deref()
                    .is_some_and(|cn| norm(cn) == text));
    }
    if !cert.san_dns.is_empty() {
        return cert.san_dns.iter().any(|d| dns_matches(d, name));
    }
    cert.common_name
        .as_deref()
        .is_some_and(|cn| dns_matches(cn, name))
}

/// The names a certificate is valid for, for messages: SANs, else the CN.
pub fn cert_names(cert: &CertInfo) -> Vec<String> {
    let mut v: Vec<String> = cert.san_dns.clone();
    v.extend(cert.san_ip.iter().cloned());
    if v.is_empty()
        && let Some(cn) = &cert.common_name
    {
        v.push(cn.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(cn: Option<&str>, dns: &[&str], ip: &[&str]) -> CertInfo {
        let mut c = CertInfo::from_der(0, &[]);
        c.parse_error = None;
        c.common_name = cn.map(str::to_string);
        c.san_dns = dns.iter().map(|s| s.to_string()).collect();
        c.san_ip = ip.iter().map(|s| s.to_string()).collect();
        c
    }

    #[test]
    fn wildcards() {
        assert!(dns_matches("*.example.com", "rdp.Example.COM."));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_matches("*.com", "example.com"));
        assert!(!dns_matches("*", "host"));
        assert!(!dns_matches("a.*.example.com", "a.b.example.com"));
        assert!(dns_matches("rdp*.example.com", "rdp01.example.com"));
        assert!(!dns_matches("rdp*.example.com", "web01.example.com"));
    }

    #[test]
    fn san_rules() {
        // SANs present: CN ignored (RFC 6125 6.4.4).
        let c = cert(Some("host.example.com"), &["other.example.com"], &[]);
        assert!(!cert_matches(&c, "host.example.com"));
        assert!(cert_matches(&c, "other.example.com"));
        // No CN at all, IP SAN.
        let c = cert(None, &[], &["10.0.2.2", "2001:db8::1"]);
        assert!(cert_matches(&c, "10.0.2.2"));
        assert!(cert_matches(&c, "[2001:db8::1]"));
        assert!(!cert_matches(&c, "10.0.2.3"));
        assert!(!cert_matches(&c, "host"));
        // IDN: only the A-label form matches.
        let c = cert(None, &["xn--bcher-kva.example"], &[]);
        assert!(cert_matches(&c, "xn--bcher-kva.example"));
        assert!(!cert_matches(&c, "bücher.example"));
        // Windows' default RDP certificate: CN = host name only.
        let c = cert(Some("WIN2K8R2.awakecoding.ath.cx"), &[], &[]);
        assert!(cert_matches(&c, "win2k8r2.awakecoding.ath.cx"));
        assert!(!cert_matches(&c, "awakecoding.ath.cx"));
        assert!(!cert_matches(&c, "192.168.1.150"));
    }
}
