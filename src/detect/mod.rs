//! Stage 5 — detect: detectors judge the observations and the connection metadata and
//! produce findings with stable ids, frames and a plain-words summary. A detector never
//! parses bytes. One file per detector.

pub mod gateway;
mod password_guessing;
pub mod probes;
mod rdp_client_hello_missing;
mod rdp_decode_error;
mod rdp_neg_downgrade;
mod rdp_neg_failure;
mod rdp_neg_mismatch;
mod rdp_negotiation_incomplete;
mod rdp_setup_disconnect;
mod rdp_weak_security;
pub mod rdpudp;
mod recovered;
pub mod session;
pub mod tcp;
pub mod thresholds;
pub mod tls;

use crate::analyze::Analysis;
use crate::flow::{Conversation, Protocol};
use crate::proto::rdp::summary::RdpSetup;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A detector's judgement. `id`s are public interface: never renamed.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    /// Stream number of the connection the finding is about (`transport` says which kind).
    pub connection: Option<u64>,
    /// `tcp` or `udp`: the transport of `connection`.
    pub transport: Protocol,
    pub frames: Vec<u64>,
    pub summary: String,
    /// What it means for the administrator, when the summary alone does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
    /// All connections involved, when more than one (e.g. a downgrade chain).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<u64>,
    pub wireshark_filter: String,
    /// Detector-specific evidence (e.g. the signals behind `tcp.rst_injected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<serde_json::Value>,
}

impl Finding {
    pub fn new(
        id: &'static str,
        severity: Severity,
        connection: u64,
        frames: Vec<u64>,
        summary: String,
    ) -> Self {
        Finding {
            id,
            severity,
            connection: Some(connection),
            transport: Protocol::Tcp,
            wireshark_filter: frames_filter(connection, &frames),
            frames,
            summary,
            meaning: None,
            connections: Vec::new(),
            evidence: None,
        }
    }
}

impl Finding {
    /// The same finding about UDP conversation `connection` (its filter becomes
    /// `udp.stream eq N …`).
    pub fn on_udp(mut self) -> Self {
        self.transport = Protocol::Udp;
        if let Some(stream) = self.connection {
            self.wireshark_filter = self.wireshark_filter.replacen(
                &format!("tcp.stream eq {stream}"),
                &format!("udp.stream eq {stream}"),
                1,
            );
        }
        self
    }
    /// Is it about TCP conversation `stream`?
    pub fn is_about_tcp(&self, stream: u64) -> bool {
        self.transport == Protocol::Tcp && self.connection == Some(stream)
    }
}

/// `tcp.stream eq N` narrowed to the cited frames, e.g. `tcp.stream eq 0 && frame.number in {4, 6}`
/// (set members are separated by commas: Wireshark ≥ 3.6 rejects `{4 6}`).
pub fn frames_filter(stream: u64, frames: &[u64]) -> String {
    if frames.is_empty() {
        return format!("tcp.stream eq {stream}");
    }
    let list: Vec<String> = frames.iter().map(u64::to_string).collect();
    format!(
        "tcp.stream eq {stream} && frame.number in {{{}}}",
        list.join(", ")
    )
}

/// `tcp.stream in {A, B}` narrowed to the cited frames, for a finding about several
/// connections (e.g. `tcp.stream in {0, 1} && frame.number in {4, 5, 12, 13}`).
pub fn streams_frames_filter(streams: &[u64], frames: &[u64]) -> String {
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    if frames.is_empty() {
        format!("tcp.stream in {{{}}}", join(streams))
    } else {
        format!(
            "tcp.stream in {{{}}} && frame.number in {{{}}}",
            join(streams),
            join(frames)
        )
    }
}

/// The conversations named, e.g. `tcp.stream in {0, 2} || udp.stream in {1}` (empty when
/// none are named).
pub fn conversations_filter(tcp: &[u64], udp: &[u64]) -> String {
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if !tcp.is_empty() {
        parts.push(format!("tcp.stream in {{{}}}", join(tcp)));
    }
    if !udp.is_empty() {
        parts.push(format!("udp.stream in {{{}}}", join(udp)));
    }
    parts.join(" || ")
}

/// Connections that matter to an RDP diagnosis: RDP found by content, TLS (any decoded
/// observation), or the RDP / RD Gateway ports.
pub fn rdp_relevant(a: &Analysis, c: &Conversation) -> bool {
    matches!(c.server.port, 3389 | 3391 | 443)
        || a.observations.get(&c.stream).is_some_and(|o| !o.is_empty())
            && c.protocol == Protocol::Tcp
}

/// A TCP conversation with its RDP setup, as detectors see it.
pub struct RdpConnection<'a> {
    pub conversation: &'a Conversation,
    pub setup: &'a RdpSetup,
    pub state: &'a crate::state::ConnectionState,
}

/// The RDP connections of an analysis, in stream order.
pub fn rdp_connections(a: &Analysis) -> Vec<RdpConnection<'_>> {
    a.conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp)
        .filter_map(|c| {
            let state = a.states.get(&c.stream)?;
            Some(RdpConnection {
                conversation: c,
                setup: state.setup.as_ref()?,
                state,
            })
        })
        .collect()
}

/// Runs every detector.
pub fn run(a: &Analysis) -> Vec<Finding> {
    run_with(a, &probes::classify(a))
}

/// Runs every detector, with the capture's probes already classified.
pub fn run_with(a: &Analysis, probes: &probes::Probes) -> Vec<Finding> {
    let rdp = rdp_connections(a);
    let mut findings = Vec::new();
    findings.extend(rdp_neg_failure::detect(&rdp));
    findings.extend(rdp_neg_downgrade::detect(&rdp));
    findings.extend(rdp_negotiation_incomplete::detect(&rdp, a));
    findings.extend(rdp_neg_mismatch::detect(&rdp));
    findings.extend(rdp_setup_disconnect::detect(&rdp));
    findings.extend(rdp_weak_security::detect(&rdp));
    findings.extend(rdp_client_hello_missing::detect(&rdp, a));
    findings.extend(rdp_decode_error::detect(a));
    findings.extend(tls::run(a));
    findings.extend(gateway::run(a));
    findings.extend(tcp::run(a));
    findings.extend(rdpudp::run(a));
    findings.extend(session::run(a));
    findings.extend(password_guessing::detect(a));
    // Last: it speaks only for connections no other detector explains.
    let unexplained = tcp::ended_in_setup::detect(&tcp::views(a), a, &findings);
    // A probe ending "in setup" is what a probe does.
    findings.extend(
        unexplained
            .into_iter()
            .filter(|f| !f.connection.is_some_and(|s| probes.is_probe(s))),
    );
    findings.extend(probes::scan_findings(probes));
    probes::settle(probes, &mut findings);
    recovered::downgrade(a, &mut findings);
    findings.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.severity),
            f.frames.first().copied().unwrap_or(0),
        )
    });
    findings
}
