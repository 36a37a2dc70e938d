//! The `vanban` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use vanban::batch::{self, BatchError, Done, Filter, Observer, Outcome, Shard, Sink, Skip};
use vanban::{Limits, Ocr};

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
    /// Convert documents (files, folders walked recursively, `-` for stdin) to JSON.
    ///
    /// Exit status: 0 all converted (or already current), 1 some documents failed,
    /// 2 usage error or nothing to do.
    Extract(ExtractArgs),
    /// Print the repaired plain text of documents (stdin when no file is given).
    Text {
        files: Vec<PathBuf>,
        #[command(flatten)]
        repair: RepairArg,
    },
    #[cfg(feature = "archive")]
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
        /// Pages left out: they crashed an earlier run.
        #[arg(long, value_delimiter = ',')]
        skip_pages: Vec<u32>,
    },
}

#[derive(clap::Args)]
struct RepairArg {
    /// Do not restore diacritics or undo OCR damage (also: convert without the model).
    #[arg(long)]
    no_repair: bool,
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// Files and folders; `-` reads one document from stdin.
    #[arg(required_unless_present = "manifest")]
    paths: Vec<PathBuf>,
    /// Folder for `<relative path>.json` per document, mirroring the input tree; with
    /// --jsonl, the file the lines go to.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// One JSON line per document, in input order (stdout unless -o).
    #[arg(long)]
    jsonl: bool,
    /// Documents to convert: one path a line, or JSON lines with a "path" field.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Convert only shard I of N (0-based; a stable hash of each relative path).
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Number of shards, the index taken from $JOB_COMPLETION_INDEX (Kubernetes
    /// Indexed Jobs); also read from $VANBAN_SHARD_COUNT.
    #[arg(long, value_name = "N", env = "VANBAN_SHARD_COUNT")]
    shard_count: Option<u64>,
    /// Redo documents whose output is current.
    #[arg(long)]
    force: bool,
    /// Only files whose relative path matches one of these globs.
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Leave out files whose relative path matches one of these globs.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar and no summary; failures are still reported.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// List the files a folder walk skipped, and every document converted.
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    repair: RepairArg,
    /// Which PDF pages are read by OCR: those without a usable text layer, none, all.
    #[arg(long, value_enum, default_value_t = OcrArg::Auto)]
    ocr: OcrArg,
    /// Largest input file, in bytes.
    #[arg(long, default_value_t = Limits::default().max_bytes)]
    max_bytes: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OcrArg {
    Auto,
    Never,
    Always,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract(args) => {
            // Temporary folders of runs that were killed.
            vanban::ingest::pdf::sweep_run_dirs();
            extract(args)
        }
        Command::Text { files, repair } => text(&files, !repair.no_repair),
        #[cfg(feature = "archive")]
        Command::Archive(cmd) => vanban::archive::cli::run(cmd),
        Command::PdfWorker {
            file,
            max_pages,
            max_decompressed_bytes,
            skip_pages,
        } => {
            let limits = vanban::ingest::pdf::WorkerLimits {
                max_pages,
                max_decompressed_bytes,
            };
            vanban::ingest::pdf::worker_main(&file, limits, &skip_pages).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        // The reader went away (`vanban … | head`): nothing left to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vanban: {e}");
            ExitCode::from(2)
        }
    }
}

/// Exit status 2 with a message: a usage error or nothing to do.
fn usage(message: impl std::fmt::Display) -> std::io::Result<ExitCode> {
    eprintln!("vanban: {message}");
    Ok(ExitCode::from(2))
}

fn extract(args: ExtractArgs) -> std::io::Result<ExitCode> {
    let started = Instant::now();
    let limits = Limits {
        max_bytes: args.max_bytes,
        repair: !args.repair.no_repair,
        ocr: match args.ocr {
            OcrArg::Auto => Ocr::Auto,
            OcrArg::Never => Ocr::Never,
            OcrArg::Always => Ocr::Always,
        },
        ..Limits::default()
    };
    if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return usage("`-` (stdin) given twice");
    }
    let shard = match shard(&args) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let mut filter = match Filter::new(&args.include, &args.exclude) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    filter.shard = shard;
    if !args.jsonl {
        filter.skip_dir = args.output.as_ref().and_then(|o| o.canonicalize().ok());
    }
    let collected = match batch::collect(&args.paths, args.manifest.as_deref(), &filter) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let walk_skipped = collected
        .skipped
        .iter()
        .filter(|(_, why)| *why != Skip::Shard)
        .count();
    if args.verbose {
        for (path, why) in &collected.skipped {
            eprintln!("vanban: skipped {} ({})", path.display(), why.as_str());
        }
    }
    let in_shard = collected.inputs.len() + collected.unreadable.len();
    let shard_skipped = collected.skipped.len() - walk_skipped;
    if in_shard + shard_skipped == 0 {
        return usage(format!(
            "no documents to convert ({walk_skipped} files skipped{})",
            if args.verbose {
                ""
            } else {
                "; --verbose lists them"
            }
        ));
    }
    for (input, e) in &collected.unreadable {
        eprintln!("vanban: {}: cannot list folder: {e}", input.shown());
    }
    let inputs = collected.inputs;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let progress = Progress::new(inputs.len() as u64, args.quiet, args.verbose);
    let stdout = std::io::stdout();
    let summary = match (&args.output, args.jsonl) {
        (Some(dir), false) => {
            let sink = Sink::Tree {
                dir: dir.clone(),
                force: args.force,
                shard,
            };
            batch::run(&inputs, sink, &limits, threads, &progress)
        }
        (Some(file), true) => {
            // The lines go to a temporary file renamed over FILE once all are written.
            let mut tmp = vanban::output::stream_temp(file)?;
            let mut out = std::io::BufWriter::new(tmp.as_file_mut());
            let sink = Sink::Stream {
                out: &mut out,
                pretty: false,
            };
            let summary = batch::run(&inputs, sink, &limits, threads, &progress);
            out.flush()?;
            drop(out);
            if summary.is_ok() {
                tmp.persist(file).map_err(|e| e.error)?;
            }
            summary
        }
        (None, jsonl) => {
            if !jsonl && inputs.len() + shard_skipped != 1 {
                return usage(format!(
                    "{} documents: use -o DIR or --jsonl",
                    inputs.len() + shard_skipped
                ));
            }
            let mut out = std::io::BufWriter::new(stdout.lock());
            let sink = Sink::Stream {
                out: &mut out,
                pretty: !jsonl,
            };
            let summary = batch::run(&inputs, sink, &limits, threads, &progress);
            out.flush()?;
            summary
        }
    };
    progress.bar.finish_and_clear();
    let summary = match summary {
        Ok(s) => s,
        Err(BatchError::Io(e)) => return Err(e),
        Err(e @ BatchError::Model(_)) => return usage(e),
        Err(e) => {
            eprintln!("vanban: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let failed = summary.failed + collected.unreadable.len();
    if !args.quiet {
        let mut line = format!(
            "{} documents: {} converted, {} already current, {failed} failed",
            inputs.len() + collected.unreadable.len(),
            summary.converted,
            summary.up_to_date,
        );
        if walk_skipped > 0 {
            line += &format!(
                ", {walk_skipped} files skipped{}",
                if args.verbose {
                    ""
                } else {
                    " (--verbose lists them)"
                }
            );
        }
        if shard_skipped > 0 {
            line += &format!(", {shard_skipped} in other shards");
        }
        eprintln!("{line}; {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `--shard I/N`, or `--shard-count N` with I from `$JOB_COMPLETION_INDEX`.
fn shard(args: &ExtractArgs) -> Result<Option<Shard>, String> {
    if let Some(s) = &args.shard {
        return Shard::parse(s).map(Some).map_err(|e| e.to_string());
    }
    let Some(count) = args.shard_count else {
        return Ok(None);
    };
    let index = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
        "--shard-count (or $VANBAN_SHARD_COUNT) needs $JOB_COMPLETION_INDEX or --shard I/N"
            .to_string()
    })?;
    let index = index
        .trim()
        .parse()
        .map_err(|_| format!("$JOB_COMPLETION_INDEX={index}: not a number"))?;
    Shard::new(index, count)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The progress bar (on a terminal: ETA, failures, the file being read) and the
/// failure messages.
struct Progress {
    bar: ProgressBar,
    failed: AtomicUsize,
    verbose: bool,
}

impl Progress {
    fn new(len: u64, quiet: bool, verbose: bool) -> Progress {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} {elapsed} ETA {eta} {prefix} {wide_msg}",
                )
                .expect("valid template"),
            );
            bar
        };
        Progress {
            bar,
            failed: AtomicUsize::new(0),
            verbose,
        }
    }
}

impl Observer for Progress {
    fn started(&self, shown: &str) {
        self.bar.set_message(shown.to_string());
    }

    fn finished(&self, outcome: &Outcome) {
        match &outcome.done {
            Done::Failed(e) => {
                let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
                self.bar.set_prefix(format!("{failed} failed"));
                self.bar
                    .suspend(|| eprintln!("vanban: {}: {e}", outcome.shown));
            }
            Done::Converted if self.verbose => self
                .bar
                .suspend(|| eprintln!("vanban: {} ({:.2} s)", outcome.shown, outcome.seconds)),
            _ => {}
        }
        self.bar.inc(1);
    }
}

fn text(files: &[PathBuf], repair: bool) -> std::io::Result<ExitCode> {
    let limits = Limits::default();
    if let (true, Err(e)) = (repair, vanban::repair::model()) {
        return usage(BatchError::Model(e.to_string()));
    }
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    for file in files {
        let name = file.to_string_lossy();
        let bytes = if file.as_os_str() == "-" {
            vanban::read_bounded(std::io::stdin(), limits.max_bytes)
        } else {
            vanban::read_file(file, &limits)
        };
        let ingested = bytes.and_then(|b| Ok((vanban::ingest::ingest(&b, file, &limits)?, b)));
        match ingested {
            Ok((ingested, bytes)) => {
                let repaired = if repair {
                    vanban::repair::repair(&ingested.text)
                } else {
                    vanban::repair::unrepaired(&ingested.text)
                };
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
