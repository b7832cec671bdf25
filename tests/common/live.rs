//! Shared by the live-capture tests: who may run them, and a veth pair into a network
//! namespace made for one test (removed on drop), onto which sample captures are replayed
//! with tcpreplay.

use std::process::Command;

/// Effective uid 0, from /proc/self/status ("Uid: real effective saved fs").
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// True when `test` may run (root); otherwise says it is skipped — or fails when
/// RDPTRIAGE_REQUIRE_LIVE is set (CI).
pub fn may_run(test: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(
        std::env::var_os("RDPTRIAGE_REQUIRE_LIVE").is_none(),
        "{test}: needs root (network namespaces and raw capture), and RDPTRIAGE_REQUIRE_LIVE is set"
    );
    eprintln!(
        "{test}: SKIPPED — needs root (network namespaces and raw capture); \
         set RDPTRIAGE_REQUIRE_LIVE=1 to make this a failure"
    );
    false
}

/// Runs a command and asserts it succeeded.
pub fn run(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A veth pair, `ns_end` in namespace `ns` (10.254.77.2/30), `host_end` here
/// (10.254.77.1/30); both and the namespace are removed on drop.
pub struct VethLab {
    pub ns: String,
    pub host_end: String,
    pub ns_end: String,
}

impl VethLab {
    /// Names carry `tag` (≤ 5 characters: interface names are short) and the process id.
    pub fn new(tag: &str) -> VethLab {
        let pid = std::process::id();
        let lab = VethLab {
            ns: format!("rdpt-{tag}-{pid}"),
            host_end: format!("{tag}{pid}h"),
            ns_end: format!("{tag}{pid}n"),
        };
        run(&["ip", "netns", "add", &lab.ns]);
        run(&[
            "ip",
            "link",
            "add",
            &lab.host_end,
            "type",
            "veth",
            "peer",
            "name",
            &lab.ns_end,
            "netns",
            &lab.ns,
        ]);
        run(&["ip", "addr", "add", "10.254.77.1/30", "dev", &lab.host_end]);
        run(&["ip", "link", "set", &lab.host_end, "up"]);
        run(&[
            "ip",
            "-n",
            &lab.ns,
            "addr",
            "add",
            "10.254.77.2/30",
            "dev",
            &lab.ns_end,
        ]);
        run(&["ip", "-n", &lab.ns, "link", "set", &lab.ns_end, "up"]);
        lab
    }

    /// Replays `file` onto the namespace's end at top speed (`tcpreplay -t`).
    pub fn replay(&self, file: &str) {
        run(&[
            "ip",
            "netns",
            "exec",
            &self.ns,
            "tcpreplay",
            "-q",
            "-t",
            "-i",
            &self.ns_end,
            file,
        ]);
    }
}

impl Drop for VethLab {
    fn drop(&mut self) {
        // Deleting the namespace deletes its veth end and with it the host end; the explicit
        // link delete covers a namespace that was never made.
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_end])
            .output();
    }
}
