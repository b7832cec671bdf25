//! Typed observations: what the decoders saw on a connection, with the frame that shows it.
//! Decoders only describe; detectors judge.

use super::rdp::mcs::{ClientSettings, ServerSettings};
use super::rdp::x224::{ConnectionConfirm, ConnectionRequest};
use crate::capture::Timestamp;
use crate::flow::Side;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Observations kept per connection (the first ones; later ones are counted). An RDP
/// connection sequence with a dozen virtual channels takes about 60.
pub const MAX_OBSERVATIONS_PER_CONNECTION: usize = 128;
/// Room kept beyond that cap for the observations that say how a session ended or moved (Set
/// Error Info, Deactivate All, Disconnect Provider Ultimatum, a redirection, a logon notice,
/// a multitransport request / response), so a chatty session still shows its end.
pub const RESERVED_FOR_ENDINGS: usize = 32;

#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    /// Frame that completed the observed message (as Wireshark shows it).
    pub frame: u64,
    pub ts: Timestamp,
    /// Who sent it.
    pub from: Side,
    #[serde(flatten)]
    pub what: Observed,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Observed {
    /// MS-RDPBCGR 2.2.1.1 Client X.224 Connection Request.
    RdpConnectionRequest(ConnectionRequest),
    /// MS-RDPBCGR 2.2.1.2 Server X.224 Connection Confirm.
    RdpConnectionConfirm(ConnectionConfirm),
    /// X.224 Disconnect Request.
    X224DisconnectRequest,
    /// T.125 MCS Disconnect Provider Ultimatum (MS-RDPBCGR 2.2.2.1 / RDP-FACTS §2.2): reason
    /// 0 domain-disconnected, 1 provider-initiated, 2 token-purged, 3 user-requested,
    /// 4 channel-purged.
    McsDisconnectProviderUltimatum { reason: u8 },
    /// MS-RDPBCGR 2.2.1.3 MCS Connect Initial with GCC Conference Create Request.
    McsConnectInitial(Box<ClientSettings>),
    /// MS-RDPBCGR 2.2.1.4 MCS Connect Response with GCC Conference Create Response.
    McsConnectResponse(Box<ServerSettings>),
    /// The RDP exchange follows bytes of another protocol on the same stream (a proxy).
    TunnelPrefix {
        bytes: usize,
        /// RFC 1928 SOCKS5 CONNECT target, when the prefix is SOCKS5.
        socks5_target: Option<String>,
    },
    /// First TLS record of this direction (after negotiation, or the direct approach).
    TlsStart { direct: bool },
    /// A PDU of the RDP connection sequence after negotiation (CredSSP, MCS domain PDUs,
    /// licensing, capabilities, finalization, Set Error Info, …): decrypted from TLS, or in
    /// clear under standard RDP security.
    Rdp(Box<crate::proto::rdp::observed::RdpObserved>),
    /// Something the TLS decoder saw.
    Tls(Box<crate::proto::tls::TlsObserved>),
    /// HTTP/1.x inside decrypted TLS (RFC 9112): a request, a response, their framing.
    Http(Box<crate::proto::http::HttpObserved>),
    /// An RD Gateway HTTP-transport packet (MS-TSGU 2.2.10) carried by that HTTP.
    Rdg(Box<crate::proto::rdg::RdgObserved>),
    /// A message that could not be decoded; decoding of this direction stopped.
    DecodeError {
        decoder: &'static str,
        offset: usize,
        reason: String,
    },
}

impl Observed {
    /// Does it say how a session ended or where it went (kept past the per-connection cap)?
    pub fn tells_an_ending(&self) -> bool {
        use crate::proto::rdp::observed::RdpObserved as R;
        match self {
            Observed::McsDisconnectProviderUltimatum { .. } | Observed::X224DisconnectRequest => {
                true
            }
            Observed::Rdp(pdu) => matches!(
                **pdu,
                R::SetErrorInfo { .. }
                    | R::DeactivateAll
                    | R::ServerRedirection(_)
                    | R::SaveSessionInfo(_)
                    | R::ShutdownRequest
                    | R::ShutdownDenied
                    | R::License(_)
                    | R::MultitransportRequest { .. }
                    | R::MultitransportResponse { .. }
            ),
            Observed::Tls(t) => matches!(**t, crate::proto::tls::TlsObserved::Alert { .. }),
            _ => false,
        }
    }
}

/// Observations of every TCP conversation, by stream number, and the RDP-UDP flows.
#[derive(Debug, Default)]
pub struct ObservationLog {
    pub by_stream: BTreeMap<u64, Vec<Observation>>,
    /// What the RDP-UDP decoder saw, by UDP stream number.
    pub rdp_udp: BTreeMap<u64, crate::proto::rdpudp::RdpUdpFlow>,
    /// DNS lookups, by UDP stream number.
    pub dns: BTreeMap<u64, crate::proto::dns::DnsConversation>,
    /// Session traffic after connection finalization, counted per TCP stream.
    pub rdp_traffic: BTreeMap<u64, crate::proto::rdp::observed::SessionTraffic>,
    pub dropped: u64,
}

pub type SharedLog = Rc<RefCell<ObservationLog>>;

impl ObservationLog {
    pub fn record(&mut self, stream: u64, observation: Observation) {
        let list = self.by_stream.entry(stream).or_default();
        if list.len() < MAX_OBSERVATIONS_PER_CONNECTION
            || (list.len() < MAX_OBSERVATIONS_PER_CONNECTION + RESERVED_FOR_ENDINGS
                && observation.what.tells_an_ending())
        {
            list.push(observation);
        } else {
            self.dropped += 1;
        }
    }
}
