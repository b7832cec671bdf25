//! DNS (RFC 1035) over UDP port 53: the names a client looked up and the addresses it was
//! given, so a connection attempt can be joined with the lookup of its target. Messages are
//! parsed by the `simple-dns` crate; this module only pairs queries with responses and keeps
//! a bounded list per conversation in the observation log.

use crate::capture::Timestamp;
use crate::flow::Side;
use crate::flow::consumer::{Chunk, DatagramConsumer, NewConversation, Want};
use crate::proto::observation::SharedLog;
use serde::Serialize;
use simple_dns::rdata::RData;
use simple_dns::{Packet, PacketFlag, QTYPE};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The DNS port (RFC 1035 4.2.1).
pub const DNS_PORT: u16 = 53;
/// Lookups kept per conversation (later ones are counted in `dropped`).
const MAX_LOOKUPS: usize = 32;
/// Addresses and CNAMEs kept per answer.
const MAX_ANSWERS: usize = 16;
/// Messages that fail to parse, with none parsed, before the decoder leaves a conversation.
const MAX_UNPARSED_BEFORE_GIVING_UP: u64 = 4;

/// One question and, when it came, its answer.
#[derive(Debug, Clone, Serialize)]
pub struct DnsLookup {
    /// Frame of the query (none when the capture has only the response).
    pub query_frame: Option<u64>,
    pub query_ts: Option<Timestamp>,
    /// Frame of the response.
    pub response_frame: Option<u64>,
    pub response_ts: Option<Timestamp>,
    pub id: u16,
    pub name: String,
    /// `A`, `AAAA`, or the type's name / number.
    pub qtype: String,
    /// Response code name (`NoError`, `NameError` …), when answered.
    pub rcode: Option<String>,
    /// A / AAAA addresses in the answer section.
    pub addresses: Vec<IpAddr>,
    /// CNAME targets in the answer section.
    pub cnames: Vec<String>,
}

impl DnsLookup {
    /// A lookup with neither its query nor its response seen yet.
    fn unanswered(id: u16, name: String, qtype: String) -> Self {
        DnsLookup {
            query_frame: None,
            query_ts: None,
            response_frame: None,
            response_ts: None,
            id,
            name,
            qtype,
            rcode: None,
            addresses: Vec::new(),
            cnames: Vec::new(),
        }
    }
}

/// The lookups of one UDP conversation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DnsConversation {
    pub lookups: Vec<DnsLookup>,
    pub dropped: u64,
    pub unparsed: u64,
}

impl DnsConversation {
    /// Adds the lookups of the same 5-tuple's flow after a silence (at most
    /// `MAX_LOOKUPS` kept over both; the rest counted in `dropped`).
    pub fn join(&mut self, later: DnsConversation) {
        let room = MAX_LOOKUPS.saturating_sub(self.lookups.len());
        let extra = later.lookups.len().saturating_sub(room) as u64;
        self.lookups.extend(later.lookups.into_iter().take(room));
        self.dropped += later.dropped + extra;
        self.unparsed += later.unparsed;
    }
}

/// Reads a UDP conversation on port 53 as DNS.
pub struct DnsDecoder {
    stream: u64,
    log: SharedLog,
    parsed: u64,
}

impl DnsDecoder {
    pub fn new(conversation: &NewConversation, log: SharedLog) -> Self {
        DnsDecoder {
            stream: conversation.stream,
            log,
            parsed: 0,
        }
    }

    /// Is `conversation` DNS by its ports?
    pub fn wanted(conversation: &NewConversation) -> bool {
        conversation.server.port == DNS_PORT || conversation.client.port == DNS_PORT
    }
}

impl DatagramConsumer for DnsDecoder {
    fn datagram(&mut self, _side: Side, payload: &[u8], _wire_len: u32, chunk: Chunk) -> Want {
        let mut log = self.log.borrow_mut();
        let conv = log.dns.entry(self.stream).or_default();
        let Ok(packet) = Packet::parse(payload) else {
            conv.unparsed += 1;
            if self.parsed == 0 && conv.unparsed >= MAX_UNPARSED_BEFORE_GIVING_UP {
                return Want::Done;
            }
            return Want::More;
        };
        self.parsed += 1;
        let Some(question) = packet.questions.first() else {
            return Want::More;
        };
        let name = question.qname.to_string();
        let qtype = match question.qtype {
            QTYPE::TYPE(t) => format!("{t:?}"),
            other => format!("{other:?}"),
        };
        let id = packet.id();
        if !packet.has_flags(PacketFlag::RESPONSE) {
            if conv.lookups.len() < MAX_LOOKUPS {
                conv.lookups.push(DnsLookup {
                    query_frame: Some(chunk.frame),
                    query_ts: Some(chunk.ts),
                    ..DnsLookup::unanswered(id, name, qtype)
                });
            } else {
                conv.dropped += 1;
            }
            return Want::More;
        }
        let mut addresses = Vec::new();
        let mut cnames = Vec::new();
        for rr in packet.answers.iter().take(MAX_ANSWERS) {
            match &rr.rdata {
                RData::A(a) => addresses.push(IpAddr::V4(Ipv4Addr::from(a.address))),
                RData::AAAA(a) => addresses.push(IpAddr::V6(Ipv6Addr::from(a.address))),
                RData::CNAME(c) => cnames.push(c.0.to_string()),
                _ => {}
            }
        }
        let rcode = format!("{:?}", packet.rcode());
        let pending = conv
            .lookups
            .iter()
            .position(|l| l.id == id && l.response_frame.is_none() && l.name == name);
        let index = match pending {
            Some(i) => i,
            None if conv.lookups.len() < MAX_LOOKUPS => {
                conv.lookups.push(DnsLookup::unanswered(id, name, qtype));
                conv.lookups.len() - 1
            }
            None => {
                conv.dropped += 1;
                return Want::More;
            }
        };
        let lookup = &mut conv.lookups[index];
        lookup.response_frame = Some(chunk.frame);
        lookup.response_ts = Some(chunk.ts);
        lookup.rcode = Some(rcode);
        lookup.addresses = addresses;
        lookup.cnames = cnames;
        Want::More
    }
}
