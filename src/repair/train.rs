//! Builds the language model and the table of known document-code parts from a
//! directory of clean text (run by the `vanban-train` bin; never by tests).
//!
//! Deterministic: files are read in sorted path order and every table is sorted
//! before writing, so the same text gives byte-identical models.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use super::decode::token_candidates;
use super::lm::{self, key, quantise, LmData};
use super::readings::{Cand, Readings};
use super::token::{is_acronym, name_positions, punct_before, tokenize, Case, Kind};
use super::{word_key, ModelError};

/// Pruning thresholds.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub min_word: u32,
    pub min_bigram: u32,
    pub min_trigram: u32,
    /// Files whose path contains the string count this many times: the few
    /// in-domain administrative documents weigh against the much larger law corpus.
    pub boost: Vec<(String, u32)>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            min_word: 2,
            min_bigram: 2,
            min_trigram: 2,
            boost: Vec::new(),
        }
    }
}

/// What training produced, ready to write.
pub struct Trained {
    pub lm: LmData,
    /// Upper-case code parts ("NĐ", "QĐ", "UBND") with counts.
    pub code_parts: Vec<(String, u32)>,
    /// Vocabulary words used in persons' names (`name_positions`), with weighted
    /// counts; the unknown ones are counted as `<unk>`.
    pub name_words: Vec<(String, u32)>,
    pub files: usize,
    pub tokens: u64,
}

/// All `.txt`/`.md` files under `roots`, sorted, minus those whose path ends with
/// an entry of `exclude` ("admin/x.txt").
pub fn collect_files(roots: &[PathBuf], exclude: &[String]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = roots.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if p.extension().is_some_and(|e| e == "txt" || e == "md") {
            let s = p.to_string_lossy();
            if !exclude.iter().any(|x| s.ends_with(&format!("/{x}"))) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Counts the corpus and prunes it into a model.
pub fn train(files: &[PathBuf], cfg: &TrainConfig) -> Trained {
    let mut interned: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut seq: Vec<u32> = Vec::new(); // temp ids, u32::MAX ends a line
    let mut code_parts: HashMap<String, u32> = HashMap::new();
    // Per temp id: (seen inside a sentence, of which capitalised).
    let mut mid: Vec<(u32, u32)> = Vec::new();
    // Per temp id: weighted count of uses in a person's name.
    let mut named: Vec<u32> = Vec::new();
    const NUM_T: u32 = u32::MAX - 1;
    const CODE_T: u32 = u32::MAX - 2;
    const UNK_T: u32 = u32::MAX - 3;
    const PUNCT_T: u32 = u32::MAX - 4;
    // (start in seq, weight) per file.
    let mut weights: Vec<(usize, u32)> = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let path = f.to_string_lossy();
        let w = cfg
            .boost
            .iter()
            .filter(|(s, _)| path.contains(s.as_str()))
            .map(|(_, w)| *w)
            .max()
            .unwrap_or(1);
        weights.push((seq.len(), w));
        let text: String = String::from_utf8_lossy(&bytes).nfc().collect();
        let mut name_open = 0;
        for line in text.lines() {
            let mut prev_end = None;
            let toks = tokenize(line);
            let punct = punct_before(line, &toks);
            for ((t, in_name), punct) in toks
                .iter()
                .zip(name_positions(line, &toks, &mut name_open))
                .zip(punct)
            {
                let inside = prev_end.is_some_and(|e: usize| {
                    line[e..t.start].trim().is_empty() || line[e..t.start].trim() == ","
                });
                prev_end = Some(t.end);
                let core = &line[t.start..t.end];
                let id = match t.kind {
                    Kind::Word => {
                        let k = word_key(core);
                        let id = if k.len() > 40 {
                            UNK_T
                        } else if let Some(&id) = interned.get(&k) {
                            id
                        } else {
                            let id = names.len() as u32;
                            interned.insert(k.clone(), id);
                            names.push(k);
                            mid.push((0, 0));
                            named.push(0);
                            id
                        };
                        if in_name && id != UNK_T {
                            named[id as usize] += w;
                        }
                        if inside && id != UNK_T {
                            mid[id as usize].0 += 1;
                            mid[id as usize].1 += u32::from(Case::of(core) == Case::Title);
                        }
                        if is_acronym(core) {
                            *code_parts.entry(core.to_string()).or_default() += 1;
                        }
                        id
                    }
                    Kind::Number => NUM_T,
                    Kind::Code => {
                        if core.contains(['Đ', 'đ'])
                            && core.chars().count() <= 8
                            && !core.contains(|c: char| c.is_ascii_digit())
                        {
                            *code_parts.entry(core.to_string()).or_default() += 1;
                        }
                        for part in core.split(['/', '-', '.']) {
                            if part.chars().count() >= 2 && part.chars().all(|c| c.is_uppercase()) {
                                *code_parts.entry(part.to_string()).or_default() += 1;
                            }
                        }
                        CODE_T
                    }
                    Kind::Url | Kind::Other => continue,
                };
                if punct {
                    seq.push(PUNCT_T);
                }
                seq.push(id);
            }
            seq.push(u32::MAX);
        }
    }
    let weight_at = |i: usize| weights[weights.partition_point(|&(s, _)| s <= i) - 1].1;
    let mut tcount = vec![0u32; names.len()];
    for (i, &t) in seq.iter().enumerate() {
        if (t as usize) < names.len() {
            tcount[t as usize] += weight_at(i);
        }
    }
    // A form far rarer than another with the same letters is a typo of it in
    // general text ("biêu" 24 times beside "biểu" 64 558): kept, it would read as a
    // word where OCR dropped a mark.
    let mut head: HashMap<String, u32> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        let e = head.entry(crate::text::fold(n)).or_default();
        *e = (*e).max(tcount[i]);
    }
    // Final ids: reserved, then kept words by descending count (ties by string).
    let mut kept: Vec<usize> = (0..names.len())
        .filter(|&i| {
            tcount[i] >= cfg.min_word
                && u64::from(tcount[i]) * RARE_FORM
                    >= u64::from(head[&crate::text::fold(&names[i])])
        })
        .collect();
    kept.sort_by(|&a, &b| tcount[b].cmp(&tcount[a]).then(names[a].cmp(&names[b])));
    kept.truncate((1 << lm::ID_BITS) - lm::FIRST_WORD as usize - 1);
    let mut remap = vec![lm::UNK; names.len()];
    let mut words: Vec<String> = lm::reserved().map(String::from).collect();
    let mut counts = vec![0u32; words.len()];
    let mut title = vec![128u8; words.len()];
    for (n, &i) in kept.iter().enumerate() {
        remap[i] = lm::FIRST_WORD + n as u32;
        words.push(names[i].clone());
        counts.push(tcount[i]);
        // Add-one smoothed share of capitalised uses inside sentences.
        let (seen, cap) = mid[i];
        title.push((255.0 * (f64::from(cap) + 0.5) / (f64::from(seen) + 1.0)).round() as u8);
    }
    let mut uni = vec![0u32; words.len()];
    let mut bi: HashMap<u64, u32> = HashMap::new();
    let mut tri: HashMap<u64, u32> = HashMap::new();
    let (mut w1, mut w2) = (lm::BOS, lm::BOS);
    let mut tokens = 0u64;
    for (i, &t) in seq.iter().enumerate() {
        let wt = weight_at(i);
        let w = match t {
            u32::MAX => {
                (w1, w2) = (lm::BOS, lm::BOS);
                continue;
            }
            NUM_T => lm::NUM,
            PUNCT_T => lm::PUNCT,
            CODE_T => lm::CODE,
            UNK_T => lm::UNK,
            t => remap[t as usize],
        };
        tokens += 1;
        uni[w as usize] += wt;
        *bi.entry(key(0, w2, w)).or_default() += wt;
        *tri.entry(key(w1, w2, w)).or_default() += wt;
        (w1, w2) = (w2, w);
    }
    // Context counts: a bigram's context is its first word, a trigram's its bigram.
    uni[lm::BOS as usize] = bi
        .iter()
        .filter(|(&k, _)| (k >> lm::ID_BITS) == u64::from(lm::BOS))
        .map(|(_, &c)| c)
        .sum();
    // Per context: (times followed by a word, distinct words that followed).
    let mut tri_ctx: HashMap<u64, (u32, u32)> = HashMap::new();
    for (&k, &c) in &tri {
        let e = tri_ctx.entry(k >> lm::ID_BITS).or_default();
        *e = (e.0 + c, e.1 + 1);
    }
    let mut bi_types = vec![0u32; words.len()];
    for &k in bi.keys() {
        bi_types[((k >> lm::ID_BITS) & ((1 << lm::ID_BITS) - 1)) as usize] += 1;
    }
    let bows: Vec<u8> = uni
        .iter()
        .zip(&bi_types)
        .map(|(&c, &n)| witten_bell(c, n))
        .collect();
    let mut bigrams: Vec<(u64, u8, u8)> = bi
        .iter()
        .filter(|&(_, &c)| c >= cfg.min_bigram)
        .map(|(&k, &c)| {
            let ctx = uni[((k >> lm::ID_BITS) & ((1 << lm::ID_BITS) - 1)) as usize].max(c);
            let (after, types) = tri_ctx.get(&k).copied().unwrap_or_default();
            (
                k,
                quantise((f64::from(c) / f64::from(ctx)).log10()),
                witten_bell(after, types),
            )
        })
        .collect();
    bigrams.sort_unstable();
    let mut trigrams: Vec<(u64, u8)> = tri
        .iter()
        .filter(|&(_, &c)| c >= cfg.min_trigram)
        .map(|(&k, &c)| {
            (
                k,
                quantise((f64::from(c) / f64::from(tri_ctx[&(k >> lm::ID_BITS)].0)).log10()),
            )
        })
        .collect();
    trigrams.sort_unstable();
    counts[lm::NUM as usize] = uni[lm::NUM as usize];
    counts[lm::CODE as usize] = uni[lm::CODE as usize];
    counts[lm::PUNCT as usize] = uni[lm::PUNCT as usize];
    counts[lm::UNK as usize] = uni[lm::UNK as usize].max(1);
    let weighted: Vec<(u32, u32)> = seq
        .iter()
        .enumerate()
        .map(|(i, &t)| match t {
            u32::MAX => (u32::MAX, 0),
            NUM_T | CODE_T | UNK_T | PUNCT_T => (lm::UNK, 0),
            t if remap[t as usize] == lm::UNK => (lm::UNK, 0),
            t => (remap[t as usize], weight_at(i)),
        })
        .collect();
    let context = context_pairs(&weighted, &words);
    let mut code_parts: Vec<(String, u32)> =
        code_parts.into_iter().filter(|(_, c)| *c >= 3).collect();
    code_parts.sort();
    let mut name_words: Vec<(String, u32)> = kept
        .iter()
        .filter(|&&i| named[i] > 0)
        .map(|&i| (names[i].clone(), named[i]))
        .collect();
    let unknown_named = (0..names.len())
        .filter(|&i| remap[i] == lm::UNK)
        .map(|i| named[i])
        .sum::<u32>();
    name_words.push((words[lm::UNK as usize].clone(), unknown_named));
    name_words.sort();
    let lm = LmData {
        words,
        counts,
        title,
        bows,
        bigrams,
        trigrams,
        context,
    };
    Trained {
        lm,
        code_parts,
        name_words,
        files: files.len(),
        tokens,
    }
}

/// A word is dropped when a word with the same letters is this many times more frequent.
const RARE_FORM: u64 = 1000;

/// Context pairs seen fewer times (unweighted) are dropped, and so are those whose
/// ratio is within this many decades of 1.
const CTX_MIN: u32 = 3;
const CTX_MIN_RATIO: f64 = 0.15;
/// Pseudo-events pulling P(context | reading) toward its fold class's.
const CTX_PRIOR: f64 = 20.0;

/// For words that share their letters with another word ("trong", "trồng"): how
/// much likelier each is than its fold class to have a word of a given fold class
/// 2 to [`lm::CONTEXT_WINDOW`] positions away (see [`lm::Lm::context`]).
/// `seq`: (final id, file weight) per token, weight 0 for what is no vocabulary
/// word; `u32::MAX` ends a line.
fn context_pairs(seq: &[(u32, u32)], words: &[String]) -> Vec<(u64, u8)> {
    let class = lm::fold_classes(words);
    let mut class_size: HashMap<u32, u32> = HashMap::new();
    for &c in class.iter().filter(|&&c| c != u32::MAX) {
        *class_size.entry(c).or_default() += 1;
    }
    let ambiguous: Vec<bool> = class
        .iter()
        .map(|c| class_size.get(c).is_some_and(|&n| n >= 2))
        .collect();
    // (reading, class nearby) → (weighted, raw) count; (class, class nearby) → weighted count.
    let mut pairs: HashMap<u64, (u64, u32)> = HashMap::new();
    let mut class_pairs: HashMap<u64, u64> = HashMap::new();
    let mut events = vec![0u64; words.len()];
    for line in seq.split(|&(t, _)| t == u32::MAX) {
        for (i, &(r, wt)) in line.iter().enumerate() {
            if wt == 0 || !ambiguous[r as usize] {
                continue;
            }
            let before = &line[i.saturating_sub(lm::CONTEXT_WINDOW)..i.saturating_sub(1)];
            let after = line
                .get(i + 2..(i + lm::CONTEXT_WINDOW + 1).min(line.len()))
                .unwrap_or(&[]);
            for &(c, _) in before.iter().chain(after).filter(|&&(_, cwt)| cwt > 0) {
                let (near, own) = (class[c as usize], class[r as usize]);
                let e = pairs.entry(key(0, r, near)).or_default();
                *e = (e.0 + u64::from(wt), e.1 + 1);
                *class_pairs.entry(key(0, own, near)).or_default() += u64::from(wt);
                events[r as usize] += u64::from(wt);
            }
        }
    }
    let mut class_events: HashMap<u32, u64> = HashMap::new();
    for (r, &n) in events.iter().enumerate().filter(|&(_, &n)| n > 0) {
        *class_events.entry(class[r]).or_default() += n;
    }
    let mask = (1u64 << lm::ID_BITS) - 1;
    let mut out: Vec<(u64, u8)> = pairs
        .iter()
        .filter(|(_, &(_, raw))| raw >= CTX_MIN)
        .filter_map(|(&k, &(n, _))| {
            let (r, near) = (((k >> lm::ID_BITS) & mask) as usize, (k & mask) as u32);
            let own = class[r];
            let p_class = class_pairs[&key(0, own, near)] as f64 / class_events[&own] as f64;
            let p = (n as f64 + CTX_PRIOR * p_class) / (events[r] as f64 + CTX_PRIOR);
            let ratio = (p / p_class).log10();
            (ratio.abs() >= CTX_MIN_RATIO).then(|| (k, lm::quantise_ratio(ratio)))
        })
        .collect();
    out.sort_unstable();
    out
}

/// Quantised log10 Witten–Bell backoff weight of a context seen `count` times
/// with `types` distinct followers (see `lm.rs`); a context never seen keeps 1.
fn witten_bell(count: u32, types: u32) -> u8 {
    if types == 0 {
        return quantise(0.0);
    }
    let share = f64::from(types) / f64::from(types + count);
    quantise((lm::BOW_SCALE * share).min(1.0).log10())
}

/// Writes `repair-lm.bin`, `code-parts.tsv` and `name-words.tsv` into `dir`.
pub fn write(t: &Trained, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut buf = Vec::new();
    lm::Lm::write(&t.lm, &mut buf);
    std::fs::write(dir.join(super::LM_FILE), buf)?;
    let tsv = |rows: &[(String, u32)]| {
        rows.iter()
            .map(|(p, c)| format!("{p}\t{c}\n"))
            .collect::<String>()
    };
    std::fs::write(dir.join(super::CODES_FILE), tsv(&t.code_parts))?;
    std::fs::write(dir.join(super::NAMES_FILE), tsv(&t.name_words))
}

/// Computes the candidates of the tokens OCR output is mostly made of (the
/// vocabulary's words, their forms without marks, the damage lexicon's forms) with the model
/// in `dir`, and writes them there as `ocr-readings.bin` (see `readings`).
/// Needs the OCR channel tables in `dir`; returns how many tokens it holds.
pub fn write_readings(dir: &Path) -> Result<usize, ModelError> {
    let m = super::Model::load(dir)?;
    let mut tokens: Vec<String> = m
        .channel
        .lexicon_forms()
        .filter(|t| t.to_lowercase() == *t)
        .map(String::from)
        .collect();
    for w in m.lm.words.iter().skip(lm::FIRST_WORD as usize) {
        tokens.extend([w.clone(), crate::text::fold(w)]);
    }
    tokens.sort_unstable();
    tokens.dedup();
    let entries: Vec<(String, Vec<Cand>)> = tokens
        .into_par_iter()
        .map(|t| {
            let c = token_candidates(&m, &t, false);
            (t, c)
        })
        .collect();
    let path = dir.join(super::READINGS_FILE);
    std::fs::write(&path, Readings::write(&entries, m.fingerprint))
        .map_err(|source| ModelError::Io { path, source })?;
    Ok(entries.len())
}
