//! Ruled tables in a page image: the rules, and the cells they bound.
//!
//! Tesseract's page layout reads a ruled table as text blocks: words of neighbouring cells
//! run into one line, a cell border becomes "|", "l" or "1", and the numbers of narrow
//! columns get lost. So the rules are found in the image first and each cell is read on
//! its own (see [`super`]).
//!
//! * **Rules**: after binarizing (Otsu), a pixel is part of a horizontal stroke when it
//!   lies on a run of dark pixels at least [`RUN_INCHES`] long (gaps of a pixel or two
//!   allowed), of a vertical stroke likewise down its column. Connected pieces of those
//!   masks (8-connected, so a rule slanted by a skewed scan stays one piece) that are long
//!   and thin are rules; a letter has no such runs.
//! * **Tables**: rules that touch form a grid; a grid needs two horizontal and two
//!   vertical rules and three of either (one framed paragraph is no table), as the PDF
//!   layout requires of vector rules.
//! * **Cells**: the bands between horizontal rules, cut by the verticals crossing each
//!   band's middle, so a merged cell is one cell, as `layout` reads vector tables.
//!
//! Everything is in pixels; the caller scales to points.

use super::OcrError;

/// A stroke must run this many inches to count as part of a rule (letters never do).
const RUN_INCHES: f64 = 0.22;
/// A rule is at least this many inches long…
const RULE_INCHES: f64 = 0.4;
/// …and at most this many inches thick, plus the drift of a skewed scan (1 in 30).
const THICK_INCHES: f64 = 0.04;
/// Rules closer than this (inches) touch or are the same.
const TOUCH_INCHES: f64 = 0.03;
/// Dark pixels this far (pixels) apart still make one run (noise, broken rules).
const RUN_GAP: usize = 2;

/// How much redder than green and blue a pixel must be to count as seal ink.
const RED_MARGIN: u8 = 40;

/// The grey of one RGB(A) pixel: luminance, or for red ink (seals, red stamps) its red
/// channel, which turns it light.
pub(crate) fn seal_dropout(rgb: &[u8]) -> u8 {
    let (r, g, b) = (rgb[0], rgb[1], rgb[2]);
    if r > g.saturating_add(RED_MARGIN) && r > b.saturating_add(RED_MARGIN) {
        r
    } else {
        ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000) as u8
    }
}

/// An 8-bit grey image, row-major, 0 = black.
#[derive(Debug, Clone, PartialEq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Gray {
    pub fn new(width: usize, height: usize, value: u8) -> Gray {
        Gray {
            width,
            height,
            pixels: vec![value; width * height],
        }
    }

    /// Reads a binary PGM (`P5`) or PPM (`P6`), 8-bit, as `pdftoppm` writes. Colour is
    /// turned grey by luminance, except red ink (seals, red stamps), which takes its red
    /// channel and so turns light: a seal over a signer's name or a title no longer hides
    /// the black text under it.
    pub fn from_pnm(bytes: &[u8]) -> Result<Gray, OcrError> {
        let channels = match bytes.get(..2) {
            Some(b"P5") => 1,
            Some(b"P6") => 3,
            _ => return Err(OcrError::Image("not a binary PGM or PPM")),
        };
        let mut fields = Vec::new();
        let mut at = 2;
        while fields.len() < 3 {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if bytes.get(at) == Some(&b'#') {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            let start = at;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
            let n: usize = std::str::from_utf8(&bytes[start..at])
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(OcrError::Image("bad PNM header"))?;
            fields.push(n);
        }
        let (width, height, max) = (fields[0], fields[1], fields[2]);
        if max != 255 {
            return Err(OcrError::Maxval(max));
        }
        let size = width
            .checked_mul(height)
            .and_then(|n| n.checked_mul(channels))
            .ok_or(OcrError::Image("PNM too large"))?;
        let data = bytes
            .get(at + 1..)
            .filter(|d| d.len() >= size)
            .ok_or(OcrError::Image("truncated PNM"))?;
        let pixels = if channels == 1 {
            data[..size].to_vec()
        } else {
            data[..size].chunks_exact(3).map(seal_dropout).collect()
        };
        Ok(Gray {
            width,
            height,
            pixels,
        })
    }

    pub fn to_pgm(&self) -> Vec<u8> {
        let mut out = format!("P5\n{} {}\n255\n", self.width, self.height).into_bytes();
        out.extend_from_slice(&self.pixels);
        out
    }

    /// The rectangle `[x0, x1) × [y0, y1)` with pixels under `erase` made white, inside a
    /// white border of `pad` pixels (tesseract misses text touching the image edge).
    pub fn crop(&self, rect: Rect, pad: usize, erase: &[bool]) -> Gray {
        let (w, h) = (rect.x1 - rect.x0, rect.y1 - rect.y0);
        let mut out = Gray::new(w + 2 * pad, h + 2 * pad, 255);
        for y in rect.y0..rect.y1 {
            for x in rect.x0..rect.x1 {
                let i = y * self.width + x;
                if !erase[i] {
                    out.pixels[(y - rect.y0 + pad) * out.width + x - rect.x0 + pad] =
                        self.pixels[i];
                }
            }
        }
        out
    }

    /// The bounding box of ink (pixels darker than `ink`) inside `rect`, pixels under
    /// `erase` left out, and how many ink pixels there are.
    pub fn ink_bounds(&self, rect: Rect, erase: &[bool], ink: u8) -> Option<(Rect, usize)> {
        let (mut x0, mut y0, mut x1, mut y1, mut n) = (usize::MAX, usize::MAX, 0, 0, 0);
        for y in rect.y0..rect.y1.min(self.height) {
            for x in rect.x0..rect.x1.min(self.width) {
                let i = y * self.width + x;
                if self.pixels[i] < ink && !erase[i] {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
                    n += 1;
                }
            }
        }
        (n > 0).then_some((Rect { x0, y0, x1, y1 }, n))
    }

    /// Makes `rect` white.
    pub fn blank(&mut self, rect: Rect) {
        for y in rect.y0..rect.y1.min(self.height) {
            let row = y * self.width;
            self.pixels[row + rect.x0.min(self.width)..row + rect.x1.min(self.width)].fill(255);
        }
    }

    /// Otsu's threshold: pixels below it are ink.
    fn threshold(&self) -> u8 {
        let mut hist = [0usize; 256];
        for &p in &self.pixels {
            hist[p as usize] += 1;
        }
        let total = self.pixels.len() as f64;
        let sum: f64 = hist
            .iter()
            .enumerate()
            .map(|(i, &n)| i as f64 * n as f64)
            .sum();
        let (mut below, mut sum_below, mut best, mut at) = (0.0, 0.0, 0.0, 128u8);
        for (t, &n) in hist.iter().enumerate() {
            below += n as f64;
            sum_below += t as f64 * n as f64;
            let above = total - below;
            if below == 0.0 || above == 0.0 {
                continue;
            }
            let (m0, m1) = (sum_below / below, (sum - sum_below) / above);
            let between = below * above * (m0 - m1) * (m0 - m1);
            if between > best {
                (best, at) = (between, t as u8);
            }
        }
        at.saturating_add(1)
    }
}

/// A pixel rectangle `[x0, x1) × [y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

/// One rule: a horizontal one at `pos` (y) from `from` to `to` (x), or a vertical one at
/// `pos` (x) from `from` to `to` (y).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    pub pos: f64,
    pub from: f64,
    pub to: f64,
}

/// A ruled table in the image.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub horizontals: Vec<Stroke>,
    pub verticals: Vec<Stroke>,
    /// Column and row boundaries (rule positions, snapped).
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// Rules closer than this (pixels) touch or are one boundary.
    touch: f64,
}

impl Table {
    /// The table's outline.
    pub fn bounds(&self) -> Rect {
        let (x0, x1) = (self.xs[0], *self.xs.last().expect("two columns"));
        let (y0, y1) = (self.ys[0], *self.ys.last().expect("two rows"));
        Rect {
            x0: x0.max(0.0) as usize,
            y0: y0.max(0.0) as usize,
            x1: x1.ceil() as usize,
            y1: y1.ceil() as usize,
        }
    }

    /// Cells row by row: each band between row boundaries, cut where a vertical rule
    /// crosses the band's middle.
    pub fn cells(&self) -> Vec<Rect> {
        let tolerance = self.touch;
        let mut out = Vec::new();
        for band in self.ys.windows(2) {
            let mid = (band[0] + band[1]) / 2.0;
            let cuts: Vec<f64> =
                self.xs
                    .iter()
                    .enumerate()
                    .filter(|&(i, &x)| {
                        i == 0
                            || i == self.xs.len() - 1
                            || self.verticals.iter().any(|v| {
                                (v.pos - x).abs() <= tolerance && v.from <= mid && v.to >= mid
                            })
                    })
                    .map(|(_, &x)| x)
                    .collect();
            for pair in cuts.windows(2) {
                let rect = Rect {
                    x0: pair[0] as usize,
                    y0: band[0] as usize,
                    x1: pair[1] as usize,
                    y1: band[1] as usize,
                };
                if rect.x1 > rect.x0 && rect.y1 > rect.y0 {
                    out.push(rect);
                }
            }
        }
        out
    }

    /// The rules as the PDF layout takes them: straight, at the snapped positions.
    pub fn rules(&self) -> Vec<[f64; 4]> {
        let snap_to = |v: f64, to: &[f64]| {
            to.iter()
                .copied()
                .min_by(|a, b| (a - v).abs().total_cmp(&(b - v).abs()))
                .unwrap_or(v)
        };
        let h = self.horizontals.iter().map(|s| {
            let y = snap_to(s.pos, &self.ys);
            [s.from, y, s.to, y]
        });
        let v = self.verticals.iter().map(|s| {
            let x = snap_to(s.pos, &self.xs);
            [x, s.from, x, s.to]
        });
        h.chain(v).collect()
    }
}

/// Ruled tables on a page image at `dpi`, and the mask of rule pixels (grown by a few
/// pixels) to erase before reading cells.
pub fn find_tables(img: &Gray, dpi: u32) -> (Vec<Table>, Vec<bool>) {
    let dpi = f64::from(dpi);
    let run = (RUN_INCHES * dpi) as usize;
    let threshold = img.threshold();
    let ink: Vec<bool> = img.pixels.iter().map(|&p| p < threshold).collect();
    let (w, h) = (img.width, img.height);
    let horizontal = runs(&ink, w, h, run, true);
    let vertical = runs(&ink, w, h, run, false);
    let long = RULE_INCHES * dpi;
    let thick = THICK_INCHES * dpi;
    // Long, thin pieces are rules: a horizontal one runs along x, a vertical one along y.
    let strokes = |runs: &[bool], along_x: bool| -> Vec<Stroke> {
        pieces(runs, w, h)
            .into_iter()
            .filter_map(|r| {
                let (x, y) = ((r.x0, r.x1), (r.y0, r.y1));
                let (along, across) = if along_x { (x, y) } else { (y, x) };
                let len = (along.1 - along.0) as f64;
                let width = (across.1 - across.0) as f64;
                (len >= long && width <= thick + len / 30.0).then_some(Stroke {
                    pos: (across.0 + across.1) as f64 / 2.0,
                    from: along.0 as f64,
                    to: along.1 as f64,
                })
            })
            .collect()
    };
    let hs = strokes(&horizontal, true);
    let vs = strokes(&vertical, false);
    let tables = group(&hs, &vs, TOUCH_INCHES * dpi);
    // Erase what the table rules drew, grown by a few pixels (grey edges of the stroke).
    let grow = (dpi / 100.0).ceil() as usize;
    let mut mask = vec![false; w * h];
    for t in &tables {
        let b = t.bounds();
        let (x0, y0) = (b.x0.saturating_sub(3 * grow), b.y0.saturating_sub(3 * grow));
        let (x1, y1) = ((b.x1 + 3 * grow).min(w), (b.y1 + 3 * grow).min(h));
        for y in y0..y1 {
            for x in x0..x1 {
                if horizontal[y * w + x] || vertical[y * w + x] {
                    for yy in y.saturating_sub(grow)..(y + grow + 1).min(h) {
                        for xx in x.saturating_sub(grow)..(x + grow + 1).min(w) {
                            mask[yy * w + xx] = true;
                        }
                    }
                }
            }
        }
    }
    (tables, mask)
}

/// Marks ink pixels on runs at least `min` long (gaps up to [`RUN_GAP`]), along rows
/// (`along_rows`) or down columns.
fn runs(ink: &[bool], w: usize, h: usize, min: usize, along_rows: bool) -> Vec<bool> {
    let mut out = vec![false; w * h];
    let (lines, len) = if along_rows { (h, w) } else { (w, h) };
    let index = |line: usize, i: usize| {
        if along_rows {
            line * w + i
        } else {
            i * w + line
        }
    };
    for line in 0..lines {
        let mut start: Option<usize> = None;
        let mut last = 0;
        for i in 0..=len {
            let dark = i < len && ink[index(line, i)];
            if dark {
                if start.is_none_or(|_| i - last > RUN_GAP + 1) {
                    if let Some(s) = start {
                        mark(&mut out, s, last, min, |k| index(line, k));
                    }
                    start = Some(i);
                }
                last = i;
            } else if i == len {
                if let Some(s) = start {
                    mark(&mut out, s, last, min, |k| index(line, k));
                }
            }
        }
    }
    out
}

fn mark(out: &mut [bool], s: usize, e: usize, min: usize, index: impl Fn(usize) -> usize) {
    if e + 1 - s >= min {
        for k in s..=e {
            out[index(k)] = true;
        }
    }
}

/// Bounding boxes of the 8-connected pieces of `mask`.
fn pieces(mask: &[bool], w: usize, h: usize) -> Vec<Rect> {
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = ny * w + nx;
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(Rect { x0, y0, x1, y1 });
    }
    out
}

/// Rules that touch (within `touch` pixels) form a table.
fn group(hs: &[Stroke], vs: &[Stroke], touch: f64) -> Vec<Table> {
    let n = hs.len() + vs.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, h) in hs.iter().enumerate() {
        for (j, v) in vs.iter().enumerate() {
            let crosses = v.pos >= h.from - touch
                && v.pos <= h.to + touch
                && h.pos >= v.from - touch
                && h.pos <= v.to + touch;
            if crosses {
                let (a, b) = (root(&mut parent, i), root(&mut parent, hs.len() + j));
                parent[a] = b;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<Stroke>, Vec<Stroke>)> =
        Default::default();
    for i in 0..n {
        let r = root(&mut parent, i);
        let entry = groups.entry(r).or_default();
        if i < hs.len() {
            entry.0.push(hs[i]);
        } else {
            entry.1.push(vs[i - hs.len()]);
        }
    }
    let mut tables: Vec<Table> = groups
        .into_values()
        .filter_map(|(horizontals, verticals)| {
            let xs = snap(verticals.iter().map(|s| s.pos).collect(), touch);
            let ys = snap(horizontals.iter().map(|s| s.pos).collect(), touch);
            let enough = horizontals.len() >= 2
                && verticals.len() >= 2
                && (xs.len() >= 3 || ys.len() >= 3)
                && xs.len() >= 2
                && ys.len() >= 2;
            enough.then_some(Table {
                horizontals,
                verticals,
                xs,
                ys,
                touch,
            })
        })
        .collect();
    tables.sort_by(|a, b| a.ys[0].total_cmp(&b.ys[0]));
    tables
}

/// Sorted positions, neighbours within `tolerance` merged into their mean.
fn snap(mut v: Vec<f64>, tolerance: f64) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    let mut groups: Vec<Vec<f64>> = Vec::new();
    for x in v {
        match groups.last_mut() {
            Some(g) if x - g[g.len() - 1] <= tolerance => g.push(x),
            _ => groups.push(vec![x]),
        }
    }
    groups
        .iter()
        .map(|g| g.iter().sum::<f64>() / g.len() as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white page with a 3×2 grid of 4-pixel rules, slanted by `drift` pixels over its
    /// width, and a "letter" (a short bar) in one cell.
    fn page(drift: f64) -> Gray {
        let mut img = Gray::new(1200, 800, 250);
        let (xs, ys) = ([100.0, 400.0, 700.0, 1100.0], [100.0, 300.0, 600.0]);
        let mut ink = |x: f64, y: f64| {
            let (x, y) = (x.round() as usize, y.round() as usize);
            for dy in 0..4 {
                for dx in 0..4 {
                    img.pixels[(y + dy) * 1200 + x + dx] = 10;
                }
            }
        };
        for &y in &ys {
            for x in 100..1104 {
                ink(x as f64, y + drift * (x as f64 - 100.0) / 1000.0);
            }
        }
        for &x in &xs {
            for y in 100..604 {
                ink(x - drift * (y as f64 - 100.0) / 1000.0, y as f64);
            }
        }
        for x in 150..190 {
            ink(x as f64, 200.0);
        }
        img
    }

    #[test]
    fn rules_make_a_grid_and_cells_exclude_them() {
        for drift in [0.0, 8.0] {
            let img = page(drift);
            let (tables, mask) = find_tables(&img, 300);
            assert_eq!(tables.len(), 1, "drift {drift}");
            let t = &tables[0];
            assert_eq!((t.xs.len(), t.ys.len()), (4, 3), "drift {drift}");
            let cells = t.cells();
            assert_eq!(cells.len(), 6);
            // The letter is no rule, and cropping the first cell keeps it.
            let crop = img.crop(cells[0], 5, &mask);
            let dark = crop.pixels.iter().filter(|&&p| p < 128).count();
            assert!(
                (40 * 4..=44 * 4 + 40).contains(&dark),
                "drift {drift}: {dark}"
            );
        }
    }

    #[test]
    fn merged_cells_are_one_cell() {
        let mut img = page(0.0);
        // Erase the middle vertical in the second band: its two cells become one.
        img.blank(Rect {
            x0: 396,
            y0: 310,
            x1: 410,
            y1: 597,
        });
        let (tables, _) = find_tables(&img, 300);
        let t = &tables[0];
        let cells = t.cells();
        assert_eq!(cells.len(), 5);
        assert_eq!(
            (cells[3].x0, cells[3].x1),
            (t.xs[0] as usize, t.xs[2] as usize)
        );
    }

    #[test]
    fn pgm_round_trips() {
        let img = Gray {
            width: 3,
            height: 2,
            pixels: vec![0, 1, 2, 253, 254, 255],
        };
        assert_eq!(Gray::from_pnm(&img.to_pgm()).unwrap(), img);
        assert!(Gray::from_pnm(b"P6\n1 1\n255\n\0\0").is_err());
        assert!(Gray::from_pnm(b"P4\n1 1\n\0").is_err());
    }

    #[test]
    fn red_seal_ink_turns_light_and_black_or_blue_ink_stays_dark() {
        // Black text, seal red, blue signature ink, pink seal edge, white paper.
        let ppm = [
            b"P6\n5 1\n255\n".as_slice(),
            &[
                20, 20, 20, 210, 40, 50, 30, 50, 170, 240, 170, 180, 255, 255, 255,
            ],
        ]
        .concat();
        let gray = Gray::from_pnm(&ppm).unwrap();
        assert_eq!(gray.pixels[0], 20);
        assert!(gray.pixels[1] >= 200, "{:?}", gray.pixels);
        assert!(gray.pixels[2] < 80, "{:?}", gray.pixels);
        assert!(
            gray.pixels[3] >= 200 && gray.pixels[4] == 255,
            "{:?}",
            gray.pixels
        );
    }
}
