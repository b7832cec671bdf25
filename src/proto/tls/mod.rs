//! TLS on any TCP stream (RFC 5246, RFC 8446): records, handshake messages, alerts, X.509
//! certificates, fingerprints. Describes what is on the wire as [`TlsObserved`] observations.

use super::observation::{Observation, Observed, SharedLog};
use crate::flow::Side;
use crate::flow::consumer::{Chunk, StreamConsumer, Want};
use serde::Serialize;

pub mod summary;

/// What the TLS decoder saw.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "tls", rename_all = "snake_case")]
pub enum TlsObserved {
    /// A TLS record header (RFC 5246 6.2.1) that could not be followed further.
    Unparsed { content_type: u8, length: u16 },
}

/// Decodes the TLS byte stream of both directions of one connection.
pub struct TlsDecoder {
    stream: u64,
    log: SharedLog,
}

impl TlsDecoder {
    pub fn new(stream: u64, log: SharedLog) -> Self {
        TlsDecoder { stream, log }
    }

    #[allow(dead_code)]
    fn record(&self, side: Side, chunk: &Chunk, what: TlsObserved) {
        self.log.borrow_mut().record(
            self.stream,
            Observation {
                frame: chunk.frame,
                ts: chunk.ts,
                from: side,
                what: Observed::Tls(Box::new(what)),
            },
        );
    }
}

impl StreamConsumer for TlsDecoder {
    fn data(&mut self, _side: Side, _bytes: &[u8], _chunk: Chunk) -> Want {
        Want::Done
    }
}
