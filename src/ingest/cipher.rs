//! Text extracted through a broken font map: every Vietnamese letter of a font replaced
//! by the same wrong character all through the document ("ViÇt Nam", "hÍc sinh",
//! "n(cid:3)m", "Vi\u{3}t") while ASCII letters came through. The substitution is solved
//! per document: each foreign symbol (a character Vietnamese text does not use, a control
//! character, a `(cid:N)`) gets the Vietnamese letter that makes the document's words
//! read best — valid syllables, then frequent words in the language model — by
//! coordinate ascent over the symbols, most frequent first.
//!
//! **Invariant:** [`decipher`] returns text only when the document had foreign symbols
//! in a good share of its words and the deciphered text has clearly more valid syllables
//! ([`Quality`](super::legacy::Quality)); text without foreign symbols is never touched.

use std::collections::HashMap;

use super::legacy::{self, Quality};

/// Share of words with a foreign symbol above which a document is deciphered.
const MIN_FOREIGN_WORDS: f64 = 0.05;
/// Words needed to judge.
const MIN_WORDS: usize = 30;
/// Gain in valid-syllable share the deciphered text must show, and the share it must reach.
const MIN_GAIN: f64 = 0.15;
const MIN_VALID: f64 = 0.6;
/// Word types scored per symbol and candidate (the most frequent).
const MAX_TYPES: usize = 80;
const PASSES: usize = 3;
/// More distinct symbols than this is another script (Chinese, Russian), not Vietnamese
/// letters through a broken map (at most 134 of them, plus a few signs).
const MAX_SYMBOLS: usize = 160;
/// `(cid:N)` codes become private-use characters from here while solving.
const CID_BASE: u32 = 0xF0000;

/// A deciphered document.
#[derive(Debug, Clone)]
pub struct Deciphered {
    pub text: String,
    /// Symbols replaced.
    pub symbols: usize,
    pub before: Quality,
    pub after: Quality,
}

/// The Vietnamese letters outside ASCII (lower case): the candidates for a foreign
/// symbol. Its case is decided afterwards by the words it stands in ([`upper_case`]).
const TARGETS: &str = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ";
const TARGETS_UPPER: &str = "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ";

/// A character Vietnamese text in Unicode does not use (inside a word).
fn is_foreign(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control() && !matches!(c, '\n' | '\r' | '\t');
    }
    !(TARGETS.contains(c)
        || TARGETS_UPPER.contains(c)
        || c.is_whitespace()
        || "“”‘’–—…°§•·«»©®€".contains(c)
        || (c as u32) >= 0x2000 && (c as u32) < 0x2070)
}

/// `(cid:N)` → a private-use character, so each code is one symbol.
fn encode_cids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("(cid:") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 5..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match (
            after[..digits].parse::<u32>(),
            after[digits..].starts_with(')'),
        ) {
            (Ok(n), true) if n < 0xFFFD => {
                out.push(char::from_u32(CID_BASE + n).unwrap_or('\u{FFFD}'));
                rest = &after[digits + 1..];
            }
            _ => {
                out.push_str("(cid:");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn word_score(word: &str, model: Option<&crate::repair::Model>) -> f64 {
    let mut score = 0.0;
    for part in word
        .split(|c: char| !c.is_alphabetic())
        .filter(|p| !p.is_empty())
    {
        let lower = part.to_lowercase();
        if crate::vn::syllable::is_syllable(&lower) {
            score += 2.0;
            if let Some(m) = model {
                let f = crate::repair::word_log10_frequency(m, part).unwrap_or(-9.0);
                score += 0.2 * f64::from(f.max(-9.0));
            }
        } else {
            score -= 2.0;
        }
    }
    score
}

/// Whether symbol `s` stands for a capital, by vote over its occurrences: in a word whose
/// other (ASCII) letters are all capitals, or first in a word that starts a sentence or
/// follows a capitalised word ("Trung Ương"), it votes for a capital; anywhere else for
/// a small letter.
fn upper_case(s: char, text: &str) -> bool {
    let (mut upper, mut lower) = (0u32, 0u32);
    let mut prev: Option<&str> = None;
    for token in text.split_whitespace() {
        let core = token.trim_matches(|c: char| c.is_ascii_punctuation());
        for (i, c) in core.chars().enumerate() {
            if c != s {
                continue;
            }
            let others: Vec<char> = core.chars().filter(char::is_ascii_alphabetic).collect();
            let capitalised_before = prev.is_none_or(|p| {
                p.ends_with(['.', ':', '!', '?'])
                    || p.chars().next().is_some_and(char::is_uppercase)
            });
            if !others.is_empty() && others.iter().all(char::is_ascii_uppercase)
                || i == 0 && capitalised_before
            {
                upper += 1;
            } else {
                lower += 1;
            }
        }
        prev = Some(token);
    }
    upper > lower
}

/// Deciphers `text` if it reads as Vietnamese through a broken font map; see the module
/// docs.
pub fn decipher(text: &str) -> Option<Deciphered> {
    let encoded = encode_cids(text);
    let before = legacy::quality(text);
    // Word types (runs between spaces, punctuation trimmed) with counts.
    let mut types: HashMap<&str, u32> = HashMap::new();
    for token in encoded.split_whitespace() {
        let core = token.trim_matches(|c: char| c.is_ascii_punctuation());
        if !core.is_empty() {
            *types.entry(core).or_insert(0) += 1;
        }
    }
    let words: u32 = types.values().sum();
    let foreign_words: u32 = types
        .iter()
        .filter(|(w, _)| w.chars().any(is_foreign))
        .map(|(_, n)| n)
        .sum();
    if (words as usize) < MIN_WORDS
        || f64::from(foreign_words) < MIN_FOREIGN_WORDS * f64::from(words)
    {
        return None;
    }
    // Symbols by frequency, and the most frequent word types of each.
    let mut freq: HashMap<char, u32> = HashMap::new();
    for (w, n) in &types {
        for c in w.chars().filter(|&c| is_foreign(c)) {
            *freq.entry(c).or_insert(0) += n;
        }
    }
    if freq.len() > MAX_SYMBOLS {
        return None;
    }
    let mut symbols: Vec<(char, u32)> = freq.into_iter().collect();
    symbols.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut by_symbol: HashMap<char, Vec<(Vec<char>, u32)>> = HashMap::new();
    let mut sorted: Vec<(&str, u32)> = types.iter().map(|(w, n)| (*w, *n)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (w, n) in &sorted {
        let chars: Vec<char> = w.chars().collect();
        for &(s, _) in &symbols {
            if chars.contains(&s) {
                let list = by_symbol.entry(s).or_default();
                if list.len() < MAX_TYPES && list.last().is_none_or(|l| l.0 != chars) {
                    list.push((chars.clone(), *n));
                }
            }
        }
    }
    let model = crate::repair::model().as_ref().ok();
    let targets: Vec<char> = TARGETS.chars().collect();
    // Unsolved symbols read as a letter that makes no syllable.
    let mut map: HashMap<char, char> = symbols.iter().map(|&(s, _)| (s, 'q')).collect();
    let decode = |chars: &[char], map: &HashMap<char, char>| -> String {
        chars.iter().map(|c| *map.get(c).unwrap_or(c)).collect()
    };
    for _ in 0..PASSES {
        let mut changed = false;
        for &(s, _) in &symbols {
            let list = &by_symbol[&s];
            let mut best = (f64::MIN, map[&s]);
            for &t in &targets {
                map.insert(s, t);
                let score: f64 = list
                    .iter()
                    .map(|(w, n)| f64::from(*n) * word_score(&decode(w, &map), model))
                    .sum();
                if score > best.0 {
                    best = (score, t);
                }
            }
            changed |= best.1 != map[&s];
            map.insert(s, best.1);
        }
        if !changed {
            break;
        }
    }
    for &(s, _) in &symbols {
        if upper_case(s, &encoded) {
            let t = map[&s];
            map.insert(s, t.to_uppercase().next().unwrap_or(t));
        }
    }
    let out: String = encoded
        .chars()
        .map(|c| match map.get(&c) {
            Some(&t) => t,
            None => c,
        })
        .collect();
    let after = legacy::quality(&out);
    (after.valid >= MIN_VALID && after.valid >= before.valid + MIN_GAIN).then_some(Deciphered {
        text: out,
        symbols: symbols.len(),
        before,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_untouched() {
        let text = "Thực hiện Quyết định số 600 của UBND tỉnh Gia Lai về việc ban hành Kế hoạch cải cách hành chính năm 2024 của tỉnh, Ủy ban nhân dân huyện xây dựng Kế hoạch triển khai thực hiện như sau. ".repeat(3);
        assert!(decipher(&text).is_none());
    }

    #[test]
    fn other_scripts_untouched() {
        let text = "Москва является столицей России и крупнейшим городом страны. ".repeat(10);
        assert!(decipher(&text).is_none());
        let text = "中华人民共和国国务院关于印发通知的决定和意见。 ".repeat(20);
        assert!(decipher(&text).is_none());
    }

    #[test]
    fn cids_become_symbols() {
        assert_eq!(encode_cids("n(cid:3)m (cid:x)"), "n\u{F0003}m (cid:x)");
    }
}
