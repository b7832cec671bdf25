//! Probes and scans: TCP connections that were never a Remote Desktop attempt, so that no
//! detector calls them failed and the diagnosis does not count them as attempts.
//!
//! * **Health check** (`connect_close`): the start of the connection is captured, the
//!   client sends no byte of payload, and the client closes first (FIN or RST) — a load
//!   balancer's TCP check, `nc -z`, a monitoring agent. `half_open`: the same without the
//!   client's handshake ACK (SYN, SYN/ACK, the prober's RST), as a SYN scan or a balancer
//!   that checks with a half-open connection does.
//! * **Scan** (`scan`): a client that within [`SCAN_WINDOW_SECS`] sends SYNs without payload
//!   to [`SCAN_MIN_PORTS`] or more ports of one server (a port scan), or asks one server for
//!   [`SCAN_MIN_PROTOCOL_SETS`] or more different sets of security protocols in X.224
//!   Connection Requests (an enumeration such as nmap's `rdp-enum-encryption`; a client's
//!   own fallback after an RDP_NEG_FAILURE asks for at most three). Every connection of that
//!   client to that server which sends no credentials (no CredSSP AUTHENTICATE) and does
//!   not reach the active stage is one of the scan's probes, whatever the server answered.
//!
//! A connection whose start is not captured (mid-stream) is never a probe: it is judged on
//! what is visible. The rules are read from the connection state and the TCP handshake
//! only; they are linear in the number of connections (one keyed table per client and
//! server address).

use crate::analyze::Analysis;
use crate::capture::Timestamp;
use crate::detect::{Finding, Severity, streams_frames_filter};
use crate::flow::{Conversation, Protocol};
use crate::state::phase::phase_of;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// Distinct server ports a client must probe (SYN without payload) to be a port scan.
pub const SCAN_MIN_PORTS: usize = 3;
/// Distinct requestedProtocols sets a client must ask one server for to be an enumeration.
/// mstsc and FreeRDP fall back at most twice after an RDP_NEG_FAILURE (HYBRID → SSL → RDP).
pub const SCAN_MIN_PROTOCOL_SETS: usize = 4;
/// The window within which those probes must fall.
pub const SCAN_WINDOW_SECS: f64 = 300.0;

/// What kind of probe a connection is. Serialized names are public interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    /// SYN, SYN/ACK, the prober's RST: a half-open check or a SYN scan.
    HalfOpen,
    /// Handshake completed, the client closed without sending anything: a TCP health check.
    ConnectClose,
    /// One of the probes of a port scan or a security-protocol enumeration.
    Scan,
}

impl ProbeKind {
    pub fn words(self) -> &'static str {
        match self {
            ProbeKind::HalfOpen => "half-open check (SYN, SYN/ACK, the prober's reset)",
            ProbeKind::ConnectClose => {
                "TCP health check (handshake, then the prober closes without sending)"
            }
            ProbeKind::Scan => "scan probe",
        }
    }
}

/// A client that scanned a server.
#[derive(Debug, Clone)]
pub struct Scan {
    pub client: IpAddr,
    pub server: IpAddr,
    /// Server ports probed with a SYN and no payload.
    pub ports: BTreeSet<u16>,
    /// requestedProtocols sets asked for in X.224 Connection Requests.
    pub protocol_sets: BTreeSet<String>,
    /// The scan's TCP streams, in order.
    pub streams: Vec<u64>,
    /// The first frame of each.
    pub frames: Vec<u64>,
}

/// The probes of a capture.
#[derive(Debug, Default)]
pub struct Probes {
    pub by_stream: HashMap<u64, ProbeKind>,
    pub scans: Vec<Scan>,
}

impl Probes {
    pub fn kind(&self, stream: u64) -> Option<ProbeKind> {
        self.by_stream.get(&stream).copied()
    }
    pub fn is_probe(&self, stream: u64) -> bool {
        self.by_stream.contains_key(&stream)
    }
}

/// Did the client send credentials or get a session on this connection? Then it was meant.
fn was_meant(a: &Analysis, c: &Conversation) -> bool {
    a.states.get(&c.stream).is_some_and(|s| {
        s.reached_active()
            || s.credssp
                .as_ref()
                .is_some_and(|cs| cs.authenticate_frame.is_some())
    })
}

/// A connection without payload whose start was captured, and how it ended.
fn empty_connection(a: &Analysis, c: &Conversation) -> Option<Option<ProbeKind>> {
    let tcp = c.tcp.as_ref()?;
    tcp.syn_frame?;
    if c.to_server.payload_bytes > 0 || c.to_client.payload_bytes > 0 {
        return None;
    }
    let phase = phase_of(c, &a.observations, &a.states)?;
    // SYN then the prober's reset (its RST+ACK acknowledges the SYN/ACK without completing
    // the handshake): half-open.
    let reset_at_once = c.to_server.packets <= 2 && phase.close.starts_with("rst");
    let kind = match phase.closed_by {
        "client" if tcp.handshake_ack_frame.is_some() && !reset_at_once => {
            Some(ProbeKind::ConnectClose)
        }
        "client" => Some(ProbeKind::HalfOpen),
        _ => None,
    };
    Some(kind)
}

/// Per (client, server address): the connections in order, for the scan rules.
#[derive(Default)]
struct Pair<'a> {
    /// (start, port) of connections without payload.
    empty: Vec<(Timestamp, u16)>,
    /// (start, requestedProtocols) of X.224 requests on connections that were not meant.
    requests: Vec<(Timestamp, String)>,
    conversations: Vec<&'a Conversation>,
}

/// Does some window of [`SCAN_WINDOW_SECS`] hold `min` distinct values?
fn distinct_in_window<T: Ord + Clone>(items: &[(Timestamp, T)], min: usize) -> bool {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    let mut start = 0;
    for (i, (ts, v)) in items.iter().enumerate() {
        *counts.entry(v.clone()).or_default() += 1;
        while items[start].0.secs_until(*ts) > SCAN_WINDOW_SECS {
            let old = &items[start].1;
            if let Some(n) = counts.get_mut(old) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(old);
                }
            }
            start += 1;
        }
        if counts.len() >= min && i >= start {
            return true;
        }
    }
    false
}

/// Classifies every TCP connection of the capture.
pub fn classify(a: &Analysis) -> Probes {
    let mut probes = Probes::default();
    let mut pairs: HashMap<(IpAddr, IpAddr), Pair<'_>> = HashMap::new();
    for c in a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp && c.packets() > 0)
    {
        let pair = pairs.entry((c.client.ip, c.server.ip)).or_default();
        pair.conversations.push(c);
        if let Some(kind) = empty_connection(a, c) {
            pair.empty.push((c.first_ts, c.server.port));
            if let Some(kind) = kind {
                probes.by_stream.insert(c.stream, kind);
            }
        } else if !was_meant(a, c)
            && let Some(setup) = a.states.get(&c.stream).and_then(|s| s.setup.as_ref())
            && setup.request_frame.is_some()
        {
            pair.requests
                .push((c.first_ts, setup.requested_protocols.join("|")));
        }
    }
    let mut scans: Vec<Scan> = pairs
        .into_iter()
        .filter(|(_, p)| {
            distinct_in_window(&p.empty, SCAN_MIN_PORTS)
                || distinct_in_window(&p.requests, SCAN_MIN_PROTOCOL_SETS)
        })
        .map(|((client, server), p)| {
            let mut scan = Scan {
                client,
                server,
                ports: p.empty.iter().map(|(_, port)| *port).collect(),
                protocol_sets: p.requests.iter().map(|(_, s)| s.clone()).collect(),
                streams: Vec::new(),
                frames: Vec::new(),
            };
            for c in p.conversations.iter().filter(|c| !was_meant(a, c)) {
                probes.by_stream.insert(c.stream, ProbeKind::Scan);
                scan.streams.push(c.stream);
                scan.frames.push(c.first_frame);
            }
            scan
        })
        .collect();
    scans.sort_by_key(|s| s.frames.first().copied());
    probes.scans = scans;
    probes
}

/// `rdp.scan` (info): one finding per scanning client and server.
pub fn scan_findings(probes: &Probes) -> Vec<Finding> {
    probes
        .scans
        .iter()
        .map(|s| {
            let ports: Vec<String> = s.ports.iter().map(u16::to_string).collect();
            let sets: Vec<&str> = s.protocol_sets.iter().map(String::as_str).collect();
            let mut what = Vec::new();
            if !ports.is_empty() {
                what.push(format!(
                    "SYNs without payload to {} port(s) ({})",
                    ports.len(),
                    ports.join(", ")
                ));
            }
            if !sets.is_empty() {
                what.push(format!(
                    "X.224 Connection Requests for {} different security-protocol set(s) ({})",
                    sets.len(),
                    sets.join(", ")
                ));
            }
            let mut f = Finding::new(
                "rdp.scan",
                Severity::Info,
                s.streams[0],
                s.frames.clone(),
                format!(
                    "{} scanned {}: {} connection(s) in frames {}–{}: {}; none sent credentials or reached a session, so none is counted as a failed attempt",
                    s.client,
                    s.server,
                    s.streams.len(),
                    s.frames.first().copied().unwrap_or(0),
                    s.frames.last().copied().unwrap_or(0),
                    what.join("; ")
                ),
            );
            f.wireshark_filter = streams_frames_filter(&s.streams, &s.frames);
            f.connections = s.streams.clone();
            f.meaning = Some(
                "A port scan or a security-protocol enumeration (nmap rdp-enum-encryption, rdp-ntlm-info): the prober ends its connections on purpose. What the server answered is still shown (e.g. rdp.weak_security); whether the scan was expected is for the owner of the client address to say.".into(),
            );
            f.evidence = Some(serde_json::json!({
                "client": s.client.to_string(),
                "server": s.server.to_string(),
                "ports": s.ports,
                "protocol_sets": s.protocol_sets,
                "connections": s.streams.len(),
            }));
            f
        })
        .collect()
}

/// Findings about the server's own configuration, true whoever connected: they keep their
/// severity on probes.
fn about_server_configuration(id: &str) -> bool {
    id.starts_with("tls.cert_") || id == "rdp.weak_security"
}

/// Findings about probes are not failures: a finding about a connection that is a probe
/// (every connection it names) becomes info, with the reason in its meaning — except those
/// about the server's configuration (certificates, security layers), which a scan shows as
/// well as a user.
pub fn settle(probes: &Probes, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        if f.transport != Protocol::Tcp
            || f.severity == Severity::Info
            || f.id == "rdp.scan"
            || about_server_configuration(f.id)
        {
            continue;
        }
        let mut streams: Vec<u64> = f.connections.clone();
        streams.extend(f.connection);
        let Some(kind) = streams.first().and_then(|s| probes.kind(*s)) else {
            continue;
        };
        if !streams.iter().all(|s| probes.is_probe(*s)) {
            continue;
        }
        f.severity = Severity::Info;
        f.meaning = Some(format!(
            "About a {}, not a Remote Desktop attempt: the prober ends such connections itself. {}",
            kind.words(),
            f.meaning.take().unwrap_or_default()
        ));
    }
}
