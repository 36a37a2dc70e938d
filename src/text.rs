//! Small text helpers shared by the stages: code-point spans over lines and
//! diacritic folding that keeps offsets.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// A line of a text with its code-point offset.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 0-based line number.
    pub no: usize,
    /// Code-point offset of the first character.
    pub start: usize,
    pub text: &'a str,
}

impl Line<'_> {
    /// Code-point offset one past the last character (the newline is excluded).
    pub fn end(&self) -> usize {
        self.start + self.text.chars().count()
    }
}

/// Splits `text` on `\n` keeping code-point offsets.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (no, raw) in text.split('\n').enumerate() {
        out.push(Line {
            no,
            start,
            text: raw,
        });
        start += raw.chars().count() + 1;
    }
    out
}

/// Byte ↔ code-point offset tables for one string.
pub struct CharIndex {
    byte_to_char: Vec<u32>,
    char_to_byte: Vec<u32>,
}

impl CharIndex {
    pub fn new(s: &str) -> Self {
        let mut byte_to_char = vec![0u32; s.len() + 1];
        let mut char_to_byte = Vec::with_capacity(s.len() + 1);
        for (ci, (bi, ch)) in s.char_indices().enumerate() {
            for slot in &mut byte_to_char[bi..bi + ch.len_utf8()] {
                *slot = ci as u32;
            }
            char_to_byte.push(bi as u32);
        }
        byte_to_char[s.len()] = char_to_byte.len() as u32;
        char_to_byte.push(s.len() as u32);
        Self {
            byte_to_char,
            char_to_byte,
        }
    }

    /// Code-point offset of the char containing `byte`.
    pub fn char_at(&self, byte: usize) -> usize {
        self.byte_to_char[byte] as usize
    }

    /// Byte offset of code point `ch` (the string's length past the end).
    pub fn byte_at(&self, ch: usize) -> usize {
        self.char_to_byte[ch.min(self.char_to_byte.len() - 1)] as usize
    }
}

/// The base letter of a Vietnamese character without marks, `đ`→`d`.
/// Always one char for one char, so folded text keeps offsets.
pub fn fold_char(c: char) -> char {
    match c {
        'đ' => 'd',
        'Đ' => 'D',
        c if c.is_ascii() => c,
        c => c.nfd().next().filter(|b| b.is_alphabetic()).unwrap_or(c),
    }
}

/// `text` in NFC, borrowed when it already is (most text is).
pub fn to_nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text.into(),
        _ => text.nfc().collect::<String>().into(),
    }
}

/// `fold_char` over a string, lower-cased: "Nghị Định" → "nghi dinh".
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| fold_char(c).to_lowercase().next().unwrap_or(c))
        .collect()
}

/// A text with its folded form and the index between them, built once and
/// shared by the extractors that match on folded text.
pub struct Folded {
    /// `fold(text)`: same code points, marks removed, lower case.
    pub folded: String,
    /// The original text's code points.
    pub orig: Vec<char>,
    /// Byte ↔ code-point offsets of `folded`.
    pub index: CharIndex,
}

impl Folded {
    pub fn new(text: &str) -> Self {
        let folded = fold(text);
        let index = CharIndex::new(&folded);
        Self {
            folded,
            orig: text.chars().collect(),
            index,
        }
    }
}

/// True when every letter is upper case and there is at least one letter.
pub fn is_upper(s: &str) -> bool {
    let mut letters = s.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(|c| !c.is_lowercase())
}

/// The largest char boundary of `s` at or below `i`.
pub fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Collapses runs of whitespace to one space and trims.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims spaces and the punctuation that ends list items.
pub fn trim_item(s: &str) -> &str {
    s.trim().trim_end_matches([';', ',', '.', ':']).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_offsets() {
        let s = "Nghị định ĐIỀU hòa ủy";
        assert_eq!(fold(s), "nghi dinh dieu hoa uy");
        assert_eq!(fold(s).chars().count(), s.chars().count());
    }

    #[test]
    fn lines_have_char_offsets() {
        let ls = lines("ạb\ncd");
        assert_eq!((ls[1].start, ls[1].end()), (3, 5));
    }

    #[test]
    fn char_index_maps_bytes() {
        let s = "ạb";
        let ix = CharIndex::new(s);
        assert_eq!(ix.char_at("ạ".len()), 1);
        assert_eq!(ix.char_at(s.len()), 2);
        assert_eq!((ix.byte_at(1), ix.byte_at(2)), ("ạ".len(), s.len()));
    }
}
