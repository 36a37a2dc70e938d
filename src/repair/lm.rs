//! The syllable trigram language model: vocabulary, packed n-gram tables and
//! backoff scoring.
//!
//! Scores are log10 relative frequencies quantised to 1/20 decade (one byte).
//! An n-gram never seen scores its context's backoff weight plus the lower
//! order. The weight is Witten–Bell's share of unseen continuations,
//! `N1+(ctx •) / (N1+(ctx •) + c(ctx))` (times [`BOW_SCALE`], at most 1). With
//! a constant factor (stupid backoff) backing off cost the same after a context
//! seen 16 000 times as after one seen twice; now it is dear after frequent
//! contexts with few distinct followers, where an unseen word is unlikely, and
//! cheap after rare ones, whose counts say little.
//! Interpolated Kneser–Ney was tried on the same counts and ranked readings
//! worse (held-out stripped SER 2.68 % against 2.28 % for stupid backoff).
//!
//! Besides words the vocabulary holds reserved tokens: sentence start, unknown
//! word, number, code, and punctuation between two words ([`PUNCT`]).
//!
//! File format (little-endian), written by [`Lm::write`]:
//! `b"VBLM0005"`, vocab (`u32` n, then per word `u32` count, `u8` title share,
//! `u8` backoff as a bigram context, `u8` len, UTF-8), bigrams (`u32` n, n LEB128
//! key deltas, n `u8` scores, n `u8` backoffs as a trigram context), trigrams
//! (`u32` n, n LEB128 key deltas, n `u8` scores), context pairs (`u32` n, n LEB128
//! key deltas `reading << 18 | class`, n `u8` log10 ratios + 128, see [`Lm::context`]).
//! Keys pack word ids in 18-bit fields: `w1 << 36 | w2 << 18 | w3` (w1 = 0 for bigrams).
//! In memory each bigram slot is one `u64` with the value above the key bits, so a
//! probe is one cache miss; the trigrams of a context are a sorted run found from
//! its bigram slot, so the candidates scored after one context share cache lines.

use rustc_hash::FxHashMap as HashMap;

use super::ModelError;

/// Reserved ids; real words start at [`FIRST_WORD`].
pub(crate) const BOS: u32 = 1;
pub(crate) const UNK: u32 = 2;
pub(crate) const NUM: u32 = 3;
pub(crate) const CODE: u32 = 4;
/// Punctuation between two words ("Hà, Tỉnh" is not "Hà Tĩnh").
pub(crate) const PUNCT: u32 = 5;
pub(crate) const FIRST_WORD: u32 = 6;
const RESERVED: [&str; 6] = ["", "<s>", "<unk>", "<num>", "<code>", "<p>"];

/// log10 of the backoff factor 0.4, for contexts without a stored weight.
const BACKOFF: f32 = -0.398;
/// Witten–Bell backoff weights are multiplied by this (tuned on the dev split).
pub(crate) const BOW_SCALE: f64 = 16.0;
const QUANT: f32 = 20.0;
const MAGIC: &[u8; 8] = b"VBLM0005";

/// Words 2 to this many positions away are a reading's wider context
/// ([`Lm::context`]); the trigram sees the nearest.
pub(crate) const CONTEXT_WINDOW: usize = 5;

/// Bits per word id in a key.
pub(crate) const ID_BITS: u32 = 18;

/// Packs an n-gram key; ids must be < 2^ID_BITS.
pub fn key(w1: u32, w2: u32, w3: u32) -> u64 {
    (u64::from(w1) << (2 * ID_BITS)) | (u64::from(w2) << ID_BITS) | u64::from(w3)
}

pub(crate) fn quantise(log10p: f64) -> u8 {
    (-log10p * f64::from(QUANT)).round().clamp(0.0, 255.0) as u8
}

/// A signed log10 ratio in one byte: 1/20 decade, 128 = 0.
pub(crate) fn quantise_ratio(log10r: f64) -> u8 {
    (log10r * f64::from(QUANT) + 128.0)
        .round()
        .clamp(0.0, 255.0) as u8
}

fn dequantise(q: u8) -> f32 {
    -f32::from(q) / QUANT
}

/// Open-addressing map from packed key to quantised value; a slot's `kv` is 0
/// when empty, else `value << key_bits | key`. Load factor ≤ 1/2 keeps misses short.
struct Table {
    slots: Vec<Slot>,
    shift: u32,
    key_bits: u32,
}

/// One slot of a [`Table`], with the run of `trigrams` that has its bigram as
/// context (empty if none), so that one probe reads both.
#[derive(Clone, Copy, Default)]
struct Slot {
    kv: u64,
    run: [u32; 2],
}

impl Table {
    /// `key_bits`: the bits of a key, 40 for bigrams (whose value is score and backoff weight).
    fn new(pairs: impl ExactSizeIterator<Item = (u64, u32)>, key_bits: u32) -> Table {
        let cap = (pairs.len() * 2 + 2).next_power_of_two().max(4);
        let mut t = Table {
            slots: vec![Slot::default(); cap],
            shift: 64 - cap.trailing_zeros(),
            key_bits,
        };
        for (k, v) in pairs {
            let mut i = t.slot(k);
            while t.slots[i].kv != 0 {
                i = (i + 1) & (cap - 1);
            }
            t.slots[i].kv = (u64::from(v) << key_bits) | k;
        }
        t
    }

    fn slot(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Index of the slot holding `k`.
    fn find(&self, k: u64) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let key_mask = (1u64 << self.key_bits) - 1;
        let mut i = self.slot(k);
        loop {
            match self.slots[i].kv {
                0 => return None,
                x if x & key_mask == k => return Some(i),
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn value(&self, i: usize) -> u32 {
        (self.slots[i].kv >> self.key_bits) as u32
    }

    fn get(&self, k: u64) -> Option<u32> {
        self.find(k).map(|i| self.value(i))
    }
}

/// A loaded language model.
pub(crate) struct Lm {
    /// Word strings by id (lower case, NFC, normalised tone placement).
    pub words: Vec<String>,
    pub counts: Vec<u32>,
    /// Per word, how often it is capitalised inside a sentence, in 1/255 (names: high).
    pub title: Vec<u8>,
    pub ids: HashMap<String, u32>,
    unigram: Vec<f32>,
    /// Per word, the upper bound [`Lm::best_score`].
    best_score: Vec<f32>,
    /// log10 backoff weight of each word as a bigram context.
    bows: Vec<f32>,
    /// Bigram score in the low byte, its backoff weight as a trigram context in
    /// the next; and its run of `trigrams`.
    bigrams: Table,
    /// Every trigram as `w3 << 8 | score`, in key order: a context's trigrams are a
    /// run sorted by `w3`.
    trigrams: Vec<u32>,
    /// The runs of trigram contexts that are no stored bigram ("<s> <s>"); any other
    /// context not stored has no trigram to look up.
    bare_contexts: Vec<(u64, [u32; 2])>,
    /// How much likelier a reading is with a word of a fold class a few words
    /// away than its fold class is on average (see [`Lm::context`]): per reading,
    /// `context_ratios[context_at[r]..context_at[r + 1]]`, by the classes at the same
    /// place in `context_classes`, sorted (apart, so that a search reads less).
    context_at: Vec<u32>,
    context_classes: Vec<u32>,
    context_ratios: Vec<f32>,
}

/// Everything [`Lm::write`] stores, as built by training.
pub struct LmData {
    pub words: Vec<String>,
    pub counts: Vec<u32>,
    pub title: Vec<u8>,
    /// Quantised log10 backoff weight per word as a bigram context.
    pub bows: Vec<u8>,
    /// (key, score, backoff weight as a trigram context).
    pub bigrams: Vec<(u64, u8, u8)>,
    pub trigrams: Vec<(u64, u8)>,
    /// (key(0, reading, class), [`quantise_ratio`]ed log10 ratio).
    pub context: Vec<(u64, u8)>,
}

/// Trigrams as `w3 << 8 | score`, and the run of each context: they come sorted
/// by key, so each context's are one run.
fn trigram_runs(
    trigrams: impl ExactSizeIterator<Item = (u64, u8)>,
) -> (Vec<u32>, Vec<(u64, [u32; 2])>) {
    let mut runs: Vec<(u64, [u32; 2])> = Vec::new();
    let mut words = Vec::with_capacity(trigrams.len());
    for (k, s) in trigrams {
        let context = k >> ID_BITS;
        let at = words.len() as u32;
        match runs.last_mut() {
            Some((c, [_, to])) if *c == context => *to = at + 1,
            _ => runs.push((context, [at, at + 1])),
        }
        words.push(low_id(k) << 8 | u32::from(s));
    }
    (words, runs)
}

/// [`Lm::context`]'s arrays: per reading where its pairs start, then the pairs'
/// classes and ratios.
fn context_pairs(
    pairs: impl ExactSizeIterator<Item = (u64, u8)>,
    n_words: usize,
) -> (Vec<u32>, Vec<u32>, Vec<f32>) {
    let mut at = vec![0u32; n_words + 1];
    let mut classes = Vec::with_capacity(pairs.len());
    let mut ratios = Vec::with_capacity(pairs.len());
    for (k, q) in pairs {
        if let Some(n) = at.get_mut((k >> ID_BITS) as usize + 1) {
            *n += 1;
        }
        classes.push(low_id(k));
        ratios.push((f32::from(q) - 128.0) / QUANT);
    }
    for r in 1..at.len() {
        at[r] += at[r - 1];
    }
    (at, classes, ratios)
}

/// The vocabulary part of a model, as [`Lm::build`] takes it.
struct Vocab<'a> {
    words: Vec<String>,
    counts: Vec<u32>,
    title: Vec<u8>,
    bows: &'a [u8],
}

/// The last word id of a packed key.
fn low_id(k: u64) -> u32 {
    (k & ((1 << ID_BITS) - 1)) as u32
}

impl Lm {
    pub fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    /// log10 relative frequency of a word.
    pub(crate) fn unigram(&self, w: u32) -> f32 {
        self.unigram.get(w as usize).copied().unwrap_or(-9.0)
    }

    /// The highest [`Lm::score`] `w` gets after any context.
    pub(crate) fn best_score(&self, w: u32) -> f32 {
        self.best_score.get(w as usize).copied().unwrap_or(-9.0)
    }

    /// Backoff log10 score of `w3` after `w1 w2`.
    pub fn score(&self, w1: u32, w2: u32, w3: u32) -> f32 {
        // The context (a probe that stays in cache for a whole beam) leads to its
        // trigrams, if any.
        let context_key = key(0, w1, w2);
        let context = self.bigrams.find(context_key);
        let [from, to] = match context {
            Some(i) => self.bigrams.slots[i].run,
            None => self
                .bare_contexts
                .iter()
                .find(|c| c.0 == context_key)
                .map_or([0, 0], |c| c.1),
        };
        let run = &self.trigrams[from as usize..to as usize];
        if let Ok(i) = run.binary_search_by_key(&w3, |t| t >> 8) {
            return dequantise(run[i] as u8);
        }
        let bow = context.map_or(BACKOFF, |i| dequantise((self.bigrams.value(i) >> 8) as u8));
        if let Some(v) = self.bigrams.get(key(0, w2, w3)) {
            return bow + dequantise(v as u8);
        }
        let at = |v: &[f32], w: u32, default| v.get(w as usize).copied().unwrap_or(default);
        bow + at(&self.bows, w2, BACKOFF) + at(&self.unigram, w3, -9.0)
    }

    /// log10 P(a word of fold class `class` nearby | `reading`) / P(… | its fold class):
    /// "cây" nearby favours "trồng" over "trong". A fold class is named by its most
    /// frequent word; 0 when not stored.
    pub(crate) fn context(&self, reading: u32, class: u32) -> f32 {
        let (Some(&from), Some(&to)) = (
            self.context_at.get(reading as usize),
            self.context_at.get(reading as usize + 1),
        ) else {
            return 0.0;
        };
        let (from, to) = (from as usize, to as usize);
        self.context_classes[from..to]
            .binary_search(&class)
            .map_or(0.0, |i| self.context_ratios[from + i])
    }

    /// Builds the tables in one pass over each kind of n-gram (the three kinds
    /// at once), so that reading a model file allocates nothing but the tables.
    fn build(
        vocab: Vocab,
        bigrams: impl ExactSizeIterator<Item = (u64, u8, u8)> + Send,
        trigrams: impl ExactSizeIterator<Item = (u64, u8)> + Send,
        context: impl ExactSizeIterator<Item = (u64, u8)> + Send,
    ) -> Lm {
        let Vocab {
            words,
            counts,
            title,
            bows,
        } = vocab;
        let total: f64 = counts.iter().map(|&c| f64::from(c)).sum::<f64>().max(1.0);
        let unigram: Vec<f32> = counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    -9.0
                } else {
                    (f64::from(c) / total).log10() as f32
                }
            })
            .collect();
        let ids = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32))
            .collect();
        let n_words = words.len();
        let (
            mut bigram_table,
            ((trigram_words, runs), (context_at, context_classes, context_ratios)),
        ) = rayon::join(
            || {
                Table::new(
                    bigrams.map(|(k, s, b)| (k, u32::from(s) | u32::from(b) << 8)),
                    40,
                )
            },
            || {
                rayon::join(
                    || trigram_runs(trigrams),
                    || context_pairs(context, n_words),
                )
            },
        );
        let mut bare_contexts = Vec::new();
        for (context, span) in runs {
            match bigram_table.find(context) {
                Some(i) => bigram_table.slots[i].run = span,
                None => bare_contexts.push((context, span)),
            }
        }
        // Backoff weights are at most 1, so no context scores a word above its best
        // stored n-gram or its unigram.
        let mut best_score: Vec<f32> = unigram.clone();
        let stored = bigram_table
            .slots
            .iter()
            .filter(|s| s.kv != 0)
            .map(|s| (low_id(s.kv), s.kv >> 40))
            .chain(trigram_words.iter().map(|&t| (t >> 8, u64::from(t))));
        for (w, v) in stored {
            if let Some(b) = best_score.get_mut(w as usize) {
                *b = b.max(dequantise(v as u8));
            }
        }
        Lm {
            ids,
            best_score,
            unigram,
            bows: bows.iter().map(|&q| dequantise(q)).collect(),
            bigrams: bigram_table,
            trigrams: trigram_words,
            bare_contexts,
            context_at,
            context_classes,
            context_ratios,
            words,
            counts,
            title,
        }
    }

    /// Reads the format in the module docs.
    pub fn read(bytes: &[u8]) -> Result<Lm, ModelError> {
        let mut r = Reader::new(bytes);
        if r.take(8)? != MAGIC {
            return Err(ModelError::NotModel);
        }
        let n = r.u32()? as usize;
        // A word takes bytes of the file: a count past its length is a bad file.
        let cap = n.min(bytes.len());
        let (mut words, mut counts, mut title, mut bows) = (
            Vec::with_capacity(cap),
            Vec::with_capacity(cap),
            Vec::with_capacity(cap),
            Vec::with_capacity(cap),
        );
        for _ in 0..n {
            counts.push(r.u32()?);
            title.push(r.u8()?);
            bows.push(r.u8()?);
            let len = usize::from(r.u8()?);
            words.push(std::str::from_utf8(r.take(len)?)?.to_string());
        }
        let bigram_keys = r.keys()?;
        let bigram_scores = r.take(bigram_keys.len())?;
        let bigram_bows = r.take(bigram_keys.len())?;
        let trigram_keys = r.keys()?;
        let trigram_scores = r.take(trigram_keys.len())?;
        let context_keys = r.keys()?;
        let context_ratios = r.take(context_keys.len())?;
        Ok(Lm::build(
            Vocab {
                words,
                counts,
                title,
                bows: &bows,
            },
            bigram_keys
                .zip(bigram_scores.iter().zip(bigram_bows))
                .map(|(k, (&s, &b))| (k, s, b)),
            trigram_keys.zip(trigram_scores.iter().copied()),
            context_keys.zip(context_ratios.iter().copied()),
        ))
    }

    pub fn write(d: &LmData, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(d.words.len() as u32).to_le_bytes());
        for (((w, c), t), b) in d.words.iter().zip(&d.counts).zip(&d.title).zip(&d.bows) {
            out.extend_from_slice(&c.to_le_bytes());
            out.push(*t);
            out.push(*b);
            out.push(w.len() as u8);
            out.extend_from_slice(w.as_bytes());
        }
        write_keys(out, d.bigrams.iter().map(|b| b.0));
        out.extend(d.bigrams.iter().map(|b| b.1));
        out.extend(d.bigrams.iter().map(|b| b.2));
        write_keys(out, d.trigrams.iter().map(|t| t.0));
        out.extend(d.trigrams.iter().map(|t| t.1));
        write_keys(out, d.context.iter().map(|t| t.0));
        out.extend(d.context.iter().map(|t| t.1));
    }
}

/// `u32` count, then sorted keys as LEB128 deltas.
fn write_keys(out: &mut Vec<u8>, keys: impl ExactSizeIterator<Item = u64>) {
    out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    let mut prev = 0u64;
    for k in keys {
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
}

/// Per word id, its fold class as [`Lm::context`] names it: the first (most
/// frequent) word with the same letters; `u32::MAX` for reserved ids.
pub(crate) fn fold_classes(words: &[String]) -> Vec<u32> {
    let mut first: HashMap<String, u32> = HashMap::default();
    (0..words.len() as u32)
        .map(|id| {
            if id < FIRST_WORD {
                return u32::MAX;
            }
            *first
                .entry(crate::text::fold(&words[id as usize]))
                .or_insert(id)
        })
        .collect()
}

/// The reserved word strings, in id order.
pub(crate) fn reserved() -> impl Iterator<Item = &'static str> {
    RESERVED.iter().copied()
}

/// A cursor over a model file whose reads fail past its end (also used for
/// `ocr-readings.bin`).
pub(super) struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b, at: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.b.len() - self.at
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let s = self
            .at
            .checked_add(n)
            .and_then(|end| self.b.get(self.at..end))
            .ok_or(ModelError::Truncated)?;
        self.at += n;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(
            self.take(4)?
                .try_into()
                .map_err(|_| ModelError::Truncated)?,
        ))
    }

    pub fn u64(&mut self) -> Result<u64, ModelError> {
        Ok(u64::from_le_bytes(
            self.take(8)?
                .try_into()
                .map_err(|_| ModelError::Truncated)?,
        ))
    }

    /// A `u32` count and that many LEB128 key deltas (see [`write_keys`]),
    /// decoded as they are iterated.
    fn keys(&mut self) -> Result<Keys<'a>, ModelError> {
        let n = self.u32()? as usize;
        let len = match n.checked_sub(1) {
            None => 0,
            Some(last) => self.b[self.at..]
                .iter()
                .enumerate()
                .filter(|(_, &byte)| byte & 0x80 == 0)
                .nth(last)
                .map(|(i, _)| i + 1)
                .ok_or(ModelError::Truncated)?,
        };
        Ok(Keys {
            bytes: self.take(len)?,
            left: n,
            prev: 0,
        })
    }
}

/// Sorted keys stored as LEB128 deltas; the bytes hold exactly `left` of them.
struct Keys<'a> {
    bytes: &'a [u8],
    left: usize,
    prev: u64,
}

impl Iterator for Keys<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        self.left = self.left.checked_sub(1)?;
        let (mut delta, mut shift) = (0u64, 0u32);
        while let Some((&byte, rest)) = self.bytes.split_first() {
            self.bytes = rest;
            delta |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        self.prev = self.prev.wrapping_add(delta);
        Some(self.prev)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Keys<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any bytes after the magic read as a model or as an error, without panicking.
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend(body);
            let _ = Lm::read(&bytes);
        }
    }

    /// A two-word model ("cải cách"), written.
    fn small_model() -> Vec<u8> {
        let mut words: Vec<String> = reserved().map(String::from).collect();
        words.extend(["cải".to_string(), "cách".to_string()]);
        let (cai, cach) = (FIRST_WORD, FIRST_WORD + 1);
        let mut counts = vec![1; words.len()];
        (
            counts[0],
            counts[1],
            counts[cai as usize],
            counts[cach as usize],
        ) = (0, 10, 5, 5);
        let d = LmData {
            counts,
            title: vec![128; words.len()],
            bows: vec![quantise(-0.5); words.len()],
            words,
            bigrams: vec![
                (key(0, 1, cai), quantise(-0.3), quantise(-1.0)),
                (key(0, cai, cach), quantise(-0.1), quantise(-2.0)),
            ],
            trigrams: vec![
                (key(1, 1, cai), quantise(-0.2)),
                (key(1, cai, cach), quantise(-0.05)),
            ],
            context: vec![(key(0, cai, cach), quantise_ratio(0.5))],
        };
        let mut buf = Vec::new();
        Lm::write(&d, &mut buf);
        buf
    }

    proptest::proptest! {
        /// A written model with bytes changed reads as a model or as an error.
        #[test]
        fn damaged_model_never_panics(at in 0usize..4096, byte in proptest::prelude::any::<u8>(), cut in 0usize..4096) {
            let mut bytes = small_model();
            let at = at % bytes.len();
            bytes[at] = byte;
            bytes.truncate(bytes.len() - cut % bytes.len());
            if let Ok(lm) = Lm::read(&bytes) {
                let _ = (lm.score(1, FIRST_WORD, FIRST_WORD + 1), lm.context(FIRST_WORD, FIRST_WORD + 1));
            }
        }
    }

    #[test]
    fn write_read_round_trip() {
        let (cai, cach) = (FIRST_WORD, FIRST_WORD + 1);
        let buf = small_model();
        let lm = Lm::read(&buf).unwrap();
        assert_eq!(lm.id("cách"), Some(cach));
        assert!((lm.score(1, cai, cach) + 0.05).abs() < 0.01);
        // A trigram whose context "<s> <s>" is no stored bigram.
        assert!((lm.score(1, 1, cai) + 0.2).abs() < 0.01);
        // Unseen trigram in an unstored context: default backoff, then the bigram.
        assert!((lm.score(2, cai, cach) - (BACKOFF - 0.1)).abs() < 0.01);
        // Unseen trigram after "<s> cải": that context's weight, then "cải cải"
        // unseen too: the weight of "cải" plus the unigram.
        assert!((lm.score(1, cai, cai) - (-1.0 - 0.5 + lm.unigram(cai))).abs() < 0.01);
        assert!((lm.context(cai, cach) - 0.5).abs() < 0.01);
        assert_eq!(lm.context(cach, cai), 0.0);
        assert!(Lm::read(&buf[..buf.len() - 1]).is_err());
    }
}
