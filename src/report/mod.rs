//! Stage 4 — report: turns an [`Analysis`](crate::analyze::Analysis) into the public JSON
//! document (`rdptriage/1`, see docs/json-schema.md), the human table, the CI formats and
//! the HTML ladder report; `redact` hides names and addresses before any of them.

pub mod ci;
pub mod html;
pub mod json;
pub mod redact;
pub mod screen;
pub mod stream;
pub mod table;
