//! Stage 4 — proto: protocol decoders reading reassembled byte streams. They describe what is
//! on the wire as typed observations on a connection's timeline; they never judge.

pub mod rdp;
