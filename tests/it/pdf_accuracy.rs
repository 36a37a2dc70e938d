//! OCR accuracy on scans of held-out text: syllable error rate (edit distance over
//! syllables / reference syllables). Needs tesseract-ocr-vie and poppler-utils, and the
//! held-out scans from `python3 tools/testpdfs/gen.py --bench` (target/pdfbench/), so it
//! is ignored by default:
//!
//!     cargo test --release --test it pdf_accuracy:: -- --ignored --nocapture

use std::path::Path;

use vanban::ingest::ingest;
use vanban::Limits;

/// Lower-case syllables without punctuation.
fn syllables(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Levenshtein distance over tokens.
fn edit_distance(a: &[String], b: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + (x != y) as usize)
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn syllable_error_rate(pdf: &Path, reference: &Path) -> (f64, usize, Vec<String>) {
    std::env::set_var("VANBAN_PDF_WORKER", env!("CARGO_BIN_EXE_vanban"));
    let limits = Limits {
        parse_timeout: std::time::Duration::from_secs(300),
        document_timeout: std::time::Duration::from_secs(3600),
        ..Limits::default()
    };
    let doc = ingest(&std::fs::read(pdf).unwrap(), pdf, &limits).unwrap();
    let truth = syllables(&std::fs::read_to_string(reference).unwrap());
    let got = syllables(&doc.text);
    (
        edit_distance(&got, &truth) as f64 / truth.len() as f64,
        truth.len(),
        doc.warnings,
    )
}

#[test]
fn edit_distance_counts_syllables() {
    let s = |t: &str| syllables(t);
    assert_eq!(edit_distance(&s("Kế hoạch số 12."), &s("kế hoach số")), 2);
}

#[test]
#[ignore]
fn heldout_scan_syllable_error_rate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pdfbench");
    let (ser, n, warnings) =
        syllable_error_rate(&dir.join("heldout_scan.pdf"), &dir.join("heldout.txt"));
    eprintln!("held-out scan (seed 003, 300 dpi bilevel): syllable error rate {:.2}% over {n} syllables; {warnings:?}", ser * 100.0);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pdf");
    for scan in ["scan_image_only.pdf", "scan_eng_layer.pdf"] {
        let (ser, n, warnings) =
            syllable_error_rate(&fixtures.join(scan), &fixtures.join("scan.expected.txt"));
        eprintln!(
            "{scan} (200 dpi bilevel): syllable error rate {:.2}% over {n} syllables; {warnings:?}",
            ser * 100.0
        );
    }
    assert!(ser < 0.05, "syllable error rate {ser}");
}
