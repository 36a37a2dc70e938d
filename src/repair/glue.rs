//! Syllables an OCR engine glued together ("QuảngNgãi", "ỦYBANNHÂNDÂN",
//! "tháng01năm2025"): split back into words at the likeliest boundaries, before
//! a line is judged and decoded.
//!
//! Only a run of letters and digits that carries a Vietnamese mark, is no
//! vocabulary word, and splits into mostly known syllables is touched; codes
//! ("TWĐTNBTG"), URLs, e-mail addresses and ASCII names ("VinFast") never are.

use std::borrow::Cow;

use super::Model;
use crate::vn::syllable;

/// Cost of each piece, in decades: favours fewer, longer syllables.
const PIECE: f32 = 1.0;
/// Cost of a piece that is no vocabulary word, plus [`UNKNOWN_PER_CHAR`] a letter.
const UNKNOWN: f32 = 8.0;
const UNKNOWN_PER_CHAR: f32 = 1.0;
/// A code in capitals inside a run of lower case ("ChủtịchUBND", "BTCTUngày").
const CODE_PART: f32 = 4.0;
/// Longest piece tried (a syllable has at most 7 letters).
const MAX_PIECE: usize = 7;
/// Vocabulary words rarer than this are not split out.
const MIN_COUNT: u32 = 3;

/// Glued runs per word at or above which a document's runs are split: OCR glues
/// many ("ngàytháng", "QuảngNgãi"), a clean text's rare typos ("đốivới") stay as written.
const MIN_GLUED_SHARE: f64 = 0.002;

/// The document's lines with glued runs split when it has enough of them to be
/// OCR damage, and how many runs were split.
pub(crate) fn split_document<'a>(m: &Model, text: &'a str) -> (Vec<Cow<'a, str>>, u64) {
    let mut splits = 0;
    let lines: Vec<Cow<str>> = text
        .split('\n')
        .map(|line| match split_line(m, line) {
            Some((split, n)) => {
                splits += n;
                Cow::Owned(split)
            }
            None => Cow::Borrowed(line),
        })
        .collect();
    let words = text.split_whitespace().count().max(1);
    if (splits as f64) < MIN_GLUED_SHARE * words as f64 {
        return (text.split('\n').map(Cow::Borrowed).collect(), 0);
    }
    (lines, splits)
}

/// `line` with its glued runs split, and how many runs were split; `None` when
/// nothing changed.
fn split_line(m: &Model, line: &str) -> Option<(String, u64)> {
    let mut out = String::new();
    let mut copied = 0;
    let mut splits = 0;
    for (start, end) in runs(line) {
        let run = &line[start..end];
        if !candidate(line, start, end) {
            continue;
        }
        let Some(pieces) = split(m, run) else {
            continue;
        };
        out.push_str(&line[copied..start]);
        out.push_str(&pieces.join(" "));
        copied = end;
        splits += 1;
    }
    (splits > 0).then(|| {
        out.push_str(&line[copied..]);
        (out, splits)
    })
}

/// Byte ranges of the maximal runs of letters and ASCII digits.
fn runs(line: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        let inside = c.is_alphabetic() || c.is_ascii_digit();
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, line.len()));
    }
    runs
}

/// Whether a run may be glued syllables: it carries a mark (Đ alone is a code's
/// letter) and its whitespace-delimited word is no address.
fn candidate(line: &str, start: usize, end: usize) -> bool {
    let run = &line[start..end];
    if run.chars().count() < 4 || !run.chars().any(is_marked) {
        return false;
    }
    let word_start = line[..start]
        .char_indices()
        .rfind(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word_end = line[end..]
        .find(char::is_whitespace)
        .map_or(line.len(), |i| end + i);
    let word = &line[word_start..word_end];
    !(word.contains('@') || word.contains("://") || word.starts_with("www."))
}

fn is_marked(c: char) -> bool {
    !c.is_ascii() && !matches!(c, 'đ' | 'Đ') && c.is_alphabetic()
}

/// The run's pieces when it splits into words and numbers, at least two, the
/// words covering two thirds of its letters; `None` when it is likelier one
/// vocabulary word or does not split so.
fn split(m: &Model, run: &str) -> Option<Vec<String>> {
    // One syllable is no glued pair: most runs leave here.
    if syllable::is_syllable(run) {
        return None;
    }
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    // In capitals a code cannot be told from a syllable's end ("HẢNH").
    let all_caps = !run.chars().any(char::is_lowercase);
    let n = chars.len();
    let at = |i: usize| chars.get(i).map_or(run.len(), |c| c.0);
    // best[i]: cheapest split of the first i chars, with where its last piece starts.
    let mut best: Vec<Option<(f32, usize, Piece)>> = vec![None; n + 1];
    best[0] = Some((0.0, 0, Piece::Unknown));
    // A vocabulary word of several syllables ("Lênin") competes whole.
    if let Some(id) = m.lm.id(&syllable::normalize(&run.to_lowercase())) {
        best[n] = Some((PIECE - m.lm.unigram(id), 0, Piece::Word));
    }
    for i in 0..n {
        let Some((cost_here, _, _)) = best[i] else {
            continue;
        };
        let mut offer = |j: usize, cost: f32, piece: Piece| {
            let total = cost_here + cost;
            if best[j].is_none_or(|(c, _, _)| total < c) {
                best[j] = Some((total, i, piece));
            }
        };
        if chars[i].1.is_ascii_digit() {
            let j = (i..n).find(|&j| !chars[j].1.is_ascii_digit()).unwrap_or(n);
            // A digit with a lone letter beside it is a misread letter ("mỏ6i", "ø1ao").
            let letters_before = chars[..i]
                .iter()
                .rev()
                .take(2)
                .filter(|c| c.1.is_alphabetic());
            let letters_after = chars[j..].iter().take(2).filter(|c| c.1.is_alphabetic());
            if (i == 0 || letters_before.count() == 2) && (j == n || letters_after.count() == 2) {
                offer(j, PIECE, Piece::Number);
            }
            continue;
        }
        for j in i + 1..=(i + MAX_PIECE).min(n) {
            let piece = &run[at(i)..at(j)];
            if !piece.chars().all(char::is_alphabetic) {
                break;
            }
            if !uniform_case(piece) || !may_start_word(&chars, i) {
                continue;
            }
            match known(m, piece) {
                Some(score) if j - i > 1 || piece.chars().any(is_marked) => {
                    offer(j, PIECE - score, Piece::Word)
                }
                _ if j - i > 1
                    && !all_caps
                    && piece.chars().all(char::is_uppercase)
                    && ends_capitals(&chars, j) =>
                {
                    offer(j, CODE_PART, Piece::Word)
                }
                _ => offer(
                    j,
                    UNKNOWN + UNKNOWN_PER_CHAR * (j - i) as f32,
                    Piece::Unknown,
                ),
            }
        }
    }
    let mut bounds = Vec::new();
    let (mut j, mut words, mut known_pieces, mut known_letters) = (n, 0, 0, 0);
    while j > 0 {
        let (_, i, piece) = best[j]?;
        match piece {
            Piece::Word => {
                words += 1;
                known_pieces += 1;
                known_letters += j - i;
            }
            Piece::Number => known_pieces += 1,
            Piece::Unknown => {}
        }
        bounds.push((at(i), at(j), piece));
        j = i;
    }
    let letters = chars.iter().filter(|c| c.1.is_alphabetic()).count();
    if words == 0 || known_pieces < 2 || known_letters * 3 < letters * 2 {
        return None;
    }
    Some(
        bounds
            .iter()
            .rev()
            .map(|&(a, b, _)| run[a..b].to_string())
            .collect(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Word,
    Number,
    Unknown,
}

/// Whether the capitals before char `j` end there: at the run's end, before
/// lower case, or before a capitalised word ("UBNDTrần").
fn ends_capitals(chars: &[(usize, char)], j: usize) -> bool {
    match (chars.get(j), chars.get(j + 1)) {
        (None, _) => true,
        (Some(&(_, c)), next) => {
            c.is_lowercase() || next.is_some_and(|&(_, n)| c.is_uppercase() && n.is_lowercase())
        }
    }
}

/// Whether a word may start at char `i`: a vowel-initial syllable ("ủy", "én")
/// follows only a case change, a digit or the run's start, since otherwise the
/// vowel more likely ends the syllable before it ("duyét" is no "duy ét").
fn may_start_word(chars: &[(usize, char)], i: usize) -> bool {
    let Some(&(_, prev)) = i.checked_sub(1).and_then(|p| chars.get(p)) else {
        return true;
    };
    let c = chars[i].1;
    !is_vowel(c) || prev.is_ascii_digit() || (prev.is_lowercase() && c.is_uppercase())
}

fn is_vowel(c: char) -> bool {
    matches!(
        crate::text::fold_char(c).to_ascii_lowercase(),
        'a' | 'e' | 'i' | 'o' | 'u' | 'y'
    )
}

/// The log10 unigram of a vocabulary syllable (any case) seen often enough.
fn known(m: &Model, word: &str) -> Option<f32> {
    let lower = syllable::normalize(&word.to_lowercase());
    if !syllable::is_syllable(&lower) {
        return None;
    }
    let id = m.lm.id(&lower)?;
    (m.lm.counts.get(id as usize).copied().unwrap_or(0) >= MIN_COUNT).then(|| m.lm.unigram(id))
}

/// Lower case, capitalised or all capitals: a glued run changes case only between words.
fn uniform_case(piece: &str) -> bool {
    let mut rest = piece.chars().skip(1);
    let first_upper = piece.chars().next().is_some_and(char::is_uppercase);
    if first_upper {
        let rest: Vec<char> = rest.collect();
        rest.iter().all(|c| c.is_lowercase()) || rest.iter().all(|c| c.is_uppercase())
    } else {
        rest.all(char::is_lowercase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_text(line: &str) -> String {
        let m = crate::repair::model().as_ref().expect("models");
        split_line(m, line).map_or_else(|| line.to_string(), |(s, _)| s)
    }

    #[test]
    fn splits_glued_syllables_from_real_scans() {
        // Lines of the Quảng Ngãi dev scans (doc06, doc10) as tesseract read them.
        assert_eq!(split_text("ỦYBANNHÂNDÂN"), "ỦY BAN NHÂN DÂN");
        assert_eq!(split_text("TỈNHQUẢNGNGÃI"), "TỈNH QUẢNG NGÃI");
        assert_eq!(
            split_text("QuảngNgãi, ngày3⁄4tháng01năm2025"),
            "Quảng Ngãi, ngày 3⁄4 tháng 01 năm 2025"
        );
        assert_eq!(
            split_text("3. Theo dõitiếpnhận, xửlýPAKNtrên CổngDịchvụ công"),
            "3. Theo dõi tiếp nhận, xử lý PAKN trên Cổng Dịch vụ công"
        );
    }

    #[test]
    fn a_rare_glued_typo_in_clean_text_stays() {
        let m = crate::repair::model().as_ref().expect("models");
        let clean = "Công tác cải cách hành chính được triển khai đồng bộ. ".repeat(100);
        let text = format!("{clean}\nđốivới các cơ quan");
        assert_eq!(split_document(m, &text).1, 0);
        assert_eq!(split_document(m, "đốivới các cơ quan").1, 1);
    }

    #[test]
    fn leaves_words_codes_and_addresses_alone() {
        for line in [
            "Số: 245-KH/TWĐTNBTG",
            "VinFast và ZaloPay",
            "http://quangngai.gov.vn/vănbản",
            "Công tác cải cách hành chính năm 2023",
            "Nghị định số 61/2018/NĐ-CP",
            "khoa học Mác Lênin",
            "a\u{a0}Quảngngãi@x.vn",
        ] {
            assert_eq!(split_text(line), line);
        }
    }
}
