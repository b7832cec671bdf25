//! Scale of the whole `rdptriage analyze` on a SYN flood: a synthetic capture of N SYNs,
//! each from a distinct source address and port to 10.255.0.1:3389, 1000 per second, is
//! written into a temporary directory and analysed by the release binary in the table and
//! JSON formats; wall time and peak RSS of each run are printed (see BENCHMARKS.md,
//! "SYN flood").
//!
//! ```text
//! cargo bench --bench syn_flood                              # N = 1 000 000
//! RDPTRIAGE_SYN_FLOOD_N=100000 cargo bench --bench syn_flood
//! RDPTRIAGE_BIN=/path/to/rdptriage cargo bench --bench syn_flood   # another binary
//! RDPTRIAGE_SYN_FLOOD_KEEP=1 ...                             # keep the capture, print its path
//! ```
//!
//! Peak RSS comes from `/usr/bin/time -v` ("Maximum resident set size"), when installed.
//! Issue 14's target: 1 000 000 flows in ≤ 20 s and ≤ 256 MiB.
//!
//! Run as a test (`cargo test --benches`, no `--bench` argument) it uses N = 2000 and the
//! binary cargo built for the tests, so that the target is exercised without the cost.

#[path = "support/syn_pcap.rs"]
mod syn_pcap;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

const DEFAULT_N: u64 = 1_000_000;
const TEST_MODE_N: u64 = 2000;
struct Run {
    wall_s: f64,
    cpu_s: Option<f64>,
    peak_rss_kib: Option<u64>,
    status: Option<i32>,
    output_bytes: u64,
}

fn time_field(report: &str, name: &str) -> Option<f64> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix(name)?.trim().parse().ok())
}

fn run(bin: &Path, format: &str, capture: &Path, output: &Path) -> Run {
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v").arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["analyze", "--format", format, "--fail-on", "never", "-o"])
        .arg(output)
        .arg(capture)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let wall_s = start.elapsed().as_secs_f64();
    let report = String::from_utf8_lossy(&out.stderr);
    let user = time_field(&report, "User time (seconds):");
    let sys = time_field(&report, "System time (seconds):");
    Run {
        wall_s,
        cpu_s: user.zip(sys).map(|(u, s)| u + s),
        peak_rss_kib: time_field(&report, "Maximum resident set size (kbytes):").map(|k| k as u64),
        status: out.status.code(),
        output_bytes: std::fs::metadata(output).map(|m| m.len()).unwrap_or(0),
    }
}

fn main() -> ExitCode {
    let test_mode = !std::env::args().any(|a| a == "--bench");
    let n = std::env::var("RDPTRIAGE_SYN_FLOOD_N")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(if test_mode { TEST_MODE_N } else { DEFAULT_N });
    let bin = std::env::var_os("RDPTRIAGE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_rdptriage")));
    let dir = std::env::temp_dir().join(format!("rdptriage-syn-flood-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("syn_flood: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let capture = dir.join(format!("syn-flood-{n}.pcap"));
    let start = Instant::now();
    let bytes = match syn_pcap::write_capture(&capture, n) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("syn_flood: cannot write {}: {e}", capture.display());
            return ExitCode::FAILURE;
        }
    };
    println!(
        "syn_flood: {n} SYNs ({bytes} bytes) written in {:.2} s to {}",
        start.elapsed().as_secs_f64(),
        capture.display()
    );
    println!("binary: {}", bin.display());
    let mut failed = false;
    for format in ["table", "json"] {
        let output = dir.join(format!("report.{format}"));
        let r = run(&bin, format, &capture, &output);
        let rss = r
            .peak_rss_kib
            .map_or("? (no /usr/bin/time)".to_string(), |k| {
                format!("{:.1} MiB", k as f64 / 1024.0)
            });
        let cpu = r.cpu_s.map_or("?".to_string(), |c| format!("{c:.2} s"));
        println!(
            "{format:>5}: wall {:.2} s, cpu {cpu}, peak RSS {rss}, output {} bytes, exit {:?}",
            r.wall_s, r.output_bytes, r.status
        );
        if !matches!(r.status, Some(0)) {
            failed = true;
        }
    }
    if std::env::var_os("RDPTRIAGE_SYN_FLOOD_KEEP").is_some() {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if failed {
        eprintln!("syn_flood: a run did not exit with status 0");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
