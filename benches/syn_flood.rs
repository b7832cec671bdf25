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

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

const DEFAULT_N: u64 = 1_000_000;
const TEST_MODE_N: u64 = 2000;
/// Server under attack.
const SERVER: [u8; 4] = [10, 255, 0, 1];
const SERVER_PORT: u16 = 3389;
/// Sources: consecutive addresses from 100.64.0.0 (RFC 6598 shared space, 4 Mi addresses).
const SOURCE_BASE: u32 = 0x6440_0000;
/// 2023-11-14 22:13:20 UTC.
const START_SECONDS: u32 = 1_700_000_000;

fn ones_complement_sum(mut sum: u32, bytes: &[u8]) -> u32 {
    for pair in bytes.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Ethernet + IPv4 + TCP SYN with an MSS option (58 bytes), checksums correct.
fn syn_frame(i: u64) -> [u8; 58] {
    let mut f = [0u8; 58];
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let src = (SOURCE_BASE + i as u32).to_be_bytes();
    let ip = &mut f[14..34];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&44u16.to_be_bytes());
    ip[4..6].copy_from_slice(&(i as u16).to_be_bytes());
    ip[6] = 0x40; // don't fragment
    ip[8] = 128;
    ip[9] = 6;
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&SERVER);
    let sum = fold(ones_complement_sum(0, ip));
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let src_port = 1024 + (i.wrapping_mul(7919) % 64_000) as u16;
    let seq = (i as u32).wrapping_mul(2_654_435_761);
    let tcp = &mut f[34..58];
    tcp[0..2].copy_from_slice(&src_port.to_be_bytes());
    tcp[2..4].copy_from_slice(&SERVER_PORT.to_be_bytes());
    tcp[4..8].copy_from_slice(&seq.to_be_bytes());
    tcp[12] = 6 << 4; // 24-byte header
    tcp[13] = 0x02; // SYN
    tcp[14..16].copy_from_slice(&64_240u16.to_be_bytes());
    tcp[20..24].copy_from_slice(&[2, 4, 0x05, 0xb4]); // MSS 1460
    let mut pseudo = ones_complement_sum(0, &src);
    pseudo = ones_complement_sum(pseudo, &SERVER);
    pseudo += 6 + 24;
    let sum = fold(ones_complement_sum(pseudo, tcp));
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    f
}

/// Legacy pcap, little-endian, microseconds, EN10MB; one SYN per millisecond.
fn write_capture(path: &Path, n: u64) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(&0xA1B2_C3D4u32.to_le_bytes())?;
    out.write_all(&2u16.to_le_bytes())?;
    out.write_all(&4u16.to_le_bytes())?;
    out.write_all(&[0; 8])?;
    out.write_all(&65_535u32.to_le_bytes())?;
    out.write_all(&1u32.to_le_bytes())?;
    for i in 0..n {
        let frame = syn_frame(i);
        out.write_all(&(START_SECONDS + (i / 1000) as u32).to_le_bytes())?;
        out.write_all(&(((i % 1000) * 1000) as u32).to_le_bytes())?;
        out.write_all(&(frame.len() as u32).to_le_bytes())?;
        out.write_all(&(frame.len() as u32).to_le_bytes())?;
        out.write_all(&frame)?;
    }
    out.flush()?;
    Ok(24 + n * (16 + 58))
}

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
    let bytes = match write_capture(&capture, n) {
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
