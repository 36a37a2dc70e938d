//! The Vietnamese syllable: onset × rhyme × tone.
//!
//! A written syllable is an optional onset consonant cluster, a rhyme (vowel
//! nucleus plus optional final) and one of six tones. [`parse`] accepts exactly
//! the combinations Vietnamese spelling allows (stop finals `p t c ch` take only
//! the sắc or nặng tone), in either tone-placement style; `normalize` rewrites
//! a syllable with the tone mark where this project puts it ("hòa", "thủy",
//! "hoàng", "quý"), keeping the case of every letter.
//!
//! **Invariant:** `normalize` never changes the number of chars, only where
//! the tone mark sits, so offsets stay valid.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::char::compose;
use unicode_normalization::UnicodeNormalization;

use crate::text::fold;

/// The six tones, in the order of their combining marks below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Level,
    Grave,
    Acute,
    Hook,
    Tilde,
    Dot,
}

const TONE_MARKS: [(char, Tone); 5] = [
    ('\u{300}', Tone::Grave),
    ('\u{301}', Tone::Acute),
    ('\u{309}', Tone::Hook),
    ('\u{303}', Tone::Tilde),
    ('\u{323}', Tone::Dot),
];

const ONSETS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// Toneless rhymes written after an onset other than `qu`/`gi` (those two absorb a vowel).
const RHYMES: &[&str] = &[
    "a", "ai", "ao", "au", "ay", "an", "ang", "anh", "am", "ap", "at", "ac", "ach", "ăn", "ăng",
    "ăm", "ăp", "ăt", "ăc", "âu", "ây", "ân", "âng", "âm", "âp", "ât", "âc", "e", "eo", "en",
    "eng", "em", "ep", "et", "ec", "ê", "êu", "ên", "ênh", "êm", "êp", "êt", "êch", "i", "ia",
    "iu", "in", "inh", "im", "ip", "it", "ich", "iêu", "iên", "iêng", "iêm", "iêp", "iêt", "iêc",
    "yêu", "yên", "yêm", "yêt", "y", "o", "oi", "on", "ong", "om", "op", "ot", "oc", "oong", "ooc",
    "ô", "ôi", "ôn", "ông", "ôm", "ôp", "ôt", "ôc", "ơ", "ơi", "ơn", "ơm", "ơp", "ơt", "u", "ua",
    "ui", "un", "ung", "um", "up", "ut", "uc", "uôi", "uôn", "uông", "uôm", "uôt", "uôc", "ư",
    "ưa", "ưi", "ưu", "ưn", "ưng", "ưm", "ưt", "ưc", "ươi", "ươu", "ươn", "ương", "ươm", "ươp",
    "ươt", "ươc", "oa", "oai", "oay", "oan", "oang", "oanh", "oam", "oap", "oat", "oac", "oach",
    "oăn", "oăng", "oăm", "oăt", "oăc", "oe", "oeo", "oen", "oem", "oet", "uân", "uâng", "uât",
    "uây", "uê", "uên", "uênh", "uêch", "uêt", "uy", "uya", "uyu", "uyn", "uynh", "uyp", "uyt",
    "uych", "uyên", "uyêt", "uơ",
];

/// Toneless vowel letters.
const VOWELS: &str = "aăâeêioôơuưy";

const STOP_FINALS: [&str; 4] = ["p", "t", "c", "ch"];
const FINALS: [&str; 8] = ["ng", "nh", "ch", "c", "m", "n", "p", "t"];

fn tone_of(mark: char) -> Option<Tone> {
    TONE_MARKS.iter().find(|(m, _)| *m == mark).map(|(_, t)| *t)
}

fn mark_of(tone: Tone) -> Option<char> {
    TONE_MARKS.iter().find(|(_, t)| *t == tone).map(|(m, _)| *m)
}

/// Splits a lower-case word into its toneless form and tone.
/// `None` when a char carries two tone marks or the word has two toned chars.
pub(crate) fn split_tone(word: &str) -> Option<(String, Tone)> {
    let mut tone = Tone::Level;
    let mut toneless = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_ascii() {
            toneless.push(c);
            continue;
        }
        let mut base: Option<char> = None;
        for d in c.nfd() {
            match tone_of(d) {
                Some(t) if tone == Tone::Level => tone = t,
                Some(_) => return None,
                None => {
                    base = Some(match base {
                        None => d,
                        Some(b) => compose(b, d)?,
                    })
                }
            }
        }
        toneless.push(base?);
    }
    Some((toneless, tone))
}

/// A parsed lower-case syllable: `onset` + `rhyme` spell the toneless form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syllable {
    pub onset: String,
    pub rhyme: String,
    pub tone: Tone,
}

/// Parses a lower-case word as one Vietnamese syllable (either tone placement).
pub fn parse(word: &str) -> Option<Syllable> {
    if word.is_empty() || word.chars().count() > 7 {
        return None;
    }
    let (toneless, tone) = split_tone(word)?;
    let onsets = ONSETS
        .iter()
        .copied()
        .filter(|o| toneless.starts_with(o))
        .chain([""]);
    for onset in onsets {
        let rhyme = &toneless[onset.len()..];
        // "gi"/"qu" + vowel: the i or u is part of the onset ("gia", "giếng", "qua",
        // "quyết"). Before a consonant it is the rhyme's vowel: "gìn" is g + in.
        let absorbs = |vowel: char| {
            rhyme.starts_with(|c: char| VOWELS.contains(c))
                && (valid_rhyme(rhyme) || valid_rhyme(&format!("{vowel}{rhyme}")))
        };
        let ok = match onset {
            "gi" => absorbs('i'),
            "qu" => absorbs('u'),
            _ => valid_rhyme(rhyme),
        };
        if ok && tone_fits(rhyme, tone) {
            return Some(Syllable {
                onset: onset.to_string(),
                rhyme: rhyme.to_string(),
                tone,
            });
        }
    }
    None
}

fn valid_rhyme(r: &str) -> bool {
    RHYMES.contains(&r)
}

fn tone_fits(rhyme: &str, tone: Tone) -> bool {
    let stop = STOP_FINALS.iter().any(|f| rhyme.ends_with(f));
    !stop || matches!(tone, Tone::Acute | Tone::Dot)
}

/// True when `word` (lower-case ASCII) is a Vietnamese syllable with its marks
/// stripped ("duoc", "cac"; not "form", "and").
pub(crate) fn is_stripped_syllable(word: &str) -> bool {
    static RHYMES_STRIPPED: OnceLock<HashSet<String>> = OnceLock::new();
    let rhymes = RHYMES_STRIPPED.get_or_init(|| RHYMES.iter().map(|r| fold(r)).collect());
    // "đ" stripped is "d", an onset of its own.
    let onsets = ONSETS.iter().filter(|o| o.is_ascii());
    onsets.chain(&[""]).any(|&onset| {
        let Some(rhyme) = word.strip_prefix(onset) else {
            return false;
        };
        let vowel_first = rhyme.starts_with(|c: char| VOWELS.contains(c));
        match onset {
            "gi" => {
                vowel_first && (rhymes.contains(rhyme) || rhymes.contains(&format!("i{rhyme}")))
            }
            "qu" => {
                vowel_first && (rhymes.contains(rhyme) || rhymes.contains(&format!("u{rhyme}")))
            }
            _ => rhymes.contains(rhyme),
        }
    })
}

/// True when `word` (any case) is one well-formed Vietnamese syllable.
pub(crate) fn is_syllable(word: &str) -> bool {
    parse(&word.to_lowercase()).is_some()
}

/// Index (in chars of the rhyme) of the vowel that carries the tone mark.
fn tone_position(rhyme: &str) -> usize {
    let chars: Vec<char> = rhyme.chars().collect();
    let final_len = FINALS
        .iter()
        .find(|f| rhyme.ends_with(*f) && f.len() < rhyme.len())
        .map_or(0, |f| f.chars().count());
    let nucleus = &chars[..chars.len() - final_len];
    if let Some(i) = nucleus.iter().rposition(|c| "ăâêôơư".contains(*c)) {
        return i;
    }
    match (nucleus.len(), final_len) {
        (0 | 1, _) => 0,
        (n, f) if f > 0 => n - 1,
        (2, _) => 0, // hòa, thủy, mía, múa
        _ => 1,      // ngoài, khuỷu
    }
}

/// Writes `word` with its tone mark in the project's place, keeping each char's case.
/// Words that are not one Vietnamese syllable come back unchanged (NFC).
pub(crate) fn normalize(word: &str) -> String {
    // Fast path: plain ASCII carries no tone mark to move.
    if word.is_ascii() {
        return word.to_string();
    }
    let lower = word.to_lowercase();
    let Some(syl) = parse(&lower) else {
        return word.nfc().collect();
    };
    let Some(mark) = mark_of(syl.tone) else {
        return word.nfc().collect();
    };
    let at = syl.onset.chars().count() + tone_position(&syl.rhyme);
    let placed: Option<Vec<char>> = syl
        .onset
        .chars()
        .chain(syl.rhyme.chars())
        .enumerate()
        .map(|(i, c)| if i == at { compose(c, mark) } else { Some(c) })
        .collect();
    let orig: Vec<char> = word.chars().collect();
    match placed {
        Some(placed) if placed.len() == orig.len() => placed
            .iter()
            .zip(&orig)
            .map(|(p, o)| {
                if o.is_uppercase() {
                    p.to_uppercase().next().unwrap_or(*p)
                } else {
                    *p
                }
            })
            .collect(),
        _ => word.nfc().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_placement_cases() {
        for (input, want) in [
            ("hoà", "hòa"),
            ("hòa", "hòa"),
            ("thuỷ", "thủy"),
            ("Uỷ", "Ủy"),
            ("khoẻ", "khỏe"),
            ("hoàng", "hoàng"),
            ("quý", "quý"),
            ("quốc", "quốc"),
            ("giá", "giá"),
            ("gì", "gì"),
            ("người", "người"),
            ("NGOÀI", "NGOÀI"),
            ("khuỷu", "khuỷu"),
            ("ĐIỀU", "ĐIỀU"),
            ("nghiêng", "nghiêng"),
            ("iPhone", "iPhone"),
            ("HÓA", "HÓA"),
            ("HOÁ", "HÓA"),
            ("gìn", "gìn"),
            ("GÌN", "GÌN"),
            ("Gìn", "Gìn"),
            ("gím", "gím"),
            ("gịt", "gịt"),
            ("gỉ", "gỉ"),
            ("giữ", "giữ"),
            ("giặc", "giặc"),
            ("giường", "giường"),
            ("quýt", "quýt"),
            ("quỳnh", "quỳnh"),
            ("quả", "quả"),
        ] {
            assert_eq!(normalize(input), want, "{input}");
        }
    }

    #[test]
    fn validity() {
        for ok in [
            "nghiêng", "quyết", "gì", "giếng", "khuya", "đ", "uỷ", "oa", "việt", "hoạch", "người",
            "a", "oanh", "giữa", "Việt",
        ] {
            assert_eq!(is_syllable(ok), ok != "đ", "{ok}");
        }
        for stripped in ["duoc", "cac", "nguoi", "gin", "quyet", "it", "de"] {
            assert!(is_stripped_syllable(stripped), "{stripped}");
        }
        for foreign in ["form", "and", "this", "send", "committee", "gn"] {
            assert!(!is_stripped_syllable(foreign), "{foreign}");
        }
        for bad in ["ho¹ch", "xyz", "việtt", "ếế"] {
            assert!(!is_syllable(bad), "{bad}");
        }
        for bad in ["pieu", "cchc", "tcvn", "càc", "hoạn"] {
            let want = bad == "hoạn";
            assert_eq!(is_syllable(bad), want, "{bad}");
        }
    }
}
