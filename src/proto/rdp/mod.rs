//! RDP connection setup decoders: TPKT, X.224, RDP_NEG_* ([`x224`]), MCS/GCC ([`mcs`]), and
//! the stream reader that finds them ([`setup`]).

pub mod mcs;
pub mod names;
pub mod observed;
pub mod setup;
pub mod summary;
pub mod x224;
