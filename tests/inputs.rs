//! Inputs that are not lost: directory walking (symbolic-link loops, FIFOs, an unreadable
//! subdirectory, `*.gz` by content), a pcapng with a 2 MiB Decryption Secrets Block and a
//! 64 MiB custom block before the packets, truncated and damaged gzip, a key log with no
//! valid line.

mod common;

use rdptriage::analyze::analyze_path;
use rdptriage::engine::file_report;
use rdptriage::report::json::FileReport;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The sample whose verdict needs its key log: without it `certificate_untrusted` (inferred
/// from the client leaving), with it `certificate_expired` read from the TLS 1.3
/// Certificate in frame 9 (samples/MANIFEST.json key_frames, checked with tshark and the key
/// log). 14 frames (tshark -r … | wc -l).
const TLS13_SAMPLE: &str = "samples/rdp-tls13-cert-expired-xrdp.pcap";
const TLS13_FRAMES: u64 = 14;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdptriage-inputs-{tag}-{}", std::process::id()));
    if dir.exists() {
        // A previous run may have left a directory without permissions.
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+rwx")
            .arg(&dir)
            .status();
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sample(name: &str) -> PathBuf {
    common::project_dir().join(name)
}

/// Runs `cmd` with a bound on its time (a hang is what these cases used to do); kills the
/// child it started, by its own handle, if the bound passes.
fn run_bounded(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rdptriage did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn analyze_cmd(args: &[&str], dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdptriage"));
    cmd.args(["analyze", "--fail-on", "never", "--format", "json"])
        .args(args)
        .arg(dir);
    cmd
}

fn json_paths(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["file"]["path"].as_str().unwrap().to_string()
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_detected_and_each_capture_read_once() {
    let dir = temp_dir("loop");
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    std::fs::copy(
        sample("samples/rdp-port-closed.pcap"),
        dir.join("a/one.pcap"),
    )
    .unwrap();
    std::fs::copy(
        sample("samples/rdp-syn-dropped.pcap"),
        dir.join("a/b/two.pcap"),
    )
    .unwrap();
    // Two links back up the tree: the case that used to hang.
    std::os::unix::fs::symlink("..", dir.join("a/b/up")).unwrap();
    std::os::unix::fs::symlink("../..", dir.join("a/b/top")).unwrap();
    std::os::unix::fs::symlink(dir.join("a"), dir.join("alias")).unwrap();
    // Not followed: each capture once, the links named.
    let out = run_bounded(analyze_cmd(&[], &dir), Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let paths = json_paths(&out);
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths[0].ends_with("a/b/two.pcap") && paths[1].ends_with("a/one.pcap"));
    assert!(stderr.contains("symbolic link to a directory"), "{stderr}");
    // Followed: the loops are detected, still each capture once.
    let out = run_bounded(analyze_cmd(&["--follow"], &dir), Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(json_paths(&out).len(), 2, "{stderr}");
    assert!(stderr.contains("(a loop)"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn fifo_is_skipped_with_a_warning_and_gz_is_recognised_by_content() {
    let dir = temp_dir("fifo");
    let fifo = dir.join("live.pcap");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // A gzip capture without a capture name, and a gzip that is not a capture.
    let bytes = std::fs::read(sample("samples/rdp-port-closed.pcap")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    std::fs::write(dir.join("capture-from-ticket.gz"), gz.finish().unwrap()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"just some notes\n").unwrap();
    std::fs::write(dir.join("notes.txt.gz"), gz.finish().unwrap()).unwrap();
    let out = run_bounded(analyze_cmd(&[], &dir), Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("live.pcap: skipped: a FIFO"), "{stderr}");
    let paths = json_paths(&out);
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with("capture-from-ticket.gz"));
    let doc: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(doc["file"]["gzip"], true);
    // tshark -r samples/rdp-port-closed.pcap: 4 frames (two SYNs, each answered by RST+ACK).
    assert_eq!(doc["file"]["packets"], 4);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The effective user id (`id -u`).
fn euid() -> Option<u32> {
    let out = Command::new("id").arg("-u").output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[cfg(unix)]
#[test]
fn unreadable_subdirectory_is_named_and_the_rest_analysed() {
    use std::os::unix::fs::PermissionsExt;
    let Some(uid) = euid() else {
        eprintln!("skipping: cannot learn the user id (`id -u`)");
        return;
    };
    let dir = temp_dir("perm");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for sub in ["good", "locked"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::copy(
        sample("samples/rdp-port-closed.pcap"),
        dir.join("good/ok.pcap"),
    )
    .unwrap();
    std::fs::copy(
        sample("samples/rdp-syn-dropped.pcap"),
        dir.join("locked/hidden.pcap"),
    )
    .unwrap();
    // The binary is copied beside the captures so that an unprivileged user can run it
    // whatever the permissions of the build directory.
    let bin = dir.join("rdptriage");
    std::fs::copy(env!("CARGO_BIN_EXE_rdptriage"), &bin).unwrap();
    for (path, mode) in [
        (bin.clone(), 0o755),
        (dir.join("good"), 0o755),
        (dir.join("good/ok.pcap"), 0o644),
        (dir.join("locked/hidden.pcap"), 0o644),
        (dir.join("locked"), 0o000),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let mut cmd = if uid == 0 {
        // Root reads everything: run as nobody (tests run as root in CI).
        let Ok(setpriv) = which("setpriv") else {
            eprintln!("skipping: running as root and setpriv (util-linux) is not installed");
            return;
        };
        let mut cmd = Command::new(setpriv);
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        cmd
    } else {
        Command::new(&bin)
    };
    cmd.args(["analyze", "--fail-on", "never", "--format", "json"])
        .arg(dir.join("good"))
        .arg(&dir);
    let out = run_bounded(cmd, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Exit 2: an input could not be read; the readable capture is still analysed (it is
    // found twice, through both paths given, and read once).
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("locked: cannot read"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("permission denied"),
        "{stderr}"
    );
    let paths = json_paths(&out);
    assert_eq!(paths.len(), 1, "{paths:?} {stderr}");
    assert!(paths[0].ends_with("good/ok.pcap"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn which(name: &str) -> Result<PathBuf, ()> {
    for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(())
}

/// A pcap record: seconds, microseconds, wire length, data.
type Record = (u32, u32, u32, Vec<u8>);

/// The records of a little-endian microsecond pcap: (seconds, microseconds, wire length,
/// data), and its link type.
fn pcap_records(path: &Path) -> (u32, Vec<Record>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "little-endian µs pcap"
    );
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let link_type = u32_at(20);
    let mut records = Vec::new();
    let mut o = 24;
    while o + 16 <= bytes.len() {
        let caplen = u32_at(o + 8) as usize;
        records.push((
            u32_at(o),
            u32_at(o + 4),
            u32_at(o + 12),
            bytes[o + 16..o + 16 + caplen].to_vec(),
        ));
        o += 16 + caplen;
    }
    (link_type, records)
}

/// A pcapng block (little-endian): type, body padded to 32 bits, lengths around it.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    let mut b = Vec::with_capacity(total as usize);
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(body);
    b.resize(8 + padded, 0);
    b.extend_from_slice(&total.to_le_bytes());
    b
}

/// The TLS 1.3 sample as pcapng with `before` blocks between the interface and the packets.
fn pcapng_with(before: &[Vec<u8>]) -> Vec<u8> {
    let (link_type, records) = pcap_records(&sample(TLS13_SAMPLE));
    let mut out = Vec::new();
    // Section Header Block (pcapng 4.1): magic, version 1.0, section length unknown.
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    out.extend(block(0x0A0D_0D0A, &shb));
    // Interface Description Block (4.2): link type, reserved, snaplen; default µs.
    let mut idb = Vec::new();
    idb.extend_from_slice(&(link_type as u16).to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend(block(1, &idb));
    for b in before {
        out.extend_from_slice(b);
    }
    for (secs, micros, wire_len, data) in records {
        // Enhanced Packet Block (4.3): interface, timestamp high/low, lengths, data.
        let ts = u64::from(secs) * 1_000_000 + u64::from(micros);
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&wire_len.to_le_bytes());
        epb.extend_from_slice(&data);
        epb.resize(20 + data.len().div_ceil(4) * 4, 0);
        out.extend(block(6, &epb));
    }
    out
}

/// A Decryption Secrets Block (pcapng 4.7) holding `key_log` (type TLSK).
fn dsb(key_log: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0x544c_534bu32.to_le_bytes());
    body.extend_from_slice(&(key_log.len() as u32).to_le_bytes());
    body.extend_from_slice(key_log);
    block(0x0000_000A, &body)
}

fn report(path: &Path) -> FileReport {
    file_report(analyze_path(path, None).unwrap())
}

#[test]
fn two_mib_decryption_secrets_block_before_the_packets_is_read() {
    let dir = temp_dir("dsb");
    let mut key_log = std::fs::read(sample(TLS13_SAMPLE).with_extension("keys")).unwrap();
    // A large key log: the sample's lines, then other sessions' lines up to 2 MiB.
    let mut n = 0u64;
    while key_log.len() < 2 << 20 {
        n += 1;
        key_log.extend_from_slice(
            format!(
                "CLIENT_RANDOM {n:064x} {:096x}\n",
                n.wrapping_mul(0x9e37_79b9)
            )
            .as_bytes(),
        );
    }
    let block = dsb(&key_log);
    assert!(block.len() > 2 << 20);
    let path = dir.join("with-dsb.pcapng");
    std::fs::write(&path, pcapng_with(&[block])).unwrap();
    let r = report(&path);
    assert!(r.file.warnings.is_empty(), "{:?}", r.file.warnings);
    assert_eq!(r.file.packets, TLS13_FRAMES);
    assert_eq!(r.file.decryption.secrets_blocks, 1);
    assert_eq!(r.diagnosis.causes[0].cause, "certificate_expired");
    let expired = r
        .findings
        .iter()
        .find(|f| f.id == "tls.cert_expired")
        .unwrap();
    assert_eq!(expired.frames, vec![9]);
    if Command::new("tshark").arg("-v").output().is_ok() {
        // tshark reads the same file: 14 frames, and decrypts the Certificate in frame 9
        // with the block's secrets.
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(["-n", "-2", "-d", "tcp.port==3389,tls"])
            .args(["-Y", "tls.handshake.type == 11", "-T", "fields"])
            .args(["-e", "frame.number"])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "9",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sixty_four_mib_custom_block_before_the_packets_is_skipped_not_fatal() {
    let dir = temp_dir("custom");
    // Custom Block (pcapng 4.8, type 0x00000BAD): a Private Enterprise Number and 64 MiB.
    let mut body = Vec::with_capacity((64 << 20) + 4);
    body.extend_from_slice(&32473u32.to_le_bytes());
    body.resize((64 << 20) + 4, 0x5a);
    let custom = block(0x0000_0BAD, &body);
    let key_log = std::fs::read(sample(TLS13_SAMPLE).with_extension("keys")).unwrap();
    let path = dir.join("with-custom.pcapng");
    std::fs::write(&path, pcapng_with(&[custom, dsb(&key_log)])).unwrap();
    let r = report(&path);
    assert!(r.file.warnings.is_empty(), "{:?}", r.file.warnings);
    assert_eq!(r.file.packets, TLS13_FRAMES);
    assert_eq!(r.diagnosis.causes[0].cause, "certificate_expired");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn truncated_and_damaged_gzip_keep_the_frames_before() {
    let dir = temp_dir("gzip");
    let bytes = std::fs::read(sample("samples/rdp-tls-healthy-xrdp.pcap")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    let gz = gz.finish().unwrap();
    // Truncated: the first 30 000 compressed bytes (under the 256 KiB first read).
    let truncated = dir.join("truncated.pcap.gz");
    std::fs::write(&truncated, &gz[..30_000]).unwrap();
    let r = report(&truncated);
    assert!(r.file.gzip);
    assert!(r.file.packets > 10, "{} frames kept", r.file.packets);
    assert!(
        r.file.warnings.iter().any(|w| w.kind == "io"),
        "{:?}",
        r.file.warnings
    );
    if let Ok(out) = Command::new("tshark").arg("-r").arg(&truncated).output() {
        // tshark keeps the same frames (89 at the time of writing).
        let frames = String::from_utf8_lossy(&out.stdout).lines().count() as u64;
        assert_eq!(r.file.packets, frames);
    }
    // Damaged: bytes in the middle of the deflate stream overwritten.
    let mut damaged = gz.clone();
    let mid = damaged.len() / 2;
    for b in &mut damaged[mid..mid + 64] {
        *b = 0xff;
    }
    let damaged_path = dir.join("damaged.pcap.gz");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let r = report(&damaged_path);
    assert!(r.file.packets > 10, "{} frames kept", r.file.packets);
    assert!(r.file.warnings.iter().any(|w| w.kind == "io"));
    // The command line says so and does not call the file unreadable.
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--fail-on", "never"])
        .arg(&truncated)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("damaged gzip"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn key_log_without_a_valid_line_is_a_warning_naming_it() {
    let dir = temp_dir("keys");
    let capture = dir.join("x.pcap");
    std::fs::copy(sample(TLS13_SAMPLE), &capture).unwrap();
    std::fs::write(dir.join("x.keys"), "this is not a key log\nnor this\n").unwrap();
    let r = report(&capture);
    assert!(
        r.file
            .decryption
            .problems
            .iter()
            .any(|p| p.contains("x.keys") && p.contains("no valid key-log line")),
        "{:?}",
        r.file.decryption.problems
    );
    let out = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .args(["analyze", "--fail-on", "never", "--keylog"])
        .arg(dir.join("x.keys"))
        .arg(&capture)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning") && stderr.contains("x.keys: no valid key-log line"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
