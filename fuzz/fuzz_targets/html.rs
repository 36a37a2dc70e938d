//! HTML ingest: page detection, markup flattening, entities, `<pre>`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vanban::ingest::ingest_text(data, Path::new("input.html"), &vanban::Limits::default());
});
