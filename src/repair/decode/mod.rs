//! The noisy-channel decoder: per line, candidates per token, then a beam
//! Viterbi search maximising λ·log P(observed | source) + log P_LM(source).
//!
//! A line is decoded when it looks damaged (few marks, or tokens that are
//! neither known words nor Vietnamese syllables); in other lines only marked
//! words that an engine for Vietnamese may have misread are weighed against
//! what they may have been ([`Mode::Checked`]); the rest get tone-placement
//! normalisation and code repair only, so correct text is left alone.

mod candidates;
mod memo;
mod search;

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

pub(super) use candidates::token_candidates;
use candidates::{KEEP_UNKNOWN, MAX_CANDS, MAX_CHANNEL};
use memo::{push, DocCache, History, Memo, TITLE};
use search::{add_context, local_confidence, viterbi, Slot};

use super::language::{foreign_words, Look};
use super::lm;
use super::readings::{Cand, Ids};
use super::token::{
    ends_in_punct, has_marks, is_acronym, name_positions, punct_before, tokenize, Case, Kind, Tok,
};
use super::Model;
use crate::text::fold;
use crate::vn::syllable;

/// Misreadings dearer than this are not considered in lines that look correct.
const MAX_MISREAD: f32 = 4.0;
/// Share of unknown or junk-bearing words above which a document is OCR output.
const OCR_DOC_ODD: f64 = 0.08;
/// Share above which it may be OCR output of an engine that knows Vietnamese,
/// whose misreadings ([`Mode::Checked`]) then cost only what the channel says. Clean held-out documents
/// have at most 0.9 %, `tesseract -l vie` output of the dev documents 1.7–3 % with
/// the legal/admin vocabulary; the general one knows more names, so both are lower.
const MISREAD_DOC_ODD: f64 = 0.01;
/// Extra cost of a misreading in a document under [`MISREAD_DOC_ODD`] (a page
/// or a short document read well by `tesseract -l vie` is under it too): there
/// only a reading the LM much prefers is taken ("vẻ việc" → "về việc"). The
/// smallest of 0, 1, 1.5, 2 that keeps clean held-out text ≤ 0.03 % changed.
const MISREAD_CLEAN_COST: f32 = 1.5;
/// Weight of P(written case | word) inside a sentence ("Minh" the name vs "mình").
const CASE_WEIGHT: f32 = 1.0;
/// Decoded tokens at least this sure of their reading go into the document cache;
/// lines with a token below it are decoded again with the cache.
const SURE: f32 = 0.8;
/// A second pass keeps the first pass's readings at least this sure and searches
/// only the rest (most tokens have one reading and are sure).
const PIN: f32 = 0.999;
/// Tokens of the next line decoded along with a line whose sentence runs on into
/// it, so that its last words have right context (they are not output here).
const LOOKAHEAD: usize = 3;

/// How one line came out.
#[derive(Debug, Default)]
pub(crate) struct LineResult {
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
pub(crate) struct Decoder<'m, 't> {
    m: &'m Model,
    /// Token candidates by lower-cased core, per [`Reading`] (its index).
    cache: [HashMap<String, Rc<[Cand]>>; 4],
    /// Share of marked words in the whole document, for lines too short to judge.
    doc_marked: f64,
    /// The whole document reads as OCR output: decode every line.
    doc_ocr: bool,
    /// Extra cost of a misreading: 0 where the document may be read by an engine
    /// that knows Vietnamese, [`MISREAD_CLEAN_COST`] where it looks clean.
    misread_extra: f32,
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
            misread_extra: 0.0,
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
        // Clean text is checked too, at a price: its typos look like misreadings.
        d.misread_extra = if words >= 50 && odd_share > MISREAD_DOC_ODD {
            0.0
        } else {
            MISREAD_CLEAN_COST
        };
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
        } else if toks.iter().any(|t| {
            t.kind == Kind::Word && self.misread_candidates(&line[t.start..t.end]).is_some()
        }) {
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
        if !has_marks(core) || is_acronym(core) {
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
            .sources(&m.lm, &lower_case, MAX_MISREAD - self.misread_extra)
            .into_iter()
            .filter(|&(id, _)| m.lm.counts[id as usize] >= super::MIN_PROPOSE)
            .take(MAX_CANDS)
            .map(|(id, cost)| Cand {
                ids: Ids::one(id),
                cost: cost + self.misread_extra,
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
    pub(crate) fn second_pass(&mut self) {
        self.memo.mix_with(self.doc.take());
    }

    /// Sets the LM context for the next line from the line before it, as read.
    pub(crate) fn continue_after(&mut self, previous: Option<&LineResult>) {
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
