//! The `serve` request handler: a raw request head in, response bytes out, over a
//! one-document archive.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vanban::archive::http::{handle, Policy, MAX_RESPONSE};
use vanban::archive::index::Archive;

const TEXT: &str = "ỦY BAN NHÂN DÂN\nSố: 12/KH-UBND\n\nKẾ HOẠCH\nCải cách thủ tục hành chính\n\
                    1. Sở Nội vụ chủ trì rà soát thủ tục, hoàn thành trong quý I năm 2024.\n";

fn archive() -> &'static Archive {
    static ARCHIVE: OnceLock<Archive> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let archive = Archive::in_memory().expect("an index in memory");
        let doc = vanban::process_bytes(TEXT.as_bytes(), "kh-12.txt", &vanban::Limits::default())
            .expect("the sample document");
        archive.add(&[doc]).expect("the sample is indexed");
        archive
    })
}

fuzz_target!(|data: &[u8]| {
    let policy = Policy::new(
        "127.0.0.1:8080".parse().expect("an address"),
        // Inputs of even length meet a server with a token.
        (data.len() % 2 == 0).then(|| "token".to_string()),
        MAX_RESPONSE,
    );
    let response = handle(archive(), &policy, data);
    assert!(response.starts_with(b"HTTP/1.1 "));
});
