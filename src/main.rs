//! Command line of rdptriage.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use rdptriage::analyze::AnalyzeOptions;
use rdptriage::detect::Severity;
use rdptriage::proto::decrypt::{self, KeyStore, RsaKeys};
use rdptriage::report::{ci, html, json, redact, screen};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit codes, distinct and documented (README "Exit codes", `rdptriage analyze --help`).
mod exit {
    /// No finding at or above `--fail-on`.
    pub const CLEAN: u8 = 0;
    /// Findings at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// An input (capture, key log, RSA key) could not be read; the others were analysed.
    pub const UNREADABLE_INPUT: u8 = 2;
    /// The report could not be written, or the run could not start.
    pub const FAILURE: u8 = 3;
    /// The command line is wrong (unknown option, missing value): sysexits' EX_USAGE.
    pub const USAGE: u8 = 64;
}

const EXIT_CODES_HELP: &str = "\
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 an input (capture,
key log, RSA key) could not be read (the other inputs are still analysed and reported); 3 the
report could not be written; 64 a usage error (unknown option, missing argument). A closed
output pipe (rdptriage ... | head) ends the run quietly with 0.";

/// Explains why Remote Desktop connections failed, from packet captures.
#[derive(Parser)]
#[command(name = "rdptriage", version, about, long_about = None, after_help = EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse capture files, directories of captures, or standard input.
    #[command(after_help = "\
Examples:
  rdptriage analyze failed-logon.pcapng
  rdptriage analyze -r failed-logon.pcapng
  rdptriage analyze captures/ --format json -o triage.jsonl
  rdptriage analyze win2012.pcap --rsa-key server-key.pem
  tcpdump -U -w - port 3389 | rdptriage analyze

Directories are searched recursively for *.pcap, *.pcapng, *.cap, *.pcap.gz, *.pcapng.gz,
*.etl, and *.gz files holding a capture; symbolic links to directories are followed only with
--follow; FIFOs, devices and unreadable entries are skipped with a message. With no path and standard input not a terminal, standard input is read.
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 an input (capture,
key log, RSA key) could not be read (the other inputs are still analysed and reported); 3 the
report could not be written; 64 a usage error. A closed output pipe ends the run quietly
with 0.")]
    Analyze(AnalyzeArgs),
    /// Capture on an interface and print each attempt's verdict as it closes (needs the
    /// `live` build feature and libpcap; root or the capabilities cap_net_raw,cap_net_admin).
    #[command(after_help = "\
Examples:
  rdptriage live --list-interfaces
  rdptriage live -i eth0
  rdptriage live -i eth0 --keylog /tmp/sslkeys.log -w evidence/ --duration 3600
  rdptriage live -i eth0 --format json | jq 'select(.event == \"attempt\")'

Without root: sudo setcap cap_net_raw,cap_net_admin+eip $(command -v rdptriage)
An attempt is printed once it is over: its last connection ended (RST or both FINs and 5 s,
or silence) and no new connection between the same hosts began within --attempt-window.
SIGINT (Ctrl-C) or SIGTERM judge every open attempt, print the summary and exit 0, or 1 when
a finding at or above --fail-on was seen.")]
    Live(LiveArgs),
    /// What a finding id or cause id means, its typical causes, the remedy and an example
    /// (without an id: the list of ids).
    Explain {
        /// A finding id (`tls.cert_expired`) or cause id (`certificate_expired`).
        id: Option<String>,
    },
    /// Prints a shell completion script (e.g. `rdptriage completions bash >
    /// /etc/bash_completion.d/rdptriage`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Prints the man page (roff): `rdptriage man > rdptriage.1; man ./rdptriage.1`; with
    /// `--dir DIR`, writes rdptriage.1 and one page per subcommand (rdptriage-analyze.1, …)
    /// there instead.
    Man {
        /// Directory to write the pages to.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Capture files, directories, or `-` for standard input (the default when no path is
    /// given and standard input is not a terminal).
    paths: Vec<PathBuf>,
    /// A capture file to read, as tcpdump and tshark spell it; may be repeated.
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    read: Vec<PathBuf>,
    /// Output format. JSON is always one document per line (JSON Lines), one per input.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Indent JSON and SARIF for people (no longer one document per line).
    #[arg(long)]
    pretty: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest finding severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Files analysed in parallel (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Colour the table by meaning (auto: when standard output is a terminal, unless
    /// NO_COLOR is set; CLICOLOR_FORCE forces it).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Table: add the connection table, what each finding means and informational findings.
    #[arg(short, long)]
    verbose: bool,
    /// Table: show the verdict, evidence and remedy of this attempt only (e.g. attempt-12);
    /// a file with more than three attempts otherwise shows their groups and one example
    /// per group.
    #[arg(long, value_name = "ID")]
    attempt: Option<String>,
    /// TLS key log (NSS SSLKEYLOGFILE format) for every input; may be repeated. A key log
    /// beside a capture (x.keys, x.keylog, x.sslkeylog for x.pcap) and pcapng Decryption
    /// Secrets Blocks are used too.
    #[arg(long, value_name = "FILE")]
    keylog: Vec<PathBuf>,
    /// Follow symbolic links to directories while searching directories (loops are
    /// detected and skipped; every file is read once).
    #[arg(long)]
    follow: bool,
    /// Do not read key logs (nor RSA keys, x.rsa.pem) kept beside the captures.
    #[arg(long)]
    no_keylog_beside: bool,
    /// The RDP server's RSA private key (PEM, PKCS #1 or PKCS #8, unencrypted); may be
    /// repeated. Opens TLS sessions with RSA key exchange (TLS_RSA_WITH_*) whose server
    /// certificate has its public key, like Wireshark's RSA keys list. Sessions with
    /// (EC)DHE key exchange or TLS 1.3 need a key log instead. A key kept beside a capture
    /// (x.rsa.pem for x.pcap) is used too.
    #[arg(long, value_name = "FILE")]
    rsa_key: Vec<PathBuf>,
    /// Replace user, domain, host and certificate names, SNI, cookies and IP addresses by
    /// pseudonyms (keyed hashes) in every format; verdicts and frame numbers are kept.
    #[arg(long)]
    redact: bool,
    /// Key for --redact's pseudonyms, so they are the same in every run (implies --redact;
    /// default: a random key per run).
    #[arg(long, value_name = "KEY")]
    redact_key: Option<String>,
    /// Standard input: read it to its end and print one report, instead of printing each
    /// attempt as it closes (the default for table and JSON output; --redact, --attempt
    /// and the other formats always read to the end).
    #[arg(long)]
    no_stream: bool,
}

#[derive(clap::Args)]
struct LiveArgs {
    /// Interface to capture on (see --list-interfaces).
    #[arg(
        short,
        long,
        value_name = "IFACE",
        required_unless_present = "list_interfaces"
    )]
    interface: Option<String>,
    /// List the interfaces libpcap can capture on, and exit.
    #[arg(long)]
    list_interfaces: bool,
    /// BPF capture filter (default: what rdptriage reads — TCP/UDP 3389, TCP 443, UDP 53,
    /// TCP/UDP 88, ICMP errors, IP fragments, also inside a VLAN tag).
    #[arg(short = 'f', long, value_name = "BPF")]
    filter: Option<String>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Stop after this many frames.
    #[arg(short = 'c', long, value_name = "N")]
    count: Option<u64>,
    /// TLS key log (SSLKEYLOGFILE) re-read as it grows during the capture.
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Save each failed attempt's frames in DIR as a pcapng (with its TLS secrets in a
    /// Decryption Secrets Block when the key log has them).
    #[arg(short = 'w', long = "write-evidence", value_name = "DIR")]
    write_evidence: Option<PathBuf>,
    /// Output: one verdict per attempt (table) or one JSON Lines event per attempt (json).
    #[arg(long, value_enum, default_value_t = LiveFormat::Table)]
    format: LiveFormat,
    /// Lowest finding severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Report packets, kernel drops and memory every S seconds (table: on standard error;
    /// json: a `stats` event); 0 turns it off.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    stats: f64,
    /// Silence after an attempt's last connection before it is judged (seconds).
    #[arg(long, value_name = "S", default_value_t = rdptriage::diagnose::attempts::ATTEMPT_GAP_SECS)]
    attempt_window: f64,
    /// Put the interface in promiscuous mode.
    #[arg(long)]
    promiscuous: bool,
    /// Colour the table (auto: when standard output is a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Table: list every finding of each attempt.
    #[arg(short, long)]
    verbose: bool,
}

impl AnalyzeArgs {
    /// The table settings of `live` in the shape `table_setup` reads.
    #[cfg(feature = "live")]
    fn for_live(live: &LiveArgs) -> AnalyzeArgs {
        AnalyzeArgs {
            paths: Vec::new(),
            read: Vec::new(),
            format: OutputFormat::Table,
            pretty: false,
            output: None,
            fail_on: live.fail_on,
            jobs: None,
            color: live.color,
            verbose: live.verbose,
            attempt: None,
            keylog: Vec::new(),
            follow: false,
            no_keylog_beside: true,
            rsa_key: Vec::new(),
            redact: false,
            redact_key: None,
            no_stream: false,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LiveFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Table,
    Json,
    Sarif,
    Junit,
    Markdown,
    /// One self-contained HTML page with a ladder diagram per attempt.
    Html,
}

/// A run that ends early, with its exit code.
struct Fatal {
    code: u8,
    error: anyhow::Error,
}

impl Fatal {
    fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Fatal {
            code,
            error: error.into(),
        }
    }
}

/// Did writing fail because the reader went away (`| head`)?
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// The inputs named on the command line: the paths, `-r` files, else standard input when it
/// is not a terminal.
fn inputs(args: &AnalyzeArgs) -> Result<Vec<PathBuf>, Fatal> {
    let mut paths = args.paths.clone();
    paths.extend(args.read.iter().cloned());
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(Fatal::new(
                exit::USAGE,
                anyhow::anyhow!(
                    "no capture given: name a file or directory, use -r FILE, or pipe a capture \
                     into standard input (rdptriage analyze --help)"
                ),
            ));
        }
        paths.push(PathBuf::from("-"));
    }
    Ok(paths)
}

fn run(args: AnalyzeArgs) -> Result<u8, Fatal> {
    let paths = inputs(&args)?;
    let found = rdptriage::capture::walk::expand(&paths, args.follow);
    for w in &found.warnings {
        eprintln!("rdptriage: warning: {w}");
    }
    for u in &found.unreadable {
        eprintln!("rdptriage: error: {u}");
    }
    let files = found.files;
    let mut shared_keys = KeyStore::default();
    for path in &args.keylog {
        let valid = decrypt::read_key_log(path, &mut shared_keys)
            .map_err(|e| Fatal::new(exit::UNREADABLE_INPUT, e))?;
        if valid == 0 {
            eprintln!("rdptriage: warning: {}", decrypt::no_key_lines(path));
        }
    }
    let mut rsa_keys = RsaKeys::default();
    for path in &args.rsa_key {
        rsa_keys
            .read_file(path)
            .map_err(|e| Fatal::new(exit::UNREADABLE_INPUT, e))?;
    }
    let options = AnalyzeOptions {
        rsa_keys: (!rsa_keys.is_empty()).then(|| std::sync::Arc::new(rsa_keys)),
        key_log: (!args.keylog.is_empty()).then(|| std::sync::Arc::new(shared_keys)),
        key_log_files: args
            .keylog
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        sibling_key_logs: !args.no_keylog_beside,
    };
    if files.is_empty() {
        return Err(Fatal::new(
            exit::UNREADABLE_INPUT,
            anyhow::anyhow!("no capture files found in the given paths"),
        ));
    }
    // Standard input alone, read as it goes: attempts are printed as they close.
    let streamable = matches!(args.format, OutputFormat::Table | OutputFormat::Json)
        && !args.no_stream
        && !(args.redact || args.redact_key.is_some())
        && args.attempt.is_none();
    if streamable && found.unreadable.is_empty() && files.len() == 1 && files[0].as_os_str() == "-"
    {
        return run_stream(&args, &options);
    }
    // An entry of a directory that could not be read is an input not read (exit 2); the
    // others are still analysed.
    let mut unreadable = !found.unreadable.is_empty();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| Fatal::new(exit::FAILURE, e))?;
    // A progress bar on standard error, only for people watching a batch.
    let progress = if files.len() > 1 && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} captures {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Table and JSON are printed file by file as each is done, in input order; the other
    // formats (and --redact, whose pseudonyms are learned from every report) at the end.
    let in_order = matches!(args.format, OutputFormat::Table | OutputFormat::Json)
        && !(args.redact || args.redact_key.is_some());
    let mut writer = if in_order {
        Some(InOrderWriter::new(&args).map_err(|e| Fatal::new(exit::FAILURE, e))?)
    } else {
        None
    };
    // Compact JSON, or the table without its connection list, written file by file: each
    // document's TCP connection entries are rendered into a temporary file as they are
    // judged, not held until the file ends.
    let engine = rdptriage::engine::stream::StreamOptions {
        spill_connections: in_order
            && match args.format {
                OutputFormat::Json => !args.pretty,
                OutputFormat::Table => !args.verbose,
                _ => false,
            },
        ..Default::default()
    };
    let mut reports: Vec<json::FileReport> = Vec::with_capacity(files.len());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let (files, options, progress, pool, engine) = (&files, &options, &progress, &pool, engine);
        scope.spawn(move || {
            pool.install(|| {
                files
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, path)| {
                        let report =
                            rdptriage::engine::document::report_path_with(path, options, engine);
                        progress.inc(1);
                        let _ = tx.send((i, report));
                    })
            })
        });
        let mut pending = std::collections::BTreeMap::new();
        for (i, result) in rx {
            pending.insert(i, result);
            while let Some(result) = pending.remove(&reports.len()) {
                let report = match result {
                    Ok(report) => {
                        for w in &report.file.warnings {
                            if matches!(w.kind, "truncated" | "corrupt" | "io") {
                                eprintln!("rdptriage: warning: {}", w.message);
                            }
                        }
                        for p in &report.file.decryption.problems {
                            eprintln!("rdptriage: warning: {p}");
                        }
                        report
                    }
                    Err(err) => {
                        unreadable = true;
                        eprintln!("rdptriage: error: {err}");
                        json::error_report(&err)
                    }
                };
                let mut report = report;
                if let Some(w) = writer.as_mut() {
                    progress.suspend(|| w.write(&report));
                }
                // Written: its temporary file goes (a batch keeps only what its summary needs).
                report.spilled = None;
                reports.push(report);
            }
        }
    });
    progress.finish_and_clear();
    let written = match writer {
        Some(mut w) => w.finish(&reports),
        None => write_report(&args, &mut reports),
    };
    match written {
        Ok(()) => {}
        // The reader has all it wanted (`| head`): not an error.
        Err(e) if is_broken_pipe(&e) => return Ok(exit::CLEAN),
        Err(e) => return Err(Fatal::new(exit::FAILURE, e)),
    }
    let worst = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.severity))
        .max();
    // Written, and the process ends after this: freeing the reports piece by piece would
    // only cost time (a document of 100 000 connections takes about a second to free).
    std::mem::forget(reports);
    Ok(if unreadable {
        exit::UNREADABLE_INPUT
    } else {
        exit_code_for(args.fail_on, worst)
    })
}

/// Table or JSON Lines written one file's report at a time, as each is ready.
struct InOrderWriter {
    stream: anstream::AutoStream<Box<dyn Write>>,
    layout: screen::Layout,
    json: bool,
    pretty: bool,
    /// The first write error; nothing more is written after it.
    broken: Option<anyhow::Error>,
}

impl InOrderWriter {
    fn new(args: &AnalyzeArgs) -> Result<Self> {
        let (layout, choice) = table_setup(args);
        Ok(InOrderWriter {
            stream: anstream::AutoStream::new(open_sink(args)?, choice),
            layout,
            json: matches!(args.format, OutputFormat::Json),
            pretty: args.pretty,
            broken: None,
        })
    }

    fn write(&mut self, report: &json::FileReport) {
        if self.broken.is_some() {
            return;
        }
        let written = (|| -> Result<()> {
            if self.json {
                json::write_document(report, &mut self.stream, self.pretty)?;
                writeln!(self.stream)?;
            } else {
                write!(self.stream, "{}", screen::render(report, &self.layout))?;
            }
            self.stream.flush()?;
            Ok(())
        })();
        if let Err(e) = written {
            self.broken = Some(e);
        }
    }

    /// The batch summary (table, several files), and the first error if any.
    fn finish(&mut self, reports: &[json::FileReport]) -> Result<()> {
        if let Some(e) = self.broken.take() {
            return Err(e);
        }
        if !self.json && reports.len() > 1 {
            write!(self.stream, "{}", screen::summary(reports, &self.layout))?;
        }
        self.stream.flush()?;
        Ok(())
    }
}

/// The table's layout and colour choice for this run.
fn table_setup(args: &AnalyzeArgs) -> (screen::Layout, anstream::ColorChoice) {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let terminal_width = to_terminal
        .then(|| terminal_size::terminal_size_of(std::io::stdout()))
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    let layout = screen::Layout {
        width: screen::Layout::width_from(terminal_width, std::env::var("COLUMNS").ok().as_deref()),
        verbose: args.verbose,
        attempt: args.attempt.clone(),
    };
    let choice = match args.color {
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
        // NO_COLOR, CLICOLOR_FORCE, CLICOLOR and TERM as anstream reads them.
        Color::Auto if to_terminal => anstream::AutoStream::choice(&std::io::stdout()),
        Color::Auto => {
            let forced =
                std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
            let banned = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if forced && !banned {
                anstream::ColorChoice::Always
            } else {
                anstream::ColorChoice::Never
            }
        }
    };
    // Only the table has colours. The other formats hold no escape codes and are written
    // as they are: stripping them byte by byte took a third of a large JSON run.
    let choice = match args.format {
        OutputFormat::Table => choice,
        _ => anstream::ColorChoice::AlwaysAnsi,
    };
    (layout, choice)
}

/// Standard output, or `-o FILE`.
fn open_sink(args: &AnalyzeArgs) -> Result<Box<dyn Write>> {
    Ok(match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// SIGINT and SIGTERM set the returned flag instead of ending the process, so a run can
/// close its open attempts and print what it has.
fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, stop.clone()) {
            eprintln!("rdptriage: warning: cannot catch signal {signal}: {e}");
        }
    }
    stop
}

/// A reader that ends (reads 0 bytes) once `stop` is set.
struct StopReader<R> {
    inner: R,
    stop: Arc<AtomicBool>,
}

impl<R: std::io::Read> std::io::Read for StopReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// Standard input as it goes: each attempt printed (table) or written as a JSON Lines
/// event once it closes, then a closing summary; SIGINT / SIGTERM end the input there and
/// close every open attempt.
fn run_stream(args: &AnalyzeArgs, options: &AnalyzeOptions) -> Result<u8, Fatal> {
    let stop = stop_on_signals();
    let path = std::path::Path::new("-");
    let source = rdptriage::capture::open_source(path)
        .map_err(|e| Fatal::new(exit::UNREADABLE_INPUT, anyhow::anyhow!("-: {e}")))?;
    let (keys, decryption) = rdptriage::analyze::keys_for(path, options);
    for p in &decryption.problems {
        eprintln!("rdptriage: warning: {p}");
    }
    let reader = StopReader {
        inner: source.reader,
        stop: stop.clone(),
    };
    let sink = open_sink(args).map_err(|e| Fatal::new(exit::FAILURE, e))?;
    let (layout, choice) = table_setup(args);
    let mut out = Output {
        json: matches!(args.format, OutputFormat::Json),
        pretty: args.pretty,
        stream: anstream::AutoStream::new(sink, choice),
        layout,
        totals: Default::default(),
        broken: None,
    };
    let result = rdptriage::engine::stream::stream_reader(
        "-".to_string(),
        reader,
        Default::default(),
        keys,
        |event| {
            out.event(&event);
            if out.broken.is_some() {
                stop.store(true, Ordering::Relaxed);
            }
        },
    );
    let end = match result {
        Ok(end) => end,
        Err(err) => {
            eprintln!("rdptriage: error: {err}");
            return Ok(exit::UNREADABLE_INPUT);
        }
    };
    let reason = if stop.load(Ordering::Relaxed) && out.broken.is_none() {
        "signal"
    } else {
        "end_of_input"
    };
    let mut warnings = Vec::new();
    if let Some(e) = &end.capture.stopped {
        eprintln!("rdptriage: warning: -: {e}");
        warnings.push(e.to_string());
    }
    out.finish(
        EndFacts {
            input: "-".into(),
            reason,
            frames: end.capture.frames,
            stats: end.stats,
            flow: end.flow,
            warnings,
            capture_stats: None,
        },
        args.fail_on,
    )
}

#[cfg(not(feature = "live"))]
fn run_live(_args: LiveArgs) -> Result<u8, Fatal> {
    Err(Fatal::new(
        exit::FAILURE,
        anyhow::anyhow!(
            "this rdptriage was built without live capture: install libpcap-dev and build \
             with `cargo install --path . --features live`"
        ),
    ))
}

/// `rdptriage live`: verdicts while capturing.
#[cfg(feature = "live")]
fn run_live(args: LiveArgs) -> Result<u8, Fatal> {
    use rdptriage::capture::live::{self, LiveOptions};
    use rdptriage::engine::live::{LiveConfig, LiveReport};
    if args.list_interfaces {
        let interfaces = live::list_interfaces()
            .map_err(|e| Fatal::new(exit::FAILURE, anyhow::Error::from(e)))?;
        let mut text = String::new();
        for i in interfaces {
            let addresses: Vec<String> = i.addresses.iter().map(|a| a.to_string()).collect();
            let mut flags = Vec::new();
            if i.up {
                flags.push("up");
            }
            if i.running {
                flags.push("running");
            }
            if i.loopback {
                flags.push("loopback");
            }
            text.push_str(&format!(
                "{}\t{}\t{}{}\n",
                i.name,
                flags.join(","),
                addresses.join(" "),
                i.description.map(|d| format!("\t{d}")).unwrap_or_default()
            ));
        }
        return Ok(print_out(&text));
    }
    let Some(interface) = args.interface.clone() else {
        return Err(Fatal::new(
            exit::USAGE,
            anyhow::anyhow!("name an interface with -i"),
        ));
    };
    let interface_name = interface.clone();
    let mut capture = LiveOptions::new(interface.clone());
    if let Some(f) = &args.filter {
        capture.filter = f.clone();
    }
    capture.promiscuous = args.promiscuous;
    let mut config = LiveConfig::new(capture);
    config.duration = args.duration.map(std::time::Duration::from_secs_f64);
    config.count = args.count;
    config.keylog = args.keylog.clone();
    config.save_dir = args.write_evidence.clone();
    config.stats_every = (args.stats > 0.0).then(|| std::time::Duration::from_secs_f64(args.stats));
    config.stream.attempt_window_ns = (args.attempt_window.max(0.0) * 1e9) as i64;
    let stop = stop_on_signals();
    let analyze_like = AnalyzeArgs::for_live(&args);
    let (layout, choice) = table_setup(&analyze_like);
    let choice = match args.format {
        LiveFormat::Json => anstream::ColorChoice::AlwaysAnsi,
        _ => choice,
    };
    let mut out = Output {
        json: args.format == LiveFormat::Json,
        pretty: false,
        stream: anstream::AutoStream::new(Box::new(std::io::stdout()), choice),
        layout,
        totals: Default::default(),
        broken: None,
    };
    let result = rdptriage::engine::live::run(&config, &stop, |report| match report {
        LiveReport::Started { link_type, filter } => eprintln!(
            "rdptriage: capturing on {interface_name} (link type {link_type}), filter: {filter}"
        ),
        LiveReport::Attempt(event, saved) => {
            out.attempt_with_evidence(event, saved);
            if out.broken.is_some() {
                stop.store(true, Ordering::Relaxed);
            }
        }
        LiveReport::Progress(p) => {
            if out.json {
                if let Err(e) = out.write_json(p) {
                    out.broken.get_or_insert(e);
                }
            } else {
                eprintln!(
                    "rdptriage: {} frames, {} received and {} dropped by the kernel, {} by the \
                     interface; {} attempts ({} failed){}",
                    p.frames,
                    p.capture.received,
                    p.capture.dropped,
                    p.capture.interface_dropped,
                    p.attempts,
                    p.failed,
                    p.rss_bytes
                        .map(|b| format!("; {} MiB resident", b >> 20))
                        .unwrap_or_default()
                );
            }
        }
    });
    let end = result.map_err(|e| Fatal::new(exit::FAILURE, anyhow::Error::from(e)))?;
    out.finish(
        EndFacts {
            input: interface,
            reason: end.reason,
            frames: end.frames,
            stats: end.stats,
            flow: end.flow,
            warnings: Vec::new(),
            capture_stats: serde_json::to_value(end.capture).ok(),
        },
        args.fail_on,
    )
}

/// Exit code for the worst finding severity seen.
fn exit_code_for(fail_on: FailOn, worst: Option<Severity>) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    match (threshold, worst) {
        (Some(t), Some(w)) if w >= t => exit::FINDINGS,
        _ => exit::CLEAN,
    }
}

/// What a streamed run's end event says besides the totals.
struct EndFacts {
    input: String,
    reason: &'static str,
    frames: u64,
    stats: rdptriage::engine::stream::StreamStats,
    flow: rdptriage::flow::FlowStats,
    warnings: Vec<String>,
    capture_stats: Option<serde_json::Value>,
}

/// Where a streamed run writes: verdict lines or JSON Lines events, flushed one by one.
struct Output {
    json: bool,
    pretty: bool,
    stream: anstream::AutoStream<Box<dyn Write>>,
    layout: screen::Layout,
    totals: rdptriage::report::stream::Totals,
    /// The first write error; nothing more is written after it.
    broken: Option<std::io::Error>,
}

impl Output {
    fn write_json(&mut self, value: &impl serde::Serialize) -> std::io::Result<()> {
        let text = if self.pretty {
            serde_json::to_string_pretty(value)?
        } else {
            serde_json::to_string(value)?
        };
        writeln!(self.stream, "{text}")?;
        self.stream.flush()
    }

    fn event(&mut self, event: &rdptriage::diagnose::event::AttemptEvent) {
        self.totals.add(event);
        if self.broken.is_some() {
            return;
        }
        let written = if self.json {
            self.write_json(event)
        } else {
            let text = rdptriage::report::stream::attempt_lines(event, &self.layout);
            write!(self.stream, "{text}").and_then(|()| self.stream.flush())
        };
        if let Err(e) = written {
            self.broken = Some(e);
        }
    }

    /// A live attempt, with where its evidence was saved.
    #[cfg(feature = "live")]
    fn attempt_with_evidence(
        &mut self,
        event: &rdptriage::diagnose::event::AttemptEvent,
        saved: Option<&Result<rdptriage::engine::evidence::SavedEvidence, String>>,
    ) {
        if !self.json || saved.is_none() {
            self.event(event);
        } else {
            self.totals.add(event);
            if self.broken.is_none() {
                let mut value = serde_json::to_value(event).unwrap_or_default();
                if let Some(map) = value.as_object_mut() {
                    map.insert(
                        "evidence".into(),
                        match saved {
                            Some(Ok(s)) => serde_json::to_value(s).unwrap_or_default(),
                            Some(Err(e)) => serde_json::json!({ "error": e }),
                            None => serde_json::Value::Null,
                        },
                    );
                }
                if let Err(e) = self.write_json(&value) {
                    self.broken = Some(e);
                }
            }
        }
        if !self.json && self.broken.is_none() {
            let line = match saved {
                Some(Ok(s)) => Some(format!(
                    "    evidence saved: {} ({} frames{}{})\n",
                    s.path.display(),
                    s.frames,
                    if s.secrets_lines > 0 {
                        ", with TLS secrets"
                    } else {
                        ""
                    },
                    if s.frames_missing {
                        "; earlier frames no longer held"
                    } else {
                        ""
                    }
                )),
                Some(Err(e)) => Some(format!("    {e}\n")),
                None => None,
            };
            if let Some(line) = line
                && let Err(e) = write!(self.stream, "{line}").and_then(|()| self.stream.flush())
            {
                self.broken = Some(e);
            }
        }
    }

    /// The end event (or line) from the run's totals, then the exit code: a closed pipe is a
    /// quiet success, another write error a failure, else by `fail_on`.
    fn finish(mut self, facts: EndFacts, fail_on: FailOn) -> Result<u8, Fatal> {
        let flow = &facts.flow;
        self.end(rdptriage::engine::stream::EndEvent {
            schema: rdptriage::diagnose::event::EVENT_SCHEMA,
            event: "end",
            input: facts.input,
            reason: facts.reason,
            attempts: self.totals.attempts,
            failed: self.totals.failed,
            causes: self.totals.causes.clone(),
            frames: facts.frames,
            stats: facts.stats,
            conversations_untracked: flow.conversations_untracked,
            packets_untracked: flow.packets_untracked,
            packets_after_close: flow.packets_after_close,
            warnings: facts.warnings,
            capture_stats: facts.capture_stats,
        });
        match self.broken.take() {
            None => Ok(exit_code_for(fail_on, self.totals.worst)),
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::CLEAN),
            Some(e) => Err(Fatal::new(exit::FAILURE, anyhow::Error::from(e))),
        }
    }

    fn end(&mut self, end: rdptriage::engine::stream::EndEvent) {
        if self.broken.is_some() {
            return;
        }
        let written = if self.json {
            self.write_json(&end)
        } else {
            let mut extra = format!("{} frames", end.frames);
            if end.stats.probe_connections > 0 {
                extra.push_str(&format!(
                    ", {} probe connection(s)",
                    end.stats.probe_connections
                ));
            }
            if end.conversations_untracked > 0 {
                extra.push_str(&format!(
                    ", {} conversation(s) not tracked (table full)",
                    end.conversations_untracked
                ));
            }
            if end.reason == "signal" {
                extra.push_str(", stopped by a signal");
            }
            let text = rdptriage::report::stream::end_lines(
                &end.input,
                &self.totals,
                &extra,
                &self.layout,
            );
            write!(self.stream, "{text}").and_then(|()| self.stream.flush())
        };
        if let Err(e) = written {
            self.broken = Some(e);
        }
    }
}

/// Writes the reports in the chosen format to `-o FILE` or standard output.
fn write_report(args: &AnalyzeArgs, reports: &mut [json::FileReport]) -> Result<()> {
    let mut sink = open_sink(args)?;
    if args.redact || args.redact_key.is_some() {
        let mut redactor = redact::Redactor::new(args.redact_key.as_deref().map(str::as_bytes));
        reports.iter().for_each(|r| redactor.learn(r));
        reports.iter_mut().for_each(|r| redactor.redact_report(r));
        sink = Box::new(redact::RedactingWriter::new(sink, redactor));
    }
    let reports: &[json::FileReport] = reports;
    let several = reports.len() > 1;
    match args.format {
        OutputFormat::Table => {
            let (layout, choice) = table_setup(args);
            let mut stream = anstream::AutoStream::new(&mut sink, choice);
            for report in reports {
                write!(stream, "{}", screen::render(report, &layout))?;
            }
            if several {
                write!(stream, "{}", screen::summary(reports, &layout))?;
            }
        }
        // One document per line whatever the number of inputs, so appended runs stay JSON
        // Lines; streamed into the writer (no second copy of a large document in memory).
        OutputFormat::Json => {
            for report in reports {
                if args.pretty {
                    serde_json::to_writer_pretty(&mut sink, report)?;
                } else {
                    serde_json::to_writer(&mut sink, report)?;
                }
                writeln!(sink)?;
            }
        }
        OutputFormat::Sarif => {
            let sarif = ci::sarif(reports);
            if args.pretty {
                serde_json::to_writer_pretty(&mut sink, &sarif)?;
            } else {
                serde_json::to_writer(&mut sink, &sarif)?;
            }
            writeln!(sink)?;
        }
        OutputFormat::Junit => write!(sink, "{}", ci::junit(reports))?,
        OutputFormat::Markdown => write!(sink, "{}", ci::markdown(reports))?,
        OutputFormat::Html => write!(sink, "{}", html::render(reports))?,
    }
    sink.flush()?;
    Ok(())
}

/// Prints `text` to standard output; a closed pipe is not an error.
fn print_out(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => exit::CLEAN,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::CLEAN,
        Err(e) => {
            eprintln!("rdptriage: error: {e}");
            exit::FAILURE
        }
    }
}

/// rdptriage(1): the command, its subcommands, then the options and notes of `analyze`.
fn man_page() -> std::io::Result<String> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_subcommands_section(&mut buf)?;
    if let Some(analyze) = cmd.find_subcommand("analyze") {
        let analyze = analyze.clone().name("rdptriage analyze");
        let sub = clap_mangen::Man::new(analyze).title("ANALYZE");
        buf.extend_from_slice(b".SH \"ANALYZE\"\n");
        sub.render_synopsis_section(&mut buf)?;
        sub.render_options_section(&mut buf)?;
        sub.render_extra_section(&mut buf)?;
    }
    man.render_extra_section(&mut buf)?;
    man.render_version_section(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn explain(id: Option<String>) -> u8 {
    match id {
        None => {
            let list: String = rdptriage::explain::ids()
                .map(|id| format!("{id}\n"))
                .collect();
            print_out(&list)
        }
        Some(id) => match rdptriage::explain::explain(&id) {
            Some(e) => print_out(&e.to_string()),
            None => {
                eprintln!(
                    "rdptriage: error: `{id}` is not a finding id or cause id (`rdptriage explain` lists them)"
                );
                exit::USAGE
            }
        },
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version go to standard output with 0; usage errors get their own code.
            let code = if err.use_stderr() {
                exit::USAGE
            } else {
                exit::CLEAN
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Analyze(args) => match run(args) {
            Ok(code) => code,
            Err(fatal) => {
                eprintln!("rdptriage: error: {:#}", fatal.error);
                fatal.code
            }
        },
        Command::Live(args) => match run_live(args) {
            Ok(code) => code,
            Err(fatal) => {
                eprintln!("rdptriage: error: {:#}", fatal.error);
                fatal.code
            }
        },
        Command::Explain { id } => explain(id),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rdptriage", &mut buf);
            print_out(&String::from_utf8_lossy(&buf))
        }
        Command::Man { dir: Some(dir) } => match clap_mangen::generate_to(Cli::command(), &dir) {
            Ok(()) => exit::CLEAN,
            Err(e) => {
                eprintln!(
                    "rdptriage: error: cannot write man pages to {}: {e}",
                    dir.display()
                );
                exit::FAILURE
            }
        },
        Command::Man { dir: None } => match man_page() {
            Ok(page) => print_out(&page),
            Err(e) => {
                eprintln!("rdptriage: error: {e}");
                exit::FAILURE
            }
        },
    };
    ExitCode::from(code)
}
