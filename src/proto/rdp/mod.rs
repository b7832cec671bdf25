//! RDP connection setup decoders: TPKT, X.224, RDP_NEG_* ([`x224`]) and MCS/GCC ([`mcs`]).

pub mod mcs;
