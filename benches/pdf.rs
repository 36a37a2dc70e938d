//! PDF ingest throughput against poppler's `pdftotext` on the same files, in pages per
//! CPU-second, side by side in one run:
//!
//!     cargo bench --bench pdf
//!     VANBAN_BENCH_PDFS=../shared/external/vbhc-quangngai-pdfs cargo bench --bench pdf
//!
//! Inputs: the committed native fixtures (`fixtures/pdf/native_table.pdf`, `tcvn3.pdf`, the
//! producer PDFs in `fixtures/pdf/producers/`) and every PDF in `$VANBAN_BENCH_PDFS` if set.
//! CPU time is this process's plus its children's (`getrusage`): vanban's isolated worker
//! and pdftotext each start a process per document, as a batch run would.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Passes over the file set per side.
const ROUNDS: usize = 5;

fn cpu_seconds() -> f64 {
    let of = |who| {
        // SAFETY: getrusage only writes the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut usage) };
        let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
        t(usage.ru_utime) + t(usage.ru_stime)
    };
    of(libc::RUSAGE_SELF) + of(libc::RUSAGE_CHILDREN)
}

fn pdfs_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "pdf"));
    files.sort();
    files
}

fn pages(path: &Path) -> u64 {
    let info = Command::new("pdfinfo")
        .arg(path)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(1)
}

/// Pages per CPU-second of `run` over the files, `ROUNDS` times.
fn throughput(files: &[(PathBuf, Vec<u8>)], pages: u64, run: impl Fn(&Path, &[u8])) -> f64 {
    let start = cpu_seconds();
    for _ in 0..ROUNDS {
        for (path, bytes) in files {
            run(path, bytes);
        }
    }
    (pages * ROUNDS as u64) as f64 / (cpu_seconds() - start)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    std::env::set_var("VANBAN_PDF_WORKER", env!("CARGO_BIN_EXE_vanban"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pdf");
    let mut paths = vec![root.join("native_table.pdf"), root.join("tcvn3.pdf")];
    paths.extend(pdfs_in(&root.join("producers")));
    if let Some(dir) = std::env::var_os("VANBAN_BENCH_PDFS") {
        paths.extend(pdfs_in(Path::new(&dir)));
    }
    let files: Vec<(PathBuf, Vec<u8>)> = paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("PDF");
            (p, bytes)
        })
        .collect();
    let total: u64 = files.iter().map(|(p, _)| pages(p)).sum();
    let limits = vanban::Limits::default();
    let ours = throughput(&files, total, |path, bytes| {
        vanban::ingest::ingest(bytes, path, &limits).expect("ingest");
    });
    println!("{} PDFs, {total} pages, {ROUNDS} rounds", files.len());
    println!("vanban ingest: {ours:.0} pages per CPU-second");
    if Command::new("pdftotext").arg("-v").output().is_err() {
        println!("pdftotext not installed: no comparison");
        return;
    }
    let theirs = throughput(&files, total, |path, _| {
        Command::new("pdftotext")
            .arg(path)
            .arg("-")
            .output()
            .expect("pdftotext");
    });
    println!("pdftotext: {theirs:.0} pages per CPU-second");
    println!("vanban / pdftotext: {:.2}x", ours / theirs);
}
