//! Command line of rdptriage.
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use rdptriage::analyze::{AnalyzeError, AnalyzeOptions, analyze_path_with};
use rdptriage::detect::Severity;
use rdptriage::proto::decrypt::{self, KeyStore, RsaKeys};
use rdptriage::report::{ci, html, json, redact, table};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Explains why Remote Desktop connections failed, from packet captures.
#[derive(Parser)]
#[command(name = "rdptriage", version, about, long_about = None)]
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
  rdptriage analyze captures/ --format json -o triage.jsonl
  rdptriage analyze win2012.pcap --rsa-key server-key.pem
  tcpdump -U -w - port 3389 | rdptriage analyze -

Directories are searched recursively for *.pcap, *.pcapng, *.cap, *.pcap.gz and *.pcapng.gz.
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 an input could
not be read at all (the other inputs are still analysed and reported).")]
    Analyze(AnalyzeArgs),
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Capture files, directories, or `-` for standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format (JSON: one document per file, JSON Lines for several files).
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest finding severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Files analysed in parallel (default: all cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Colour the table (auto: when standard output is a terminal).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// TLS key log (NSS SSLKEYLOGFILE format) for every input; may be repeated. A key log
    /// beside a capture (x.keys, x.keylog, x.sslkeylog for x.pcap) and pcapng Decryption
    /// Secrets Blocks are used too.
    #[arg(long, value_name = "FILE")]
    keylog: Vec<PathBuf>,
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

const CAPTURE_SUFFIXES: [&str; 5] = [".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz"];

fn is_capture_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    CAPTURE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_dir(&path, out)?;
        } else if is_capture_name(&path) {
            out.push(path);
        }
    }
    Ok(())
}

fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            collect_dir(p, &mut files)?;
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

fn run(args: AnalyzeArgs) -> Result<ExitCode> {
    let files = expand(&args.paths)?;
    let mut shared_keys = KeyStore::default();
    for path in &args.keylog {
        decrypt::read_key_log(path, &mut shared_keys)?;
    }
    let mut rsa_keys = RsaKeys::default();
    for path in &args.rsa_key {
        rsa_keys.read_file(path)?;
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
        anyhow::bail!("no capture files found in the given paths");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
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
    // Results come back in input order whatever the scheduling.
    let results: Vec<Result<json::FileReport, AnalyzeError>> = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let report = analyze_path_with(path, None, &options).map(json::file_report);
                progress.inc(1);
                report
            })
            .collect()
    });
    progress.finish_and_clear();
    let mut unreadable = false;
    let mut reports: Vec<json::FileReport> = results
        .into_iter()
        .map(|result| match result {
            Ok(report) => {
                for w in &report.file.warnings {
                    if matches!(w.kind, "truncated" | "corrupt" | "io") {
                        eprintln!("rdptriage: warning: {}", w.message);
                    }
                }
                report
            }
            Err(err) => {
                unreadable = true;
                eprintln!("rdptriage: error: {err}");
                json::error_report(&err)
            }
        })
        .collect();
    let mut sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if args.redact || args.redact_key.is_some() {
        let mut redactor = redact::Redactor::new(args.redact_key.as_deref().map(str::as_bytes));
        reports.iter().for_each(|r| redactor.learn(r));
        reports.iter_mut().for_each(|r| redactor.redact_report(r));
        sink = Box::new(redact::RedactingWriter::new(sink, redactor));
    }
    let several = reports.len() > 1;
    match args.format {
        OutputFormat::Table => {
            let colour = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => args.output.is_none() && std::io::stdout().is_terminal(),
            };
            for report in &reports {
                let text = table::render(report);
                write!(
                    sink,
                    "{}",
                    if colour {
                        table::colourise(&text)
                    } else {
                        text
                    }
                )?;
            }
            if several {
                write!(sink, "{}", table::summary(&reports))?;
            }
        }
        // Streamed into the writer: no second copy of a large document in memory.
        OutputFormat::Json if several => {
            for report in &reports {
                serde_json::to_writer(&mut sink, report)?;
                writeln!(sink)?;
            }
        }
        OutputFormat::Json => {
            for report in &reports {
                serde_json::to_writer_pretty(&mut sink, report)?;
                writeln!(sink)?;
            }
        }
        OutputFormat::Sarif => writeln!(
            sink,
            "{}",
            serde_json::to_string_pretty(&ci::sarif(&reports))?
        )?,
        OutputFormat::Junit => write!(sink, "{}", ci::junit(&reports))?,
        OutputFormat::Markdown => write!(sink, "{}", ci::markdown(&reports))?,
        OutputFormat::Html => write!(sink, "{}", html::render(&reports))?,
    }
    sink.flush()?;
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| {
        reports
            .iter()
            .any(|r| r.findings.iter().any(|f| f.severity >= t))
    });
    Ok(if unreadable {
        ExitCode::from(2)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => match run(args) {
            Ok(code) => code,
            Err(err) => {
                eprintln!("rdptriage: error: {err:#}");
                ExitCode::from(2)
            }
        },
    }
}
