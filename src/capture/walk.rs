//! Which files a run reads: the paths given, with directories searched recursively (walkdir)
//! for captures. Owns the rules: names (`*.pcap`, `*.pcapng`, `*.cap`, `*.pcap.gz`,
//! `*.pcapng.gz`, and `*.etl` so that a Windows trace is named with its conversion), other
//! `*.gz` files kept when their content is a compressed capture; symbolic links to
//! directories followed only when asked, loops detected, every file read once; FIFOs,
//! devices and sockets skipped with a warning (opening a FIFO would hang); unreadable
//! entries warned about and skipped, the rest still read.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Capture names found in directories (compared in lower case).
pub const CAPTURE_SUFFIXES: [&str; 6] =
    [".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".etl"];

/// Directory entries deeper than this are not searched (a bound, not a limit anyone meets).
const MAX_DEPTH: usize = 64;

/// What searching the given paths found.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Files to analyse, in the order given, each directory's in name order.
    pub files: Vec<PathBuf>,
    /// Entries skipped on purpose (FIFOs, devices, links not followed, loops), one line each.
    pub warnings: Vec<String>,
    /// Entries that could not be read (a directory without permission …), one line each.
    pub unreadable: Vec<String>,
}

fn has_capture_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    CAPTURE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// A `*.gz` file whose decompressed content starts with a pcap or pcapng magic.
fn is_gzipped_capture(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !name.ends_with(".gz") {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut magic = [0u8; 4];
    let mut gz = flate2::read::GzDecoder::new(file.take(1 << 20));
    if gz.read_exact(&mut magic).is_err() {
        return false;
    }
    matches!(
        u32::from_le_bytes(magic),
        0x0A0D_0D0A
            | 0xA1B2_C3D4
            | 0xD4C3_B2A1
            | 0xA1B2_3C4D
            | 0x4D3C_B2A1
            | 0xA1B2_CD34
            | 0x34CD_B2A1
    )
}

/// What kind of special file `t` is, if it is one (FIFO, device, socket).
#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_block_device() || t.is_char_device() {
        Some("a device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> Option<&'static str> {
    None
}

/// Expands `paths`: files as given (`-` is standard input), directories searched. With
/// `follow`, symbolic links to directories are followed (loops detected and skipped).
pub fn expand(paths: &[PathBuf], follow: bool) -> Expanded {
    let mut out = Expanded::default();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for path in paths {
        if path.as_os_str() != "-" && path.is_dir() {
            walk(path, follow, &mut out, &mut seen);
        } else {
            // Named on the command line: read as given (a missing file is reported when it
            // is opened; a FIFO named explicitly is what the user asked for).
            out.files.push(path.clone());
        }
    }
    out
}

fn walk(dir: &Path, follow: bool, out: &mut Expanded, seen: &mut HashSet<PathBuf>) {
    let walker = WalkDir::new(dir)
        .follow_links(follow)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let at = err
                    .path()
                    .map_or_else(|| dir.display().to_string(), |p| p.display().to_string());
                if let Some(ancestor) = err.loop_ancestor() {
                    out.warnings.push(format!(
                        "{at}: skipped: a symbolic link back to {} (a loop)",
                        ancestor.display()
                    ));
                } else {
                    let reason = err
                        .io_error()
                        .map_or_else(|| err.to_string(), |e| e.to_string());
                    out.unreadable.push(format!("{at}: cannot read: {reason}"));
                }
                continue;
            }
        };
        let path = entry.path();
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        if file_type.is_symlink() {
            // Not followed (without --follow): a link to a file is still read, one to a
            // directory is named.
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {
                    out.warnings.push(format!(
                        "{}: skipped: a symbolic link to a directory (--follow follows it)",
                        path.display()
                    ));
                    continue;
                }
                Ok(meta) if meta.is_file() => {}
                Ok(meta) => {
                    if has_capture_name(path) {
                        let kind = special_kind(&meta.file_type()).unwrap_or("not a file");
                        out.warnings
                            .push(format!("{}: skipped: links to {kind}", path.display()));
                    }
                    continue;
                }
                Err(e) => {
                    if has_capture_name(path) {
                        out.unreadable
                            .push(format!("{}: cannot read: {e}", path.display()));
                    }
                    continue;
                }
            }
        } else if let Some(kind) = special_kind(&file_type) {
            out.warnings.push(format!(
                "{}: skipped: {kind}, not a capture file",
                path.display()
            ));
            continue;
        } else if !file_type.is_file() {
            continue;
        }
        if !(has_capture_name(path) || is_gzipped_capture(path)) {
            continue;
        }
        // Every file once, however many links lead to it.
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if seen.insert(key) {
            out.files.push(path.to_path_buf());
        }
    }
}
