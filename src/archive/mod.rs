//! What the users of vanban's JSON need: tables for dashboards, a search index for
//! auditors, and a small local web page over that index.
//!
//! The central types:
//!
//! * [`Loaded`] — the [`Document`]s read back from `vanban extract` output (a directory of
//!   `*.json` files, or JSON-lines files), plus a [`LoadIssue`] for every file or line
//!   that was not a Document. Error records written by `extract` are skipped, not fatal.
//! * [`sqlite::export`] — upserts Documents into SQLite tables, one document per source
//!   path; [`csv::export`] and [`parquet::export`] write the same tables as one CSV or
//!   Parquet file per table.
//! * [`index::Archive`] — a tantivy index with one entry per document, passage, task,
//!   citation and figure, searched by [`search::SearchRequest`] into [`search::Hit`]s.
//! * [`serve::serve`] — server-rendered HTML and a JSON API over an [`index::Archive`].
//!
//! ```
//! use vanban::archive::{index::Archive, search::SearchRequest};
//! let doc = vanban::process_bytes(
//!     "Đẩy mạnh cải cách thủ tục hành chính trực tuyến.".as_bytes(),
//!     "inline.txt",
//!     &vanban::Limits::default(),
//! ).unwrap();
//! let archive = Archive::in_memory().unwrap();
//! archive.add(&[doc]).unwrap();
//! let hits = archive.search(&SearchRequest::new("thu tuc hanh chinh truc tuyen")).unwrap();
//! assert_eq!(hits.hits[0].snippet.text, "Đẩy mạnh cải cách thủ tục hành chính trực tuyến.");
//! ```
//!
//! **Invariants.** Export and indexing are idempotent: a Document is identified by its
//! source path plus `source.sha256`. Adding a Document whose path is already present
//! replaces that path's rows and index entries (a corrected file stays one document); the
//! same content at two paths is two documents. [`sqlite::prune`] and
//! [`index::ArchiveWriter::prune`] drop documents whose source file is gone. Spans keep the
//! model's unit, code points of `Document.text`, everywhere (SQLite columns, hits, HTML).
//! Nothing here panics on odd input: a damaged file is a [`LoadIssue`], a query that
//! cannot be parsed is an [`ArchiveError`].

mod analyzer;
mod charts;
#[cfg(feature = "cli")]
pub mod cli;
pub mod csv;
mod html;
pub mod http;
pub mod index;
pub mod parquet;
pub mod search;
pub mod serve;
pub mod sqlite;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::model::{Document, ErrorRecord};

/// Why an archive operation failed as a whole (per-file problems are [`LoadIssue`]s).
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("csv: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("parquet: {0}")]
    Parquet(#[from] ::parquet::errors::ParquetError),
    #[error("{0}")]
    Invalid(String),
}

impl ArchiveError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        ArchiveError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Documents read back from JSON, with what could not be read.
#[derive(Debug, Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub issues: Vec<LoadIssue>,
}

/// One file or JSON line that did not yield a Document.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadIssue {
    /// `path` or `path:line` for JSON-lines input.
    pub location: String,
    /// `error_record` (an extraction failure recorded by `extract`), `unreadable`, `not_a_document`.
    pub kind: &'static str,
    pub message: String,
}

/// Reads Documents from files and directories: `*.json` (one Document each, as written by
/// `vanban extract -o`) and `*.jsonl` (one per line, as written by `--jsonl`); directories
/// are walked recursively in sorted order. Other files inside directories are ignored;
/// files named explicitly are read as JSON lines unless they end in `.json`.
pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut documents = Vec::new();
    let issues = load_each(paths, |doc| {
        documents.push(doc);
        Ok(())
    })
    .expect("collecting never fails");
    Loaded { documents, issues }
}

/// [`load`] one Document at a time, so an archive of any size is exported or indexed in
/// bounded memory. Stops at the first error `each` returns.
pub fn load_each(
    paths: &[PathBuf],
    mut each: impl FnMut(Document) -> Result<(), ArchiveError>,
) -> Result<Vec<LoadIssue>, ArchiveError> {
    let mut issues = Vec::new();
    let mut issue = |location: String, kind: &'static str, message: String| {
        issues.push(LoadIssue {
            location,
            kind,
            message,
        })
    };
    let mut stack: Vec<(PathBuf, bool)> = paths.iter().rev().map(|p| (p.clone(), true)).collect();
    while let Some((path, named)) = stack.pop() {
        if path.is_dir() {
            match fs::read_dir(&path) {
                Ok(entries) => {
                    let mut children: Vec<PathBuf> =
                        entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    children.sort();
                    stack.extend(children.into_iter().rev().map(|c| (c, false)));
                }
                Err(e) => issue(path.display().to_string(), "unreadable", e.to_string()),
            }
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !named && ext != "json" && ext != "jsonl" {
            continue;
        }
        let mut reader = match fs::File::open(&path) {
            Ok(f) => BufReader::new(f),
            Err(e) => {
                issue(path.display().to_string(), "unreadable", e.to_string());
                continue;
            }
        };
        let mut parse =
            |location: String, json: &[u8]| match serde_json::from_slice::<Document>(json) {
                Ok(doc) => each(doc),
                Err(e) => {
                    match serde_json::from_slice::<ErrorRecord>(json) {
                        Ok(record) => issue(
                            location,
                            "error_record",
                            format!("{}: {}", record.error.kind, record.error.message),
                        ),
                        Err(_) => issue(location, "not_a_document", e.to_string()),
                    }
                    Ok(())
                }
            };
        let mut read_error = None;
        if ext == "json" {
            let mut json = Vec::new();
            match reader.read_to_end(&mut json) {
                Ok(_) => parse(path.display().to_string(), &json)?,
                Err(e) => read_error = Some(e),
            }
        } else {
            // Line by line: a JSON-lines file of any size is read in bounded memory.
            let mut line = Vec::new();
            for no in 1.. {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) => break,
                    Ok(_) if line.iter().all(u8::is_ascii_whitespace) => {}
                    Ok(_) => parse(format!("{}:{no}", path.display()), &line)?,
                    Err(e) => {
                        read_error = Some(e);
                        break;
                    }
                }
            }
        }
        if let Some(e) = read_error {
            issue(path.display().to_string(), "unreadable", e.to_string());
        }
    }
    Ok(issues)
}

/// Writes `path` atomically: `write` fills a temporary file beside it, renamed over `path`
/// once written and synced, so readers see the old file or the new one, never a part.
/// The file gets the usual permissions (0666 less the umask), not a temporary file's 0600.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| ArchiveError::io(path, e))?;
    write(tmp.as_file_mut())?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| ArchiveError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| ArchiveError::io(path, e.error))?;
    Ok(())
}

/// Whether a document's source file is gone, so [`sqlite::prune`] and
/// [`index::ArchiveWriter::prune`] drop it. Relative paths are resolved against the current
/// directory, as `vanban extract` read them; a path that cannot be checked (permissions)
/// counts as present, so nothing is dropped on doubt.
fn source_is_gone(path: &str) -> bool {
    matches!(fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

/// The year of an ISO `YYYY-MM-DD` date.
fn year_of(date: Option<&str>) -> Option<i64> {
    date.and_then(|d| d.get(..4)).and_then(|y| y.parse().ok())
}

/// The sections of a document, depth first, each with the index of its parent.
fn flatten_sections(doc: &Document) -> Vec<(Option<usize>, &crate::model::Section)> {
    fn walk<'a>(
        sections: &'a [crate::model::Section],
        parent: Option<usize>,
        out: &mut Vec<(Option<usize>, &'a crate::model::Section)>,
    ) {
        for s in sections {
            out.push((parent, s));
            let me = out.len() - 1;
            walk(&s.children, Some(me), out);
        }
    }
    let mut out = Vec::new();
    walk(&doc.sections, None, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_skips_error_records_and_reports_junk() {
        let dir = tempfile::tempdir().unwrap();
        let doc = crate::process_bytes("Kế hoạch".as_bytes(), "a.txt", &crate::Limits::default())
            .unwrap();
        fs::write(
            dir.path().join("a.json"),
            serde_json::to_string(&doc).unwrap(),
        )
        .unwrap();
        fs::write(
            dir.path().join("b.json"),
            r#"{"path":"b.pdf","error":{"kind":"io","message":"gone"}}"#,
        )
        .unwrap();
        fs::write(dir.path().join("c.json"), "{").unwrap();
        // JSON lines: a document, a blank line, a line that is not UTF-8.
        let mut lines = serde_json::to_vec(&doc).unwrap();
        lines.extend_from_slice(b"\n\n{\"path\": \"\xff\"}\n");
        fs::write(dir.path().join("d.jsonl"), lines).unwrap();
        fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let loaded = load(&[dir.path().to_path_buf()]);
        assert_eq!(loaded.documents.len(), 2);
        let kinds: Vec<_> = loaded.issues.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, ["error_record", "not_a_document", "not_a_document"]);
        let last = &loaded.issues[2].location;
        assert!(last.ends_with("d.jsonl:3"), "{last}");
    }

    #[test]
    fn year_of_iso_dates() {
        assert_eq!(year_of(Some("2019-12-27")), Some(2019));
        assert_eq!(year_of(Some("x")), None);
        assert_eq!(year_of(None), None);
    }
}
