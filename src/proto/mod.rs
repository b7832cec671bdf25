//! Stage 4 — proto: protocol decoders reading reassembled byte streams. They describe what is
//! on the wire as typed observations on a connection's timeline ([`observation`]); they
//! never judge.

pub mod asn1;
pub mod connection;
pub mod decrypt;
pub mod dns;
pub mod http;
pub mod observation;
pub mod rdg;
pub mod rdp;
pub mod rdpudp;
pub mod tls;
pub mod wire;

use crate::flow::consumer::{ConsumerFactory, DatagramConsumer, NewConversation, StreamConsumer};
use observation::SharedLog;

/// Attaches the protocol decoders to every new TCP conversation, the DNS decoder to UDP port
/// 53, and the RDP-UDP decoder to every other UDP conversation (it leaves those that are not
/// RDP-UDP at once).
pub struct Decoders {
    pub log: SharedLog,
    /// Session secrets for decrypting TLS, when key logs were given or found.
    pub keys: Option<decrypt::SharedKeys>,
}

/// The decoder of decrypted TLS application data, chosen from the first bytes and the side
/// that sent them: HTTP/1.x (an RD Gateway's HTTP transport, MS-TSGU 3.3.5.1), or the RDP
/// connection sequence after negotiation (a client's CredSSP TSRequest `30` or TPKT `03 00`,
/// a server's RDSTLS Capabilities PDU; [`rdp::inner`]).
pub fn inner_decoder(
    stream: u64,
    log: &SharedLog,
    first: &[u8],
    side: crate::flow::Side,
) -> Option<Box<dyn StreamConsumer>> {
    if http::looks_like_http(first, side) {
        return Some(Box::new(http::GatewayDecoder::new(stream, log.clone())));
    }
    if rdp::inner::RdpInnerDecoder::wanted(first, side) {
        return Some(Box::new(rdp::inner::RdpInnerDecoder::new(
            stream,
            log.clone(),
        )));
    }
    None
}

impl ConsumerFactory for Decoders {
    fn consumer_for(&mut self, conversation: &NewConversation) -> Option<Box<dyn StreamConsumer>> {
        Some(Box::new(connection::ConnectionDecoder::with_keys(
            conversation.stream,
            self.log.clone(),
            self.keys.clone(),
        )))
    }
    fn datagram_consumer_for(
        &mut self,
        conversation: &NewConversation,
    ) -> Option<Box<dyn DatagramConsumer>> {
        if dns::DnsDecoder::wanted(conversation) {
            return Some(Box::new(dns::DnsDecoder::new(
                conversation,
                self.log.clone(),
            )));
        }
        Some(Box::new(rdpudp::RdpUdpDecoder::new(
            conversation,
            self.log.clone(),
        )))
    }
}
