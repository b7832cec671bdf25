//! `rdptriage live` under load: a capture is replayed with `tcpreplay` from inside a network
//! namespace onto one end of a veth pair while the release binary captures on the other end
//! (`rdptriage live -i HOST_END --format json --stats 1 --attempt-window 5`). Printed per
//! run: packets tcpreplay sent and at what rate, frames the binary handled, pcap's
//! `received` / `dropped` (kernel buffer full) / `interface_dropped`, the wall time from the
//! start of the replay until the binary had handled its last frame, packets per second
//! handled, CPU time, peak RSS (`VmHWM` before SIGINT, and `/usr/bin/time -v` over the whole
//! run, SIGINT's judging of every open attempt included), and how long SIGINT took to exit.
//! See BENCHMARKS.md, "Live capture (tcpreplay onto a veth)".
//!
//! ```text
//! cargo build --release --features live
//! cargo bench --features live --bench live_replay                  # 100 000-SYN flood, top speed
//! RDPTRIAGE_LIVE_RATES=topspeed,pps=20000,mbps=200 cargo bench --features live --bench live_replay
//! RDPTRIAGE_LIVE_PCAP=big.pcap cargo bench --features live --bench live_replay   # another capture
//! RDPTRIAGE_LIVE_SYN_N=1000000 ...           # size of the generated SYN flood
//! RDPTRIAGE_BIN=/path/to/rdptriage ...       # another binary (built with `--features live`)
//! RDPTRIAGE_LIVE_MTU=65535 ...               # veth MTU (default 1500)
//! RDPTRIAGE_LIVE_OFFLOAD=off ...             # TSO/GSO/GRO off on the capture end (ethtool)
//! RDPTRIAGE_LIVE_STATS=0.25 ...              # --stats interval (default 1 s)
//! ```
//!
//! `RDPTRIAGE_LIVE_RATES` is a comma-separated list of `topspeed`, `pps=N` and `mbps=N`
//! (tcpreplay's `--topspeed`, `--pps`, `--mbps`); one run of the binary per entry.
//!
//! Needs root (it creates the veth pair `rlbh<pid>` / `rlbn<pid>` and the namespace
//! `rdpt-lb-<pid>`; a guard deletes them when the bench ends, panics or gets SIGINT /
//! SIGTERM), `ip` and `tcpreplay`; without them it prints why it skipped and exits 0. The
//! replayed frames keep their own MAC addresses, so the host end's IP stack drops them as
//! addressed to another host: nothing is forwarded or answered.
//!
//! Run without `--bench` (`cargo test --features live --benches`) it replays a 2000-SYN flood.

#[path = "support/syn_pcap.rs"]
mod syn_pcap;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const DEFAULT_SYN_N: u64 = 100_000;
/// MTU of both veth ends: an Ethernet interface's. Frames longer than MTU + 14 (captures
/// taken with segmentation offload) fail in tcpreplay; `RDPTRIAGE_LIVE_MTU=65535` (veth's
/// maximum) lets them through, but libpcap's ring slots grow with the MTU (see BENCHMARKS.md).
const DEFAULT_MTU: u32 = 1500;
const TEST_MODE_SYN_N: u64 = 2000;
/// How long the frame count must stay still after the replay before the binary is taken to
/// have caught up (seconds; stats come every second).
const SETTLE_S: u64 = 3;
/// Longest wait for the binary to catch up, and for it to exit after SIGINT.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(600);
const EXIT_LIMIT: Duration = Duration::from_secs(600);
/// `getconf CLK_TCK` on Linux.
const CLOCK_TICKS: f64 = 100.0;

type Result<T> = std::result::Result<T, String>;

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn sh(program: &str, args: &[&str]) -> Result<()> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The veth pair and the namespace; deleted on drop (normal end, error, panic).
struct Veth {
    netns: String,
    host: String,
    peer: String,
}

impl Veth {
    fn create(id: u32, mtu: u32, offload: bool) -> Result<Veth> {
        let veth = Veth {
            netns: format!("rdpt-lb-{id}"),
            host: format!("rlbh{id}"),
            peer: format!("rlbn{id}"),
        };
        sh("ip", &["netns", "add", &veth.netns])?;
        // From here on, drop deletes whatever exists.
        let mtu = mtu.to_string();
        let mtu = mtu.as_str();
        sh(
            "ip",
            &[
                "link",
                "add",
                &veth.host,
                "mtu",
                mtu,
                "type",
                "veth",
                "peer",
                "name",
                &veth.peer,
                "mtu",
                mtu,
                "netns",
                &veth.netns,
            ],
        )?;
        // No IPv6 on either end: no router solicitations or MLD reports in the capture.
        let _ = sh(
            "sysctl",
            &[
                "-qw",
                &format!("net.ipv6.conf.{}.disable_ipv6=1", veth.host),
            ],
        );
        let _ = sh(
            "ip",
            &[
                "netns",
                "exec",
                &veth.netns,
                "sysctl",
                "-qw",
                &format!("net.ipv6.conf.{}.disable_ipv6=1", veth.peer),
            ],
        );
        if !offload {
            // libpcap sizes its ring slots (TPACKET_V2, which immediate mode uses) from the
            // MTU only when the interface has no segmentation / receive offload; otherwise a
            // slot holds a whole snaplen (256 KiB) and the 16 MiB buffer has ~64 of them.
            sh(
                "ethtool",
                &["-K", &veth.host, "tso", "off", "gso", "off", "gro", "off"],
            )?;
        }
        sh("ip", &["link", "set", &veth.host, "up"])?;
        sh("ip", &["-n", &veth.netns, "link", "set", &veth.peer, "up"])?;
        Ok(veth)
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        // Deleting one end deletes both; the namespace goes last.
        let _ = sh("ip", &["link", "del", &self.host]);
        if let Err(e) = sh("ip", &["netns", "del", &self.netns]) {
            eprintln!("live_replay: cleaning up: {e}");
        }
    }
}

/// A child process this bench started (and the binary under it when the child is
/// `/usr/bin/time`): killed by their own pids and reaped on drop, if still running.
struct ChildGuard(Child, Option<u32>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            if let Some(pid) = self.1 {
                let _ = sh("kill", &["-KILL", &pid.to_string()]);
            }
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `utime + stime` of a process, seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / CLOCK_TICKS)
}

fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// `VmHWM` of a process, KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The process whose parent is `parent` (the binary under `/usr/bin/time`).
fn child_of(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        (parent_pid(pid) == Some(parent)).then_some(pid)
    })
}

#[derive(Clone, Copy, Debug)]
struct Stats {
    at: Instant,
    frames: u64,
}

enum Line {
    Stats(Stats),
    End(serde_json::Value),
    Closed { attempts: u64 },
}

/// Reads the binary's JSON Lines: stats and end events are parsed, attempts only counted.
fn read_events(stdout: impl Read + Send + 'static) -> Receiver<Line> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut attempts = 0u64;
        for line in BufReader::with_capacity(1 << 20, stdout).lines() {
            let Ok(line) = line else { break };
            let head = &line[..line.len().min(96)];
            if head.contains("\"event\":\"attempt\"") {
                attempts += 1;
                continue;
            }
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let msg = match v["event"].as_str() {
                Some("stats") => Line::Stats(Stats {
                    at: Instant::now(),
                    frames: v["frames"].as_u64().unwrap_or(0),
                }),
                Some("end") => Line::End(v),
                _ => continue,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
        let _ = tx.send(Line::Closed { attempts });
    });
    rx
}

#[derive(Debug, Default)]
struct Replay {
    sent: Option<u64>,
    failed: Option<u64>,
    rated_pps: Option<f64>,
    rated_mbps: Option<f64>,
    seconds: Option<f64>,
}

/// tcpreplay's summary: "Actual: N packets (B bytes) sent in S seconds", "Rated: B Bps, M
/// Mbps, P pps", "Successful packets: N", "Failed packets: N".
fn parse_tcpreplay(text: &str) -> Replay {
    let mut r = Replay::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(rest) = line.strip_prefix("Actual:") {
            let w: Vec<&str> = rest.split_whitespace().collect();
            r.seconds = w
                .iter()
                .position(|x| *x == "in")
                .and_then(|i| w.get(i + 1)?.parse().ok());
        } else if line.starts_with("Rated:") {
            for pair in words.windows(2) {
                let value = pair[0].trim_end_matches(',').parse().ok();
                match pair[1].trim_end_matches(',') {
                    "pps" => r.rated_pps = value,
                    "Mbps" => r.rated_mbps = value,
                    _ => {}
                }
            }
        } else if let Some(n) = line.strip_prefix("Successful packets:") {
            r.sent = n.trim().parse().ok();
        } else if let Some(n) = line.strip_prefix("Failed packets:") {
            r.failed = n.trim().parse().ok();
        }
    }
    r
}

struct Measured {
    replay: Replay,
    replay_wall_s: f64,
    frames: u64,
    received: u64,
    dropped: u64,
    interface_dropped: u64,
    attempts: u64,
    /// Replay start → first stats event showing the last frame (upper bound), and the stats
    /// event before it (lower bound).
    caught_up_s: (f64, f64),
    cpu_s: Option<f64>,
    hwm_kib: Option<u64>,
    max_rss_kib: Option<u64>,
    exit_s: f64,
    status: Option<i32>,
}

fn time_field(report: &str, name: &str) -> Option<f64> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix(name)?.trim().parse().ok())
}

fn measure(
    bin: &Path,
    veth: &Veth,
    capture: &Path,
    rate: &str,
    stats: &str,
    dir: &Path,
    stop: &AtomicBool,
) -> Result<Measured> {
    let time_report = dir.join("time.txt");
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v").arg("-o").arg(&time_report).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args([
        "live", "-i", &veth.host, "--format", "json", "--stats", stats,
    ])
    .args(["--attempt-window", "5"])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    let mut child = ChildGuard(
        cmd.spawn()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?,
        None,
    );
    let events = read_events(child.0.stdout.take().expect("piped stdout"));
    let pid = if time.exists() {
        let started = Instant::now();
        loop {
            if let Some(pid) = child_of(child.0.id()) {
                break pid;
            }
            if started.elapsed() > Duration::from_secs(5) {
                return Err("the binary did not start under /usr/bin/time".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    } else {
        child.0.id()
    };
    child.1 = Some(pid);
    // The first stats event: the capture is open.
    let mut last = match events.recv_timeout(Duration::from_secs(15)) {
        Ok(Line::Stats(s)) => Some(s),
        Ok(_) | Err(_) => return Err("no stats event from the binary within 15 s".into()),
    };
    while let Ok(Line::Stats(s)) = events.try_recv() {
        last = Some(s);
    }
    let cpu_before = cpu_seconds(pid);

    let rate_args: Vec<String> = match rate.split_once('=') {
        None if rate == "topspeed" => vec!["--topspeed".into()],
        Some(("pps", n)) => vec![format!("--pps={n}")],
        Some(("mbps", n)) => vec![format!("--mbps={n}")],
        _ => return Err(format!("bad rate {rate:?} (topspeed, pps=N, mbps=N)")),
    };
    let started = Instant::now();
    let out = Command::new("ip")
        .args(["netns", "exec", &veth.netns, "tcpreplay"])
        .args(&rate_args)
        .args(["-i", &veth.peer])
        .arg(capture)
        .output()
        .map_err(|e| format!("cannot run tcpreplay: {e}"))?;
    let replay_wall_s = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "tcpreplay failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let replay = parse_tcpreplay(&text);

    // Wait until the frame count has stood still for SETTLE_S stats events.
    let mut before_change: Option<Stats> = None;
    let mut first_with_last: Option<(Stats, Option<f64>)> = None;
    let mut still = 0;
    let waiting = Instant::now();
    while still < SETTLE_S {
        if stop.load(Ordering::Relaxed) {
            return Err("interrupted".into());
        }
        if waiting.elapsed() > CATCH_UP_LIMIT {
            return Err("the binary did not catch up within the limit".into());
        }
        match events.recv_timeout(Duration::from_secs(5)) {
            Ok(Line::Stats(s)) => {
                if last.is_some_and(|l| l.frames == s.frames) {
                    still += 1;
                } else {
                    still = 0;
                    before_change = last;
                    first_with_last = Some((s, cpu_seconds(pid)));
                }
                last = Some(s);
            }
            Ok(_) | Err(RecvTimeoutError::Disconnected) => {
                return Err("the binary ended before SIGINT".into());
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err("no stats event for 5 s".into());
            }
        }
    }
    let (caught, cpu_caught) = first_with_last.ok_or("no frame was captured")?;
    let upper = caught.at.saturating_duration_since(started).as_secs_f64();
    let lower = before_change
        .map_or(0.0, |b| {
            b.at.saturating_duration_since(started).as_secs_f64()
        })
        .min(upper);
    let hwm_kib = vm_hwm_kib(pid);

    let interrupted = Instant::now();
    sh("kill", &["-INT", &pid.to_string()])?;
    let mut end = None;
    let mut attempts = 0;
    loop {
        match events.recv_timeout(Duration::from_secs(1)) {
            Ok(Line::End(v)) => end = Some(v),
            Ok(Line::Closed { attempts: n }) => {
                attempts = n;
                break;
            }
            Ok(Line::Stats(_)) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if interrupted.elapsed() > EXIT_LIMIT || stop.load(Ordering::Relaxed) {
            return Err("the binary did not exit after SIGINT".into());
        }
    }
    let status = child.0.wait().map_err(|e| e.to_string())?.code();
    let exit_s = interrupted.elapsed().as_secs_f64();
    let end = end.ok_or("no end event")?;
    let report = std::fs::read_to_string(&time_report).unwrap_or_default();
    let counter = |name: &str| end["capture_stats"][name].as_u64().unwrap_or(0);
    Ok(Measured {
        replay,
        replay_wall_s,
        frames: end["frames"].as_u64().unwrap_or(0),
        received: counter("received"),
        dropped: counter("dropped"),
        interface_dropped: counter("interface_dropped"),
        attempts,
        caught_up_s: (lower, upper),
        cpu_s: cpu_before.zip(cpu_caught).map(|(a, b)| b - a),
        hwm_kib,
        max_rss_kib: time_field(&report, "Maximum resident set size (kbytes):").map(|k| k as u64),
        exit_s,
        status,
    })
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("?".into(), |v| v.to_string())
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn print(rate: &str, m: &Measured) {
    let r = &m.replay;
    println!("--- {rate}");
    println!(
        "tcpreplay: sent {} (failed {}) in {} s (wall {:.2} s), {} pps, {} Mbps",
        opt(r.sent),
        opt(r.failed),
        opt(r.seconds),
        m.replay_wall_s,
        opt(r.rated_pps),
        opt(r.rated_mbps),
    );
    println!(
        "rdptriage: frames {}, received {}, dropped {}, interface_dropped {}, attempts {}",
        m.frames, m.received, m.dropped, m.interface_dropped, m.attempts
    );
    let (lo, hi) = m.caught_up_s;
    let cpu = m.cpu_s.map_or("?".into(), |c| {
        let per = if c > 0.0 {
            format!(" ({:.0} frames per CPU second)", m.frames as f64 / c)
        } else {
            String::new()
        };
        format!("{c:.2} s{per}")
    });
    let upper = if lo > 0.0 {
        format!("{:.0}", m.frames as f64 / lo)
    } else {
        "?".into()
    };
    println!(
        "handled: last frame {lo:.2}..{hi:.2} s after the replay began, {:.0}..{upper} \
         frames/s; CPU {cpu}",
        m.frames as f64 / hi.max(1e-9),
    );
    println!(
        "memory: VmHWM before SIGINT {}, peak RSS of the whole run {}; SIGINT to exit \
         {:.2} s, exit status {:?}",
        mib(m.hwm_kib),
        mib(m.max_rss_kib),
        m.exit_s,
        m.status
    );
}

fn main() -> ExitCode {
    let test_mode = !std::env::args().any(|a| a == "--bench");
    if !is_root() {
        println!("live_replay: skipped: needs root (creates a veth pair and a network namespace)");
        return ExitCode::SUCCESS;
    }
    for program in ["ip", "tcpreplay"] {
        if !have(program) {
            println!("live_replay: skipped: {program} is not installed");
            return ExitCode::SUCCESS;
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    let bin = std::env::var_os("RDPTRIAGE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_rdptriage")));
    let mtu: u32 = std::env::var("RDPTRIAGE_LIVE_MTU")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MTU);
    let offload = std::env::var("RDPTRIAGE_LIVE_OFFLOAD").map_or(true, |v| v != "off");
    let stats = std::env::var("RDPTRIAGE_LIVE_STATS").unwrap_or_else(|_| "1".into());
    let rates = std::env::var("RDPTRIAGE_LIVE_RATES").unwrap_or_else(|_| "topspeed".into());
    let id = std::process::id();
    let dir = TempDir(std::env::temp_dir().join(format!("rdptriage-live-replay-{id}")));
    if let Err(e) = std::fs::create_dir_all(&dir.0) {
        eprintln!("live_replay: cannot create {}: {e}", dir.0.display());
        return ExitCode::FAILURE;
    }
    let capture = match std::env::var_os("RDPTRIAGE_LIVE_PCAP") {
        Some(p) => PathBuf::from(p),
        None => {
            let n = std::env::var("RDPTRIAGE_LIVE_SYN_N")
                .ok()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or(if test_mode {
                    TEST_MODE_SYN_N
                } else {
                    DEFAULT_SYN_N
                });
            let path = dir.0.join(format!("syn-flood-{n}.pcap"));
            if let Err(e) = syn_pcap::write_capture(&path, n) {
                eprintln!("live_replay: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            path
        }
    };
    let bytes = std::fs::metadata(&capture).map(|m| m.len()).unwrap_or(0);
    println!(
        "live_replay: {} ({bytes} bytes), binary {}",
        capture.display(),
        bin.display()
    );
    let veth = match Veth::create(id, mtu, offload) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("live_replay: cannot create the veth pair: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "veth {} <-> {} (namespace {}), MTU {mtu}, offload {}, --stats {stats}",
        veth.host,
        veth.peer,
        veth.netns,
        if offload { "on" } else { "off" }
    );
    let mut failed = false;
    for rate in rates.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        match measure(&bin, &veth, &capture, rate, &stats, &dir.0, &stop) {
            Ok(m) => {
                print(rate, &m);
                if !matches!(m.status, Some(0 | 1)) {
                    failed = true;
                }
            }
            Err(e) => {
                eprintln!("live_replay: {rate}: {e}");
                failed = true;
            }
        }
    }
    drop(veth);
    if failed {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
