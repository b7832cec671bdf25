//! Reassembled byte streams equal tshark's: for every TCP conversation of the corpus and of
//! tests/captures/, the bytes delivered per direction have the length and SHA-256 of
//! `tshark -q -z follow,tcp,raw,<stream>` (recorded in the EXPECTED files by
//! tests/captures/make/expected.py).

mod common;

use rdptriage::analyze::analyze_path;
use rdptriage::flow::Side;
use rdptriage::flow::consumer::{Chunk, ConsumerFactory, NewConversation, StreamConsumer, Want};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

type Streams = Rc<RefCell<BTreeMap<u64, (Vec<u8>, Vec<u8>)>>>;

struct Collect(u64, Streams);

impl StreamConsumer for Collect {
    fn data(&mut self, side: Side, bytes: &[u8], _: Chunk) -> Want {
        let mut all = self.1.borrow_mut();
        let entry = all.entry(self.0).or_default();
        match side {
            Side::Client => entry.0.extend_from_slice(bytes),
            Side::Server => entry.1.extend_from_slice(bytes),
        }
        Want::More
    }
}

struct Factory(Streams);

impl ConsumerFactory for Factory {
    fn consumer_for(&mut self, c: &NewConversation) -> Option<Box<dyn StreamConsumer>> {
        Some(Box::new(Collect(c.stream, self.0.clone())))
    }
}

fn check(dir: &Path, expected: &Value, diffs: &mut Vec<String>) -> usize {
    let mut compared = 0;
    for cap in expected["captures"].as_array().unwrap() {
        let file = cap["file"].as_str().unwrap();
        let streams: Streams = Rc::default();
        analyze_path(&dir.join(file), Some(Box::new(Factory(streams.clone())))).unwrap();
        let streams = streams.borrow();
        for conn in cap["connections"].as_array().unwrap() {
            if conn["transport"] != "tcp" || conn.get("stream_sha256_client_to_server").is_none() {
                continue;
            }
            let stream = conn["stream"].as_u64().unwrap();
            let empty = (Vec::new(), Vec::new());
            let (c2s, s2c) = streams.get(&stream).unwrap_or(&empty);
            for (dir_name, ours) in [("client_to_server", c2s), ("server_to_client", s2c)] {
                let want_len = conn[format!("stream_bytes_{dir_name}")].as_u64().unwrap();
                // tshark gives no digest for an empty direction.
                let want_sha = conn[format!("stream_sha256_{dir_name}")].as_str();
                let sha = format!("{:x}", Sha256::digest(ours));
                if ours.len() as u64 != want_len || want_sha.is_some_and(|w| w != sha) {
                    diffs.push(format!(
                        "{file} tcp/{stream} {dir_name}: tshark {want_len} bytes, ours {}",
                        ours.len()
                    ));
                }
                compared += 1;
            }
        }
    }
    compared
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn test_capture_streams_equal_tshark_follow() {
    let root = common::project_dir();
    let mut diffs = Vec::new();
    let n = check(
        &root.join("tests/captures"),
        &load(&root.join("tests/captures/EXPECTED.json")),
        &mut diffs,
    );
    assert!(n > 100, "compared {n} directions");
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn corpus_streams_equal_tshark_follow() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let root = common::project_dir();
    let mut diffs = Vec::new();
    let n = check(
        &corpus,
        &load(&root.join("tests/corpus_expected.json")),
        &mut diffs,
    );
    assert!(n > 1000, "compared {n} directions");
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
