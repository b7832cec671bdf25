//! TLS and certificate detectors (one file each). They judge the TLS summaries the proto
//! stage built; certificate validity is always judged at the capture's own time (the
//! timestamp of the frame that carried the certificate).

mod alert;
mod cert_expired;
mod cert_expiring_soon;
mod cert_interception;
mod cert_name_mismatch;
mod cert_not_yet_valid;
mod cert_self_signed;
mod cipher_mismatch;
mod handshake_aborted;
pub mod hostname;
mod version_mismatch;

use super::{Finding, Severity};
use crate::analyze::Analysis;
use crate::flow::{Conversation, Protocol, Side};
use crate::proto::observation::Observation;
use crate::proto::rdp::summary::RdpSetup;
use crate::proto::tls::CertInfo;
use crate::proto::tls::summary::TlsSummary;

/// A TCP conversation that carried TLS, as the TLS detectors see it.
pub struct TlsConnection<'a> {
    pub conversation: &'a Conversation,
    pub tls: &'a TlsSummary,
    /// Present when TLS followed an RDP X.224 negotiation on the same stream.
    pub rdp: Option<&'a RdpSetup>,
    pub observations: &'a [Observation],
    /// The connection was still open when the capture ended: the client's reaction to the
    /// handshake may be after it.
    pub open_at_capture_end: bool,
    /// The frame that ended the connection (its ending message or first FIN / RST).
    pub end_frame: Option<u64>,
}

impl TlsConnection<'_> {
    pub fn stream(&self) -> u64 {
        self.conversation.stream
    }

    /// Direct RDP (TLS after X.224 negotiation, or the direct CredSSP approach on 3389).
    pub fn is_rdp(&self) -> bool {
        self.rdp.is_some() || self.conversation.server.port == 3389
    }

    /// Frames a certificate-validity finding cites: the certificate's, then the first fatal
    /// alert that followed, if any.
    pub fn certificate_frames(&self, certificate_frame: u64) -> Vec<u64> {
        let mut frames = vec![certificate_frame];
        frames.extend(
            self.tls
                .alerts
                .iter()
                .find(|a| a.level == "fatal")
                .map(|a| a.frame),
        );
        frames
    }

    /// The certificate's reference time: when the capture saw it (seconds since the epoch).
    pub fn cert_time(&self) -> Option<i64> {
        self.tls
            .certificate_ts
            .map(|t| t.0.div_euclid(1_000_000_000))
    }
}

/// The TLS connections of an analysis, in stream order.
pub fn tls_connections(a: &Analysis) -> Vec<TlsConnection<'_>> {
    a.conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp)
        .filter_map(|c| {
            let obs = a.observations.get(&c.stream)?;
            let state = a.states.get(&c.stream)?;
            Some(TlsConnection {
                conversation: c,
                tls: state.tls.as_ref()?,
                rdp: state.setup.as_deref(),
                observations: obs,
                open_at_capture_end: state.ended.how == crate::state::EndHow::CaptureEnded,
                end_frame: state.ended.frame,
            })
        })
        .collect()
}

pub fn run(a: &Analysis) -> Vec<Finding> {
    let conns = tls_connections(a);
    let mut out = Vec::new();
    out.extend(cert_expired::detect(&conns));
    out.extend(cert_not_yet_valid::detect(&conns));
    out.extend(cert_expiring_soon::detect(&conns));
    out.extend(cert_name_mismatch::detect(&conns));
    out.extend(cert_self_signed::detect(&conns));
    out.extend(cert_interception::detect(&conns));
    out.extend(alert::detect(&conns));
    out.extend(version_mismatch::detect(&conns));
    out.extend(cipher_mismatch::detect(&conns));
    out.extend(handshake_aborted::detect(&conns));
    out
}

/// Severity of a bad certificate by its place in the chain: the server's own certificate
/// (position 0) fails every client; another one (an extra cross-signed root, say) only
/// clients that build the path through it.
pub(crate) fn chain_severity(position: usize) -> Severity {
    if position == 0 {
        Severity::Error
    } else {
        Severity::Warning
    }
}

pub(crate) fn side_name(side: Side) -> &'static str {
    match side {
        Side::Client => "client",
        Side::Server => "server",
    }
}

/// `30 days 4 h`, `5 h 12 min`, `40 s`.
pub(crate) fn duration_text(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    if d > 0 {
        if h > 0 {
            format!("{d} day{} {h} h", if d == 1 { "" } else { "s" })
        } else {
            format!("{d} day{}", if d == 1 { "" } else { "s" })
        }
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{s} s")
    }
}

/// `CN=rdp.example.net (SHA-1 thumbprint 9911C9…, issued by CN=Lab CA)`.
pub(crate) fn cert_label(c: &CertInfo) -> String {
    let what = if c.position == 0 {
        "the server's certificate".to_string()
    } else {
        format!("chain certificate #{}", c.position + 1)
    };
    format!(
        "{what} {} (SHA-1 thumbprint {}, issued by {})",
        if c.subject.is_empty() {
            "(empty subject)"
        } else {
            &c.subject
        },
        c.sha1,
        if c.self_issued { "itself" } else { &c.issuer }
    )
}

/// `YYYY-MM-DD hh:mm:ss UTC` of an RFC 3339 text.
pub(crate) fn utc_text(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..19)) {
        (Some(d), Some(t)) => format!("{d} {t} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// The first FIN or RST each side sent at or after `after`: `(side, frame, "RST"/"FIN")`.
pub(crate) fn first_close(c: &Conversation, after: u64) -> Option<(Side, u64, &'static str)> {
    let tcp = c.tcp.as_ref()?;
    let mut best: Option<(Side, u64, &'static str)> = None;
    for side in [Side::Client, Side::Server] {
        let d = tcp.dir(side);
        for (list, kind) in [(&d.stats.rst.frames, "RST"), (&d.stats.fin.frames, "FIN")] {
            if let Some(&f) = list.iter().find(|&&f| f >= after)
                && best.is_none_or(|(_, bf, _)| f < bf)
            {
                best = Some((side, f, kind));
            }
        }
    }
    best
}

/// Time of a frame of this conversation, when the packet timeline still holds it.
pub(crate) fn frame_ts(c: &Conversation, frame: u64) -> Option<crate::capture::Timestamp> {
    c.tcp
        .as_ref()?
        .timeline
        .packets()
        .find(|p| p.frame == frame)
        .map(|p| p.ts)
}
