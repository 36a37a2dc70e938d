//! Bad input yields error records or warnings, never a panic, a hang or a lost batch.

mod common;

use std::process::Command;

use vanban::{process_bytes, Limits};

fn kind_of(bytes: &[u8]) -> String {
    match process_bytes(bytes, "input.txt", &Limits::default()) {
        Ok(_) => "ok".into(),
        Err(e) => e.kind().as_str().into(),
    }
}

#[test]
fn empty_and_blank_files_are_error_records() {
    assert_eq!(kind_of(b""), "empty");
    assert_eq!(kind_of(b"\n\n   \n"), "empty");
}

#[test]
fn binary_garbage_is_unsupported() {
    let garbage: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(kind_of(&garbage), "unsupported");
}

#[test]
fn invalid_utf8_is_decoded_with_a_warning() {
    let mut bytes = "Kế hoạch số 1/KH-UBND ".repeat(200).into_bytes();
    bytes.extend([0xff, 0xfe, 0xc3]);
    let doc = process_bytes(&bytes, "bad.txt", &Limits::default()).unwrap();
    assert!(
        doc.warnings.iter().any(|w| w.contains("invalid UTF-8")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn fifty_megabyte_single_line_is_cut_not_hung() {
    let line = "Nghị định số 61/2018/NĐ-CP ".repeat(50 * 1024 * 1024 / 30);
    let doc = process_bytes(line.as_bytes(), "long.txt", &Limits::default()).unwrap();
    assert!(doc.warnings.iter().any(|w| w.contains("cut to")));
    assert!(doc.text.chars().count() <= Limits::default().max_line_chars);
    assert_eq!(doc.citations[0].id, "61/2018/NĐ-CP");
}

#[test]
fn oversized_input_is_refused_by_limit() {
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let err = process_bytes(b"Ke hoach so 1", "x.txt", &limits).unwrap_err();
    assert_eq!(err.kind().as_str(), "too_large");
}

#[test]
fn batch_goes_on_past_unreadable_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(common::seed("003"), dir.path().join("a_good.txt")).unwrap();
    std::fs::write(dir.path().join("b_empty.txt"), b"").unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", dir.path().join("c_dangling.txt")).unwrap();
    std::fs::write(dir.path().join("d_binary.txt"), vec![0u8; 4096]).unwrap();
    std::fs::write(dir.path().join("e_model.bin"), vec![0u8; 16]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vanban"))
        .arg("extract")
        .arg(dir.path())
        .arg("--jsonl")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "non-zero when a document failed"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines[0]["citations"].as_array().unwrap().len() > 10,
        "the good document is converted"
    );
    let kinds: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["error"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["empty", "io", "unsupported"]);
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(
        summary.contains("4 documents: 1 converted, 0 already current, 3 failed"),
        "{summary}"
    );
    // Each failure is named with its reason, the OS error kept.
    assert!(
        summary.contains("c_dangling.txt: cannot read: No such file or directory"),
        "{summary}"
    );
}

#[test]
fn pdf_parse_stopped_at_the_time_limit_is_a_timeout() {
    let bytes = std::fs::read(common::root().join("fixtures/pdf/native_table.pdf")).unwrap();
    let limits = Limits {
        parse_timeout: std::time::Duration::ZERO,
        ..Limits::default()
    };
    let err = process_bytes(&bytes, "native_table.pdf", &limits).unwrap_err();
    assert_eq!(err.kind().as_str(), "timeout");
    assert_eq!(
        err.to_string(),
        "unreadable PDF: parse timed out after 0 s (time limit)"
    );
}
