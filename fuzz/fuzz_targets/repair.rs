//! OCR repair with the embedded model: tokens, syllables, the decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The repair works on lines of a document; 4 KB is longer than any real line.
    if data.len() > 4096 {
        return;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vanban::repair::repair(text);
    }
});
