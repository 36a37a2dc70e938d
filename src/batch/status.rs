//! The status log: one JSON line per document converted, appended as the batch runs,
//! so that a rerun knows what is already done.
//!
//! A line is appended only after the document's output was renamed into place, so a
//! killed run loses at most the lines of documents it will redo. A line cut by a kill
//! is ignored on reading. The log is rewritten (atomically) at the end of a run with
//! one line per document, in input order.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How one document's conversion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

/// One line of the status log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The document's name in the batch (its output is `<path>.json`).
    pub path: String,
    pub sha256: String,
    pub status: Status,
    /// The error kind of a failed document.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    pub seconds: f64,
    /// What made the output: the vanban version, the repair model version (`off`
    /// with `--no-repair`) and the OCR mode.
    pub vanban: String,
    pub model: String,
    pub ocr: String,
    /// sha256 of the output file written, to tell it from one written later.
    pub output_sha256: String,
}

/// The status log this run appends to (one file per shard).
pub struct Log {
    path: PathBuf,
    file: std::fs::File,
}

/// The last record of each document in every status log of a folder.
#[derive(Default)]
pub struct Previous(HashMap<String, Vec<Record>>);

impl Previous {
    /// Reads every status log in `dir` (none yet: empty).
    pub fn read(dir: &Path) -> std::io::Result<Previous> {
        let mut previous: HashMap<String, Vec<Record>> = HashMap::new();
        let mut names: Vec<String> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| is_log_name(n))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        names.sort();
        for name in names {
            let mut last: HashMap<String, Record> = HashMap::new();
            for line in std::fs::read_to_string(dir.join(name))?.lines() {
                if let Ok(r) = serde_json::from_str::<Record>(line) {
                    last.insert(r.path.clone(), r);
                }
            }
            for (path, r) in last {
                previous.entry(path).or_default().push(r);
            }
        }
        Ok(Previous(previous))
    }

    /// The records previous runs left for `name`.
    pub fn of(&self, name: &str) -> &[Record] {
        self.0.get(name).map_or(&[], |r| &r[..])
    }
}

/// `vanban-status.ndjson`, or `vanban-status.3-of-8.ndjson` for a shard.
pub fn file_name(shard_tag: Option<&str>) -> String {
    match shard_tag {
        Some(tag) => format!("vanban-status.{tag}.ndjson"),
        None => "vanban-status.ndjson".to_string(),
    }
}

/// True for the name of any shard's status log.
pub fn is_log_name(name: &str) -> bool {
    name.starts_with("vanban-status.") && name.ends_with(".ndjson")
}

impl Log {
    /// Opens this run's log for appending.
    pub fn open(dir: &Path, shard_tag: Option<&str>) -> std::io::Result<Log> {
        let path = dir.join(file_name(shard_tag));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)?;
        // A line cut by a kill: end it so the next line stands alone.
        let len = file.metadata()?.len();
        if len > 0 {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        Ok(Log { path, file })
    }

    /// Appends one record (one `write`, so lines of concurrent shards do not mix).
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)
    }

    /// Rewrites this run's log with its last record per document, documents of `order`
    /// first and in that order (a document this run skipped was logged again).
    pub fn compact(self, order: &[&str], tag: &str) -> std::io::Result<()> {
        let mut last: HashMap<String, Record> = HashMap::new();
        let mut others: Vec<String> = Vec::new();
        for line in std::fs::read_to_string(&self.path)?.lines() {
            if let Ok(r) = serde_json::from_str::<Record>(line) {
                if !last.contains_key(&r.path) {
                    others.push(r.path.clone());
                }
                last.insert(r.path.clone(), r);
            }
        }
        let mut out = Vec::new();
        let mut write = |r: &Record| {
            out.extend(serde_json::to_vec(r).map_err(std::io::Error::other)?);
            out.push(b'\n');
            Ok::<_, std::io::Error>(())
        };
        for name in order {
            if let Some(r) = last.remove(*name) {
                write(&r)?;
            }
        }
        for name in others {
            if let Some(r) = last.remove(&name) {
                write(&r)?;
            }
        }
        crate::output::write_atomic_tagged(&self.path, &out, tag)
    }
}
