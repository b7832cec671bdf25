//! Real output validates against docs/rdptriage-1.schema.json: every lab sample, every test
//! capture, an unreadable input, and the corpus when present.

mod common;

use serde_json::Value;
use std::process::Command;

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::project_dir().join("docs/rdptriage-1.schema.json"))
            .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn documents(args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .args(args)
        .current_dir(common::project_dir())
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check(docs: &[Value]) {
    let v = validator();
    for d in docs {
        let errors: Vec<String> = v
            .iter_errors(d)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            d["file"]["path"],
            errors.join("; ")
        );
    }
}

#[test]
fn samples_and_test_captures_validate() {
    let docs = documents(&["samples", "tests/captures", "Cargo.toml"]);
    assert!(docs.len() > 70);
    assert!(
        docs.iter()
            .any(|d| d["file"]["error"]["kind"] == "not_a_capture")
    );
    check(&docs);
    // The schema does catch what it should: a renamed field and an unknown cause id.
    let mut bad = docs
        .iter()
        .find(|d| !d["findings"].as_array().unwrap().is_empty())
        .unwrap()
        .clone();
    bad["findings"][0]["severity"] = Value::from("fatal");
    bad["diagnosis"]["causes"][0]["cause"] = Value::from("cosmic_rays");
    assert_eq!(validator().iter_errors(&bad).count(), 2);
}

#[test]
fn corpus_validates() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let docs = documents(&[corpus.to_str().unwrap()]);
    assert_eq!(docs.len(), 27);
    check(&docs);
}
