//! The noisy-channel decoder: per line, candidates per token, then a beam
//! Viterbi search maximising λ·log P(observed | source) + log P_LM(source).
//!
//! A line is decoded when it looks damaged (few marks, or tokens that are
//! neither known words nor Vietnamese syllables); in other lines only marked
//! words that an engine for Vietnamese may have misread are weighed against
//! what they may have been ([`Mode::Checked`]); the rest get tone-placement
//! normalisation and code repair only, so correct text is left alone.

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use super::channel::Prune;
use super::language::{foreign_words, Look};
use super::lm::{self, Lm};
use super::readings::{Cand, Ids};
use super::token::{
    ends_in_punct, has_marks, is_acronym, name_positions, punct_before, tokenize, Case, Kind, Tok,
};
use super::{syllable, Model};
use crate::text::fold;

/// Weight of the channel against the language model (both log10).
const CHANNEL_WEIGHT: f32 = 1.0;
/// Beam width (distinct LM states kept per position), and how far below the best
/// a state may score and still be kept (decades).
const BEAM: usize = 10;
const BEAM_DECADES: f32 = 4.0;
/// Candidates kept per token (the channel search returns them by unigram × channel).
const MAX_CANDS: usize = 10;
/// Candidates whose unigram × channel score is this many decades below the best are dropped.
const PRUNE: f32 = 3.0;
/// Channel cost ceiling for char-level candidates.
const MAX_CHANNEL: f32 = 5.0;
/// Cost of keeping a token that is no known word (a name, a foreign word).
const KEEP_UNKNOWN: f32 = 2.5;
/// Misreadings dearer than this are not considered in lines that look correct.
const MAX_MISREAD: f32 = 4.0;
/// Share of unknown or junk-bearing words above which a document is OCR output.
const OCR_DOC_ODD: f64 = 0.08;
/// Share above which it may be OCR output of an engine that knows Vietnamese,
/// whose misreadings are checked ([`Mode::Checked`]). Clean held-out documents
/// have at most 0.9 %, `tesseract -l vie` output of the dev documents 1.7–3 %.
const MISREAD_DOC_ODD: f64 = 0.015;
/// Weight of P(written case | word) inside a sentence ("Minh" the name vs "mình").
const CASE_WEIGHT: f32 = 1.0;
/// Share of the document cache in the second-pass LM, and of its bigrams in it.
const CACHE_WEIGHT: f64 = 0.3;
const CACHE_BIGRAM: f64 = 0.5;
/// Decoded tokens at least this sure of their reading go into the document cache;
/// lines with a token below it are decoded again with the cache.
const SURE: f32 = 0.8;
/// A second pass keeps the first pass's readings at least this sure and searches
/// only the rest (most tokens have one reading and are sure).
const PIN: f32 = 0.999;
/// Tokens of the next line decoded along with a line whose sentence runs on into
/// it, so that its last words have right context (they are not output here).
const LOOKAHEAD: usize = 3;

/// Weight of the wider context's evidence ([`add_context`]; tuned on the dev split).
const CONTEXT_WEIGHT: f32 = 0.2;

/// Share of the LM against [`Model::name_prob`] for a word in a person's name
/// (tuned on the dev split).
const NAME_LM_SHARE: f32 = 0.5;

/// LM context: the last two words, oldest first.
type History = [u32; 2];

fn push(h: &History, w: u32) -> History {
    [h[1], w & !TITLE]
}

/// Marks a word id as written capitalised ("Tuấn", a name) for the document cache,
/// which keeps names apart from common words with the same letters ("tuần").
const TITLE: u32 = 1 << 31;

/// What a document has already said with confidence: its own word and word-pair
/// counts, mixed into the LM on a second pass (a cache LM, Kuhn & De Mori 1990).
/// The document is in-domain text the corpus lacks ("Ban Chấp hành cấp", "ngày đêm").
/// Words count apart by case ([`TITLE`]); pairs and contexts do not.
#[derive(Default)]
struct DocCache {
    uni: HashMap<u32, u32>,
    bi: HashMap<(u32, u32), u32>,
    total: u32,
}

impl DocCache {
    /// Counts a run of confidently read words; `None` breaks the run.
    fn add(&mut self, words: &[Option<u32>]) {
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
struct Memo {
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
    fn new(bytes: usize) -> Memo {
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
    fn mix_with(&mut self, cache: Option<DocCache>) {
        debug_assert!(self.cache.is_none());
        self.cache = cache;
    }

    /// Scores are mixed with the document cache.
    fn mixed(&self) -> bool {
        self.cache.is_some()
    }

    fn index(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The score of `w` (which may carry [`TITLE`]) after `h`.
    fn score(&mut self, lm: &Lm, h: &History, w: u32) -> f32 {
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

/// One lattice position: the token it reads (None for numbers and codes), its
/// candidates and a per-candidate extra cost (case evidence; empty = none).
struct Slot {
    tok: Option<usize>,
    /// Fold class of the word as written, context for its neighbours ([`Lm::context`]).
    class: Option<u32>,
    /// [`TITLE`] when the token is written capitalised, else 0.
    title: u32,
    /// The token is a word of a person's name ([`name_positions`]).
    name: bool,
    cands: Rc<[Cand]>,
    extra: Vec<f32>,
}

impl Slot {
    /// A slot with one reading that is no token of the line being output.
    fn fixed(id: u32, title: u32, class: Option<u32>) -> Slot {
        let cands = Rc::from([Cand {
            ids: Ids::one(id),
            cost: 0.0,
        }]);
        Slot {
            tok: None,
            class,
            title,
            name: false,
            cands,
            extra: Vec::new(),
        }
    }

    /// Score of a reading's first word `w` after `h`; in a name, the LM mixed
    /// with the word's share of names.
    fn first_score(&self, m: &Model, memo: &mut Memo, h: &History, w: u32) -> f32 {
        let lm_score = memo.score(&m.lm, h, w);
        if !self.name {
            return lm_score;
        }
        let p_name = m.name_prob[(w & !TITLE) as usize];
        (NAME_LM_SHARE * 10f32.powf(lm_score) + (1.0 - NAME_LM_SHARE) * p_name).log10()
    }
}

/// How one line came out.
#[derive(Debug, Default)]
pub struct LineResult {
    pub text: String,
    pub damaged: bool,
    pub changed: u64,
    /// Sum over decoded tokens of the probability of the chosen reading.
    pub conf_sum: f64,
    pub decoded: u64,
    /// Decoded tokens left as unknown words.
    pub unknown: u64,
    /// Some decoded token is below [`PIN`]: worth a second pass with the document cache.
    pub unsure: bool,
    /// Per lattice slot of a decoded line: the chosen reading and its confidence
    /// when at least [`PIN`]; a second pass keeps those and searches only the rest.
    pub pins: Vec<Option<(u16, f32)>>,
    /// The LM state the next line starts from when this one runs on into it.
    end: Option<History>,
}

/// How a line is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Tone placement and code repair only.
    Intact,
    /// Looks correct, but a marked word may be an engine's misreading of
    /// another ("biêu" for "biểu", "cố" for "cổ"): those words are decoded.
    Checked,
    /// Lost marks or OCR damage: every word is decoded.
    Damaged,
}

/// How a token is read, which decides its candidates.
#[derive(Clone, Copy)]
enum Reading {
    /// A word in a line whose only damage is lost marks.
    Stripped,
    /// A word in a line with OCR damage.
    Damaged,
    /// A lone short number in OCR output, which may be a word ("6" = "ở").
    Number,
    /// A marked word in a line that looks correct ([`Mode::Checked`]).
    Misread,
}

/// Per-document state: the token candidate cache.
pub struct Decoder<'m, 't> {
    m: &'m Model,
    /// Token candidates by lower-cased core, per [`Reading`] (its index).
    cache: [HashMap<String, Rc<[Cand]>>; 4],
    /// Share of marked words in the whole document, for lines too short to judge.
    doc_marked: f64,
    /// The whole document reads as OCR output: decode every line.
    doc_ocr: bool,
    /// The document may be read by an engine that knows Vietnamese: check its marked words.
    doc_misread: bool,
    /// The document has (almost) no marks at all: every Đ in it became D.
    doc_stripped: bool,
    memo: Memo,
    /// LM state at the end of the previous line when it runs on into this one
    /// (PDF dumps wrap sentences); `None` starts a fresh sentence.
    carry: Option<History>,
    words: HashMap<String, Rc<WordInfo>>,
    /// The document cache being filled by the first pass.
    doc: Option<DocCache>,
    /// The document's lines, each tokenized once, and how each is read.
    lines: Vec<&'t str>,
    toks: Rc<[Vec<Tok>]>,
    modes: Vec<Mode>,
    /// Per line, per token: a word of a person's name.
    names: Rc<[Vec<bool>]>,
    /// Per line the first pass left unsure: its lattice (with its own slots'
    /// count), which the second pass reuses.
    first_pass_lattices: Vec<Option<(Vec<Slot>, usize)>>,
}

/// What the decoder needs to know about one written word, computed once per document.
struct WordInfo {
    /// Vocabulary id of its lower-case, tone-normalised form.
    id: Option<u32>,
    /// Some marked vocabulary word folds to it ("dieu" ← "điều").
    could_be_marked: bool,
    /// Has marks that no Vietnamese syllable allows ("trién").
    bad_marks: bool,
    /// The word in this project's tone placement, case kept.
    normalized: String,
    /// Lower case and tone placement: the form a reading of it equal to it has ([`super::word_key`]).
    key: String,
    /// Its fold class, context for its neighbours ([`Lm::context`]).
    class: Option<u32>,
}

/// `word` in lower case, borrowed when it is already.
fn lower_case(word: &str) -> std::borrow::Cow<'_, str> {
    if word.chars().flat_map(char::to_lowercase).eq(word.chars()) {
        std::borrow::Cow::Borrowed(word)
    } else {
        std::borrow::Cow::Owned(word.to_lowercase())
    }
}

fn is_junk(c: char) -> bool {
    !c.is_alphabetic()
}

impl<'m, 't> Decoder<'m, 't> {
    /// A decoder for the document made of `lines` (no `\n` inside).
    pub fn new(m: &'m Model, lines: Vec<&'t str>) -> Self {
        let toks: Rc<[Vec<Tok>]> = lines.iter().map(|l| tokenize(l)).collect();
        let n_lines = lines.len();
        let mut d = Decoder {
            m,
            cache: Default::default(),
            doc_marked: 1.0,
            doc_ocr: false,
            doc_misread: false,
            doc_stripped: false,
            memo: Memo::new(lines.iter().map(|l| l.len() + 1).sum()),
            carry: None,
            words: HashMap::default(),
            doc: Some(DocCache::default()),
            lines,
            toks: Rc::clone(&toks),
            modes: Vec::new(),
            names: Rc::from([]),
            first_pass_lattices: std::iter::repeat_with(|| None).take(n_lines).collect(),
        };
        let lines = d.lines.clone();
        // English and French words are left alone, as URLs are.
        let toks: Rc<[Vec<Tok>]> = lines
            .iter()
            .zip(toks.iter())
            .map(|(line, toks)| d.without_foreign(line, toks))
            .collect();
        d.toks = Rc::clone(&toks);
        let (mut words, mut marked, mut odd) = (0usize, 0usize, 0usize);
        for (line, line_toks) in lines.iter().zip(toks.iter()) {
            for t in line_toks {
                if t.kind == Kind::Word {
                    let w = &line[t.start..t.end];
                    words += 1;
                    marked += usize::from(has_marks(w));
                    odd += usize::from(w.chars().any(is_junk) || d.info(w).id.is_none());
                }
            }
        }
        d.doc_marked = if words == 0 {
            1.0
        } else {
            marked as f64 / words as f64
        };
        d.doc_stripped = words >= 20 && d.doc_marked < 0.02;
        // Clean documents have a few unknown words (names, foreign terms); OCR output
        // of Vietnamese has many, even where its marks look plausible ("céng").
        let odd_share = odd as f64 / words.max(1) as f64;
        d.doc_ocr = words >= 50 && odd_share > OCR_DOC_ODD;
        d.doc_misread = words >= 50 && odd_share > MISREAD_DOC_ODD;
        d.modes = lines
            .iter()
            .zip(toks.iter())
            .map(|(line, t)| d.mode(line, t))
            .collect();
        // Only decoded lines read names.
        if d.modes.iter().any(|&m| m != Mode::Intact) {
            let mut name_open = 0;
            d.names = lines
                .iter()
                .zip(toks.iter())
                .map(|(l, t)| name_positions(l, t, &mut name_open))
                .collect();
        }
        d
    }

    /// `toks` with the words of English or French text ([`language`]) made [`Kind::Other`].
    fn without_foreign(&mut self, line: &str, toks: &[Tok]) -> Vec<Tok> {
        let words: Vec<usize> = (0..toks.len())
            .filter(|&i| toks[i].kind == Kind::Word)
            .collect();
        let looks: Vec<Look> = words
            .iter()
            .map(|&i| {
                let w = &line[toks[i].start..toks[i].end];
                let shaped = is_acronym(w) || syllable::is_stripped_syllable(&w.to_lowercase());
                Look::of(w, shaped)
            })
            .collect();
        let mut out = toks.to_vec();
        for (&i, foreign) in words.iter().zip(foreign_words(&looks)) {
            if foreign {
                out[i].kind = Kind::Other;
            }
        }
        out
    }

    /// The document has (almost) no marks at all.
    pub fn stripped(&self) -> bool {
        self.doc_stripped
    }

    fn info(&mut self, core: &str) -> Rc<WordInfo> {
        if let Some(i) = self.words.get(core) {
            return Rc::clone(i);
        }
        let normalized = syllable::normalize(core);
        // Tone placement does not depend on case: this is `word_key(core)`.
        let key = normalized.to_lowercase();
        let id = self.m.lm.id(&key);
        let marks = has_marks(core);
        let info = Rc::new(WordInfo {
            id,
            could_be_marked: !marks && self.m.could_be_marked(core),
            bad_marks: marks && !syllable::is_syllable(core),
            normalized,
            class: self
                .m
                .fold_index
                .get(&fold(&key))
                .map(|ids| self.m.word_class[ids[0] as usize]),
            key,
        });
        self.words.insert(core.to_string(), Rc::clone(&info));
        info
    }

    fn mode(&mut self, line: &str, toks: &[Tok]) -> Mode {
        if self.is_damaged(line, toks) {
            Mode::Damaged
        } else if self.doc_misread
            && toks.iter().any(|t| {
                t.kind == Kind::Word && self.misread_candidates(&line[t.start..t.end]).is_some()
            })
        {
            Mode::Checked
        } else {
            Mode::Intact
        }
    }

    /// Whether a line needs decoding.
    fn is_damaged(&mut self, line: &str, toks: &[Tok]) -> bool {
        let words: Vec<&str> = toks
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| &line[t.start..t.end])
            .collect();
        if words.is_empty() {
            return false;
        }
        if self.doc_ocr {
            return true;
        }
        let n = words.len() as f64;
        let (mut marked, mut bad, mut viet_unmarked) = (0.0, 0.0, 0.0);
        for w in &words {
            let info = self.info(w);
            marked += f64::from(u8::from(has_marks(w)));
            // Suspicious: OCR junk, marks no syllable allows ("trién"), or an unknown
            // lower-case word ("dugc"; unknown capitalised words are usually names).
            let suspicious = w.chars().any(is_junk)
                || info.id.is_none() && (info.bad_marks || w.starts_with(char::is_lowercase));
            bad += f64::from(u8::from(suspicious));
            // Unmarked words that some marked vocabulary word folds to: "dieu", "nghien".
            viet_unmarked += f64::from(u8::from(info.could_be_marked));
        }
        if bad >= 1.0 && bad / n > 0.15 {
            return true;
        }
        if n >= 4.0 {
            marked / n < 0.3 && viet_unmarked / n >= 0.4
        } else {
            self.doc_marked < 0.4 && viet_unmarked > 0.0
        }
    }

    /// Candidates for one word token (lower-cased core), cached per document;
    /// those of a damaged token come from the model's [`Readings`] when it has them.
    fn candidates(&mut self, core: &str, stripped: bool) -> Rc<[Cand]> {
        let reading = if stripped {
            Reading::Stripped
        } else {
            Reading::Damaged
        };
        let lower_case = lower_case(core);
        if let Some(c) = self.cache[reading as usize].get(&*lower_case) {
            return Rc::clone(c);
        }
        let computed = if stripped {
            None
        } else {
            self.m.readings.get(&lower_case)
        };
        let cands: Rc<[Cand]> = match computed {
            Some(pre) => pre.into(),
            None => token_candidates(self.m, &lower_case, stripped).into(),
        };
        self.cache[reading as usize].insert(lower_case.into_owned(), Rc::clone(&cands));
        cands
    }

    /// A marked word of a line that looks correct: itself and the vocabulary
    /// words the engine may have misread as it; `None` when there are none.
    fn misread_candidates(&mut self, core: &str) -> Option<Rc<[Cand]>> {
        if !has_marks(core) {
            return None;
        }
        let lower_case = lower_case(core);
        let cache = &mut self.cache[Reading::Misread as usize];
        if let Some(c) = cache.get(&*lower_case) {
            return (c.len() > 1).then(|| Rc::clone(c));
        }
        let m = self.m;
        let known = m.lm.id(&super::word_key(&lower_case));
        let own = Cand {
            ids: Ids::one(known.unwrap_or(lm::UNK)),
            cost: if known.is_some() { 0.0 } else { KEEP_UNKNOWN },
        };
        let sources = m
            .misreads
            .sources(&m.lm, &lower_case, MAX_MISREAD)
            .into_iter()
            .filter(|&(id, _)| m.lm.counts[id as usize] >= super::MIN_PROPOSE)
            .take(MAX_CANDS)
            .map(|(id, cost)| Cand {
                ids: Ids::one(id),
                cost,
            });
        let cands: Rc<[Cand]> = std::iter::once(own).chain(sources).collect();
        cache.insert(lower_case.into_owned(), Rc::clone(&cands));
        (cands.len() > 1).then_some(cands)
    }

    /// A lone short number in OCR output: itself, or words the channel reads it as.
    fn number_candidates(&mut self, core: &str) -> Rc<[Cand]> {
        if let Some(c) = self.cache[Reading::Number as usize].get(core) {
            return Rc::clone(c);
        }
        let mut cands = vec![Cand {
            ids: Ids::one(lm::NUM),
            cost: 0.0,
        }];
        let readings =
            self.m
                .channel
                .candidates(&self.m.trie, core, MAX_CHANNEL, MAX_CANDS, false, None);
        cands.extend(readings.iter().filter_map(|(ids, cost)| {
            Some(Cand {
                ids: Ids::new(ids)?,
                cost: *cost,
            })
        }));
        let cands: Rc<[Cand]> = cands.into();
        self.cache[Reading::Number as usize].insert(core.to_string(), Rc::clone(&cands));
        cands
    }

    /// Ends the first pass: from now on the LM is mixed with what the document
    /// said confidently, and `carry` is set by the caller for each line it redoes.
    pub fn second_pass(&mut self) {
        self.memo.mix_with(self.doc.take());
    }

    /// Sets the LM context for the next line from the line before it, as read.
    pub fn continue_after(&mut self, previous: Option<&LineResult>) {
        self.carry = previous.and_then(|p| p.end);
    }

    /// Repairs line `n`; `pins` are a first pass's sure readings of it. The line
    /// after it is right context when the sentence runs on.
    pub fn line(&mut self, n: usize, pins: &[Option<(u16, f32)>]) -> LineResult {
        let (line, all_toks) = (self.lines[n], Rc::clone(&self.toks));
        let toks = &all_toks[n];
        let mode = self.modes[n];
        let mut res = LineResult {
            damaged: mode == Mode::Damaged,
            ..LineResult::default()
        };
        // Replacement text per token index (None = normalise only).
        let mut repl: Vec<Option<String>> = vec![None; toks.len()];
        for (i, t) in toks.iter().enumerate() {
            if t.kind == Kind::Code {
                repl[i] = self.m.repair_code(&line[t.start..t.end], self.doc_stripped);
            }
        }
        let sure = if mode != Mode::Intact {
            let next = (n + 1 < self.lines.len() && runs_on(line)).then_some(n + 1);
            self.decode(n, next, pins, &mut repl, &mut res)
        } else {
            let read = self.read_ids(line, toks);
            res.end = end_state(line, toks, read.iter().map(|w| w.unwrap_or(lm::UNK)));
            read
        };
        if let Some(doc) = &mut self.doc {
            doc.add(&sure);
        }
        if self.doc_stripped {
            // Abbreviations no Vietnamese word folds to are codes: "BCD" → "BCĐ".
            for (t, r) in toks.iter().zip(repl.iter_mut()) {
                let core = &line[t.start..t.end];
                if t.kind == Kind::Word && is_acronym(core) {
                    let info = self.info(core);
                    if info.id.is_none() && !info.could_be_marked {
                        *r = self.m.restore_part(core).or(r.take());
                    }
                }
            }
        }
        let mut out = String::with_capacity(line.len() + 16);
        let mut at = 0;
        for (t, r) in toks.iter().zip(repl) {
            out.push_str(&line[at..t.start]);
            let core = &line[t.start..t.end];
            match r {
                Some(r) => {
                    res.changed += 1;
                    out.push_str(&r);
                }
                None if t.kind == Kind::Word => out.push_str(&self.info(core).normalized),
                None => out.push_str(core),
            }
            at = t.end;
        }
        out.push_str(&line[at..]);
        self.carry = res.end;
        res.text = out;
        res
    }

    /// What the LM reads of a line as written: word ids (`None` when unknown,
    /// marked [`TITLE`] when capitalised), numbers, codes, and punctuation between.
    fn read_ids(&mut self, line: &str, toks: &[Tok]) -> Vec<Option<u32>> {
        let mut out = Vec::with_capacity(toks.len());
        for (t, punct) in toks.iter().zip(punct_before(line, toks)) {
            if punct {
                out.push(Some(lm::PUNCT));
            }
            match t.kind {
                Kind::Word => {
                    let core = &line[t.start..t.end];
                    let title = if Case::of(core) == Case::Title {
                        TITLE
                    } else {
                        0
                    };
                    out.push(self.info(core).id.map(|id| id | title));
                }
                Kind::Number => out.push(Some(lm::NUM)),
                Kind::Code => out.push(Some(lm::CODE)),
                Kind::Url | Kind::Other => {}
            }
        }
        out
    }

    /// Decodes a damaged or checked line into `repl`; returns its words as read, `None` where unsure.
    fn decode(
        &mut self,
        n: usize,
        next: Option<usize>,
        pins: &[Option<(u16, f32)>],
        repl: &mut [Option<String>],
        res: &mut LineResult,
    ) -> Vec<Option<u32>> {
        let (line, all_toks) = (self.lines[n], Rc::clone(&self.toks));
        let toks = &all_toks[n];
        let (mut lattice, own) = match self.first_pass_lattices[n].take() {
            Some(saved) => saved,
            None => {
                let mut lattice: Vec<Slot> = Vec::new();
                self.slots(n, usize::MAX, &mut lattice);
                let own = lattice.len();
                if let Some(next) = next {
                    if ends_in_punct(line, toks) {
                        lattice.push(Slot::fixed(lm::PUNCT, 0, None));
                    }
                    self.slots(next, LOOKAHEAD, &mut lattice);
                }
                add_context(self.m, &mut lattice, own);
                (lattice, own)
            }
        };
        // A pinned slot keeps its extra cost: with one reading, it is the same on every path.
        for (slot, &(choice, _)) in lattice
            .iter_mut()
            .zip(pins)
            .filter_map(|(s, p)| Some((s, p.as_ref()?)))
        {
            let choice = usize::from(choice);
            slot.cands = Rc::from(&slot.cands[choice..=choice]);
            slot.extra = slot.extra.get(choice).map(|&e| vec![e]).unwrap_or_default();
        }
        let path = viterbi(
            self.m,
            &mut self.memo,
            &lattice,
            self.carry.unwrap_or([lm::BOS; 2]),
        );
        // The chosen words in order, the first of each token marked [`TITLE`] if capitalised.
        let flat: Vec<u32> = path
            .iter()
            .zip(&lattice)
            .flat_map(|(&c, slot)| {
                slot.cands[c]
                    .ids
                    .iter()
                    .enumerate()
                    .map(|(n, &id)| if n == 0 { id | slot.title } else { id })
            })
            .collect();
        let mut flat_at = 0;
        let mut sure = Vec::with_capacity(flat.len());
        for (&choice, slot) in path.iter().zip(&lattice).take(own) {
            let n_ids = slot.cands[choice].ids.len();
            let Some(i) = slot.tok else {
                res.pins.push(None);
                sure.extend(flat[flat_at..flat_at + n_ids].iter().map(|&id| Some(id)));
                flat_at += n_ids;
                continue;
            };
            res.decoded += 1;
            let conf = match pins.get(res.pins.len()) {
                Some(&Some((_, conf))) => conf,
                _ => local_confidence(self.m, &mut self.memo, slot, choice, &flat, flat_at),
            };
            res.conf_sum += f64::from(conf);
            res.unsure |= conf < PIN;
            res.pins
                .push((conf >= PIN).then_some((choice as u16, conf)));
            sure.extend(
                flat[flat_at..flat_at + n_ids]
                    .iter()
                    .map(|&id| (conf >= SURE && id & !TITLE != lm::UNK).then_some(id)),
            );
            flat_at += n_ids;
            let cand = &slot.cands[choice];
            let core = &line[toks[i].start..toks[i].end];
            if cand.ids[0] < lm::FIRST_WORD {
                res.unknown += u64::from(cand.ids[0] == lm::UNK);
                continue;
            }
            // A token reads as one word at most, so a reading of two is a change.
            if let [id] = cand.ids[..] {
                if self.m.lm.words[id as usize] == self.info(core).key {
                    continue;
                }
            }
            let text = cand
                .ids
                .iter()
                .map(|&id| self.m.lm.words[id as usize].as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let case = Case::of(core);
            let roman =
                text.chars().all(|c| "ivxlc".contains(c)) && core.starts_with(char::is_uppercase);
            repl[i] = Some(if roman {
                text.to_uppercase()
            } else {
                case.apply(&text)
            });
        }
        res.end = end_state(line, toks, flat[..flat_at].iter().copied());
        if res.unsure && pins.is_empty() {
            // A second pass will decode this line again with the same lattice.
            self.first_pass_lattices[n] = Some((lattice, own));
        }
        sure
    }

    /// Appends up to `limit` lattice slots for the tokens of line `n`; those of an
    /// intact line, and the words of a checked line that no misreading explains,
    /// have one reading each.
    fn slots(&mut self, n: usize, limit: usize, lattice: &mut Vec<Slot>) {
        let (line, all_toks, names) =
            (self.lines[n], Rc::clone(&self.toks), Rc::clone(&self.names));
        let (toks, names) = (&all_toks[n], &names[n]);
        let punct = punct_before(line, toks);
        let stripped = (self.doc_stripped || !self.doc_ocr)
            && !toks.iter().filter(|t| t.kind == Kind::Word).any(|t| {
                line[t.start..t.end]
                    .chars()
                    .any(|c| is_junk(c) || !c.is_ascii())
            });
        let mut prev_end: Option<usize> = None;
        let end = lattice.len().saturating_add(limit);
        for (i, t) in toks.iter().enumerate() {
            if lattice.len() >= end {
                break;
            }
            let inside = prev_end.is_some_and(|e| matches!(line[e..t.start].trim(), "" | ","));
            prev_end = Some(t.end);
            if punct[i] {
                lattice.push(Slot::fixed(lm::PUNCT, 0, None));
            }
            match t.kind {
                Kind::Word => {
                    let core = &line[t.start..t.end];
                    let mode = self.modes[n];
                    let cands = match mode {
                        Mode::Damaged if !self.is_known_acronym(core) => {
                            Some(self.candidates(core, stripped))
                        }
                        Mode::Checked => self.misread_candidates(core),
                        _ => None,
                    };
                    let Some(cands) = cands else {
                        lattice.extend(self.fixed_slot(line, t));
                        continue;
                    };
                    let case = Case::of(core);
                    let extra = if inside && case != Case::Upper {
                        cands.iter().map(|c| self.case_cost(c, case)).collect()
                    } else {
                        Vec::new()
                    };
                    let title = if case == Case::Title { TITLE } else { 0 };
                    let class = self.info(core).class;
                    lattice.push(Slot {
                        tok: Some(i),
                        class,
                        title,
                        name: names[i],
                        cands,
                        extra,
                    });
                }
                // In OCR output a lone digit or two between words may be a short word
                // ("6" for "ở", "14" for "là"); the LM weighs it against a number.
                Kind::Number if self.doc_ocr && t.end - t.start <= 2 => {
                    let cands = self.number_candidates(&line[t.start..t.end]);
                    lattice.push(Slot {
                        tok: Some(i),
                        class: None,
                        title: 0,
                        name: false,
                        cands,
                        extra: Vec::new(),
                    });
                }
                Kind::Number | Kind::Code => lattice.extend(self.fixed_slot(line, t)),
                Kind::Url | Kind::Other => {}
            }
        }
    }

    /// An abbreviation the corpus writes ("CN", "UBND") that is no word stripped
    /// of its marks ("CAC"): kept as it is, also where OCR split it off its
    /// compound and left junk on it ("KH& CN").
    fn is_known_acronym(&mut self, core: &str) -> bool {
        let letters = core.trim_end_matches(is_junk);
        is_acronym(letters)
            && self.m.code_parts.contains_key(letters)
            && !self.info(letters).could_be_marked
    }

    /// A slot with the one reading a token has as written (numbers, codes, words
    /// of an undamaged line); `None` for what the LM does not see.
    fn fixed_slot(&mut self, line: &str, t: &Tok) -> Option<Slot> {
        let (id, title, class) = match t.kind {
            Kind::Word => {
                let core = &line[t.start..t.end];
                let title = if Case::of(core) == Case::Title {
                    TITLE
                } else {
                    0
                };
                (
                    self.info(core).id.unwrap_or(lm::UNK),
                    title,
                    self.info(core).class,
                )
            }
            Kind::Number => (lm::NUM, 0, None),
            Kind::Code => (lm::CODE, 0, None),
            Kind::Url | Kind::Other => return None,
        };
        Some(Slot::fixed(id, title, class))
    }

    /// −log10 P(written case | candidate) for a word inside a sentence.
    fn case_cost(&self, c: &Cand, case: Case) -> f32 {
        let Some(&id) = c.ids.first().filter(|&&id| id >= lm::FIRST_WORD) else {
            return 0.0;
        };
        let p_title = (f32::from(self.m.lm.title[id as usize]) / 255.0).clamp(0.01, 0.99);
        let p = if case == Case::Title {
            p_title
        } else {
            1.0 - p_title
        };
        -CASE_WEIGHT * p.log10()
    }
}

/// The candidates of a word token (its lower-cased core), in a line whose only
/// damage is lost marks (`stripped`) or with OCR damage.
pub(super) fn token_candidates(m: &Model, lower: &str, stripped: bool) -> Vec<Cand> {
    let mut cands: Vec<Cand> = Vec::new();
    let add = |ids: Ids, cost: f32, cands: &mut Vec<Cand>| {
        if let Some(c) = cands.iter_mut().find(|c| c.ids == ids) {
            c.cost = c.cost.min(cost);
        } else {
            cands.push(Cand { ids, cost });
        }
    };
    let known = m.lm.id(&super::word_key(lower));
    // Context-free plausibility of a reading: unigram × channel.
    let prior_of = |ids: &[u32], cost: f32| {
        ids.iter().map(|&i| m.lm.unigram(i)).sum::<f32>() - CHANNEL_WEIGHT * cost
    };
    let plain = lower.chars().all(|c| c.is_ascii_alphabetic());
    if plain {
        // Stripped marks: every word with these letters is equally likely.
        for &id in m
            .fold_index
            .get(&fold(lower))
            .map_or(&[][..], |v| v.as_slice())
        {
            add(Ids::one(id), 0.0, &mut cands);
        }
    }
    if !stripped {
        // The search skips readings the pruning below would drop (its prior is
        // unigram − cost, the one here while CHANNEL_WEIGHT is 1).
        let best_prior = cands
            .iter()
            .map(|c| prior_of(&c.ids, c.cost))
            .chain(known.map(|id| prior_of(&[id], 0.0)))
            .chain(
                m.channel
                    .lexicon(lower)
                    .iter()
                    .map(|&(id, cost)| prior_of(&[id], cost)),
            )
            .fold(f32::NEG_INFINITY, f32::max);
        let prune = Prune {
            best: best_prior,
            decades: PRUNE,
        };
        for (ids, cost) in
            m.channel
                .candidates(&m.trie, lower, MAX_CHANNEL, MAX_CANDS, true, Some(prune))
        {
            if let Some(ids) = Ids::new(&ids) {
                add(ids, cost, &mut cands);
            }
        }
        for &(id, cost) in m.channel.lexicon(lower) {
            add(Ids::one(id), cost, &mut cands);
        }
        if known.is_none() {
            for (ids, cost) in glued_readings(m, lower) {
                add(ids, cost, &mut cands);
            }
        }
    }
    if let Some(id) = known {
        add(Ids::one(id), 0.0, &mut cands);
    }
    // Rank by context-free plausibility and drop readings that context would
    // have to lift by more than PRUNE decades: they almost never win.
    let prior = |c: &Cand| prior_of(&c.ids, c.cost);
    cands.sort_by(|a, b| prior(b).total_cmp(&prior(a)));
    if let Some(best) = cands.first().map(prior) {
        cands.retain(|c| prior(c) >= best - PRUNE || Some(c.ids[0]) == known);
    }
    cands.truncate(MAX_CANDS);
    if known.is_none() {
        cands.push(Cand {
            ids: Ids::one(lm::UNK),
            cost: KEEP_UNKNOWN,
        });
    }
    cands
}

/// Two-word readings of an unknown token whose halves are each a known word,
/// a stripped word or a lexicon form ("ciadon" = "cia" + "don" → "của đơn"):
/// the char-level search cannot use the lexicon inside a glued pair.
fn glued_readings(m: &Model, lower: &str) -> Vec<(Ids, f32)> {
    let half = |part: &str| -> Vec<(u32, f32)> {
        let mut v: Vec<(u32, f32)> = m.channel.lexicon(part).to_vec();
        if part.chars().all(|c| c.is_ascii_alphabetic()) {
            v.extend(
                m.fold_index
                    .get(&fold(part))
                    .into_iter()
                    .flatten()
                    .map(|&id| (id, 0.0)),
            );
        }
        if let Some(id) = m.lm.id(part) {
            v.push((id, 0.0));
        }
        // The three most plausible readings of this half.
        v.sort_by(|a, b| (m.lm.unigram(b.0) - b.1).total_cmp(&(m.lm.unigram(a.0) - a.1)));
        v.truncate(3);
        v
    };
    let mut out = Vec::new();
    let bounds: Vec<usize> = lower.char_indices().map(|(i, _)| i).skip(1).collect();
    for &k in &bounds {
        let (l, r) = lower.split_at(k);
        let right = half(r);
        if right.is_empty() {
            continue;
        }
        for (lid, lc) in half(l) {
            for &(rid, rc) in &right {
                out.push((Ids::pair(lid, rid), lc + rc + m.channel.glue));
            }
        }
    }
    out
}

/// The LM state after `line`, whose tokens read as `read`, if its sentence runs
/// on into the next line.
fn end_state(
    line: &str,
    toks: &[Tok],
    read: impl DoubleEndedIterator<Item = u32>,
) -> Option<History> {
    if !runs_on(line) {
        return None;
    }
    let mut last: Vec<u32> = read.rev().take(2).collect();
    if last.is_empty() {
        return None;
    }
    if ends_in_punct(line, toks) {
        last.insert(0, lm::PUNCT);
    }
    Some(
        last.iter()
            .take(2)
            .rev()
            .fold([lm::BOS; 2], |h, &w| push(&h, w)),
    )
}

/// Whether a line's sentence runs on into the next line (PDF dumps wrap sentences).
fn runs_on(line: &str) -> bool {
    let last = line.trim_end();
    !last.is_empty() && !last.ends_with(['.', ';', ':', '!', '?'])
}

/// Adds to each reading's cost the evidence of the fold classes 2 to
/// [`lm::CONTEXT_WINDOW`] slots away ("trồng … cây", "sinh hoạt hè cho thiếu nhi"),
/// for the line's `own` slots (the lookahead is read but not output).
/// It only ranks readings of the same letters against each other: the best of
/// them costs nothing more, so an OCR reading is not pushed toward other letters.
fn add_context(m: &Model, lattice: &mut [Slot], own: usize) {
    let (mut near, mut classes, mut evidence): (Vec<u32>, Vec<u32>, Vec<f32>) = Default::default();
    for i in 0..own {
        // Fold class per one-word reading; a class with one reading here needs no evidence.
        classes.clear();
        classes.extend(lattice[i].cands.iter().map(|c| match c.ids[..] {
            [id] => m.word_class[id as usize],
            _ => u32::MAX,
        }));
        let shared = |k: usize| {
            classes[k] != u32::MAX && classes.iter().filter(|&&c| c == classes[k]).count() > 1
        };
        if !(0..classes.len()).any(shared) {
            continue;
        }
        let window =
            i.saturating_sub(lm::CONTEXT_WINDOW)..(i + lm::CONTEXT_WINDOW + 1).min(lattice.len());
        near.clear();
        near.extend(
            window
                .filter(|&j| j.abs_diff(i) >= 2)
                .filter_map(|j| lattice[j].class),
        );
        if near.is_empty() {
            continue;
        }
        let slot = &mut lattice[i];
        evidence.clear();
        evidence.extend((0..classes.len()).map(|k| {
            if shared(k) {
                near.iter()
                    .map(|&n| m.lm.context(slot.cands[k].ids[0], n))
                    .sum()
            } else {
                0.0
            }
        }));
        slot.extra.resize(slot.cands.len(), 0.0);
        for k in (0..classes.len()).filter(|&k| shared(k)) {
            let best = (0..classes.len())
                .filter(|&j| classes[j] == classes[k])
                .map(|j| evidence[j])
                .fold(evidence[k], f32::max);
            slot.extra[k] += CONTEXT_WEIGHT * (best - evidence[k]);
        }
    }
}

/// Probability of the chosen candidate against the others at one position,
/// with the chosen neighbours fixed (a local posterior).
fn local_confidence(
    m: &Model,
    memo: &mut Memo,
    slot: &Slot,
    choice: usize,
    flat: &[u32],
    at: usize,
) -> f32 {
    let cands = &slot.cands;
    if cands.len() < 2 {
        return 1.0;
    }
    let start =
        [at.checked_sub(2), at.checked_sub(1)].map(|i| i.map_or(lm::BOS, |i| flat[i] & !TITLE));
    let after = &flat[(at + cands[choice].ids.len()).min(flat.len())..];
    let after = &after[..after.len().min(2)];
    let scores: Vec<f32> = cands
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut h = start;
            let mut lm_sum = 0.0;
            let first = c.ids[0] | slot.title;
            lm_sum += slot.first_score(m, memo, &h, first);
            h = push(&h, first);
            for &w in c.ids[1..].iter().chain(after) {
                lm_sum += memo.score(&m.lm, &h, w);
                h = push(&h, w);
            }
            lm_sum - CHANNEL_WEIGHT * c.cost - slot.extra.get(ci).copied().unwrap_or(0.0)
        })
        .collect();
    let best = scores.iter().copied().fold(f32::MIN, f32::max);
    let z: f32 = scores.iter().map(|s| 10f32.powf(s - best)).sum();
    10f32.powf(scores[choice] - best) / z
}

/// Best candidate index per lattice position under channel × trigram LM.
fn viterbi(m: &Model, memo: &mut Memo, lattice: &[Slot], start: History) -> Vec<usize> {
    #[derive(Clone, Copy)]
    struct Hyp {
        h: History,
        score: f32,
        back: u32,
    }
    // Arena of (parent, candidate) for backtracking.
    let mut arena: Vec<(u32, u16)> = Vec::new();
    let mut beam = vec![Hyp {
        h: start,
        score: 0.0,
        back: u32::MAX,
    }];
    // Without the document cache or names the LM scores no word above its best.
    let bounded = !memo.mixed();
    for slot in lattice {
        let mut next: Vec<Hyp> = Vec::with_capacity(beam.len() * slot.cands.len());
        let mut best = f32::MIN;
        for h in &beam {
            for (ci, c) in slot.cands.iter().enumerate() {
                let extra = slot.extra.get(ci).copied().unwrap_or(0.0);
                let (mut hist, mut s) = (h.h, h.score - CHANNEL_WEIGHT * c.cost - extra);
                // The floor below would drop this one: LM scores are at most 0, and
                // without mixing at most the words' best.
                let best_lm = if bounded && !slot.name {
                    c.ids.iter().map(|&id| m.lm.best_score(id)).sum()
                } else {
                    0.0
                };
                if s + best_lm < best - BEAM_DECADES {
                    continue;
                }
                for (n, &id) in c.ids.iter().enumerate() {
                    let id = if n == 0 { id | slot.title } else { id };
                    s += if n == 0 {
                        slot.first_score(m, memo, &hist, id)
                    } else {
                        memo.score(&m.lm, &hist, id)
                    };
                    hist = push(&hist, id);
                }
                // Under the floor already: dropped below in any case.
                if s < best - BEAM_DECADES {
                    continue;
                }
                best = best.max(s);
                arena.push((h.back, ci as u16));
                next.push(Hyp {
                    h: hist,
                    score: s,
                    back: arena.len() as u32 - 1,
                });
            }
        }
        // Recombine hypotheses that end in the same LM state, keeping the best.
        next.sort_unstable_by(|a, b| a.h.cmp(&b.h).then(b.score.total_cmp(&a.score)));
        next.dedup_by(|later, kept| later.h == kept.h);
        // Only the best BEAM survive; a partial selection is enough to find them.
        if next.len() > BEAM {
            next.select_nth_unstable_by(BEAM - 1, |a, b| b.score.total_cmp(&a.score));
            next.truncate(BEAM);
        }
        next.sort_unstable_by(|a, b| b.score.total_cmp(&a.score));
        let floor = next.first().map_or(f32::MIN, |h| h.score - BEAM_DECADES);
        next.retain(|h| h.score >= floor);
        beam = next;
    }
    let mut path = Vec::with_capacity(lattice.len());
    let mut at = beam.first().map_or(u32::MAX, |h| h.back);
    while at != u32::MAX {
        let (parent, ci) = arena[at as usize];
        path.push(ci as usize);
        at = parent;
    }
    path.reverse();
    path
}
