//! `rdptriage explain ID`: what a finding id or cause id means, what typically causes it,
//! what to do, and an example. Owns the typical-cause texts and the example captures; the
//! meaning is read from docs/json-schema.md (compiled in, so the two cannot drift) and the
//! remedy from [`crate::diagnose::remedies`].

use crate::diagnose::remedies;

/// The public contract the meanings come from.
const SCHEMA_DOC: &str = include_str!("../docs/json-schema.md");

/// One id explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub id: String,
    /// `finding` or `cause`.
    pub kind: &'static str,
    /// What it means (from docs/json-schema.md).
    pub meaning: String,
    pub typical_causes: &'static str,
    pub remedy: String,
    /// A shipped sample capture that shows it, when there is one, and how to look.
    pub example: String,
}

/// Per finding id: typical causes, the cause id whose remedy applies, a sample showing it.
const FINDINGS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "rdp.neg_failure",
        "The server's Security Layer / NLA setting refuses every protocol the client offered (e.g. NLA required, client without CredSSP), or it has no certificate for TLS.",
        "security_layer_mismatch",
        Some("rdp-neg-ext-only-server-shadow.pcap"),
    ),
    (
        "rdp.neg_downgrade",
        "A client retrying without NLA or TLS after the server refused; mstsc and FreeRDP do this by themselves.",
        "security_layer_mismatch",
        None,
    ),
    (
        "rdp.neg_mismatch",
        "Server forcing a security layer the client does not want (standard RDP security to a TLS client, TLS only to an NLA client).",
        "security_layer_mismatch",
        Some("rdp-neg-tls-server-nla-client-shadow.pcap"),
    ),
    (
        "rdp.negotiation_incomplete",
        "A hung or overloaded Remote Desktop service, a proxy accepting the TCP connection but not forwarding it, the wrong service on the port.",
        "handshake_timeout",
        Some("rdp-hung-server.pcap"),
    ),
    (
        "rdp.client_hello_missing",
        "A device between client and server dropping or resetting the client after the negotiation (seen from the server).",
        "middlebox_reset",
        Some("rdp-rst-mid-handshake-server.pcapng"),
    ),
    (
        "rdp.setup_disconnect",
        "A server that cannot use its certificate or key, a security layer it refuses, a licensing or connection-limit refusal.",
        "server_denied",
        Some("rdp-seclayer-tls-server-rdp-client-xrdp.pcap"),
    ),
    (
        "rdp.weak_security",
        "An old server or a policy forcing the \"RDP\" security layer; xrdp with security_layer=rdp.",
        "security_layer_mismatch",
        Some("rdp-seclayer-rdp-server-tls-client-xrdp.pcap"),
    ),
    (
        "rdp.decode_error",
        "A non-RDP service on the port, a proxy altering the stream, a capture truncated by its snap length, or a protocol extension rdptriage does not know.",
        "protocol_error",
        None,
    ),
    (
        "credssp.error",
        "Wrong user name or password, a locked, disabled or expired account, a missing logon right, a server that cannot reach its domain controller.",
        "nla_failure",
        None,
    ),
    (
        "credssp.rejected",
        "Wrong credentials or an unknown user on a server that sends no CredSSP errorCode (FreeRDP-based servers, CredSSP 2).",
        "nla_failure",
        Some("rdp-nla-unknown-user-shadow.pcap"),
    ),
    (
        "rdp.authorization_denied",
        "The user is not in Remote Desktop Users / lacks \"Allow log on through Remote Desktop Services\", or is in its Deny counterpart.",
        "insufficient_privileges",
        None,
    ),
    (
        "rdp.license_error",
        "No RD Licensing server reachable, grace period over, no CALs of the right kind, a client with a corrupt license store.",
        "licensing_failure",
        None,
    ),
    (
        "rdp.error_info",
        "Whatever the server names: idle or session time limits, another user taking the session, an administrator, licensing, a broker failure.",
        "server_denied",
        Some("rdp-set-error-info-proxy.pcap"),
    ),
    (
        "rdp.disconnected",
        "A server or proxy ending the setup without Set Error Info: a proxy whose target is down, a connection limit, a logon refused by the server.",
        "server_denied",
        Some("rdp-proxy-target-down.pcap"),
    ),
    (
        "rdp.redirected",
        "A Connection Broker or load balancer sending the client to the server that holds the session (expected in RDS farms).",
        "no_failure_observed",
        None,
    ),
    (
        "rdp.password_guessing",
        "Password guessing against the server, or a client (a script, a saved connection, a mapped drive's service) retrying a wrong saved password.",
        "nla_failure",
        Some("rdp-nla-password-guessing-shadow.pcap"),
    ),
    (
        "rdp.scan",
        "A port scan or a security-protocol enumeration (nmap, a vulnerability scanner, an inventory tool) against the server.",
        "probes_only",
        Some("rdp-scan-nmap-shadow.pcap"),
    ),
    (
        "rdp.multitransport",
        "UDP 3389 blocked or RDP-UDP disabled on the client; the session works on TCP only.",
        "udp_transport_blocked",
        None,
    ),
    (
        "tcp.syn_unanswered",
        "A firewall dropping TCP 3389, the host down or not at that address, a wrong route.",
        "connection_blocked",
        Some("rdp-syn-dropped.pcap"),
    ),
    (
        "tcp.refused",
        "Nothing listening on the port (Remote Desktop disabled, the service stopped, another port configured), or a firewall rejecting in the server's name.",
        "connection_refused",
        Some("rdp-port-closed.pcap"),
    ),
    (
        "icmp.unreachable",
        "A router or firewall rejecting on purpose (admin-prohibited), no route, nothing listening on a UDP port, or a packet too big for a link.",
        "connection_blocked",
        Some("rdp-icmp-admin-prohibited.pcap"),
    ),
    (
        "tcp.rst_injected",
        "A firewall, IPS or proxy resetting the connection in the name of the server or client.",
        "middlebox_reset",
        Some("rdp-rst-mid-handshake.pcap"),
    ),
    (
        "tcp.rst",
        "The server or client aborting the connection: a refused TLS handshake, a crashed service, a closed application.",
        "server_denied",
        None,
    ),
    (
        "tcp.mtu_blackhole",
        "A VPN or tunnel with a smaller MTU and ICMP \"fragmentation needed\" blocked, so full-size segments vanish.",
        "path_mtu_blackhole",
        Some("rdp-mtu-blackhole-server.pcap"),
    ),
    (
        "tcp.handshake_stall",
        "A hung server, a middlebox holding the stream, a server waiting for a domain controller or a licensing server.",
        "handshake_timeout",
        Some("rdp-hung-server.pcap"),
    ),
    (
        "tcp.heavy_loss",
        "A congested, wireless or long-distance link; a shaper dropping packets.",
        "network_loss",
        Some("rdp-lossy-high-latency.pcap"),
    ),
    (
        "tcp.zero_window",
        "A receiver that stopped reading: an overloaded server or client.",
        "handshake_timeout",
        None,
    ),
    (
        "tcp.ended_in_setup",
        "Whatever ended the setup without a more precise finding: a refused certificate, NLA refused, a server that closes by design.",
        "server_denied",
        Some("rdg-target-unreachable-standin.pcap"),
    ),
    (
        "rdpudp.syn_unanswered",
        "UDP 3389 blocked by a firewall or NAT, RDP-UDP disabled on the server (\"Select RDP transport protocols\" policy).",
        "udp_transport_blocked",
        None,
    ),
    (
        "rdpudp.loss",
        "A lossy path for UDP: Wi-Fi, congested links, a shaper.",
        "udp_loss",
        None,
    ),
    (
        "gateway.auth_denied",
        "Wrong credentials for the gateway, or the user not allowed by its RD CAP.",
        "gateway_auth_failure",
        Some("rdg-auth-denied-standin.pcap"),
    ),
    (
        "gateway.http_error",
        "A reverse proxy or load balancer in front of the gateway refusing RDG_* methods, the gateway service stopped, a wrong URL.",
        "gateway_error",
        None,
    ),
    (
        "gateway.http_framing",
        "A reverse proxy or WAF removing Content-Length / chunked encoding from the gateway's responses.",
        "gateway_http_framing",
        Some("rdg-no-content-length-standin.pcap"),
    ),
    (
        "gateway.rdg_denied",
        "The RD CAP or RD RAP refusing the user or the target host, an expired PAA cookie, an unsupported authentication method.",
        "gateway_auth_failure",
        None,
    ),
    (
        "gateway.rdg_error",
        "The gateway cannot reach the target host (firewall between gateway and host, the host down, a wrong name), or another named gateway error.",
        "gateway_error",
        Some("rdg-target-unreachable-standin.pcap"),
    ),
    (
        "tls.cert_expired",
        "A self-signed RDP certificate not renewed, a CA-issued certificate past its date, a gateway certificate forgotten.",
        "certificate_expired",
        Some("rdp-tls12-cert-expired-xrdp.pcap"),
    ),
    (
        "tls.cert_not_yet_valid",
        "A wrong clock on the server or client, a certificate issued with a future start date.",
        "certificate_not_yet_valid",
        Some("rdp-cert-not-yet-valid-xrdp.pcap"),
    ),
    (
        "tls.cert_expiring_soon",
        "A certificate close to its end date: renew it before it fails.",
        "certificate_expired",
        Some("tls13-healthy-openssl-ipv6.pcap"),
    ),
    (
        "tls.cert_name_mismatch",
        "Connecting by IP address or a short name, a load-balanced farm whose hosts lack the farm name, a gateway certificate without its public name.",
        "certificate_name_mismatch",
        Some("rdp-cert-name-mismatch-xrdp.pcap"),
    ),
    (
        "tls.cert_self_signed",
        "The Windows default self-signed RDP certificate (normal for direct RDP in a domain), a gateway without a CA-issued certificate.",
        "certificate_untrusted",
        Some("rdp-cert-untrusted-xrdp.pcap"),
    ),
    (
        "tls.cert_interception",
        "A TLS-inspecting firewall or proxy re-signing certificates, nodes of a farm with different certificates, a renewal during the capture.",
        "certificate_untrusted",
        None,
    ),
    (
        "tls.alert",
        "The side sending the alert refused the handshake: an untrusted certificate, no common version or suite, a failed client authentication.",
        "tls_handshake_failure",
        Some("rdp-tls-cipher-mismatch-xrdp.pcap"),
    ),
    (
        "tls.version_mismatch",
        "TLS 1.0/1.1 disabled on one side (Schannel registry keys, hardened images) while the other only offers them.",
        "tls_version_mismatch",
        Some("rdp-tls-version-mismatch-xrdp.pcap"),
    ),
    (
        "tls.cipher_mismatch",
        "Cipher suites restricted on one side (Group Policy suite order, xrdp tls_ciphers) with none left in common.",
        "tls_cipher_mismatch",
        Some("rdp-tls-cipher-mismatch-xrdp.pcap"),
    ),
    (
        "tls.handshake_aborted",
        "A server that cannot use its private key, a middlebox dropping the handshake, a client giving up on the certificate.",
        "tls_handshake_failure",
        Some("rdp-mtu-blackhole.pcap"),
    ),
];

/// Per cause id: typical causes and a sample whose verdict it is.
const CAUSES: &[(&str, &str, Option<&str>)] = &[
    (
        "certificate_expired",
        "The RDP listener's self-signed certificate was not renewed, or a CA-issued / RD Gateway certificate passed its end date.",
        Some("rdp-tls12-cert-expired-xrdp.pcap"),
    ),
    (
        "certificate_not_yet_valid",
        "A wrong clock on either side, or a certificate issued with a future start date.",
        Some("rdp-cert-not-yet-valid-xrdp.pcap"),
    ),
    (
        "certificate_name_mismatch",
        "Users connect by IP or a name the certificate does not list; farm hosts without the farm name.",
        Some("rdp-cert-name-mismatch-xrdp.pcap"),
    ),
    (
        "certificate_untrusted",
        "A self-signed certificate on a gateway or for clients outside the domain; a TLS-inspecting firewall.",
        Some("rdp-cert-untrusted-xrdp.pcap"),
    ),
    (
        "tls_version_mismatch",
        "TLS 1.0/1.1 disabled on a hardened side while an old client or server offers only them.",
        Some("rdp-tls-version-mismatch-xrdp.pcap"),
    ),
    (
        "tls_cipher_mismatch",
        "Restricted cipher suite lists with nothing in common.",
        Some("rdp-tls-cipher-mismatch-xrdp.pcap"),
    ),
    (
        "tls_handshake_failure",
        "A server that cannot use its certificate's private key, a refused certificate, a middlebox breaking TLS.",
        Some("rdp-server-key-mismatch-xrdp.pcap"),
    ),
    (
        "security_layer_mismatch",
        "The server requires NLA or TLS and the client does not offer it, or the server forces standard RDP security.",
        Some("rdp-neg-hybrid-required-shadow.pcap"),
    ),
    (
        "nla_failure",
        "Wrong credentials, unknown user, locked / expired account, missing logon right, CredSSP patch level mismatch.",
        Some("rdp-nla-wrong-password-shadow.pcap"),
    ),
    (
        "server_denied",
        "The server ended the setup: connection limit, policy, a proxy whose target is down, a crashed session host.",
        Some("rdp-proxy-target-down.pcap"),
    ),
    (
        "middlebox_reset",
        "A firewall, IPS or proxy resetting the connection.",
        Some("rdp-rst-mid-handshake.pcap"),
    ),
    (
        "connection_refused",
        "Remote Desktop disabled, TermService stopped, a different port, a firewall rejecting with resets.",
        Some("rdp-port-closed.pcap"),
    ),
    (
        "connection_blocked",
        "A firewall dropping or rejecting TCP 3389, the host down, no route.",
        Some("rdp-syn-dropped.pcap"),
    ),
    (
        "path_mtu_blackhole",
        "A VPN / tunnel MTU smaller than the path's with ICMP \"fragmentation needed\" blocked.",
        Some("rdp-mtu-blackhole.pcap"),
    ),
    (
        "network_loss",
        "Congested, wireless or long-distance links.",
        Some("rdp-lossy-high-latency.pcap"),
    ),
    (
        "handshake_timeout",
        "A hung server or service, a middlebox holding the stream, a server waiting on a domain controller.",
        Some("rdp-hung-server.pcap"),
    ),
    (
        "gateway_http_framing",
        "A reverse proxy or WAF in front of the RD Gateway rewriting its HTTP responses.",
        Some("rdg-no-content-length-standin.pcap"),
    ),
    (
        "gateway_auth_failure",
        "Wrong gateway credentials, RD CAP / RD RAP refusing the user or target.",
        Some("rdg-auth-denied-standin.pcap"),
    ),
    (
        "gateway_error",
        "The gateway cannot reach the target host, or a proxy in front of it answers with an HTTP error.",
        Some("rdg-target-unreachable-standin.pcap"),
    ),
    (
        "udp_transport_blocked",
        "UDP 3389 blocked, RDP-UDP disabled; the session falls back to TCP.",
        None,
    ),
    ("udp_loss", "A lossy path for UDP traffic.", None),
    (
        "insufficient_privileges",
        "The user is not allowed to log on through Remote Desktop Services on that server.",
        None,
    ),
    (
        "fresh_credentials_required",
        "A policy requiring the user to type credentials instead of saved or single-sign-on ones.",
        None,
    ),
    (
        "licensing_failure",
        "No reachable RD Licensing server, grace period over, no CALs, a corrupt client license store.",
        None,
    ),
    (
        "idle_timeout",
        "The idle session time limit (Group Policy or the user's account settings).",
        None,
    ),
    (
        "logon_timeout",
        "The active session time limit, or a logon that took longer than allowed.",
        None,
    ),
    (
        "session_replaced",
        "The same user connected from elsewhere and took over the session.",
        None,
    ),
    (
        "admin_disconnect",
        "An administrator disconnected or logged off the session, or another user took it over.",
        None,
    ),
    (
        "server_error",
        "An internal failure on the session host (out of memory, a session that could not be created).",
        None,
    ),
    (
        "connection_broker_failure",
        "An RD Connection Broker that cannot place or find the user's session.",
        None,
    ),
    (
        "protocol_error",
        "A client and server (or a proxy between them) that disagree on the protocol's bytes.",
        None,
    ),
    (
        "undetermined",
        "The capture stopped while an attempt was still in setup (capture longer, until the user sees the error), or an attempt failed and nothing on the wire says why (bring the TLS key log or the server's event log).",
        None,
    ),
    (
        "probes_only",
        "Load balancer health checks, monitoring agents (`nc -z`), port scans: connections that were never a Remote Desktop attempt.",
        Some("rdp-health-probes-haproxy.pcap"),
    ),
    (
        "no_failure_observed",
        "The connection worked as far as the capture shows; an error the user saw may come after the capture or from inside the session.",
        Some("rdp-tls-healthy-xrdp.pcap"),
    ),
    (
        "no_rdp_traffic",
        "The capture was taken on the wrong host or interface, with a filter that left RDP out, or RDP on a port and protocol rdptriage does not see.",
        Some("http-only-no-rdp.pcap"),
    ),
];

/// Every finding id and cause id `explain` knows.
pub fn ids() -> impl Iterator<Item = &'static str> {
    FINDINGS
        .iter()
        .map(|f| f.0)
        .chain(CAUSES.iter().map(|c| c.0))
}

/// The "when" column of the findings table in docs/json-schema.md for `id`.
fn finding_meaning(id: &str) -> Option<String> {
    let prefix = format!("| `{id}` |");
    let row = SCHEMA_DOC.lines().find(|l| l.starts_with(&prefix))?;
    let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
    let when = cells.get(2)?.trim();
    let severity = cells.get(1)?.trim();
    Some(format!("{when} (severity: {severity})"))
}

/// The example text for a sample capture.
fn example(id: &str, sample: Option<&str>, kind: &str) -> String {
    let look = if kind == "finding" {
        format!("grep '\"id\":\"{id}\"'")
    } else {
        format!("grep '\"cause\":\"{id}\"'")
    };
    match sample {
        Some(s) => format!(
            "rdptriage analyze samples/{s}\n  rdptriage analyze --format json samples/{s} | {look}"
        ),
        None => format!("rdptriage analyze --format json capture.pcap | {look}"),
    }
}

/// Explains a finding id or cause id, or `None` when it is not one.
pub fn explain(id: &str) -> Option<Explanation> {
    if let Some(&(id, typical, cause, sample)) = FINDINGS.iter().find(|f| f.0 == id) {
        return Some(Explanation {
            id: id.into(),
            kind: "finding",
            meaning: finding_meaning(id).unwrap_or_default(),
            typical_causes: typical,
            remedy: format!(
                "{} (cause `{cause}`: {})",
                remedies::advice(cause).remedy,
                remedies::advice(cause).title
            ),
            example: example(id, sample, "finding"),
        });
    }
    let &(id, typical, sample) = CAUSES.iter().find(|c| c.0 == id)?;
    let advice = remedies::advice(id);
    let mut meaning = advice.title.to_string();
    if let Some(limit) = advice.cannot_show() {
        meaning.push_str(&format!(". The capture cannot show: {limit}"));
    }
    Some(Explanation {
        id: id.into(),
        kind: "cause",
        meaning,
        typical_causes: typical,
        remedy: advice.remedy.into(),
        example: example(id, sample, "cause"),
    })
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} ({})", self.id, self.kind)?;
        writeln!(f, "\nMeaning:\n  {}", self.meaning)?;
        writeln!(f, "\nTypical causes:\n  {}", self.typical_causes)?;
        writeln!(f, "\nRemedy:\n  {}", self.remedy)?;
        writeln!(f, "\nExample:\n  {}", self.example)
    }
}

/// The sample capture named in an id's example, for the tests that check it shows the id.
pub fn example_sample(id: &str) -> Option<&'static str> {
    FINDINGS
        .iter()
        .find(|f| f.0 == id)
        .and_then(|f| f.3)
        .or_else(|| CAUSES.iter().find(|c| c.0 == id).and_then(|c| c.2))
}
