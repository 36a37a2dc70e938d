//! Runs the stages for one document under explicit limits.

use std::cell::{Cell, RefCell};
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

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
    let bytes = read_file(path, limits)?;
    process_bytes(&bytes, &path.to_string_lossy(), limits)
}

/// Reads one regular file, at most `limits.max_bytes` of it: the size a file reports is
/// not trusted (`/proc` files report 0). FIFOs, devices and sockets are refused without
/// waiting on them (opened non-blocking, checked on the open descriptor).
pub fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, ProcessError> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    let special = if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_char_device() || kind.is_block_device() {
        Some("a device")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_dir() {
        Some("a folder")
    } else {
        None
    };
    if let Some(what) = special {
        return Err(ingest::IngestError::NotRegular(what).into());
    }
    if meta.len() > limits.max_bytes {
        return Err(ingest::IngestError::TooLarge {
            bytes: meta.len(),
            limit: limits.max_bytes,
        }
        .into());
    }
    read_bounded(file, limits.max_bytes)
}

/// Reads `reader` to its end, refusing it once past `max_bytes` (memory stays bounded).
pub fn read_bounded(reader: impl Read, max_bytes: u64) -> Result<Vec<u8>, ProcessError> {
    let mut bytes = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ingest::IngestError::PastLimit { limit: max_bytes }.into());
    }
    Ok(bytes)
}

/// Processes an in-memory document; `path` names it in the output and picks the format.
pub fn process_bytes(bytes: &[u8], path: &str, limits: &Limits) -> Result<Document, ProcessError> {
    catch_document_panic(|| run_stages(bytes, path, limits))
}

thread_local! {
    /// Set while this thread runs a document: its panics become error records.
    static IN_DOCUMENT: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic of this thread's document happened.
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into [`ProcessError::Internal`] with its message and
/// location. Such panics are kept off stderr (the error record carries them); panics
/// anywhere else still reach the previous hook.
fn catch_document_panic(
    f: impl FnOnce() -> Result<Document, ProcessError>,
) -> Result<Document, ProcessError> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_DOCUMENT.get() {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANIC_AT.set(at);
            } else {
                previous(info);
            }
        }));
    });
    let outer = IN_DOCUMENT.replace(true);
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_DOCUMENT.set(outer);
    result.unwrap_or_else(|panic| {
        let at = PANIC_AT
            .take()
            .map_or_else(String::new, |at| format!(" at {at}"));
        Err(ProcessError::Internal(format!(
            "{}{at}",
            panic_message(&panic)
        )))
    })
}

fn run_stages(bytes: &[u8], path: &str, limits: &Limits) -> Result<Document, ProcessError> {
    let ingested = ingest::ingest(bytes, Path::new(path), limits)?;
    let repaired = if limits.repair {
        repair::repair(&ingested.text)
    } else {
        repair::unrepaired(&ingested.text)
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_costs_one_document_an_internal_error_with_its_place() {
        let err = catch_document_panic(|| panic!("boom")).unwrap_err();
        assert_eq!(err.kind().as_str(), "internal");
        let message = err.to_string();
        assert!(
            message.starts_with("internal error: boom at src/pipeline.rs:"),
            "{message}"
        );
        // The next document runs as usual.
        assert!(process_bytes("Kế hoạch".as_bytes(), "a.txt", &Limits::default()).is_ok());
    }
}
