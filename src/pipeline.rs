//! Runs the stages for one document under explicit limits.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::model::{Document, ErrorBody, ErrorKind, ErrorRecord};
use crate::{extract, ingest, output, repair, segment, Limits};

/// Why one document yielded no [`Document`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Ingest(#[from] ingest::IngestError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ProcessError {
    /// Stable machine-readable kind for error records.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ProcessError::Io(_) => ErrorKind::Io,
            ProcessError::Ingest(e) => e.kind(),
            ProcessError::Internal(_) => ErrorKind::Internal,
        }
    }

    pub fn to_record(&self, path: &str) -> ErrorRecord {
        ErrorRecord {
            path: path.to_string(),
            error: ErrorBody {
                kind: self.kind(),
                message: self.to_string(),
            },
        }
    }
}

/// Reads and processes one file. Never panics: a panic inside a stage becomes
/// [`ProcessError::Internal`].
pub fn process_file(path: &Path, limits: &Limits) -> Result<Document, ProcessError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > limits.max_bytes {
        return Err(ingest::IngestError::TooLarge {
            bytes: meta.len(),
            limit: limits.max_bytes,
        }
        .into());
    }
    let bytes = std::fs::read(path)?;
    process_bytes(&bytes, &path.to_string_lossy(), limits)
}

/// Processes an in-memory document; `path` names it in the output and picks the format.
pub fn process_bytes(bytes: &[u8], path: &str, limits: &Limits) -> Result<Document, ProcessError> {
    catch_unwind(AssertUnwindSafe(|| run_stages(bytes, path, limits)))
        .unwrap_or_else(|panic| Err(ProcessError::Internal(panic_message(&panic))))
}

fn run_stages(bytes: &[u8], path: &str, limits: &Limits) -> Result<Document, ProcessError> {
    let ingested = ingest::ingest(bytes, Path::new(path), limits)?;
    let repaired = repair::repair(&ingested.text);
    let segmented = segment::segment(&repaired.text);
    let extracted = extract::extract(&repaired.text, &segmented);
    Ok(output::assemble(
        path, bytes, ingested, repaired, segmented, extracted,
    ))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}
