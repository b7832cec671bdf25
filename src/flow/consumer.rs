//! The interface between TCP reassembly and the protocol decoders that read byte streams.
//! A consumer receives each direction's bytes in order, is told about holes, and says when
//! it has seen enough: from then on that direction keeps only metadata.

use super::Side;

/// Where delivered bytes came from.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    /// Frame that carried the first delivered byte.
    pub frame: u64,
    pub ts: crate::capture::Timestamp,
    /// Offset of the first byte in the direction's stream (0 = first data byte).
    pub stream_offset: u64,
}

/// What a consumer wants after a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    More,
    /// Stop delivering (and buffering) this direction.
    Done,
}

/// Reads one TCP conversation's byte streams.
pub trait StreamConsumer {
    /// In-order bytes of one direction.
    fn data(&mut self, side: Side, bytes: &[u8], chunk: Chunk) -> Want;
    /// `missing` bytes of this direction will never be delivered (not captured).
    fn gap(&mut self, side: Side, missing: u64, frame: u64) -> Want {
        let _ = (side, missing, frame);
        Want::More
    }
    /// Does this consumer read a connection for its whole life (an RDP session's
    /// disconnect reason may come hours in), so that caps on how much is handed to it (such
    /// as `proto::tls::MAX_DECRYPTED_BYTES`) must not apply?
    fn wants_whole_stream(&self) -> bool {
        false
    }
}

/// Reads one UDP conversation's datagrams, one at a time, in capture order.
pub trait DatagramConsumer {
    /// One datagram's captured payload (`wire_len` is its length per the UDP header; the
    /// payload is shorter when the capture's snaplen cut it).
    fn datagram(&mut self, side: Side, payload: &[u8], wire_len: u32, chunk: Chunk) -> Want;
}

/// Description of a new TCP or UDP conversation, for deciding whether to read it.
#[derive(Debug, Clone, Copy)]
pub struct NewConversation {
    pub stream: u64,
    pub client: super::Endpoint,
    pub server: super::Endpoint,
    pub first_frame: u64,
}

/// Chooses the consumer (if any) of each new conversation.
pub trait ConsumerFactory {
    /// The reader of a new TCP conversation's byte streams.
    fn consumer_for(&mut self, conversation: &NewConversation) -> Option<Box<dyn StreamConsumer>>;
    /// The reader of a new UDP conversation's datagrams; none by default.
    fn datagram_consumer_for(
        &mut self,
        conversation: &NewConversation,
    ) -> Option<Box<dyn DatagramConsumer>> {
        let _ = conversation;
        None
    }
}
