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
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::raw::{self, RawDoc, RawError, Step, WorkerLimits};
use crate::limits::Deadline;
use crate::model::ErrorKind;
use crate::Limits;

/// The hidden subcommand of the `vanban` binary that runs [`worker_main`].
const WORKER_SUBCOMMAND: &str = "pdf-worker";
/// What the worker writes on stderr before each step (see [`Step`]).
const STEP_PREFIX: &str = "vanban-pdf-worker: ";
/// The step mark of a page, before its number.
const STEP_MARK: &str = "vanban-pdf-worker: page ";
/// Bytes of the worker's reply written at once.
const REPLY_BUFFER: usize = 1 << 16;
/// Pages that crashed the worker left out before the document is given up.
const MAX_CRASHED_PAGES: usize = 8;

/// Entry point of `vanban pdf-worker FILE --max-pages N --max-decompressed-bytes B
/// [--skip-pages 2,5]`: writes one `Result<RawDoc, RawError>` in postcard on stdout, and
/// each page's number on stderr before it is read.
pub fn worker_main(path: &Path, limits: WorkerLimits, skip: &[u32]) -> std::io::Result<()> {
    // A panic on a page is caught and costs that page (`raw::extract`); the default hook
    // would only add its message to stderr, where the step marks are read, and with
    // `RUST_BACKTRACE` set resolve a backtrace per panic (1.3 s instead of 0.3 s, 222 MB
    // instead of 43 MB on the 8 panics of tests/regressions/pdf/fuzz/missing_font_object.pdf).
    std::panic::set_hook(Box::new(|_| {}));
    let bytes = std::fs::read(path)?;
    let reply = raw::extract(&bytes, limits, skip, &mut |step| match step {
        Step::Page(n) => eprintln!("{STEP_MARK}{n}"),
        Step::Fonts => eprintln!("{STEP_PREFIX}fonts"),
    });
    // Buffered: stdout's line buffering would write the reply (a megabyte) a kilobyte at
    // a time, scanning each write for a newline.
    let out = std::io::BufWriter::with_capacity(REPLY_BUFFER, std::io::stdout().lock());
    postcard::to_io(&reply, out)
        .map_err(std::io::Error::other)?
        .flush()
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
    Reply(postcard::Error),
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

/// Parses `bytes` under `limits`, within `deadline`. A page that crashes the worker is
/// left out (marked failed, to be OCR'd) and the file read again.
pub fn parse(
    bytes: &[u8],
    limits: &Limits,
    deadline: Deadline,
) -> Result<(RawDoc, Vec<String>), PdfError> {
    let worker_limits = WorkerLimits {
        max_pages: limits.max_pages,
        max_decompressed_bytes: limits.max_decompressed_bytes,
    };
    let timeout = || deadline.cap(limits.parse_timeout);
    let in_process =
        |why: String| parse_in_thread(bytes, worker_limits, timeout()).map(|d| (d, vec![why]));
    let Some(bin) = worker_binary() else {
        return in_process(
            "no vanban binary found for the PDF worker: parsed in-process".to_string(),
        );
    };
    let mut file = tempfile::NamedTempFile::new_in(run_dir().map_err(PdfError::TempFile)?)
        .map_err(PdfError::TempFile)?;
    file.write_all(bytes).map_err(PdfError::TempFile)?;
    let mut skip = Vec::new();
    loop {
        let run = Worker {
            bin: &bin,
            file: file.path(),
            limits: worker_limits,
            skip: &skip,
            memory: limits.max_memory,
        };
        return match run.parse(timeout()) {
            Err(Child::Stale) => in_process(format!(
                "{} has no {WORKER_SUBCOMMAND} (an older build): parsed in-process",
                bin.display()
            )),
            Err(Child::Crashed {
                page: Some(page), ..
            }) if skip.len() < MAX_CRASHED_PAGES && !skip.contains(&page) => {
                skip.push(page);
                continue;
            }
            Err(Child::Crashed { why, .. }) => Err(PdfError::Crashed(why)),
            Err(Child::Failed(message)) => Err(message),
            Ok(doc) => Ok((doc, Vec::new())),
        };
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
    /// The worker died, reading `page` when it had said so.
    Crashed {
        page: Option<u32>,
        why: String,
    },
    Failed(PdfError),
}

impl From<PdfError> for Child {
    fn from(error: PdfError) -> Self {
        Child::Failed(error)
    }
}

/// One run of the worker on the file at `file`.
struct Worker<'a> {
    bin: &'a Path,
    file: &'a Path,
    limits: WorkerLimits,
    skip: &'a [u32],
    memory: u64,
}

impl Worker<'_> {
    fn parse(&self, timeout: Duration) -> Result<RawDoc, Child> {
        let mut command = Command::new(self.bin);
        command
            .arg(WORKER_SUBCOMMAND)
            .arg(self.file)
            .arg("--max-pages")
            .arg(self.limits.max_pages.to_string())
            .arg("--max-decompressed-bytes")
            .arg(self.limits.max_decompressed_bytes.to_string());
        if !self.skip.is_empty() {
            let skip: Vec<String> = self.skip.iter().map(u32::to_string).collect();
            command.arg("--skip-pages").arg(skip.join(","));
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        confine(&mut command, self.memory);
        let output = run_with_timeout(command, timeout).map_err(|source| PdfError::Spawn {
            worker: self.bin.to_path_buf(),
            source,
        })?;
        let Some(output) = output else {
            return Err(PdfError::Timeout(timeout).into());
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        match postcard::from_bytes::<Result<RawDoc, RawError>>(&output.stdout) {
            Ok(reply) => reply.map_err(|e| PdfError::from(e).into()),
            Err(_) if stderr.contains("unrecognized subcommand") => Err(Child::Stale),
            Err(_) if !output.status.success() => Err(Child::Crashed {
                page: stderr
                    .lines()
                    .rfind(|l| l.starts_with(STEP_PREFIX))
                    .and_then(|l| l.strip_prefix(STEP_MARK)?.trim().parse().ok()),
                why: describe_status(output.status),
            }),
            Err(e) => Err(PdfError::Reply(e).into()),
        }
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

/// Readies a child for a hostile input: its own process group (killed whole at a time
/// limit), killed when this process dies, its address space capped at `memory` bytes.
#[cfg(unix)]
pub fn confine(command: &mut Command, memory: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: getpid in the parent; between fork and exec only async-signal-safe calls
    // (setpgid, prctl, getppid, setrlimit, _exit).
    let parent = unsafe { libc::getpid() };
    unsafe {
        command.pre_exec(move || {
            libc::setpgid(0, 0);
            #[cfg(target_os = "linux")]
            {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                // The parent died before the line above.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
            }
            let limit = libc::rlimit {
                rlim_cur: memory as libc::rlim_t,
                rlim_max: memory as libc::rlim_t,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
}

#[cfg(not(unix))]
pub fn confine(_: &mut Command, _: u64) {}

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
            kill_group(child.id());
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

/// Kills the process group `pid` leads, if it does (see [`confine`]): what the child
/// started dies with it. The child is not yet reaped, so no other group has its id.
fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: a plain system call; ESRCH when the child leads no group.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// This run's folder: `$TMPDIR/vanban-PID`.
static RUN_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);
/// Prefix of run folders in the temporary directory.
const RUN_DIR_PREFIX: &str = "vanban-";

/// The folder every temporary file of this run lives in, `$TMPDIR/vanban-PID`: made on
/// first use (when the folders of dead runs are swept) and removed at exit.
pub fn run_dir() -> std::io::Result<PathBuf> {
    let mut dir = RUN_DIR.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = dir.as_ref().filter(|d| d.is_dir()) {
        return Ok(dir.clone());
    }
    sweep_run_dirs();
    let path = std::env::temp_dir().join(format!("{RUN_DIR_PREFIX}{}", std::process::id()));
    std::fs::create_dir_all(&path)?;
    if dir.is_none() {
        #[cfg(unix)]
        // SAFETY: registers a plain function; it runs once, at exit.
        unsafe {
            libc::atexit(remove_run_dir);
        }
    }
    *dir = Some(path.clone());
    Ok(path)
}

#[cfg(unix)]
extern "C" fn remove_run_dir() {
    // At exit no other thread holds the lock; if one does, the next run sweeps.
    if let Ok(dir) = RUN_DIR.try_lock() {
        if let Some(dir) = dir.as_ref() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Removes the run folders of processes that are gone (killed before they could).
pub fn sweep_run_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(RUN_DIR_PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` still exists (a process that may not be signalled counts).
#[cfg(unix)]
pub(crate) fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
pub(crate) fn alive(_: u32) -> bool {
    true
}

fn parse_in_thread(
    bytes: &[u8],
    limits: WorkerLimits,
    timeout: Duration,
) -> Result<RawDoc, PdfError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let bytes = bytes.to_vec();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| raw::extract(&bytes, limits, &[], &mut |_| {}));
        let _ = tx.send(result.map_or(Err(PdfError::Panicked), |r| r.map_err(PdfError::from)));
    });
    rx.recv_timeout(timeout)
        .unwrap_or(Err(PdfError::Timeout(timeout)))
}
