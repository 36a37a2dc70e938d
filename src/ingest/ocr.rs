//! OCR of PDF pages with no or a damaged text layer: `pdftoppm` renders the page,
//! `tesseract -l vie … tsv` reads it, and the TSV keeps word confidences.
//!
//! Pages run in parallel, at most [`PARALLEL_PAGES`] at a time with one tesseract thread
//! each (the machines have two cores). Each external command runs under the parse time
//! limit and is killed at it.
//!
//! Tesseract's paragraphs become lines, its lines within one paragraph are joined with a
//! space, as the PDF layout does for wrapped body text.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::ingest::pdf::run_with_timeout;

/// Pages read at once.
const PARALLEL_PAGES: usize = 2;
/// Rendering resolution: tesseract reads 300 dpi best.
const DPI: u32 = 300;
/// The language pack needed; the install hint names the packages.
pub const INSTALL_HINT: &str = "apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils";

/// One page read by OCR.
#[derive(Debug, Clone)]
pub struct OcrPage {
    pub number: u32,
    /// One line per tesseract paragraph.
    pub lines: Vec<String>,
    /// Mean word confidence, 0..=100; `None` without words.
    pub mean_confidence: Option<f64>,
    pub words: usize,
}

/// Why OCR cannot run at all.
pub fn unavailable() -> Option<String> {
    let langs = Command::new("tesseract").arg("--list-langs").stdin(Stdio::null()).output();
    match langs {
        Err(_) => return Some(format!("tesseract not found ({INSTALL_HINT})")),
        Ok(out) if !String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == "vie") => {
            return Some(format!("tesseract has no Vietnamese data ({INSTALL_HINT})"))
        }
        Ok(_) => {}
    }
    if Command::new("pdftoppm").arg("-v").stdin(Stdio::null()).output().is_err() {
        return Some(format!("pdftoppm not found ({INSTALL_HINT})"));
    }
    None
}

/// OCRs `pages` of the PDF at `pdf`; one result per page, in order.
pub fn ocr_pages(pdf: &Path, pages: &[u32], timeout: Duration) -> Vec<Result<OcrPage, String>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<OcrPage, String>>>> = Mutex::new(vec![None; pages.len()]);
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL_PAGES.min(pages.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(&number) = pages.get(i) else { break };
                let result = ocr_page(pdf, number, timeout);
                results.lock().expect("no panics while locked")[i] = Some(result);
            });
        }
    });
    results.into_inner().expect("no panics while locked").into_iter().map(|r| r.unwrap_or_else(|| Err("not run".into()))).collect()
}

fn ocr_page(pdf: &Path, number: u32, timeout: Duration) -> Result<OcrPage, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let prefix = dir.path().join("page");
    let mut render = Command::new("pdftoppm");
    render
        .args(["-r", &DPI.to_string(), "-gray", "-png", "-singlefile", "-f", &number.to_string(), "-l", &number.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let rendered = run_with_timeout(render, timeout).map_err(|e| format!("pdftoppm: {e}"))?.ok_or("pdftoppm timed out")?;
    if !rendered.status.success() {
        return Err(format!("pdftoppm failed: {}", String::from_utf8_lossy(&rendered.stderr).trim()));
    }
    let mut read = Command::new("tesseract");
    read.arg(prefix.with_extension("png"))
        .args(["stdout", "-l", "vie", "--psm", "3", "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run_with_timeout(read, timeout).map_err(|e| format!("tesseract: {e}"))?.ok_or("tesseract timed out")?;
    if !out.status.success() {
        return Err(format!("tesseract failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(parse_tsv(number, &String::from_utf8_lossy(&out.stdout)))
}

/// Reads tesseract's TSV: level 5 rows are words with `block par line` numbers and `conf`.
pub fn parse_tsv(number: u32, tsv: &str) -> OcrPage {
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<(u32, u32)> = None;
    let mut current_line = 0u32;
    let (mut conf_sum, mut words) = (0.0, 0usize);
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let text = f[11].trim();
        if text.is_empty() {
            continue;
        }
        let key = (f[2].parse().unwrap_or(0), f[3].parse().unwrap_or(0));
        let line_no: u32 = f[4].parse().unwrap_or(0);
        let new_visual_line = line_no != current_line;
        current_line = line_no;
        if let Ok(conf) = f[10].parse::<f64>() {
            if conf >= 0.0 {
                conf_sum += conf;
                words += 1;
            }
        }
        // A list item starting a visual line starts an output line even inside a paragraph.
        if current == Some(key) && !(new_visual_line && starts_item(text)) {
            let line = lines.last_mut().expect("current paragraph");
            line.push(' ');
            line.push_str(text);
        } else {
            lines.push(text.to_string());
            current = Some(key);
        }
    }
    OcrPage { number, lines, mean_confidence: (words > 0).then(|| conf_sum / words as f64), words }
}

/// "-", "+", "1.", "a)", "IV." : a word that opens a list item.
fn starts_item(word: &str) -> bool {
    let head = word.trim_end_matches(['.', ')']);
    matches!(word, "-" | "+" | "•" | "–")
        || word.starts_with('-')
        || (head.len() < word.len()
            && !head.is_empty()
            && head.len() <= 4
            && (head.chars().all(|c| c.is_ascii_digit()) || head.chars().all(|c| "IVX".contains(c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_paragraphs_become_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tKế\n\
                   5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t80\thoạch\n\
                   5\t1\t1\t2\t1\t1\t0\t0\t1\t1\t70\tSố\n\
                   5\t1\t1\t2\t2\t1\t0\t0\t1\t1\t80\t-\n";
        let page = parse_tsv(3, tsv);
        assert_eq!(page.lines, ["Kế hoạch", "Số", "-"]);
        assert_eq!(page.mean_confidence, Some(80.0));
    }
}
