//! Text ingest: decoding, control characters, Markdown and the line limit.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vanban::ingest::ingest_text(data, Path::new("input.txt"), &vanban::Limits::default());
});
