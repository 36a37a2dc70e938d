//! Runs the PDF parser where it cannot take the batch down: the `vanban pdf-worker`
//! child process, killed at the time limit and capped in address space, so a panic, a
//! stack overflow, an endless loop or a decompression bomb costs one document.
//!
//! The worker binary is found next to the running executable (the `vanban` binary
//! itself, or `target/<profile>/vanban` for test executables in `target/<profile>/deps`),
//! or named by `VANBAN_PDF_WORKER`. When there is none (the library embedded elsewhere),
//! the parse runs in-process on a thread under `catch_unwind` and the time limit, with a
//! warning: a hang then leaks a thread and a bomb is stopped only by the inflate check.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::raw::{self, RawDoc, RawError, WorkerLimits};
use crate::model::ErrorKind;
use crate::Limits;

/// The hidden subcommand of the `vanban` binary that runs [`worker_main`].
const WORKER_SUBCOMMAND: &str = "pdf-worker";
/// Address space the worker gets beyond twice the decompression limit.
const WORKER_BASE_MEMORY: u64 = 1 << 30;

/// Entry point of `vanban pdf-worker FILE --max-pages N --max-decompressed-bytes B`:
/// writes one JSON `{"Ok": RawDoc}` or `{"Err": RawError}` on stdout.
pub fn worker_main(path: &Path, limits: WorkerLimits) -> std::io::Result<()> {
    let bytes = std::fs::read(path)?;
    let reply = raw::extract(&bytes, limits);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &reply)?;
    out.flush()
}

/// Why a PDF could not be parsed within the limits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The parser refused the file.
    #[error(transparent)]
    Rejected(#[from] RawError),
    #[error("no pages")]
    NoPages,
    /// The parse was stopped at [`Limits::parse_timeout`].
    #[error("parse timed out after {} s (time limit)", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("the PDF parser panicked")]
    Panicked,
    /// The worker died: a signal (out of memory or stack) or an exit status.
    #[error("the PDF parser crashed ({0})")]
    Crashed(String),
    #[error("the PDF worker sent an unreadable reply: {0}")]
    Reply(serde_json::Error),
    #[error("temporary file: {0}")]
    TempFile(std::io::Error),
    #[error("cannot run the PDF worker {}: {source}", .worker.display())]
    Spawn {
        worker: PathBuf,
        source: std::io::Error,
    },
}

impl PdfError {
    /// Stable machine-readable kind for error records.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PdfError::Timeout(_) => ErrorKind::Timeout,
            _ => ErrorKind::Parse,
        }
    }
}

/// Parses `bytes` under `limits`.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<(RawDoc, Vec<String>), PdfError> {
    let worker_limits = WorkerLimits {
        max_pages: limits.max_pages,
        max_decompressed_bytes: limits.max_decompressed_bytes,
    };
    let in_process = |why: String| {
        parse_in_thread(bytes, worker_limits, limits.parse_timeout).map(|d| (d, vec![why]))
    };
    match worker_binary() {
        Some(bin) => match parse_in_child(&bin, bytes, worker_limits, limits.parse_timeout) {
            Err(Child::Stale) => in_process(format!(
                "{} has no {WORKER_SUBCOMMAND} (an older build): parsed in-process",
                bin.display()
            )),
            Err(Child::Failed(message)) => Err(message),
            Ok(doc) => Ok((doc, Vec::new())),
        },
        None => {
            in_process("no vanban binary found for the PDF worker: parsed in-process".to_string())
        }
    }
}

fn worker_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("VANBAN_PDF_WORKER") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    let name = format!("vanban{}", std::env::consts::EXE_SUFFIX);
    if exe.file_name().is_some_and(|n| n == name.as_str()) {
        return Some(exe);
    }
    let dir = exe.parent()?;
    [dir.join(&name), dir.parent()?.join(&name)]
        .into_iter()
        .find(|p| p.is_file())
}

/// Why the child gave no document.
enum Child {
    /// The binary predates the worker subcommand (a stale build next to a test binary).
    Stale,
    Failed(PdfError),
}

impl From<PdfError> for Child {
    fn from(error: PdfError) -> Self {
        Child::Failed(error)
    }
}

fn parse_in_child(
    bin: &Path,
    bytes: &[u8],
    limits: WorkerLimits,
    timeout: Duration,
) -> Result<RawDoc, Child> {
    let mut file = tempfile::NamedTempFile::new().map_err(PdfError::TempFile)?;
    file.write_all(bytes).map_err(PdfError::TempFile)?;
    let mut command = Command::new(bin);
    command
        .arg(WORKER_SUBCOMMAND)
        .arg(file.path())
        .arg("--max-pages")
        .arg(limits.max_pages.to_string())
        .arg("--max-decompressed-bytes")
        .arg(limits.max_decompressed_bytes.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cap_memory(
        &mut command,
        WORKER_BASE_MEMORY + 2 * limits.max_decompressed_bytes,
    );
    let output = run_with_timeout(command, timeout).map_err(|source| PdfError::Spawn {
        worker: bin.to_path_buf(),
        source,
    })?;
    let Some(output) = output else {
        return Err(PdfError::Timeout(timeout).into());
    };
    match serde_json::from_slice::<Result<RawDoc, RawError>>(&output.stdout) {
        Ok(reply) => reply.map_err(|e| PdfError::from(e).into()),
        Err(_) if String::from_utf8_lossy(&output.stderr).contains("unrecognized subcommand") => {
            Err(Child::Stale)
        }
        Err(_) if !output.status.success() => {
            Err(PdfError::Crashed(describe_status(output.status)).into())
        }
        Err(e) => Err(PdfError::Reply(e).into()),
    }
}

fn describe_status(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal {signal}, e.g. out of memory or stack");
        }
    }
    status.to_string()
}

#[cfg(unix)]
fn cap_memory(command: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only async-signal-safe calls: setrlimit is one.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn cap_memory(_: &mut Command, _: u64) {}

/// Output of a finished child.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `command` (stdout and stderr piped) and kills it at `timeout`: `Ok(None)` then.
pub fn run_with_timeout(
    mut command: Command,
    timeout: Duration,
) -> std::io::Result<Option<Finished>> {
    let deadline = Instant::now() + timeout;
    let mut child = command.spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let mut pause = Duration::from_millis(2);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    Ok(Some(Finished {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

fn parse_in_thread(
    bytes: &[u8],
    limits: WorkerLimits,
    timeout: Duration,
) -> Result<RawDoc, PdfError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let bytes = bytes.to_vec();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| raw::extract(&bytes, limits));
        let _ = tx.send(result.map_or(Err(PdfError::Panicked), |r| r.map_err(PdfError::from)));
    });
    rx.recv_timeout(timeout)
        .unwrap_or(Err(PdfError::Timeout(timeout)))
}
