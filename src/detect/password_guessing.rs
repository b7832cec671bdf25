//! `rdp.password_guessing` (warning): many logons refused at the NLA step from one client
//! to one server in a short time — [`GUESSING_MIN_REFUSALS`] within
//! [`GUESSING_WINDOW_SECS`], the thresholds of Zeek's FTP brute-forcing policy
//! (`FTP::bruteforce_threshold` 20 within `FTP::bruteforce_measurement_interval` 15 min;
//! its SSH policy counts 30 guesses in 30 min). A refusal is read from CredSSP (an
//! errorCode, or the server closing after the client's AUTHENTICATE without its
//! pubKeyAuth) or, without the TLS secrets, inferred from the server closing the
//! connection in the encrypted step that follows TLS (stage `nla`, inferred).

use crate::analyze::Analysis;
use crate::capture::Timestamp;
use crate::detect::{Finding, Severity, streams_frames_filter};
use crate::flow::{Endpoint, Protocol, Side};
use crate::state::{ConnectionState, EndHow, Known, Stage};
use std::collections::HashMap;
use std::net::IpAddr;

/// Refused logons within [`GUESSING_WINDOW_SECS`] that make a password-guessing finding.
pub const GUESSING_MIN_REFUSALS: usize = 20;
/// The window, in seconds.
pub const GUESSING_WINDOW_SECS: f64 = 15.0 * 60.0;
/// Refusals cited by frame in the finding (the summary counts all).
const MAX_CITED: usize = 10;

/// A logon the server refused at the NLA step: the frame that shows it, and how it is known.
pub fn refused_logon(s: &ConnectionState) -> Option<(u64, Known)> {
    if s.reached_active() || s.stage != Stage::Nla {
        return None;
    }
    if let Some(c) = &s.credssp {
        if let (Some(_), Some(frame)) = (c.error_code, c.error_frame) {
            return Some((frame, Known::Decrypted));
        }
        if c.authenticate_frame.is_some() && c.server_pub_key_auth_frame.is_some() {
            return None;
        }
    }
    let closed_by_server = s.ended.by == Some(Side::Server)
        && matches!(s.ended.how, EndHow::TlsAlert | EndHow::Fin | EndHow::Rst);
    if !closed_by_server {
        return None;
    }
    let read = s
        .credssp
        .as_ref()
        .is_some_and(|c| c.authenticate_frame.is_some());
    let known = if read {
        Known::Decrypted
    } else {
        s.stage_known
    };
    Some((s.ended.frame?, known))
}

struct Refusal {
    ts: Timestamp,
    stream: u64,
    frame: u64,
    known: Known,
}

pub fn detect(a: &Analysis) -> Vec<Finding> {
    let mut by_pair: HashMap<(IpAddr, Endpoint), Vec<Refusal>> = HashMap::new();
    for c in a
        .conversations
        .iter()
        .filter(|c| c.protocol == Protocol::Tcp)
    {
        let Some((frame, known)) = a.states.get(&c.stream).and_then(refused_logon) else {
            continue;
        };
        by_pair
            .entry((c.client.ip, c.server))
            .or_default()
            .push(Refusal {
                ts: c.first_ts,
                stream: c.stream,
                frame,
                known,
            });
    }
    let mut out: Vec<Finding> = by_pair
        .into_iter()
        .filter_map(|((client, server), refusals)| {
            let mut start = 0;
            let mut reached = false;
            for (i, r) in refusals.iter().enumerate() {
                while refusals[start].ts.secs_until(r.ts) > GUESSING_WINDOW_SECS {
                    start += 1;
                }
                if i + 1 - start >= GUESSING_MIN_REFUSALS {
                    reached = true;
                    break;
                }
            }
            reached.then(|| finding(a, client, server, &refusals))
        })
        .collect();
    out.sort_by_key(|f| f.frames.first().copied());
    out
}

fn finding(a: &Analysis, client: IpAddr, server: Endpoint, refusals: &[Refusal]) -> Finding {
    let first = &refusals[0];
    let last = &refusals[refusals.len() - 1];
    let span = first.ts.secs_until(last.ts);
    let cited = &refusals[..refusals.len().min(MAX_CITED)];
    let streams: Vec<u64> = cited.iter().map(|r| r.stream).collect();
    let frames: Vec<u64> = cited.iter().map(|r| r.frame).collect();
    let read = refusals
        .iter()
        .filter(|r| r.known == Known::Decrypted)
        .count();
    let mut users: Vec<&str> = refusals
        .iter()
        .filter_map(|r| a.states.get(&r.stream)?.user.as_deref())
        .collect();
    users.sort_unstable();
    users.dedup();
    let later_success = a.conversations.iter().find(|c| {
        c.protocol == Protocol::Tcp
            && c.client.ip == client
            && c.server == server
            && c.first_ts > last.ts
            && a.states.get(&c.stream).is_some_and(|s| s.reached_active())
    });
    let mut f = Finding::new(
        "rdp.password_guessing",
        Severity::Warning,
        first.stream,
        frames.clone(),
        format!(
            "{} logons from {client} refused by {server} at the NLA step in {:.0} s (frames {}–{}; {} read from CredSSP, {} inferred from the server closing the encrypted exchange){}{}",
            refusals.len(),
            span,
            first.frame,
            last.frame,
            read,
            refusals.len() - read,
            if users.is_empty() {
                String::new()
            } else {
                format!("; user name(s) tried: {}", users.join(", "))
            },
            later_success
                .map(|c| format!(
                    "; a later connection (tcp/{}, frame {}) reached a session",
                    c.stream, c.first_frame
                ))
                .unwrap_or_default()
        ),
    );
    f.connections = streams.clone();
    f.wireshark_filter = streams_frames_filter(&streams, &frames);
    f.meaning = Some(format!(
        "Password guessing (or a client retrying a wrong saved password): at least {GUESSING_MIN_REFUSALS} refused logons within {} minutes. If the client address is not expected, block it and enable account lockout; if it is a user's machine, clear its saved credentials. The server's Security log has one event 4625 per refusal.",
        GUESSING_WINDOW_SECS / 60.0
    ));
    f.evidence = Some(serde_json::json!({
        "client": client.to_string(),
        "server": server.to_string(),
        "refusals": refusals.len(),
        "read_from_credssp": read,
        "span_s": span,
        "users": users,
        "later_session_stream": later_success.map(|c| c.stream),
    }));
    f
}
