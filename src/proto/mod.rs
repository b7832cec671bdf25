//! Stage 4 — proto: protocol decoders reading reassembled byte streams. They describe what is
//! on the wire as typed observations on a connection's timeline ([`observation`]); they
//! never judge.

pub mod connection;
pub mod decrypt;
pub mod http;
pub mod observation;
pub mod rdg;
pub mod rdp;
pub mod tls;

use crate::flow::consumer::{ConsumerFactory, NewConversation, StreamConsumer};
use observation::SharedLog;

/// Attaches the protocol decoders to every new TCP conversation.
pub struct Decoders {
    pub log: SharedLog,
    /// Session secrets for decrypting TLS, when key logs were given or found.
    pub keys: Option<decrypt::SharedKeys>,
}

/// The decoder of decrypted TLS application data, chosen from the first bytes and the side
/// that sent them.
pub fn inner_decoder(
    _stream: u64,
    _log: &SharedLog,
    _first: &[u8],
    _side: crate::flow::Side,
) -> Option<Box<dyn StreamConsumer>> {
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
}
