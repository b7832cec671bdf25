//! The phase each TCP connection reached and how it closed — the description the diagnosis
//! leans on for every verdict (RDP-FACTS §2.9).

use super::rst_evidence::{RstVerdict, judge_resets};
use super::thresholds::{SESSION_MIN_DATA_SEGMENTS, SESSION_MIN_SECS, SESSION_MIN_SERVER_BYTES};
use super::{ConnectionState, Stage, States};
use crate::flow::{Conversation, Side};
use crate::net::TcpFlags;
use crate::proto::observation::{Observation, Observed};
use crate::proto::tls::TlsObserved;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Only SYNs from the client.
    SynSent,
    /// Three-way handshake done (or data seen both ways on a mid-stream capture).
    TcpEstablished,
    /// X.224 Connection Request sent, no Confirm.
    X224Sent,
    /// X.224 Connection Confirm received (a negotiation failure included).
    X224Confirmed,
    /// The client started TLS.
    TlsClientHello,
    /// The server answered in TLS and the client continued: handshake completed as far as
    /// the records show.
    TlsEstablished,
    /// Encrypted records exchanged after the handshake (CredSSP, MCS, licensing …).
    PostTls,
    /// Long bulk / interactive data.
    Session,
}

impl Phase {
    pub fn words(self) -> &'static str {
        match self {
            Phase::SynSent => "SYN sent",
            Phase::TcpEstablished => "TCP established",
            Phase::X224Sent => "X.224 request sent",
            Phase::X224Confirmed => "X.224 confirmed",
            Phase::TlsClientHello => "TLS ClientHello sent",
            Phase::TlsEstablished => "TLS established",
            Phase::PostTls => "encrypted exchange",
            Phase::Session => "session",
        }
    }
}

/// What the connection reached, and how it ended.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionPhase {
    pub phase: Phase,
    /// Frame at which the phase was reached.
    pub phase_frame: Option<u64>,
    /// `client`, `server`, `middlebox` (an injected reset), `nobody`.
    pub closed_by: &'static str,
    /// `fin`, `rst`, `rst_ack`, `none`.
    pub close: &'static str,
    pub close_frame: Option<u64>,
    /// Seconds between the last payload (either way) and the close.
    pub close_after_last_data_s: Option<f64>,
    /// SYN → SYN+ACK → ACK at the capture point, in ms.
    pub rtt_ms: Option<f64>,
    pub retransmissions_client: u64,
    pub retransmissions_server: u64,
    pub duplicate_acks_client: u64,
    pub duplicate_acks_server: u64,
}

fn first_frame(obs: &[Observation], pred: impl Fn(&Observation) -> bool) -> Option<u64> {
    obs.iter().filter(|o| pred(o)).map(|o| o.frame).min()
}

/// Handshake RTT at the capture point (SYN → SYN+ACK plus SYN+ACK → ACK).
pub fn handshake_rtt_secs(c: &Conversation) -> Option<f64> {
    let t = c.tcp.as_ref()?;
    Some(t.last_syn_ts?.secs_until(t.handshake_ack_ts?))
}

/// Largest encrypted record taken for an alert rather than data: 2 alert bytes plus the
/// largest AEAD overhead (8-byte explicit nonce and 16-byte tag in TLS 1.2 GCM; content
/// type and tag in TLS 1.3).
const ENCRYPTED_ALERT_MAX: u16 = 32;

/// The phase of a conversation, looked up in a file's observations and connection states
/// (both keyed by `tcp.stream`).
pub fn phase_of(
    c: &Conversation,
    observations: &BTreeMap<u64, Vec<Observation>>,
    states: &States,
) -> Option<ConnectionPhase> {
    phase_from(
        c,
        observations.get(&c.stream).map_or(&[], Vec::as_slice),
        states.get(&c.stream),
    )
}

/// The phase of a conversation, given its observations and its connection state: a
/// connection whose state reached the active stage (read from the protocol, or inferred
/// from the volume of encrypted data) is in the session phase however quiet it is.
pub fn phase_from(
    c: &Conversation,
    obs: &[Observation],
    state: Option<&ConnectionState>,
) -> Option<ConnectionPhase> {
    let tcp = c.tcp.as_ref()?;
    let mut phase = Phase::SynSent;
    let mut phase_frame = tcp.syn_frame;
    let mut reach = |p: Phase, f: Option<u64>| {
        if f.is_some() && p > phase {
            phase = p;
            phase_frame = f;
        }
    };
    let both_sent = c.to_server.packets > 0 && c.to_client.packets > 0;
    let established = tcp.handshake_ack_frame.or(
        if both_sent && tcp.synack_frame.is_none() && tcp.syn_frame.is_none() {
            Some(c.first_frame)
        } else {
            None
        },
    );
    reach(Phase::TcpEstablished, established);
    if tcp.synack_frame.is_some() && c.to_server.payload_bytes > 0 {
        reach(Phase::TcpEstablished, tcp.synack_frame);
    }
    reach(
        Phase::X224Sent,
        first_frame(obs, |o| matches!(o.what, Observed::RdpConnectionRequest(_))),
    );
    reach(
        Phase::X224Confirmed,
        first_frame(obs, |o| matches!(o.what, Observed::RdpConnectionConfirm(_))),
    );
    let client_tls = first_frame(obs, |o| {
        o.from == Side::Client && matches!(o.what, Observed::TlsStart { .. })
    });
    reach(Phase::TlsClientHello, client_tls);
    // TLS established: the client's first encrypted record (its Finished) after the
    // server's ServerHello; encrypted exchange: a further encrypted record from the client
    // (application data) answered by the server (RFC 5246 7.3, RFC 8446 2).
    fn tls(o: &Observation) -> Option<&TlsObserved> {
        match &o.what {
            Observed::Tls(t) => Some(t),
            _ => None,
        }
    }
    let server_hello = first_frame(obs, |o| {
        o.from == Side::Server && matches!(tls(o), Some(TlsObserved::ServerHello(_)))
    });
    let client_encrypted: Vec<(u64, bool)> = obs
        .iter()
        .filter(|o| o.from == Side::Client)
        .filter_map(|o| match tls(o) {
            // An encrypted alert is a few dozen bytes at most (2 bytes + record overhead);
            // application data (CredSSP, MCS, HTTP) is larger.
            Some(TlsObserved::EncryptedRecord {
                content_type,
                length,
            }) => Some((
                o.frame,
                *content_type == 23 && *length > ENCRYPTED_ALERT_MAX,
            )),
            _ => None,
        })
        .collect();
    if let Some(sh) = server_hello {
        let finished = client_encrypted.iter().map(|&(f, _)| f).find(|&f| f >= sh);
        reach(Phase::TlsEstablished, finished);
        if let Some(fin) = finished {
            let app = client_encrypted
                .iter()
                .find(|&&(f, data)| f > fin && data)
                .map(|&(f, _)| f);
            let answered = app.and_then(|a| {
                tcp.timeline
                    .packets()
                    .find(|p| p.from == Side::Server && p.frame > a && p.payload_len > 0)
                    .map(|p| p.frame)
            });
            reach(Phase::PostTls, answered);
        }
    }
    let duration = c.first_ts.secs_until(c.last_ts);
    let long = duration >= SESSION_MIN_SECS
        && c.to_client.payload_bytes > 0
        && c.to_server.payload_bytes > 0;
    let data_segments = tcp.client.stats.data_segments + tcp.server.stats.data_segments;
    if long
        || c.to_client.payload_bytes >= SESSION_MIN_SERVER_BYTES
        || data_segments >= SESSION_MIN_DATA_SEGMENTS
    {
        reach(Phase::Session, Some(c.last_frame));
    }
    if let Some(st) = state.filter(|s| s.reached_active()) {
        reach(Phase::Session, st.stage_frame(Stage::Active));
    }
    if phase == Phase::SynSent && tcp.syn_frame.is_none() && both_sent {
        phase = Phase::TcpEstablished;
        phase_frame = Some(c.first_frame);
    }

    let verdicts = judge_resets(c);
    let fin = [
        tcp.client.stats.fin.first().map(|f| (f, Side::Client)),
        tcp.server.stats.fin.first().map(|f| (f, Side::Server)),
    ];
    let rst = [
        tcp.client.stats.rst.first().map(|f| (f, Side::Client)),
        tcp.server.stats.rst.first().map(|f| (f, Side::Server)),
    ];
    let first_rst = rst.iter().flatten().min_by_key(|(f, _)| *f).copied();
    let first_fin = fin.iter().flatten().min_by_key(|(f, _)| *f).copied();
    let (closed_by, close, close_frame) = match (first_fin, first_rst) {
        (Some((ff, side)), rst) if rst.is_none_or(|(rf, _)| ff < rf) => {
            (side_name(side), "fin", Some(ff))
        }
        (_, Some((rf, side))) => {
            let injected = verdicts
                .iter()
                .any(|v: &RstVerdict| v.frame == rf && v.injected());
            let with_ack = tcp
                .timeline
                .packets()
                .find(|p| p.frame == rf)
                .is_some_and(|p| TcpFlags(p.flags).ack());
            (
                if injected {
                    "middlebox"
                } else {
                    side_name(side)
                },
                if with_ack { "rst_ack" } else { "rst" },
                Some(rf),
            )
        }
        _ => ("nobody", "none", None),
    };
    let last_data = tcp
        .timeline
        .packets()
        .filter(|p| p.payload_len > 0 && close_frame.is_none_or(|f| p.frame < f))
        .map(|p| p.ts)
        .max();
    let close_ts =
        close_frame.and_then(|f| tcp.timeline.packets().find(|p| p.frame == f).map(|p| p.ts));
    Some(ConnectionPhase {
        phase,
        phase_frame,
        closed_by,
        close,
        close_frame,
        close_after_last_data_s: match (last_data, close_ts) {
            (Some(d), Some(c)) => Some(d.secs_until(c)),
            _ => None,
        },
        rtt_ms: handshake_rtt_secs(c).map(|s| s * 1000.0),
        retransmissions_client: tcp.client.stats.retransmissions,
        retransmissions_server: tcp.server.stats.retransmissions,
        duplicate_acks_client: tcp.client.stats.duplicate_acks,
        duplicate_acks_server: tcp.server.stats.duplicate_acks,
    })
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Client => "client",
        Side::Server => "server",
    }
}

impl ConnectionPhase {
    /// e.g. `X.224 request sent · server closed (FIN)`.
    pub fn words(&self) -> String {
        let close = match (self.closed_by, self.close) {
            (_, "none") => "not closed".to_string(),
            (who, how) => format!(
                "{who} {} (#{})",
                match how {
                    "fin" => "closed (FIN)",
                    "rst_ack" => "reset (RST+ACK)",
                    _ => "reset (RST)",
                },
                self.close_frame.unwrap_or(0)
            ),
        };
        format!("{} · {close}", self.phase.words())
    }
}
