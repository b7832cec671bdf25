//! `tcp.ended_in_setup`: an RDP (or RD Gateway / TLS) connection that the client or the
//! server closed before a session could have run — before the encrypted exchange, or
//! during it with fewer data segments than an RDP connection sequence needs
//! ([`RDP_SETUP_MIN_DATA_SEGMENTS`]), or (another TLS service such as an RD Gateway) ended
//! by the server during it. This is the evidence under the diagnosis's phase-based verdicts
//! when no error-level finding is about the connection already; resets by a
//! middlebox and connections still open at the end of the capture have their own
//! detectors.
//!
//! Error, unless a later connection between the same client and server reached a session
//! (a retry that worked: warning).

use super::TcpView;
use crate::analyze::Analysis;
use crate::detect::{Finding, Severity, rdp_relevant};
use crate::flow::{Conversation, Endpoint, Protocol};
use crate::state::phase::Phase;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// Data segments (both ways) an RDP connection exchanges at least from TLS to an active
/// session: CredSSP (4–6), MCS connect and channel joins (≥ 6), client info, licensing,
/// capabilities and finalization (≥ 10), then the first screen updates. The lab's healthy
/// NLA session has 52, its wrong-password one 14.
pub const RDP_SETUP_MIN_DATA_SEGMENTS: u64 = 40;

/// Data segments of both directions.
fn data_segments(c: &Conversation) -> u64 {
    c.tcp.as_ref().map_or(0, |t| {
        t.client.stats.data_segments + t.server.stats.data_segments
    })
}

/// Did this connection end before a session could run? (`closed_by` middlebox and nobody
/// are not judged here.)
pub fn ended_in_setup(a: &Analysis, v: &TcpView<'_>) -> bool {
    let p = &v.phase;
    if p.phase < Phase::TcpEstablished || p.phase >= Phase::Session {
        return false;
    }
    if p.phase < Phase::PostTls {
        return true;
    }
    let c = v.conversation;
    let is_rdp =
        c.server.port == 3389 || a.states.get(&c.stream).is_some_and(|s| s.setup.is_some());
    let segments = data_segments(c);
    if is_rdp {
        segments < RDP_SETUP_MIN_DATA_SEGMENTS
    } else {
        p.closed_by == "server"
    }
}

pub fn detect(views: &[TcpView<'_>], a: &Analysis, others: &[Finding]) -> Vec<Finding> {
    let mut out = Vec::new();
    // Keyed once: streams with an error finding; per (client address, server) the last
    // stream that reached a session.
    let explained_streams: HashSet<u64> = others
        .iter()
        .filter(|f| f.severity == Severity::Error && f.transport == Protocol::Tcp)
        .filter_map(|f| f.connection)
        .collect();
    let mut last_session: HashMap<(IpAddr, Endpoint), u64> = HashMap::new();
    for w in views.iter().filter(|w| w.phase.phase >= Phase::Session) {
        let c = w.conversation;
        let last = last_session
            .entry((c.client.ip, c.server))
            .or_insert(c.stream);
        *last = (*last).max(c.stream);
    }
    for v in views {
        let p = &v.phase;
        let explained = explained_streams.contains(&v.conversation.stream);
        if explained
            || !matches!(p.closed_by, "client" | "server")
            || !rdp_relevant(a, v.conversation)
            || !ended_in_setup(a, v)
        {
            continue;
        }
        let c = v.conversation;
        let retried_fine = last_session
            .get(&(c.client.ip, c.server))
            .is_some_and(|&last| last > c.stream);
        let segments = data_segments(c);
        let frames: Vec<u64> = p.phase_frame.into_iter().chain(p.close_frame).collect();
        let mut f = Finding::new(
            "tcp.ended_in_setup",
            if retried_fine {
                Severity::Warning
            } else {
                Severity::Error
            },
            c.stream,
            frames,
            format!(
                "the {} closed the connection {} → {} ({}{}) in phase \"{}\" after {segments} data segments{}",
                p.closed_by,
                c.client,
                c.server,
                p.close,
                p.close_frame
                    .map(|f| format!(", frame {f}"))
                    .unwrap_or_default(),
                p.phase.words(),
                if retried_fine {
                    "; a later connection to the same server reached a session"
                } else {
                    ""
                }
            ),
        );
        f.meaning = Some(
            "The connection ended before a Remote Desktop session could have started. Which step failed follows from the phase; the diagnosis names the likely cause.".into(),
        );
        out.push(f);
    }
    out
}
