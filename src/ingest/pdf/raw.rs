//! Worker side: one PDF → raw page geometry (glyphs with positions, ruling lines, font
//! names), through lopdf and pdf-extract's [`OutputDev`].
//!
//! This runs in the `vanban pdf-worker` child process (see `isolate`), because the parsers
//! can panic, recurse without bound or inflate a decompression bomb. Everything here
//! assumes it may die; nothing here decides about text.
//!
//! Coordinates are PDF points with the origin at the page's top-left, y growing down.

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pdf_extract::{
    ColorSpace, MediaBox, OutputDev, OutputError, Path as PdfPath, PathOp, Transform,
};
use serde::{Deserialize, Serialize};

/// What the worker sends back for one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawDoc {
    /// Pages in the file; `pages` may hold fewer (page limit, broken pages).
    pub page_count: u32,
    pub pages: Vec<RawPage>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawPage {
    /// 1-based.
    pub number: u32,
    pub width: f64,
    pub height: f64,
    pub glyphs: Vec<Glyph>,
    pub rules: Vec<Rule>,
    /// `BaseFont` names of the page's fonts.
    pub fonts: Vec<String>,
    /// Image XObjects the page draws.
    pub images: u32,
    /// The content sets text render mode 3 (invisible): an OCR layer over a scan.
    pub invisible_text: bool,
    /// The parser failed on this page: its text layer is unusable, the page may be OCR'd.
    pub failed: bool,
}

/// A run of drawn characters without a gap (a word or part of one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Glyph {
    pub t: String,
    /// Left edge of the run.
    pub x: f64,
    /// Baseline.
    pub y: f64,
    /// Advance width of the run.
    pub w: f64,
    /// Font size in points after the text matrix.
    pub s: f64,
}

/// A straight stroke or thin filled rectangle: a table ruling candidate.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Rule {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rule {
    /// Thickness below which a filled rectangle counts as a line (Word draws cell borders so).
    const THIN: f64 = 3.0;
    pub fn is_horizontal(&self) -> bool {
        (self.y1 - self.y0).abs() <= 1.5 && (self.x1 - self.x0).abs() > 4.0
    }
    pub fn is_vertical(&self) -> bool {
        (self.x1 - self.x0).abs() <= 1.5 && (self.y1 - self.y0).abs() > 4.0
    }
}

/// Limits the worker enforces itself (time is enforced by the parent).
#[derive(Debug, Clone, Copy)]
pub struct WorkerLimits {
    pub max_pages: u32,
    pub max_decompressed_bytes: u64,
}

/// Parses `bytes`; `Err` is a message for [`IngestError::Pdf`](crate::ingest::IngestError).
pub fn extract(bytes: &[u8], limits: WorkerLimits) -> Result<RawDoc, String> {
    let mut doc =
        lopdf::Document::load_mem(bytes).map_err(|e| describe_load_error(&e.to_string()))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err("encrypted: a password is needed".into());
    }
    check_decompressed_size(&doc, limits.max_decompressed_bytes)?;
    let page_ids = doc.get_pages();
    let mut raw = RawDoc {
        page_count: page_ids.len() as u32,
        ..RawDoc::default()
    };
    if raw.page_count > limits.max_pages {
        raw.warnings.push(format!(
            "{} pages; only the first {} read (page limit)",
            raw.page_count, limits.max_pages
        ));
    }
    for (&number, &id) in page_ids.iter().take(limits.max_pages as usize) {
        let mut collector = Collector::default();
        let run = catch_unwind(AssertUnwindSafe(|| {
            pdf_extract::output_doc_page(&doc, &mut collector, number)
        }));
        let mut page = collector.page.take().unwrap_or_else(|| RawPage {
            number,
            ..RawPage::default()
        });
        match run {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                raw.warnings.push(format!("page {number}: {e:?}"));
                page.failed = true;
            }
            Err(_) => {
                raw.warnings
                    .push(format!("page {number}: the PDF parser failed on this page"));
                page.failed = true;
            }
        }
        page.number = number;
        page.fonts = doc
            .get_page_fonts(id)
            .map(|fonts| {
                fonts
                    .values()
                    .filter_map(|f| {
                        f.get(b"BaseFont")
                            .ok()?
                            .as_name()
                            .ok()
                            .map(|n| String::from_utf8_lossy(n).into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        page.images = doc.get_page_images(id).map(|i| i.len() as u32).unwrap_or(0);
        page.invisible_text = doc
            .get_page_content(id)
            .is_ok_and(|c| sets_invisible_text(&c));
        raw.pages.push(page);
    }
    Ok(raw)
}

fn describe_load_error(message: &str) -> String {
    if message.to_ascii_lowercase().contains("encrypt")
        || message.to_ascii_lowercase().contains("password")
    {
        format!("encrypted: {message}")
    } else {
        message.to_string()
    }
}

/// Inflates every Flate stream into a counter, stopping at the limit, so a bomb is
/// refused before pdf-extract inflates it for real.
fn check_decompressed_size(doc: &lopdf::Document, limit: u64) -> Result<(), String> {
    let mut total = 0u64;
    for object in doc.objects.values() {
        let Ok(stream) = object.as_stream() else {
            continue;
        };
        let flate = match stream.dict.get(b"Filter") {
            Ok(lopdf::Object::Name(n)) => n == b"FlateDecode",
            Ok(lopdf::Object::Array(a)) => a
                .iter()
                .any(|f| matches!(f, lopdf::Object::Name(n) if n == b"FlateDecode")),
            _ => false,
        };
        if !flate {
            total += stream.content.len() as u64;
        } else {
            let decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice());
            total += std::io::copy(
                &mut decoder.take(limit.saturating_sub(total) + 1),
                &mut std::io::sink(),
            )
            .unwrap_or(0);
        }
        if total > limit {
            return Err(format!(
                "streams decompress to more than {limit} bytes (decompression limit)"
            ));
        }
    }
    Ok(())
}

/// True when a content stream contains the operator `3 Tr`.
fn sets_invisible_text(content: &[u8]) -> bool {
    content.windows(4).enumerate().any(|(i, w)| {
        w == b"3 Tr"
            && (i == 0 || content[i - 1].is_ascii_whitespace())
            && content
                .get(i + 4)
                .is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

/// Whether `next` extends the run `last` ends: same baseline and size, no gap, neither a
/// space. Runs (word pieces) instead of characters make the reply several times smaller;
/// the layout reads runs as it reads OCR words.
fn continues_run(last: &Glyph, next: &Glyph) -> bool {
    let end = last.x + last.w;
    let blank = |g: &Glyph| g.t.trim().is_empty();
    !blank(last)
        && !blank(next)
        && (last.y - next.y).abs() <= 0.1 * next.s
        && (last.s - next.s).abs() <= 0.05 * next.s
        && next.x >= end - 0.1 * next.s
        && next.x <= end + 0.1 * next.s
}

#[derive(Default)]
struct Collector {
    page: Option<RawPage>,
    height: f64,
}

impl Collector {
    fn page(&mut self) -> &mut RawPage {
        self.page.get_or_insert_with(RawPage::default)
    }

    /// User space → top-left page space.
    fn point(&self, ctm: &Transform, x: f64, y: f64) -> (f64, f64) {
        let px = x * ctm.m11 + y * ctm.m21 + ctm.m31;
        let py = x * ctm.m12 + y * ctm.m22 + ctm.m32;
        (px, self.height - py)
    }

    fn rule(&mut self, a: (f64, f64), b: (f64, f64)) {
        let rule = Rule {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
        };
        if rule.is_horizontal() || rule.is_vertical() {
            self.page().rules.push(rule);
        }
    }

    /// A filled rectangle thinner than [`Rule::THIN`] becomes its centre line.
    fn thin_rect(&mut self, a: (f64, f64), b: (f64, f64)) {
        let (x0, x1, y0, y1) = (a.0.min(b.0), a.0.max(b.0), a.1.min(b.1), a.1.max(b.1));
        if y1 - y0 <= Rule::THIN && x1 - x0 > y1 - y0 {
            let y = (y0 + y1) / 2.0;
            self.rule((x0, y), (x1, y));
        } else if x1 - x0 <= Rule::THIN && y1 - y0 > x1 - x0 {
            let x = (x0 + x1) / 2.0;
            self.rule((x, y0), (x, y1));
        }
    }
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.height = media_box.ury - media_box.lly;
        self.page = Some(RawPage {
            number: page_num,
            width: media_box.urx - media_box.llx,
            height: self.height,
            ..RawPage::default()
        });
        Ok(())
    }
    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        // As pdf-extract's own PlainTextOutput: the size is the side of the square with the
        // area of the transformed (font_size, font_size) vector.
        let v = (
            font_size * (trm.m11 + trm.m21),
            font_size * (trm.m12 + trm.m22),
        );
        let size = (v.0 * v.1).abs().sqrt();
        let glyph = Glyph {
            t: char.to_string(),
            x: trm.m31,
            y: self.height - trm.m32,
            w: width * size,
            s: size,
        };
        let glyphs = &mut self.page().glyphs;
        match glyphs.last_mut() {
            Some(last) if continues_run(last, &glyph) => {
                last.t.push_str(&glyph.t);
                last.w = glyph.x + glyph.w - last.x;
            }
            _ => glyphs.push(glyph),
        }
        Ok(())
    }
    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn stroke(
        &mut self,
        ctm: &Transform,
        _: &ColorSpace,
        _: &[f64],
        path: &PdfPath,
    ) -> Result<(), OutputError> {
        let mut current = None;
        let mut start = None;
        for op in &path.ops {
            match *op {
                PathOp::MoveTo(x, y) => {
                    current = Some(self.point(ctm, x, y));
                    start = current;
                }
                PathOp::LineTo(x, y) => {
                    let p = self.point(ctm, x, y);
                    if let Some(c) = current {
                        self.rule(c, p);
                    }
                    current = Some(p);
                }
                PathOp::Rect(x, y, w, h) => {
                    let (a, b, c, d) = (
                        self.point(ctm, x, y),
                        self.point(ctm, x + w, y),
                        self.point(ctm, x + w, y + h),
                        self.point(ctm, x, y + h),
                    );
                    for (p, q) in [(a, b), (b, c), (c, d), (d, a)] {
                        self.rule(p, q);
                    }
                }
                PathOp::CurveTo(.., x, y) => current = Some(self.point(ctm, x, y)),
                PathOp::Close => {
                    if let (Some(c), Some(s)) = (current, start) {
                        self.rule(c, s);
                    }
                    current = start;
                }
            }
        }
        Ok(())
    }
    fn fill(
        &mut self,
        ctm: &Transform,
        _: &ColorSpace,
        _: &[f64],
        path: &PdfPath,
    ) -> Result<(), OutputError> {
        // Thin filled shapes: `re` rectangles or closed four-point paths.
        let mut points: Vec<(f64, f64)> = Vec::new();
        let flush = |points: &mut Vec<(f64, f64)>, me: &mut Self| {
            if points.len() >= 4 {
                let (mut lo, mut hi) = (points[0], points[0]);
                for p in points.iter() {
                    lo = (lo.0.min(p.0), lo.1.min(p.1));
                    hi = (hi.0.max(p.0), hi.1.max(p.1));
                }
                me.thin_rect(lo, hi);
            }
            points.clear();
        };
        for op in &path.ops {
            match *op {
                PathOp::Rect(x, y, w, h) => {
                    let (a, b) = (self.point(ctm, x, y), self.point(ctm, x + w, y + h));
                    self.thin_rect(a, b);
                }
                PathOp::MoveTo(x, y) => {
                    flush(&mut points, self);
                    points.push(self.point(ctm, x, y));
                }
                PathOp::LineTo(x, y) => points.push(self.point(ctm, x, y)),
                PathOp::CurveTo(..) => points.clear(),
                PathOp::Close => flush(&mut points, self),
            }
        }
        flush(&mut points, self);
        Ok(())
    }
}
