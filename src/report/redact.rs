//! `--redact`: replaces the names and addresses a report carries — user names, domains,
//! client and host names, certificate subjects, issuers and SANs, SNI, gateway host names,
//! `mstshash` cookies, DNS names and IP addresses — by stable pseudonyms, so a report can be
//! attached to a ticket. Verdicts, ids, codes and frame numbers are untouched.
//!
//! A pseudonym is a keyed hash (HMAC-SHA256, RFC 2104) of the original: the same key gives
//! the same pseudonyms in every run and every format (`--redact-key`); without a key a
//! random one is drawn per run. Names become `user-1a2b3c4d`, `host-…`, `domain-…`,
//! `cert-…`, `token-…`; IPv4 addresses become addresses of 240.0.0.0/4 (reserved, RFC 1112
//! 4) and IPv6 addresses addresses of 2001:db8::/32 (documentation, RFC 3849), so printed
//! Wireshark filters stay valid.
//!
//! It works in two passes. [`Redactor::learn`] reads the report data (as its JSON form, so
//! every field present today and added later is seen) and collects the originals: the
//! values of the fields that hold names, and every IP address in any string.
//! [`Redactor::redact_report`] then rewrites the report's own strings before any renderer
//! runs (the table's widths and the HTML ladder see the pseudonyms), and
//! [`Redactor::redact_text`] is applied once more to each rendered output as a safety net:
//! it also matches the originals in their JSON, HTML / XML and Markdown escaped forms.

use crate::report::json::FileReport;
use aho_corasick::AhoCorasick;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an original is; the pseudonym's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    User,
    Domain,
    Host,
    Cert,
    Token,
    Ip,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Domain => "domain",
            Kind::Host => "host",
            Kind::Cert => "cert",
            Kind::Token => "token",
            Kind::Ip => "ip",
        }
    }
}

/// JSON fields whose string values (or arrays of strings) are names to hide.
const NAME_FIELDS: &[(&str, Kind)] = &[
    ("cookie", Kind::User),
    ("routing_token", Kind::Token),
    // The client's product id (TS_UD_CS_CORE clientDigProductId): names the machine.
    ("client_dig_product_id", Kind::Token),
    ("routing_target", Kind::Host),
    ("socks5_target", Kind::Host),
    ("client_name", Kind::Host),
    ("sni", Kind::Host),
    ("common_name", Kind::Host),
    ("san_dns", Kind::Host),
    ("names", Kind::Host),
    ("cnames", Kind::Host),
    ("redirected_to", Kind::Host),
    ("resources", Kind::Host),
    ("alt_resources", Kind::Host),
    ("host", Kind::Host),
    ("subject", Kind::Cert),
    ("issuer", Kind::Cert),
];

/// Fields never scanned for addresses (colon-separated hex that is not an address).
const NOT_ADDRESSES: &[&str] = &["serial", "sha1", "sha256", "ja3", "ja3s", "ja4", "ja4s"];

/// Originals shorter than this are not replaced (a one-letter user name would rewrite every
/// word containing it at a boundary).
const MIN_NAME_LEN: usize = 2;

/// The pseudonym table of one run.
pub struct Redactor {
    key: Vec<u8>,
    /// Lower-cased original → (kind, pseudonym).
    names: BTreeMap<String, (Kind, String)>,
    /// Address → pseudonym address.
    addresses: BTreeMap<IpAddr, IpAddr>,
    /// Every textual form to replace (originals, their escaped forms, addresses as seen).
    matcher: Option<(AhoCorasick, Vec<String>)>,
}

impl Redactor {
    /// A redactor with `key`; `None` draws a random key (pseudonyms differ between runs).
    pub fn new(key: Option<&[u8]>) -> Self {
        let key = match key {
            Some(k) => k.to_vec(),
            None => {
                let mut k = vec![0u8; 32];
                if getrandom::getrandom(&mut k).is_err() {
                    // No OS randomness: fall back to the clock (still not guessable from the
                    // report alone, and never the same as a fixed key's pseudonyms).
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or_default();
                    k = now.to_le_bytes().to_vec();
                }
                k
            }
        };
        Redactor {
            key,
            names: BTreeMap::new(),
            addresses: BTreeMap::new(),
            matcher: None,
        }
    }

    fn mac(&self, kind: Kind, original: &[u8]) -> [u8; 32] {
        // HMAC accepts keys of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new_from_slice(b"rdptriage").unwrap());
        mac.update(kind.prefix().as_bytes());
        mac.update(&[0]);
        mac.update(original);
        mac.finalize().into_bytes().into()
    }

    /// The pseudonym of a name (case-insensitive: `LAB` and `lab` are the same domain).
    pub fn name_pseudonym(&self, kind: Kind, original: &str) -> String {
        let h = self.mac(kind, original.to_lowercase().as_bytes());
        format!(
            "{}-{:02x}{:02x}{:02x}{:02x}",
            kind.prefix(),
            h[0],
            h[1],
            h[2],
            h[3]
        )
    }

    /// The pseudonym of an address: 240.0.0.0/4 for IPv4, 2001:db8::/32 for IPv6.
    pub fn address_pseudonym(&self, ip: IpAddr) -> IpAddr {
        let h = match ip {
            IpAddr::V4(a) => self.mac(Kind::Ip, &a.octets()),
            IpAddr::V6(a) => self.mac(Kind::Ip, &a.octets()),
        };
        match ip {
            IpAddr::V4(_) => {
                let mut o = [0xF0 | (h[0] & 0x0F), h[1], h[2], h[3]];
                if o == [255, 255, 255, 255] {
                    o[3] = 254;
                }
                IpAddr::V4(Ipv4Addr::from(o))
            }
            IpAddr::V6(_) => {
                let mut o = [0u8; 16];
                o[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
                o[4..].copy_from_slice(&h[..12]);
                IpAddr::V6(Ipv6Addr::from(o))
            }
        }
    }

    fn add_name(&mut self, kind: Kind, original: &str) {
        let original = original.trim();
        if original.chars().count() < MIN_NAME_LEN {
            return;
        }
        if let Ok(ip) = original.parse::<IpAddr>() {
            self.add_address(ip);
            return;
        }
        let lower = original.to_lowercase();
        if self.names.contains_key(&lower) {
            return;
        }
        let p = self.name_pseudonym(kind, original);
        self.names.insert(lower, (kind, p));
    }

    fn add_address(&mut self, ip: IpAddr) {
        if !self.addresses.contains_key(&ip) {
            let p = self.address_pseudonym(ip);
            self.addresses.insert(ip, p);
        }
    }

    /// A user as the Client Info PDU or a cookie gives it: `DOMAIN\user`, `user@domain`.
    fn add_user(&mut self, value: &str) {
        if let Some((domain, user)) = value.split_once('\\') {
            self.add_name(Kind::Domain, domain);
            self.add_name(Kind::User, user);
        } else if let Some((user, domain)) = value.split_once('@') {
            self.add_name(Kind::User, user);
            self.add_name(Kind::Domain, domain);
        } else {
            self.add_name(Kind::User, value);
        }
    }

    /// Collects the originals of one report (call for every report, then redact).
    pub fn learn(&mut self, report: &FileReport) {
        if let Ok(v) = serde_json::to_value(report) {
            self.learn_value(None, &v, false);
        }
        self.matcher = None;
    }

    /// `in_dns`: inside a `dns` object, where `name` is a looked-up host name.
    fn learn_value(&mut self, key: Option<&str>, v: &Value, in_dns: bool) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    self.learn_value(Some(k), v, in_dns || k == "dns");
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.learn_value(key, item, in_dns);
                }
            }
            Value::String(s) => {
                match key {
                    Some("user") => self.add_user(s),
                    Some("cookie") => self.add_user(s),
                    Some("name") if in_dns => self.add_name(Kind::Host, s),
                    Some(k) => {
                        if let Some(&(_, kind)) = NAME_FIELDS.iter().find(|(f, _)| *f == k) {
                            self.add_name(kind, s);
                            if kind == Kind::Cert {
                                // Each attribute value of an RFC 4514 name (CN=host,O=Org).
                                for rdn in split_rdns(s) {
                                    if let Some((attr, value)) = rdn.split_once('=')
                                        && attr.trim() != "C"
                                    {
                                        let kind = if attr.trim() == "CN" {
                                            Kind::Host
                                        } else {
                                            Kind::Cert
                                        };
                                        self.add_name(kind, value);
                                    }
                                }
                            }
                        }
                    }
                    None => {}
                }
                if !key.is_some_and(|k| NOT_ADDRESSES.contains(&k)) {
                    for ip in addresses_in(s) {
                        self.add_address(ip);
                    }
                }
            }
            _ => {}
        }
    }

    /// Every textual form to look for, with its replacement.
    fn build_matcher(&mut self) {
        let mut pairs: BTreeMap<String, String> = BTreeMap::new();
        for (lower, (_, pseudonym)) in &self.names {
            for form in escaped_forms(lower) {
                pairs.entry(form).or_insert_with(|| pseudonym.clone());
            }
        }
        for (ip, pseudonym) in &self.addresses {
            pairs.insert(ip.to_string(), pseudonym.to_string());
            if let IpAddr::V6(v6) = ip {
                // The uncompressed and the upper-case spelling.
                let s = v6.segments();
                let long = s
                    .iter()
                    .map(|g| format!("{g:x}"))
                    .collect::<Vec<_>>()
                    .join(":");
                pairs.insert(long, pseudonym.to_string());
            }
        }
        let (patterns, replacements): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
        self.matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&patterns)
            .ok()
            .map(|ac| (ac, replacements));
    }

    /// How many originals are known (names, addresses).
    pub fn counts(&self) -> (usize, usize) {
        (self.names.len(), self.addresses.len())
    }

    /// `text` with every original (at word boundaries, any case) replaced.
    pub fn redact_text(&mut self, text: &str) -> String {
        if self.matcher.is_none() {
            self.build_matcher();
        }
        let Some((ac, replacements)) = &self.matcher else {
            return text.to_string();
        };
        let bytes = text.as_bytes();
        let mut found: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .filter(|m| at_boundary(bytes, m.start(), m.end()))
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        if found.is_empty() {
            return text.to_string();
        }
        // Leftmost, then longest, never overlapping.
        found.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e, p) in found {
            if s < at {
                continue;
            }
            out.push_str(&text[at..s]);
            out.push_str(&replacements[p]);
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }

    fn redact_ip(&self, ip: &mut IpAddr) {
        *ip = self
            .addresses
            .get(ip)
            .copied()
            .unwrap_or_else(|| self.address_pseudonym(*ip));
    }

    fn redact_value(&mut self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.redact_text(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.redact_value(i)),
            Value::Object(map) => map.values_mut().for_each(|i| self.redact_value(i)),
            _ => {}
        }
    }

    /// Rewrites the strings of a report the renderers show. Fields not listed here are
    /// still caught by [`Redactor::redact_text`] on the rendered output.
    pub fn redact_report(&mut self, r: &mut FileReport) {
        let t = |s: &mut String, me: &mut Self| *s = me.redact_text(s);
        for w in &mut r.file.warnings {
            t(&mut w.message, self);
        }
        for c in &mut r.file.comments {
            t(c, self);
        }
        for c in &mut r.connections {
            t(&mut c.client, self);
            t(&mut c.server, self);
            t(&mut c.wireshark_filter, self);
            for n in &mut c.icmp_errors {
                self.redact_ip(&mut n.from);
            }
            if let Some(rdp) = &mut c.rdp {
                for s in [
                    &mut rdp.cookie,
                    &mut rdp.routing_token,
                    &mut rdp.routing_target,
                    &mut rdp.socks5_target,
                ]
                .into_iter()
                .flatten()
                {
                    t(s, self);
                }
                if let Some(core) = rdp.client.as_mut().and_then(|c| c.core.as_mut()) {
                    t(&mut core.client_name, self);
                }
            }
            if let Some(tls) = &mut c.tls {
                if let Some(sni) = &mut tls.sni {
                    t(sni, self);
                }
                for cert in &mut tls.certificates {
                    t(&mut cert.subject, self);
                    t(&mut cert.issuer, self);
                    if let Some(cn) = &mut cert.common_name {
                        t(cn, self);
                    }
                    for s in cert.san_dns.iter_mut().chain(cert.san_ip.iter_mut()) {
                        t(s, self);
                    }
                }
            }
            if let Some(state) = &mut c.state {
                for s in [&mut state.user, &mut state.redirected_to]
                    .into_iter()
                    .flatten()
                {
                    t(s, self);
                }
                for s in &mut state.out_of_order {
                    t(s, self);
                }
            }
            if let Some(g) = &mut c.gateway
                && let Some(name) = &mut g.client_name
            {
                t(name, self);
            }
            if let Some(dns) = &mut c.dns {
                for l in &mut dns.lookups {
                    t(&mut l.name, self);
                    for n in &mut l.cnames {
                        t(n, self);
                    }
                    for a in &mut l.addresses {
                        self.redact_ip(a);
                    }
                }
            }
        }
        for f in &mut r.findings {
            t(&mut f.summary, self);
            t(&mut f.wireshark_filter, self);
            if let Some(m) = &mut f.meaning {
                t(m, self);
            }
            if let Some(e) = &mut f.evidence {
                self.redact_value(e);
            }
        }
        for a in &mut r.diagnosis.attempts {
            self.redact_ip(&mut a.client);
            self.redact_ip(&mut a.server_ip);
            t(&mut a.server, self);
            for n in &mut a.names {
                t(n, self);
            }
            if let Some(codes) = &mut a.client_codes {
                for code in [&mut codes.disconnect_reason, &mut codes.extended_reason]
                    .into_iter()
                    .flatten()
                {
                    t(&mut code.why, self);
                }
            }
        }
        for c in &mut r.diagnosis.causes {
            t(&mut c.summary, self);
            t(&mut c.confidence_reason, self);
            t(&mut c.remedy, self);
            t(&mut c.wireshark_filter, self);
            if let Some(s) = &mut c.cannot_show {
                t(s, self);
            }
        }
    }
}

/// A writer that holds a rendered report and writes it redacted on `flush` (the safety net
/// over every format's output).
pub struct RedactingWriter<W: std::io::Write> {
    inner: W,
    redactor: Redactor,
    held: Vec<u8>,
}

impl<W: std::io::Write> RedactingWriter<W> {
    pub fn new(inner: W, redactor: Redactor) -> Self {
        RedactingWriter {
            inner,
            redactor,
            held: Vec::new(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.held.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.held.is_empty() {
            let text = String::from_utf8_lossy(&self.held).into_owned();
            self.held.clear();
            let text = self.redactor.redact_text(&text);
            self.inner.write_all(text.as_bytes())?;
        }
        self.inner.flush()
    }
}

/// The forms an original takes in the outputs: as is, JSON-escaped, HTML / XML-escaped,
/// Markdown table-escaped.
fn escaped_forms(s: &str) -> Vec<String> {
    let mut forms = vec![s.to_string()];
    if let Ok(json) = serde_json::to_string(s) {
        forms.push(json[1..json.len() - 1].to_string());
    }
    let html = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    forms.push(html.replace('"', "&quot;").replace('\'', "&#39;"));
    forms.push(html.replace('"', "&quot;").replace('\'', "&apos;"));
    forms.push(s.replace('|', "\\|"));
    forms.sort();
    forms.dedup();
    forms
}

/// The attributes of an RFC 4514 name, split at commas that are not escaped (`\,`).
fn split_rdns(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in name.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                out.push(&name[start..i]);
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    out.push(&name[start..]);
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Does `text` end with an ANSI SGR sequence (`ESC [ 1;31 m`, the table's colours)?
fn after_ansi_style(text: &[u8]) -> bool {
    let Some((&b'm', rest)) = text.split_last() else {
        return false;
    };
    let params = rest
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    rest.len() >= params + 2 && rest[..rest.len() - params].ends_with(b"\x1b[")
}

/// A match counts only as a whole word: not inside a longer name, number or address.
fn at_boundary(text: &[u8], start: usize, end: usize) -> bool {
    let before_ok = start == 0 || {
        let (b, first) = (text[start - 1], text[start]);
        let inside_word = is_word(b) && is_word(first) && !after_ansi_style(&text[..start]);
        // `1.10.0.0.1` must not yield `10.0.0.1`.
        let inside_number =
            b == b'.' && start >= 2 && text[start - 2].is_ascii_digit() && first.is_ascii_digit();
        !inside_word && !inside_number
    };
    let after_ok = end >= text.len() || {
        let (a, last) = (text[end], text[end - 1]);
        let inside_word = is_word(a) && is_word(last);
        let inside_number = a == b'.'
            && text.get(end + 1).is_some_and(|c| c.is_ascii_digit())
            && last.is_ascii_digit();
        !inside_word && !inside_number
    };
    before_ok && after_ok
}

/// The IP addresses written in a string (`10.0.0.1`, `10.0.0.1:3389`, `[2001:db8::1]:3389`,
/// `fe80::1`).
pub fn addresses_in(s: &str) -> Vec<IpAddr> {
    let mut out = Vec::new();
    let is_addr_char = |c: char| c.is_ascii_hexdigit() || c == '.' || c == ':';
    for run in s.split(|c: char| !is_addr_char(c)) {
        let run = run.trim_matches(|c| c == '.' || c == ':');
        if run.len() < 2 || !run.contains(['.', ':']) {
            continue;
        }
        if let Some(ip) = parse_address(run) {
            out.push(ip);
        } else if let Some((host, _port)) = run.rsplit_once(':')
            && let Some(ip) = parse_address(host)
        {
            out.push(ip);
        }
    }
    out
}

fn parse_address(s: &str) -> Option<IpAddr> {
    if let Ok(v4) = s.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    // Colon-separated hex that is not an address (serials, MACs, times): require the `::`
    // shorthand or all eight groups.
    if s.contains("::") || s.split(':').count() == 8 {
        // An IPv4-mapped tail parses too.
        return s.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_found_in_text() {
        assert_eq!(
            addresses_in("from 10.0.1.2:38626 to [2001:db8::5]:3389, and fe80::1."),
            vec![
                "10.0.1.2".parse::<IpAddr>().unwrap(),
                "2001:db8::5".parse().unwrap(),
                "fe80::1".parse().unwrap()
            ]
        );
        assert!(addresses_in("19:77:d9:bd:15 at 23:04:14.80 OID 1.2.840.113549.1").is_empty());
    }

    #[test]
    fn names_are_replaced_at_word_boundaries_only() {
        let mut r = Redactor::new(Some(b"k"));
        r.add_user("LAB\\alice");
        r.add_address("10.0.0.1".parse().unwrap());
        let out = r.redact_text("LAB\\alice alicea lab 10.0.0.1:3389 10.0.0.12 110.0.0.1");
        let user = r.name_pseudonym(Kind::User, "alice");
        let domain = r.name_pseudonym(Kind::Domain, "lab");
        let ip = r.address_pseudonym("10.0.0.1".parse().unwrap());
        assert_eq!(
            out,
            format!("{domain}\\{user} alicea {domain} {ip}:3389 10.0.0.12 110.0.0.1")
        );
        assert!(ip.to_string().starts_with("24") || ip.to_string().starts_with("25"));
    }

    #[test]
    fn coloured_text_is_redacted_too() {
        let mut r = Redactor::new(Some(b"k"));
        r.add_name(Kind::Host, "vm");
        let host = r.name_pseudonym(Kind::Host, "vm");
        assert_eq!(
            r.redact_text("\x1b[1;31mvm\x1b[0m mvm"),
            format!("\x1b[1;31m{host}\x1b[0m mvm")
        );
    }

    #[test]
    fn rfc4514_names_split_at_unescaped_commas() {
        assert_eq!(
            split_rdns("CN=a,OU=b\\, c,O=d"),
            vec!["CN=a", "OU=b\\, c", "O=d"]
        );
    }

    #[test]
    fn pseudonyms_depend_on_the_key_only() {
        let a = Redactor::new(Some(b"one"));
        let b = Redactor::new(Some(b"one"));
        let c = Redactor::new(Some(b"two"));
        assert_eq!(
            a.name_pseudonym(Kind::Host, "Server1"),
            b.name_pseudonym(Kind::Host, "server1")
        );
        assert_ne!(
            a.name_pseudonym(Kind::Host, "server1"),
            c.name_pseudonym(Kind::Host, "server1")
        );
    }
}
