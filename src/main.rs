//! The `vanban` command line.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use vanban::output::{to_json_pretty, write_atomic};
use vanban::{Limits, ProcessError};

#[derive(Parser)]
#[command(
    name = "vanban",
    version,
    about = "Structured data from Vietnamese administrative documents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert documents (files or directories, recursively) to JSON.
    Extract {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write one `<file stem>.json` per document into this directory.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Print one JSON line per document on stdout.
        #[arg(long)]
        jsonl: bool,
        /// Largest input file, in bytes.
        #[arg(long, default_value_t = Limits::default().max_bytes)]
        max_bytes: u64,
    },
    /// Print the repaired plain text of documents (stdin when no file is given).
    Text { files: Vec<PathBuf> },
    #[command(flatten)]
    Archive(vanban::archive::cli::ArchiveCommand),
    /// Internal: parse one PDF in isolation for the parent process (JSON on stdout).
    #[command(name = "pdf-worker", hide = true)]
    PdfWorker {
        file: PathBuf,
        #[arg(long)]
        max_pages: u32,
        #[arg(long)]
        max_decompressed_bytes: u64,
    },
}

fn main() -> ExitCode {
    // Panics are caught per document and reported as error records; keep stderr clean.
    std::panic::set_hook(Box::new(|_| {}));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract {
            paths,
            output,
            jsonl,
            max_bytes,
        } => {
            let limits = Limits {
                max_bytes,
                ..Limits::default()
            };
            extract(&paths, output.as_deref(), jsonl, &limits)
        }
        Command::Text { files } => text(&files),
        Command::Archive(cmd) => vanban::archive::cli::run(cmd),
        Command::PdfWorker {
            file,
            max_pages,
            max_decompressed_bytes,
        } => {
            let limits = vanban::ingest::pdf::WorkerLimits {
                max_pages,
                max_decompressed_bytes,
            };
            vanban::ingest::pdf::worker_main(&file, limits).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vanban: {e}");
            ExitCode::from(2)
        }
    }
}

fn extract(
    paths: &[PathBuf],
    out_dir: Option<&Path>,
    jsonl: bool,
    limits: &Limits,
) -> std::io::Result<ExitCode> {
    let started = Instant::now();
    let entries = collect_files(paths);
    if out_dir.is_none() && !jsonl && entries.len() != 1 {
        eprintln!("vanban: {} documents: use -o DIR or --jsonl", entries.len());
        return Ok(ExitCode::from(2));
    }
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)?;
    }
    let progress = progress_bar(entries.len() as u64);
    // Parallel conversion; `collect` keeps input order, so output order is deterministic.
    let results: Vec<(Vec<u8>, bool)> = entries
        .par_iter()
        .map(|(file, unreadable)| {
            let shown = file.to_string_lossy();
            let result = match unreadable {
                Some(kind) => Err(ProcessError::Io(std::io::Error::new(
                    *kind,
                    "cannot read file",
                ))),
                None => vanban::process_file(file, limits),
            };
            progress.inc(1);
            match result {
                Ok(doc) if jsonl => (
                    serde_json::to_vec(&doc).expect("model types serialize"),
                    true,
                ),
                Ok(doc) => (to_json_pretty(&doc), true),
                Err(e) => (record_bytes(&e.to_record(&shown), jsonl), false),
            }
        })
        .collect();
    progress.finish_and_clear();
    let mut stdout = std::io::stdout().lock();
    for ((file, _), (bytes, _)) in entries.iter().zip(&results) {
        match out_dir {
            Some(dir) if !jsonl => write_atomic(&dir.join(json_name(file)), bytes)?,
            _ => {
                stdout.write_all(bytes)?;
                stdout.write_all(b"\n")?;
            }
        }
    }
    let failures = results.iter().filter(|(_, ok)| !ok).count();
    eprintln!(
        "{} documents, {} failed, {:.2} s",
        entries.len(),
        failures,
        started.elapsed().as_secs_f64()
    );
    Ok(if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `<file stem>.json`.
fn json_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".into());
    format!("{stem}.json")
}

fn record_bytes(record: &vanban::ErrorRecord, compact: bool) -> Vec<u8> {
    if compact {
        serde_json::to_vec(record).expect("record serializes")
    } else {
        to_json_pretty(record)
    }
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}").expect("valid template"),
    );
    bar
}

/// Files taken when walking a directory: document extensions, or none at all.
/// Expands directories recursively in sorted order; a path that cannot be
/// read stays in the list with its error kind, to become an error record.
fn collect_files(paths: &[PathBuf]) -> Vec<(PathBuf, Option<std::io::ErrorKind>)> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = paths.iter().rev().cloned().collect();
    while let Some(path) = stack.pop() {
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => match std::fs::read_dir(&path) {
                Ok(entries) => {
                    let mut children: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_dir() || vanban::ingest::is_supported(p))
                        .collect();
                    children.sort();
                    stack.extend(children.into_iter().rev());
                }
                Err(e) => files.push((path, Some(e.kind()))),
            },
            Ok(_) => files.push((path, None)),
            Err(e) => files.push((path, Some(e.kind()))),
        }
    }
    files
}

fn text(files: &[PathBuf]) -> std::io::Result<ExitCode> {
    let limits = Limits::default();
    let inputs: Vec<(String, Vec<u8>)> = if files.is_empty() {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        vec![("-".to_string(), bytes)]
    } else {
        files
            .iter()
            .map(|f| Ok((f.to_string_lossy().into_owned(), std::fs::read(f)?)))
            .collect::<std::io::Result<_>>()?
    };
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    for (name, bytes) in inputs {
        match vanban::ingest::ingest(&bytes, Path::new(&name), &limits) {
            Ok(ingested) => {
                let repaired = vanban::repair::repair(&ingested.text);
                stdout.write_all(repaired.text.as_bytes())?;
                // Line n out is line n in: terminate the last line only if the input did not.
                if !bytes.ends_with(b"\n") {
                    stdout.write_all(b"\n")?;
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("vanban: {name}: {e}");
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
