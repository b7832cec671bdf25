//! rdptriage — explains why Remote Desktop connections failed, from packet captures.
//!
//! The crate is a one-way pipeline, one module per stage, each knowing only the one before:
//! [`capture`] (files and link layers) → [`net`] (IP / TCP / UDP / ICMP) → [`flow`]
//! (conversations, TCP reassembly) → [`report`] (table and JSON). [`analyze`] drives it for
//! one input.
#![forbid(unsafe_code)]

pub mod analyze;
pub mod capture;
pub mod detect;
pub mod diagnose;
pub mod flow;
pub mod net;
pub mod proto;
pub mod report;
pub mod state;
