//! Throughput of the repair stage on damaged text (target ≥ 1 MB/s per core).
//!
//! `cargo bench --bench repair` repairs about 1 MB of seeds 000–003 with their
//! marks stripped, then about 1 MB of seed 004 (real OCR damage), each copy as a
//! separate document, then seed 004 cut into pages of about 2 KB, each its own
//! document (an archive OCR'd page by page), then a mix of real documents: the
//! administrative documents of `../shared/corpora/admin` with their marks stripped
//! (read at bench time, never committed; `$VANBAN_ADMIN` elsewhere) and OCR pages
//! (`tools/ocr-channel/eval*/`, and the dev documents of
//! `../shared/external/vbhc-ocr-tesseract` read by `tesseract -l vie`), each its own
//! document, and reports MB/s single-threaded after the model is loaded
//! (load time is printed too),
//! both per wall-clock second and per second of this process's CPU time (the
//! latter is what "per core" means on a machine shared with other builds).

use std::time::Instant;

use vanban::repair::{model, repair};
use vanban::text::fold_char;

fn seeds(prefixes: &[&str]) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/seeds")
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    names
        .iter()
        .filter(|p| {
            prefixes
                .iter()
                .any(|x| p.file_name().unwrap().to_string_lossy().starts_with(x))
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Repairs copies of `units`, each as its own document (so per-document caches
/// start empty every time), until about 1 MB has gone through.
fn measure(name: &str, units: &[String]) {
    // `cargo bench --bench repair -- ocr` runs only the measures whose name has "ocr".
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !wanted.is_empty() && !wanted.iter().any(|w| name.contains(w.as_str())) {
        return;
    }
    let bytes: usize = units.iter().map(String::len).sum();
    let copies = 1_000_000usize.div_ceil(bytes.max(1));
    let (t0, c0) = (Instant::now(), cpu_secs());
    let repaired: u64 = (0..copies)
        .flat_map(|_| units)
        .map(|u| repair(u).repaired_tokens)
        .sum();
    let (secs, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
    let mb = (copies * bytes) as f64 / 1e6;
    let documents = copies * units.len();
    println!(
        "{name}: {documents} documents, {mb:.2} MB in {secs:.2}s wall / {cpu:.2}s CPU = {:.2} MB/s wall, {:.2} MB/s per CPU-second ({repaired} tokens repaired)",
        mb / secs,
        mb / cpu.max(1e-9),
    );
}

/// `text` cut at line ends into pages of about `size` bytes.
fn pages(text: &str, size: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in text.lines() {
        if out.last().is_some_and(|p| p.len() >= size) {
            out.push(String::new());
        }
        let page = out.last_mut().expect("one page at least");
        page.push_str(line);
        page.push('\n');
    }
    out
}

/// The files of `dir` whose names pass `keep`, sorted; none when it is missing.
fn texts(dir: &std::path::Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| keep(&p.file_name().unwrap_or_default().to_string_lossy()));
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

/// Real documents as an archive holds them: admin documents with their marks
/// stripped, and OCR pages.
fn mix() -> Vec<String> {
    let admin = std::env::var_os("VANBAN_ADMIN").map_or_else(
        || "/work/shared/corpora/admin".into(),
        std::path::PathBuf::from,
    );
    let mut docs: Vec<String> = texts(&admin, |n| n.ends_with(".txt"))
        .iter()
        .map(|t| t.chars().map(fold_char).collect())
        .collect();
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/ocr-channel");
    for dir in ["eval", "eval-fra", "eval-deu"] {
        docs.extend(texts(&tools.join(dir), |n| n.ends_with(".ocr")));
    }
    // The dev documents only: 20 and 21 are a test split.
    docs.extend(texts(
        std::path::Path::new("/work/shared/external/vbhc-ocr-tesseract"),
        |n| n.contains(".tesseract-") && (n.starts_with("doc18") || n.starts_with("doc19")),
    ));
    docs
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`; 0 elsewhere).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|x| x.parse::<f64>().ok()).sum()
    });
    ticks / 100.0
}

fn main() {
    let (t0, c0) = (Instant::now(), cpu_secs());
    let loaded = model().is_ok();
    println!(
        "model load: {:.0} ms wall, {:.0} ms CPU (loaded: {loaded})",
        t0.elapsed().as_secs_f64() * 1e3,
        (cpu_secs() - c0) * 1e3
    );
    let stripped: String = seeds(&["000", "001", "002", "003"])
        .chars()
        .map(fold_char)
        .collect();
    measure("stripped", &[stripped]);
    let ocr = seeds(&["004"]);
    measure("ocr (seed 004)", std::slice::from_ref(&ocr));
    measure("ocr pages (seed 004 in 2 KB pages)", &pages(&ocr, 2000));
    let mix = mix();
    if mix.is_empty() {
        println!("mix: no documents found");
    } else {
        measure("mix (admin stripped + ocr pages)", &mix);
    }
}
