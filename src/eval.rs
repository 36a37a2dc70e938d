//! Scoring shared by the measuring binaries (`vanban-eval-repair`, `vanban-eval-scan`):
//! syllable and character error rates over one normalisation.
//!
//! [`Score`] sums edit distances over tokens (SER: syllable error rate, token edit
//! distance / reference tokens) and over the characters of the tokens joined by single
//! spaces (CER). [`normalise`] is NFC plus this project's tone placement, so "hoà" and
//! "hòa" are the same syllable. For OCR output, [`syllables`] also drops what layout
//! decides (line breaks, tabs between table cells) and punctuation at token edges, and
//! [`in_reference_order`] puts the lines of a reading in the order of the reference, so
//! a two-column letterhead read block by block or row by row scores the same.
//!
//! ```
//! use vanban::eval::{syllables, Score};
//! let mut s = Score::default();
//! s.add_tokens(&syllables("Kế hoạch\tsố 12."), &syllables("Kế hoach số 12"));
//! assert_eq!((s.tok_err, s.toks), (1, 4));
//! ```

use unicode_normalization::UnicodeNormalization;

use crate::repair::normalize_tones;

/// Summed token and character edit distances against a reference.
#[derive(Debug, Default, Clone, Copy)]
pub struct Score {
    pub tok_err: usize,
    pub toks: usize,
    pub char_err: usize,
    pub chars: usize,
}

impl Score {
    /// Scores whitespace-separated tokens as they are.
    pub fn add(&mut self, hyp: &str, reference: &str) {
        let h: Vec<&str> = hyp.split_whitespace().collect();
        let r: Vec<&str> = reference.split_whitespace().collect();
        self.add_tokens(&h, &r);
    }

    pub fn add_tokens<S: AsRef<str> + PartialEq>(&mut self, hyp: &[S], reference: &[S]) {
        self.tok_err += edit(hyp, reference);
        self.toks += reference.len();
        let join = |t: &[S]| -> Vec<char> {
            t.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .collect()
        };
        let (hc, rc) = (join(hyp), join(reference));
        self.char_err += edit(&hc, &rc);
        self.chars += rc.len();
    }

    pub fn merge(&mut self, other: Score) {
        self.tok_err += other.tok_err;
        self.toks += other.toks;
        self.char_err += other.char_err;
        self.chars += other.chars;
    }

    /// Syllable error rate, percent.
    pub fn ser(&self) -> f64 {
        100.0 * self.tok_err as f64 / self.toks.max(1) as f64
    }

    /// Character error rate, percent.
    pub fn cer(&self) -> f64 {
        100.0 * self.char_err as f64 / self.chars.max(1) as f64
    }
}

/// Levenshtein distance.
pub fn edit<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            cur[j] = (prev[j - 1] + usize::from(a[i - 1] != b[j - 1]))
                .min(prev[j] + 1)
                .min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The edits that turn `hyp` into `reference`, merged into runs: (what was read, what
/// the reference says), for reports.
pub fn differences(hyp: &[String], reference: &[String]) -> Vec<(String, String)> {
    let (n, m) = (hyp.len(), reference.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            d[i][j] = (d[i - 1][j - 1] + usize::from(hyp[i - 1] != reference[j - 1]))
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut out: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    let mut open = false;
    while i > 0 || j > 0 {
        let same = i > 0 && j > 0 && hyp[i - 1] == reference[j - 1] && d[i][j] == d[i - 1][j - 1];
        if same {
            (i, j, open) = (i - 1, j - 1, false);
            continue;
        }
        if !open {
            out.push((Vec::new(), Vec::new()));
            open = true;
        }
        let run = out.last_mut().expect("pushed");
        if i > 0 && j > 0 && d[i][j] == d[i - 1][j - 1] + 1 {
            run.0.insert(0, &hyp[i - 1]);
            run.1.insert(0, &reference[j - 1]);
            (i, j) = (i - 1, j - 1);
        } else if i > 0 && d[i][j] == d[i - 1][j] + 1 {
            run.0.insert(0, &hyp[i - 1]);
            i -= 1;
        } else {
            run.1.insert(0, &reference[j - 1]);
            j -= 1;
        }
    }
    out.reverse();
    out.into_iter()
        .map(|(h, r)| (h.join(" "), r.join(" ")))
        .collect()
}

/// NFC with every token in this project's tone placement.
pub fn normalise(text: &str) -> String {
    let nfc: String = text.nfc().collect();
    normalize_tones(&nfc)
}

/// Word accuracy as tienthanhdhcn/Vietnamese-Accent-Prediction scores accent
/// restoration (its `AccuracyCalculator`): both texts have `\t " ' : ( )` turned into
/// spaces and runs of two or more white-space characters into one space, are cut into
/// segments at `. ! , ; ?` and line breaks, and each segment into words at single
/// spaces; a word is right when it equals the gold word ignoring case, segments whose
/// word counts differ are skipped. Returns (right, counted), where counted starts at 1
/// as there.
pub fn accent_accuracy(out: &str, gold: &str) -> (usize, usize) {
    fn segments(text: &str) -> Vec<String> {
        let spaced: String = text
            .chars()
            .map(|c| if "\t\"':()".contains(c) { ' ' } else { c })
            .collect();
        let mut flat = String::with_capacity(spaced.len());
        let mut run = String::new();
        for c in spaced.chars() {
            if c.is_whitespace() {
                run.push(c);
                continue;
            }
            flat.push_str(if run.chars().count() >= 2 { " " } else { &run });
            run.clear();
            flat.push(c);
        }
        flat.split(['.', '!', ',', '\n', ';', '?'])
            .map(|s| s.trim().to_string())
            .collect()
    }
    let (mut right, mut counted) = (0, 1);
    for (o, g) in segments(out).iter().zip(&segments(gold)) {
        let (o, g): (Vec<&str>, Vec<&str>) = (o.split(' ').collect(), g.split(' ').collect());
        if o.len() == g.len() {
            right += o
                .iter()
                .zip(&g)
                .filter(|(a, b)| a.to_lowercase() == b.to_lowercase())
                .count();
            counted += o.len();
        }
    }
    (right, counted)
}

/// The syllables of a reading, normalised: tabs and line breaks are spaces, punctuation
/// at the edges of a token is dropped ("(6" → "6", "2022)." → "2022"), tokens of
/// punctuation only ("-", "|", "…") vanish. Case is kept: "đoàn" for "Đoàn" is an error.
pub fn syllables(text: &str) -> Vec<String> {
    normalise(text)
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The lines of `hyp` reordered to follow `reference`: each line goes where its
/// syllables match the reference best (a line matched nowhere stays after the line
/// before it). Layout choices (a two-column header read row by row or column by
/// column, a table read by columns) then cost nothing; misreadings still do.
pub fn in_reference_order(hyp: &str, reference: &[String]) -> Vec<String> {
    let mut keyed: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut last = 0;
    for (i, line) in hyp.lines().enumerate() {
        let toks = syllables(line);
        if toks.is_empty() {
            continue;
        }
        let key = best_start(&toks, reference, last).unwrap_or(last);
        last = key;
        keyed.push((key, i, toks));
    }
    keyed.sort_by_key(|&(key, i, _)| (key, i));
    keyed.into_iter().flat_map(|(.., toks)| toks).collect()
}

/// Where in `reference` the tokens `line` match best (semi-global alignment: free start
/// and end in the reference), of equally good places the one nearest `after` (where the
/// line before went: a repeated heading goes to the occurrence it follows); `None` when
/// less than half of the tokens match there.
fn best_start(line: &[String], reference: &[String], after: usize) -> Option<usize> {
    let n = reference.len();
    // cost and start of the best alignment of line[..i] ending at reference[..j]
    let mut prev: Vec<(usize, usize)> = (0..=n).map(|j| (0, j)).collect();
    let mut cur = prev.clone();
    for (i, tok) in line.iter().enumerate() {
        cur[0] = (i + 1, 0);
        for j in 1..=n {
            let diag = (
                prev[j - 1].0 + usize::from(*tok != reference[j - 1]),
                prev[j - 1].1,
            );
            let up = (prev[j].0 + 1, prev[j].1);
            let left = (cur[j - 1].0 + 1, cur[j - 1].1);
            cur[j] = [diag, up, left]
                .into_iter()
                .min_by_key(|c| c.0)
                .unwrap_or(diag);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let cost = prev.iter().map(|c| c.0).min()?;
    let start = prev
        .iter()
        .filter(|c| c.0 == cost)
        .map(|c| c.1)
        .min_by_key(|&s| s.abs_diff(after))?;
    (cost * 2 <= line.len()).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_punctuation_and_tone_placement_are_not_errors() {
        assert_eq!(
            syllables("TT\tNội dung (hoà).\n- Tháng 5"),
            ["TT", "Nội", "dung", "hòa", "Tháng", "5"]
        );
    }

    #[test]
    fn accent_accuracy_counts_words_of_segments_of_equal_length() {
        // "Hà Nội" right (case ignored), "(mùa)" wrong; the last segment has a word
        // more and is skipped: 1 + 4 words counted.
        let gold = "Hà Nội, (mua) bán\nba con";
        let out = "hà nội, (mùa) bán\nba con gà";
        assert_eq!(accent_accuracy(out, gold), (3, 5));
    }

    #[test]
    fn lines_follow_the_reference_order() {
        let reference =
            syllables("BAN CHẤP HÀNH TRUNG ƯƠNG ĐOÀN TNCS HỒ CHÍ MINH Số: 12 Hà Nội, ngày 1");
        let hyp = "BAN CHẤP HÀNH TRUNG ƯƠNG\nSố: 12\nĐOÀN TNCS HỒ CHÍ MINH\nHà Nội, ngày 1";
        assert_eq!(in_reference_order(hyp, &reference), reference);
    }
}
