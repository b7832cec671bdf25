//! The stage of an encrypted connection whose TLS could not be opened, inferred from what
//! stays visible: the selected protocol, the order, direction and sizes of the encrypted
//! records the TLS decoder noted, and how many bytes the server sent (RDP-FACTS §2.9, a
//! hypothesis: `tests/connection_state.rs` measures how often it agrees with the decrypted
//! truth). Every stage set here is marked [`Known::Inferred`].

use super::{ConnectionState, Known, Stage, StageReached};
use crate::flow::{Conversation, Side};
use crate::proto::observation::{Observation, Observed};
use crate::proto::rdp::x224::{ConnectionConfirm, PROTOCOL_HYBRID, PROTOCOL_HYBRID_EX};
use crate::proto::tls::TlsObserved;

/// Largest encrypted record taken for an alert or a TLS 1.3 Finished rather than
/// application data: 2 alert bytes plus the largest AEAD overhead is 29 bytes; a TLS 1.3
/// Finished (SHA-256) is 53, so records up to this size after the handshake are not counted
/// as RDP data. The smallest CredSSP message (a TSRequest with an errorCode, 15 bytes) makes
/// a 37–44-byte record: answered records are read from the client side only.
const MAX_NON_DATA_RECORD: u16 = 53;

/// Client application-data records NLA takes before MCS Connect Initial: NTLM NEGOTIATE,
/// AUTHENTICATE (+ pubKeyAuth), TSCredentials (MS-CSSP 3.1.5); MCS Connect Initial is the
/// next one. A Kerberos exchange has the same count (AP-REQ, pubKeyAuth, TSCredentials).
const NLA_CLIENT_RECORDS: usize = 3;

/// Server payload bytes after which a connection is taken to be in an active session when
/// its TLS cannot be read. Everything a server sends before the first screen update (TLS
/// handshake with a certificate chain, CredSSP, MCS Connect Response, channel confirms,
/// licensing, Demand Active) stays under 12 KiB on the lab's and corpus' captures; the first
/// screen of even an idle login desktop is larger.
pub const ACTIVE_MIN_SERVER_BYTES: u64 = 16 * 1024;

/// Adds the stages the encrypted records show to a state that has no decrypted PDU.
pub fn from_records(state: &mut ConnectionState, c: &Conversation, obs: &[&Observation]) {
    let selected = obs.iter().find_map(|o| match &o.what {
        Observed::RdpConnectionConfirm(ConnectionConfirm::Response {
            selected_protocol, ..
        }) => Some(*selected_protocol),
        _ => None,
    });
    let direct_credssp = obs
        .iter()
        .any(|o| o.from == Side::Client && matches!(o.what, Observed::TlsStart { direct: true }));
    // Standard RDP security: the sequence is read in clear up to the point where RC4
    // encryption starts; past the Security Exchange a server that sent a first screen's worth
    // of data is in an active session.
    let standard_security = selected.is_none_or(|p| p == 0)
        && !direct_credssp
        && state.stage >= Stage::Security
        && state.stage < Stage::Active;
    if standard_security {
        if c.to_client.payload_bytes >= ACTIVE_MIN_SERVER_BYTES {
            add_active(state, c);
        }
        return;
    }
    // Only RDP's own sequence is inferred: a negotiated connection, or TLS straight to the
    // RDP port (the direct CredSSP approach, MS-RDPBCGR 5.4.5.2). TLS to an RD Gateway or
    // any other service carries something else.
    let direct_credssp = direct_credssp && c.server.port == 3389;
    if selected.is_none() && !direct_credssp {
        return;
    }
    let nla =
        direct_credssp || selected.is_some_and(|p| p & (PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX) != 0);
    let Some(server_hello) = obs.iter().find(|o| {
        o.from == Side::Server
            && matches!(&o.what, Observed::Tls(t) if matches!(**t, TlsObserved::ServerHello(_)))
    }) else {
        return;
    };
    let encrypted = |side: Side| -> Vec<&Observation> {
        obs.iter()
            .copied()
            .filter(|o| o.from == side && o.frame >= server_hello.frame)
            .filter(|o| {
                matches!(&o.what, Observed::Tls(t) if matches!(**t, TlsObserved::EncryptedRecord { .. }))
            })
            .collect()
    };
    let client = encrypted(Side::Client);
    // The client's first encrypted record is its Finished; application data follows.
    let client_data: Vec<&Observation> = client
        .iter()
        .skip(1)
        .copied()
        .filter(|o| match &o.what {
            Observed::Tls(t) => matches!(
                **t,
                TlsObserved::EncryptedRecord { content_type: 23, length } if length > MAX_NON_DATA_RECORD
            ),
            _ => false,
        })
        .collect();
    let add = |state: &mut ConnectionState, stage: Stage, o: &Observation| {
        if state.stages.iter().any(|s| s.stage == stage) {
            return;
        }
        state.stages.push(StageReached {
            stage,
            frame: o.frame,
            ts: o.ts,
            known: Known::Inferred,
        });
    };
    if nla {
        if let Some(first) = client_data.first() {
            add(state, Stage::Nla, first);
            server_alert_first(state, obs, first.frame);
        }
        if let Some(mcs) = client_data.get(NLA_CLIENT_RECORDS) {
            add(state, Stage::Mcs, mcs);
        }
    } else if let Some(first) = client_data.first() {
        add(state, Stage::Mcs, first);
    }
    if c.to_client.payload_bytes >= ACTIVE_MIN_SERVER_BYTES && !client_data.is_empty() {
        add_active(state, c);
    }
    settle(state);
}

/// The server's alert record during the encrypted exchange, before the connection's own
/// TCP close: the server ended TLS first. TLS 1.2 and older carry the record's content type
/// (21, alert) in clear (RFC 5246 6.2.1); its level and description are encrypted, so the
/// ending is a TLS alert by the server without a code.
fn server_alert_first(state: &mut ConnectionState, obs: &[&Observation], after: u64) {
    if state.decrypted || !matches!(state.ended.how, super::EndHow::Fin | super::EndHow::Rst) {
        return;
    }
    let alert = obs.iter().find(|o| {
        o.from == Side::Server
            && o.frame > after
            && matches!(&o.what, Observed::Tls(t) if matches!(**t, TlsObserved::EncryptedRecord { content_type: 21, .. }))
    });
    let Some(alert) = alert else {
        return;
    };
    if state.ended.frame.is_some_and(|f| f < alert.frame) {
        return;
    }
    state.ended.how = super::EndHow::TlsAlert;
    state.ended.by = Some(Side::Server);
    state.ended.frame = Some(alert.frame);
    state.ended.known = Known::ClearText;
    state.ended.code = None;
    state.ended.name = Some("encrypted alert".into());
}

/// Notes the active stage, inferred, at the frame where the server's bytes reach the
/// threshold (or the connection's last frame when the timeline does not show it).
fn add_active(state: &mut ConnectionState, c: &Conversation) {
    let at = active_frame(c).unwrap_or(c.last_frame);
    let ts = c
        .tcp
        .as_ref()
        .and_then(|t| t.timeline.packets().find(|p| p.frame == at).map(|p| p.ts))
        .unwrap_or(c.last_ts);
    if !state.stages.iter().any(|s| s.stage == Stage::Active) {
        state.stages.push(StageReached {
            stage: Stage::Active,
            frame: at,
            ts,
            known: Known::Inferred,
        });
    }
    settle(state);
}

/// Orders the stages and makes the furthest one the state's stage.
fn settle(state: &mut ConnectionState) {
    state.stages.sort_by_key(|s| s.stage);
    if let Some(last) = state.stages.last()
        && last.stage > state.stage
    {
        state.stage = last.stage;
        state.stage_known = last.known;
    }
}

/// The frame where the server's payload first reaches [`ACTIVE_MIN_SERVER_BYTES`], when the
/// packets kept in the timeline show it.
fn active_frame(c: &Conversation) -> Option<u64> {
    let tcp = c.tcp.as_ref()?;
    let mut sum = 0u64;
    for p in tcp.timeline.packets() {
        if p.from == Side::Server {
            sum += u64::from(p.payload_len);
            if sum >= ACTIVE_MIN_SERVER_BYTES {
                return Some(p.frame);
            }
        }
    }
    None
}
