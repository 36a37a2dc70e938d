//! LM scores for a document: the trigram LM behind a direct-mapped memo, mixed
//! on a second pass with what the document itself said confidently.

use rustc_hash::FxHashMap as HashMap;

use super::super::lm::{self, Lm};

/// Share of the document cache in the second-pass LM, and of its bigrams in it.
const CACHE_WEIGHT: f64 = 0.3;
const CACHE_BIGRAM: f64 = 0.5;

/// LM context: the last two words, oldest first.
pub(super) type History = [u32; 2];

pub(super) fn push(h: &History, w: u32) -> History {
    [h[1], w & !TITLE]
}

/// Marks a word id as written capitalised ("Tuấn", a name) for the document cache,
/// which keeps names apart from common words with the same letters ("tuần").
pub(super) const TITLE: u32 = 1 << 31;

/// What a document has already said with confidence: its own word and word-pair
/// counts, mixed into the LM on a second pass (a cache LM, Kuhn & De Mori 1990).
/// The document is in-domain text the corpus lacks ("Ban Chấp hành cấp", "ngày đêm").
/// Words count apart by case ([`TITLE`]); pairs and contexts do not.
#[derive(Default)]
pub(super) struct DocCache {
    uni: HashMap<u32, u32>,
    bi: HashMap<(u32, u32), u32>,
    total: u32,
}

impl DocCache {
    /// Counts a run of confidently read words; `None` breaks the run.
    pub(super) fn add(&mut self, words: &[Option<u32>]) {
        let mut prev = None;
        for &w in words {
            if let Some(w) = w {
                *self.uni.entry(w).or_default() += 1;
                self.total += 1;
                if let Some(p) = prev {
                    *self.bi.entry((p, w & !TITLE)).or_default() += 1;
                }
            }
            prev = w.map(|w| w & !TITLE);
        }
    }

    /// log10 of the LM probability mixed with the document's own; `w` may carry [`TITLE`].
    fn mix(&self, lm_score: f32, prev: u32, w: u32) -> f32 {
        let count = |w: u32| self.uni.get(&w).copied().unwrap_or(0);
        let p_uni = f64::from(count(w)) / f64::from(self.total.max(1));
        // A context is a word in either case.
        let p_bi = match count(prev) + count(prev | TITLE) {
            0 => p_uni,
            c => f64::from(self.bi.get(&(prev, w & !TITLE)).copied().unwrap_or(0)) / f64::from(c),
        };
        let p_doc = CACHE_BIGRAM * p_bi + (1.0 - CACHE_BIGRAM) * p_uni;
        ((1.0 - CACHE_WEIGHT) * 10f64.powf(f64::from(lm_score)) + CACHE_WEIGHT * p_doc).log10()
            as f32
    }
}

/// A direct-mapped memo of LM scores (documents repeat their n-grams), mixed with
/// the document cache once it is switched on. Key and scores share a slot, so a
/// probe is one cache miss.
pub(super) struct Memo {
    /// (key, LM score, score mixed with the cache or NaN until asked for); the
    /// LM scores of the first pass serve the second.
    slots: Vec<(u64, f32, f32)>,
    /// 64 − log2 of the slot count.
    shift: u32,
    cache: Option<DocCache>,
}

/// Memo slots per byte of text (a damaged document asks about 4 distinct
/// scores per byte), and the bounds on their number as powers of two.
const MEMO_PER_BYTE: usize = 8;
const MEMO_BITS: std::ops::RangeInclusive<u32> = 12..=18;

impl Memo {
    /// A memo sized for a document of `bytes`: a page does not pay for filling
    /// the slots a whole report needs.
    pub(super) fn new(bytes: usize) -> Memo {
        let slots = bytes
            .saturating_mul(MEMO_PER_BYTE)
            .checked_next_power_of_two();
        let bits = slots.map_or(usize::BITS, usize::trailing_zeros);
        let bits = bits.clamp(*MEMO_BITS.start(), *MEMO_BITS.end());
        Memo {
            slots: vec![(u64::MAX, 0.0, f32::NAN); 1 << bits],
            shift: 64 - bits,
            cache: None,
        }
    }

    /// Switches the document cache on, once: no slot has a mixed score before.
    pub(super) fn mix_with(&mut self, cache: Option<DocCache>) {
        debug_assert!(self.cache.is_none());
        self.cache = cache;
    }

    /// Scores are mixed with the document cache.
    pub(super) fn mixed(&self) -> bool {
        self.cache.is_some()
    }

    fn index(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The score of `w` (which may carry [`TITLE`]) after `h`.
    pub(super) fn score(&mut self, lm: &Lm, h: &History, w: u32) -> f32 {
        let plain = lm::key(h[0], h[1], w & !TITLE);
        // The cache tells names from common words, the LM does not.
        let k = plain | u64::from(self.cache.is_some() && w & TITLE != 0) << 63;
        let i = self.index(k);
        if self.slots[i].0 != k {
            let at_plain = self.slots[self.index(plain)];
            let s = if at_plain.0 == plain {
                at_plain.1
            } else {
                lm.score(h[0], h[1], w & !TITLE)
            };
            self.slots[i] = (k, s, f32::NAN);
        }
        let slot = &mut self.slots[i];
        match &self.cache {
            None => slot.1,
            Some(c) => {
                if slot.2.is_nan() {
                    slot.2 = c.mix(slot.1, h[1], w);
                }
                slot.2
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_lifts_what_the_document_said() {
        let mut cache = DocCache::default();
        cache.add(&[Some(10), Some(11), None, Some(10 | TITLE)]);
        assert_eq!(cache.total, 3);
        // A bigram the document said beats the LM's low score; an unseen word only gets shrunk.
        assert!(cache.mix(-6.0, 10, 11) > -1.0);
        assert!(cache.mix(-2.0, 10, 12) < -2.0);
        // Words count apart by case, contexts do not.
        assert!(cache.mix(-6.0, 11, 10 | TITLE) > -6.0);
        assert_eq!(cache.uni[&10], 1);
    }

    #[test]
    fn the_memo_is_sized_by_the_document() {
        assert_eq!(Memo::new(0).slots.len(), 1 << MEMO_BITS.start());
        assert_eq!(Memo::new(usize::MAX).slots.len(), 1 << MEMO_BITS.end());
        assert_eq!(Memo::new(10_000).slots.len(), 1 << 17);
    }
}
