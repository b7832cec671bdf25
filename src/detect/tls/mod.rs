//! TLS and certificate detectors (one file each).

use super::Finding;
use crate::analyze::Analysis;

pub fn run(_a: &Analysis) -> Vec<Finding> {
    Vec::new()
}
