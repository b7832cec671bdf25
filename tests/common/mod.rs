//! Helpers shared by the integration tests: where the shared corpus is, and comparing our
//! conversations with expectations recorded from tshark.
#![allow(dead_code)]

#[cfg(feature = "live")]
pub mod live;

use rdptriage::report::json::FileReport;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus, or `None` when the tests that need it are to be skipped: only when the
/// folder is absent AND `RDPTRIAGE_REQUIRE_CORPUS` is unset. CI sets it, so there a missing
/// corpus fails the run.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = project_dir().join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("RDPTRIAGE_REQUIRE_CORPUS").is_some() {
        panic!(
            "RDPTRIAGE_REQUIRE_CORPUS is set but {} does not exist",
            dir.display()
        );
    }
    eprintln!(
        "skipping: {} is absent and RDPTRIAGE_REQUIRE_CORPUS is unset",
        dir.display()
    );
    None
}

/// The document `rdptriage analyze` gives for `path` (the engine as it goes, to the end).
pub fn report_of(path: &Path) -> FileReport {
    rdptriage::engine::document::report_path(path, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Compares every expected conversation (as recorded from tshark) with ours; returns the
/// differences, one line each.
pub fn compare_connections(file: &str, expected: &[Value], report: &FileReport) -> Vec<String> {
    let mut diffs = Vec::new();
    if expected.len() != report.connections.len() {
        diffs.push(format!(
            "{file}: {} conversations expected, {} found",
            expected.len(),
            report.connections.len()
        ));
    }
    for e in expected {
        let transport = e["transport"].as_str().unwrap_or_default();
        let stream = e["stream"].as_u64().unwrap_or(u64::MAX);
        let Some(c) = report
            .connections
            .iter()
            .find(|c| c.id == format!("{transport}/{stream}"))
        else {
            diffs.push(format!("{file}: {transport}/{stream} missing"));
            continue;
        };
        let ours = [
            ("client", Value::from(c.client.clone())),
            ("server", Value::from(c.server.clone())),
            (
                "packets_client_to_server",
                Value::from(c.client_to_server.stats.packets),
            ),
            (
                "packets_server_to_client",
                Value::from(c.server_to_client.stats.packets),
            ),
            (
                "bytes_client_to_server",
                Value::from(c.client_to_server.stats.bytes),
            ),
            (
                "bytes_server_to_client",
                Value::from(c.server_to_client.stats.bytes),
            ),
            ("first_frame", Value::from(c.first_frame)),
            ("last_frame", Value::from(c.last_frame)),
            ("end", Value::from(c.end)),
        ];
        for (field, value) in ours {
            if e.get(field).is_some_and(|v| *v != value) {
                diffs.push(format!(
                    "{file}: {transport}/{stream} {field}: expected {}, got {value}",
                    e[field]
                ));
            }
        }
    }
    diffs
}
pub mod pcap_writer;

/// A directory of its own under the system temporary directory, removed afterwards.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// `rdptriage-<name>-<pid>`; `name` should say which test binary and test it is for.
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("rdptriage-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `content` to `name` in the directory; returns the path.
    pub fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The documents of `--format json` output (one, or JSON Lines for several files).
pub fn json_documents(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

/// Every sample capture, then every corpus capture (when the corpus is there), sorted.
pub fn sample_and_corpus_captures() -> Vec<PathBuf> {
    let samples = project_dir().join("samples");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&samples)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".pcap") || n.ends_with(".pcapng") || n.ends_with(".pcap.gz")
        })
        .collect();
    if let Some(corpus) = corpus_dir() {
        let index = std::fs::read_to_string(corpus.join("_derived/index.tsv")).unwrap();
        all.extend(
            index
                .lines()
                .skip(1)
                .filter_map(|l| l.split('\t').next())
                .map(|f| corpus.join(f)),
        );
    }
    all.sort();
    all
}
