//! Stage 6 — diagnose: groups connections into user attempts ([`attempts`]) and ranks what
//! explains each failed attempt into causes with a confidence, the findings and frames they
//! rest on, a remedy, and what the capture cannot show ([`remedies`]).

pub mod attempts;
pub mod client_codes;
pub mod event;
pub mod remedies;
pub mod summary;

use crate::analyze::Analysis;
use crate::detect::probes::Probes;
use crate::detect::{Finding, Severity, frames_filter, rdp_relevant};
use crate::flow::{Conversation, Protocol, Side};
use crate::proto::rdp::x224;
use crate::state::phase::{ConnectionPhase, Phase};
use attempts::Attempt;
use serde::Serialize;
use std::collections::HashMap;

/// A ranked explanation. `cause` ids are public interface.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    pub cause: String,
    /// 0–1.
    pub confidence: f64,
    /// Why the confidence is not 1.
    pub confidence_reason: String,
    /// Ids of the findings it rests on.
    pub findings: Vec<String>,
    pub frames: Vec<u64>,
    pub summary: String,
    pub remedy: String,
    /// What the capture cannot show about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cannot_show: Option<String>,
    pub attempt: Option<String>,
    pub connection: Option<u64>,
    pub wireshark_filter: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Diagnosis {
    pub attempts: Vec<Attempt>,
    /// The file's causes, one per (attempt, cause). `causes[0]` is the file's verdict: the
    /// cause that explains the most failed attempts (as their first cause), ties broken by
    /// severity, then confidence, then the earliest frame (see docs/json-schema.md).
    pub causes: Vec<Cause>,
    /// The attempts grouped by outcome, first cause, client and server.
    pub summary: Vec<summary::AttemptGroup>,
    /// Probes and scans (connections that were not attempts), grouped by kind, client and
    /// server.
    pub probes: Vec<summary::ProbeGroup>,
}

/// A failed attempt whose best explanation is less sure than this gets cause
/// `undetermined` first, with what would decide it.
pub const UNDETERMINED_BELOW: f64 = 0.5;

/// A 32-bit code a detector put in its finding's typed evidence (errorInfo, CredSSP
/// errorCode).
fn evidence_code(f: &Finding, key: &str) -> Option<u32> {
    let code = f.evidence.as_ref()?.get(key)?.as_u64()?;
    u32::try_from(code).ok()
}

/// Does the finding's typed evidence hold `value` under `key`? `value` is compared as it
/// serialises (a [`Side`] as `"server"`, a [`Phase`] as `"tls_client_hello"`).
fn evidence_is(f: &Finding, key: &str, value: impl Serialize) -> bool {
    let Some(held) = f.evidence.as_ref().and_then(|e| e.get(key)) else {
        return false;
    };
    serde_json::to_value(value).is_ok_and(|v| &v == held)
}

/// How strongly a finding points at a cause: `(cause, confidence, why not certain)`. Read
/// from the finding's id, its typed fields and its `evidence` — never from its summary, so
/// rewording a summary cannot change a verdict.
fn cause_of(f: &Finding) -> Option<(&'static str, f64, &'static str)> {
    let ev_code = |key: &str| evidence_code(f, key);
    let icmp_name = f
        .evidence
        .as_ref()
        .and_then(|e| e.get("name"))
        .and_then(|n| n.as_str());
    Some(match f.id {
        "rdp.neg_failure" if ev_code("failure_code") == Some(x224::SSL_CERT_NOT_ON_SERVER) => (
            "tls_handshake_failure",
            0.9,
            "the server says it has no usable certificate; why is only in its logs",
        ),
        "rdp.neg_failure" => (
            "security_layer_mismatch",
            0.95,
            "the server's RDP_NEG_FAILURE names the reason itself",
        ),
        "rdp.neg_mismatch" => (
            "security_layer_mismatch",
            0.85,
            "inferred from the negotiated protocol and the client closing at once",
        ),
        // The server disconnected where the client expected TLS: SSL, HYBRID, HYBRID_EX
        // (MS-RDPBCGR 2.2.1.2.1 selectedProtocol).
        "rdp.setup_disconnect"
            if matches!(
                ev_code("selected_protocol_raw"),
                Some(x224::PROTOCOL_SSL | x224::PROTOCOL_HYBRID | x224::PROTOCOL_HYBRID_EX)
            ) =>
        {
            (
                "tls_handshake_failure",
                0.7,
                "the server disconnected instead of starting TLS (typically it cannot use its certificate or key); its log says which",
            )
        }
        // PROTOCOL_RDP (0): standard RDP security.
        "rdp.setup_disconnect" if ev_code("selected_protocol_raw") == Some(0) => (
            "security_layer_mismatch",
            0.75,
            "the server's reason for the disconnect is not on the wire",
        ),
        "rdp.setup_disconnect" => (
            "server_denied",
            0.6,
            "the server's reason for the disconnect is not on the wire",
        ),
        "rdp.negotiation_incomplete"
            if evidence_is(f, "end", "rst_server") || evidence_is(f, "end", "fin_server") =>
        {
            ("server_denied", 0.5, "the server closed without saying why")
        }
        "rdp.negotiation_incomplete" => (
            "handshake_timeout",
            0.5,
            "no answer, and no reason on the wire",
        ),
        "rdp.client_hello_missing" => (
            "middlebox_reset",
            0.55,
            "seen from the server only: a device resetting the client and one silently dropping its packets look the same here; a capture on the client shows the reset",
        ),
        "tcp.syn_unanswered" => (
            "connection_blocked",
            0.8,
            "a filtered port and a host that is down look the same",
        ),
        "tcp.refused" => (
            "connection_refused",
            0.9,
            "a firewall rejecting with resets in the server's name looks the same",
        ),
        "icmp.unreachable" if matches!(icmp_name, Some("admin-prohibited" | "policy-reject")) => {
            ("connection_blocked", 0.95, "the router says it itself")
        }
        "icmp.unreachable"
            if icmp_name == Some("port-unreachable") && f.transport == Protocol::Udp =>
        {
            (
                "udp_transport_blocked",
                0.7,
                "RDP falls back to TCP; UDP was only an option",
            )
        }
        "icmp.unreachable"
            if matches!(icmp_name, Some("fragmentation-needed" | "packet-too-big")) =>
        {
            (
                "path_mtu_blackhole",
                0.5,
                "the router reported the MTU; whether the sender reacted is visible in the retransmissions",
            )
        }
        "icmp.unreachable" => (
            "connection_blocked",
            0.8,
            "the router does not say why the destination is unreachable",
        ),
        "tcp.rst_injected" => (
            "middlebox_reset",
            0.85,
            "forgery is inferred from header evidence, not proven",
        ),
        "tcp.mtu_blackhole" => (
            "path_mtu_blackhole",
            0.85,
            "inferred from which segments never arrive",
        ),
        "tcp.handshake_stall" => (
            "handshake_timeout",
            0.8,
            "the silent side's reason is not on the wire",
        ),
        "tcp.heavy_loss" => (
            "network_loss",
            0.7,
            "loss explains slow setup; the client's exact timeout is not visible",
        ),
        "tcp.rst"
            if evidence_is(f, "from", Side::Server)
                && evidence_is(f, "phase", Phase::TlsClientHello) =>
        {
            (
                "tls_handshake_failure",
                0.6,
                "the server reset without a TLS alert",
            )
        }
        "tcp.rst" if evidence_is(f, "from", Side::Server) => {
            ("server_denied", 0.45, "the server reset without saying why")
        }
        "tcp.rst" if evidence_is(f, "phase", Phase::PostTls) => (
            "nla_failure",
            0.4,
            "the client reset during the encrypted exchange; its reason is inside TLS",
        ),
        "tcp.rst" => ("server_denied", 0.3, "a reset without visible reason"),
        "tls.cert_expired" => (
            "certificate_expired",
            0.95,
            "validity judged at the capture's own time",
        ),
        "tls.cert_not_yet_valid" => (
            "certificate_not_yet_valid",
            0.9,
            "validity judged at the capture's own time",
        ),
        "tls.cert_name_mismatch" => (
            "certificate_name_mismatch",
            0.8,
            "some clients are told to ignore name mismatches",
        ),
        "tls.cert_self_signed" | "tls.cert_untrusted" => (
            "certificate_untrusted",
            0.6,
            "trust is decided by the client's store",
        ),
        "tls.cert_interception" => (
            "certificate_untrusted",
            0.7,
            "a re-signed certificate is only suspected",
        ),
        "tls.version_mismatch" => (
            "tls_version_mismatch",
            0.9,
            "from the alert / offered versions",
        ),
        "tls.cipher_mismatch" => (
            "tls_cipher_mismatch",
            0.9,
            "from the alert and the offered suites",
        ),
        "tls.handshake_aborted" => (
            "tls_handshake_failure",
            0.6,
            "the server closed without a TLS alert",
        ),
        "tls.alert" => (
            "tls_handshake_failure",
            0.6,
            "a fatal alert names the failure, not always its reason",
        ),
        "gateway.auth_denied" => (
            "gateway_auth_failure",
            0.9,
            "the gateway's final 401 refuses the user; which check failed (password, account, RD CAP) is only in its log",
        ),
        "gateway.rdg_denied" => (
            "gateway_auth_failure",
            0.95,
            "the gateway names the refusing policy in its own code",
        ),
        "gateway.rdg_error" => ("gateway_error", 0.95, "the gateway names the error itself"),
        "gateway.http_error" => (
            "gateway_error",
            0.85,
            "the HTTP error may come from a proxy in front of the gateway rather than the gateway",
        ),
        "gateway.http_framing" => (
            "gateway_http_framing",
            0.85,
            "which device removed the length (gateway, proxy, load balancer) is not visible from one capture point",
        ),
        "rdpudp.syn_unanswered" => (
            "udp_transport_blocked",
            0.85,
            "a filter dropping UDP 3389 and RDP-UDP disabled on the server look the same from the client",
        ),
        "rdpudp.loss" => (
            "udp_loss",
            0.75,
            "loss is counted from sequence numbers at one capture point; where on the path it happens is not visible",
        ),
        "credssp.error" => (
            "nla_failure",
            0.95,
            "the server's CredSSP errorCode names the status; the exact policy or account setting behind it is in the server's Security log",
        ),
        "credssp.rejected"
            if f.evidence
                .as_ref()
                .and_then(|e| e.get("known"))
                .and_then(|k| k.as_str())
                == Some("inferred") =>
        {
            (
                "nla_failure",
                0.6,
                "inferred from the TLS records: the server ended TLS with an alert at the NLA step; the alert's description and any CredSSP errorCode are encrypted (the key log would show them, the server's Security log has event 4625)",
            )
        }
        "credssp.rejected" => (
            "nla_failure",
            0.85,
            "the server refused the credentials without an errorCode: which check failed (password, account, logon right) is in its Security log (event 4625)",
        ),
        "rdp.authorization_denied" => (
            "insufficient_privileges",
            0.95,
            "the server's Early User Authorization Result says it itself",
        ),
        "rdp.license_error" => (
            "licensing_failure",
            0.9,
            "the server's licensing error names the step; the license server's state is in its own log",
        ),
        "rdp.disconnected" => (
            "server_denied",
            0.7,
            "the server ended the session without a code; its reason is in its event log",
        ),
        "rdp.error_info" => {
            let code = evidence_code(f, "error_info")?;
            let m = crate::detect::session::error_info::meaning(code);
            (m.cause?, m.confidence, m.reason)
        }
        "rdp.multitransport" if f.severity >= Severity::Warning => (
            "udp_transport_blocked",
            0.6,
            "the client says it could not set up UDP; why (a filter, a policy) is not on the wire",
        ),
        _ => return None,
    })
}

/// Causes that degrade or end a working session without making the connection fail:
/// reported for attempts that did not fail.
const DEGRADATIONS: [&str; 6] = [
    "udp_transport_blocked",
    "udp_loss",
    "idle_timeout",
    "logon_timeout",
    "session_replaced",
    "admin_disconnect",
];

/// Keyed lookups the diagnosis makes for every attempt, built once (linear in
/// conversations and findings): TCP conversations by stream, findings by connection.
struct Index<'a> {
    tcp: HashMap<u64, &'a Conversation>,
    /// Positions in the findings list, by (transport, stream).
    findings: HashMap<(Protocol, u64), Vec<usize>>,
    all: &'a [Finding],
}

impl<'a> Index<'a> {
    fn new(a: &'a Analysis, findings: &'a [Finding]) -> Self {
        let tcp = a
            .conversations
            .iter()
            .filter(|c| c.protocol == Protocol::Tcp)
            .map(|c| (c.stream, c))
            .collect();
        let mut by_connection: HashMap<(Protocol, u64), Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            if let Some(s) = f.connection {
                by_connection.entry((f.transport, s)).or_default().push(i);
            }
        }
        Index {
            tcp,
            findings: by_connection,
            all: findings,
        }
    }

    /// The findings about the connections of attempt `at`, in the findings list's order.
    fn findings_of(&self, at: &Attempt) -> Vec<&'a Finding> {
        let mut positions: Vec<usize> = at
            .streams
            .iter()
            .map(|s| (Protocol::Tcp, *s))
            .chain(at.udp_streams.iter().map(|s| (Protocol::Udp, *s)))
            .filter_map(|key| self.findings.get(&key))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions.into_iter().map(|i| &self.all[i]).collect()
    }
}

/// One analysis judged before the input's verdict is drawn: its attempts (each with its
/// causes named), its causes ranked within their attempts, and its probes. The verdict
/// ([`conclude`]) needs nothing else, so the parts of several analyses — the host-pair
/// groups the engine judges as it goes — can be joined and concluded once for a whole input.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub attempts: Vec<Attempt>,
    /// Every attempt's causes, each with the severity it ranks by, in attempt order.
    pub ranked: Vec<(Cause, Severity)>,
    pub probes: Vec<summary::ProbeGroup>,
    /// Connections classified as probes or scans.
    pub probe_connections: usize,
}

/// The whole diagnosis of one analysis: [`judge_attempts`], then [`conclude`].
pub fn diagnose(a: &Analysis, findings: &[Finding], probes: &Probes) -> Diagnosis {
    conclude(judge_attempts(a, findings, probes))
}

/// Attempts, their outcome and their causes, and the probes, of one analysis.
pub fn judge_attempts(a: &Analysis, findings: &[Finding], probes: &Probes) -> Judged {
    let index = Index::new(a, findings);
    let mut attempts: Vec<Attempt> = attempts::attempts(a, probes)
        .into_iter()
        .filter(|at| {
            !at.rdp_udp_streams(a).is_empty()
                || at
                    .streams
                    .iter()
                    .any(|s| index.tcp.get(s).is_some_and(|c| rdp_relevant(a, c)))
        })
        .collect();
    // Numbered among the attempts kept (RDP ones), in order of first packet.
    for (i, at) in attempts.iter_mut().enumerate() {
        at.id = format!("attempt-{}", i + 1);
    }
    let mut ranked: Vec<(Cause, Severity)> = Vec::new();
    for at in &mut attempts {
        let tcp_failed = match &at.last_tcp {
            Some((stream, p)) => last_connection_failed(a, &index, *stream, p),
            // RDP-UDP only: failed unless a flow got through its handshake.
            // RDP-UDP only: failed unless a flow got through its handshake, or the capture
            // ends before an answer could be seen.
            None => {
                let flows = at.rdp_udp_streams(a);
                !flows.iter().any(|f| f.syn_ack_count > 0 || f.mid_stream)
                    && flows.iter().any(|f| {
                        crate::detect::rdpudp::syn_unanswered::waited_for_answer(
                            f,
                            a.capture.last_ts,
                        )
                    })
            }
        };
        at.failed = tcp_failed
            || index
                .findings_of(at)
                .iter()
                .any(|f| f.severity == Severity::Error);
        let states: Vec<&crate::state::ConnectionState> =
            at.streams.iter().filter_map(|s| a.states.get(s)).collect();
        at.stage = states.iter().map(|s| s.stage).max();
        let last_state = at.last_tcp.as_ref().and_then(|(s, _)| a.states.get(s));
        at.last_stage = last_state.map(|s| (s.stage, s.stages.last().map(|x| x.frame)));
        at.active_known = states
            .iter()
            .filter(|s| s.reached_active())
            .map(|s| s.stage_known)
            .min();
        at.outcome = if at.failed {
            "failed"
        } else if states.iter().any(|s| s.reached_active()) {
            "connected"
        } else if last_state.is_some_and(|s| s.ended.how == crate::state::EndHow::CaptureEnded) {
            "ended_with_capture"
        } else {
            "no_failure_seen"
        };
        if at.failed
            && let Some((_, phase)) = &at.last_tcp
            && let Some(state) = last_state
        {
            let codes = client_codes::for_connection(state, phase.closed_by == "middlebox");
            at.client_codes = (!codes.is_empty()).then_some(codes);
        }
        let mut mine: Vec<(Cause, Severity)> = index
            .findings_of(at)
            .into_iter()
            .filter(|f| f.severity >= Severity::Warning)
            .filter_map(|f| {
                let (cause, confidence, reason) = cause_of(f)?;
                (at.failed || DEGRADATIONS.contains(&cause))
                    .then(|| (make_cause(cause, confidence, reason, f, at), f.severity))
            })
            .collect();
        if at.failed
            && mine.is_empty()
            && let Some(c) = fallback(&index, at)
        {
            mine.push((c, Severity::Warning));
        }
        mine.sort_by(|x, y| {
            y.1.cmp(&x.1)
                .then(y.0.confidence.total_cmp(&x.0.confidence))
        });
        if at.failed
            && let Some(best) = mine.first()
            && mine.iter().all(|(c, _)| c.confidence < UNDETERMINED_BELOW)
        {
            let undetermined = undetermined_failure(at, &best.0);
            let severity = best.1;
            mine.insert(0, (undetermined, severity));
        }
        let mut seen = Vec::new();
        for (c, severity) in mine {
            if seen.contains(&c.cause) {
                continue;
            }
            seen.push(c.cause.clone());
            // Causes of failed attempts rank above the degradations of working ones.
            let rank = if at.failed {
                severity.max(Severity::Warning)
            } else {
                Severity::Info
            };
            ranked.push((c, rank));
        }
        at.causes = seen;
    }
    Judged {
        attempts,
        ranked,
        probes: summary::probe_groups(a, probes),
        probe_connections: probes.by_stream.len(),
    }
}

/// The input's diagnosis from its judged parts: its causes ranked across attempts (the
/// verdict first), a closing cause when no attempt has one, the attempts summarised.
pub fn conclude(judged: Judged) -> Diagnosis {
    let Judged {
        attempts,
        mut ranked,
        probes: probe_groups,
        probe_connections: probe_count,
    } = judged;
    // The file's verdict is the cause that explains the most failed attempts.
    let mut explains: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for at in attempts.iter().filter(|at| at.failed) {
        if let Some(first) = at.causes.first() {
            *explains.entry(first.as_str()).or_default() += 1;
        }
    }
    let explained = |c: &Cause| explains.get(c.cause.as_str()).copied().unwrap_or(0);
    let of_failure = |s: Severity| s >= Severity::Warning;
    ranked.sort_by(|x, y| {
        of_failure(y.1)
            .cmp(&of_failure(x.1))
            .then(explained(&y.0).cmp(&explained(&x.0)))
            .then(y.1.cmp(&x.1))
            .then(y.0.confidence.total_cmp(&x.0.confidence))
            .then(x.0.frames.first().cmp(&y.0.frames.first()))
    });
    let mut causes: Vec<Cause> = ranked.into_iter().map(|(c, _)| c).collect();
    // Nothing failed, nothing connected, and the capture stopped while an attempt was still
    // in setup: whether it would have worked is not in the capture.
    let unfinished = attempts
        .iter()
        .filter(|at| at.outcome == "ended_with_capture")
        .collect::<Vec<_>>();
    if causes.is_empty()
        && !unfinished.is_empty()
        && !attempts.iter().any(|at| at.outcome == "connected")
    {
        let at = unfinished[0];
        let advice = remedies::advice("undetermined");
        let stream = at.last_tcp.as_ref().map(|(s, _)| *s);
        let stage = at.last_stage.map(|(stage, _)| stage);
        let frames: Vec<u64> = at
            .last_stage
            .and_then(|(_, frame)| frame)
            .into_iter()
            .collect();
        causes.push(Cause {
            cause: "undetermined".into(),
            confidence: 0.5,
            confidence_reason: "the capture stops before the connection shows its outcome".into(),
            findings: Vec::new(),
            summary: format!(
                "{}: {} {} still in stage \"{}\" when the capture ends{}",
                advice.title,
                at.id,
                if unfinished.len() > 1 {
                    format!("(and {} more attempt(s)) is", unfinished.len() - 1)
                } else {
                    "is".to_string()
                },
                stage.map_or("unknown", |s| s.words()),
                frames
                    .first()
                    .map(|f| format!(" (reached in frame {f})"))
                    .unwrap_or_default()
            ),
            remedy: advice.remedy.into(),
            cannot_show: advice.cannot_show(),
            attempt: Some(at.id.clone()),
            connection: stream,
            wireshark_filter: stream.map_or_else(String::new, |s| frames_filter(s, &frames)),
            frames,
        });
    }
    if causes.is_empty() {
        let rdp_seen = !attempts.is_empty();
        let id = if rdp_seen {
            "no_failure_observed"
        } else if probe_count > 0 {
            "probes_only"
        } else {
            "no_rdp_traffic"
        };
        // How the best-known connected attempt's active stage is known.
        let active_known = attempts
            .iter()
            .filter(|at| at.outcome == "connected")
            .filter_map(|at| at.active_known)
            .min();
        let connected = attempts
            .iter()
            .filter(|at| at.outcome == "connected")
            .count();
        let (confidence, reason) = match (rdp_seen, active_known) {
            (false, _) if probe_count > 0 => (
                0.9,
                "every connection ends without the client sending a byte (or is a scan's); a real client on an unusual port could be missed",
            ),
            (false, _) => (
                0.9,
                "RDP on an unusual port inside another protocol could be missed",
            ),
            (true, Some(crate::state::Known::Decrypted | crate::state::Known::ClearText)) => (
                0.95,
                "the session's own PDUs show it reached the active stage; a failure after the capture ends cannot be seen",
            ),
            (true, Some(crate::state::Known::Inferred)) => (
                0.85,
                "the active stage is inferred from the volume of encrypted data; with the TLS key log it would be read",
            ),
            (true, None) => (
                0.8,
                "the setup is visible; what happens inside TLS afterwards is not",
            ),
        };
        let advice = remedies::advice(id);
        causes.push(Cause {
            cause: id.into(),
            confidence,
            confidence_reason: reason.into(),
            findings: Vec::new(),
            frames: Vec::new(),
            summary: if rdp_seen {
                format!(
                    "{} RDP attempt(s) without a visible failure{}",
                    attempts.len(),
                    if connected > 0 {
                        format!(", {connected} reached an active session")
                    } else {
                        String::new()
                    }
                )
            } else if probe_count > 0 {
                format!(
                    "no Remote Desktop attempt, only {probe_count} probe connection(s): {}",
                    probe_words(&probe_groups)
                )
            } else {
                "no Remote Desktop traffic in this capture".into()
            },
            remedy: advice.remedy.into(),
            cannot_show: advice.cannot_show(),
            attempt: None,
            connection: None,
            // The attempts' own conversations: RDP is not always on port 3389.
            wireshark_filter: if rdp_seen {
                let mut tcp: Vec<u64> = attempts.iter().flat_map(|at| at.streams.clone()).collect();
                let mut udp: Vec<u64> = attempts
                    .iter()
                    .flat_map(|at| at.udp_streams.clone())
                    .collect();
                tcp.sort_unstable();
                tcp.dedup();
                udp.sort_unstable();
                udp.dedup();
                crate::detect::conversations_filter(&tcp, &udp)
            } else {
                String::new()
            },
        });
    }
    let summary = summary::attempt_groups(&attempts);
    Diagnosis {
        attempts,
        causes,
        summary,
        probes: probe_groups,
    }
}

/// The probes in a few words: per kind, its count, clients and servers.
fn probe_words(groups: &[summary::ProbeGroup]) -> String {
    groups
        .iter()
        .take(4)
        .map(|g| {
            let ports: Vec<String> = g.ports.iter().map(u16::to_string).collect();
            format!(
                "{} × {} from {} to {} (port {}; frames {}–{})",
                g.connections,
                g.kind.words(),
                g.client,
                g.server,
                ports.join(", "),
                g.first_frame,
                g.last_frame
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Cause `undetermined` for a failed attempt whose best explanation, `guess`, is below
/// [`UNDETERMINED_BELOW`]: the guess is named, and what would decide it.
fn undetermined_failure(at: &Attempt, guess: &Cause) -> Cause {
    Cause {
        cause: "undetermined".into(),
        confidence: 1.0 - guess.confidence,
        confidence_reason: format!(
            "the attempt failed, but nothing on the wire says why; the best guess, {} at {:.0} %, is less likely than not",
            guess.cause,
            guess.confidence * 100.0
        ),
        findings: guess.findings.clone(),
        frames: guess.frames.clone(),
        summary: format!(
            "the attempt failed and its reason is not in the capture (best guess: {} — {})",
            guess.cause, guess.summary
        ),
        remedy: remedies::UNDETERMINED_FAILURE_REMEDY.into(),
        cannot_show: Some(
            "The server's reason: it is inside TLS (the key log would show it) or only in the server's logs."
                .into(),
        ),
        attempt: Some(at.id.clone()),
        connection: guess.connection,
        wireshark_filter: guess.wireshark_filter.clone(),
    }
}

/// Did the last connection of an attempt fail? Reset by a middlebox, still open before
/// the encrypted exchange, or ended during setup (`tcp.ended_in_setup`'s rule).
fn last_connection_failed(
    a: &Analysis,
    index: &Index<'_>,
    stream: u64,
    p: &ConnectionPhase,
) -> bool {
    if p.closed_by == "middlebox" {
        return true;
    }
    // Still up when the capture stopped: it ended with the capture, it did not fail (a
    // stall shows as its own error finding).
    if p.closed_by == "nobody"
        || a.states
            .get(&stream)
            .is_some_and(|s| s.ended.how == crate::state::EndHow::CaptureEnded)
    {
        return false;
    }
    if p.phase < Phase::PostTls {
        return true;
    }
    index.tcp.get(&stream).is_some_and(|c| {
        let view = crate::detect::tcp::TcpView {
            conversation: c,
            phase: p.clone(),
        };
        crate::detect::tcp::ended_in_setup::ended_in_setup(a, &view)
    })
}

fn make_cause(cause: &str, confidence: f64, reason: &str, f: &Finding, at: &Attempt) -> Cause {
    let advice = remedies::advice(cause);
    // A CredSSP status has a remedy of its own.
    let status_remedy = (f.id == "credssp.error")
        .then(|| evidence_code(f, "error_code").and_then(remedies::credssp_status_remedy))
        .flatten();
    Cause {
        cause: cause.into(),
        confidence,
        confidence_reason: reason.into(),
        findings: vec![f.id.to_string()],
        frames: f.frames.clone(),
        summary: format!("{}: {}", advice.title, f.summary),
        remedy: status_remedy.unwrap_or(advice.remedy).into(),
        cannot_show: advice.cannot_show(),
        attempt: Some(at.id.clone()),
        connection: f.connection,
        wireshark_filter: f.wireshark_filter.clone(),
    }
}

/// A failed attempt no finding explains: read the phase it stopped in (RDP-FACTS §2.9).
fn fallback(index: &Index<'_>, at: &Attempt) -> Option<Cause> {
    let (stream, p) = at.last_tcp.as_ref()?;
    let conv = *index.tcp.get(stream)?;
    let frames: Vec<u64> = p.phase_frame.into_iter().chain(p.close_frame).collect();
    let (cause, confidence, reason, what) = match (p.phase, p.closed_by) {
        (Phase::TlsEstablished, "client") => (
            "certificate_untrusted",
            0.5,
            "the client closed right after the server's TLS handshake; its reason (certificate, name, user cancel) is not on the wire",
            "the client closed the connection right after the TLS handshake",
        ),
        (Phase::TlsClientHello, "server") => (
            "tls_handshake_failure",
            0.55,
            "the server closed after the ClientHello without an alert",
            "the server closed the connection after the client's TLS ClientHello",
        ),
        (Phase::PostTls, "server") if conv.server.port == 3389 || conv.server.port != 443 => (
            "nla_failure",
            0.5,
            "the server ended the encrypted exchange early — the CredSSP / NLA step on RDP; the error code is inside TLS",
            "the server closed the connection during the encrypted exchange that follows the TLS handshake (CredSSP / NLA)",
        ),
        (Phase::PostTls, "server") => (
            "server_denied",
            0.35,
            "the server ended the encrypted exchange early; HTTP status / RD Gateway codes are inside TLS",
            "the server closed the connection during the encrypted exchange",
        ),
        (Phase::PostTls, _) => (
            "server_denied",
            0.3,
            "the connection ended during the encrypted exchange; the reason is inside TLS",
            "the connection ended during the encrypted exchange that follows the TLS handshake",
        ),
        (_, "nobody") => (
            "handshake_timeout",
            0.3,
            "the capture ends before the connection does",
            "the connection setup did not finish within the capture",
        ),
        _ => (
            "server_denied",
            0.3,
            "nothing on the wire says why",
            "the connection ended during setup",
        ),
    };
    let advice = remedies::advice(cause);
    Some(Cause {
        cause: cause.into(),
        confidence,
        confidence_reason: reason.into(),
        findings: index
            .findings
            .get(&(Protocol::Tcp, *stream))
            .into_iter()
            .flatten()
            .map(|&i| &index.all[i])
            .filter(|f| f.id == "tcp.ended_in_setup")
            .map(|f| f.id.to_string())
            .collect(),
        summary: format!(
            "{}: {what} (phase \"{}\"; {})",
            advice.title,
            p.phase.words(),
            match (p.closed_by, p.close_frame) {
                ("nobody", _) => "still open when the capture ends".to_string(),
                (by, Some(f)) => format!("closed by the {by} in frame {f}"),
                (by, None) => format!("closed by the {by}"),
            }
        ),
        remedy: advice.remedy.into(),
        cannot_show: advice.cannot_show(),
        attempt: Some(at.id.clone()),
        connection: Some(conv.stream),
        wireshark_filter: frames_filter(conv.stream, &frames),
        frames,
    })
}

#[cfg(test)]
mod tests {
    //! The branches of [`cause_of`] that read evidence no lab sample or corpus capture
    //! exercises (`tests/cause_from_evidence.rs` covers the others on real captures): the
    //! evidence is written as the detectors write it, the summary is "x".
    use super::*;
    use serde_json::{Value, json};

    fn finding(id: &'static str, evidence: Value) -> Finding {
        let mut f = Finding::new(id, Severity::Warning, 0, vec![1], "x".into());
        f.evidence = Some(evidence);
        f
    }

    fn cause(f: &Finding) -> (&'static str, f64) {
        let (c, confidence, _) = cause_of(f).expect("a cause");
        (c, confidence)
    }

    #[test]
    fn negotiation_incomplete_reads_how_the_connection_ended() {
        let ended = |end: &str| {
            finding(
                "rdp.negotiation_incomplete",
                json!({ "end": end, "end_frame": 9 }),
            )
        };
        assert_eq!(cause(&ended("rst_server")), ("server_denied", 0.5));
        assert_eq!(cause(&ended("fin_server")), ("server_denied", 0.5));
        assert_eq!(cause(&ended("rst_client")), ("handshake_timeout", 0.5));
        assert_eq!(cause(&ended("open")), ("handshake_timeout", 0.5));
    }

    #[test]
    fn icmp_unreachable_reads_the_error_name_and_the_transport() {
        let icmp = |name: &str| {
            finding(
                "icmp.unreachable",
                json!({ "name": name, "type": 3, "code": 3, "from": "192.0.2.1", "pmtud_worked": false }),
            )
        };
        assert_eq!(
            cause(&icmp("port-unreachable").on_udp()),
            ("udp_transport_blocked", 0.7)
        );
        assert_eq!(
            cause(&icmp("port-unreachable")),
            ("connection_blocked", 0.8)
        );
        assert_eq!(
            cause(&icmp("fragmentation-needed")),
            ("path_mtu_blackhole", 0.5)
        );
        assert_eq!(cause(&icmp("packet-too-big")), ("path_mtu_blackhole", 0.5));
        assert_eq!(cause(&icmp("policy-reject")), ("connection_blocked", 0.95));
        assert_eq!(
            cause(&icmp("host-unreachable")),
            ("connection_blocked", 0.8)
        );
    }

    #[test]
    fn tcp_rst_reads_who_reset_and_the_phase() {
        let rst = |from: Side, phase: Phase| {
            finding(
                "tcp.rst",
                json!({ "frame": 9, "from": from, "phase": phase }),
            )
        };
        assert_eq!(
            cause(&rst(Side::Server, Phase::TlsClientHello)),
            ("tls_handshake_failure", 0.6)
        );
        assert_eq!(
            cause(&rst(Side::Server, Phase::PostTls)),
            ("server_denied", 0.45)
        );
        assert_eq!(
            cause(&rst(Side::Client, Phase::PostTls)),
            ("nla_failure", 0.4)
        );
        assert_eq!(
            cause(&rst(Side::Client, Phase::TlsClientHello)),
            ("server_denied", 0.3)
        );
    }

    #[test]
    fn no_evidence_falls_back_to_the_id_alone() {
        let mut f = finding("rdp.neg_failure", json!({}));
        f.evidence = None;
        assert_eq!(cause(&f), ("security_layer_mismatch", 0.95));
        let f = finding(
            "rdp.neg_failure",
            json!({ "failure_code": 3, "failure_name": "SSL_CERT_NOT_ON_SERVER" }),
        );
        assert_eq!(cause(&f), ("tls_handshake_failure", 0.9));
    }
}
