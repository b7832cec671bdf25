//! Stage 4 — report: turns an [`Analysis`](crate::analyze::Analysis) into the public JSON
//! document (`rdptriage/1`, see docs/json-schema.md) and the human table.

pub mod ci;
pub mod json;
pub mod screen;
pub mod table;
