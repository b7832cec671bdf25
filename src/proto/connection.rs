//! The decoder of one TCP conversation: routes each direction's bytes to the RDP setup
//! decoder first and, once a direction carries TLS (after RDP negotiation, the direct
//! CredSSP approach, or a TLS service such as an RD Gateway), to the TLS decoder.

use super::decrypt::SharedKeys;
use super::observation::SharedLog;
use super::rdp::setup::RdpSetupDecoder;
use super::tls::{InnerFactory, TlsDecoder};
use crate::flow::Side;
use crate::flow::consumer::{Chunk, StreamConsumer, Want};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Rdp,
    Tls,
    Done,
}

pub struct ConnectionDecoder {
    rdp: RdpSetupDecoder,
    tls: TlsDecoder,
    client: Mode,
    server: Mode,
}

impl ConnectionDecoder {
    pub fn new(stream: u64, log: SharedLog) -> Self {
        Self::with_keys(stream, log, None)
    }

    /// A decoder that decrypts TLS with `keys` (session secrets from key logs).
    pub fn with_keys(stream: u64, log: SharedLog, keys: Option<SharedKeys>) -> Self {
        Self::with_inner(stream, log, keys, super::inner_decoder)
    }

    /// A decoder that decrypts TLS with `keys` and hands decrypted application data to the
    /// decoder `inner` chooses (tests collect it).
    pub fn with_inner(
        stream: u64,
        log: SharedLog,
        keys: Option<SharedKeys>,
        inner: InnerFactory,
    ) -> Self {
        ConnectionDecoder {
            rdp: RdpSetupDecoder::new(stream, log.clone()),
            tls: TlsDecoder::with_keys(stream, log, keys, Some(inner)),
            client: Mode::Rdp,
            server: Mode::Rdp,
        }
    }

    fn mode(&mut self, side: Side) -> &mut Mode {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    fn finish(&mut self, side: Side, want: Want) -> Want {
        if want == Want::Done {
            *self.mode(side) = Mode::Done;
        }
        want
    }
}

impl StreamConsumer for ConnectionDecoder {
    fn data(&mut self, side: Side, bytes: &[u8], chunk: Chunk) -> Want {
        match *self.mode(side) {
            Mode::Rdp => {
                let want = self.rdp.data(side, bytes, chunk);
                if let Some(rest) = self.rdp.take_tls_handover(side) {
                    *self.mode(side) = Mode::Tls;
                    let want = self.tls.data(side, &rest, chunk);
                    return self.finish(side, want);
                }
                self.finish(side, want)
            }
            Mode::Tls => {
                let want = self.tls.data(side, bytes, chunk);
                self.finish(side, want)
            }
            Mode::Done => Want::Done,
        }
    }

    fn gap(&mut self, side: Side, missing: u64, frame: u64) -> Want {
        let want = match *self.mode(side) {
            Mode::Rdp => self.rdp.gap(side, missing, frame),
            Mode::Tls => self.tls.gap(side, missing, frame),
            Mode::Done => Want::Done,
        };
        self.finish(side, want)
    }
}
