//! One connection's TLS handshake, gathered from its observations, for reports and
//! detectors.

use crate::proto::observation::Observation;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct TlsSummary {}

impl TlsSummary {
    pub fn from_observations(_obs: &[Observation]) -> Option<TlsSummary> {
        None
    }
}
