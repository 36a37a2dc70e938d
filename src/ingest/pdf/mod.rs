//! PDF ingest: bytes → [`Ingested`] lines with page provenance.
//!
//! The stages, each in its own module:
//!
//! 1. `isolate` parses in a `vanban pdf-worker` child under [`Limits`] (pages,
//!    decompressed bytes, time, memory), so a bad file costs one document;
//! 2. `raw` (in the child) collects glyphs, ruling lines, fonts and image counts per page,
//!    and what each visible annotation draws;
//! 3. `annotations`: e-signature stamps drawn by signature widgets become
//!    signatures, every other annotation's glyphs (the number, the day of issue) join
//!    the page's glyphs;
//! 4. `layout` turns geometry into body paragraphs and tab-separated table rows,
//!    following tables across pages;
//! 5. here: legacy font encodings are detected and converted
//!    ([`legacy`]), each page's text layer is classified
//!    ([`classify`]), and pages with no or a damaged layer, or another engine's OCR
//!    layer over a scan, are read again by OCR ([`ocr`]).
//!
//! **Invariant:** a readable PDF always yields its text layer; OCR failures and missing
//! tools become warnings, never errors. Errors are only for files that cannot be parsed
//! within the limits ([`IngestError::Pdf`] with a [`PdfError`]: kind `timeout` when the
//! time limit stopped the parse, else `parse`).

mod annotations;
mod cidwidths;
mod fontmap;
pub mod glyphs;
mod isolate;
mod layout;
pub mod ocr;
pub(crate) mod raw;

use std::io::Write;

pub(crate) use isolate::alive;
pub use isolate::{
    confine, run_dir, run_with_timeout, sweep_run_dirs, worker_main, Finished, PdfError,
};
pub use raw::{RawError, WorkerLimits};

use super::legacy::{self, Legacy, Quality};
use super::{IngestError, Ingested};
use crate::limits::Deadline;
use crate::model::{Format, TextLayer};
use crate::text::to_nfc;
use crate::{Limits, Ocr};

/// Another engine's OCR layer is kept over tesseract's reading only when its share of
/// valid syllables is higher by more than this.
const KEEP_LAYER_MARGIN: f64 = 0.05;
/// Fewer visible glyphs than this and a page counts as having no text layer.
const MIN_GLYPHS: usize = 20;
/// Fewer words than this are too few to judge a text layer by.
const MIN_WORDS_TO_JUDGE: usize = 8;
/// A text layer with fewer valid syllables than this share is damaged.
const MIN_VALID: f64 = 0.55;
/// Vietnamese prose has marks on most words (about 60%); below this share they were stripped.
const MIN_MARKED: f64 = 0.3;
/// Marked words in a sound layer are nearly all valid syllables.
const MIN_MARKED_VALID: f64 = 0.8;
/// More junk characters than this share and the layer is damaged ("(cid:3)", boxes).
const MAX_JUNK: f64 = 0.15;

/// What a page's text layer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Native,
    Ocr,
    None,
    Damaged,
}

impl From<Layer> for TextLayer {
    fn from(layer: Layer) -> Self {
        match layer {
            Layer::Native => TextLayer::Native,
            Layer::Ocr => TextLayer::Ocr,
            Layer::None => TextLayer::None,
            Layer::Damaged => TextLayer::Damaged,
        }
    }
}

/// Classifies one page's text (after any legacy conversion). A page without glyphs, or
/// with a scan and a few stray glyphs, has no layer; a short text page (a signature page,
/// a page number) has too few words to judge and keeps its layer.
pub fn classify(text: &str, glyphs: usize, images: u32, invisible_text: bool) -> (Layer, Quality) {
    let q = legacy::quality(text);
    let sound = if invisible_text {
        Layer::Ocr
    } else {
        Layer::Native
    };
    let layer = if glyphs == 0 || (glyphs < MIN_GLYPHS && images > 0) {
        Layer::None
    } else if q.words < MIN_WORDS_TO_JUDGE {
        sound
    } else if q.valid < MIN_VALID
        || q.marked < MIN_MARKED
        || q.marked_valid < MIN_MARKED_VALID
        || q.junk > MAX_JUNK
    {
        Layer::Damaged
    } else {
        sound
    };
    (layer, q)
}

/// Reads a PDF. See the module docs for the stages.
pub fn ingest_pdf(bytes: &[u8], limits: &Limits) -> Result<Ingested, IngestError> {
    let deadline = Deadline::after(limits.document_timeout);
    let (mut raw, mut warnings) = isolate::parse(bytes, limits, deadline)?;
    warnings.extend(raw.warnings.iter().cloned());
    if raw.pages.is_empty() {
        return Err(PdfError::NoPages.into());
    }
    let signatures = annotations::signatures(&raw.pages);
    for page in &mut raw.pages {
        let drawn = annotations::page_glyphs(page);
        page.glyphs.extend(drawn);
    }
    recovered_fonts(&mut raw, &mut warnings);
    let mut lines = assemble(&raw.pages);

    // Legacy fonts: hinted by font names, confirmed by syllables.
    let hint = raw
        .pages
        .iter()
        .flat_map(|p| &p.fonts)
        .find_map(|f| Legacy::from_font_name(f));
    let all: String = lines
        .iter()
        .map(|l| l.render())
        .collect::<Vec<_>>()
        .join("\n");
    let legacy = legacy::detect(&all, hint);
    // Fonts mapped their codes to Unicode (ToUnicode, standard encodings) unless legacy.
    let encoding = legacy
        .as_ref()
        .map_or("unicode", |found| found.encoding.label());
    if let Some(found) = &legacy {
        warnings.push(format!(
            "legacy {} font encoding converted (valid syllables {:.0}% → {:.0}%)",
            encoding,
            found.before.valid * 100.0,
            found.after.valid * 100.0
        ));
        convert_lines(&mut lines, found.encoding, &[]);
    }

    // Classify each page; pages with no or a damaged layer go to OCR.
    let mut layers = Vec::new();
    // Pages with another engine's OCR layer, and that layer's valid-syllable share.
    let mut ocr_layers: Vec<(u32, f64)> = Vec::new();
    for page in &raw.pages {
        let text: String = lines
            .iter()
            .filter(|l| l.page == page.number)
            .map(|l| l.render())
            .collect::<Vec<_>>()
            .join("\n");
        let glyphs = page
            .glyphs
            .iter()
            .filter(|g| !g.t.trim().is_empty())
            .count();
        let (mut layer, q) = classify(&text, glyphs, page.images, page.invisible_text);
        if page.failed {
            // The worker already warned; the page is rendered and read instead.
            layer = Layer::Damaged;
        } else if layer == Layer::Damaged {
            warnings.push(format!(
                "page {}: damaged text layer (valid syllables {:.0}%, marked words {:.0}%, of them valid {:.0}%, junk {:.0}%)",
                page.number,
                q.valid * 100.0,
                q.marked * 100.0,
                q.marked_valid * 100.0,
                q.junk * 100.0
            ));
        }
        if layer == Layer::Ocr {
            ocr_layers.push((page.number, q.valid));
        }
        layers.push((page.number, layer, glyphs, page.images));
    }
    let to_ocr: Vec<u32> = layers
        .iter()
        // A damaged layer is rendered and read again; a page without one only if it has a
        // scan. So is another engine's OCR layer: layers that pass as sound still read
        // worse than tesseract on the page image (`tools/scan-eval` s08: 2.3 % SER kept,
        // 1.1 % read again); `run_ocr` keeps a layer only when it reads clearly better.
        .filter(|(_, layer, _, images)| match limits.ocr {
            Ocr::Auto => {
                *layer == Layer::Damaged || matches!(layer, Layer::None | Layer::Ocr) && *images > 0
            }
            Ocr::Never => false,
            Ocr::Always => true,
        })
        .map(|(n, ..)| *n)
        .collect();
    // OCR'd pages replace their geometry and the document is laid out again, so tables
    // and paragraphs continue across scanned pages too.
    let (read, handwritten) = if to_ocr.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        run_ocr(
            bytes,
            &to_ocr,
            &ocr_layers,
            limits,
            deadline,
            &mut raw.pages,
            &mut warnings,
        )
    };
    if !read.is_empty() {
        lines = assemble(&raw.pages);
        if let Some(found) = &legacy {
            convert_lines(&mut lines, found.encoding, &read);
        }
    }

    let text_layer = document_layer(&layers).into();
    let mut text_lines = Vec::with_capacity(lines.len());
    let mut line_pages = Vec::with_capacity(lines.len());
    let mut line_bounds = Vec::with_capacity(lines.len());
    for line in &lines {
        let mut rendered = to_nfc(&line.render().replace(['\n', '\r'], " ")).into_owned();
        if rendered.chars().count() > limits.max_line_chars {
            rendered = rendered.chars().take(limits.max_line_chars).collect();
            warnings.push(format!(
                "line {} cut to {} characters",
                text_lines.len() + 1,
                limits.max_line_chars
            ));
        }
        text_lines.push(rendered);
        line_pages.push(line.page);
        line_bounds.push(line.bounds);
    }
    let text = text_lines.join("\n");
    if text.trim().is_empty() && to_ocr.is_empty() {
        return Err(IngestError::Empty);
    }
    Ok(Ingested {
        text,
        format: Format::Pdf,
        encoding,
        text_layer,
        pages: Some(raw.page_count),
        line_pages,
        line_bounds,
        signatures,
        handwritten,
        warnings,
    })
}

/// Takes the pages as read with recovered font maps (`raw.remapped`, see `fontmap`) when
/// their text reads as clearly better Vietnamese than the pages as the fonts map them:
/// more valid syllables, or much more text (a font that decoded to nothing) at least as
/// valid. Sound text is never replaced by a worse reading.
fn recovered_fonts(raw: &mut raw::RawDoc, warnings: &mut Vec<String>) {
    if raw.remapped.is_empty() {
        return;
    }
    let mut alt = raw.pages.clone();
    for page in &mut alt {
        if let Some(r) = raw.remapped.iter().find(|r| r.number == page.number) {
            page.glyphs.clone_from(&r.glyphs);
            let drawn = annotations::page_glyphs(page);
            page.glyphs.extend(drawn);
        }
    }
    let text = |pages: &[raw::RawPage]| {
        assemble(pages)
            .iter()
            .map(|l| l.render())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (before, after) = (
        legacy::quality(&text(&raw.pages)),
        legacy::quality(&text(&alt)),
    );
    let fonts = raw.font_repairs.join("; ");
    if recovered_is_better(&before, &after) {
        warnings.push(format!(
            "font maps recovered from the glyphs ({fonts}): valid syllables {:.0}% → {:.0}%",
            before.valid * 100.0,
            after.valid * 100.0
        ));
        raw.pages = alt;
    } else {
        warnings.push(format!(
            "font maps recovered from the glyphs not used, the text did not read better ({fonts})"
        ));
    }
    raw.remapped.clear();
}

/// Valid-syllable share a recovered reading must reach.
const MIN_RECOVERED_VALID: f64 = 0.6;
/// Gain in valid-syllable share that makes a recovered reading better.
const MIN_RECOVERED_GAIN: f64 = 0.1;

fn recovered_is_better(before: &Quality, after: &Quality) -> bool {
    let valid_enough = after.valid >= MIN_RECOVERED_VALID && after.junk <= before.junk + 0.02;
    let gains = after.valid >= before.valid + MIN_RECOVERED_GAIN;
    let more_text = after.words as f64 >= 1.5 * before.words as f64 && after.valid >= before.valid;
    valid_enough && (gains || more_text)
}

/// The document's layer: the most common page layer, ties going to the worse one.
/// Blank pages (no glyphs, no images) do not vote.
fn document_layer(layers: &[(u32, Layer, usize, u32)]) -> Layer {
    let mut counts = std::collections::BTreeMap::new();
    for (_, layer, glyphs, images) in layers {
        if *glyphs > 0 || *images > 0 {
            *counts.entry(*layer).or_insert(0usize) += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(layer, n)| (n, layer))
        .map(|(l, _)| l)
        .unwrap_or(Layer::None)
}

fn assemble(pages: &[raw::RawPage]) -> Vec<layout::OutLine> {
    let mut assembler = layout::Assembler::default();
    for page in pages {
        assembler.push_page(page);
    }
    assembler.finish()
}

/// Converts lines from a legacy encoding, except lines of the pages in `skip` (OCR text)
/// and text already in Unicode Vietnamese: documents mix a legacy body font with a
/// Unicode one (a letterhead, a later insert).
fn convert_lines(lines: &mut [layout::OutLine], encoding: Legacy, skip: &[u32]) {
    let convert = |s: &str| {
        if has_unicode_vietnamese(s) {
            s.to_string()
        } else {
            legacy::convert(s, encoding)
        }
    };
    for line in lines.iter_mut().filter(|l| !skip.contains(&l.page)) {
        match &mut line.cells {
            Some(cells) => cells.iter_mut().for_each(|c| *c = convert(c)),
            None => line.text = convert(&line.text),
        }
    }
}

/// Letters only Unicode Vietnamese has (no legacy font leaves them): ă đ ĩ ũ ơ ư, ạ…ỹ.
fn has_unicode_vietnamese(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{1EA0}'..='\u{1EF9}').contains(&c) || "ăĂđĐĩĨũŨơƠưƯ".contains(c))
}

/// Replaces the geometry of `wanted` pages with OCR words (scaled to points) plus what
/// their annotations draw; returns the pages read and the header digits read from
/// handwriting. Failures keep the text layer, with a warning.
fn run_ocr(
    bytes: &[u8],
    wanted: &[u32],
    ocr_layers: &[(u32, f64)],
    limits: &Limits,
    deadline: Deadline,
    pages: &mut [raw::RawPage],
    warnings: &mut Vec<String>,
) -> (Vec<u32>, Vec<ocr::HandRead>) {
    if let Some(why) = ocr::unavailable() {
        warnings.push(format!(
            "pages {wanted:?} need OCR but {why}: kept the text layer"
        ));
        return (Vec::new(), Vec::new());
    }
    let file = isolate::run_dir()
        .and_then(tempfile::NamedTempFile::new_in)
        .and_then(|mut f| f.write_all(bytes).map(|_| f));
    let file = match file {
        Ok(f) => f,
        Err(e) => {
            warnings.push(format!("OCR skipped: temporary file: {e}"));
            return (Vec::new(), Vec::new());
        }
    };
    let to_read: Vec<ocr::PageToRead> = wanted
        .iter()
        .map(|&number| {
            let page = pages.iter().find(|p| p.number == number);
            ocr::PageToRead {
                number,
                width: page.map_or(0.0, |p| p.width),
                height: page.map_or(0.0, |p| p.height),
            }
        })
        .collect();
    let results = ocr::ocr_pages(file.path(), &to_read, limits, deadline);
    let (mut conf_sum, mut words, mut done, mut late) = (0.0, 0usize, Vec::new(), Vec::new());
    let mut handwritten = Vec::new();
    for (result, &number) in results.into_iter().zip(wanted) {
        match result {
            Err(ocr::OcrError::NoTimeLeft) => late.push(number),
            Ok(read) => {
                let points_per_pixel = 72.0 / f64::from(read.dpi);
                let layer_valid = ocr_layers
                    .iter()
                    .find(|(n, _)| *n == read.number)
                    .map(|l| l.1);
                if let Some(layer_valid) = layer_valid {
                    let words: Vec<&str> = read.page.glyphs.iter().map(|g| g.t.as_str()).collect();
                    let ours = legacy::quality(&words.join(" ")).valid;
                    if ours + KEEP_LAYER_MARGIN < layer_valid {
                        warnings.push(format!(
                            "page {}: kept the OCR layer (valid syllables {:.0}%, tesseract {:.0}%)",
                            read.number,
                            layer_valid * 100.0,
                            ours * 100.0
                        ));
                        continue;
                    }
                }
                if let Some(page) = pages.iter_mut().find(|p| p.number == read.number) {
                    handwritten.extend(read.handwritten);
                    page.glyphs = read.page.glyphs;
                    for g in &mut page.glyphs {
                        (g.x, g.y, g.w, g.s) = (
                            g.x * points_per_pixel,
                            g.y * points_per_pixel,
                            g.w * points_per_pixel,
                            g.s * points_per_pixel,
                        );
                    }
                    // Rules found in the image stand for the scan's table borders;
                    // a page with vector rules keeps those (the image shows the same).
                    if page.rules.is_empty() {
                        page.rules = read.page.rules;
                        for r in &mut page.rules {
                            (r.x0, r.y0, r.x1, r.y1) = (
                                r.x0 * points_per_pixel,
                                r.y0 * points_per_pixel,
                                r.x1 * points_per_pixel,
                                r.y1 * points_per_pixel,
                            );
                        }
                    }
                    // Pages are rendered without annotations: what widgets draw is read
                    // from the file, on top of the OCR words.
                    page.glyphs.extend(annotations::page_glyphs(page));
                    page.width = read.page.width * points_per_pixel;
                    page.height = read.page.height * points_per_pixel;
                }
                if let Some(c) = read.mean_confidence {
                    conf_sum += c * read.words as f64;
                    words += read.words;
                }
                done.push(read.number);
            }
            Err(e) => warnings.push(format!("OCR failed, kept the text layer: {e}")),
        }
    }
    if !late.is_empty() {
        warnings.push(format!(
            "pages {late:?} not read by OCR, the document's time limit ({} s) ran out: kept their text layer",
            limits.document_timeout.as_secs()
        ));
    }
    if !done.is_empty() {
        let mean = if words > 0 {
            conf_sum / words as f64
        } else {
            0.0
        };
        warnings.push(format!(
            "OCR (tesseract vie) on pages {done:?}: {words} words, mean word confidence {mean:.1}"
        ));
    }
    (done, handwritten)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, glyphs, images, invisible text) → layer
    const CASES: &[(&str, usize, u32, bool, Layer)] = &[
        ("Thực hiện Quyết định số 600 của UBND tỉnh Gia Lai về việc ban hành Kế hoạch cải cách hành chính", 90, 0, false, Layer::Native),
        ("Thực hiện Quyết định số 600 của UBND tỉnh Gia Lai về việc ban hành Kế hoạch cải cách hành chính", 90, 1, true, Layer::Ocr),
        ("Thuc hién Quyét dinh s6 600 cua UBND tinh Gia Lai vé viéc ban hanh Ké hoach cai cach hanh chinh", 90, 1, true, Layer::Damaged),
        ("Thuc hien Quyet dinh so 600 cua UBND tinh Gia Lai ve viec ban hanh Ke hoach cai cach hanh chinh", 90, 0, false, Layer::Damaged),
        ("(cid:3)(cid:4)(cid:5) (cid:6)(cid:7) (cid:8)(cid:9)(cid:10) (cid:11) (cid:12)(cid:13) (cid:14)(cid:15) (cid:16)", 90, 0, false, Layer::Damaged),
        ("Thùc hiÖn QuyÕt ®Þnh sè 600 cña UBND tØnh Gia Lai vÒ viÖc ban hµnh KÕ ho¹ch", 80, 0, false, Layer::Damaged),
        ("", 0, 1, false, Layer::None),
        ("3", 3, 1, false, Layer::None),
        ("Nguyễn Văn A", 12, 0, false, Layer::Native),
    ];

    #[test]
    fn mixed_fonts_keep_unicode_lines() {
        let mut lines = vec![
            layout::OutLine {
                page: 1,
                text: "Cộng hòa xã hội chủ nghĩa Việt Nam".into(),
                cells: None,
                bounds: None,
            },
            layout::OutLine {
                page: 1,
                text: "KÕ ho¹ch".into(),
                cells: None,
                bounds: None,
            },
        ];
        convert_lines(&mut lines, Legacy::Tcvn3, &[]);
        assert_eq!(lines[0].text, "Cộng hòa xã hội chủ nghĩa Việt Nam");
        assert_eq!(lines[1].text, "Kế hoạch");
    }

    #[test]
    fn classification_cases() {
        for &(text, glyphs, images, invisible, want) in CASES {
            assert_eq!(classify(text, glyphs, images, invisible).0, want, "{text}");
        }
    }
}
