//! PDF ingest throughput against poppler's `pdftotext` on the same files.
//!
//!     cargo bench --bench pdf
//!
//! Inputs: the committed native fixture (11 pages, ruled appendix table) and the legacy
//! TCVN3 page. Both sides start a process per document (vanban's isolated worker, and
//! pdftotext), so the comparison includes process start-up as a batch run would.

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pdf")
        .join(name)
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

fn bench(c: &mut Criterion) {
    std::env::set_var("VANBAN_PDF_WORKER", env!("CARGO_BIN_EXE_vanban"));
    let limits = vanban::Limits::default();
    let have_pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    for name in ["native_table.pdf", "tcvn3.pdf"] {
        let path = fixture(name);
        let bytes = std::fs::read(&path).expect("fixture");
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(pages(&path)));
        group.sample_size(20);
        group.bench_function("vanban ingest", |b| {
            b.iter(|| vanban::ingest::ingest(&bytes, Path::new(name), &limits).expect("ingest"))
        });
        if have_pdftotext {
            group.bench_function("pdftotext", |b| {
                b.iter(|| {
                    Command::new("pdftotext")
                        .arg(&path)
                        .arg("-")
                        .output()
                        .expect("pdftotext")
                })
            });
            group.bench_function("pdftotext -layout", |b| {
                b.iter(|| {
                    Command::new("pdftotext")
                        .arg("-layout")
                        .arg(&path)
                        .arg("-")
                        .output()
                        .expect("pdftotext")
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
