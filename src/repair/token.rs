//! Splitting a line into tokens, and what kind each one is.
//!
//! A token is a whitespace-separated chunk with its leading/trailing
//! punctuation peeled off; only the core between them may be rewritten.
//! OCR junk that stands for letters (`|`, `&`, `¢`, digits inside words) stays in
//! the core so the channel can read it.

use crate::text::fold_char;

/// What a token core is; only [`Kind::Word`] goes through the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters, possibly with OCR junk: decoded.
    Word,
    /// Digits and separators only.
    Number,
    /// Contains `/`, `-`, `.` or `_` between parts: "59/SKHCN-VP", "NĐ-CP".
    Code,
    /// URLs and e-mail addresses: never touched.
    Url,
    /// Punctuation-only chunks and the rest: never touched, not seen by the LM.
    Other,
}

impl Kind {
    /// The LM reads words, numbers and codes; URLs and the rest it skips.
    pub(crate) fn is_read(self) -> bool {
        matches!(self, Kind::Word | Kind::Number | Kind::Code)
    }
}

/// One token core as a byte range of its line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

const LEAD: &[char] = &[
    '(', '[', '{', '"', '\'', '“', '‘', '«', '*', '-', '–', '—', '+', '•', '…', '.', ',', ';', ':',
];
const TRAIL: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '”', '’', '»', '*', '…', '-', '–', '—',
    '/',
];

/// Tokens of one line, in order.
pub(crate) fn tokenize(line: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(skip) = rest.find(|c: char| !c.is_whitespace()) {
        rest = &rest[skip..];
        let start = line.len() - rest.len();
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        // "gian:Ngày", "sau;trước": a colon or semicolon between letters ends a token.
        let len = glued_at(&rest[..len]).unwrap_or(len);
        let chunk = &rest[..len];
        rest = &rest[len..];
        let core = chunk.trim_start_matches(LEAD);
        let lead = chunk.len() - core.len();
        let core = core.trim_end_matches(TRAIL);
        if core.is_empty() {
            continue;
        }
        let s = start + lead;
        let kind = classify(core);
        if kind == Kind::Code && is_word_list(core) {
            // "cá nhân/tập thể": words joined by slashes are words, each decoded.
            let mut at = s;
            for part in core.split('/') {
                out.push(Tok {
                    start: at,
                    end: at + part.len(),
                    kind: Kind::Word,
                });
                at += part.len() + 1;
            }
            continue;
        }
        // OCR splits a code's last letter off ("59/SKHCN-V P"): it belongs to the code.
        let split_code_letter = core.len() == 1
            && core.chars().all(|c| c.is_ascii_uppercase())
            && out
                .last()
                .is_some_and(|t: &Tok| t.kind == Kind::Code && t.end + 1 == s);
        let kind = if split_code_letter { Kind::Code } else { kind };
        if let Some(word_len) = footnoted(core) {
            // "nguyen21": a word with its footnote number; only the word is read.
            out.push(Tok {
                start: s,
                end: s + word_len,
                kind: Kind::Word,
            });
            out.push(Tok {
                start: s + word_len,
                end: s + core.len(),
                kind: Kind::Other,
            });
            continue;
        }
        out.push(Tok {
            start: s,
            end: s + core.len(),
            kind,
        });
    }
    out
}

/// Per token: punctuation or an unread token (a URL, a dash) stands between it
/// and the previous token the LM reads on this line ("Hà, Tỉnh").
pub(crate) fn punct_before(line: &str, toks: &[Tok]) -> Vec<bool> {
    let mut prev_end: Option<usize> = None;
    toks.iter()
        .map(|t| {
            if !t.kind.is_read() {
                return false;
            }
            let before = prev_end.is_some_and(|e| !line[e..t.start].trim().is_empty());
            prev_end = Some(t.end);
            before
        })
        .collect()
}

/// Punctuation follows the last token the LM reads on this line ("tỉnh,").
pub(crate) fn ends_in_punct(line: &str, toks: &[Tok]) -> bool {
    toks.iter()
        .rev()
        .find(|t| t.kind.is_read())
        .is_some_and(|t| !line[t.end..].trim().is_empty())
}

/// Words of a person's name: a capitalised surname and the up to three
/// capitalised words (not all capitals, no surname) following it with only
/// spaces between ("Bùi Minh Tuấn", "Bui Minh Tuan"); a surname alone is not
/// a name. Names are read with their own statistics. `open` carries a name left open at the end of a
/// line without punctuation into the next line with words (table cells wrap
/// "Đ/c Nguyễn Anh | Tuấn, Bí thư").
pub(crate) fn name_positions(line: &str, toks: &[Tok], open: &mut u8) -> Vec<bool> {
    let mut out = vec![false; toks.len()];
    let mut surname = vec![false; toks.len()];
    for (i, t) in toks.iter().enumerate() {
        let core = &line[t.start..t.end];
        let capital =
            t.kind == Kind::Word && Case::of(core) == Case::Title && core.chars().count() >= 2;
        let joined = i == 0
            || line[toks[i - 1].end..t.start]
                .chars()
                .all(char::is_whitespace);
        // A surname starts a name even right after another one: signature blocks
        // run names together ("Nguyễn Tấn Dũng Nguyễn Sinh Hùng").
        if capital && crate::vn::is_surname(core) {
            surname[i] = true;
            *open = 3;
        } else if capital && joined && *open > 0 {
            out[i] = true;
            *open -= 1;
        } else {
            *open = 0;
        }
    }
    if toks
        .last()
        .is_some_and(|t| !line[t.end..].trim().is_empty())
    {
        *open = 0;
    }
    for i in 1..toks.len() {
        out[i - 1] |= surname[i - 1] && out[i];
    }
    out
}

/// Byte offset of a `:` or `;` with a letter on each side.
fn glued_at(chunk: &str) -> Option<usize> {
    let mut prev = None;
    let mut chars = chunk.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, ':' | ';')
            && prev.is_some_and(char::is_alphabetic)
            && chars.peek().is_some_and(|&(_, n)| n.is_alphabetic())
        {
            return Some(i + 1);
        }
        prev = Some(c);
    }
    None
}

/// Length of the word in a lower-case Vietnamese syllable (or its stripped form)
/// followed by a footnote number of one to three digits ("nguyen21", "dao2");
/// `None` otherwise. Shorter words stay whole: "s6", "c6" are OCR damage.
fn footnoted(core: &str) -> Option<usize> {
    let word_len = core.find(|c: char| c.is_ascii_digit())?;
    let (word, digits) = core.split_at(word_len);
    let footnote = (3..=7).contains(&word.chars().count())
        && (1..=3).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && word.chars().all(char::is_lowercase)
        && (word.is_ascii() || crate::vn::syllable::is_syllable(word));
    footnote.then_some(word_len)
}

/// Lower-case words joined by `/` ("nhân/tập", "ngày/tháng"), not a code like "V/v".
fn is_word_list(core: &str) -> bool {
    let parts: Vec<&str> = core.split('/').collect();
    parts.len() > 1
        && parts
            .iter()
            .all(|p| p.len() > 1 && p.chars().all(|c| c.is_alphabetic() && c.is_lowercase()))
}

/// The kind of one token core.
pub(crate) fn classify(core: &str) -> Kind {
    if core.contains("://")
        || core.starts_with("www.")
        || (core.contains('@') && core.contains('.'))
    {
        return Kind::Url;
    }
    let letters = core.chars().filter(|c| c.is_alphabetic()).count();
    let digits = core.chars().filter(|c| c.is_ascii_digit()).count();
    if letters == 0 {
        return if digits > 0 {
            Kind::Number
        } else {
            Kind::Other
        };
    }
    if core.contains(['/', '-', '.', '_', ',', '(', ')', '=', '%', '+']) {
        return Kind::Code;
    }
    // Long digit runs with a letter are codes or amounts ("2023a", "100m2"), not OCR'd words.
    if digits > 2 || (digits > 0 && letters > 4) {
        return Kind::Code;
    }
    Kind::Word
}

/// An upper-case abbreviation such as "HĐND", "BCĐ", "UBND": two to eight letters
/// A–Z or Đ that do not read as one Vietnamese syllable.
pub(crate) fn is_acronym(word: &str) -> bool {
    (2..=8).contains(&word.chars().count())
        && word.chars().all(|c| c.is_ascii_uppercase() || c == 'Đ')
        && !crate::vn::syllable::is_syllable(word)
}

/// True when the token has a Vietnamese mark (a char that folds to another).
pub(crate) fn has_marks(word: &str) -> bool {
    word.chars().any(|c| fold_char(c) != c)
}

/// How a token is written, to write its replacement the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Lower,
    Title,
    Upper,
}

impl Case {
    pub fn of(word: &str) -> Case {
        let mut chars = word.chars().filter(|c| c.is_alphabetic());
        let Some(first) = chars.next() else {
            return Case::Lower;
        };
        // Of the letters after the first: how many, any upper case, any lower case.
        let (rest, upper, lower) = chars.fold((0, false, false), |(n, u, l), c| {
            (n + 1, u || c.is_uppercase(), l || c.is_lowercase())
        });
        match (first.is_uppercase(), upper, lower) {
            (true, true, false) => Case::Upper,
            // "S&", "K&": one capital and no other letters reads as a capitalised word.
            (true, _, _) => Case::Title,
            (false, true, false) if rest > 1 => Case::Upper,
            _ => Case::Lower,
        }
    }

    pub(crate) fn apply(self, lower: &str) -> String {
        match self {
            Case::Lower => lower.to_string(),
            Case::Upper => lower.to_uppercase(),
            Case::Title => {
                let mut cs = lower.chars();
                cs.next()
                    .map(|f| f.to_uppercase().chain(cs).collect())
                    .unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_kinds() {
        let line = "(Ké hoach s6 59/SKHCN-VP, https://a.vn 2023) |y S&. ca nhan/tap V/v";
        let got: Vec<(&str, Kind)> = tokenize(line)
            .iter()
            .map(|t| (&line[t.start..t.end], t.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("Ké", Kind::Word),
                ("hoach", Kind::Word),
                ("s6", Kind::Word),
                ("59/SKHCN-VP", Kind::Code),
                ("https://a.vn", Kind::Url),
                ("2023", Kind::Number),
                ("|y", Kind::Word),
                ("S&", Kind::Word),
                ("ca", Kind::Word),
                ("nhan", Kind::Word),
                ("tap", Kind::Word),
                ("V/v", Kind::Code),
            ]
        );
    }

    #[test]
    fn glued_words_and_footnotes() {
        let line = "Thoi gian:Ngay 12 nguyen21. dao2, ca nhan/ s6 x8y 3x";
        let got: Vec<(&str, Kind)> = tokenize(line)
            .iter()
            .map(|t| (&line[t.start..t.end], t.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("Thoi", Kind::Word),
                ("gian", Kind::Word),
                ("Ngay", Kind::Word),
                ("12", Kind::Number),
                ("nguyen", Kind::Word),
                ("21", Kind::Other),
                ("dao", Kind::Word),
                ("2", Kind::Other),
                ("ca", Kind::Word),
                ("nhan", Kind::Word),
                ("s6", Kind::Word),
                ("x8y", Kind::Word),
                ("3x", Kind::Word),
            ]
        );
    }

    #[test]
    fn letter_split_off_a_code_stays_a_code() {
        let line = "s 157/SKHCN-V P ngay";
        let kinds: Vec<Kind> = tokenize(line).iter().map(|t| t.kind).collect();
        assert_eq!(kinds, [Kind::Word, Kind::Code, Kind::Code, Kind::Word]);
    }

    #[test]
    fn case_patterns() {
        assert_eq!(Case::of("PIEU"), Case::Upper);
        assert_eq!(Case::of("S&"), Case::Title);
        assert_eq!(Case::of("hoach"), Case::Lower);
        assert_eq!(Case::of("Ké"), Case::Title);
        assert_eq!(Case::Upper.apply("điều"), "ĐIỀU");
    }

    #[test]
    fn names_follow_a_surname() {
        let line =
            "Đ/c Bui Minh Tuan, Uy vien; Tổ Công tác, ông Lê Văn Nam Bình Định, tỉnh Thái Nguyên";
        let toks = tokenize(line);
        let named = name_positions(line, &toks, &mut 0);
        let named: Vec<&str> = toks
            .iter()
            .zip(named)
            .filter(|(_, n)| *n)
            .map(|(t, _)| &line[t.start..t.end])
            .collect();
        assert_eq!(named, ["Bui", "Minh", "Tuan", "Lê", "Văn", "Nam", "Bình"]);
    }

    #[test]
    fn a_name_goes_on_into_the_next_line_unless_punctuation_ends_it() {
        let mut open = 0;
        for (line, named) in [
            ("Đ/c Nguyễn Anh", vec![false, true, true]),
            ("", vec![]),
            ("Tuấn, Bí thư", vec![true, false, false]),
        ] {
            assert_eq!(name_positions(line, &tokenize(line), &mut open), named);
        }
        assert_eq!(
            name_positions("Lê Văn.", &tokenize("Lê Văn."), &mut open),
            [true, true]
        );
        assert_eq!(open, 0);
    }
}
