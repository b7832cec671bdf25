//! Command line of rdptriage.
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use rdptriage::analyze::{AnalyzeError, analyze_path};
use rdptriage::report::{json, table};
use std::io::Write;
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
  tcpdump -U -w - port 3389 | rdptriage analyze -

Directories are searched recursively for *.pcap, *.pcapng, *.cap, *.pcap.gz and *.pcapng.gz.
Exit codes: 0 all inputs analysed; 2 an input could not be read at all.")]
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
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Table,
    Json,
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
    if files.is_empty() {
        anyhow::bail!("no capture files found in the given paths");
    }
    let results: Vec<Result<json::FileReport, AnalyzeError>> = files
        .par_iter()
        .map(|path| analyze_path(path, None).map(|a| json::file_report(&a)))
        .collect();
    let mut unreadable = false;
    let several = results.len() > 1;
    let mut sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for result in &results {
        let report = match result {
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
                &json::error_report(err)
            }
        };
        match args.format {
            OutputFormat::Table => write!(sink, "{}", table::render(report))?,
            OutputFormat::Json if several => writeln!(sink, "{}", serde_json::to_string(report)?)?,
            OutputFormat::Json => writeln!(sink, "{}", serde_json::to_string_pretty(report)?)?,
        }
    }
    sink.flush()?;
    Ok(if unreadable {
        ExitCode::from(2)
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
