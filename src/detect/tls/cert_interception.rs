//! `tls.cert_interception`: signs of TLS inspection. Either the certificate for the same
//! server (SNI, else address and port) differs between connections of the capture, or its
//! issuer names a known TLS-inspection product.

use super::{TlsConnection, cert_label};
use crate::detect::{Finding, Severity};
use std::collections::BTreeMap;

/// Issuer substrings (lower case) of products that re-sign certificates.
const INSPECTION_ISSUERS: &[(&str, &str)] = &[
    ("fortinet", "Fortinet FortiGate"),
    ("fortigate", "Fortinet FortiGate"),
    ("palo alto", "Palo Alto Networks"),
    ("zscaler", "Zscaler"),
    ("netskope", "Netskope"),
    ("blue coat", "Blue Coat / Symantec ProxySG"),
    ("bluecoat", "Blue Coat / Symantec ProxySG"),
    ("sophos", "Sophos"),
    ("check point", "Check Point"),
    ("checkpoint", "Check Point"),
    ("forcepoint", "Forcepoint"),
    ("websense", "Forcepoint (Websense)"),
    ("barracuda", "Barracuda"),
    ("sonicwall", "SonicWall"),
    ("watchguard", "WatchGuard"),
    ("cisco umbrella", "Cisco Umbrella"),
    ("mcafee web gateway", "McAfee / Skyhigh Web Gateway"),
    ("skyhigh", "Skyhigh Security"),
    ("kaspersky", "Kaspersky"),
    ("eset ssl filter", "ESET"),
    ("avast", "Avast"),
    ("bitdefender", "Bitdefender"),
    ("mitmproxy", "mitmproxy"),
    ("portswigger", "Burp Suite"),
    ("charles proxy", "Charles Proxy"),
    ("do_not_trust_fiddlerroot", "Fiddler"),
    ("untangle", "Untangle"),
    ("cloudflare gateway", "Cloudflare Gateway"),
];

fn product(issuer: &str) -> Option<&'static str> {
    let l = issuer.to_ascii_lowercase();
    INSPECTION_ISSUERS
        .iter()
        .find(|(needle, _)| l.contains(needle))
        .map(|(_, name)| *name)
}

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut by_server: BTreeMap<String, Vec<&TlsConnection<'_>>> = BTreeMap::new();
    for c in conns {
        let Some(leaf) = c.tls.leaf() else {
            continue;
        };
        let key = match &c.tls.sni {
            Some(sni) => format!(
                "{} ({})",
                sni.to_ascii_lowercase(),
                c.conversation.server.port
            ),
            None => c.conversation.server.to_string(),
        };
        by_server.entry(key).or_default().push(c);
        let issuers = c.tls.certificates.iter().map(|x| x.issuer.as_str());
        if let Some(p) = issuers.into_iter().find_map(product) {
            let mut f = Finding::new(
                "tls.cert_interception",
                Severity::Warning,
                c.stream(),
                c.tls.certificate_frame.into_iter().collect(),
                format!(
                    "{} was issued by a TLS-inspection product ({p}); the client does not talk to {} directly",
                    cert_label(leaf),
                    c.conversation.server
                ),
            );
            f.meaning = Some("A firewall or proxy re-signs the server's certificate. RDP and RD Gateway clients then see the inspection CA instead of the server's certificate: exempt the RDP/RD Gateway destination from TLS inspection, or clients pinning or validating the real certificate will fail.".into());
            out.push(f);
        }
    }
    for (server, list) in by_server {
        let first = list[0];
        let Some(first_leaf) = first.tls.leaf() else {
            continue;
        };
        let differing: Vec<&&TlsConnection<'_>> = list
            .iter()
            .filter(|c| c.tls.leaf().is_some_and(|l| l.sha256 != first_leaf.sha256))
            .collect();
        let Some(other) = differing.first() else {
            continue;
        };
        let Some(other_leaf) = other.tls.leaf() else {
            continue;
        };
        let mut frames: Vec<u64> = first.tls.certificate_frame.into_iter().collect();
        frames.extend(other.tls.certificate_frame);
        let mut f = Finding::new(
            "tls.cert_interception",
            Severity::Warning,
            other.stream(),
            frames,
            format!(
                "{server} presented different certificates: {} on tcp/{} but {} on tcp/{}",
                cert_label(first_leaf),
                first.stream(),
                cert_label(other_leaf),
                other.stream()
            ),
        );
        let mut streams: Vec<u64> = vec![first.stream()];
        streams.extend(differing.iter().map(|c| c.stream()));
        f.wireshark_filter = crate::detect::streams_frames_filter(&streams, &f.frames);
        f.connections = streams;
        f.meaning = Some("The same name or address answered with another certificate: a TLS-inspecting middlebox, a load balancer whose nodes have different certificates, or a certificate renewed during the capture. Compare the thumbprints with the one bound on the server (certlm.msc → Remote Desktop, or RD Gateway Manager).".into());
        out.push(f);
    }
    out
}
