//! The noisy-channel decoder: per line, candidates per token, then a beam
//! Viterbi search maximising λ·log P(observed | source) + log P_LM(source).
//!
//! A line is decoded only when it looks damaged (few marks, or tokens that are
//! neither known words nor Vietnamese syllables); other lines get tone-placement
//! normalisation and code repair only, so correct text is left alone.

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use super::lm::{self, Lm};
use super::token::{has_marks, tokenize, Case, Kind, Tok};
use super::{syllable, word_key, Model};
use crate::text::fold;

/// Weight of the channel against the language model (both log10).
const CHANNEL_WEIGHT: f32 = 1.0;
/// Beam width (distinct LM states kept per position).
const BEAM: usize = 10;
/// Channel readings fetched per token before ranking by unigram × channel
/// (ties in channel cost are common: "&" may be any vowel).
const SEARCH_CANDS: usize = 32;
/// Candidates kept per token.
const MAX_CANDS: usize = 12;
/// Candidates whose unigram × channel score is this many decades below the best are dropped.
const PRUNE: f32 = 3.0;
/// Channel cost ceiling for char-level candidates.
const MAX_CHANNEL: f32 = 5.0;
/// Cost of keeping a token that is no known word (a name, a foreign word).
const KEEP_UNKNOWN: f32 = 2.5;
/// Share of unknown or junk-bearing words above which a document is OCR output.
const OCR_DOC_ODD: f64 = 0.08;
/// Weight of P(written case | word) inside a sentence ("Minh" the name vs "mình").
const CASE_WEIGHT: f32 = 1.0;

/// A direct-mapped memo of LM scores: documents repeat their n-grams.
struct Memo {
    keys: Vec<u64>,
    vals: Vec<f32>,
}

impl Memo {
    fn new() -> Memo {
        Memo { keys: vec![u64::MAX; 1 << 18], vals: vec![0.0; 1 << 18] }
    }

    fn score(&mut self, lm: &Lm, w1: u32, w2: u32, w3: u32) -> f32 {
        let k = lm::key(w1, w2, w3);
        let i = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 46) as usize;
        if self.keys[i] != k {
            self.keys[i] = k;
            self.vals[i] = lm.score(w1, w2, w3);
        }
        self.vals[i]
    }
}

/// One lattice position: the token it reads (None for numbers and codes), its
/// candidates and a per-candidate extra cost (case evidence; empty = none).
struct Slot {
    tok: Option<usize>,
    cands: Rc<[Cand]>,
    extra: Vec<f32>,
}

/// One reading of a token.
#[derive(Debug, Clone)]
struct Cand {
    ids: Vec<u32>,
    /// Lower-case output text; empty means "keep the token as written".
    text: String,
    cost: f32,
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
}

/// Per-document state: the token candidate cache.
pub struct Decoder<'m> {
    m: &'m Model,
    cache: HashMap<(String, bool), Rc<[Cand]>>,
    /// Share of marked words in the whole document, for lines too short to judge.
    doc_marked: f64,
    /// The whole document reads as OCR output: decode every line.
    doc_ocr: bool,
    memo: Memo,
    /// LM state at the end of the previous line when it runs on into this one
    /// (PDF dumps wrap sentences); `None` starts a fresh sentence.
    carry: Option<(u32, u32)>,
    words: HashMap<String, Rc<WordInfo>>,
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
}

fn is_junk(c: char) -> bool {
    !c.is_alphabetic()
}

impl<'m> Decoder<'m> {
    pub fn new(m: &'m Model, text: &str) -> Self {
        let mut d = Decoder {
            m,
            cache: HashMap::default(),
            doc_marked: 1.0,
            doc_ocr: false,
            memo: Memo::new(),
            carry: None,
            words: HashMap::default(),
        };
        let (mut words, mut marked, mut odd) = (0usize, 0usize, 0usize);
        for line in text.lines() {
            for t in tokenize(line) {
                if t.kind == Kind::Word {
                    let w = &line[t.start..t.end];
                    words += 1;
                    marked += usize::from(has_marks(w));
                    odd += usize::from(w.chars().any(is_junk) || d.info(w).id.is_none());
                }
            }
        }
        d.doc_marked = if words == 0 { 1.0 } else { marked as f64 / words as f64 };
        // Clean documents have a few unknown words (names, foreign terms); OCR output
        // of Vietnamese has many, even where its marks look plausible ("céng").
        d.doc_ocr = words >= 50 && odd as f64 / words as f64 > OCR_DOC_ODD;
        d
    }

    fn info(&mut self, core: &str) -> Rc<WordInfo> {
        if let Some(i) = self.words.get(core) {
            return Rc::clone(i);
        }
        let normalized = syllable::normalize(core);
        let id = self.m.lm.id(&normalized.to_lowercase());
        let marks = has_marks(core);
        let info = Rc::new(WordInfo {
            id,
            could_be_marked: !marks && self.m.could_be_marked(core),
            bad_marks: marks && !syllable::is_syllable(core),
            normalized,
        });
        self.words.insert(core.to_string(), Rc::clone(&info));
        info
    }

    /// Whether a line needs decoding.
    fn damaged(&mut self, line: &str, toks: &[Tok]) -> bool {
        let words: Vec<&str> = toks.iter().filter(|t| t.kind == Kind::Word).map(|t| &line[t.start..t.end]).collect();
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

    /// Candidates for one word token (lower-cased core), cached per document.
    fn candidates(&mut self, core: &str, stripped: bool) -> Rc<[Cand]> {
        let lower = core.to_lowercase();
        let cache_key = (lower, stripped);
        if let Some(c) = self.cache.get(&cache_key) {
            return Rc::clone(c);
        }
        let lower = &cache_key.0;
        let m = self.m;
        let mut cands: Vec<Cand> = Vec::new();
        let add = |ids: Vec<u32>, cost: f32, cands: &mut Vec<Cand>| {
            if let Some(c) = cands.iter_mut().find(|c| c.ids == ids) {
                c.cost = c.cost.min(cost);
            } else {
                let text = ids.iter().map(|&i| m.lm.words[i as usize].as_str()).collect::<Vec<_>>().join(" ");
                cands.push(Cand { ids, text, cost });
            }
        };
        let known = self.info(core).id;
        let plain = lower.chars().all(|c| c.is_ascii_alphabetic());
        if plain {
            // Stripped marks: every word with these letters is equally likely.
            for &id in m.fold_index.get(&fold(lower)).map_or(&[][..], |v| v.as_slice()) {
                add(vec![id], 0.0, &mut cands);
            }
        }
        if !stripped {
            for (ids, cost) in m.channel.candidates(&m.trie, lower, MAX_CHANNEL, SEARCH_CANDS, true) {
                add(ids, cost, &mut cands);
            }
            for &(id, cost) in m.channel.lexicon(lower) {
                add(vec![id], cost, &mut cands);
            }
            if known.is_none() {
                for (ids, cost) in self.glued_readings(lower) {
                    add(ids, cost, &mut cands);
                }
            }
        }
        if let Some(id) = known {
            add(vec![id], 0.0, &mut cands);
        }
        // Rank by context-free plausibility and drop readings that context would
        // have to lift by more than PRUNE decades: they almost never win.
        let prior = |c: &Cand| c.ids.iter().map(|&i| m.lm.unigram(i)).sum::<f32>() - CHANNEL_WEIGHT * c.cost;
        cands.sort_by(|a, b| prior(b).total_cmp(&prior(a)));
        if let Some(best) = cands.first().map(prior) {
            cands.retain(|c| prior(c) >= best - PRUNE || Some(c.ids[0]) == known);
        }
        cands.truncate(MAX_CANDS);
        if known.is_none() {
            cands.push(Cand { ids: vec![lm::UNK], text: String::new(), cost: KEEP_UNKNOWN });
        }
        let cands: Rc<[Cand]> = cands.into();
        self.cache.insert(cache_key, Rc::clone(&cands));
        cands
    }

    /// Two-word readings of an unknown token whose halves are each a known word,
    /// a stripped word or a lexicon form ("ciadon" = "cia" + "don" → "của đơn"):
    /// the char-level search cannot use the lexicon inside a glued pair.
    fn glued_readings(&self, lower: &str) -> Vec<(Vec<u32>, f32)> {
        let m = self.m;
        let half = |part: &str| -> Vec<(u32, f32)> {
            let mut v: Vec<(u32, f32)> = m.channel.lexicon(part).to_vec();
            if part.chars().all(|c| c.is_ascii_alphabetic()) {
                v.extend(m.fold_index.get(&fold(part)).into_iter().flatten().map(|&id| (id, 0.0)));
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
                    out.push((vec![lid, rid], lc + rc + m.channel.glue));
                }
            }
        }
        out
    }

    /// Repairs one line (no `\n` inside).
    pub fn line(&mut self, line: &str) -> LineResult {
        let toks = tokenize(line);
        let damaged = self.damaged(line, &toks);
        let mut res = LineResult { damaged, ..LineResult::default() };
        // Replacement text per token index (None = normalise only).
        let mut repl: Vec<Option<String>> = vec![None; toks.len()];
        for (i, t) in toks.iter().enumerate() {
            if t.kind == Kind::Code {
                repl[i] = self.m.repair_code(&line[t.start..t.end]);
            }
        }
        if damaged {
            self.decode(line, &toks, &mut repl, &mut res);
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
        self.carry = self.end_state(&out);
        res.text = out;
        res
    }

    /// The LM state after `line` if its sentence goes on into the next line.
    fn end_state(&mut self, line: &str) -> Option<(u32, u32)> {
        let last = line.trim_end();
        if last.is_empty() || last.ends_with(['.', ';', ':', '!', '?']) {
            return None;
        }
        let ids: Vec<u32> = tokenize(line)
            .iter()
            .filter_map(|t| match t.kind {
                Kind::Word => Some(self.info(&line[t.start..t.end]).id.unwrap_or(lm::UNK)),
                Kind::Number => Some(lm::NUM),
                Kind::Code => Some(lm::CODE),
                Kind::Url | Kind::Other => None,
            })
            .collect();
        match ids[..] {
            [] => None,
            [w] => Some((lm::BOS, w)),
            [.., w1, w2] => Some((w1, w2)),
        }
    }

    fn decode(&mut self, line: &str, toks: &[Tok], repl: &mut [Option<String>], res: &mut LineResult) {
        let stripped = !toks
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .any(|t| line[t.start..t.end].chars().any(|c| is_junk(c) || !c.is_ascii()));
        let mut lattice: Vec<Slot> = Vec::new();
        let mut prev_end: Option<usize> = None;
        for (i, t) in toks.iter().enumerate() {
            let fixed = |id| -> Rc<[Cand]> { Rc::from(vec![Cand { ids: vec![id], text: String::new(), cost: 0.0 }]) };
            let inside = prev_end.is_some_and(|e| matches!(line[e..t.start].trim(), "" | ","));
            prev_end = Some(t.end);
            match t.kind {
                Kind::Word => {
                    let core = &line[t.start..t.end];
                    let cands = self.candidates(core, stripped);
                    let case = Case::of(core);
                    let extra = if inside && case != Case::Upper {
                        cands.iter().map(|c| self.case_cost(c, case)).collect()
                    } else {
                        Vec::new()
                    };
                    lattice.push(Slot { tok: Some(i), cands, extra });
                }
                // In OCR output a lone digit or two between words may be a short word
                // ("6" for "ở", "14" for "là"); the LM weighs it against a number.
                Kind::Number if self.doc_ocr && t.end - t.start <= 2 => {
                    let core = &line[t.start..t.end];
                    let mut cands = vec![Cand { ids: vec![lm::NUM], text: String::new(), cost: 0.0 }];
                    for (ids, cost) in self.m.channel.candidates(&self.m.trie, core, MAX_CHANNEL, MAX_CANDS, false) {
                        let text = ids.iter().map(|&i| self.m.lm.words[i as usize].as_str()).collect::<Vec<_>>().join(" ");
                        cands.push(Cand { ids, text, cost });
                    }
                    lattice.push(Slot { tok: Some(i), cands: cands.into(), extra: Vec::new() });
                }
                Kind::Number => lattice.push(Slot { tok: None, cands: fixed(lm::NUM), extra: Vec::new() }),
                Kind::Code => lattice.push(Slot { tok: None, cands: fixed(lm::CODE), extra: Vec::new() }),
                Kind::Url | Kind::Other => {}
            }
        }
        let path = viterbi(&self.m.lm, &mut self.memo, &lattice, self.carry.unwrap_or((lm::BOS, lm::BOS)));
        let flat: Vec<u32> = path.iter().zip(&lattice).flat_map(|(&c, slot)| slot.cands[c].ids.clone()).collect();
        let mut flat_at = 0;
        for (&choice, slot) in path.iter().zip(&lattice) {
            let n_ids = slot.cands[choice].ids.len();
            let Some(i) = slot.tok else {
                flat_at += n_ids;
                continue;
            };
            res.decoded += 1;
            res.conf_sum += f64::from(local_confidence(&self.m.lm, &mut self.memo, slot, choice, &flat, flat_at));
            flat_at += n_ids;
            let cand = &slot.cands[choice];
            let core = &line[toks[i].start..toks[i].end];
            if cand.text.is_empty() {
                res.unknown += u64::from(cand.ids[0] == lm::UNK);
                continue;
            }
            if cand.text == word_key(core) {
                continue;
            }
            let case = Case::of(core);
            let roman = cand.text.chars().all(|c| "ivxlc".contains(c)) && core.starts_with(char::is_uppercase);
            repl[i] = Some(if roman { cand.text.to_uppercase() } else { case.apply(&cand.text) });
        }
    }

    /// −log10 P(written case | candidate) for a word inside a sentence.
    fn case_cost(&self, c: &Cand, case: Case) -> f32 {
        let Some(&id) = c.ids.first().filter(|&&id| id >= lm::FIRST_WORD) else { return 0.0 };
        let p_title = (f32::from(self.m.lm.title[id as usize]) / 255.0).clamp(0.01, 0.99);
        let p = if case == Case::Title { p_title } else { 1.0 - p_title };
        -CASE_WEIGHT * p.log10()
    }
}

/// Probability of the chosen candidate against the others at one position,
/// with the chosen neighbours fixed (a local posterior).
fn local_confidence(lm: &Lm, memo: &mut Memo, slot: &Slot, choice: usize, flat: &[u32], at: usize) -> f32 {
    let cands = &slot.cands;
    if cands.len() < 2 {
        return 1.0;
    }
    let get = |i: isize| if i < 0 { lm::BOS } else { flat.get(i as usize).copied().unwrap_or(0) };
    let n_chosen = cands[choice].ids.len() as isize;
    let at = at as isize;
    let (p2, p1) = (get(at - 2), get(at - 1));
    let (n1, n2) = (get(at + n_chosen), get(at + n_chosen + 1));
    let scores: Vec<f32> = cands
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut ids = vec![p2, p1];
            ids.extend(&c.ids);
            ids.extend([n1, n2].iter().copied().filter(|&x| x != 0));
            let lm_sum: f32 = (2..ids.len()).map(|k| memo.score(lm, ids[k - 2], ids[k - 1], ids[k])).sum();
            lm_sum - CHANNEL_WEIGHT * c.cost - slot.extra.get(ci).copied().unwrap_or(0.0)
        })
        .collect();
    let best = scores.iter().copied().fold(f32::MIN, f32::max);
    let z: f32 = scores.iter().map(|s| 10f32.powf(s - best)).sum();
    10f32.powf(scores[choice] - best) / z
}

/// Best candidate index per lattice position under channel × trigram LM.
fn viterbi(lm: &Lm, memo: &mut Memo, lattice: &[Slot], start: (u32, u32)) -> Vec<usize> {
    #[derive(Clone, Copy)]
    struct Hyp {
        w1: u32,
        w2: u32,
        score: f32,
        back: u32,
    }
    // Arena of (parent, candidate) for backtracking.
    let mut arena: Vec<(u32, u16)> = Vec::new();
    let mut beam = vec![Hyp { w1: start.0, w2: start.1, score: 0.0, back: u32::MAX }];
    for slot in lattice {
        let mut next: Vec<Hyp> = Vec::with_capacity(beam.len() * slot.cands.len());
        for h in &beam {
            for (ci, c) in slot.cands.iter().enumerate() {
                let extra = slot.extra.get(ci).copied().unwrap_or(0.0);
                let (mut w1, mut w2, mut s) = (h.w1, h.w2, h.score - CHANNEL_WEIGHT * c.cost - extra);
                for &id in &c.ids {
                    s += memo.score(lm, w1, w2, id);
                    (w1, w2) = (w2, id);
                }
                arena.push((h.back, ci as u16));
                next.push(Hyp { w1, w2, score: s, back: arena.len() as u32 - 1 });
            }
        }
        // Recombine hypotheses that end in the same LM state, keeping the best.
        next.sort_unstable_by(|a, b| (a.w1, a.w2).cmp(&(b.w1, b.w2)).then(b.score.total_cmp(&a.score)));
        next.dedup_by(|later, kept| later.w1 == kept.w1 && later.w2 == kept.w2);
        // Only the best BEAM survive; a partial selection is enough to find them.
        if next.len() > BEAM {
            next.select_nth_unstable_by(BEAM - 1, |a, b| b.score.total_cmp(&a.score));
            next.truncate(BEAM);
        }
        next.sort_unstable_by(|a, b| b.score.total_cmp(&a.score));
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
