//! The `vanban pdf-worker` entry, in-process: it reads the file, parses it and writes its
//! JSON reply on stdout (send stdout to /dev/null when running this target).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vanban::ingest::pdf::{worker_main, WorkerLimits};

fn input_path() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("input.pdf");
        (dir, path)
    })
    .1
}

fuzz_target!(|data: &[u8]| {
    // The worker's limits, scaled down so one input stays fast.
    let limits = WorkerLimits {
        max_pages: 20,
        max_decompressed_bytes: 16 << 20,
    };
    std::fs::write(input_path(), data).expect("write the input");
    let _ = worker_main(input_path(), limits, &[]);
});
