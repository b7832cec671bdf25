//! The terminal report fits its width: at 80, 100 and 120 columns no line of any sample's
//! report (plain or `--verbose`, and the batch summary) is longer; one failure reads in one
//! 100-column screen, verdict first; colour by meaning, `NO_COLOR` and `CLICOLOR_FORCE`.

mod common;

use rdptriage::report::json::FileReport;
use rdptriage::report::screen::{self, Layout};
use std::path::PathBuf;
use std::process::Command;
use textwrap::core::display_width;

const WIDTHS: [usize; 3] = [80, 100, 120];
/// One screen: the verdict, its evidence and its remedy of a one-failure capture in this many
/// lines at 100 columns (a 100 × 30 terminal).
const SCREEN_LINES: usize = 30;

fn samples() -> Vec<(PathBuf, FileReport)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(common::project_dir().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        })
        .collect();
    paths.sort();
    assert!(paths.len() >= 50);
    paths
        .into_iter()
        .map(|p| {
            let r = common::report_of(&p);
            (p, r)
        })
        .collect()
}

fn too_long(text: &str, width: usize) -> Vec<String> {
    text.lines()
        .filter(|l| display_width(l) > width)
        .map(|l| format!("{} > {width}: {l}", display_width(l)))
        .collect()
}

#[test]
fn no_line_is_longer_than_the_width() {
    let (paths, reports): (Vec<PathBuf>, Vec<FileReport>) = samples().into_iter().unzip();
    let mut problems = Vec::new();
    for width in WIDTHS {
        for verbose in [false, true] {
            let layout = Layout {
                width,
                verbose,
                ..Layout::default()
            };
            for (path, report) in paths.iter().zip(&reports) {
                for line in too_long(&screen::render(report, &layout), width) {
                    problems.push(format!("{} (verbose {verbose}): {line}", path.display()));
                }
            }
            for line in too_long(&screen::summary(&reports, &layout), width) {
                problems.push(format!("summary: {line}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn one_failure_reads_in_one_screen_verdict_first() {
    let layout = Layout {
        width: 100,
        ..Layout::default()
    };
    let mut checked = 0;
    for (path, report) in samples() {
        let failed = report
            .diagnosis
            .attempts
            .iter()
            .filter(|a| a.failed)
            .count();
        if failed != 1 {
            continue;
        }
        checked += 1;
        let text = strip_ansi(&screen::render(&report, &layout));
        let lines: Vec<&str> = text.lines().collect();
        let name = path.display();
        assert!(lines[0].starts_with("== "), "{name}");
        assert!(
            lines[1].starts_with("VERDICT attempt-"),
            "{name}: {}",
            lines[1]
        );
        // The verdict's block ends before the capture's facts; it holds the evidence with
        // frames (or the cause's frames) and the remedy.
        let end = lines
            .iter()
            .position(|l| l.starts_with("Capture:") || l.starts_with("Other findings:"))
            .unwrap();
        let block = lines[1..end].join("\n");
        assert!(
            block.contains("Remedy:"),
            "{name}: no remedy in the verdict block"
        );
        assert!(
            block.contains("frame"),
            "{name}: no frame in the verdict block"
        );
        assert!(
            end <= SCREEN_LINES,
            "{name}: the verdict takes {end} lines at 100 columns"
        );
    }
    assert!(checked >= 30, "{checked} one-failure samples");
}

#[test]
fn width_from_terminal_then_columns_then_100() {
    assert_eq!(Layout::width_from(Some(132), Some("80")), 132);
    assert_eq!(Layout::width_from(None, Some("80")), 80);
    assert_eq!(Layout::width_from(None, Some("junk")), 100);
    assert_eq!(Layout::width_from(None, None), 100);
    assert_eq!(Layout::width_from(None, Some("10")), screen::MIN_WIDTH);
}

fn run(env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdptriage"));
    cmd.current_dir(common::project_dir())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.arg("analyze").args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn columns_sets_the_width_of_the_command_line_report() {
    for width in WIDTHS {
        let w = width.to_string();
        let text = run(
            &[("COLUMNS", &w)],
            &[
                "-v",
                "samples/rdg-target-unreachable-standin.pcap",
                "samples/",
            ],
        );
        assert!(text.lines().count() > 100);
        let long = too_long(&text, width);
        assert!(long.is_empty(), "{}", long.join("\n"));
    }
    // Without a terminal or COLUMNS: 100.
    let text = run(&[], &["samples/rdg-target-unreachable-standin.pcap"]);
    assert!(text.lines().any(|l| display_width(l) > 90));
    assert!(too_long(&text, 100).is_empty());
}

#[test]
fn colour_by_meaning_and_the_environment() {
    let failed = "samples/rdp-port-closed.pcap";
    let healthy = "samples/rdp-tls-healthy-xrdp.pcap";
    let red = "\x1b[1m\x1b[31mVERDICT attempt-1:";
    let green = "\x1b[1m\x1b[32mVERDICT:";
    let coloured = run(&[], &["--color", "always", failed]);
    assert!(coloured.contains(red), "{coloured}");
    assert!(coloured.contains("\x1b[1m\x1b[31m[error]"), "{coloured}");
    let coloured = run(&[], &["--color", "always", healthy]);
    assert!(coloured.contains(green), "{coloured}");
    // Not a terminal: none by default; CLICOLOR_FORCE forces it, NO_COLOR wins.
    assert!(!run(&[], &[failed]).contains('\x1b'));
    assert!(run(&[("CLICOLOR_FORCE", "1")], &[failed]).contains(red));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[failed]).contains('\x1b'));
    // --color never beats CLICOLOR_FORCE; colour changes nothing else.
    let plain = run(&[("CLICOLOR_FORCE", "1")], &["--color", "never", failed]);
    assert!(!plain.contains('\x1b'));
    let stripped = strip_ansi(&run(&[], &["--color", "always", failed]));
    assert_eq!(stripped, plain);
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
