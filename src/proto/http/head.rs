//! HTTP/1.x message heads (RFC 9112 2–5): start line and header fields, and the few header
//! values the gateway decoder describes. Credentials never leave this module: of
//! `Authorization` only the scheme word is taken, of challenges only the scheme names, and
//! query-string values other than the gateway's own identifiers are masked.

/// Largest message head buffered (start line, header fields, the empty line).
pub const MAX_HEAD: usize = 16 * 1024;
/// Header fields kept per message head; more is not an RD Gateway message.
pub const MAX_HEADERS: usize = 64;
/// Characters kept of a header value or a request target.
pub const MAX_VALUE: usize = 256;
/// Longest method token accepted (RFC 9110 9.1 sets none; `RDG_OUT_DATA` has 12).
const MAX_METHOD: usize = 24;

/// RFC 9112 3 request-line / 4 status-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    Request {
        method: String,
        target: String,
        version: String,
    },
    Status {
        version: String,
        status: u16,
        reason: String,
    },
}

/// One message head: start line and header fields (name, value) in order.
#[derive(Debug, Clone)]
pub struct Head {
    pub start: StartLine,
    pub fields: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// Values of every field with this name (RFC 9110 5.1: names are case-insensitive).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of a field, as text (bounded).
    pub fn text(&self, name: &str) -> Option<String> {
        self.all(name).next().map(text)
    }

    pub fn has(&self, name: &str) -> bool {
        self.all(name).next().is_some()
    }

    /// RFC 9110 5.3: several field lines of one list-based field are one comma-separated
    /// list.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.all(name)
            .flat_map(split_list)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// RFC 9110 5.6.2 tchar.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Printable text of a field value: lossy UTF-8, control characters replaced, at most
/// [`MAX_VALUE`] characters.
pub fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v)
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .take(MAX_VALUE)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Splits a list-based field value on commas outside quoted strings (RFC 9110 5.6.1).
fn split_list(v: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut quoted = false;
    let mut escaped = false;
    for &b in v {
        if escaped {
            escaped = false;
        } else if quoted && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            quoted = !quoted;
        } else if b == b',' && !quoted {
            out.push(text(&cur));
            cur.clear();
            continue;
        }
        cur.push(b);
    }
    out.push(text(&cur));
    out
}

/// Where the head ends: the index just after the empty line (CRLF CRLF, or bare LFs — RFC
/// 9112 2.2 lets a recipient accept a lone LF). The search starts near `from`.
pub fn find_end(buf: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(3);
    let tail = buf.get(start..)?;
    tail.iter().enumerate().find_map(|(i, &b)| {
        if b != b'\n' {
            return None;
        }
        match tail.get(i + 1) {
            Some(b'\n') => Some(start + i + 2),
            Some(b'\r') if tail.get(i + 2) == Some(&b'\n') => Some(start + i + 3),
            _ => None,
        }
    })
}

/// Could these first bytes of a message still be a request line (client) or status line
/// (server)? Used to give up early on bytes that are not HTTP.
pub fn plausible_start(buf: &[u8], request: bool) -> bool {
    if request {
        match buf.iter().position(|&b| b == b' ') {
            Some(0) => false,
            Some(n) => n <= MAX_METHOD && buf.iter().take(n).all(|&b| is_tchar(b)),
            None => buf.len() <= MAX_METHOD && buf.iter().all(|&b| is_tchar(b)),
        }
    } else {
        let n = buf.len().min(7);
        buf.get(..n) == b"HTTP/1.".get(..n)
    }
}

/// Whether the first bytes of a direction look like HTTP/1.x: a method token of capitals,
/// digits, `_` or `-` followed by a space (client), or `HTTP/1.` (server).
pub fn looks_like_http(first: &[u8], request: bool) -> bool {
    if request {
        let Some(n) = first.iter().position(|&b| b == b' ') else {
            return false;
        };
        (1..=MAX_METHOD).contains(&n)
            && first.iter().take(n).any(u8::is_ascii_uppercase)
            && first
                .iter()
                .take(n)
                .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            && first.get(n + 1).is_some_and(|&b| b > b' ' && b < 0x7f)
    } else {
        first.starts_with(b"HTTP/1.")
    }
}

/// RFC 9112 2.3 HTTP-version: `HTTP/` DIGIT `.` DIGIT, only 1.x here.
fn version(v: &[u8]) -> Option<String> {
    match v {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d] if d.is_ascii_digit() => {
            Some(String::from_utf8_lossy(v).into_owned())
        }
        _ => None,
    }
}

/// Parses a message head (without requiring the final empty line to be present).
pub fn parse(head: &[u8], request: bool) -> Result<Head, String> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = lines.next().unwrap_or_default();
    let start = if request {
        request_line(first)?
    } else {
        status_line(first)?
    };
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            // RFC 9112 5.2 obs-fold: a continuation of the previous field's value.
            match fields.last_mut() {
                Some((_, v)) => {
                    v.push(b' ');
                    v.extend_from_slice(line.trim_ascii());
                    continue;
                }
                None => return Err("a folded line before the first header field".into()),
            }
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(format!("header line without a colon: {:?}", text(line)));
        };
        let name = line.get(..colon).unwrap_or_default().trim_ascii_end();
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(format!("bad header field name {:?}", text(name)));
        }
        if fields.len() >= MAX_HEADERS {
            return Err(format!("more than {MAX_HEADERS} header fields"));
        }
        let value = line.get(colon + 1..).unwrap_or_default().trim_ascii();
        fields.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
    }
    Ok(Head { start, fields })
}

/// RFC 9112 3 request-line = method SP request-target SP HTTP-version.
fn request_line(line: &[u8]) -> Result<StartLine, String> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (m, t, v) = (parts.next(), parts.next(), parts.next());
    let (Some(m), Some(t), Some(v)) = (m, t, v) else {
        return Err(format!("not a request line: {:?}", text(line)));
    };
    if m.is_empty() || m.len() > MAX_METHOD || !m.iter().all(|&b| is_tchar(b)) {
        return Err(format!("bad request method {:?}", text(m)));
    }
    if t.is_empty() {
        return Err("empty request target".into());
    }
    let Some(version) = version(v) else {
        return Err(format!("not an HTTP/1.x request: version {:?}", text(v)));
    };
    Ok(StartLine::Request {
        method: String::from_utf8_lossy(m).into_owned(),
        target: redact_target(&String::from_utf8_lossy(t)),
        version,
    })
}

/// RFC 9112 4 status-line = HTTP-version SP status-code SP [ reason-phrase ]; a missing
/// space after the code is tolerated.
fn status_line(line: &[u8]) -> Result<StartLine, String> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let v = parts.next().unwrap_or_default();
    let Some(version) = version(v) else {
        return Err(format!("not an HTTP/1.x status line: {:?}", text(line)));
    };
    let code = parts.next().unwrap_or_default();
    let status = match code {
        [a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(format!("bad status code {:?}", text(code))),
    };
    Ok(StartLine::Status {
        version,
        status,
        reason: text(parts.next().unwrap_or_default()),
    })
}

/// Query parameters of the RD Gateway WebSocket URL whose values are identifiers, kept
/// (MS-TSGU 2.2.3.3: ConId, CorId, AuthS, ClGen, ClBld); other values (user id, claims
/// token) are masked.
const KEPT_QUERY_PARAMS: [&str; 5] = ["conid", "corid", "auths", "clgen", "clbld"];

/// The request target with query values other than the known identifiers masked, bounded.
pub fn redact_target(t: &str) -> String {
    let (path, query) = match t.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (t, None),
    };
    let mut out: String = path.chars().take(MAX_VALUE).collect();
    if let Some(q) = query {
        out.push('?');
        let params: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if !KEPT_QUERY_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                    format!("{k}=<redacted>")
                }
                _ => kv.to_string(),
            })
            .collect();
        out.extend(params.join("&").chars().take(MAX_VALUE));
    }
    out.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// The value of a query parameter of a (redacted) target, compared case-insensitively.
pub fn query_param(target: &str, name: &str) -> Option<String> {
    let (_, q) = target.split_once('?')?;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.eq_ignore_ascii_case(name).then(|| v.to_string())
    })
}

/// The authentication scheme of an `Authorization` value (RFC 9110 11.6.2 credentials =
/// auth-scheme [ 1*SP ( token68 / #auth-param ) ]): the first word only.
pub fn auth_scheme(v: &[u8]) -> Option<String> {
    let word: Vec<u8> = v
        .trim_ascii()
        .iter()
        .take_while(|&&b| is_tchar(b))
        .take(32)
        .copied()
        .collect();
    (!word.is_empty()).then(|| String::from_utf8_lossy(&word).into_owned())
}

/// Scheme names of a `WWW-Authenticate` / `Proxy-Authenticate` value (RFC 9110 11.6.1: a list
/// of challenges, each a scheme optionally followed by a token68 or auth-params). Items
/// that are auth-params of the previous challenge (`name=value`) are skipped; tokens and
/// parameters are never returned.
pub fn challenge_schemes(v: &[u8]) -> Vec<String> {
    split_list(v)
        .into_iter()
        .filter_map(|item| {
            let first = item.split([' ', '\t']).next().unwrap_or_default();
            let is_scheme = !first.is_empty()
                && !first.contains('=')
                && first.bytes().all(is_tchar)
                && first.len() <= 32;
            is_scheme.then(|| first.to_string())
        })
        .collect()
}

/// What an authentication token carries, never the token itself: the `token68` after the
/// scheme of an `Authorization` value or of one `WWW-Authenticate` challenge (RFC 9110
/// 11.3 / 11.6; RFC 4559 4 for `Negotiate`, MS-NTHT 2.2 for `NTLM`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuthToken {
    /// The scheme the token belongs to (`NTLM`, `Negotiate`…).
    pub scheme: String,
    /// Length of the decoded token (base64, RFC 4648 4); 0 when it is not base64.
    pub bytes: usize,
    /// The NTLM message type inside (MS-NLMP 2.2.1: 1 NEGOTIATE, 2 CHALLENGE, 3
    /// AUTHENTICATE), whether the token is raw NTLMSSP or wrapped in SPNEGO.
    pub ntlm_message: Option<u32>,
    /// SPNEGO NegTokenResp negState (RFC 4178 4.2.2: 0 accept-completed, 1
    /// accept-incomplete, 2 reject, 3 request-mic) when the token is one.
    pub spnego_neg_state: Option<u8>,
}

/// Decoded bytes looked at per token: enough for the NTLMSSP header inside SPNEGO.
const MAX_TOKEN_DECODE: usize = 4096;

/// RFC 4648 4 base64 (padding optional), at most `max` output bytes; `None` on a
/// character outside the alphabet.
fn base64_prefix(t: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in t {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
            if out.len() >= max {
                break;
            }
        }
    }
    Some(out)
}

/// RFC 9110 11.2 token68.
fn is_token68(t: &[u8]) -> bool {
    let pad = t.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &t[..t.len() - pad];
    !body.is_empty()
        && body
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// The facts of one token (scheme and token68 bytes).
fn token_facts(scheme: &[u8], token: &[u8]) -> AuthToken {
    let decoded = base64_prefix(token, MAX_TOKEN_DECODE).unwrap_or_default();
    // MS-NLMP 2.2.1: Signature "NTLMSSP\0" then MessageType (u32, little-endian).
    let ntlm_message = decoded
        .windows(8)
        .position(|w| w == b"NTLMSSP\0")
        .and_then(|at| decoded.get(at + 8..at + 12))
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    // RFC 4178 4.2.2: NegTokenResp is [1] SEQUENCE { negState [0] ENUMERATED … }.
    let spnego_neg_state = (|| {
        let mut at = 0;
        for tag in [0xa1u8, 0x30] {
            if *decoded.get(at)? != tag {
                return None;
            }
            let l = *decoded.get(at + 1)?;
            at += 2 + if l & 0x80 != 0 {
                usize::from(l & 0x7f)
            } else {
                0
            };
        }
        (decoded.get(at..at + 4)? == [0xa0, 0x03, 0x0a, 0x01])
            .then(|| decoded.get(at + 4).copied())?
    })();
    AuthToken {
        scheme: text(scheme),
        bytes: decoded.len(),
        ntlm_message,
        spnego_neg_state,
    }
}

/// The token of an `Authorization` value (`NTLM TlRMTVNTUAAD…`), if it has one.
pub fn authorization_token(v: &[u8]) -> Option<AuthToken> {
    let v = v.trim_ascii();
    let split = v.iter().position(|&b| b == b' ' || b == b'\t')?;
    let (scheme, rest) = v.split_at(split);
    let token = rest.trim_ascii();
    is_token68(token).then(|| token_facts(scheme, token))
}

/// The first challenge of a `WWW-Authenticate` value that carries a token68 (`NTLM
/// TlRMTVNTUAAC…`, `Negotiate oYIB…`); a bare offer (`Negotiate`, `NTLM`) has none.
pub fn challenge_token(v: &[u8]) -> Option<AuthToken> {
    v.split(|&b| b == b',').find_map(|item| {
        let item = item.trim_ascii();
        let split = item.iter().position(|&b| b == b' ' || b == b'\t')?;
        let (scheme, rest) = item.split_at(split);
        let token = rest.trim_ascii();
        (scheme.iter().all(|&b| is_tchar(b)) && is_token68(token))
            .then(|| token_facts(scheme, token))
    })
}

/// RFC 9112 6.3 item 5: a Content-Length value; a list of identical values counts as one,
/// anything else is invalid.
pub fn content_length(values: &[&[u8]]) -> Result<Option<u64>, String> {
    let mut found: Option<u64> = None;
    for v in values {
        for item in v.split(|&b| b == b',') {
            let item = item.trim_ascii();
            if item.is_empty() || item.len() > 19 || !item.iter().all(u8::is_ascii_digit) {
                return Err(format!("invalid Content-Length {:?}", text(v)));
            }
            let n = item
                .iter()
                .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
            match found {
                Some(f) if f != n => {
                    return Err(format!("conflicting Content-Length values {f} and {n}"));
                }
                _ => found = Some(n),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_with_crlf_and_lf() {
        assert_eq!(find_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nxyz", 0), Some(24));
        assert_eq!(find_end(b"GET / HTTP/1.1\nA: b\n\nxyz", 0), Some(21));
        assert_eq!(find_end(b"GET / HTTP/1.1\r\nA: b\r\n", 0), None);
        // Resuming the search just before where the previous one stopped.
        let b = b"GET / HTTP/1.1\r\nA: b\r\n\r\n";
        assert_eq!(find_end(b, 22), Some(24));
        assert_eq!(find_end(b"", 5), None);
    }

    #[test]
    fn request_and_status_lines() {
        let h = parse(
            b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\nHost: 10.0.2.2\r\nX:\r\n",
            true,
        )
        .unwrap();
        assert_eq!(
            h.start,
            StartLine::Request {
                method: "RDG_OUT_DATA".into(),
                target: "/remoteDesktopGateway/".into(),
                version: "HTTP/1.1".into()
            }
        );
        assert_eq!(h.text("host").as_deref(), Some("10.0.2.2"));
        assert_eq!(h.text("x").as_deref(), Some(""));
        let h = parse(b"HTTP/1.1 401 Unauthorized\r\n", false).unwrap();
        assert!(
            matches!(h.start, StartLine::Status { status: 401, ref reason, .. } if reason == "Unauthorized")
        );
        let h = parse(b"HTTP/1.0 200", false).unwrap();
        assert!(matches!(h.start, StartLine::Status { status: 200, .. }));
        assert!(parse(b"HTTP/2.0 200 OK", false).is_err());
        assert!(parse(b"HTTP/1.1 20 OK", false).is_err());
        assert!(parse(b"PRI * HTTP/2.0", true).is_err());
        assert!(parse(b"GET /\r\n", true).is_err());
        assert!(parse(b"GET / HTTP/1.1\r\nno colon\r\n", true).is_err());
        assert!(parse(b"GET / HTTP/1.1\r\n folded\r\n", true).is_err());
        let h = parse(b"GET / HTTP/1.1\r\nA: b\r\n  c\r\n", true).unwrap();
        assert_eq!(h.text("a").as_deref(), Some("b c"));
    }

    #[test]
    fn too_many_fields() {
        let mut m = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            m.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
        }
        assert!(parse(&m, true).unwrap_err().contains("more than 64"));
    }

    #[test]
    fn credentials_are_not_kept() {
        assert_eq!(
            auth_scheme(b"NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==")
                .as_deref(),
            Some("NTLM")
        );
        assert_eq!(auth_scheme(b"  "), None);
        assert_eq!(
            challenge_schemes(b"NTLM TlRMTVNTUAACAAAABgAGADgAAAA="),
            ["NTLM"]
        );
        assert_eq!(
            challenge_schemes(b"Negotiate, NTLM, Basic realm=\"a, b\", charset=\"UTF-8\""),
            ["Negotiate", "NTLM", "Basic"]
        );
        assert_eq!(
            redact_target("/remoteDesktopGateway/?CorId={x}&ClmTk=Bearer%20abc&UsrId=dXNlcg"),
            "/remoteDesktopGateway/?CorId={x}&ClmTk=<redacted>&UsrId=<redacted>"
        );
        assert_eq!(
            query_param("/r/?CorId={x}&ConID=abc", "conid").as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn content_lengths() {
        assert_eq!(content_length(&[b"147"]), Ok(Some(147)));
        assert_eq!(content_length(&[b"0", b" 0 "]), Ok(Some(0)));
        assert_eq!(content_length(&[b"5, 5"]), Ok(Some(5)));
        assert_eq!(content_length(&[]), Ok(None));
        assert!(content_length(&[b"5, 6"]).is_err());
        assert!(content_length(&[b"-1"]).is_err());
        assert!(content_length(&[b"99999999999999999999"]).is_err());
        assert_eq!(content_length(&[b"1073741824"]), Ok(Some(0x4000_0000)));
    }

    #[test]
    fn starts() {
        assert!(looks_like_http(
            b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1",
            true
        ));
        assert!(looks_like_http(b"GET / HTTP/1.1", true));
        assert!(!looks_like_http(b"get / HTTP/1.1", true));
        assert!(!looks_like_http(b"\x16\x03\x01\x02\x00", true));
        assert!(!looks_like_http(b"GET  /", true));
        assert!(!looks_like_http(b"GET", true));
        assert!(looks_like_http(b"HTTP/1.1 200 OK", false));
        assert!(!looks_like_http(b"HTTP/2", false));
        assert!(plausible_start(b"RDG_IN", true));
        assert!(!plausible_start(b"\x03\x00", true));
        assert!(plausible_start(b"HTT", false));
        assert!(!plausible_start(b"HTTX", false));
        assert!(!plausible_start(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", true));
    }

    #[test]
    fn auth_tokens() {
        // "NTLMSSP\0" + type 3 (MS-NLMP 2.2.1.3), base64.
        let t = authorization_token(b"NTLM TlRMTVNTUAADAAAAGAAYAEAAAAA=").unwrap();
        assert_eq!(
            (t.scheme.as_str(), t.ntlm_message, t.bytes),
            ("NTLM", Some(3), 20)
        );
        assert_eq!(authorization_token(b"NTLM"), None);
        assert_eq!(authorization_token(b"Basic"), None);
        let t = challenge_token(b"NTLM TlRMTVNTUAACAAAA").unwrap();
        assert_eq!(t.ntlm_message, Some(2));
        assert_eq!(challenge_token(b"Negotiate, NTLM"), None);
        assert_eq!(challenge_token(b"Basic realm=\"gw, x\""), None);
        // SPNEGO NegTokenResp negState reject (RFC 4178): a1 07 30 05 a0 03 0a 01 02.
        let t = challenge_token(b"Negotiate oQcwBaADCgEC").unwrap();
        assert_eq!((t.spnego_neg_state, t.ntlm_message), (Some(2), None));
        assert_eq!(challenge_token(b"Negotiate !!"), None);
    }
}
