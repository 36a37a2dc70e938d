//! Worker side: one PDF → raw page geometry (glyphs with positions, ruling lines, font
//! names, what each visible annotation draws), through lopdf and pdf-extract's
//! [`OutputDev`].
//!
//! This runs in the `vanban pdf-worker` child process (see `isolate`), because the parsers
//! can panic, recurse without bound or inflate a decompression bomb. Everything here
//! assumes it may die; nothing here decides about text.
//!
//! Coordinates are PDF points with the origin at the page's top-left, y growing down.

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::dictionary;
use pdf_extract::{
    ColorSpace, MediaBox, OutputDev, OutputError, Path as PdfPath, PathOp, Transform,
};
use serde::{Deserialize, Serialize};

use super::{cidwidths, fontmap};

/// What the worker sends back for one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawDoc {
    /// Pages in the file; `pages` may hold fewer (page limit, broken pages).
    pub page_count: u32,
    pub pages: Vec<RawPage>,
    pub warnings: Vec<String>,
    /// Fonts whose map was found broken and recovered from their glyphs (`fontmap`).
    #[serde(default)]
    pub font_repairs: Vec<String>,
    /// The pages read again with the recovered maps (numbers and glyphs only); empty when
    /// no font needed it. The parent decides which reading to keep.
    #[serde(default)]
    pub remapped: Vec<RawPage>,
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
    /// Visible annotations that draw text, and signature widgets, in `/Annots` order.
    #[serde(default)]
    pub annotations: Vec<RawAnnotation>,
}

/// What one annotation draws (its normal appearance), apart from the page content:
/// signature widgets draw the number, the day of issue or an e-signature stamp.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawAnnotation {
    /// `[x0, y0, x1, y1]` in top-left page space, `x0 <= x1`, `y0 <= y1`.
    pub rect: [f64; 4],
    /// The widget of a signature field (`/FT /Sig`, possibly inherited from `/Parent`).
    pub signature: bool,
    /// The signature dictionary (`/V`) of a signed signature field.
    pub value: Option<SignatureValue>,
    /// The appearance's glyphs, placed on the page.
    pub glyphs: Vec<Glyph>,
}

/// The text entries of a signature dictionary, as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SignatureValue {
    /// `/Name`: the signer as the signing software wrote it.
    pub name: Option<String>,
    /// `/M`: a PDF date, `D:20250107100957+07'00'`.
    pub time: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
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

/// Why the worker read no document; sent to the parent in its reply.
#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RawError {
    /// lopdf could not load the file; the message says why.
    #[error("{0}")]
    Load(String),
    #[error("encrypted: a password is needed")]
    Encrypted,
    #[error("streams decompress to more than {0} bytes (decompression limit)")]
    Decompression(u64),
}

/// Why an annotation's appearance gave no text (a warning).
#[derive(Debug, thiserror::Error)]
enum AppearanceError {
    #[error("appearance without /BBox")]
    NoBBox,
    #[error("appearance stream: {0}")]
    Stream(lopdf::Error),
    #[error("appearance content: {0}")]
    Content(lopdf::Error),
}

/// Where the worker is, told to the parent before each step so that a crash (a stack
/// overflow cannot be caught) is blamed on its page: the parent reads the file again
/// without that page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Page(u32),
    /// Font map recovery and the second reading after it.
    Fonts,
}

/// Parses `bytes`, leaving out the pages in `skip` (they crashed the parser before);
/// `Err` becomes [`IngestError::Pdf`](crate::ingest::IngestError).
pub fn extract(
    bytes: &[u8],
    limits: WorkerLimits,
    skip: &[u32],
    step: &mut dyn FnMut(Step),
) -> Result<RawDoc, RawError> {
    let mut doc = load(bytes)?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(RawError::Encrypted);
    }
    check_decompressed_size(&doc, limits.max_decompressed_bytes)?;
    let mut raw = RawDoc::default();
    let tree = page_tree(&doc, limits.max_pages as usize);
    raw.page_count = tree.count;
    if tree.repeated {
        raw.warnings
            .push("the page tree lists a node twice or holds a loop: each page read once".into());
    }
    if raw.page_count > limits.max_pages {
        raw.warnings.push(format!(
            "{} pages; only the first {} read (page limit)",
            raw.page_count, limits.max_pages
        ));
    }
    flatten_page_tree(&mut doc, &tree.pages);
    cidwidths::normalize(&mut doc);
    let page_ids = doc.get_pages();
    let mut used = fontmap::Usage::default();
    let mut reader = pdf_extract::PageReader::new(&doc);
    for (&number, &id) in &page_ids {
        if skip.contains(&number) {
            raw.warnings.push(format!(
                "page {number}: the PDF parser crashed on this page"
            ));
            raw.pages.push(RawPage {
                failed: true,
                ..bare_page(&doc, id, number)
            });
            continue;
        }
        step(Step::Page(number));
        let mut collector = Collector {
            codes: Some((&doc, &mut used)),
            ..Collector::default()
        };
        let run = catch_unwind(AssertUnwindSafe(|| {
            reader.output_page(&mut collector, number)
        }));
        let mut page = collector
            .page
            .take()
            .unwrap_or_else(|| bare_page(&doc, id, number));
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
        raw.pages.push(page);
    }
    drop(reader);
    // Appearances are read by pointing the page at them, so after the pages' own pass.
    for page in raw.pages.iter_mut().filter(|p| !skip.contains(&p.number)) {
        step(Step::Page(page.number));
        let id = page_ids[&page.number];
        page.annotations = read_annotations(&mut doc, id, page.number, &mut raw.warnings);
    }
    step(Step::Fonts);
    let repairs = catch_unwind(AssertUnwindSafe(|| fontmap::repair_fonts(&mut doc, &used)));
    let repairs = repairs.unwrap_or_else(|_| {
        raw.warnings
            .push("font map recovery failed on this file".into());
        Vec::new()
    });
    if !repairs.is_empty() {
        raw.font_repairs = repairs
            .iter()
            .map(|r| {
                format!(
                    "{}: {:.0}% of drawn glyphs read otherwise, {} of {} codes remapped",
                    r.font,
                    r.broken * 100.0,
                    r.changed,
                    r.codes
                )
            })
            .collect();
        let mut reader = pdf_extract::PageReader::new(&doc);
        for &number in page_ids.keys().filter(|n| !skip.contains(n)) {
            step(Step::Page(number));
            let mut collector = Collector::default();
            let run = catch_unwind(AssertUnwindSafe(|| {
                reader.output_page(&mut collector, number)
            }));
            let glyphs = match (run, collector.page) {
                (Ok(Ok(())), Some(page)) => page.glyphs,
                _ => Vec::new(),
            };
            raw.remapped.push(RawPage {
                number,
                glyphs,
                ..RawPage::default()
            });
        }
    }
    Ok(raw)
}

/// Annotation flags that keep an annotation off the screen: Hidden (2), NoView (32).
const HIDDEN_FLAGS: i64 = 2 | 32;
/// Annotations read per page: a form with thousands of fields costs no more than this.
const MAX_ANNOTATIONS: usize = 64;
/// Text-drawing form streams read per appearance.
const MAX_PIECES: usize = 8;
/// Form XObjects nested inside an appearance that are followed.
const MAX_FORM_DEPTH: usize = 8;
/// `/Parent` links followed for an inherited entry.
const MAX_PARENTS: usize = 32;

/// An affine map in PDF's row-vector convention: (x, y) → (a x + c y + e, b x + d y + f).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Affine {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
}

impl Affine {
    const IDENTITY: Affine = Affine {
        a: 1.0,
        b: 0.0,
        c: 0.0,
        d: 1.0,
        e: 0.0,
        f: 0.0,
    };

    fn from_numbers(n: [f64; 6]) -> Affine {
        let [a, b, c, d, e, f] = n;
        Affine { a, b, c, d, e, f }
    }

    /// `self`, then `next`.
    fn then(&self, next: &Affine) -> Affine {
        Affine {
            a: self.a * next.a + self.b * next.c,
            b: self.a * next.b + self.b * next.d,
            c: self.c * next.a + self.d * next.c,
            d: self.c * next.b + self.d * next.d,
            e: self.e * next.a + self.f * next.c + next.e,
            f: self.e * next.b + self.f * next.d + next.f,
        }
    }

    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x + self.c * y + self.e,
            self.b * x + self.d * y + self.f,
        )
    }
}

impl From<&Transform> for Affine {
    fn from(t: &Transform) -> Self {
        Affine::from_numbers([t.m11, t.m12, t.m21, t.m22, t.m31, t.m32])
    }
}

/// One text-drawing form stream of an appearance: its operators without `Do` (each
/// nested form is a piece of its own), its resources and its map to page user space.
struct Piece {
    content: Vec<u8>,
    resources: lopdf::Dictionary,
    to_page: Affine,
}

/// Reads what each visible annotation of the page draws, after the page's own pass.
///
/// pdf-extract reads only page content and starts every form XObject from the identity
/// matrix, so each text-drawing form of an appearance is read on its own: the page's
/// `/Contents` and `/Resources` are pointed at it for one more `output_doc_page`, and the
/// collector maps its glyphs onto the annotation's `/Rect`. The page is restored after.
fn read_annotations(
    doc: &mut lopdf::Document,
    page_id: lopdf::ObjectId,
    number: u32,
    warnings: &mut Vec<String>,
) -> Vec<RawAnnotation> {
    let Some(height) = inherited(doc, page_id, b"MediaBox")
        .and_then(|b| numbers::<4>(doc, b))
        .map(|b| b[3] - b[1])
    else {
        return Vec::new();
    };
    let annotations = doc.get_page_annotations(page_id).unwrap_or_default();
    if annotations.len() > MAX_ANNOTATIONS {
        warnings.push(format!(
            "page {number}: {} annotations; only the first {MAX_ANNOTATIONS} read",
            annotations.len()
        ));
    }
    let mut planned = Vec::new();
    for (i, annotation) in annotations.iter().take(MAX_ANNOTATIONS).enumerate() {
        let flags = annotation
            .get(b"F")
            .and_then(lopdf::Object::as_i64)
            .unwrap_or(0);
        let Some(rect) = annotation
            .get(b"Rect")
            .ok()
            .and_then(|r| numbers::<4>(doc, r))
        else {
            continue;
        };
        if flags & HIDDEN_FLAGS != 0 {
            continue;
        }
        let field = |key: &[u8]| inherited_field(doc, annotation, key);
        let signature = field(b"FT").and_then(|t| t.as_name().ok()) == Some(b"Sig".as_slice());
        let value = field(b"V")
            .filter(|_| signature)
            .and_then(|v| v.as_dict().ok())
            .map(|v| signature_value(doc, v));
        let pieces = match appearance(doc, annotation) {
            Some(form) => appearance_pieces(doc, form, rect).unwrap_or_else(|e| {
                warnings.push(format!("page {number}: annotation {}: {e}", i + 1));
                Vec::new()
            }),
            None => Vec::new(),
        };
        let (x0, x1) = (rect[0].min(rect[2]), rect[0].max(rect[2]));
        let (y0, y1) = (rect[1].min(rect[3]), rect[1].max(rect[3]));
        let annotation = RawAnnotation {
            rect: [x0, height - y1, x1, height - y0],
            signature,
            value,
            glyphs: Vec::new(),
        };
        planned.push((i, annotation, pieces));
    }

    let saved = doc.get_dictionary(page_id).ok().map(|page| {
        (
            page.get(b"Contents").ok().cloned(),
            page.get(b"Resources").ok().cloned(),
        )
    });
    let mut read = Vec::new();
    for (i, mut annotation, pieces) in planned {
        for piece in pieces {
            let stream =
                doc.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), piece.content));
            if let Ok(page) = doc.get_dictionary_mut(page_id) {
                page.set("Contents", stream);
                page.set("Resources", piece.resources);
            }
            let mut collector = Collector {
                to_page: Some(piece.to_page),
                ..Collector::default()
            };
            let run = catch_unwind(AssertUnwindSafe(|| {
                pdf_extract::output_doc_page(doc, &mut collector, number)
            }));
            doc.objects.remove(&stream);
            match run {
                Ok(Ok(())) => {}
                Ok(Err(e)) => warnings.push(format!("page {number}: annotation {}: {e:?}", i + 1)),
                Err(_) => warnings.push(format!(
                    "page {number}: annotation {}: the PDF parser failed on its appearance",
                    i + 1
                )),
            }
            if let Some(page) = collector.page {
                annotation.glyphs.extend(page.glyphs);
            }
        }
        if annotation.signature || annotation.glyphs.iter().any(|g| !g.t.trim().is_empty()) {
            read.push(annotation);
        }
    }
    if let (Some((contents, resources)), Ok(page)) = (saved, doc.get_dictionary_mut(page_id)) {
        for (key, value) in [
            (b"Contents".as_slice(), contents),
            (b"Resources".as_slice(), resources),
        ] {
            match value {
                Some(v) => page.set(key, v),
                None => {
                    page.remove(key);
                }
            }
        }
    }
    read
}

/// `obj`, following references.
fn resolve<'a>(doc: &'a lopdf::Document, obj: &'a lopdf::Object) -> Option<&'a lopdf::Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

/// `N` numbers from an array object.
fn numbers<const N: usize>(doc: &lopdf::Document, obj: &lopdf::Object) -> Option<[f64; N]> {
    let array = resolve(doc, obj)?.as_array().ok()?;
    if array.len() != N {
        return None;
    }
    let mut out = [0.0; N];
    for (o, item) in out.iter_mut().zip(array) {
        *o = resolve(doc, item)?.as_float().ok().map(f64::from)?;
    }
    Some(out)
}

/// A page entry, inherited through the page tree (`MediaBox`).
fn inherited<'a>(
    doc: &'a lopdf::Document,
    page_id: lopdf::ObjectId,
    key: &[u8],
) -> Option<&'a lopdf::Object> {
    inherited_field(doc, doc.get_dictionary(page_id).ok()?, key)
}

/// An entry of `dict` or of the nearest `/Parent` that has it (field entries: `FT`, `V`).
fn inherited_field<'a>(
    doc: &'a lopdf::Document,
    mut dict: &'a lopdf::Dictionary,
    key: &[u8],
) -> Option<&'a lopdf::Object> {
    for _ in 0..MAX_PARENTS {
        if let Ok(value) = dict.get(key) {
            return resolve(doc, value);
        }
        dict = resolve(doc, dict.get(b"Parent").ok()?)?.as_dict().ok()?;
    }
    None
}

fn signature_value(doc: &lopdf::Document, v: &lopdf::Dictionary) -> SignatureValue {
    let text = |key: &[u8]| {
        let object = resolve(doc, v.get(key).ok()?)?;
        let text = lopdf::decode_text_string(object).ok()?;
        Some(text.trim().to_string()).filter(|t| !t.is_empty())
    };
    SignatureValue {
        name: text(b"Name"),
        time: text(b"M"),
        reason: text(b"Reason"),
        location: text(b"Location"),
    }
}

/// The normal appearance (`/AP /N`), or its state named by `/AS`.
fn appearance<'a>(
    doc: &'a lopdf::Document,
    annotation: &'a lopdf::Dictionary,
) -> Option<&'a lopdf::Stream> {
    let ap = resolve(doc, annotation.get(b"AP").ok()?)?.as_dict().ok()?;
    match resolve(doc, ap.get(b"N").ok()?)? {
        lopdf::Object::Stream(s) => Some(s),
        lopdf::Object::Dictionary(states) => {
            let state = annotation.get(b"AS").ok()?.as_name().ok()?;
            resolve(doc, states.get(state).ok()?)?.as_stream().ok()
        }
        _ => None,
    }
}

/// The text-drawing pieces of an appearance form, mapped as PDF 32000 §12.5.5 says: the
/// form's `/BBox`, transformed by its `/Matrix`, is fitted onto the annotation's `/Rect`.
fn appearance_pieces(
    doc: &lopdf::Document,
    form: &lopdf::Stream,
    rect: [f64; 4],
) -> Result<Vec<Piece>, AppearanceError> {
    let matrix = form_matrix(doc, form);
    let bbox = form
        .dict
        .get(b"BBox")
        .ok()
        .and_then(|b| numbers::<4>(doc, b))
        .ok_or(AppearanceError::NoBBox)?;
    let corners = [
        matrix.apply(bbox[0], bbox[1]),
        matrix.apply(bbox[2], bbox[1]),
        matrix.apply(bbox[0], bbox[3]),
        matrix.apply(bbox[2], bbox[3]),
    ];
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in corners {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let (rx0, rx1) = (rect[0].min(rect[2]), rect[0].max(rect[2]));
    let (ry0, ry1) = (rect[1].min(rect[3]), rect[1].max(rect[3]));
    if x1 - x0 <= 0.0 || y1 - y0 <= 0.0 || rx1 - rx0 <= 0.0 || ry1 - ry0 <= 0.0 {
        // An invisible signature (empty /Rect) draws nothing.
        return Ok(Vec::new());
    }
    let (sx, sy) = ((rx1 - rx0) / (x1 - x0), (ry1 - ry0) / (y1 - y0));
    let fit = Affine::from_numbers([sx, 0.0, 0.0, sy, rx0 - x0 * sx, ry0 - y0 * sy]);
    let mut pieces = Vec::new();
    let none = lopdf::Dictionary::new();
    collect_pieces(doc, form, matrix.then(&fit), &none, 0, &mut pieces)?;
    Ok(pieces)
}

fn form_matrix(doc: &lopdf::Document, form: &lopdf::Stream) -> Affine {
    form.dict
        .get(b"Matrix")
        .ok()
        .and_then(|m| numbers::<6>(doc, m))
        .map_or(Affine::IDENTITY, Affine::from_numbers)
}

/// Adds `form` (if it shows text) and the forms it draws to `pieces`, tracking `q`, `Q`
/// and `cm` to place each nested form.
fn collect_pieces(
    doc: &lopdf::Document,
    form: &lopdf::Stream,
    to_page: Affine,
    parent_resources: &lopdf::Dictionary,
    depth: usize,
    pieces: &mut Vec<Piece>,
) -> Result<(), AppearanceError> {
    let content = if form.dict.get(b"Filter").is_ok() {
        form.decompressed_content()
            .map_err(AppearanceError::Stream)?
    } else {
        form.content.clone()
    };
    let resources = form
        .dict
        .get(b"Resources")
        .ok()
        .and_then(|r| resolve(doc, r)?.as_dict().ok())
        .unwrap_or(parent_resources);
    let operations = lopdf::content::Content::decode(&content)
        .map_err(AppearanceError::Content)?
        .operations;
    let (mut ctm, mut saved) = (Affine::IDENTITY, Vec::new());
    let mut kept = Vec::with_capacity(operations.len());
    let mut shows_text = false;
    for op in operations {
        match op.operator.as_str() {
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop().unwrap_or(ctm),
            "cm" => {
                let n: Vec<f64> = op
                    .operands
                    .iter()
                    .filter_map(|o| o.as_float().ok().map(f64::from))
                    .collect();
                if let Ok(n) = <[f64; 6]>::try_from(n) {
                    ctm = Affine::from_numbers(n).then(&ctm);
                }
            }
            "Do" => {
                let child = op
                    .operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|name| {
                        let xobjects = resolve(doc, resources.get(b"XObject").ok()?)?;
                        resolve(doc, xobjects.as_dict().ok()?.get(name).ok()?)?
                            .as_stream()
                            .ok()
                    })
                    .filter(|s| {
                        s.dict.get(b"Subtype").and_then(lopdf::Object::as_name).ok()
                            == Some(b"Form".as_slice())
                    });
                if let Some(child) = child.filter(|_| depth < MAX_FORM_DEPTH) {
                    let place = form_matrix(doc, child).then(&ctm).then(&to_page);
                    collect_pieces(doc, child, place, resources, depth + 1, pieces)?;
                }
                // pdf-extract would read images as content and nested forms unplaced.
                continue;
            }
            "Tj" | "TJ" | "'" | "\"" => shows_text = true,
            _ => {}
        }
        kept.push(op);
    }
    if shows_text && pieces.len() < MAX_PIECES {
        let content = lopdf::content::Content { operations: kept }
            .encode()
            .map_err(AppearanceError::Content)?;
        pieces.push(Piece {
            content,
            resources: resources.clone(),
            to_page,
        });
    }
    Ok(())
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

/// Counts what every stream decodes to, through its whole filter chain (a stream behind
/// two Flate filters is inflated twice), into a counter that stops at the limit, so a
/// bomb is refused before pdf-extract decodes it for real.
fn check_decompressed_size(doc: &lopdf::Document, limit: u64) -> Result<(), RawError> {
    let mut total = 0u64;
    for object in doc.objects.values() {
        let Ok(stream) = object.as_stream() else {
            continue;
        };
        total += decoded_len(stream, limit.saturating_sub(total) + 1);
        if total > limit {
            return Err(RawError::Decompression(limit));
        }
    }
    Ok(())
}

/// Bytes `stream` decodes to, counted up to `cap`. Flate is inflated as a stream; LZW
/// and ASCII85 (which lopdf also decodes) through lopdf; a filter lopdf cannot decode
/// ends the chain, as it ends pdf-extract's reading.
fn decoded_len(stream: &lopdf::Stream, cap: u64) -> u64 {
    let filters = stream.filters().unwrap_or_default();
    let mut data = std::borrow::Cow::Borrowed(stream.content.as_slice());
    for (i, filter) in filters.iter().enumerate() {
        let last = i + 1 == filters.len();
        match *filter {
            b"FlateDecode" | b"Fl" => {
                let mut inflate = flate2::read::ZlibDecoder::new(data.as_ref()).take(cap);
                if last {
                    return std::io::copy(&mut inflate, &mut std::io::sink()).unwrap_or(0);
                }
                let mut out = Vec::new();
                // A corrupt stream counts what inflated before the error.
                let _ = inflate.read_to_end(&mut out);
                data = out.into();
            }
            b"LZWDecode" | b"LZW" | b"ASCII85Decode" | b"A85" => {
                let mut dict = lopdf::Dictionary::new();
                dict.set("Filter", lopdf::Object::Name(filter.to_vec()));
                match lopdf::Stream::new(dict, data.to_vec()).decompressed_content() {
                    Ok(out) => data = out.into(),
                    Err(_) => break,
                }
            }
            _ => break,
        }
        if data.len() as u64 >= cap {
            break;
        }
    }
    (data.len() as u64).min(cap)
}

/// Bytes before `%PDF` that readers skip (pdftotext looks this far for the header).
const MAX_HEADER_OFFSET: usize = 1024;

/// Loads the document. Bytes before the `%PDF` header (a BOM, a mail header's rest) are
/// tolerated as pdftotext does: offsets counted from the header, else from the file start.
fn load(bytes: &[u8]) -> Result<lopdf::Document, RawError> {
    let header = bytes
        .windows(5)
        .take(MAX_HEADER_OFFSET)
        .position(|w| w == b"%PDF-")
        .unwrap_or(0);
    let loaded = match lopdf::Document::load_mem(&bytes[header..]) {
        Err(_) if header > 0 => lopdf::Document::load_mem(bytes),
        loaded => loaded,
    };
    loaded.map_err(|e| RawError::Load(describe_load_error(&e.to_string())))
}

/// Page tree levels followed, as lopdf.
const MAX_TREE_DEPTH: usize = 256;
/// Entries a page inherits from its `/Pages` ancestors.
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// The pages of a document, in order.
struct PageTree {
    /// The first pages, at most the page limit, each with what it inherits.
    pages: Vec<(lopdf::ObjectId, lopdf::Dictionary)>,
    /// All leaves, each counted once.
    count: u32,
    /// A node was met twice (a loop, or a `/Kids` listing a node again).
    repeated: bool,
}

/// Walks the page tree once, each node at most once: a `/Kids` holding its own node or
/// an ancestor adds no page. Pages past `max` are counted, not kept.
fn page_tree(doc: &lopdf::Document, max: usize) -> PageTree {
    let mut tree = PageTree {
        pages: Vec::new(),
        count: 0,
        repeated: false,
    };
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").ok())
        .and_then(|p| p.as_reference().ok())
    else {
        return tree;
    };
    let mut seen = std::collections::HashSet::new();
    // Nodes still to visit, last first, with what they inherit.
    let mut stack = vec![(root, lopdf::Dictionary::new(), 0usize)];
    while let Some((id, mut inherit, depth)) = stack.pop() {
        if !seen.insert(id) {
            tree.repeated = true;
            continue;
        }
        let Ok(node) = doc.get_dictionary(id) else {
            continue;
        };
        for key in INHERITED {
            if let Ok(value) = node.get(key) {
                inherit.set(key, value.clone());
            }
        }
        let kids = node
            .get(b"Kids")
            .ok()
            .and_then(|k| resolve(doc, k))
            .and_then(|k| k.as_array().ok());
        let is_page = node.get(b"Type").and_then(lopdf::Object::as_name).ok() == Some(b"Page");
        match kids {
            Some(kids) if !is_page => {
                if depth < MAX_TREE_DEPTH {
                    for kid in kids.iter().rev() {
                        if let Ok(kid) = kid.as_reference() {
                            stack.push((kid, inherit.clone(), depth + 1));
                        }
                    }
                }
            }
            _ => {
                tree.count += 1;
                if tree.pages.len() < max {
                    tree.pages.push((id, inherit));
                }
            }
        }
    }
    tree
}

/// Replaces the page tree by one `/Pages` node holding `pages` (each given what it
/// inherited), so that pdf-extract, which walks the tree again for every page, walks
/// only the pages read, each once.
fn flatten_page_tree(doc: &mut lopdf::Document, pages: &[(lopdf::ObjectId, lopdf::Dictionary)]) {
    let root = doc.new_object_id();
    for (id, inherit) in pages {
        if let Ok(page) = doc.get_dictionary_mut(*id) {
            for (key, value) in inherit.iter() {
                if page.get(key).is_err() {
                    page.set(key.clone(), value.clone());
                }
            }
            page.set("Parent", root);
            page.set("Type", lopdf::Object::Name(b"Page".to_vec()));
        }
    }
    let kids: Vec<lopdf::Object> = pages.iter().map(|(id, _)| (*id).into()).collect();
    let count = kids.len() as i64;
    doc.objects.insert(
        root,
        lopdf::Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
        }),
    );
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.set("Pages", root);
    }
}

/// A page the parser gave nothing for: its number and its size from `/MediaBox`.
fn bare_page(doc: &lopdf::Document, id: lopdf::ObjectId, number: u32) -> RawPage {
    let size = inherited(doc, id, b"MediaBox")
        .and_then(|b| numbers::<4>(doc, b))
        .map_or((0.0, 0.0), |b| ((b[2] - b[0]).abs(), (b[3] - b[1]).abs()));
    RawPage {
        number,
        width: size.0,
        height: size.1,
        ..RawPage::default()
    }
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
struct Collector<'a> {
    page: Option<RawPage>,
    height: f64,
    /// For an appearance stream: form space → page user space (rules are not collected).
    to_page: Option<Affine>,
    /// Where the first pass counts each font's codes for `fontmap`.
    codes: Option<(&'a lopdf::Document, &'a mut fontmap::Usage)>,
}

impl Collector<'_> {
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

impl OutputDev for Collector<'_> {
    fn operations(
        &mut self,
        resources: &lopdf::Dictionary,
        operations: &[lopdf::content::Operation],
    ) {
        if let Some((doc, usage)) = &mut self.codes {
            fontmap::count_codes(doc, resources, operations, usage);
        }
        // `3 Tr`: text drawn invisible, an OCR layer over a scan.
        let invisible = operations.iter().any(|op| {
            op.operator == "Tr" && op.operands.first().and_then(|o| o.as_float().ok()) == Some(3.0)
        });
        if invisible {
            self.page().invisible_text = true;
        }
    }
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
        let trm = match &self.to_page {
            Some(m) => Affine::from(trm).then(m),
            None => Affine::from(trm),
        };
        // As pdf-extract's own PlainTextOutput: the size is the side of the square with the
        // area of the transformed (font_size, font_size) vector.
        let v = (font_size * (trm.a + trm.c), font_size * (trm.b + trm.d));
        let size = (v.0 * v.1).abs().sqrt();
        let glyph = Glyph {
            t: char.to_string(),
            x: trm.e,
            y: self.height - trm.f,
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
        if self.to_page.is_some() {
            return Ok(());
        }
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
        if self.to_page.is_some() {
            return Ok(());
        }
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
