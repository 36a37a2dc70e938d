//! OCR of PDF pages with no or a damaged text layer: `pdftoppm` renders the page in
//! colour, red seal ink is dropped as it turns grey (`grid::Gray::from_pnm`), and
//! `tesseract -l vie … tsv` reads it; the TSV keeps word confidences.
//!
//! Pages run in parallel, at most `PARALLEL_PAGES` at a time with one tesseract thread
//! each (the machines have two cores). Each external command runs [`confine`]d: killed at
//! the parse time limit or when the document's time runs out, and given its share of the
//! document's memory. No page starts once the document's time is up, and a page is
//! rendered to at most [`Limits::max_page_pixels`] (a huge page at a lower resolution).
//!
//! The words come back as page geometry (one glyph per word) so the PDF layout rebuilds
//! paragraphs, drops page furniture and finds column-aligned tables on scans as on text
//! layers.
//!
//! Ruled tables are found in the image (`grid`): the page is read without them, each
//! cell on its own (`--psm 6`, all cells of a page in one tesseract run), and the rules
//! go to the layout with the words, so a scanned ruled table is laid out like a vector
//! one: one row per band, cell lines joined.

mod digits;
mod grid;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::ingest::pdf::raw::{Glyph, RawPage, Rule};
use crate::ingest::pdf::{confine, run_dir, run_with_timeout};
use crate::limits::Deadline;
use crate::Limits;
pub use digits::{HandField, HandRead};
pub(crate) use grid::seal_dropout;
use grid::Gray;

/// Pages read at once.
const PARALLEL_PAGES: usize = 2;
/// Rendering resolution: tesseract reads 300 dpi best.
pub const DPI: u32 = 300;
/// The language pack needed; the install hint names the packages.
pub const INSTALL_HINT: &str = "apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils";

/// A line box is this many font sizes high (tesseract boxes are tight: marks above capitals add about a tenth).
const SIZE_OF_LINE_BOX: f64 = 0.9;

/// Why OCR read no page; it becomes a warning and the text layer is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcrError {
    #[error("{0}")]
    TempDir(std::io::Error),
    #[error("{}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("page image: {0}")]
    ReadImage(std::io::Error),
    /// The rendered image is not the PPM `pdftoppm` writes.
    #[error("{0}")]
    Image(&'static str),
    #[error("PNM with maxval {0}")]
    Maxval(usize),
    #[error("{tool}: {source}")]
    Spawn {
        tool: &'static str,
        source: std::io::Error,
    },
    #[error("{0} timed out")]
    Timeout(&'static str),
    #[error("{tool} failed: {stderr}")]
    Failed { tool: &'static str, stderr: String },
    #[error("not run")]
    NotRun,
    #[error("the document's time limit ran out before this page")]
    NoTimeLeft,
}

/// A page to read: its number and its size in points (zero when unknown).
#[derive(Debug, Clone, Copy)]
pub struct PageToRead {
    pub number: u32,
    pub width: f64,
    pub height: f64,
}

/// What each tool run of a document gets.
#[derive(Debug, Clone, Copy)]
struct Budget {
    deadline: Deadline,
    /// At most this long for one run.
    timeout: Duration,
    /// Address space of one tool, in bytes.
    memory: u64,
    max_pixels: u64,
}

impl Budget {
    fn timeout(&self) -> Duration {
        self.deadline.cap(self.timeout)
    }
}

/// The resolution a page of `width` × `height` points is rendered at: [`DPI`], or lower
/// so that the image has at most `max_pixels`.
pub fn render_dpi(width: f64, height: f64, max_pixels: u64) -> u32 {
    let square_inches = (width / 72.0) * (height / 72.0);
    if square_inches.is_nan() || square_inches <= 0.0 {
        return DPI;
    }
    let fit = (max_pixels as f64 / square_inches).sqrt().floor();
    (fit as u32).clamp(1, DPI)
}

/// One page read by OCR.
#[derive(Debug, Clone)]
pub struct OcrPage {
    pub number: u32,
    /// The resolution the page was rendered at: pixels per inch.
    pub dpi: u32,
    /// Words as glyphs, in pixels, for the same layout as text layers.
    pub page: RawPage,
    /// Mean word confidence, 0..=100; `None` without words.
    pub mean_confidence: Option<f64>,
    pub words: usize,
    /// The header's handwritten or stamped digits read on the first page.
    pub handwritten: Vec<HandRead>,
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

/// OCRs `pages` of the PDF at `pdf` within `limits` and `deadline`; one result per page,
/// in order. Pages not started when the time is up are [`OcrError::NoTimeLeft`].
pub fn ocr_pages(
    pdf: &Path,
    pages: &[PageToRead],
    limits: &Limits,
    deadline: Deadline,
) -> Vec<Result<OcrPage, OcrError>> {
    let budget = Budget {
        deadline,
        timeout: limits.parse_timeout,
        memory: limits.max_memory / PARALLEL_PAGES as u64,
        max_pixels: limits.max_page_pixels,
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<OcrPage, OcrError>>>> =
        Mutex::new(pages.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL_PAGES.min(pages.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(page) = pages.get(i) else { break };
                let result = if deadline.left().is_zero() {
                    Err(OcrError::NoTimeLeft)
                } else {
                    ocr_page(pdf, page, &budget)
                };
                results.lock().expect("no panics while locked")[i] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .expect("no panics while locked")
        .into_iter()
        .map(|r| r.unwrap_or(Err(OcrError::NotRun)))
        .collect()
}

fn ocr_page(pdf: &Path, page: &PageToRead, budget: &Budget) -> Result<OcrPage, OcrError> {
    let dir = run_dir()
        .and_then(tempfile::TempDir::new_in)
        .map_err(OcrError::TempDir)?;
    let number = page.number;
    let dpi = render_dpi(page.width, page.height, budget.max_pixels);
    // A page of unknown size is cut to a square of the pixel limit.
    let side = (budget.max_pixels as f64).sqrt() as u32;
    let crop = (page.width <= 0.0 || page.height <= 0.0).then_some((side, side));
    let rendered = render(pdf, number, dpi, crop, dir.path(), budget)?;
    let gray = std::fs::read(&rendered)
        .map_err(OcrError::ReadImage)
        .and_then(|bytes| Gray::from_pnm(&bytes))?;
    let image = dir.path().join("page.pgm");
    write(&image, &gray.to_pgm())?;
    let (tables, rule_pixels) = grid::find_tables(&gray, dpi);
    if tables.is_empty() {
        let words = tsv_words(&tesseract(&image, "3", dpi, budget)?);
        return Ok(read_words(&gray, number, dpi, words));
    }
    // Ruled tables: the page without them is read as usual, each cell on its own.
    let mut body = gray.clone();
    let margin = (dpi / 50) as usize;
    for t in &tables {
        let b = t.bounds();
        body.blank(grid::Rect {
            x0: b.x0.saturating_sub(margin),
            y0: b.y0.saturating_sub(margin),
            x1: b.x1 + margin,
            y1: b.y1 + margin,
        });
    }
    let body_image = dir.path().join("body.pgm");
    write(&body_image, &body.to_pgm())?;
    let words = tsv_words(&tesseract(&body_image, "3", dpi, budget)?);
    let mut read = read_words(&gray, number, dpi, words);
    let pad = (dpi / 15) as usize;
    let (mut list, mut origins) = (String::new(), Vec::new());
    // Per cell read: its origin on the page, and its table when it is in the first column.
    for (ti, t) in tables.iter().enumerate() {
        for cell in t.cells() {
            let first_column = (cell.x0 == t.xs[0] as usize).then_some(ti);
            // Cropped to its ink: tesseract reads a short word in a wide empty cell worse.
            let Some((cell, ink)) = gray.ink_bounds(cell, &rule_pixels, 128) else {
                continue;
            };
            if ink < MIN_INK {
                continue;
            }
            let crop = gray.crop(cell, pad, &rule_pixels);
            let path = dir.path().join(format!("cell-{}.pgm", origins.len()));
            write(&path, &crop.to_pgm())?;
            list.push_str(&format!("{}\n", path.display()));
            origins.push((
                cell.x0 as f64 - pad as f64,
                cell.y0 as f64 - pad as f64,
                first_column,
            ));
        }
    }
    if !origins.is_empty() {
        let list_path = dir.path().join("cells.txt");
        write(&list_path, list.as_bytes())?;
        // A cell is a block of text: layout analysis has nothing to find in it.
        let tsv = tesseract(&list_path, "6", dpi, budget)?;
        let mut cells: Vec<Vec<Glyph>> = vec![Vec::new(); origins.len()];
        for (image, glyph, conf) in tsv_words(&tsv).glyphs {
            let Some(&(dx, dy, _)) = origins.get(image.wrapping_sub(1)) else {
                continue;
            };
            cells[image - 1].push(Glyph {
                x: glyph.x + dx,
                y: glyph.y + dy,
                ..glyph
            });
            if let Some(c) = conf {
                let sum = read.mean_confidence.unwrap_or(0.0) * read.words as f64 + c;
                read.words += 1;
                read.mean_confidence = Some(sum / read.words as f64);
            }
        }
        for ti in 0..tables.len() {
            let column: Vec<usize> = (0..origins.len())
                .filter(|&k| origins[k].2 == Some(ti))
                .collect();
            let texts: Vec<String> = column
                .iter()
                .map(|&k| {
                    let words: Vec<&str> = cells[k].iter().map(|g| g.t.as_str()).collect();
                    words.join(" ")
                })
                .collect();
            for (&k, number) in column.iter().zip(renumber(&texts)) {
                if let (Some(number), Some(first)) = (number, cells[k].first().cloned()) {
                    let end = cells[k].iter().map(|g| g.x + g.w).fold(first.x, f64::max);
                    cells[k] = vec![Glyph {
                        t: number,
                        w: end - first.x,
                        ..first
                    }];
                }
            }
        }
        read.page.glyphs.extend(cells.into_iter().flatten());
    }
    read.page.rules = tables
        .iter()
        .flat_map(|t| t.rules())
        .map(|[x0, y0, x1, y1]| Rule { x0, y0, x1, y1 })
        .collect();
    Ok(read)
}

/// The page of `words`, with the header's handwritten number and day read from `gray`
/// on page 1 (where a document writes them).
fn read_words(gray: &Gray, number: u32, dpi: u32, words: TsvWords) -> OcrPage {
    let confidences: Vec<Option<f64>> = words.glyphs.iter().map(|w| w.2).collect();
    let mut read = page_of(number, dpi, words);
    if number == 1 {
        read.handwritten = digits::read_header_blanks(gray, &mut read.page.glyphs, &confidences);
    }
    read
}

/// Numbers for the first column of a table numbered 1, 2, 3… where a cell read on its own
/// was misread (a lone digit gives tesseract no context: "l" or "lÏ" for 1, "Š" for 5,
/// "3" for 2): a short cell between neighbours that say which number it must be becomes
/// that number when it reads as that number through the usual confusions, or when both
/// neighbours agree. Section numerals ("II" between 3 and 1) agree with no neighbour.
fn renumber(cells: &[String]) -> Vec<Option<String>> {
    let mut out = vec![None; cells.len()];
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let mut values: Vec<Option<u32>> = cells.iter().map(|c| number(c)).collect();
    for i in 0..cells.len() {
        let prev = i.checked_sub(1).and_then(|p| values[p]);
        let next = values.get(i + 1).copied().flatten();
        let Some(expected) = prev.map(|p| p + 1).or(next.and_then(|n| n.checked_sub(1))) else {
            continue;
        };
        let cell = cells[i].trim();
        if expected == 0 || values[i] == Some(expected) || cell.chars().count() > 3 {
            continue;
        }
        let agrees =
            prev.is_none_or(|p| p + 1 == expected) && next.is_none_or(|n| n == expected + 1);
        let both = prev.is_some() && next.is_some();
        let read_as: String = cell.chars().filter_map(confused_digit).collect();
        let mut once: Vec<char> = read_as.chars().collect();
        once.dedup();
        let once: String = once.into_iter().collect();
        let want = expected.to_string();
        let looks_like = read_as.chars().count() == cell.chars().count()
            && (read_as == want || once == want && want.chars().count() == 1);
        if agrees && (looks_like || both && (values[i].is_some() || cell.is_empty())) {
            out[i] = Some(want);
            values[i] = Some(expected);
        }
    }
    out
}

/// The digit a character read in a number column stands for.
fn confused_digit(c: char) -> Option<char> {
    let base = crate::text::fold_char(c);
    match base {
        '0'..='9' => Some(base),
        'l' | 'I' | 'i' | '|' | '!' | ']' | '[' | 'j' | 'J' => Some('1'),
        'O' | 'o' | 'D' | 'Q' => Some('0'),
        'S' | 's' => Some('5'),
        'Z' | 'z' => Some('2'),
        'A' => Some('4'),
        'B' => Some('8'),
        'g' | 'q' => Some('9'),
        'b' | 'G' => Some('6'),
        'T' => Some('7'),
        _ => None,
    }
}

/// A cell with less ink than this (pixels) after its rules are erased is empty.
const MIN_INK: usize = 20;

fn write(path: &Path, bytes: &[u8]) -> Result<(), OcrError> {
    std::fs::write(path, bytes).map_err(|source| OcrError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// `tesseract IMAGE stdout -l vie --psm PSM tsv`; `image` may be a list of images, one
/// path a line (the TSV's `page_num` counts them).
fn tesseract(image: &Path, psm: &str, dpi: u32, budget: &Budget) -> Result<String, OcrError> {
    let mut read = Command::new("tesseract");
    read.arg(image)
        // PGM carries no resolution; without it tesseract assumes 70 dpi.
        .args([
            "stdout",
            "-l",
            "vie",
            "--dpi",
            &dpi.to_string(),
            "--psm",
            psm,
            "tsv",
        ])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run_tool("tesseract", read, budget)?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Renders page `number` of `pdf` into `dir` as OCR sees it, at [`DPI`] and under
/// `timeout` alone (the evaluation's plain reading); returns the image's path.
pub fn render_page(
    pdf: &Path,
    number: u32,
    dir: &Path,
    timeout: Duration,
) -> Result<PathBuf, OcrError> {
    let limits = Limits::default();
    let budget = Budget {
        deadline: Deadline::after(timeout),
        timeout,
        memory: limits.max_memory,
        max_pixels: u64::MAX,
    };
    render(pdf, number, DPI, None, dir, &budget)
}

/// Renders page `number` of `pdf` into `dir` at `dpi`, cut to `crop` pixels (width,
/// height) when given; returns the image's path.
fn render(
    pdf: &Path,
    number: u32,
    dpi: u32,
    crop: Option<(u32, u32)>,
    dir: &Path,
    budget: &Budget,
) -> Result<PathBuf, OcrError> {
    let prefix = dir.join(format!("page-{number}"));
    let mut render = Command::new("pdftoppm");
    render.args([
        "-r",
        &dpi.to_string(),
        // Colour PPM (no decoder needed), made grey with seal ink dropped (`Gray::from_pnm`).
        "-singlefile",
        // Signature widgets draw stamps and numbers; their text is read from the
        // file, and OCR must not read stamps into the page.
        "-hide-annotations",
        "-f",
        &number.to_string(),
        "-l",
        &number.to_string(),
    ]);
    if let Some((w, h)) = crop {
        render.args([
            "-x",
            "0",
            "-y",
            "0",
            "-W",
            &w.to_string(),
            "-H",
            &h.to_string(),
        ]);
    }
    render
        .arg(pdf)
        .arg(&prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_tool("pdftoppm", render, budget)?;
    Ok(prefix.with_extension("ppm"))
}

/// Reads tesseract's TSV into page geometry for the PDF layout: each word (level 5)
/// becomes one glyph on its line's baseline (the bottom of the level-4 line box), with a
/// font size of `SIZE_OF_LINE_BOX` times the line box height; the page box (level 1)
/// gives the page size in pixels. Confidences of `-1` (no word) are not averaged.
pub fn parse_tsv(number: u32, dpi: u32, tsv: &str) -> OcrPage {
    page_of(number, dpi, tsv_words(tsv))
}

fn page_of(number: u32, dpi: u32, words: TsvWords) -> OcrPage {
    let (width, height) = words.size;
    let confidences: Vec<f64> = words.glyphs.iter().filter_map(|w| w.2).collect();
    OcrPage {
        number,
        dpi,
        page: RawPage {
            number,
            width,
            height,
            glyphs: words.glyphs.into_iter().map(|w| w.1).collect(),
            ..RawPage::default()
        },
        mean_confidence: (!confidences.is_empty())
            .then(|| confidences.iter().sum::<f64>() / confidences.len() as f64),
        words: confidences.len(),
        handwritten: Vec::new(),
    }
}

/// What a TSV holds: the first image's size, and per word its image (`page_num`, from
/// 1), its glyph and its confidence.
struct TsvWords {
    size: (f64, f64),
    glyphs: Vec<(usize, Glyph, Option<f64>)>,
}

fn tsv_words(tsv: &str) -> TsvWords {
    let mut out = TsvWords {
        size: (0.0, 0.0),
        glyphs: Vec::new(),
    };
    let mut line: Option<(f64, f64)> = None;
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<f64>().unwrap_or(0.0);
        match f[0] {
            "1" if out.size == (0.0, 0.0) => out.size = (num(8), num(9)),
            "4" => line = Some((num(7) + num(9), num(9))),
            "5" if !f[11].trim().is_empty() => {
                let (baseline, height) = line.unwrap_or((num(7) + num(9), num(9)));
                let glyph = Glyph {
                    t: f[11].trim().to_string(),
                    x: num(6),
                    y: baseline,
                    w: num(8),
                    s: height * SIZE_OF_LINE_BOX,
                };
                let conf = (num(10) >= 0.0).then(|| num(10));
                out.glyphs.push((num(1) as usize, glyph, conf));
            }
            _ => {}
        }
    }
    out
}

/// Runs an external tool confined to `budget`; its stderr becomes the error when it fails.
fn run_tool(
    tool: &'static str,
    mut command: Command,
    budget: &Budget,
) -> Result<crate::ingest::pdf::Finished, OcrError> {
    confine(&mut command, budget.memory);
    let done = run_with_timeout(command, budget.timeout())
        .map_err(|source| OcrError::Spawn { tool, source })?
        .ok_or(OcrError::Timeout(tool))?;
    if !done.status.success() {
        return Err(OcrError::Failed {
            tool,
            stderr: String::from_utf8_lossy(&done.stderr).trim().to_string(),
        });
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misread_row_numbers_are_renumbered() {
        let cells = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let n = |s: &str| Some(s.to_string());
        assert_eq!(
            renumber(&cells(&["TT", "lÏ", "2", "3", "Á", "Š", "6"])),
            [None, n("1"), None, None, n("4"), n("5"), None]
        );
        assert_eq!(
            renumber(&cells(&["TT", "1", "3", "3", "4"])),
            [None, None, n("2"), None, None]
        );
        // Section numerals and a header stay.
        let sections = cells(&["STT", "I", "1", "2", "II", "1", "III"]);
        assert_eq!(renumber(&sections), vec![None; 7]);
    }

    #[test]
    fn tsv_words_become_glyphs_on_line_baselines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n\
                   4\t1\t1\t1\t1\t0\t100\t200\t500\t40\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t100\t205\t60\t30\t90\tKế\n\
                   5\t1\t1\t1\t1\t2\t180\t200\t120\t40\t70\thoạch\n";
        let ocr = parse_tsv(3, 300, tsv);
        assert_eq!((ocr.page.width, ocr.page.height), (2480.0, 3508.0));
        let g = &ocr.page.glyphs[1];
        assert_eq!(
            (g.t.as_str(), g.x, g.y, g.w, g.s),
            ("hoạch", 180.0, 240.0, 120.0, 36.0)
        );
        assert_eq!(ocr.mean_confidence, Some(80.0));
    }

    #[test]
    fn huge_pages_render_at_a_lower_resolution() {
        // A4 at 300 dpi is 8.7 Mpx: kept.
        assert_eq!(render_dpi(595.0, 842.0, 24_000_000), 300);
        // 5000 pt square: 300 dpi would be 434 Mpx; 70 dpi is 23.6 Mpx.
        assert_eq!(render_dpi(5000.0, 5000.0, 24_000_000), 70);
        assert_eq!(render_dpi(0.0, 842.0, 24_000_000), 300);
        assert_eq!(render_dpi(1e9, 1e9, 24_000_000), 1);
    }
}
