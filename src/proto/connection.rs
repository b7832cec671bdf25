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
    /// The decoders, made when the first byte (or gap) arrives: most conversations of a SYN
    /// flood or a port scan never carry one, and the decoders' state is most of the size.
    decoders: Option<Box<Decoders>>,
    /// What the decoders are made from (the keys as they were when the conversation began).
    pending: Pending,
    client: Mode,
    server: Mode,
}

struct Decoders {
    rdp: RdpSetupDecoder,
    tls: TlsDecoder,
}

struct Pending {
    stream: u64,
    log: SharedLog,
    keys: Option<SharedKeys>,
    inner: InnerFactory,
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
            decoders: None,
            pending: Pending {
                stream,
                log,
                // As `TlsDecoder::with_keys` would have filtered them now.
                keys: keys.filter(|k| !k.is_empty()),
                inner,
            },
            client: Mode::Rdp,
            server: Mode::Rdp,
        }
    }

    /// The decoders, made on first use.
    fn decoders(&mut self) -> &mut Decoders {
        let p = &self.pending;
        self.decoders.get_or_insert_with(|| {
            Box::new(Decoders {
                rdp: RdpSetupDecoder::new(p.stream, p.log.clone()),
                tls: TlsDecoder::with_keys(p.stream, p.log.clone(), p.keys.clone(), Some(p.inner)),
            })
        })
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
                let d = self.decoders();
                let want = d.rdp.data(side, bytes, chunk);
                if let Some(rest) = d.rdp.take_tls_handover(side) {
                    let want = d.tls.data(side, &rest, chunk);
                    *self.mode(side) = Mode::Tls;
                    return self.finish(side, want);
                }
                self.finish(side, want)
            }
            Mode::Tls => {
                let want = self.decoders().tls.data(side, bytes, chunk);
                self.finish(side, want)
            }
            Mode::Done => Want::Done,
        }
    }

    fn gap(&mut self, side: Side, missing: u64, frame: u64) -> Want {
        let want = match *self.mode(side) {
            Mode::Rdp => self.decoders().rdp.gap(side, missing, frame),
            Mode::Tls => self.decoders().tls.gap(side, missing, frame),
            Mode::Done => Want::Done,
        };
        self.finish(side, want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::observation::ObservationLog;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A conversation that never carries a byte (a SYN flood's) keeps only the decoder's
    /// shell: the RDP and TLS decoders are made on the first byte or gap.
    #[test]
    fn decoders_made_on_first_use() {
        assert!(std::mem::size_of::<ConnectionDecoder>() <= 64);
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let mut d = ConnectionDecoder::new(7, log);
        assert!(d.decoders.is_none());
        d.gap(Side::Client, 10, 3);
        assert!(d.decoders.is_some());
    }
}
