//! Every Wireshark display filter rdptriage prints, run through `tshark -r FILE -Y FILTER`:
//! it must compile in tshark 4.x and select exactly the frames it stands for — the frames a
//! finding or cause cites, or every packet of the conversation a connection's filter names.
//!
//! Deliberately broader: a cause that cites no frame (`no_failure_observed`, whose filter is
//! the RDP ports of the whole capture) has nothing to narrow to, so its filter is only
//! required to compile and to select at least one frame.
//!
//! tshark is required: without it the test is skipped with a message, and fails when
//! `RDPTRIAGE_REQUIRE_CORPUS` is set (as CI does, which installs tshark in `.ci/run`).

mod common;

use rayon::prelude::*;
use rdptriage::report::json::FileReport;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Above this many distinct filters in one capture (a SYN scan gives thousands), the first
/// `INDIVIDUAL` run one by one and the rest run ORed together in batches of `BATCH`, whose
/// union must equal the union of what they stand for: every filter still compiles and is
/// checked, in a few tshark runs instead of thousands.
const INDIVIDUAL: usize = 40;
const BATCH: usize = 60;

/// What a filter must select.
#[derive(Clone, Debug)]
enum Expect {
    /// Exactly these frames (a finding's or cause's cited frames).
    Frames(BTreeSet<u64>),
    /// This many frames (a connection's packets, the whole conversation, and the ICMP errors
    /// quoting it: Wireshark gives the TCP / UDP header inside an ICMP error its stream).
    Count(u64),
    /// Nothing cited: it compiles and selects something.
    Broader,
}

fn tshark_present() -> bool {
    let ok = Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("RDPTRIAGE_REQUIRE_CORPUS").is_some() {
            panic!(
                "tshark is not installed but RDPTRIAGE_REQUIRE_CORPUS is set: the Wireshark \
                 filter test cannot run (apt-get install -y tshark)"
            );
        }
        eprintln!("skipping: tshark is not installed and RDPTRIAGE_REQUIRE_CORPUS is unset");
    }
    ok
}

fn is_capture(p: &Path) -> bool {
    let n = p
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    [".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"]
        .iter()
        .any(|s| n.ends_with(s))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if is_capture(&p) {
            out.push(p);
        }
    }
}

/// The key log beside a capture, for filters on decrypted fields.
fn key_log(capture: &Path) -> Option<PathBuf> {
    ["keys", "keylog", "sslkeylog"]
        .iter()
        .map(|ext| capture.with_extension(ext))
        .find(|p| p.is_file())
}

/// The frames `filter` selects in `capture`, or tshark's complaint.
fn tshark(capture: &Path, filter: &str) -> Result<BTreeSet<u64>, String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(capture);
    if let Some(keys) = key_log(capture) {
        cmd.arg("-o")
            .arg(format!("tls.keylog_file:{}", keys.display()));
    }
    let out = cmd
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .map_err(|e| format!("cannot run tshark: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect())
}

/// Filter → (what it stands for, who printed it).
type Filters = BTreeMap<String, (Expect, String)>;

/// Every distinct filter of one report, with what it stands for and who printed it.
fn filters_of(report: &FileReport) -> Filters {
    let mut out: Filters = BTreeMap::new();
    let mut add = |filter: &str, expect: Expect, label: String| {
        if filter.is_empty() {
            return;
        }
        out.entry(filter.to_string()).or_insert((expect, label));
    };
    for f in &report.findings {
        let frames: BTreeSet<u64> = f.frames.iter().copied().collect();
        let expect = if frames.is_empty() {
            Expect::Broader
        } else {
            Expect::Frames(frames)
        };
        add(&f.wireshark_filter, expect, format!("finding {}", f.id));
    }
    for c in &report.diagnosis.causes {
        let frames: BTreeSet<u64> = c.frames.iter().copied().collect();
        let expect = if frames.is_empty() {
            Expect::Broader
        } else {
            Expect::Frames(frames)
        };
        add(&c.wireshark_filter, expect, format!("cause {}", c.cause));
    }
    for c in &report.connections {
        add(
            &c.wireshark_filter,
            Expect::Count(
                c.client_to_server.stats.packets
                    + c.server_to_client.stats.packets
                    + c.icmp_error_count,
            ),
            format!("connection {}", c.id),
        );
    }
    out
}

fn check_one(capture: &Path, filter: &str, expect: &Expect, label: &str) -> Option<String> {
    let name = capture.display();
    let got = match tshark(capture, filter) {
        Ok(got) => got,
        Err(e) => {
            return Some(format!(
                "{name}: {label}: `{filter}` rejected by tshark: {e}"
            ));
        }
    };
    match expect {
        Expect::Frames(want) if &got != want => Some(format!(
            "{name}: {label}: `{filter}` selects {got:?}, the finding cites {want:?}"
        )),
        Expect::Count(n) if got.len() as u64 != *n => Some(format!(
            "{name}: {label}: `{filter}` selects {} frames, the connection has {n}",
            got.len()
        )),
        Expect::Broader if got.is_empty() => {
            Some(format!("{name}: {label}: `{filter}` selects nothing"))
        }
        _ => None,
    }
}

/// Filters ORed together: the union selected must be the union of what they stand for.
fn check_batch(capture: &Path, batch: &[(&String, &(Expect, String))]) -> Option<String> {
    let filter = batch
        .iter()
        .map(|(f, _)| format!("({f})"))
        .collect::<Vec<_>>()
        .join(" || ");
    let got = match tshark(capture, &filter) {
        Ok(got) => got,
        Err(e) => {
            return Some(format!(
                "{}: batch rejected by tshark: {e}",
                capture.display()
            ));
        }
    };
    let mut want = BTreeSet::new();
    let mut count = 0u64;
    for (_, (expect, _)) in batch {
        match expect {
            Expect::Frames(f) => want.extend(f.iter().copied()),
            Expect::Count(n) => count += n,
            Expect::Broader => {}
        }
    }
    // Connection filters name disjoint conversations; findings' frames lie in them.
    let frames_only = batch
        .iter()
        .all(|(_, (e, _))| matches!(e, Expect::Frames(_)));
    let counts_only = batch
        .iter()
        .all(|(_, (e, _))| matches!(e, Expect::Count(_)));
    if frames_only && got != want || counts_only && got.len() as u64 != count {
        // Conversations may share frames (a tunnel's outer and inner conversations), so a
        // union can be smaller than the sum: then each filter runs alone.
        let each: Vec<String> = batch
            .iter()
            .filter_map(|(f, (e, label))| check_one(capture, f, e, label))
            .collect();
        if each.is_empty() {
            return None;
        }
        return Some(format!(
            "{}: a batch of {} filters selects {} frames, expected {}; one by one:\n{}",
            capture.display(),
            batch.len(),
            got.len(),
            if frames_only {
                want.len() as u64
            } else {
                count
            },
            each.join("\n")
        ));
    }
    None
}

fn check_captures(captures: &[PathBuf]) -> (usize, usize, Vec<String>) {
    let mut jobs: Vec<(PathBuf, Filters)> = Vec::new();
    for path in captures {
        let report = common::report_of(path);
        jobs.push((path.clone(), filters_of(&report)));
    }
    let distinct: usize = jobs.iter().map(|(_, f)| f.len()).sum();
    // One task per tshark run.
    enum Task<'a> {
        One(&'a Path, &'a String, &'a (Expect, String)),
        Batch(&'a Path, Vec<(&'a String, &'a (Expect, String))>),
    }
    let mut tasks = Vec::new();
    for (path, filters) in &jobs {
        let all: Vec<(&String, &(Expect, String))> = filters.iter().collect();
        let individual = if all.len() > INDIVIDUAL {
            INDIVIDUAL / 2
        } else {
            all.len()
        };
        for (f, e) in &all[..individual] {
            tasks.push(Task::One(path, f, e));
        }
        // The rest by kind, so each batch's union has one meaning.
        let rest = &all[individual..];
        for want_frames in [true, false] {
            let kind: Vec<_> = rest
                .iter()
                .filter(|(_, (e, _))| match e {
                    Expect::Frames(_) => want_frames,
                    Expect::Count(_) => !want_frames,
                    Expect::Broader => false,
                })
                .copied()
                .collect();
            for chunk in kind.chunks(BATCH) {
                tasks.push(Task::Batch(path, chunk.to_vec()));
            }
        }
        for (f, e) in rest
            .iter()
            .filter(|(_, (e, _))| matches!(e, Expect::Broader))
        {
            tasks.push(Task::One(path, f, e));
        }
    }
    let runs = tasks.len();
    let failures: Vec<String> = tasks
        .par_iter()
        .filter_map(|t| match t {
            Task::One(p, f, (e, label)) => check_one(p, f, e, label),
            Task::Batch(p, batch) => check_batch(p, batch),
        })
        .collect();
    (distinct, runs, failures)
}

#[test]
fn sample_filters_work_in_tshark() {
    if !tshark_present() {
        return;
    }
    let mut captures = Vec::new();
    walk(&common::project_dir().join("samples"), &mut captures);
    assert!(captures.len() >= 50, "samples found: {}", captures.len());
    let (distinct, runs, failures) = check_captures(&captures);
    eprintln!("samples: {distinct} filters, {runs} tshark runs");
    assert!(distinct >= 100, "only {distinct} filters");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_filters_work_in_tshark() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    if !tshark_present() {
        return;
    }
    let mut captures = Vec::new();
    walk(&corpus, &mut captures);
    assert!(
        captures.len() >= 20,
        "corpus captures found: {}",
        captures.len()
    );
    let (distinct, runs, failures) = check_captures(&captures);
    eprintln!("corpus: {distinct} filters, {runs} tshark runs");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn set_members_are_separated_by_commas() {
    // Wireshark ≥ 3.6 rejects `{4 6}`; checked with tshark 4.0.17.
    assert_eq!(
        rdptriage::detect::frames_filter(3, &[4, 6]),
        "tcp.stream eq 3 && frame.number in {4, 6}"
    );
    assert_eq!(
        rdptriage::detect::streams_frames_filter(&[0, 1], &[4, 5, 12, 13]),
        "tcp.stream in {0, 1} && frame.number in {4, 5, 12, 13}"
    );
}
