//! Stage 2: Vietnamese text repair (diacritic restoration, OCR damage).
//!
//! [`repair`] takes NFC text whose Vietnamese may have lost its marks ("Cong tac
//! cai cach") or been read by an OCR engine that did not know Vietnamese ("vin
//! ban", "S&", "PIEU HANH") and returns the text repaired, with how much it
//! changed and how far to trust it ([`Repaired`]).
//!
//! The pieces, each in its own module (the syllable grammar, onset × rhyme × tone, is
//! shared knowledge: `vn::syllable`):
//! * `token`: splits a line into token cores and classifies them (word, number,
//!   document code, URL); only words are decoded.
//! * `language`: English and French lines and runs of words, left alone.
//! * `lm`: the syllable trigram model with per-context backoff weights, packed in
//!   `corpus/models/repair-lm.bin`.
//! * `channel`: the OCR channel learned from rendered-and-OCR'd text
//!   (`corpus/models/ocr-channel.tsv`, `ocr-lexicon.tsv`).
//! * `misread`: what `tesseract -l vie` writes for what (`corpus/models/ocr-vie-channel.tsv`):
//!   valid-looking words with a mark dropped or swapped.
//! * `readings`: the candidates of frequent tokens in damaged lines, computed
//!   ahead of time by training (`corpus/models/ocr-readings.bin`).
//! * `decode`: per-line damage detection, beam Viterbi over candidates, and the
//!   document cache that a second pass mixes into the LM.
//! * `train`: rebuilds the model from clean text (`vanban-train`).
//!
//! **Invariants:** line `n` of the output is line `n` of the input; tabs and all
//! whitespace are kept byte for byte; only token cores change. Repair never
//! panics: with the model missing it falls back to NFC plus tone placement and
//! says so in `warnings`.
//!
//! ```
//! let r = vanban::repair::repair("Cong tac cai cach hanh chinh nam 2023");
//! assert_eq!(r.text, "Công tác cải cách hành chính năm 2023");
//! assert_eq!(r.diacritics.as_str(), "restored");
//! ```

mod acronym;
mod channel;
mod decode;
mod glue;
mod language;
mod lm;
mod misread;
mod readings;
mod token;
pub mod train;

use rustc_hash::FxHashMap as HashMap;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::model::Diacritics;
use crate::text::{fold, to_nfc};
use crate::vn::syllable;

pub(crate) const LM_FILE: &str = "repair-lm.bin";
pub(crate) const CODES_FILE: &str = "code-parts.tsv";
pub(crate) const NAMES_FILE: &str = "name-words.tsv";
pub const CHANNEL_FILE: &str = "ocr-channel.tsv";
pub const LEXICON_FILE: &str = "ocr-lexicon.tsv";
pub const READINGS_FILE: &str = "ocr-readings.bin";
pub(crate) const MISREADS_FILE: &str = "ocr-vie-channel.tsv";

/// Why the repair models could not be loaded; repair then falls back, with a warning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a vanban language model")]
    NotModel,
    #[error("truncated model")]
    Truncated,
    #[error("{0}: not built into this binary")]
    NotEmbedded(String),
    /// A vocabulary word is not UTF-8.
    #[error("{0}")]
    Word(#[from] std::str::Utf8Error),
}

/// Repaired text plus what repair did.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub text: String,
    /// Tokens rewritten (tone-placement normalisation alone does not count).
    pub repaired_tokens: u64,
    pub diacritics: Diacritics,
    /// 0..1: mean probability of the chosen reading over decoded tokens (1 when
    /// nothing needed decoding).
    pub confidence: f64,
    pub warnings: Vec<String>,
}

/// The loaded models.
pub struct Model {
    lm: lm::Lm,
    channel: channel::Channel,
    trie: channel::Trie,
    /// Folded word ("dieu") → vocabulary ids with those letters ("điều", "diều", …).
    fold_index: HashMap<String, Vec<u32>>,
    /// Per word id, its fold class ([`lm::fold_classes`]).
    word_class: Vec<u32>,
    /// Known upper-case code parts and Đ-bearing short codes with counts ("NĐ", "UBND", "Đ/c").
    code_parts: HashMap<String, u32>,
    /// Đ-bearing short codes by their form with D: "D/c" → ("Đ/c", count).
    code_forms: HashMap<String, (String, u32)>,
    /// Known code parts by their form with every Đ read as D, to the form the
    /// corpus writes most: "BCD" → "BCĐ", "UBND" → "UBND".
    part_forms: HashMap<String, String>,
    /// Per word id: its share of the words in persons' names ("Lê", "Minh",
    /// "Tuấn"; unknown words count as [`lm::UNK`]).
    name_prob: Vec<f32>,
    /// Candidates of frequent tokens in damaged lines, computed ahead of time.
    readings: readings::Readings,
    /// How `tesseract -l vie` misreads one letter as another.
    misreads: misread::Misreads,
    /// [`readings::fingerprint`] of the model files the readings depend on.
    fingerprint: u64,
    /// Fingerprint of every file loaded: outputs made with another model are stale.
    version: String,
}

/// Ð (U+00D0), which OCR writes for or after Đ (U+0110); Vietnamese never has it.
const ETH: char = '\u{d0}';

/// Vocabulary words rarer than this are not proposed as corrections.
const MIN_PROPOSE: u32 = 3;

impl Model {
    /// Loads the models from a directory holding the files named by the consts above.
    pub fn load(dir: &Path) -> Result<Model, ModelError> {
        Self::from_files(|f| {
            let path = dir.join(f);
            std::fs::read(&path)
                .map(Cow::Owned)
                .map_err(|source| ModelError::Io { path, source })
        })
    }

    /// Builds the model from the files `read` returns by name.
    fn from_files(
        read: impl Fn(&str) -> Result<Cow<'static, [u8]>, ModelError>,
    ) -> Result<Model, ModelError> {
        // Every file read feeds the version, in a fixed order.
        let version = RefCell::new(Sha256::new());
        let read = |f: &str| {
            let bytes = read(f)?;
            let mut v = version.borrow_mut();
            v.update(f.as_bytes());
            v.update(&bytes);
            Ok::<_, ModelError>(bytes)
        };
        let (lm_bytes, chan_bytes, lex_bytes) =
            (read(LM_FILE)?, read(CHANNEL_FILE)?, read(LEXICON_FILE)?);
        let (lm, fingerprint) = rayon::join(
            || lm::Lm::read(&lm_bytes),
            || readings::fingerprint(&[&lm_bytes, &chan_bytes, &lex_bytes]),
        );
        let lm = lm?;
        let text = |f: &str| read(f).map(|b| String::from_utf8_lossy(&b).into_owned());
        let channel = channel::Channel::parse(
            &String::from_utf8_lossy(&chan_bytes),
            &String::from_utf8_lossy(&lex_bytes),
            &lm,
        );
        // Without the file (a model being trained) every token is searched.
        let readings = read(READINGS_FILE).map_or_else(
            |_| readings::Readings::default(),
            |b| readings::Readings::parse(&b, fingerprint),
        );
        let trie = channel::Trie::build(&lm, MIN_PROPOSE);
        let mut fold_index: HashMap<String, Vec<u32>> = HashMap::default();
        for (id, (w, &c)) in lm
            .words
            .iter()
            .zip(&lm.counts)
            .enumerate()
            .skip(lm::FIRST_WORD as usize)
        {
            if c >= MIN_PROPOSE {
                fold_index.entry(fold(w)).or_default().push(id as u32);
            }
        }
        let word_class = lm::fold_classes(&lm.words);
        let code_parts: HashMap<String, u32> = text(CODES_FILE)?
            .lines()
            .filter_map(|l| {
                let (p, c) = l.split_once('\t')?;
                Some((p.to_string(), c.parse().ok()?))
            })
            .collect();
        let mut code_forms: HashMap<String, (String, u32)> = HashMap::default();
        for (p, &c) in code_parts
            .iter()
            .filter(|(p, _)| p.contains(['/', '-']) && p.contains(['Đ', 'đ']))
        {
            let e = code_forms
                .entry(without_d_stroke(p))
                .or_insert((p.clone(), 0));
            if c > e.1 {
                *e = (p.clone(), c);
            }
        }
        let mut best: HashMap<String, (String, u32)> = HashMap::default();
        for (p, &c) in code_parts.iter().filter(|(p, _)| !p.contains(['/', '-'])) {
            let e = best.entry(without_d_stroke(p)).or_insert((p.clone(), 0));
            if (c, std::cmp::Reverse(p)) > (e.1, std::cmp::Reverse(&e.0)) {
                *e = (p.clone(), c);
            }
        }
        let part_forms = best
            .into_iter()
            .map(|(plain, (form, _))| (plain, form))
            .collect();
        let misreads = misread::Misreads::parse(&text(MISREADS_FILE)?);
        let names = text(NAMES_FILE)?;
        let named = names.lines().filter_map(|l| {
            let (w, c) = l.split_once('\t')?;
            Some((lm.id(w)?, c.parse::<f32>().ok()?))
        });
        let mut name_prob = vec![0.0; lm.words.len()];
        for (id, c) in named {
            name_prob[id as usize] = c;
        }
        let total = name_prob.iter().sum::<f32>().max(1.0);
        name_prob.iter_mut().for_each(|p| *p /= total);
        Ok(Model {
            lm,
            channel,
            trie,
            fold_index,
            word_class,
            code_parts,
            code_forms,
            part_forms,
            name_prob,
            readings,
            misreads,
            fingerprint,
            version: version.take().finalize()[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
    }

    /// Identifies the model files loaded (16 hex digits).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// How well two words typed without marks follow each other, whatever marks they
    /// stand for: the best log10 score of a reading of `b` after a reading of `a` at the
    /// start of a sentence ("thu tuc" as "thủ tục"). `None` when either is unknown.
    pub fn folded_pair_score(&self, a: &str, b: &str) -> Option<f32> {
        let (firsts, seconds) = (self.fold_index.get(a)?, self.fold_index.get(b)?);
        firsts
            .iter()
            .map(|&x| {
                let start = self.lm.score(lm::BOS, lm::BOS, x);
                let next = seconds
                    .iter()
                    .map(|&y| self.lm.score(lm::BOS, x, y))
                    .fold(f32::MIN, f32::max);
                start + next
            })
            .reduce(f32::max)
    }

    /// True when a vocabulary word with marks folds to `word` ("dieu" ← "điều").
    fn could_be_marked(&self, word: &str) -> bool {
        let f = fold(word);
        self.fold_index
            .get(&f)
            .is_some_and(|ids| ids.iter().any(|&i| self.lm.words[i as usize] != f))
    }

    /// "ND-CP" → "NĐ-CP": a code part is rewritten only into a known part that
    /// differs by `Đ` read as D/P/B and is far more common. In a document stripped
    /// of its marks every Đ became D, so there a part takes the form the corpus
    /// writes most, compounds are read as known parts ("TWDTNCNDT" → "TWĐTNCNĐT")
    /// and amounts get their "đ" back ("300.000d"). `None` = unchanged.
    fn repair_code(&self, code: &str, stripped: bool) -> Option<String> {
        // `tesseract -l vie` reads Đ as Đ and the look-alike eth: "QĐÐ-TTg".
        if code.contains(ETH) {
            let fixed = code.replace(&format!("Đ{ETH}"), "Đ").replace(ETH, "Đ");
            return Some(self.repair_code(&fixed, stripped).unwrap_or(fixed));
        }
        if stripped {
            if let Some(amount) = code
                .strip_suffix('d')
                .filter(|a| a.ends_with(|c: char| c.is_ascii_digit()))
            {
                if amount
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
                {
                    return Some(format!("{amount}đ"));
                }
            }
        }
        // Whole short forms the corpus always writes with Đ ("Đ/c" for đồng chí).
        let plain = without_d_stroke(code);
        if let Some((form, n)) = self.code_forms.get(&plain) {
            let own = self.code_parts.get(code).copied().unwrap_or(0);
            let enough = if stripped {
                *n > own
            } else {
                *n >= 10 * own.max(2)
            };
            if *form != code && enough {
                return Some(form.clone());
            }
        }
        let mut out = String::with_capacity(code.len() + 4);
        let mut changed = false;
        for piece in code.split_inclusive(['/', '-']) {
            let part = piece.trim_end_matches(['/', '-']);
            let fixed = if stripped {
                self.restore_part(part)
            } else {
                self.fix_code_part(part)
            };
            changed |= fixed.is_some();
            out.push_str(fixed.as_deref().unwrap_or(part));
            out.push_str(&piece[part.len()..]);
        }
        changed.then_some(out)
    }

    /// An upper-case part of a stripped document read as the known parts it is
    /// made of, longest first, each in its most common written form.
    fn restore_part(&self, part: &str) -> Option<String> {
        let start = part.find(|c: char| !c.is_ascii_digit())?;
        let (digits, letters) = part.split_at(start);
        if letters.len() < 2
            || !letters.contains('D')
            || !letters.chars().all(|c| c.is_ascii_uppercase())
        {
            return None;
        }
        let mut out = String::from(digits);
        let mut at = 0;
        while at < letters.len() {
            let known = (at + 2..=letters.len())
                .rev()
                .find_map(|end| self.part_forms.get(&letters[at..end]).map(|f| (end, f)));
            match known {
                Some((end, form)) => {
                    out.push_str(form);
                    at = end;
                }
                None => {
                    out.push_str(&letters[at..at + 1]);
                    at += 1;
                }
            }
        }
        (out != part).then_some(out)
    }

    fn fix_code_part(&self, part: &str) -> Option<String> {
        if part.len() < 2 || !part.chars().all(|c| c.is_ascii_uppercase()) {
            return None;
        }
        let own = self.code_parts.get(part).copied().unwrap_or(0);
        let read_as_d = |k: char, p: char| k == p || (k == 'Đ' && "DPB".contains(p));
        self.code_parts
            .iter()
            .filter(|(k, &c)| {
                c >= 10 * own.max(1)
                    && k.chars().count() == part.len()
                    && k.contains('Đ')
                    && k.chars().zip(part.chars()).all(|(k, p)| read_as_d(k, p))
            })
            .max_by_key(|(k, &c)| (c, std::cmp::Reverse((*k).clone())))
            .map(|(k, _)| k.clone())
    }
}

/// `text` with Đ/đ written as D/d, as a stripped document has it.
fn without_d_stroke(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'Đ' => 'D',
            'đ' => 'd',
            c => c,
        })
        .collect()
}

/// log10 relative frequency of a word (any case, any tone placement) in the language
/// model, `None` when unknown. For readers outside repair that weigh readings of a word.
pub(crate) fn word_log10_frequency(m: &Model, word: &str) -> Option<f32> {
    m.lm.id(&word_key(word)).map(|w| m.lm.unigram(w))
}

/// The lower-case, tone-normalised form a word is looked up by.
pub(crate) fn word_key(core: &str) -> String {
    syllable::normalize(&core.to_lowercase())
}

/// One entry per model file under `corpus/models/`: a model added later is one line.
macro_rules! embedded {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/models/", $file)))),*]
    };
}

/// The model files built into the binary, by name; `$VANBAN_MODELS` overrides them all.
pub(crate) const EMBEDDED: &[(&str, &[u8])] = embedded![
    "repair-lm.bin",
    "code-parts.tsv",
    "name-words.tsv",
    "ocr-channel.tsv",
    "ocr-lexicon.tsv",
    "ocr-readings.bin",
    "ocr-vie-channel.tsv",
    "glyph-refs.bin",
    "digits.bin",
];

fn embedded_file(name: &str) -> Result<Cow<'static, [u8]>, ModelError> {
    EMBEDDED
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, bytes)| Cow::Borrowed(*bytes))
        .ok_or_else(|| ModelError::NotEmbedded(name.to_string()))
}

/// One model file: from `$VANBAN_MODELS` when set, else the copy built into the binary.
pub(crate) fn model_file(name: &str) -> Result<Cow<'static, [u8]>, ModelError> {
    match std::env::var_os("VANBAN_MODELS") {
        Some(dir) => {
            let path = Path::new(&dir).join(name);
            std::fs::read(&path)
                .map(Cow::Owned)
                .map_err(|source| ModelError::Io { path, source })
        }
        None => embedded_file(name),
    }
}

/// The models, loaded once from `$VANBAN_MODELS` when set, else from the copies built
/// into the binary; `Err` says why they cannot be used.
pub fn model() -> &'static Result<Model, ModelError> {
    static MODEL: OnceLock<Result<Model, ModelError>> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_files(model_file))
}

/// Repairs a whole text; see the module docs.
pub fn repair(text: &str) -> Repaired {
    let nfc = to_nfc(text);
    match model() {
        Ok(m) => repair_with(m, &nfc),
        Err(e) => fallback(&nfc, &e.to_string()),
    }
}

/// Repairs with an explicit model.
pub(crate) fn repair_with(m: &Model, text: &str) -> Repaired {
    let (unglued, mut changed) = glue::split_document(m, text);
    let lines: Vec<&str> = unglued.iter().map(|l| l.as_ref()).collect();
    let n = lines.len();
    let mut dec = decode::Decoder::new(m, lines);
    let mut results: Vec<decode::LineResult> = (0..n).map(|i| dec.line(i, &[])).collect();
    // Second pass over unsure lines with the document's own confident words mixed in.
    if results.iter().any(|r| r.unsure) {
        dec.second_pass();
        for i in 0..n {
            if results[i].unsure {
                dec.continue_after(i.checked_sub(1).map(|p| &results[p]));
                results[i] = dec.line(i, &std::mem::take(&mut results[i].pins));
            }
        }
    }
    if dec.stripped() {
        let mut lines: Vec<String> = results
            .iter_mut()
            .map(|r| std::mem::take(&mut r.text))
            .collect();
        changed += acronym::restore(&mut lines);
        results.iter_mut().zip(lines).for_each(|(r, l)| r.text = l);
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let (mut damaged_lines, mut decoded, mut unknown) = (0u64, 0u64, 0u64);
    let mut conf_sum = 0.0;
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&r.text);
        changed += r.changed;
        damaged_lines += u64::from(r.damaged);
        decoded += r.decoded;
        unknown += r.unknown;
        conf_sum += r.conf_sum;
    }
    let confidence = if decoded == 0 {
        1.0
    } else {
        conf_sum / decoded as f64
    };
    let diacritics = match (changed, decoded) {
        (0, _) => Diacritics::Intact,
        (_, d) if d > 0 && (unknown as f64 / d as f64) < 0.05 && confidence >= 0.85 => {
            Diacritics::Restored
        }
        _ => Diacritics::Partial,
    };
    let mut warnings = Vec::new();
    if diacritics == Diacritics::Partial {
        warnings.push(format!(
            "repair: {damaged_lines} damaged lines, {unknown} of {decoded} decoded tokens left unknown, confidence {confidence:.2}"
        ));
    }
    Repaired {
        text: out,
        repaired_tokens: changed,
        diacritics,
        confidence,
        warnings,
    }
}

/// `text` with every Vietnamese syllable in this project's tone placement ("hoà" →
/// "hòa"); nothing else changes.
pub fn normalize_tones(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let mut s = String::with_capacity(line.len());
            let mut at = 0;
            for t in token::tokenize(line) {
                s.push_str(&line[at..t.start]);
                s.push_str(&syllable::normalize(&line[t.start..t.end]));
                at = t.end;
            }
            s.push_str(&line[at..]);
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Repair turned off (`--no-repair`) or no model: NFC and tone placement only.
pub fn unrepaired(text: &str) -> Repaired {
    Repaired {
        text: normalize_tones(&to_nfc(text)),
        repaired_tokens: 0,
        diacritics: Diacritics::Intact,
        confidence: 0.5,
        warnings: Vec::new(),
    }
}

/// No model: [`unrepaired`], with a warning saying why.
fn fallback(text: &str, why: &str) -> Repaired {
    let mut r = unrepaired(text);
    r.warnings.push(format!(
        "repair model unavailable ({why}); only normalised NFC and tone placement"
    ));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_pairs_tell_a_real_word_typed_wrong() {
        let m = model().as_ref().expect("model");
        let pair = |(a, b)| m.folded_pair_score(a, b).expect("known words");
        // (typed, a rival one letter away, whether the rival reads a hundred times better)
        for (typed, rival, better) in [
            (("thi", "tuc"), ("thu", "tuc"), true),
            (("dich", "vi"), ("dich", "vu"), true),
            (("truc", "tuyen"), ("thuc", "tuyen"), false),
            (("thu", "tuc"), ("thi", "tuc"), false),
        ] {
            let (own, other) = (pair(typed), pair(rival));
            assert_eq!(
                other >= own + 2.0,
                better,
                "{typed:?} {own} vs {rival:?} {other}"
            );
        }
        assert_eq!(m.folded_pair_score("xqz", "tuc"), None);
    }

    /// Every file in `corpus/models/` but the split lists and notes is built into the binary.
    #[test]
    fn every_model_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/models");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if !name.ends_with(".list") && !name.ends_with(".md") {
                assert!(EMBEDDED.iter().any(|(f, _)| *f == name), "{name}");
            }
        }
    }

    #[test]
    fn embedded_model_is_the_source_tree_model() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/models");
        let (built_in, on_disk) = (
            Model::from_files(embedded_file).unwrap(),
            Model::load(&dir).unwrap(),
        );
        assert_eq!(built_in.version(), on_disk.version());
    }

    #[test]
    fn missing_model_is_an_error_not_a_panic() {
        assert!(Model::load(std::path::Path::new("/nonexistent/vanban-models")).is_err());
    }

    #[test]
    fn fallback_normalises_tones_and_warns() {
        let r = fallback("Hoà bình\n\tthuỷ lợi", "test");
        assert_eq!(r.text, "Hòa bình\n\tthủy lợi");
        assert_eq!(r.warnings.len(), 1);
    }

    /// The shipped table gives what the search gives now: a change to the
    /// candidates' code needs `vanban-train` to write the table again.
    #[test]
    fn shipped_readings_are_what_the_search_finds() {
        let m = model().as_ref().expect("model");
        assert!(
            m.readings.iter().count() > 10_000,
            "corpus/models/{READINGS_FILE} is missing or stale"
        );
        for (token, cands) in m.readings.iter() {
            assert_eq!(
                cands,
                &decode::token_candidates(m, token, false)[..],
                "{token}"
            );
        }
        let dugc = m.readings.get("dugc").expect("a lexicon form");
        assert_eq!(m.lm.words[dugc[0].ids[0] as usize], "được");
    }
}
