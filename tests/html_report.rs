//! `--format html`: the ladder's events against the frames tshark shows, escaping of captured
//! names, and the page rendered in headless Chromium (a PNG, and the DOM's arrows and
//! verdicts).

mod common;

use common::{project_dir, report_of};
use rdptriage::report::html::ladder::{Column, EventKind};
use rdptriage::report::html::{self, ladder};
use std::path::{Path, PathBuf};
use std::process::Command;

fn sample(name: &str) -> PathBuf {
    project_dir().join("samples").join(name)
}

fn events_of(name: &str) -> Vec<(u64, EventKind, Column, Column, bool)> {
    let report = report_of(&sample(name));
    let attempt = &report.diagnosis.attempts[0];
    ladder::ladder(&report, attempt)
        .events
        .iter()
        .map(|e| (e.frame, e.kind, e.from, e.to, e.failing))
        .collect()
}

/// Frames as tshark 4.0 shows them (`-o tls.keylog_file:… -d tcp.port==3389,tls`): 1 SYN,
/// 2 SYN/ACK, 4 "Cookie: mstshash=labuser, Negotiate Request", 6 "Negotiate Response",
/// 8 Client Hello, 9 Server Hello … Certificate, 15 ClientData, 16 ServerData, 38 ClientInfo,
/// 42 "Error Alert" (licensing), 44 Demand Active PDU, 58 FontMap, 232 RST from 10.0.2.2
/// with TTL 64 while the server's other packets carry 63.
#[test]
fn ladder_of_a_forged_reset_matches_tshark() {
    use Column::{Client as C, Middlebox as M, Server as S};
    use EventKind::*;
    assert_eq!(
        events_of("rdp-rst-mid-session.pcap"),
        vec![
            (1, Syn, C, S, false),
            (2, SynAck, S, C, false),
            (4, X224Request, C, S, false),
            (6, X224Confirm, S, C, false),
            (8, ClientHello, C, S, false),
            (9, ServerHello, S, C, false),
            (9, Certificate, S, C, false),
            (15, McsConnectInitial, C, S, false),
            (16, McsConnectResponse, S, C, false),
            (38, ClientInfo, C, S, false),
            (42, Licensing, S, C, false),
            (44, DemandActive, S, C, false),
            (58, Active, S, C, false),
            (232, Rst, M, C, true),
        ]
    );
}

/// tshark (with the key log): 12 NTLMSSP_NEGOTIATE, 17 NTLMSSP_CHALLENGE, 20 NTLMSSP_AUTH,
/// 21 Alert close_notify from the server, 23 FIN/ACK from the server, 25 Alert from the
/// client, 26 RST from the server; the retry starts at 27 with a SYN. The refused logon is
/// a whole try: the retry (a second NLA failure) is attempt-2, drawn in its own ladder.
#[test]
fn ladder_of_an_nla_failure_matches_tshark() {
    use Column::{Client as C, Server as S};
    use EventKind::*;
    let events = events_of("rdp-nla-wrong-password-shadow.pcap");
    assert_eq!(
        events,
        [
            (1, Syn, C, S, false),
            (2, SynAck, S, C, false),
            (4, X224Request, C, S, false),
            (6, X224Confirm, S, C, false),
            (8, ClientHello, C, S, false),
            (10, ServerHello, S, C, false),
            (10, Certificate, S, C, false),
            (12, CredsspNegotiate, C, S, false),
            (17, CredsspChallenge, S, C, false),
            (20, CredsspAuthenticate, C, S, false),
            (21, TlsAlert, S, C, true),
            (23, Fin, S, C, false),
            (25, TlsAlert, C, S, false),
            (26, Rst, S, C, false),
        ]
    );
    // Only the arrow its cause cites is marked.
    assert_eq!(events.iter().filter(|e| e.4).count(), 1);
}

#[test]
fn captured_names_are_escaped() {
    let mut report = report_of(&sample("rdp-rst-mid-session.pcap"));
    let evil = "<script>alert(1)</script>\"'&";
    let c = &mut report.connections[0];
    c.state.as_mut().unwrap().user = Some(evil.into());
    c.tls.as_mut().unwrap().certificates[0].subject = evil.into();
    c.rdp.as_mut().unwrap().cookie = Some(evil.into());
    report.findings[0].summary = evil.into();
    report.file.path = evil.into();
    let page = html::render(&[report]);
    assert!(!page.contains("<script"), "unescaped markup in the page");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
}

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output()
            && out.status.success()
        {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !path.is_empty() {
                return Some(PathBuf::from(path));
            }
        }
    }
    if std::env::var_os("RDPTRIAGE_REQUIRE_CORPUS").is_some() {
        panic!(
            "chromium is not installed but RDPTRIAGE_REQUIRE_CORPUS is set: apt-get install -y chromium"
        );
    }
    eprintln!("skipping the headless Chromium test: chromium is not installed");
    None
}

fn headless(browser: &Path, args: &[&str], url: &str) -> std::process::Output {
    let profile = tempdir("chromium-profile");
    // Bounded: a browser that hangs fails the test after two minutes (coreutils timeout).
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--window-size=1000,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    out
}

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdptriage-html-{}-{what}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The section of the dumped DOM that belongs to one attempt of one file.
fn attempt_section<'a>(dom: &'a str, file: &str, attempt: &str) -> &'a str {
    let start = dom
        .find(&format!(r#"data-file="{file}""#))
        .unwrap_or_else(|| panic!("{file} not in the DOM"));
    let rest = &dom[start..];
    let at = rest
        .find(&format!(r#"data-attempt="{attempt}""#))
        .unwrap_or_else(|| panic!("{attempt} of {file} not in the DOM"));
    let rest = &rest[at..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempdir("out");
    let names = [
        "rdp-nla-wrong-password-shadow.pcap",
        "rdp-nla-healthy-shadow.pcap",
        "rdp-rst-mid-session.pcap",
    ];
    let page = dir.join("report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_rdptriage"))
        .arg("analyze")
        .args(names.iter().map(|n| sample(n)))
        .args(["--format", "html", "--fail-on", "never", "-o"])
        .arg(&page)
        .status()
        .unwrap();
    assert!(status.success());
    let html_text = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no script, nothing fetched.
    for banned in ["<script", "http://", "https://", "src=", "<link"] {
        assert!(!html_text.contains(banned), "the page contains {banned}");
    }
    let url = format!("file://{}", page.display());
    let png = dir.join("report.png");
    let out = headless(
        &browser,
        &[&format!("--screenshot={}", png.display())],
        &url,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(bytes.len() > 20_000, "screenshot of {} bytes", bytes.len());

    let out = headless(&browser, &["--dump-dom"], &url);
    assert!(out.status.success());
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let mut arrows_total = 0;
    for name in names {
        let path = sample(name);
        let report = report_of(&path);
        let shown = path.display().to_string();
        for cause in &report.diagnosis.causes {
            assert!(
                dom.contains(&format!(r#"<span class="cause-id">{}</span>"#, cause.cause)),
                "{name}: verdict {} missing",
                cause.cause
            );
        }
        for attempt in &report.diagnosis.attempts {
            let section = attempt_section(&dom, &shown, &attempt.id);
            let want = ladder::ladder(&report, attempt).events.len();
            let arrows = section.matches(r#"<g class="arrow"#).count();
            assert_eq!(arrows, want, "{name} {}: arrows", attempt.id);
            assert!(want >= 10, "{name}: only {want} events");
            arrows_total += arrows;
            let failing = section.matches(r#"<g class="arrow failing""#).count();
            assert_eq!(failing > 0, attempt.failed, "{name}: failing arrow");
            let middlebox = section.contains(r#"data-from="middlebox""#);
            assert_eq!(middlebox, name == "rdp-rst-mid-session.pcap", "{name}");
        }
    }
    assert!(arrows_total >= 50, "{arrows_total} arrows");
    assert!(dom.contains("Verdict: <span class=\"cause-id\">nla_failure</span>"));
    assert!(dom.contains("Verdict: <span class=\"cause-id\">middlebox_reset</span>"));
    assert!(dom.contains("Verdict: <span class=\"cause-id\">no_failure_observed</span>"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// tshark (with the key log): frame 13 is the gateway's "HTTP/1.1 401 Unauthorized" from
/// 10.0.2.2:443; 35 and 46 are the client's records on the IN channel (source port 58984),
/// 37 and 47 the gateway's on the OUT channel. The gateway's CHANNEL_RESPONSE (47) is the
/// arrow the verdict points at.
#[test]
fn ladder_of_a_gateway_error_shows_the_http_and_rdg_legs() {
    use Column::{Client as C, Server as S};
    use EventKind::*;
    let events = events_of("rdg-target-unreachable-standin.pcap");
    let at = |frame: u64| {
        events
            .iter()
            .find(|e| e.0 == frame)
            .copied()
            .unwrap_or_else(|| panic!("no event at frame {frame}"))
    };
    assert_eq!(at(13), (13, HttpResponse, S, C, false));
    assert_eq!(at(35), (35, RdgRequest, C, S, false));
    assert_eq!(at(37), (37, RdgResponse, S, C, false));
    assert_eq!(at(46), (46, RdgRequest, C, S, false));
    assert_eq!(at(47), (47, RdgResponse, S, C, true));
    assert_eq!(events.iter().filter(|e| e.4).count(), 1);
}
