//! Writes a large RDP-heavy capture for benchmarking the release binary (see BENCHMARKS.md).
//!
//! ```text
//! cargo bench --bench make_large_capture -- OUT.pcap SIZE [--conversations=N] [INPUT...]
//! ```
//!
//! SIZE is in MiB, or with a suffix: `1g`, `4g`, `512m`. INPUTs are legacy EN10MB pcaps;
//! without them the RDP-heavy corpus captures and `samples/*.pcap` are used. See
//! `support/replicate.rs` for how replicas are rewritten. Run without arguments (as a plain
//! `cargo bench` does) it prints its usage and exits successfully.

#[path = "support/replicate.rs"]
mod replicate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo bench --bench make_large_capture -- OUT.pcap SIZE \
[--conversations=N] [INPUT...]\n  SIZE in MiB or with suffix k/m/g (e.g. 1g); \
N = distinct 5-tuples in the output (default 4096)";

fn main() -> ExitCode {
    let mut positional = Vec::new();
    let mut max_conversations = replicate::DEFAULT_MAX_CONVERSATIONS;
    for arg in std::env::args().skip(1) {
        if let Some(n) = arg.strip_prefix("--conversations=") {
            match n.parse() {
                Ok(n) => max_conversations = n,
                Err(_) => {
                    eprintln!("make_large_capture: bad --conversations value {n:?}\n{USAGE}");
                    return ExitCode::from(2);
                }
            }
        } else if arg.starts_with("--") {
            // `cargo bench` passes `--bench`; libtest-style flags are ignored too.
        } else {
            positional.push(arg);
        }
    }
    if positional.len() < 2 {
        eprintln!("make_large_capture: nothing to do\n{USAGE}");
        return ExitCode::SUCCESS;
    }
    let out = PathBuf::from(&positional[0]);
    let Some(target) = replicate::parse_size_mib(&positional[1]) else {
        eprintln!("make_large_capture: bad SIZE {:?}\n{USAGE}", positional[1]);
        return ExitCode::from(2);
    };
    let inputs: Vec<PathBuf> = if positional.len() > 2 {
        positional[2..].iter().map(PathBuf::from).collect()
    } else {
        replicate::default_inputs()
    };
    let template = match replicate::Template::load(&inputs) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("make_large_capture: {e}");
            return ExitCode::from(2);
        }
    };
    for (path, reason) in &template.skipped {
        eprintln!("skipped {}: {reason}", path.display());
    }
    for (path, records) in &template.used {
        eprintln!("input {} ({records} records)", path.display());
    }
    eprintln!(
        "template: {} bytes per replica, {} conversations",
        template.bytes_per_replica, template.conversations
    );
    let started = Instant::now();
    match replicate::write_file(&template, &out, target, max_conversations) {
        Ok(w) => {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "wrote {}: {} bytes, {} records, {} replicas (5-tuples repeat every {} \
                 replicas) in {secs:.1} s",
                out.display(),
                w.bytes,
                w.records,
                w.replicas,
                w.period
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("make_large_capture: writing {}: {e}", out.display());
            ExitCode::from(1)
        }
    }
}
