//! The hostile PDFs of issue 18, made by `tools/hostile-pdf/gen.py` (the small ones
//! committed next to this file, 100k pages generated here): each costs one document at
//! most, within its time limit, and its whole process tree (vanban, the PDF worker,
//! pdftoppm, tesseract) stays under 2 GB. A killed `extract` leaves no process and, after
//! the next start, no temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::malformed::{limits, pdf_error, run_with};
use vanban::ingest::pdf::ocr;
use vanban::ingest::{IngestError, Ingested};
use vanban::Limits;

/// The bound of the issue for a document's process tree.
const MAX_TREE_RSS: u64 = 2_000_000_000;

fn hostile(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(format!("{name}.pdf"))).unwrap()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/pdf/hostile")
}

fn read(name: &str, limits: &Limits) -> Result<Ingested, IngestError> {
    // No extension: the header alone says PDF.
    run_with(&hostile(name), Path::new(name), limits)
}

fn lines(doc: &Ingested) -> Vec<(u32, &str)> {
    doc.line_pages
        .iter()
        .copied()
        .zip(doc.text.lines())
        .collect()
}

#[test]
fn bytes_before_the_header_are_skipped_as_pdftotext_does() {
    for (name, text) in [
        ("bom_prefix", "Sau dau BOM"),
        ("junk_prefix", "Sau hai byte"),
    ] {
        let doc = read(name, &limits()).unwrap();
        assert_eq!(doc.text, text, "{name}");
        assert_eq!(doc.pages, Some(1));
    }
}

#[test]
fn a_page_tree_holding_itself_has_its_one_page_once() {
    let doc = read("kids_self", &limits()).unwrap();
    assert_eq!(doc.pages, Some(1));
    assert_eq!(doc.text, "Trang duy nhat");
    assert!(
        doc.warnings.iter().any(|w| w.contains("page tree")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn a_recursive_form_costs_its_page_only() {
    let doc = read("recursive_form", &limits()).unwrap();
    assert_eq!(doc.pages, Some(3));
    let got = lines(&doc);
    assert_eq!(got.first(), Some(&(1, "Trang mot")), "{got:?}");
    assert_eq!(got.last(), Some(&(3, "Trang ba")), "{got:?}");
    assert!(
        doc.warnings
            .iter()
            .any(|w| w == "page 2: the PDF parser crashed on this page"),
        "{:?}",
        doc.warnings
    );
    if ocr::unavailable().is_none() {
        // Page 2 is rendered by poppler and read by OCR instead.
        assert!(got.iter().any(|(page, _)| *page == 2), "{got:?}");
    }
}

#[test]
fn a_double_flate_bomb_stops_at_the_limit() {
    let message = pdf_error(read("double_flate", &limits()));
    assert!(message.contains("decompression limit"), "{message}");
}

#[test]
fn ocr_stops_when_the_documents_time_runs_out() {
    // 50 pages whose text lost its marks: each asks for OCR (~5 s a page here).
    let limits = Limits {
        document_timeout: Duration::from_secs(8),
        parse_timeout: Duration::from_secs(8),
        ..Limits::default()
    };
    let doc = read("unmarked_50", &limits).unwrap();
    assert_eq!(doc.pages, Some(50));
    // Every page keeps at least its text layer.
    assert_eq!(doc.line_pages.iter().max(), Some(&50));
    if ocr::unavailable().is_none() {
        assert!(
            doc.warnings
                .iter()
                .any(|w| w.contains("not read by OCR, the document's time limit (8 s) ran out")),
            "{:?}",
            doc.warnings
        );
    }
}

#[test]
fn a_hundred_thousand_pages_parse_within_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let made = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/hostile-pdf/gen.py"))
        .arg(tmp.path())
        .arg("pages_100k")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let bytes = std::fs::read(tmp.path().join("pages_100k.pdf")).unwrap();
    assert!(bytes.len() < 17 << 20);
    // About 1 s of CPU (lopdf loads every object); the bound leaves room for a busy machine.
    let limits = Limits {
        parse_timeout: Duration::from_secs(30),
        document_timeout: Duration::from_secs(30),
        ..limits()
    };
    let doc = run_with(&bytes, Path::new("big.pdf"), &limits).unwrap();
    assert_eq!(doc.pages, Some(100_000));
    assert_eq!(doc.line_pages.iter().max(), Some(&100));
}

/// `vanban extract FILE --jsonl -o OUT` with `TMPDIR` set to `tmp`.
fn extract(file: &Path, tmp: &Path, out: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vanban"));
    command
        .arg("extract")
        .arg(file)
        .arg("--jsonl")
        .arg("-o")
        .arg(out)
        .env("TMPDIR", tmp)
        .env_remove("VANBAN_PDF_WORKER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Every process and its parent.
fn processes() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        // A zombie has exited already.
        if fields.first() == Some(&"Z") {
            continue;
        }
        if let Some(parent) = fields.get(1).and_then(|p| p.parse().ok()) {
            out.push((pid, parent));
        }
    }
    out
}

/// `root` and its descendants that are alive.
fn tree(root: u32) -> Vec<u32> {
    let all = processes();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(all.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| pid));
        i += 1;
    }
    tree.retain(|pid| all.iter().any(|(p, _)| p == pid));
    tree
}

fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Waits for `child`, sampling the resident memory of its whole tree; the peak.
fn peak_tree_rss(mut child: Child, limit: Duration) -> u64 {
    let started = Instant::now();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < limit, "still running after {limit:?}");
        let total = tree(child.id()).into_iter().map(rss).sum();
        peak = peak.max(total);
        std::thread::sleep(Duration::from_millis(20));
    }
    peak
}

#[test]
fn every_hostile_pdf_keeps_its_process_tree_under_2_gb() {
    let tmp = tempfile::tempdir().unwrap();
    // The 50-page one takes the whole document budget: measured in the note, not here.
    for name in [
        "huge_page",
        "double_flate",
        "kids_self",
        "recursive_form",
        "bom_prefix",
        "junk_prefix",
    ] {
        let child = extract(
            &dir().join(format!("{name}.pdf")),
            tmp.path(),
            &tmp.path().join(format!("{name}.jsonl")),
        )
        .spawn()
        .unwrap();
        let peak = peak_tree_rss(child, Duration::from_secs(120));
        eprintln!("{name}: peak tree RSS {} MB", peak >> 20);
        assert!(peak < MAX_TREE_RSS, "{name}: {} MB", peak >> 20);
    }
    // Each run removed its temporary folder at exit.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with("vanban-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_killed_extract_leaves_no_process_and_its_folder_is_swept_at_the_next_start() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    // A worker that hangs (as on a hostile file) until it is killed.
    let worker = tmp.path().join("worker.sh");
    std::fs::write(&worker, "#!/bin/sh\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&worker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let temp = tmp.path().join("tmp");
    std::fs::create_dir(&temp).unwrap();
    let mut child = extract(
        &dir().join("kids_self.pdf"),
        &temp,
        &tmp.path().join("out.jsonl"),
    )
    .env("VANBAN_PDF_WORKER", &worker)
    .spawn()
    .unwrap();
    let pid = child.id();
    let started = Instant::now();
    let below = loop {
        let below: Vec<u32> = tree(pid).into_iter().filter(|&p| p != pid).collect();
        if !below.is_empty() {
            break below;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no worker started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let run_dir = temp.join(format!("vanban-{pid}"));
    assert!(run_dir.is_dir(), "{run_dir:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    let started = Instant::now();
    loop {
        let alive: Vec<u32> = processes()
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| below.contains(p))
            .collect();
        if alive.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "left running: {alive:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The next start sweeps the dead run's folder (the input needs no PDF reading).
    let text = tmp.path().join("note.txt");
    std::fs::write(&text, "Kế hoạch số 12\n").unwrap();
    let status = extract(&text, &temp, &tmp.path().join("next.jsonl"))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(!run_dir.exists(), "{run_dir:?} left");
}
