//! Misreadings of an OCR engine that knows Vietnamese (`tesseract -l vie`).
//!
//! It drops or swaps the tone on circumflex and horn vowels ("biêu" for "biểu",
//! "cố" for "cổ") and reads "g" as "ø". What it writes still looks like
//! Vietnamese, so lines are not judged damaged; instead the decoder weighs each
//! marked word against the vocabulary words the engine could have read as it.
//!
//! The table (`corpus/models/ocr-vie-channel.tsv`, source char, observed
//! string, count) is learned from pages rendered in several faces, sizes and
//! noise levels and read by `tesseract -l vie` (`tools/ocr-channel/gen.py vie`).
//! Only one-letter-for-one-letter rows are used. Costs are −log10 P(observed
//! char | source char).

use rustc_hash::FxHashMap as HashMap;
use unicode_normalization::char::compose;

use super::lm::Lm;

/// Rows seen fewer times are noise of the alignment.
const MIN_COUNT: f64 = 2.0;
/// Cost of a tone added or swapped on a circumflex, breve or horn vowel
/// ("ể" read as "ế") when the pages did not show it: a prior set above the
/// dearest such misreading they did show (ổ → ô, 2.8).
const UNSEEN_TONE: f32 = 3.0;
/// Cost of a tone dropped from such a vowel ("ể" read as "ê") when the pages
/// did not show it: real scans lose the hook and the dots the synthetic pages
/// kept ("biêu", "triên", "đê xuât" in the dev documents), so a drop is priced
/// like the drops the pages did show (ề → ê 1.6, ố → ô 1.8).
const UNSEEN_DROP: f32 = 2.0;
/// Vowels whose tone the engine misreads most.
const TONE_PRONE: &str = "ăâêôơư";

/// The engine's letter-for-letter misreadings, by what it wrote.
#[derive(Default)]
pub(crate) struct Misreads {
    /// Observed letter → (source letter, cost).
    by_obs: HashMap<char, Vec<(char, f32)>>,
}

impl Misreads {
    /// Reads the table; rows that are not one letter for another are skipped.
    pub fn parse(tsv: &str) -> Misreads {
        let mut rows: Vec<(char, char, f64)> = Vec::new();
        let mut totals: HashMap<char, f64> = HashMap::default();
        for line in tsv.lines() {
            let mut f = line.split('\t');
            let (Some(src), Some(obs), Some(n)) = (
                f.next().and_then(one_char),
                f.next(),
                f.next().and_then(|n| n.parse::<f64>().ok()),
            ) else {
                continue;
            };
            *totals.entry(src).or_default() += n;
            match one_char(obs) {
                Some(obs) if obs != src && n >= MIN_COUNT && src.is_alphabetic() => {
                    rows.push((src, obs, n))
                }
                _ => {}
            }
        }
        let mut by_obs: HashMap<char, Vec<(char, f32)>> = HashMap::default();
        for (src, obs, n) in rows {
            if obs.is_alphabetic() {
                let cost = -(n / totals[&src]).log10() as f32;
                by_obs.entry(obs).or_default().push((src, cost));
            }
        }
        for (src, obs) in tone_variants() {
            let reads = by_obs.entry(obs).or_default();
            if !reads.iter().any(|r| r.0 == src) {
                let cost = if TONE_PRONE.contains(obs) {
                    UNSEEN_DROP
                } else {
                    UNSEEN_TONE
                };
                reads.push((src, cost));
            }
        }
        Misreads { by_obs }
    }

    /// Vocabulary words (id, cost) other than `word` (lower case) that the
    /// engine could have read as it, with one or two letters misread and no
    /// reading dearer than `max_cost`; the cheapest first.
    pub fn sources(&self, lm: &Lm, word: &str, max_cost: f32) -> Vec<(u32, f32)> {
        let chars: Vec<char> = word.chars().collect();
        let alts = |c: char| self.by_obs.get(&c).map_or(&[][..], Vec::as_slice);
        let mut out: Vec<(u32, f32)> = Vec::new();
        let mut found = |buf: &[char], cost: f32| {
            let candidate: String = buf.iter().collect();
            if let Some(id) = lm.id(&super::word_key(&candidate)) {
                out.push((id, cost));
            }
        };
        let mut buf = chars.clone();
        for i in 0..chars.len() {
            for &(a, cost_a) in alts(chars[i]).iter().filter(|r| r.1 <= max_cost) {
                buf[i] = a;
                found(&buf, cost_a);
                for j in i + 1..chars.len() {
                    for &(b, cost_b) in alts(chars[j]) {
                        if cost_a + cost_b <= max_cost {
                            buf[j] = b;
                            found(&buf, cost_a + cost_b);
                        }
                    }
                    buf[j] = chars[j];
                }
            }
            buf[i] = chars[i];
        }
        // The cheapest way to each word, then the cheapest words first.
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        out.dedup_by_key(|r| r.0);
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// Pairs (source, observed) of [`TONE_PRONE`] vowels that differ in tone only.
fn tone_variants() -> impl Iterator<Item = (char, char)> {
    let with_tones = |base: char| -> Vec<char> {
        ['\u{300}', '\u{301}', '\u{309}', '\u{303}', '\u{323}']
            .iter()
            .filter_map(|&mark| compose(base, mark))
            .chain([base])
            .collect()
    };
    TONE_PRONE.chars().flat_map(move |base| {
        let forms = with_tones(base);
        let pairs: Vec<(char, char)> = forms
            .iter()
            .flat_map(|&s| forms.iter().map(move |&o| (s, o)))
            .filter(|(s, o)| s != o)
            .collect();
        pairs
    })
}

/// The only char of `s`, if it has exactly one.
fn one_char(s: &str) -> Option<char> {
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_letter_rows_only() {
        let m = Misreads::parse("ể\tê\t3\nể\tể\t97\nể\tê.\t5\ng\tø\t1\n");
        assert!(!m.by_obs.contains_key(&'ø'));
        let cost = |src: char, obs: char| {
            let reads = m.by_obs.get(&obs)?;
            reads.iter().find(|r| r.0 == src).map(|r| r.1)
        };
        // 3 of the 105 times ể was read.
        assert!((cost('ể', 'ê').unwrap() - 1.544).abs() < 0.01);
        // Not on the pages, but a tone on a circumflex vowel: the priors,
        // a tone dropped cheaper than one added or swapped.
        assert_eq!(cost('ề', 'ê'), Some(UNSEEN_DROP));
        assert_eq!(cost('ê', 'ể'), Some(UNSEEN_TONE));
        assert_eq!(cost('ề', 'ế'), Some(UNSEEN_TONE));
        assert_eq!(cost('é', 'e'), None);
    }

    #[test]
    fn finds_the_word_behind_a_dropped_tone() {
        let model = crate::repair::model().as_ref().expect("model");
        let m = Misreads::parse("ể\tê\t3\nể\tể\t97\n");
        let got = m.sources(&model.lm, "biêu", 3.0);
        assert!(got
            .iter()
            .any(|&(id, _)| model.lm.words[id as usize] == "biểu"));
        assert!(m.sources(&model.lm, "biêu", 1.0).is_empty());
    }
}
