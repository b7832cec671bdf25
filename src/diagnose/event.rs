//! What the engine emits as it goes: one attempt judged once it closed. JSON Lines events of
//! `--format json` when streaming (docs/json-schema.md "Events"); field names are public
//! interface.

use super::Cause;
use super::attempts::Attempt;
use crate::detect::Finding;
use serde::Serialize;

/// `schema` of every event line (a file's document has `rdptriage/1`).
pub const EVENT_SCHEMA: &str = "rdptriage-event/1";

/// One attempt, judged once it closed: what `diagnosis.attempts[]` holds for it, its causes
/// and the findings about its connections. JSON Lines event of `--format json` when
/// streaming (docs/json-schema.md).
#[derive(Debug, Clone, Serialize)]
pub struct AttemptEvent {
    /// [`EVENT_SCHEMA`].
    pub schema: &'static str,
    /// `attempt`.
    pub event: &'static str,
    /// The input (`-` for standard input, the interface for live capture).
    pub input: String,
    /// Its id counts attempts in the order they closed (`attempt-1`, …).
    pub attempt: Attempt,
    /// The number of the last frame read when it was judged (the input's last frame for
    /// attempts still open when it ended).
    pub judged_after_frame: u64,
    /// Its causes, best first (`diagnosis.causes[]` entries).
    pub causes: Vec<Cause>,
    /// The findings about its connections.
    pub findings: Vec<Finding>,
}
