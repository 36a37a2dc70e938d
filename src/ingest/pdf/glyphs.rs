//! Glyph shapes: an outline rendered on a small em-normalised grid, and the reference
//! table of the Vietnamese alphabet in common faces that an unknown glyph is read against.
//!
//! A glyph is drawn at a fixed scale (the font's em), its ink box centred horizontally and
//! its baseline on a fixed row, so size and height survive ("o" vs "O", "," vs "'") while
//! advance and side bearings do not matter. [`Shape::feature`] blurs and normalises the
//! coverage grid; two glyphs are alike by the cosine of their features.
//!
//! The reference table (`corpus/models/glyph-refs.bin`, built by `vanban-train-glyphs`
//! from system fonts) holds the coverage grid of every character of [`ALPHABET`] in a
//! few dozen faces. It must never include the held-out face of the evaluation
//! (Liberation Serif, `tools/brokenfonts/gen.py`).

use std::io::{Read, Write};

/// Grid columns: 1.2 em centred on the ink box.
pub const W: usize = 24;
/// Grid rows: from 1.25 em above the baseline to 0.35 em below.
pub const H: usize = 36;
const EM_WIDTH: f32 = 1.2;
const EM_TOP: f32 = 1.25;
const EM_BOTTOM: f32 = -0.35;
/// Samples per grid cell side.
const SUPER: usize = 4;

/// What the reference table covers: Vietnamese letters (precomposed), the other Latin
/// letters, digits and the punctuation of administrative text.
pub const ALPHABET: &str = concat!(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệfghiìíỉĩịjklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvwxyỳýỷỹỵz",
    "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆFGHIÌÍỈĨỊJKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVWXYỲÝỶỸỴZ",
    "0123456789",
    ".,;:!?-–—()[]{}/\\|\"'“”‘’%&+*=<>_#@°…§•·$^~`",
);

/// Coverage of one glyph on the grid, 0..=255 per cell, row-major from the top.
#[derive(Clone, PartialEq, Eq)]
pub struct Shape(pub Vec<u8>);

/// Collects an outline as line segments in font units (curves flattened).
#[derive(Default)]
struct Segments {
    lines: Vec<[f32; 4]>,
    start: (f32, f32),
    at: (f32, f32),
}

impl Segments {
    fn line(&mut self, x: f32, y: f32) {
        self.lines.push([self.at.0, self.at.1, x, y]);
        self.at = (x, y);
    }
}

impl ttf_parser::OutlineBuilder for Segments {
    fn move_to(&mut self, x: f32, y: f32) {
        if self.at != self.start {
            let (x0, y0) = self.start;
            self.line(x0, y0);
        }
        self.start = (x, y);
        self.at = (x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.line(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x0, y0) = self.at;
        for i in 1..=6 {
            let t = i as f32 / 6.0;
            let u = 1.0 - t;
            self.line(
                u * u * x0 + 2.0 * u * t * x1 + t * t * x,
                u * u * y0 + 2.0 * u * t * y1 + t * t * y,
            );
        }
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (x0, y0) = self.at;
        for i in 1..=8 {
            let t = i as f32 / 8.0;
            let u = 1.0 - t;
            self.line(
                u * u * u * x0 + 3.0 * u * u * t * x1 + 3.0 * u * t * t * x2 + t * t * t * x,
                u * u * u * y0 + 3.0 * u * u * t * y1 + 3.0 * u * t * t * y2 + t * t * t * y,
            );
        }
    }
    fn close(&mut self) {
        let (x0, y0) = self.start;
        if self.at != self.start {
            self.line(x0, y0);
        }
    }
}

/// Something with glyph outlines: a TrueType/OpenType face or a bare CFF table.
pub trait Outlines {
    fn outline(&self, gid: u16, builder: &mut dyn ttf_parser::OutlineBuilder) -> bool;
    fn units_per_em(&self) -> f32;
}

impl Outlines for ttf_parser::Face<'_> {
    fn outline(&self, gid: u16, builder: &mut dyn ttf_parser::OutlineBuilder) -> bool {
        self.outline_glyph(ttf_parser::GlyphId(gid), builder)
            .is_some()
    }
    fn units_per_em(&self) -> f32 {
        f32::from(ttf_parser::Face::units_per_em(self))
    }
}

impl Outlines for ttf_parser::cff::Table<'_> {
    fn outline(&self, gid: u16, builder: &mut dyn ttf_parser::OutlineBuilder) -> bool {
        ttf_parser::cff::Table::outline(self, ttf_parser::GlyphId(gid), builder).is_ok()
    }
    fn units_per_em(&self) -> f32 {
        // FontMatrix is 0.001 in nearly every CFF font.
        let m = self.matrix();
        if m.sx > 0.0 {
            1.0 / m.sx
        } else {
            1000.0
        }
    }
}

/// Renders glyph `gid`; `None` for a glyph without ink (space) or a broken outline.
pub fn render(font: &dyn Outlines, gid: u16) -> Option<Shape> {
    let mut seg = Segments::default();
    if !font.outline(gid, &mut seg) {
        return None;
    }
    ttf_parser::OutlineBuilder::close(&mut seg);
    if seg.lines.is_empty() {
        return None;
    }
    let em = font.units_per_em();
    if em.is_nan() || em <= 0.0 {
        return None;
    }
    let (mut x0, mut x1) = (f32::MAX, f32::MIN);
    for l in &seg.lines {
        x0 = x0.min(l[0]).min(l[2]);
        x1 = x1.max(l[0]).max(l[2]);
    }
    // Font units → grid units (x from the left edge, y down from the top).
    let sx = W as f32 / (EM_WIDTH * em);
    let sy = H as f32 / ((EM_TOP - EM_BOTTOM) * em);
    let left = (x0 + x1) / 2.0 - EM_WIDTH * em / 2.0;
    let top = EM_TOP * em;
    let edges: Vec<[f32; 4]> = seg
        .lines
        .iter()
        .map(|l| {
            [
                (l[0] - left) * sx,
                (top - l[1]) * sy,
                (l[2] - left) * sx,
                (top - l[3]) * sy,
            ]
        })
        .collect();
    let mut cover = vec![0u32; W * H];
    let mut crossings: Vec<(f32, i32)> = Vec::new();
    let step = 1.0 / SUPER as f32;
    for row in 0..H * SUPER {
        let y = (row as f32 + 0.5) * step;
        crossings.clear();
        for e in &edges {
            let (ya, yb) = (e[1], e[3]);
            if (ya <= y) != (yb <= y) {
                let t = (y - ya) / (yb - ya);
                let x = e[0] + t * (e[2] - e[0]);
                crossings.push((x, if yb > ya { 1 } else { -1 }));
            }
        }
        crossings.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut winding = 0;
        for pair in crossings.windows(2) {
            winding += pair[0].1;
            if winding == 0 {
                continue;
            }
            // Samples at x = (k + 0.5) * step inside [pair[0].0, pair[1].0).
            let from = ((pair[0].0 / step) - 0.5).ceil().max(0.0) as usize;
            let to = ((pair[1].0 / step) - 0.5).ceil().min((W * SUPER) as f32) as usize;
            for k in from..to {
                cover[(row / SUPER) * W + k / SUPER] += 1;
            }
        }
    }
    let full = (SUPER * SUPER) as u32;
    let shape: Vec<u8> = cover
        .iter()
        .map(|&c| (c.min(full) * 255 / full) as u8)
        .collect();
    shape.iter().any(|&c| c > 0).then_some(Shape(shape))
}

impl Shape {
    /// Blurred (1-2-1 both ways, one pass per direction), then scaled to unit length.
    /// The sums are of small integers, so exact in any order.
    pub fn feature(&self) -> Vec<f32> {
        // 1-2-1 along a row read through `at`; 0 outside.
        fn blur(at: impl Fn(usize) -> f32, i: usize, n: usize) -> f32 {
            let before = if i > 0 { at(i - 1) } else { 0.0 };
            let after = if i + 1 < n { at(i + 1) } else { 0.0 };
            before + 2.0 * at(i) + after
        }
        let mut across = vec![0f32; W * H];
        for (row, out) in self.0.chunks_exact(W).zip(across.chunks_exact_mut(W)) {
            for (c, o) in out.iter_mut().enumerate() {
                *o = blur(|k| f32::from(row[k]), c, W);
            }
        }
        // Down the columns, a row at a time.
        let zero = [0f32; W];
        let mut out = vec![0f32; W * H];
        for (r, row) in out.chunks_exact_mut(W).enumerate() {
            let mid = &across[r * W..(r + 1) * W];
            let up = if r > 0 {
                &across[(r - 1) * W..r * W]
            } else {
                &zero
            };
            let down = if r + 1 < H {
                &across[(r + 1) * W..(r + 2) * W]
            } else {
                &zero
            };
            for (((o, u), m), d) in row.iter_mut().zip(up).zip(mid).zip(down) {
                *o = u + 2.0 * m + d;
            }
        }
        let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
        out.iter_mut().for_each(|v| *v /= norm);
        out
    }
}

/// The reference shapes, as features, with their characters.
pub struct Refs {
    /// The distinct characters, in order of first appearance.
    chars: Vec<char>,
    /// Per reference shape, its character's index in `chars`.
    class: Vec<u32>,
    features: Vec<f32>,
    /// Per reference shape, its [`coarse`] block sums and residual norm.
    coarse: Vec<f32>,
    residual: Vec<f32>,
}

/// Side of the square blocks of the coarse feature.
const BLOCK: usize = 2;
const BLOCKS: usize = (W / BLOCK) * (H / BLOCK);
const _: () = assert!(W % BLOCK == 0 && H % BLOCK == 0);
/// Added to each bound so float rounding never prunes a reference that could win.
const BOUND_SLACK: f32 = 1e-4;

/// A unit feature's projection on block-constant grids, as block sums over `BLOCK`
/// (so the projections' dot product is the plain dot of these), and the norm of what the
/// projection leaves. `dot(f, r) <= dot(coarse f, coarse r) + |rest f| * |rest r|`
/// (Cauchy-Schwarz on the orthogonal rests): the bound that prunes references.
fn coarse(f: &[f32]) -> ([f32; BLOCKS], f32) {
    let mut sums = [0f32; BLOCKS];
    for r in 0..H {
        for c in 0..W {
            sums[(r / BLOCK) * (W / BLOCK) + c / BLOCK] += f[r * W + c];
        }
    }
    sums.iter_mut().for_each(|s| *s /= BLOCK as f32);
    let projected: f32 = sums.iter().map(|s| s * s).sum();
    let total: f32 = f.iter().map(|v| v * v).sum();
    (sums, (total - projected).max(0.0).sqrt())
}

/// References sorted first in [`BestFirst`]: the search seldom goes further.
const HEAD: usize = 512;

/// (bound, reference) pairs, highest bound first, sorted lazily: the `HEAD` best are
/// picked out and sorted, the rest only if the search reaches them (a full sort of every
/// reference per glyph cost as much as the search itself).
struct BestFirst {
    items: Vec<(f32, usize)>,
    /// `items[..sorted]` is in order; `next` indexes it.
    sorted: usize,
    next: usize,
}

impl BestFirst {
    fn new(mut items: Vec<(f32, usize)>) -> Self {
        let by_bound = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0);
        let sorted = if items.len() > HEAD {
            items.select_nth_unstable_by(HEAD, by_bound);
            HEAD
        } else {
            items.len()
        };
        items[..sorted].sort_unstable_by(by_bound);
        BestFirst {
            items,
            sorted,
            next: 0,
        }
    }
}

impl Iterator for BestFirst {
    type Item = (f32, usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next == self.sorted && self.sorted < self.items.len() {
            self.items[self.sorted..].sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
            self.sorted = self.items.len();
        }
        let item = self.items.get(self.next).copied();
        self.next += 1;
        item
    }
}

/// Independent sums in [`dot`], so the loop vectorises (a single running sum cannot be
/// reordered).
const LANES: usize = 8;

/// Dot product of two equally long vectors (every glyph against every reference: the hot
/// loop of font repair). With AVX where the CPU has it: eight lanes in one register
/// instead of two, the same sums in the same order (no fused multiply-add), so the same
/// result to the bit.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, checked just above.
        return unsafe { dot_avx(a, b) };
    }
    dot_lanes(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn dot_avx(a: &[f32], b: &[f32]) -> f32 {
    dot_lanes(a, b)
}

#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let (a_rest, b_rest) = (
        a.chunks_exact(LANES).remainder(),
        b.chunks_exact(LANES).remainder(),
    );
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for ((sum, x), y) in acc.iter_mut().zip(x).zip(y) {
            *sum += x * y;
        }
    }
    let rest: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + rest
}

const MAGIC: &[u8] = b"VBGLYPHS1\n";

/// Why the glyph reference table could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefsError {
    #[error("glyph references: {0}")]
    Io(#[from] std::io::Error),
    #[error("glyph references: not a glyph table")]
    NotRefs,
    #[error("glyph references: grid size differs")]
    Grid,
    #[error("glyph references: truncated")]
    Truncated,
    #[error("glyph references: bad char")]
    Char,
}
pub const REFS_FILE: &str = "glyph-refs.bin";

impl Refs {
    /// Writes `(char, shape)` pairs, deflated.
    pub fn write(entries: &[(char, Shape)], out: &mut Vec<u8>) -> std::io::Result<()> {
        let mut raw = Vec::new();
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&(W as u16).to_le_bytes());
        raw.extend_from_slice(&(H as u16).to_le_bytes());
        raw.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (c, shape) in entries {
            raw.extend_from_slice(&(*c as u32).to_le_bytes());
            raw.extend_from_slice(&shape.0);
        }
        let mut z = flate2::write::ZlibEncoder::new(out, flate2::Compression::best());
        z.write_all(&raw)?;
        z.finish()?;
        Ok(())
    }

    pub fn read(bytes: &[u8]) -> Result<Refs, RefsError> {
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(bytes)
            .take(64 << 20)
            .read_to_end(&mut raw)?;
        let rest = raw.strip_prefix(MAGIC).ok_or(RefsError::NotRefs)?;
        let u16_at = |i: usize| u16::from_le_bytes([rest[i], rest[i + 1]]) as usize;
        if rest.len() < 8 || u16_at(0) != W || u16_at(2) != H {
            return Err(RefsError::Grid);
        }
        let n = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
        let body = &rest[8..];
        let size = 4 + W * H;
        if body.len() != n * size {
            return Err(RefsError::Truncated);
        }
        let mut refs = Refs {
            chars: Vec::new(),
            class: Vec::with_capacity(n),
            features: Vec::with_capacity(n * W * H),
            coarse: Vec::with_capacity(n * BLOCKS),
            residual: Vec::with_capacity(n),
        };
        for entry in body.chunks_exact(size) {
            let c = char::from_u32(u32::from_le_bytes(entry[..4].try_into().unwrap()))
                .ok_or(RefsError::Char)?;
            let class = match refs.chars.iter().position(|&k| k == c) {
                Some(i) => i,
                None => {
                    refs.chars.push(c);
                    refs.chars.len() - 1
                }
            };
            refs.class.push(class as u32);
            let feature = Shape(entry[4..].to_vec()).feature();
            let (sums, rest) = coarse(&feature);
            refs.coarse.extend(sums);
            refs.residual.push(rest);
            refs.features.extend(feature);
        }
        Ok(refs)
    }

    /// The references, loaded once from the model directory.
    pub fn get() -> Option<&'static Refs> {
        static REFS: std::sync::OnceLock<Option<Refs>> = std::sync::OnceLock::new();
        REFS.get_or_init(|| Refs::read(&crate::repair::model_file(REFS_FILE).ok()?).ok())
            .as_ref()
    }

    /// The `k` most similar distinct characters with their best cosine, best first.
    /// References are compared in order of their bound (`coarse`); once a bound falls
    /// below the `k`-th best character's similarity no later reference can change the
    /// answer, so the rest are skipped.
    pub fn nearest(&self, shape: &Shape, k: usize) -> Vec<(char, f32)> {
        let f = shape.feature();
        let (f_sums, f_rest) = coarse(&f);
        let order: Vec<(f32, usize)> = self
            .coarse
            .chunks_exact(BLOCKS)
            .zip(&self.residual)
            .enumerate()
            .map(|(i, (sums, rest))| (dot(&f_sums, sums) + f_rest * rest + BOUND_SLACK, i))
            .collect();
        let mut by_class = vec![f32::NEG_INFINITY; self.chars.len()];
        // The best `k` characters so far: their similarities only grow.
        let mut top: Vec<usize> = Vec::with_capacity(k + 1);
        for (bound, i) in BestFirst::new(order) {
            let kth = if top.len() == k {
                top.iter()
                    .map(|&c| by_class[c])
                    .fold(f32::INFINITY, f32::min)
            } else {
                f32::NEG_INFINITY
            };
            if bound < kth {
                break;
            }
            let class = self.class[i] as usize;
            let s = dot(&f, &self.features[i * W * H..(i + 1) * W * H]);
            if s <= by_class[class] {
                continue;
            }
            by_class[class] = s;
            if !top.contains(&class) {
                if top.len() < k {
                    top.push(class);
                } else if s > kth {
                    let weakest = (0..top.len())
                        .min_by(|&a, &b| by_class[top[a]].total_cmp(&by_class[top[b]]))
                        .unwrap_or(0);
                    top[weakest] = class;
                }
            }
        }
        let mut best: Vec<(char, f32)> =
            top.iter().map(|&c| (self.chars[c], by_class[c])).collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1));
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reference compared, no bound: what the pruned search must give.
    fn exhaustive(refs: &Refs, shape: &Shape, k: usize) -> Vec<(char, f32)> {
        let f = shape.feature();
        let mut by_class = vec![f32::NEG_INFINITY; refs.chars.len()];
        for (&class, r) in refs.class.iter().zip(refs.features.chunks_exact(W * H)) {
            let best = &mut by_class[class as usize];
            *best = best.max(dot(&f, r));
        }
        let mut best: Vec<(char, f32)> = refs.chars.iter().copied().zip(by_class).collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1));
        best.truncate(k);
        best
    }

    #[test]
    fn pruned_nearest_matches_the_exhaustive_search() {
        let refs = Refs::get().expect("glyph references");
        // A face outside the references, and one inside them.
        let mut checked = 0;
        for path in [
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
            "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        ] {
            let Ok(data) = std::fs::read(path) else {
                continue;
            };
            let face = ttf_parser::Face::parse(&data, 0).unwrap();
            for c in ALPHABET.chars().step_by(3) {
                let Some(shape) = face.glyph_index(c).and_then(|g| render(&face, g.0)) else {
                    continue;
                };
                assert_eq!(refs.nearest(&shape, 6), exhaustive(refs, &shape, 6), "{c}");
                checked += 1;
            }
        }
        assert!(checked > 50, "fonts-dejavu or fonts-liberation needed");
    }
}
