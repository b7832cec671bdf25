//! Stage 4 — proto: protocol decoders reading reassembled byte streams. They describe what is
//! on the wire as typed observations on a connection's timeline ([`observation`]); they
//! never judge.

pub mod connection;
pub mod observation;
pub mod rdp;
pub mod tls;

use crate::flow::consumer::{ConsumerFactory, NewConversation, StreamConsumer};
use observation::SharedLog;

/// Attaches the protocol decoders to every new TCP conversation.
pub struct Decoders {
    pub log: SharedLog,
}

impl ConsumerFactory for Decoders {
    fn consumer_for(&mut self, conversation: &NewConversation) -> Option<Box<dyn StreamConsumer>> {
        Some(Box::new(connection::ConnectionDecoder::new(
            conversation.stream,
            self.log.clone(),
        )))
    }
}
