//! Numbers a clerk wrote by hand or stamped into a scan's header ("Số: 01 /TTr-UBND",
//! "ngày 06 tháng 01"), which tesseract misreads or drops. The blank between the printed
//! words around it is cut from the page image, split into digits, and each digit is
//! classified by a small network trained on pen strokes, MNIST and font digits
//! (`tools/digits/train.py`, sources in `corpus/models/digits.md`).

use std::sync::OnceLock;

use super::grid::Gray;
use crate::ingest::pdf::raw::Glyph;
use crate::model::MetadataField;
use crate::text::fold;
use crate::vn;

/// The network's input: a `SIDE` × `SIDE` grid, the digit's longer side `BOX` pixels.
const SIDE: usize = 20;
const BOX: f64 = 16.0;
const HIDDEN: usize = 128;
/// Grey levels below this are ink.
const INK: u8 = 150;
/// Below this probability for one of its digits, a reading is not used.
const MIN_CONFIDENCE: f32 = 0.5;
/// Readings with more digits than this are noise, not a number.
const MAX_DIGITS: usize = 5;
/// Tesseract confidence (0–100) of digits taken as typed, not handwritten.
const TYPED_CONFIDENCE: f64 = 85.0;
/// Shear of the slanted views, pixels per pixel.
const SLANT: f64 = 0.2;
/// Candidates tried per digit when the best reading is not a plausible value.
const CANDIDATES: usize = 3;

/// Readings kept besides the best, for a later stage that knows more (a signing day).
const ALTERNATIVES: usize = 5;
/// An alternative reading less likely than this is not kept.
const MIN_ALTERNATIVE: f32 = 0.01;

/// A header field a clerk fills in by hand or with a stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandField {
    /// The number before the symbol.
    Number,
    /// The day of issue.
    Day,
}

impl From<HandField> for MetadataField {
    fn from(field: HandField) -> Self {
        match field {
            HandField::Number => MetadataField::Number,
            HandField::Day => MetadataField::Date,
        }
    }
}

/// A value read from handwriting or a stamp: lower confidence than printed text.
#[derive(Debug, Clone, PartialEq)]
pub struct HandRead {
    pub field: HandField,
    /// The likeliest plausible reading, filled into the page.
    pub digits: String,
    /// Plausible readings with their likelihoods, likeliest first (`digits` among them).
    pub readings: Vec<(String, f32)>,
}

struct Network {
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
}

/// The network's file in the model directory.
const NETWORK_FILE: &str = "digits.bin";

impl Network {
    /// The network, loaded once from the model directory; `None` when it is missing or
    /// cut short there (the digit reader then reads nothing).
    fn get() -> Option<&'static Network> {
        static NETWORK: OnceLock<Option<Network>> = OnceLock::new();
        NETWORK
            .get_or_init(|| Network::from_le_bytes(&crate::repair::model_file(NETWORK_FILE).ok()?))
            .as_ref()
    }

    /// Weights as `train.py` writes them: w1, b1, w2, b2, little-endian `f32`.
    fn from_le_bytes(bytes: &[u8]) -> Option<Network> {
        let sizes = [HIDDEN * SIDE * SIDE, HIDDEN, 10 * HIDDEN, 10];
        if bytes.len() != 4 * sizes.iter().sum::<usize>() {
            return None;
        }
        let mut floats = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        let mut take = |n: usize| -> Vec<f32> { floats.by_ref().take(n).collect() };
        Some(Network {
            w1: take(sizes[0]),
            b1: take(sizes[1]),
            w2: take(sizes[2]),
            b2: take(sizes[3]),
        })
    }

    fn probabilities_of(&self, mask: &Mask) -> [f32; 10] {
        let views = [
            mask.clone(),
            mask.slanted(SLANT),
            mask.slanted(-SLANT),
            mask.thickened(),
        ];
        let mut sum = [0f32; 10];
        for view in &views {
            for (s, p) in sum.iter_mut().zip(self.probabilities(&normalize(view))) {
                *s += p;
            }
        }
        sum.map(|s| s / views.len() as f32)
    }

    fn probabilities(&self, input: &[f32]) -> [f32; 10] {
        let hidden: Vec<f32> = (0..HIDDEN)
            .map(|h| {
                let row = &self.w1[h * input.len()..(h + 1) * input.len()];
                let z: f32 = row.iter().zip(input).map(|(w, x)| w * x).sum::<f32>() + self.b1[h];
                z.max(0.0)
            })
            .collect();
        let mut out = [0f32; 10];
        for (d, o) in out.iter_mut().enumerate() {
            let row = &self.w2[d * HIDDEN..(d + 1) * HIDDEN];
            *o = row.iter().zip(&hidden).map(|(w, x)| w * x).sum::<f32>() + self.b2[d];
        }
        let max = out.iter().copied().fold(f32::MIN, f32::max);
        let sum: f32 = out
            .iter_mut()
            .map(|o| {
                *o = (*o - max).exp();
                *o
            })
            .sum();
        out.map(|o| o / sum)
    }
}

/// Ink pixels of a rectangle, row-major.
#[derive(Debug, Clone)]
struct Mask {
    width: usize,
    height: usize,
    ink: Vec<bool>,
}

impl Mask {
    fn at(&self, x: usize, y: usize) -> bool {
        self.ink[y * self.width + x]
    }

    fn columns(&self, from: usize, to: usize) -> Mask {
        let width = to - from;
        let ink = (0..self.height)
            .flat_map(|y| (from..to).map(move |x| (x, y)))
            .map(|(x, y)| self.at(x, y))
            .collect();
        Mask {
            width,
            height: self.height,
            ink,
        }
    }

    /// Sheared by `k` pixels right per pixel up.
    fn slanted(&self, k: f64) -> Mask {
        let shift = |y: usize| (k * (self.height - y) as f64).round() as isize;
        let min = shift(0).min(shift(self.height));
        let width = self.width + shift(0).abs_diff(shift(self.height));
        let mut ink = vec![false; width * self.height];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.at(x, y) {
                    ink[y * width + (x as isize + shift(y) - min) as usize] = true;
                }
            }
        }
        Mask {
            width,
            height: self.height,
            ink,
        }
    }

    /// Each ink pixel grown to its 3 × 3 neighbourhood.
    fn thickened(&self) -> Mask {
        let (w, h) = (self.width, self.height);
        let ink = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                (y.saturating_sub(1)..(y + 2).min(h))
                    .any(|ny| (x.saturating_sub(1)..(x + 2).min(w)).any(|nx| self.at(nx, ny)))
            })
            .collect();
        Mask {
            width: w,
            height: h,
            ink,
        }
    }

    fn count(&self, x0: usize, x1: usize, y0: usize, y1: usize) -> usize {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| self.at(x, y))
            .count()
    }

    /// A slash: ink on the rising diagonal, little on the other.
    fn is_slash(&self) -> bool {
        let (w, h) = (self.width, self.height);
        if (w as f64) < 0.2 * h as f64 || (w as f64) > 0.8 * h as f64 {
            return false;
        }
        let rising = self.count(w / 2, w, 0, h / 2) + self.count(0, w / 2, h / 2, h);
        let falling = self.count(0, w / 2, 0, h / 2) + self.count(w / 2, w, h / 2, h);
        rising as f64 > 2.5 * falling as f64
    }
}

/// The network's input for `mask`: its ink box scaled so that the longer side is `BOX`,
/// centred, each cell the share of 4 × 4 samples on ink (as `train.py`'s `normalize`).
fn normalize(mask: &Mask) -> Vec<f32> {
    let mut out = vec![0f32; SIDE * SIDE];
    let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
    for y in 0..mask.height {
        for x in 0..mask.width {
            if mask.at(x, y) {
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x + 1), y0.min(y), y1.max(y + 1));
            }
        }
    }
    if x1 == 0 {
        return out;
    }
    let (bw, bh) = (x1 - x0, y1 - y0);
    let s = BOX / bw.max(bh) as f64;
    let ow = ((bw as f64 * s + 0.5) as usize).max(1);
    let oh = ((bh as f64 * s + 0.5) as usize).max(1);
    let (ox, oy) = ((SIDE - ow) / 2, (SIDE - oh) / 2);
    let sample = |i: usize, k: usize, origin: usize, end: usize| {
        (origin + ((i as f64 + (k as f64 + 0.5) / 4.0) / s) as usize).min(end - 1)
    };
    for j in 0..oh {
        for i in 0..ow {
            let hits = (0..4)
                .flat_map(|v| (0..4).map(move |u| (u, v)))
                .filter(|&(u, v)| mask.at(sample(i, u, x0, x1), sample(j, v, y0, y1)))
                .count();
            out[(oy + j) * SIDE + ox + i] = hits as f32 / 16.0;
        }
    }
    out
}

/// A connected run of ink.
#[derive(Debug, Clone)]
struct Blob {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
    labels: Vec<u32>,
}

/// The digits written in `[x0, x1) × [y0, y1)` of `page`, one mask each, left to right,
/// for text lines `line` pixels high: long horizontal rules are erased, specks and
/// punctuation dropped, strokes of one digit joined, a trailing slash dropped and a
/// run of touching digits cut at its thinnest columns.
fn digit_masks(page: &Gray, [x0, y0, x1, y1]: [usize; 4], line: f64) -> Vec<Mask> {
    let (x1, y1) = (x1.min(page.width), y1.min(page.height));
    if x1 <= x0 || y1 <= y0 {
        return Vec::new();
    }
    let (w, h) = (x1 - x0, y1 - y0);
    let mut ink: Vec<bool> = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .map(|(x, y)| page.pixels[y * page.width + x] < INK)
        .collect();
    let longest_run = (1.5 * line) as usize;
    for row in ink.chunks_mut(w) {
        let mut start = 0;
        while start < w {
            let end = (start..w).find(|&x| !row[x]).unwrap_or(w);
            if end - start > longest_run {
                row[start..end].fill(false);
            }
            start = end + 1;
        }
    }
    let mut labels = vec![0u32; w * h];
    let mut blobs: Vec<Blob> = Vec::new();
    for seed in 0..w * h {
        if !ink[seed] || labels[seed] != 0 {
            continue;
        }
        let label = blobs.len() as u32 + 1;
        let mut blob = Blob {
            x0: w,
            x1: 0,
            y0: h,
            y1: 0,
            labels: vec![label],
        };
        let mut area = 0usize;
        let mut stack = vec![seed];
        labels[seed] = label;
        while let Some(p) = stack.pop() {
            let (x, y) = (p % w, p / w);
            area += 1;
            (blob.x0, blob.x1) = (blob.x0.min(x), blob.x1.max(x + 1));
            (blob.y0, blob.y1) = (blob.y0.min(y), blob.y1.max(y + 1));
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let q = ny * w + nx;
                    if ink[q] && labels[q] == 0 {
                        labels[q] = label;
                        stack.push(q);
                    }
                }
            }
        }
        let height = (blob.y1 - blob.y0) as f64;
        // What reaches the crop's sides or top short is a neighbour: "ngày"'s y, a cut slash.
        let edge = blob.x0 == 0 || blob.x1 == w || blob.y0 == 0;
        let tall = height >= if edge { 0.7 * line } else { 0.4 * line };
        // A dropped blob keeps its place (labels count blobs) with no labels to draw.
        if !tall || area as f64 <= 0.02 * line * line {
            blob.labels.clear();
        }
        blobs.push(blob);
    }
    let mut kept: Vec<Blob> = blobs.into_iter().filter(|b| !b.labels.is_empty()).collect();
    kept.sort_by_key(|b| b.x0);
    let mut groups: Vec<Blob> = Vec::new();
    for b in kept {
        if let Some(g) = groups.last_mut() {
            let overlap = g.x1.min(b.x1) as f64 - g.x0.max(b.x0) as f64;
            if overlap > 0.5 * (g.x1 - g.x0).min(b.x1 - b.x0) as f64 {
                (g.x0, g.x1) = (g.x0.min(b.x0), g.x1.max(b.x1));
                (g.y0, g.y1) = (g.y0.min(b.y0), g.y1.max(b.y1));
                g.labels.extend(b.labels);
                continue;
            }
        }
        groups.push(b);
    }
    let mut masks: Vec<Mask> = groups
        .iter()
        .map(|g| Mask {
            width: g.x1 - g.x0,
            height: g.y1 - g.y0,
            ink: (g.y0..g.y1)
                .flat_map(|y| (g.x0..g.x1).map(move |x| (x, y)))
                .map(|(x, y)| g.labels.contains(&labels[y * w + x]))
                .collect(),
        })
        .collect();
    if masks.last().is_some_and(Mask::is_slash) {
        masks.pop();
    }
    masks.into_iter().flat_map(split_touching).collect()
}

/// A mask wider than high holds touching digits: cut into as many as its width allows,
/// each cut at the column with least ink near its even share.
fn split_touching(mask: Mask) -> Vec<Mask> {
    let (w, h) = (mask.width, mask.height);
    if w <= h {
        return vec![mask];
    }
    let parts = ((w as f64 / (0.7 * h as f64)).round() as usize).max(1);
    let mut cuts = vec![0];
    for i in 1..parts {
        let centre = w * i / parts;
        let reach = w / (3 * parts);
        let (lo, hi) = ((centre - reach).max(1), (centre + reach).min(w - 1));
        let best = (lo..hi)
            .min_by_key(|&x| mask.count(x, x + 1, 0, h))
            .unwrap_or(centre);
        cuts.push(best);
    }
    cuts.push(w);
    cuts.windows(2)
        .filter(|c| c[1] > c[0])
        .map(|c| mask.columns(c[0], c[1]))
        .collect()
}

/// The readings of the digits in `rect` that `plausible` accepts, likeliest first, when
/// each digit of the likeliest is at least [`MIN_CONFIDENCE`] likely; empty otherwise.
fn read_digits(
    page: &Gray,
    rect: [usize; 4],
    line: f64,
    plausible: impl Fn(&str) -> bool,
) -> Vec<(String, f32)> {
    let Some(network) = Network::get() else {
        return Vec::new();
    };
    let masks = digit_masks(page, rect, line);
    if masks.is_empty() || masks.len() > MAX_DIGITS {
        return Vec::new();
    }
    let ranked: Vec<Vec<(usize, f32)>> = masks
        .iter()
        .map(|m| {
            let p = network.probabilities_of(m);
            let mut order: Vec<(usize, f32)> = p.into_iter().enumerate().collect();
            order.sort_by(|a, b| b.1.total_cmp(&a.1));
            order.truncate(CANDIDATES);
            order
        })
        .collect();
    let mut readings: Vec<(String, f32, f32)> = Vec::new();
    let combos = CANDIDATES.pow(ranked.len() as u32);
    for k in 0..combos {
        let (mut score, mut weakest, mut text, mut rest) = (1f32, 1f32, String::new(), k);
        for r in &ranked {
            let (d, p) = r[rest % CANDIDATES];
            rest /= CANDIDATES;
            (score, weakest) = (score * p, weakest.min(p));
            text.push(char::from(b'0' + d as u8));
        }
        if plausible(&text) {
            readings.push((text, score, weakest));
        }
    }
    readings.sort_by(|a, b| b.1.total_cmp(&a.1));
    if readings.first().is_none_or(|best| best.2 < MIN_CONFIDENCE) {
        return Vec::new();
    }
    readings
        .into_iter()
        .take(ALTERNATIVES)
        .filter(|r| r.1 >= MIN_ALTERNATIVE)
        .map(|(text, score, _)| (text, score))
        .collect()
}

/// Reads the handwritten or stamped number and day of a header on a scan page (pixel
/// geometry, as `parse_tsv` gives it, with each word's tesseract confidence) into
/// `glyphs`: what tesseract read between "Số:" and the symbol, and between "ngày" and
/// "tháng", is replaced by the digits read, unless tesseract read clean digits there with
/// confidence (a typed number).
pub fn read_header_blanks(
    page: &Gray,
    glyphs: &mut Vec<Glyph>,
    confidences: &[Option<f64>],
) -> Vec<HandRead> {
    let header = page.height as f64 * 0.4;
    let find = |field: HandField, glyphs: &[Glyph]| match field {
        HandField::Number => number_blank(glyphs, header),
        HandField::Day => day_blank(glyphs, header),
    };
    // Judged on tesseract's words as read, before any blank is filled.
    let handwritten: Vec<HandField> = [HandField::Number, HandField::Day]
        .into_iter()
        .filter(|&f| find(f, glyphs).is_some_and(|b| !typed(glyphs, confidences, &b)))
        .collect();
    let mut read = Vec::new();
    for field in handwritten {
        let Some(blank) = find(field, glyphs) else {
            continue;
        };
        let readings = match field {
            HandField::Number => {
                read_digits(page, blank.rect, blank.line, vn::plausible_issue_number)
            }
            HandField::Day => read_digits(page, blank.rect, blank.line, vn::plausible_day),
        };
        if let Some((digits, _)) = readings.first().cloned() {
            fill_blank(glyphs, &blank, &digits);
            read.push(HandRead {
                field,
                digits,
                readings,
            });
        }
    }
    read
}

/// Whether tesseract read clean digits in `blank`, every word of them at least
/// [`TYPED_CONFIDENCE`] sure.
fn typed(glyphs: &[Glyph], confidences: &[Option<f64>], blank: &Blank) -> bool {
    let lead = glyphs[blank.after]
        .t
        .strip_suffix(blank.after_text.as_str())
        .unwrap_or_default();
    let between = glyphs[blank.before + 1..blank.after]
        .iter()
        .map(|g| g.t.as_str());
    let text: String = between.chain([lead]).collect();
    let sure = (blank.before + 1..=blank.after)
        .all(|i| confidences.get(i).copied().flatten().unwrap_or(0.0) >= TYPED_CONFIDENCE);
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && sure
}

/// Where digits were left blank for the clerk, between glyph `before` and glyph `after`.
struct Blank {
    before: usize,
    after: usize,
    /// `before` as it reads without what tesseract glued to it.
    before_text: &'static str,
    /// What of `after` follows the blank.
    after_text: String,
    rect: [usize; 4],
    line: f64,
}

/// Line box height of a glyph from `parse_tsv`.
fn line_height(g: &Glyph) -> f64 {
    g.s / super::SIZE_OF_LINE_BOX
}

fn same_line(a: &Glyph, b: &Glyph) -> bool {
    (a.y - b.y).abs() < 0.5 * line_height(a)
}

/// A printed line is this many average letter widths high.
const LINE_LETTERS: f64 = 1.65;
/// "tháng" is this many times as wide as "ngày" in the same face.
const THANG_PER_NGAY: f64 = 1.18;
/// "Số:" is this many average letter widths of the symbol after it.
const SO_LETTERS: f64 = 1.9;

/// The blank from `left` to `right` on the line with baseline `baseline`, in type whose
/// letters are `letter` wide: handwriting rises above the printed words.
fn band(left: f64, right: f64, baseline: f64, letter: f64) -> [usize; 4] {
    let line = LINE_LETTERS * letter;
    [
        left.max(0.0) as usize,
        (baseline - 2.2 * line).max(0.0) as usize,
        right.max(0.0) as usize,
        (baseline + 0.4 * line) as usize,
    ]
}

/// "Số:" then the symbol ("/TTr-UBND", or "84/TTr-UBND" with digits misread) on one
/// header line. The symbol's printed letters give the type size; a "Số" with something
/// glued to it ("Số:⁄‡6", "ST") is taken as wide as "Số:" in that size.
fn number_blank(glyphs: &[Glyph], header: f64) -> Option<Blank> {
    let after = glyphs.iter().position(|g| {
        g.y < header
            && g.t
                .split_once('/')
                .is_some_and(|(_, code)| code.chars().next().is_some_and(char::is_uppercase))
    })?;
    let symbol = &glyphs[after];
    let before = (after.saturating_sub(3)..after)
        .rev()
        .find(|&i| glyphs[i].t.starts_with('S') && same_line(&glyphs[i], symbol))?;
    let so = &glyphs[before];
    let (lead, code) = symbol.t.split_once('/')?;
    let letter = symbol.w / symbol.t.chars().count() as f64;
    let bare = matches!(fold(&so.t).as_str(), "so" | "so:" | "so.");
    let left = so.x
        + if bare {
            so.w
        } else {
            so.w.min(SO_LETTERS * letter)
        };
    let right = symbol.x + letter * (lead.chars().count() as f64 + 0.2);
    Some(Blank {
        before,
        after,
        before_text: "Số:",
        after_text: format!("/{code}"),
        rect: band(left, right, symbol.y, letter),
        line: LINE_LETTERS * letter,
    })
}

/// "ngày" then "tháng" on one header line. Handwriting glued to one of them widens its
/// box: in one face "tháng" is [`THANG_PER_NGAY`] times as wide as "ngày", so the clean
/// word gives the other's true width.
fn day_blank(glyphs: &[Glyph], header: f64) -> Option<Blank> {
    let before = glyphs.iter().position(|g| {
        g.y < header
            && g.t.starts_with('n')
            && fold(&g.t).starts_with("nga")
            && g.t.chars().count() <= 8
    })?;
    let day = &glyphs[before];
    let after = (before + 1..(before + 4).min(glyphs.len()))
        .find(|&i| fold(&glyphs[i].t).starts_with("thang") && same_line(&glyphs[i], day))?;
    let month = &glyphs[after];
    let (left, right) = if day.t == "ngày" {
        let month_width = THANG_PER_NGAY * day.w;
        (day.x + day.w, month.x.max(month.x + month.w - month_width))
    } else {
        (day.x + day.w.min(month.w / THANG_PER_NGAY), month.x)
    };
    let letter = month.w.min(THANG_PER_NGAY * day.w) / 5.0;
    Some(Blank {
        before,
        after,
        before_text: "ngày",
        after_text: month.t.clone(),
        rect: band(left, right, day.y, letter),
        line: LINE_LETTERS * letter,
    })
}

/// Puts `digits` in `blank`, in place of what tesseract read there.
fn fill_blank(glyphs: &mut Vec<Glyph>, blank: &Blank, digits: &str) {
    let [left, _, right, _] = blank.rect;
    let template = glyphs[blank.after].clone();
    glyphs[blank.before].t = blank.before_text.to_string();
    glyphs[blank.after].t.clone_from(&blank.after_text);
    let digits = Glyph {
        t: digits.to_string(),
        x: left as f64,
        w: right.saturating_sub(left) as f64,
        ..template
    };
    glyphs.splice(blank.before + 1..blank.after, [digits]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crop(name: &str) -> Gray {
        let path = format!(
            "{}/fixtures/scan-blanks/{name}.pgm",
            env!("CARGO_MANIFEST_DIR")
        );
        Gray::from_pnm(&std::fs::read(path).unwrap()).unwrap()
    }

    /// (crop, line height in pixels, digits written there by hand)
    const BLANKS: &[(&str, f64, &str)] = &[
        ("doc01-number", 49.1, "01"),
        ("doc02-day", 43.9, "05"),
        ("doc06-number", 52.6, "23"),
    ];

    #[test]
    fn handwritten_blanks_of_real_scans_are_read() {
        for &(name, line, want) in BLANKS {
            let page = crop(name);
            let whole = [0, 0, page.width, page.height];
            let got = read_digits(&page, whole, line, |d| !d.is_empty());
            assert_eq!(got.first().map(|r| r.0.as_str()), Some(want), "{name}");
            assert!(got.windows(2).all(|w| w[0].1 >= w[1].1), "{name}: {got:?}");
        }
    }

    #[test]
    fn an_empty_blank_reads_nothing() {
        let page = Gray::new(120, 100, 255);
        assert!(read_digits(&page, [0, 0, 120, 100], 50.0, |_| true).is_empty());
    }

    #[test]
    fn the_network_loads_whole() {
        let network = Network::get().expect("corpus/models/digits.bin");
        assert_eq!(network.w1.len(), HIDDEN * SIDE * SIDE);
        assert!(Network::from_le_bytes(&[0; 400]).is_none());
        let p = network.probabilities(&vec![0.0; SIDE * SIDE]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }

    #[test]
    fn a_slash_is_not_a_one() {
        let slash = |w: usize, h: usize| Mask {
            width: w,
            height: h,
            ink: (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .map(|(x, y)| (x as f64 - (w as f64) * (1.0 - y as f64 / h as f64)).abs() < 2.0)
                .collect(),
        };
        assert!(slash(12, 40).is_slash());
        let one = Mask {
            width: 10,
            height: 40,
            ink: (0..400).map(|i| (4..7).contains(&(i % 10))).collect(),
        };
        assert!(!one.is_slash());
    }

    proptest::proptest! {
        /// Any page and any words: the reader never panics, and what it writes is digits.
        #[test]
        fn any_page_and_words_are_read_without_panic(
            pixels in proptest::collection::vec(0u8..=255, 60 * 40),
            words in proptest::collection::vec(
                ("(Số:|Số|ST|ngày|ngàW|tháng|/TTr-UBND|84/CT-UBND|x)", 0.0f64..60.0, 0.0f64..40.0, 0.0f64..30.0, 0.0f64..20.0),
                0..8,
            ),
        ) {
            let page = Gray { width: 60, height: 40, pixels };
            let mut glyphs: Vec<Glyph> = words
                .into_iter()
                .map(|(t, x, y, w, s)| Glyph { t, x, y, w, s })
                .collect();
            let confidences = vec![Some(50.0); glyphs.len()];
            for read in read_header_blanks(&page, &mut glyphs, &confidences) {
                proptest::prop_assert!(read.digits.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
