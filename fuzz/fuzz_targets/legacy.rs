//! Legacy Vietnamese encodings (TCVN3, VNI, VIQR…): detection and conversion.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vanban::ingest::legacy;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(found) = legacy::detect_bytes(data, &text) {
        let _ = legacy::convert_bytes(data, found.encoding);
    }
    if let Some(found) = legacy::detect(&text, None) {
        let _ = legacy::convert(&text, found.encoding);
    }
    let _ = legacy::quality(&text);
});
