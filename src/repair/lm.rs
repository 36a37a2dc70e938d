//! The syllable trigram language model: vocabulary, packed n-gram tables and
//! stupid-backoff scoring.
//!
//! Scores are log10 relative frequencies quantised to 1/20 decade (one byte).
//! Stupid backoff (Brants et al. 2007) is used rather than Kneser–Ney because
//! the decoder only ranks candidates that share a context, never needs a
//! normalised probability, and backoff costs one hash probe per order; with tens
//! of millions of training syllables its ranking quality is close to KN.
//!
//! File format (little-endian), written by [`Lm::write`]:
//! `b"VBLM0002"`, vocab (`u32` n, then per word `u32` count, `u8` title share,
//! `u8` len, UTF-8),
//! bigrams then trigrams (`u32` n, n LEB128 key deltas, n `u8` scores).
//! Keys pack word ids in 18-bit fields: `w1 << 36 | w2 << 18 | w3` (w1 = 0 for bigrams).
//! In memory each slot is one `u64`, score in the top byte, so a probe is one cache miss.

use rustc_hash::FxHashMap as HashMap;

/// Reserved ids; real words start at [`FIRST_WORD`].
pub const BOS: u32 = 1;
pub const UNK: u32 = 2;
pub const NUM: u32 = 3;
pub const CODE: u32 = 4;
pub const FIRST_WORD: u32 = 5;
const RESERVED: [&str; 5] = ["", "<s>", "<unk>", "<num>", "<code>"];

/// log10 of the backoff factor 0.4.
const BACKOFF: f32 = -0.398;
const QUANT: f32 = 20.0;
const MAGIC: &[u8; 8] = b"VBLM0002";

/// Bits per word id in a key.
pub const ID_BITS: u32 = 18;

/// Packs an n-gram key; ids must be < 2^ID_BITS.
pub fn key(w1: u32, w2: u32, w3: u32) -> u64 {
    (u64::from(w1) << (2 * ID_BITS)) | (u64::from(w2) << ID_BITS) | u64::from(w3)
}

pub fn quantise(log10p: f64) -> u8 {
    (-log10p * f64::from(QUANT)).round().clamp(0.0, 255.0) as u8
}

/// Open-addressing map from packed key to quantised score; slot 0 marks empty,
/// else `score << 56 | key`. Load factor ≤ 1/2 keeps misses short.
struct Table {
    slots: Vec<u64>,
    shift: u32,
}

const KEY_MASK: u64 = (1 << 56) - 1;

impl Table {
    fn new(pairs: &[(u64, u8)]) -> Table {
        let cap = (pairs.len() * 2 + 2).next_power_of_two().max(4);
        let mut t = Table { slots: vec![0; cap], shift: 64 - cap.trailing_zeros() };
        for &(k, v) in pairs {
            let mut i = t.slot(k);
            while t.slots[i] != 0 {
                i = (i + 1) & (cap - 1);
            }
            t.slots[i] = (u64::from(v) << 56) | k;
        }
        t
    }

    fn slot(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn get(&self, k: u64) -> Option<u8> {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(k);
        loop {
            match self.slots[i] {
                0 => return None,
                x if x & KEY_MASK == k => return Some((x >> 56) as u8),
                _ => i = (i + 1) & mask,
            }
        }
    }
}

/// A loaded language model.
pub struct Lm {
    /// Word strings by id (lower case, NFC, normalised tone placement).
    pub words: Vec<String>,
    pub counts: Vec<u32>,
    /// Per word, how often it is capitalised inside a sentence, in 1/255 (names: high).
    pub title: Vec<u8>,
    pub ids: HashMap<String, u32>,
    unigram: Vec<f32>,
    bigrams: Table,
    trigrams: Table,
}

/// Everything [`Lm::write`] stores, as built by training.
pub struct LmData {
    pub words: Vec<String>,
    pub counts: Vec<u32>,
    pub title: Vec<u8>,
    pub bigrams: Vec<(u64, u8)>,
    pub trigrams: Vec<(u64, u8)>,
}

impl Lm {
    pub fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    /// log10 relative frequency of a word.
    pub fn unigram(&self, w: u32) -> f32 {
        self.unigram.get(w as usize).copied().unwrap_or(-9.0)
    }

    /// Stupid-backoff log10 score of `w3` after `w1 w2`.
    pub fn score(&self, w1: u32, w2: u32, w3: u32) -> f32 {
        if let Some(q) = self.trigrams.get(key(w1, w2, w3)) {
            return -f32::from(q) / QUANT;
        }
        if let Some(q) = self.bigrams.get(key(0, w2, w3)) {
            return BACKOFF - f32::from(q) / QUANT;
        }
        2.0 * BACKOFF + self.unigram.get(w3 as usize).copied().unwrap_or(-9.0)
    }

    pub fn from_data(d: LmData) -> Lm {
        let total: f64 = d.counts.iter().map(|&c| f64::from(c)).sum::<f64>().max(1.0);
        let unigram = d
            .counts
            .iter()
            .map(|&c| if c == 0 { -9.0 } else { (f64::from(c) / total).log10() as f32 })
            .collect();
        let ids = d.words.iter().enumerate().map(|(i, w)| (w.clone(), i as u32)).collect();
        Lm {
            ids,
            unigram,
            bigrams: Table::new(&d.bigrams),
            trigrams: Table::new(&d.trigrams),
            words: d.words,
            counts: d.counts,
            title: d.title,
        }
    }

    /// Reads the format in the module docs.
    pub fn read(bytes: &[u8]) -> Result<Lm, String> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err("not a vanban language model".into());
        }
        let n = r.u32()? as usize;
        let (mut words, mut counts, mut title) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            counts.push(r.u32()?);
            title.push(r.take(1)?[0]);
            let len = r.take(1)?[0] as usize;
            words.push(std::str::from_utf8(r.take(len)?).map_err(|e| e.to_string())?.to_string());
        }
        let bigrams = r.ngrams()?;
        let trigrams = r.ngrams()?;
        Ok(Lm::from_data(LmData { words, counts, title, bigrams, trigrams }))
    }

    pub fn write(d: &LmData, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(d.words.len() as u32).to_le_bytes());
        for ((w, c), t) in d.words.iter().zip(&d.counts).zip(&d.title) {
            out.extend_from_slice(&c.to_le_bytes());
            out.push(*t);
            out.push(w.len() as u8);
            out.extend_from_slice(w.as_bytes());
        }
        for grams in [&d.bigrams, &d.trigrams] {
            out.extend_from_slice(&(grams.len() as u32).to_le_bytes());
            let mut prev = 0u64;
            for &(k, _) in grams.iter() {
                let mut delta = k - prev;
                prev = k;
                loop {
                    let byte = (delta & 0x7f) as u8;
                    delta >>= 7;
                    if delta == 0 {
                        out.push(byte);
                        break;
                    }
                    out.push(byte | 0x80);
                }
            }
            out.extend(grams.iter().map(|&(_, v)| v));
        }
    }
}

/// The reserved word strings, in id order.
pub fn reserved() -> impl Iterator<Item = &'static str> {
    RESERVED.iter().copied()
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let s = self.b.get(self.at..self.at + n).ok_or("truncated model")?;
        self.at += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| "truncated model")?))
    }

    fn ngrams(&mut self) -> Result<Vec<(u64, u8)>, String> {
        let n = self.u32()? as usize;
        let mut keys = Vec::with_capacity(n);
        let mut prev = 0u64;
        for _ in 0..n {
            let (mut delta, mut shift) = (0u64, 0);
            loop {
                let byte = self.take(1)?[0];
                delta |= u64::from(byte & 0x7f) << shift;
                shift += 7;
                if byte & 0x80 == 0 || shift > 63 {
                    break;
                }
            }
            prev += delta;
            keys.push(prev);
        }
        let vals = self.take(n)?;
        Ok(keys.into_iter().zip(vals.iter().copied()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_round_trip() {
        let mut words: Vec<String> = reserved().map(String::from).collect();
        words.extend(["cải".to_string(), "cách".to_string()]);
        let d = LmData {
            counts: vec![0, 10, 1, 1, 1, 5, 5],
            title: vec![128; 7],
            words,
            bigrams: vec![(key(0, 5, 6), quantise(-0.1))],
            trigrams: vec![(key(1, 5, 6), quantise(-0.05))],
        };
        let mut buf = Vec::new();
        Lm::write(&d, &mut buf);
        let lm = Lm::read(&buf).unwrap();
        assert_eq!(lm.id("cách"), Some(6));
        assert!((lm.score(1, 5, 6) + 0.05).abs() < 0.01);
        assert!((lm.score(2, 5, 6) - (BACKOFF - 0.1)).abs() < 0.01);
        assert!(lm.score(2, 6, 5) < -1.0);
    }
}
