//! Legacy Vietnamese encodings: detection and conversion to Unicode.
//!
//! Before Unicode, Vietnamese text was typed in 8-bit font encodings. A file in one of
//! them decodes as nonsense ("KÕ ho¹ch" for "Kế hoạch"), and so does a PDF whose font
//! maps its codes to Latin-1 glyph names. Four encodings are handled:
//!
//! * `tcvn3` — TCVN 5712:1993 VN3 ("ABC", fonts `.VnTime`, `.VnArial`…): one byte per
//!   letter, capitals with marks only through a second font (`.VnTimeH`) that draws the
//!   lower-case codes as capitals.
//! * `vni` — VNI-Windows (fonts `VNI-Times`…): a base letter followed by a mark byte.
//! * `viscii` — VISCII (RFC 1456): one byte per letter, capitals included.
//! * `viqr` — VIQR (RFC 1456): ASCII with marks spelled `a( a^ o+ dd` and `' \` ? ~ .`.
//!
//! Text reaches this module either as raw bytes (a plain-text file) or as characters a
//! PDF font mapped through WinAnsi; both are first brought to the same bytes
//! (`to_legacy_bytes`) so one table serves both.
//!
//! **Invariant:** [`detect`] converts only when the converted text has clearly more valid
//! Vietnamese syllables than the input ([`Quality`]); clean Unicode text is never touched.
//!
//! ```
//! use vanban::ingest::legacy::{convert, Legacy};
//! assert_eq!(convert("KÕ ho¹ch", Legacy::Tcvn3), "Kế hoạch");
//! assert_eq!(convert("Keá hoaïch", Legacy::Vni), "Kế hoạch");
//! ```

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

use crate::vn::syllable::is_syllable;

/// A legacy encoding this module converts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    Tcvn3,
    Vni,
    Viscii,
    Viqr,
}

impl Legacy {
    pub const ALL: [Legacy; 4] = [Legacy::Tcvn3, Legacy::Vni, Legacy::Viscii, Legacy::Viqr];

    /// The value reported in `Ingested.encoding`.
    pub fn label(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "tcvn3",
            Legacy::Vni => "vni",
            Legacy::Viscii => "viscii",
            Legacy::Viqr => "viqr",
        }
    }

    /// The encoding a PDF font name announces: `.VnTime`, `.VnTimeH`, `VNI-Times`…
    pub fn from_font_name(name: &str) -> Option<Legacy> {
        // Subset fonts carry a "ABCDEF+" prefix.
        let name = name.rsplit('+').next().unwrap_or(name).to_ascii_lowercase();
        if name.starts_with(".vn")
            || name.starts_with("vn") && !name.starts_with("vni") && name.contains("time")
        {
            Some(Legacy::Tcvn3)
        } else if name.starts_with("vni") {
            Some(Legacy::Vni)
        } else if name.contains("viscii") {
            Some(Legacy::Viscii)
        } else {
            None
        }
    }
}

/// TCVN3 (ABC, TCVN 5712:1993 VN3) bytes 0xA0..=0xFF. 0xB0..=0xB4 are combining tone marks.
const TCVN3_HIGH: [char; 96] = [
    '\u{00A0}', '\u{0102}', '\u{00C2}', '\u{00CA}', '\u{00D4}', '\u{01A0}', '\u{01AF}', '\u{0110}',
    '\u{0103}', '\u{00E2}', '\u{00EA}', '\u{00F4}', '\u{01A1}', '\u{01B0}', '\u{0111}', '\u{1EB0}',
    '\u{0300}', '\u{0309}', '\u{0303}', '\u{0301}', '\u{0323}', '\u{00E0}', '\u{1EA3}', '\u{00E3}',
    '\u{00E1}', '\u{1EA1}', '\u{1EB2}', '\u{1EB1}', '\u{1EB3}', '\u{1EB5}', '\u{1EAF}', '\u{1EB4}',
    '\u{1EAE}', '\u{1EA6}', '\u{1EA8}', '\u{1EAA}', '\u{1EA4}', '\u{1EC0}', '\u{1EB7}', '\u{1EA7}',
    '\u{1EA9}', '\u{1EAB}', '\u{1EA5}', '\u{1EAD}', '\u{00E8}', '\u{1EC2}', '\u{1EBB}', '\u{1EBD}',
    '\u{00E9}', '\u{1EB9}', '\u{1EC1}', '\u{1EC3}', '\u{1EC5}', '\u{1EBF}', '\u{1EC7}', '\u{00EC}',
    '\u{1EC9}', '\u{1EC4}', '\u{1EBE}', '\u{1ED2}', '\u{0129}', '\u{00ED}', '\u{1ECB}', '\u{00F2}',
    '\u{1ED4}', '\u{1ECF}', '\u{00F5}', '\u{00F3}', '\u{1ECD}', '\u{1ED3}', '\u{1ED5}', '\u{1ED7}',
    '\u{1ED1}', '\u{1ED9}', '\u{1EDD}', '\u{1EDF}', '\u{1EE1}', '\u{1EDB}', '\u{1EE3}', '\u{00F9}',
    '\u{1ED6}', '\u{1EE7}', '\u{0169}', '\u{00FA}', '\u{1EE5}', '\u{1EEB}', '\u{1EED}', '\u{1EEF}',
    '\u{1EE9}', '\u{1EF1}', '\u{1EF3}', '\u{1EF7}', '\u{1EF9}', '\u{00FD}', '\u{1EF5}', '\u{1ED0}',
];
/// VISCII bytes 0x80..=0xFF.
const VISCII_HIGH: [char; 128] = [
    '\u{1EA0}', '\u{1EAE}', '\u{1EB0}', '\u{1EB6}', '\u{1EA4}', '\u{1EA6}', '\u{1EA8}', '\u{1EAC}',
    '\u{1EBC}', '\u{1EB8}', '\u{1EBE}', '\u{1EC0}', '\u{1EC2}', '\u{1EC4}', '\u{1EC6}', '\u{1ED0}',
    '\u{1ED2}', '\u{1ED4}', '\u{1ED6}', '\u{1ED8}', '\u{1EE2}', '\u{1EDA}', '\u{1EDC}', '\u{1EDE}',
    '\u{1ECA}', '\u{1ECE}', '\u{1ECC}', '\u{1EC8}', '\u{1EE6}', '\u{0168}', '\u{1EE4}', '\u{1EF2}',
    '\u{00D5}', '\u{1EAF}', '\u{1EB1}', '\u{1EB7}', '\u{1EA5}', '\u{1EA7}', '\u{1EA9}', '\u{1EAD}',
    '\u{1EBD}', '\u{1EB9}', '\u{1EBF}', '\u{1EC1}', '\u{1EC3}', '\u{1EC5}', '\u{1EC7}', '\u{1ED1}',
    '\u{1ED3}', '\u{1ED5}', '\u{1ED7}', '\u{1EE0}', '\u{01A0}', '\u{1ED9}', '\u{1EDD}', '\u{1EDF}',
    '\u{1ECB}', '\u{1EF0}', '\u{1EE8}', '\u{1EEA}', '\u{1EEC}', '\u{01A1}', '\u{1EDB}', '\u{01AF}',
    '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{00C3}', '\u{1EA2}', '\u{0102}', '\u{1EB3}', '\u{1EB5}',
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{1EBA}', '\u{00CC}', '\u{00CD}', '\u{0128}', '\u{1EF3}',
    '\u{0110}', '\u{1EE9}', '\u{00D2}', '\u{00D3}', '\u{00D4}', '\u{1EA1}', '\u{1EF7}', '\u{1EEB}',
    '\u{1EED}', '\u{00D9}', '\u{00DA}', '\u{1EF9}', '\u{1EF5}', '\u{00DD}', '\u{1EE1}', '\u{01B0}',
    '\u{00E0}', '\u{00E1}', '\u{00E2}', '\u{00E3}', '\u{1EA3}', '\u{0103}', '\u{1EEF}', '\u{1EAB}',
    '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{1EBB}', '\u{00EC}', '\u{00ED}', '\u{0129}', '\u{1EC9}',
    '\u{0111}', '\u{1EF1}', '\u{00F2}', '\u{00F3}', '\u{00F4}', '\u{00F5}', '\u{1ECF}', '\u{1ECD}',
    '\u{1EE5}', '\u{00F9}', '\u{00FA}', '\u{0169}', '\u{1EE7}', '\u{00FD}', '\u{1EE3}', '\u{1EEE}',
];

/// Minimum gain in valid-syllable share for a conversion to be taken without a hint.
const MIN_GAIN: f64 = 0.15;
/// Minimum valid-syllable share of the converted text.
const MIN_CONVERTED_VALID: f64 = 0.5;

/// How Vietnamese a text looks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Quality {
    /// Words (runs of letters) counted.
    pub words: usize,
    /// Share of words that are valid Vietnamese syllables.
    pub valid: f64,
    /// Share of words carrying a Vietnamese mark (non-ASCII letter).
    pub marked: f64,
    /// Share of marked words that are valid syllables: low when an engine that did not
    /// know Vietnamese guessed accented Latin letters ("Quyét", "hién").
    pub marked_valid: f64,
    /// Share of non-space characters that are neither letters, digits nor common punctuation.
    pub junk: f64,
}

/// Scores `text` by syllables (`vn::syllable::is_syllable`).
pub fn quality(text: &str) -> Quality {
    let (mut words, mut valid, mut marked, mut chars, mut junk) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut marked_valid = 0usize;
    // Each spelling is judged once: a document repeats a few thousand words.
    let mut judged: FxHashMap<&str, (bool, bool)> = FxHashMap::default();
    let mut judge = |span: std::ops::Range<usize>| {
        let word = &text[span];
        words += 1;
        let (ok, ascii) = *judged.entry(word).or_insert_with(|| {
            let lower: String = word.to_lowercase().nfc().collect();
            (is_syllable(&lower), lower.is_ascii())
        });
        valid += ok as usize;
        if !ascii {
            marked += 1;
            marked_valid += ok as usize;
        }
    };
    let mut word_start = None;
    for (i, c) in text.char_indices() {
        let in_word = is_letter(c) || is_mark(c);
        match (in_word, word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(start)) => {
                judge(start..i);
                word_start = None;
            }
            _ => {}
        }
        if c.is_whitespace() {
            continue;
        }
        chars += 1;
        if !(in_word
            || c.is_ascii_digit()
            || c.is_numeric()
            || ".,;:!?-–—()[]/\"'“”‘’%&+*=<>_#@°…§".contains(c))
        {
            junk += 1;
        }
    }
    if let Some(start) = word_start {
        judge(start..text.len());
    }
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    Quality {
        words,
        valid: share(valid, words),
        marked: share(marked, words),
        marked_valid: share(marked_valid, marked),
        junk: share(junk, chars),
    }
}

fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// `char::is_alphabetic`, answered without a table look-up for ASCII and the Latin blocks
/// Vietnamese is written in (most of a document's characters).
fn is_letter(c: char) -> bool {
    match c {
        _ if c.is_ascii() => c.is_ascii_alphabetic(),
        'À'..='ɏ' => c != '×' && c != '÷',
        '\u{1E00}'..='\u{1EFF}' => true,
        _ => c.is_alphabetic(),
    }
}

/// Brings a character back to the byte a legacy font or file had: Latin-1 as is, the
/// Windows-1252 specials (0x80..=0x9F) through their table. `None` for anything else.
pub fn to_legacy_byte(c: char) -> Option<u8> {
    const CP1252: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    // Latin-1 and the C1 controls some extractors leave for undefined 0x80..=0x9F codes.
    if (c as u32) < 0x100 {
        return Some(c as u32 as u8);
    }
    CP1252.iter().position(|&x| x == c).map(|i| 0x80 + i as u8)
}

/// Bytes of `text` as the legacy code units they were; characters outside Latin-1 and
/// Windows-1252 are kept as they are.
fn units(text: &str) -> Vec<Unit> {
    text.chars()
        .map(|c| to_legacy_byte(c).map(Unit::Byte).unwrap_or(Unit::Char(c)))
        .collect()
}

#[derive(Clone, Copy)]
enum Unit {
    Byte(u8),
    Char(char),
}

/// Converts text whose characters are legacy code units (see [`to_legacy_byte`]).
pub fn convert(text: &str, enc: Legacy) -> String {
    let out = match enc {
        Legacy::Tcvn3 => {
            let converted = single_byte(text, |b| {
                (b >= 0xA0).then(|| TCVN3_HIGH[(b - 0xA0) as usize])
            });
            fix_capital_words(&hyphen_as_u_horn(&converted))
        }
        Legacy::Viscii => single_byte(text, viscii),
        Legacy::Vni => vni(text),
        Legacy::Viqr => viqr(text),
    };
    out.nfc().collect()
}

/// Converts raw bytes (a plain-text file) from a legacy encoding.
pub fn convert_bytes(bytes: &[u8], enc: Legacy) -> String {
    // Latin-1 keeps every byte as the char of the same value, which `convert` maps back.
    let latin1: String = bytes.iter().map(|&b| b as char).collect();
    convert(&latin1, enc)
}

fn single_byte(text: &str, table: impl Fn(u8) -> Option<char>) -> String {
    units(text)
        .into_iter()
        .map(|u| match u {
            Unit::Byte(b) => table(b).unwrap_or_else(|| latin(b)),
            Unit::Char(c) => c,
        })
        .collect()
}

/// The character a byte shows as in Windows-1252 when no table maps it.
fn latin(b: u8) -> char {
    let bytes = [b];
    let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
    s.chars().next().unwrap_or(b as char)
}

fn viscii(b: u8) -> Option<char> {
    match b {
        0x02 => Some('Ẳ'),
        0x05 => Some('Ẵ'),
        0x06 => Some('Ẫ'),
        0x14 => Some('Ỷ'),
        0x19 => Some('Ỹ'),
        0x1E => Some('Ỵ'),
        0x80.. => Some(VISCII_HIGH[(b - 0x80) as usize]),
        _ => None,
    }
}

/// TCVN3 puts `ư` at 0xAD, the soft hyphen, which PDF text extraction often turns into
/// "-": "tr-ớc". A hyphen right after a letter becomes `ư` (`Ư` between capitals) when that
/// makes the word a valid syllable; "QĐ-UBND" stays.
fn hyphen_as_u_horn(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let is_letter = |c: char| c.is_alphabetic() || is_mark(c);
    for i in 0..chars.len() {
        if chars[i] != '-' || i == 0 || !is_letter(chars[i - 1]) {
            continue;
        }
        let start = (0..i)
            .rev()
            .take_while(|&j| is_letter(out[j]))
            .last()
            .unwrap_or(i);
        let end = (i + 1..chars.len())
            .take_while(|&j| is_letter(chars[j]))
            .last()
            .map_or(i + 1, |j| j + 1);
        let upper =
            chars[i - 1].is_uppercase() && chars.get(i + 1).is_none_or(|c| !c.is_lowercase());
        let u = if upper { 'Ư' } else { 'ư' };
        let word: String = out[start..i]
            .iter()
            .chain(std::iter::once(&u))
            .chain(&chars[i + 1..end])
            .collect();
        let word: String = word.to_lowercase().nfc().collect();
        if is_syllable(&word) {
            out[i] = u;
        }
    }
    out.into_iter().collect()
}

/// TCVN3 capitals with marks came from a second font drawing lower-case codes as capitals,
/// so "HO¹CH" converts to "HOạCH". A line with no lower-case ASCII letter was set in that
/// font throughout; elsewhere a word with a capital ASCII letter after its first letter and
/// no lower-case ASCII letter was.
fn fix_capital_words(text: &str) -> String {
    text.split('\n')
        .map(fix_capital_line)
        .collect::<Vec<_>>()
        .join("\n")
}

fn fix_capital_line(line: &str) -> String {
    let upper_ascii = line.chars().filter(|c| c.is_ascii_uppercase()).count();
    if upper_ascii >= 2 && !line.chars().any(|c| c.is_ascii_lowercase()) {
        return line.to_uppercase();
    }
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let shouting = word.chars().skip(1).any(|c| c.is_ascii_uppercase())
            && !word.chars().any(|c| c.is_ascii_lowercase());
        out.push_str(&if shouting {
            word.to_uppercase()
        } else {
            word.clone()
        });
        word.clear();
    };
    for c in line.chars() {
        if c.is_alphabetic() || is_mark(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Combining marks a VNI mark byte stands for: (vowel modifier, tone).
fn vni_mark(b: u8) -> Option<(Option<char>, Option<char>)> {
    const HAT: char = '\u{302}';
    const BREVE: char = '\u{306}';
    let lower = if (0xC0..0xE0).contains(&b) {
        b + 0x20
    } else {
        b
    };
    Some(match lower {
        0xF9 => (None, Some('\u{301}')),
        0xF8 => (None, Some('\u{300}')),
        0xFB => (None, Some('\u{309}')),
        0xF5 => (None, Some('\u{303}')),
        0xEF => (None, Some('\u{323}')),
        0xE2 => (Some(HAT), None),
        0xE1 => (Some(HAT), Some('\u{301}')),
        0xE0 => (Some(HAT), Some('\u{300}')),
        0xE5 => (Some(HAT), Some('\u{309}')),
        0xE3 => (Some(HAT), Some('\u{303}')),
        0xE4 => (Some(HAT), Some('\u{323}')),
        0xEA => (Some(BREVE), None),
        0xE9 => (Some(BREVE), Some('\u{301}')),
        0xE8 => (Some(BREVE), Some('\u{300}')),
        0xFA => (Some(BREVE), Some('\u{309}')),
        0xFC => (Some(BREVE), Some('\u{303}')),
        0xEB => (Some(BREVE), Some('\u{323}')),
        _ => return None,
    })
}

/// VNI letters that are one byte: ơ ư đ and the i/y forms with tones.
fn vni_single(b: u8) -> Option<char> {
    Some(match b {
        0xF4 => 'ơ',
        0xD4 => 'Ơ',
        0xF6 => 'ư',
        0xD6 => 'Ư',
        0xF1 => 'đ',
        0xD1 => 'Đ',
        0xE6 => 'ỉ',
        0xC6 => 'Ỉ',
        0xF3 => 'ĩ',
        0xD3 => 'Ĩ',
        0xF2 => 'ị',
        0xD2 => 'Ị',
        0xEE => 'ỵ',
        0xCE => 'Ỵ',
        _ => return None,
    })
}

fn vni(text: &str) -> String {
    let units = units(text);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < units.len() {
        let (base, single) = match units[i] {
            Unit::Byte(b) if b.is_ascii_alphabetic() => (Some(b as char), false),
            Unit::Byte(b) => match vni_single(b) {
                Some(c) => (Some(c), true),
                None => (None, false),
            },
            Unit::Char(c) => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        let Some(base) = base else {
            if let Unit::Byte(b) = units[i] {
                out.push(latin(b));
            }
            i += 1;
            continue;
        };
        out.push(base);
        i += 1;
        let vowel = "aeiouyAEIOUYơưƠƯ".contains(base);
        if let (true, Some(&Unit::Byte(next))) = (vowel, units.get(i)) {
            if let Some((modifier, tone)) = vni_mark(next) {
                let lower = base.to_ascii_lowercase();
                let fits = match modifier {
                    Some('\u{302}') => matches!(lower, 'a' | 'e' | 'o'),
                    Some(_) => lower == 'a',
                    None => !single || matches!(base, 'ơ' | 'ư' | 'Ơ' | 'Ư'),
                };
                if fits {
                    out.extend(modifier);
                    out.extend(tone);
                    i += 1;
                }
            }
        }
    }
    out
}

/// VIQR per RFC 1456: modifiers `( ^ +`, tones `' \` ? ~ .`, `dd` for đ, `\` escapes.
/// `?` and `.` end sentences too, so they count as tones only before a letter or before a
/// space and a lower-case word.
fn viqr(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if (c == 'd' || c == 'D') && matches!(chars.get(i + 1), Some('d') | Some('D')) {
            out.push(if c == 'd' { 'đ' } else { 'Đ' });
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
        let lower = c.to_ascii_lowercase();
        if !"aeiouy".contains(lower) || !c.is_ascii_alphabetic() {
            continue;
        }
        match (lower, chars.get(i)) {
            ('a', Some('(')) => out.push('\u{306}'),
            ('a' | 'e' | 'o', Some('^')) => out.push('\u{302}'),
            ('o' | 'u', Some('+')) => out.push('\u{31b}'),
            _ => i -= 1,
        }
        i += 1;
        let tone = match chars.get(i) {
            Some('\'') => Some('\u{301}'),
            Some('`') => Some('\u{300}'),
            Some('~') => Some('\u{303}'),
            Some('?') => Some('\u{309}'),
            Some('.') => Some('\u{323}'),
            _ => None,
        };
        if let Some(tone) = tone {
            let next = chars.get(i + 1).copied();
            let ambiguous = matches!(chars[i], '?' | '.');
            let before_letter = next.is_some_and(|n| n.is_alphabetic());
            let mid_sentence =
                next == Some(' ') && chars.get(i + 2).is_some_and(|n| n.is_lowercase());
            if !ambiguous || before_letter || mid_sentence {
                out.push(tone);
                i += 1;
            }
        }
    }
    out
}

/// A conversion chosen by [`detect`].
#[derive(Debug, Clone)]
pub struct Detected {
    pub encoding: Legacy,
    pub text: String,
    pub before: Quality,
    pub after: Quality,
}

/// Finds the legacy encoding `text` is in, if any, and converts it. `hint` (from a font
/// name) is tried first and needs only some gain; without it a conversion must raise the
/// valid-syllable share by `MIN_GAIN` to at least `MIN_CONVERTED_VALID`.
pub fn detect(text: &str, hint: Option<Legacy>) -> Option<Detected> {
    let before = quality(text);
    if before.words == 0 || (before.valid >= 0.8 && before.marked >= 0.2) {
        return None;
    }
    let has_high = text.chars().any(|c| {
        to_legacy_byte(c).is_some_and(|b| b >= 0x80)
            || (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r'
    });
    let mut best: Option<Detected> = None;
    for enc in hint.into_iter().chain(Legacy::ALL) {
        // Byte encodings leave traces above ASCII; VIQR is pure ASCII.
        if (enc == Legacy::Viqr) == has_high && Some(enc) != hint {
            continue;
        }
        let converted = convert(text, enc);
        let after = quality(&converted);
        let needed = if Some(enc) == hint { 0.0 } else { MIN_GAIN };
        // VIQR turns ASCII into marked letters; the byte encodings only move marks about.
        let marks_gained = enc != Legacy::Viqr || after.marked > before.marked;
        let good = after.valid >= before.valid + needed
            && after.valid >= MIN_CONVERTED_VALID
            && marks_gained;
        if good
            && best
                .as_ref()
                .is_none_or(|b| after.valid > b.after.valid + 0.02)
        {
            best = Some(Detected {
                encoding: enc,
                text: converted,
                before,
                after,
            });
        }
    }
    best
}

/// Plain-text bytes that are not UTF-8: the legacy encoding they are in, if any.
/// Compared against `fallback`, the text the caller would otherwise use.
pub fn detect_bytes(bytes: &[u8], fallback: &str) -> Option<Detected> {
    let latin1: String = bytes.iter().map(|&b| b as char).collect();
    let mut found = detect(&latin1, None)?;
    let fallback_quality = quality(fallback);
    if found.after.valid < fallback_quality.valid + 0.05 {
        return None;
    }
    found.before = fallback_quality;
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_as_the_standard_library_says() {
        for c in (0..0x3_0000).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
        }
    }

    #[test]
    fn capitals_from_the_h_font() {
        assert_eq!(convert("KÕ HO¹CH", Legacy::Tcvn3), "KẾ HOẠCH");
        assert_eq!(convert("®éI", Legacy::Tcvn3), "ĐỘI");
        assert_eq!(convert("KÕ ho¹ch", Legacy::Tcvn3), "Kế hoạch");
    }

    #[test]
    fn tcvn3_soft_hyphen_extracted_as_hyphen_is_u_horn() {
        assert_eq!(
            convert("tr-íc ng-êi QĐ-UBND", Legacy::Tcvn3),
            "trước người QĐ-UBND"
        );
    }
}

#[cfg(test)]
mod vni_tests {
    use super::*;

    #[test]
    fn vni_words() {
        assert_eq!(
            convert("UÛY BAN NHAÂN DAÂN TÆNH", Legacy::Vni),
            "ỦY BAN NHÂN DÂN TỈNH"
        );
        assert_eq!(
            convert("Thöïc hieän Quyeát ñònh soá", Legacy::Vni),
            "Thực hiện Quyết định số"
        );
        assert_eq!(convert("tröôùc", Legacy::Vni), "trước");
    }
}
