//! rdptriage — explains why Remote Desktop connections failed, from packet captures.
//!
//! The crate is a one-way pipeline, one module per stage, each knowing only the ones before:
//! [`capture`] (files and link layers) → [`net`] (IP / TCP / UDP / ICMP) → [`flow`]
//! (conversations, TCP reassembly) → [`proto`] (decoders that describe) → [`state`] (one
//! state per connection) → [`detect`] (detectors that judge) → [`diagnose`] (attempts, causes,
//! remedies) → [`report`] (table, JSON, SARIF, JUnit, Markdown, HTML; renders only).
//! [`analyze`] wires stages 1–4 for one input; [`engine`] runs every stage over an input,
//! to its end or as it goes (standard input, live capture), and hands the report stage
//! what to render.
#![forbid(unsafe_code)]

pub mod analyze;
pub mod capture;
pub mod detect;
pub mod diagnose;
pub mod engine;
pub mod explain;
pub mod flow;
pub mod net;
pub mod proto;
pub mod report;
pub mod state;
