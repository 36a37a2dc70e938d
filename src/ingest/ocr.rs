//! OCR of PDF pages with no or a damaged text layer: `pdftoppm` renders the page,
//! `tesseract -l vie … tsv` reads it, and the TSV keeps word confidences.
//!
//! Pages run in parallel, at most [`PARALLEL_PAGES`] at a time with one tesseract thread
//! each (the machines have two cores). Each external command runs under the parse time
//! limit and is killed at it.
//!
//! The words come back as page geometry (one glyph per word) so the PDF layout rebuilds
//! paragraphs, drops page furniture and finds column-aligned tables on scans as on text
//! layers.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::ingest::pdf::raw::{Glyph, RawPage};
use crate::ingest::pdf::run_with_timeout;

/// Pages read at once.
const PARALLEL_PAGES: usize = 2;
/// Rendering resolution: tesseract reads 300 dpi best.
pub const DPI: u32 = 300;
/// The language pack needed; the install hint names the packages.
pub const INSTALL_HINT: &str = "apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils";

/// A line box is this many font sizes high (tesseract boxes are tight: marks above capitals add about a tenth).
const SIZE_OF_LINE_BOX: f64 = 0.9;

/// One page read by OCR.
#[derive(Debug, Clone)]
pub struct OcrPage {
    pub number: u32,
    /// Words as glyphs, in pixels, for the same layout as text layers.
    pub page: RawPage,
    /// Mean word confidence, 0..=100; `None` without words.
    pub mean_confidence: Option<f64>,
    pub words: usize,
}

/// Why OCR cannot run at all.
pub fn unavailable() -> Option<String> {
    let langs = Command::new("tesseract")
        .arg("--list-langs")
        .stdin(Stdio::null())
        .output();
    match langs {
        Err(_) => return Some(format!("tesseract not found ({INSTALL_HINT})")),
        Ok(out)
            if !String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == "vie") =>
        {
            return Some(format!("tesseract has no Vietnamese data ({INSTALL_HINT})"))
        }
        Ok(_) => {}
    }
    if Command::new("pdftoppm")
        .arg("-v")
        .stdin(Stdio::null())
        .output()
        .is_err()
    {
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
    results
        .into_inner()
        .expect("no panics while locked")
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not run".into())))
        .collect()
}

fn ocr_page(pdf: &Path, number: u32, timeout: Duration) -> Result<OcrPage, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let prefix = dir.path().join("page");
    let mut render = Command::new("pdftoppm");
    render
        .args([
            "-r",
            &DPI.to_string(),
            "-gray",
            "-png",
            "-singlefile",
            // Signature widgets draw stamps and numbers; their text is read from the
            // file, and OCR must not read stamps into the page.
            "-hide-annotations",
            "-f",
            &number.to_string(),
            "-l",
            &number.to_string(),
        ])
        .arg(pdf)
        .arg(&prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_tool("pdftoppm", render, timeout)?;
    let mut read = Command::new("tesseract");
    read.arg(prefix.with_extension("png"))
        .args(["stdout", "-l", "vie", "--psm", "3", "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run_tool("tesseract", read, timeout)?;
    Ok(parse_tsv(number, &String::from_utf8_lossy(&out.stdout)))
}

/// Reads tesseract's TSV into page geometry for the PDF layout: each word (level 5)
/// becomes one glyph on its line's baseline (the bottom of the level-4 line box), with a
/// font size of [`SIZE_OF_LINE_BOX`] times the line box height; the page box (level 1)
/// gives the page size in pixels. Confidences of `-1` (no word) are not averaged.
pub fn parse_tsv(number: u32, tsv: &str) -> OcrPage {
    let mut page = RawPage {
        number,
        ..RawPage::default()
    };
    let mut line: Option<(f64, f64)> = None;
    let (mut conf_sum, mut words) = (0.0, 0usize);
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<f64>().unwrap_or(0.0);
        match f[0] {
            "1" => (page.width, page.height) = (num(8), num(9)),
            "4" => line = Some((num(7) + num(9), num(9))),
            "5" if !f[11].trim().is_empty() => {
                let (baseline, height) = line.unwrap_or((num(7) + num(9), num(9)));
                page.glyphs.push(Glyph {
                    t: f[11].trim().to_string(),
                    x: num(6),
                    y: baseline,
                    w: num(8),
                    s: height * SIZE_OF_LINE_BOX,
                });
                if num(10) >= 0.0 {
                    conf_sum += num(10);
                    words += 1;
                }
            }
            _ => {}
        }
    }
    OcrPage {
        number,
        page,
        mean_confidence: (words > 0).then(|| conf_sum / words as f64),
        words,
    }
}

/// Runs an external tool under `timeout`; its stderr becomes the error when it fails.
fn run_tool(
    name: &str,
    command: Command,
    timeout: Duration,
) -> Result<crate::ingest::pdf::Finished, String> {
    let done = run_with_timeout(command, timeout)
        .map_err(|e| format!("{name}: {e}"))?
        .ok_or(format!("{name} timed out"))?;
    if !done.status.success() {
        return Err(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&done.stderr).trim()
        ));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_become_glyphs_on_line_baselines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n\
                   4\t1\t1\t1\t1\t0\t100\t200\t500\t40\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t100\t205\t60\t30\t90\tKế\n\
                   5\t1\t1\t1\t1\t2\t180\t200\t120\t40\t70\thoạch\n";
        let ocr = parse_tsv(3, tsv);
        assert_eq!((ocr.page.width, ocr.page.height), (2480.0, 3508.0));
        let g = &ocr.page.glyphs[1];
        assert_eq!(
            (g.t.as_str(), g.x, g.y, g.w, g.s),
            ("hoạch", 180.0, 240.0, 120.0, 36.0)
        );
        assert_eq!(ocr.mean_confidence, Some(80.0));
    }
}
