//! The engine: the wiring above every stage. It feeds an input's frames through stages
//! 1–4 ([`crate::analyze::Pipeline`]: capture → net → flow → proto), builds each
//! connection's state once, runs the detectors and the diagnosis, and hands the result to
//! the report stage, which only renders. Two ways to run it, one engine:
//!
//! - to the end of the input ([`judge`], [`file_report`]): a file's JSON document;
//! - as it goes ([`stream`]): conversations are closed as they end, grouped by the pair of
//!   hosts they join, and an attempt is judged and emitted as an [`stream::AttemptEvent`]
//!   once no new connection of it can come — standard input and live capture.

pub mod document;
pub mod evidence;
#[cfg(feature = "live")]
pub mod live;
pub mod stream;

use crate::analyze::Analysis;
use crate::detect::{self, Finding};
use crate::diagnose::{self, Diagnosis};
use crate::report::json::{self, FileReport};

/// Findings and diagnosis of a whole analysis: probes classified, detectors run, attempts
/// and causes ranked.
pub fn judge(a: &Analysis) -> (Vec<Finding>, Diagnosis) {
    let probes = detect::probes::classify(a);
    let findings = detect::run_with(a, &probes);
    let diagnosis = diagnose::diagnose(a, &findings, &probes);
    (findings, diagnosis)
}

/// A file's `rdptriage/1` JSON document: the analysis judged, then rendered.
pub fn file_report(a: Analysis) -> FileReport {
    let (findings, diagnosis) = judge(&a);
    json::file_report(a, findings, diagnosis)
}
