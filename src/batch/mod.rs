//! Whole-archive batches: streaming, resumable, sharded.
//!
//! [`inputs::collect`] turns paths, a manifest, globs and a shard into a list of
//! [`Input`]s, each with a name unique in the batch. [`run`] converts them on a fixed
//! number of threads and hands each result on as soon as it is done, to a [`Sink`]:
//!
//! * [`Sink::Tree`] writes `<dir>/<name>.json` atomically (a failed document gets its
//!   error record there), appends a line to the status log ([`status`]) and, on a
//!   rerun, skips documents whose output is current;
//! * [`Sink::Stream`] writes JSON lines in input order through a bounded reorder buffer.
//!
//! Memory is flat in the number of documents: at most `Sink::window` documents are
//! between being taken by a worker and being handed on.

pub mod inputs;
pub mod status;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::Instant;

pub use inputs::{collect, Filter, Input, InputError, Inputs, Shard, Skip, Source};

use crate::output::{sha256_hex, to_json_pretty, write_atomic_tagged};
use crate::{Limits, ProcessError};
use status::{Log, Previous, Record, Status};

/// Where converted documents go.
pub enum Sink<'a> {
    /// `<dir>/<name>.json` per document, with a status log; `force` redoes current ones.
    Tree {
        dir: PathBuf,
        force: bool,
        shard: Option<Shard>,
    },
    /// One compact JSON line per document in input order (`pretty`: indented, for one).
    Stream {
        out: &'a mut dyn Write,
        pretty: bool,
    },
}

impl Sink<'_> {
    /// Most documents in flight (taken by a worker, not yet handed on): a stream holds
    /// their JSON, a tree only their status.
    fn window(&self, threads: usize) -> usize {
        match self {
            Sink::Tree { .. } => 256 * threads,
            Sink::Stream { .. } => 4 * threads,
        }
    }
}

/// How one document ended.
#[derive(Debug)]
pub enum Done {
    Converted,
    /// Its output is current (same input, vanban and model): not redone.
    UpToDate,
    Failed(ProcessError),
}

/// One document's result, handed to the [`Observer`] in input order.
#[derive(Debug)]
pub struct Outcome {
    pub shown: String,
    pub done: Done,
    pub seconds: f64,
}

/// Follows a batch: the progress bar and messages of the command line.
pub trait Observer: Sync {
    /// A worker starts reading `shown` (called from worker threads).
    fn started(&self, shown: &str);
    /// A document is handed on (called in input order).
    fn finished(&self, outcome: &Outcome);
}

/// Counts of a finished batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub converted: usize,
    pub up_to_date: usize,
    pub failed: usize,
}

/// Why a batch stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("repair model cannot be loaded ({0}); --no-repair converts without repair")]
    Model(String),
    #[error("{path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl BatchError {
    fn write(path: &Path) -> impl FnOnce(std::io::Error) -> BatchError + '_ {
        move |source| BatchError::Write {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The version of what makes an output: a change to any redoes a document.
struct Versions {
    vanban: &'static str,
    model: String,
    ocr: &'static str,
}

fn versions(limits: &Limits) -> Result<Versions, BatchError> {
    let model = if limits.repair {
        match crate::repair::model() {
            Ok(m) => m.version().to_string(),
            Err(e) => return Err(BatchError::Model(e.to_string())),
        }
    } else {
        "off".to_string()
    };
    Ok(Versions {
        vanban: env!("CARGO_PKG_VERSION"),
        model,
        ocr: limits.ocr.as_str(),
    })
}

/// Converts `inputs` on `threads` threads into `sink`.
pub fn run(
    inputs: &[Input],
    sink: Sink,
    limits: &Limits,
    threads: usize,
    observer: &dyn Observer,
) -> Result<Summary, BatchError> {
    let versions = versions(limits)?;
    let threads = threads.max(1);
    let window = sink.window(threads);
    let mut summary = Summary::default();
    let mut count = |o: &Outcome| {
        match o.done {
            Done::Converted => summary.converted += 1,
            Done::UpToDate => summary.up_to_date += 1,
            Done::Failed(_) => summary.failed += 1,
        }
        observer.finished(o);
    };
    match sink {
        Sink::Tree { dir, force, shard } => {
            let tag = shard.map(Shard::tag);
            let temp = format!(".vanban-tmp-{}-", tag.as_deref().unwrap_or("all"));
            std::fs::create_dir_all(&dir).map_err(BatchError::write(&dir))?;
            remove_temporaries(&dir, &temp).map_err(BatchError::write(&dir))?;
            let previous = if force {
                Previous::default()
            } else {
                Previous::read(&dir)?
            };
            let mut log = Log::open(&dir, tag.as_deref()).map_err(BatchError::write(&dir))?;
            let tree = Tree {
                dir: &dir,
                temp: &temp,
                previous: &previous,
                versions: &versions,
                limits,
            };
            ordered(
                inputs.len(),
                threads,
                window,
                |i| {
                    observer.started(&inputs[i].shown());
                    tree.convert(&inputs[i])
                },
                |_, (outcome, record)| {
                    log.append(&record?).map_err(BatchError::write(&dir))?;
                    count(&outcome);
                    Ok(())
                },
            )?;
            let order: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            log.compact(&order, &temp)
                .map_err(BatchError::write(&dir))?;
        }
        Sink::Stream { out, pretty } => ordered(
            inputs.len(),
            threads,
            window,
            |i| {
                observer.started(&inputs[i].shown());
                convert(&inputs[i], limits, pretty)
            },
            |_, (outcome, bytes)| {
                out.write_all(&bytes)?;
                if !pretty {
                    out.write_all(b"\n")?;
                }
                count(&outcome);
                Ok(())
            },
        )?,
    }
    Ok(summary)
}

/// Reads and converts one input: its outcome and its JSON (the error record if it failed).
fn convert(input: &Input, limits: &Limits, pretty: bool) -> (Outcome, Vec<u8>) {
    let started = Instant::now();
    let shown = input.shown();
    let result = read(input, limits).and_then(|b| crate::process_bytes(&b, &shown, limits));
    let (done, bytes) = serialize(result, &shown, pretty);
    let seconds = started.elapsed().as_secs_f64();
    (
        Outcome {
            shown,
            done,
            seconds,
        },
        bytes,
    )
}

fn serialize(
    result: Result<crate::Document, ProcessError>,
    shown: &str,
    pretty: bool,
) -> (Done, Vec<u8>) {
    match result {
        Ok(doc) => (Done::Converted, json(&doc, pretty)),
        Err(e) => {
            let bytes = json(&e.to_record(shown), pretty);
            (Done::Failed(e), bytes)
        }
    }
}

fn json<T: serde::Serialize>(value: &T, pretty: bool) -> Vec<u8> {
    if pretty {
        to_json_pretty(value)
    } else {
        serde_json::to_vec(value).expect("model types serialize")
    }
}

fn read(input: &Input, limits: &Limits) -> Result<Vec<u8>, ProcessError> {
    match &input.source {
        Source::File(path) => crate::read_file(path, limits),
        Source::Stdin => crate::pipeline::read_bounded(std::io::stdin(), limits.max_bytes),
    }
}

/// What a tree worker needs.
struct Tree<'a> {
    dir: &'a Path,
    /// Prefix of this run's temporary files.
    temp: &'a str,
    previous: &'a Previous,
    versions: &'a Versions,
    limits: &'a Limits,
}

impl Tree<'_> {
    /// Converts one input into `<dir>/<name>.json`, unless its output is current.
    fn convert(&self, input: &Input) -> (Outcome, Result<Record, BatchError>) {
        let started = Instant::now();
        let shown = input.shown();
        let target = self.dir.join(output_name(&input.name));
        let bytes = read(input, self.limits);
        let sha256 = bytes
            .as_ref()
            .map_or_else(|_| String::new(), |b| sha256_hex(b));
        if let Some(current) = self.current(input, &sha256, &target) {
            let outcome = Outcome {
                shown,
                done: Done::UpToDate,
                seconds: started.elapsed().as_secs_f64(),
            };
            return (outcome, Ok(current.clone()));
        }
        let result = bytes.and_then(|b| crate::process_bytes(&b, &shown, self.limits));
        let (done, json) = serialize(result, &shown, true);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| write_atomic_tagged(&target, &json, self.temp))
            .map_err(BatchError::write(&target));
        let seconds = started.elapsed().as_secs_f64();
        let record = written.map(|()| Record {
            path: input.name.clone(),
            sha256,
            status: match done {
                Done::Failed(_) => Status::Failed,
                _ => Status::Ok,
            },
            error: match &done {
                Done::Failed(e) => Some(e.kind().to_string()),
                _ => None,
            },
            seconds,
            vanban: self.versions.vanban.to_string(),
            model: self.versions.model.clone(),
            ocr: self.versions.ocr.to_string(),
            output_sha256: sha256_hex(&json),
        });
        (
            Outcome {
                shown,
                done,
                seconds,
            },
            record,
        )
    }

    /// The record of a conversion whose output is still in place and current.
    fn current(&self, input: &Input, sha256: &str, target: &Path) -> Option<&Record> {
        let mut candidates = self.previous.of(&input.name).iter().filter(|r| {
            r.status == Status::Ok
                && !sha256.is_empty()
                && r.sha256 == sha256
                && r.vanban == self.versions.vanban
                && r.model == self.versions.model
                && r.ocr == self.versions.ocr
        });
        let first = candidates.next()?;
        // The output may have been rewritten since (another run, another shard).
        let output = sha256_hex(&std::fs::read(target).ok()?);
        std::iter::once(first)
            .chain(candidates)
            .find(|r| r.output_sha256 == output)
    }
}

/// Longest file name most file systems take, in bytes.
const MAX_FILE_NAME: usize = 255;
/// Longest extension kept when a name is shortened.
const MAX_EXTENSION: usize = 16;

/// `<name>.json`, its last part shortened when over [`MAX_FILE_NAME`] bytes: the start of
/// the stem, `~` and 8 hex digits of the whole part's hash, then its extension
/// (`<stem start>~1a2b3c4d.txt.json`), so that it is the same on every run.
fn output_name(name: &str) -> String {
    let (folder, last) = name.rsplit_once('/').map_or(("", name), |(f, l)| (f, l));
    let file = format!("{last}.json");
    if file.len() <= MAX_FILE_NAME {
        return format!("{name}.json");
    }
    let (stem, ext) = match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= MAX_EXTENSION => (stem, ext),
        _ => (last, ""),
    };
    let hash = &sha256_hex(last.as_bytes())[..8];
    let tail = if ext.is_empty() {
        format!("~{hash}.json")
    } else {
        format!("~{hash}.{ext}.json")
    };
    let mut cut = MAX_FILE_NAME - tail.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    let short = format!("{}{tail}", &stem[..cut]);
    if folder.is_empty() {
        short
    } else {
        format!("{folder}/{short}")
    }
}

/// Removes the temporary files a killed run with the same prefix left in `dir`.
fn remove_temporaries(dir: &Path, prefix: &str) -> std::io::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else if entry.file_name().to_string_lossy().starts_with(prefix) {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

/// Runs `work(i)` for `i` in `0..n` on `threads` threads and hands each result to
/// `sink` in index order. A worker takes index `i` only once `i - window` was handed
/// on, so at most `window` results wait in the reorder buffer whatever `n` is.
fn ordered<T: Send>(
    n: usize,
    threads: usize,
    window: usize,
    work: impl Fn(usize) -> T + Sync,
    mut sink: impl FnMut(usize, T) -> Result<(), BatchError>,
) -> Result<(), BatchError> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let handed = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::sync_channel::<(usize, T)>(window);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(n) {
            let tx = tx.clone();
            let (next, stop, handed, work) = (&next, &stop, &handed, &work);
            std::thread::Builder::new()
                // The pipeline's recursion wants more than the 2 MiB default.
                .stack_size(8 << 20)
                .spawn_scoped(scope, move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let mut done = handed.0.lock().unwrap_or_else(|e| e.into_inner());
                    while i >= *done + window && !stop.load(Ordering::Relaxed) {
                        done = handed.1.wait(done).unwrap_or_else(|e| e.into_inner());
                    }
                    drop(done);
                    if stop.load(Ordering::Relaxed) || tx.send((i, work(i))).is_err() {
                        break;
                    }
                })
                .expect("spawn a worker thread");
        }
        drop(tx);
        let mut waiting: BTreeMap<usize, T> = BTreeMap::new();
        let mut next_out = 0;
        let result = (|| {
            for (i, item) in rx.iter() {
                waiting.insert(i, item);
                while let Some(item) = waiting.remove(&next_out) {
                    sink(next_out, item)?;
                    next_out += 1;
                    *handed.0.lock().unwrap_or_else(|e| e.into_inner()) = next_out;
                    handed.1.notify_all();
                }
            }
            Ok(())
        })();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
            handed.1.notify_all();
            drop(rx);
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_hands_on_in_order_with_a_bounded_buffer() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let mut seen = Vec::new();
        ordered(
            500,
            4,
            8,
            |i| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Uneven work, so later items finish first.
                std::thread::sleep(std::time::Duration::from_micros((i % 7) as u64 * 50));
                i * 2
            },
            |i, v| {
                in_flight.fetch_sub(1, Ordering::SeqCst);
                seen.push((i, v));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, (0..500).map(|i| (i, i * 2)).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 8);
    }

    #[test]
    fn long_output_names_are_shortened_the_same_way_every_time() {
        assert_eq!(output_name("a/b.txt"), "a/b.txt.json");
        let long = format!("d/{}.txt", "ệ".repeat(83));
        let short = output_name(&long);
        assert_eq!(short, output_name(&long));
        let last = short.strip_prefix("d/").unwrap();
        assert!(last.len() <= MAX_FILE_NAME, "{}", last.len());
        assert!(
            last.starts_with("ệệ") && last.ends_with(".txt.json"),
            "{last}"
        );
        assert_ne!(short, output_name(&format!("d/{}.txt", "ệ".repeat(84))));
    }

    #[test]
    fn ordered_stops_on_a_sink_error() {
        let err = ordered(
            1000,
            2,
            4,
            |i| i,
            |i, _| {
                if i == 10 {
                    Err(BatchError::Io(std::io::Error::other("full")))
                } else {
                    Ok(())
                }
            },
        );
        assert!(err.is_err());
    }
}
