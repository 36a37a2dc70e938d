//! The Vietnamese-aware analyzers of the search index.
//!
//! Both split text into words (letters, digits and combining marks), normalize each word to
//! NFC and lower case, and keep byte offsets into the original text for highlighting:
//!
//! * [`EXACT`] keeps the marks: `Thủ` → `thủ`.
//! * [`FOLDED`] strips them and maps đ→d with [`crate::text::fold`]: `Thủ` → `thu`, so
//!   a query typed without diacritics matches, and a word whose marks OCR lost does too.
//!
//! Words are syllables in Vietnamese, so a phrase query over these tokens is the natural
//! way to match multi-syllable words (`hành chính`).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

pub const EXACT: &str = "vi_exact";
pub const FOLDED: &str = "vi_folded";

/// A word tokenizer producing exact (`folded == false`) or folded tokens.
#[derive(Clone, Copy, Debug)]
pub struct VietTokenizer {
    pub folded: bool,
}

/// Tokens are computed eagerly: documents are short and this keeps the stream trivial.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for VietTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = words(text)
            .enumerate()
            .map(|(position, (from, to))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text: normalize(&text[from..to], self.folded),
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Byte ranges of the words of `text`.
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = chars.peek() {
            if is_word_char(c) {
                break;
            }
            chars.next();
        }
        let (start, _) = *chars.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if !is_word_char(c) {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        Some((start, end))
    })
}

/// The index form of one word.
pub fn normalize(word: &str, folded: bool) -> String {
    let exact: String = word.nfc().flat_map(char::to_lowercase).collect();
    if folded {
        crate::text::fold(&exact)
    } else {
        exact
    }
}

/// The index forms of every word of `text`, in order.
pub fn terms(text: &str, folded: bool) -> Vec<String> {
    words(text)
        .map(|(a, b)| normalize(&text[a..b], folded))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, exact: &[&str], folded: &[&str]) {
        assert_eq!(terms(input, false), exact, "exact terms of {input:?}");
        assert_eq!(terms(input, true), folded, "folded terms of {input:?}");
    }

    #[test]
    fn analyzes_vietnamese_words() {
        check(
            "Thủ tục HÀNH CHÍNH",
            &["thủ", "tục", "hành", "chính"],
            &["thu", "tuc", "hanh", "chinh"],
        );
        check(
            "Nghị định 61/2018/NĐ-CP;",
            &["nghị", "định", "61", "2018", "nđ", "cp"],
            &["nghi", "dinh", "61", "2018", "nd", "cp"],
        );
        // Decomposed input (NFD) is one word, normalized to NFC.
        check("Thu\u{309} tu\u{323}c", &["thủ", "tục"], &["thu", "tuc"]);
        check("  — ", &[], &[]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Đẩy mạnh";
        let mut tok = VietTokenizer { folded: true };
        let mut stream = tok.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let t = stream.token();
            seen.push((
                &text[t.offset_from..t.offset_to],
                t.text.clone(),
                t.position,
            ));
        }
        assert_eq!(
            seen,
            [
                ("Đẩy", "day".to_string(), 0),
                ("mạnh", "manh".to_string(), 1)
            ]
        );
    }
}
