//! Document numbers and symbols: "Số: 73 /KH-SKHCN" → `73/KH-SKHCN`, Party style
//! "226 CV/TWĐTNVP" → `226-CV/TWĐTNVP`, damaged codes "NB-CP" → `NĐ-CP`.

use std::sync::LazyLock;

use regex::Regex;

use super::doc_type::DOC_TYPES;

/// Issuer codes that follow a type code in state numbers (`NĐ-CP`, `QĐ-TTg`).
const ISSUERS: &[&str] = &[
    "CP", "TTg", "UBND", "HĐND", "BTNMT", "BGDĐT", "BTC", "BNV", "BYT", "BCT", "BTTTT", "BKHĐT",
    "BLĐTBXH", "BXD", "BGTVT", "BNNPTNT", "BTP", "BCA", "BQP", "VPCP", "BKHCN", "BVHTTDL", "NHNN",
    "TW", "TWĐTN",
];

/// "73 /KH-SKHCN" → "73/KH-SKHCN"; Party style without a separator, "226 CV/TWĐTNVP"
/// or "342KH/TWĐTNBTG", gets its hyphen: "226-CV/TWĐTNVP". A number whose digits were
/// left blank stays the symbol alone: "NQ/TWĐTNVP".
pub fn normalize_number(raw: &str) -> String {
    static BARE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d+[a-z]?)\s*(\p{Lu})").unwrap());
    let hyphenated = BARE.replace(raw.trim(), "$1-$2");
    let joined: String = hyphenated.chars().filter(|c| !c.is_whitespace()).collect();
    let joined = joined
        .trim_start_matches(['/', '-'])
        .trim_end_matches(['.', '-', '/', ',', ';']);
    normalize_code(joined)
}

/// A digit as OCR writes it: `O`/`Ø` for 0, `I`/`l`/`|` for 1 (either case).
pub(crate) fn ocr_digit(c: char) -> Option<u32> {
    match c {
        'o' | 'O' | 'ø' | 'Ø' => Some(0),
        'i' | 'I' | 'l' | '|' => Some(1),
        c => c.to_digit(10),
    }
}

/// A header's number field as a scan gives it, digits and symbol apart: "84 " and
/// "/TTr -UBND" → `84/TTr-UBND`; "O1" → `01`. Digits that cannot be read ("O{_", "⁄‡6")
/// or read as zero leave the symbol alone, as a blank number does. The flag says the
/// digits were read through damage.
pub fn read_number_field(digits: &str, symbol: &str) -> (String, bool) {
    let digits = digits.trim();
    let read: Option<String> = digits
        .chars()
        .map(|c| ocr_digit(c).and_then(|d| char::from_digit(d, 10)))
        .collect();
    let damaged = !digits.chars().all(|c| c.is_ascii_digit());
    match read.filter(|r| r.chars().any(|c| c != '0')) {
        Some(read) => (normalize_number(&format!("{read}{symbol}")), damaged),
        None => (normalize_number(symbol), !digits.is_empty()),
    }
}

/// Whether `digits` can be a document's number as a clerk writes it: not zero, and a
/// leading zero only to make two digits ("01"…"09", never "099").
pub fn plausible_issue_number(digits: &str) -> bool {
    digits.bytes().all(|b| b.is_ascii_digit())
        && digits.bytes().any(|b| b != b'0')
        && (!digits.starts_with('0') || digits.len() == 2)
}

/// Upper-cases nothing, cuts glued words ("NB-CPngay") and repairs damaged segments to
/// known forms ("NB-CP" → "NĐ-CP", "QD-UBND" → "QĐ-UBND"); separators are kept.
pub fn normalize_code(raw: &str) -> String {
    let cut: String = raw.chars().take(code_len(raw)).collect();
    let mut out = String::with_capacity(cut.len());
    let mut segment = String::new();
    let flush = |segment: &mut String, out: &mut String| {
        let fixed = match segment.as_str() {
            "NB" | "ND" | "NP" => "NĐ",
            "QD" | "QP" | "QB" | "QĐĐ" => "QĐ",
            "HDND" | "HPND" | "HBND" => "HĐND",
            "FTg" => "TTg",
            other => other,
        };
        out.push_str(fixed);
        segment.clear();
    };
    // OCR reads Đ as the Icelandic Ð.
    for c in cut.chars().map(|c| if c == 'Ð' { 'Đ' } else { c }) {
        if c == '-' || c == '/' {
            // OCR doubles a hyphen: "CT--FTg".
            if segment.is_empty() && out.ends_with(c) {
                continue;
            }
            flush(&mut segment, &mut out);
            out.push(c);
        } else {
            segment.push(c);
        }
    }
    flush(&mut segment, &mut out);
    hyphenate_type(out.trim_end_matches(['-', '/']))
}

/// Dumps that lost hyphens glue the type to the issuer: "NĐCP" → "NĐ-CP",
/// "QĐTTg" → "QĐ-TTg". Only known type + issuer pairs are split.
pub fn hyphenate_type(code: &str) -> String {
    if code.contains(['-', '/']) {
        return code.to_string();
    }
    DOC_TYPES
        .iter()
        .flat_map(|t| t.symbols.iter())
        .find_map(|t| {
            code.strip_prefix(t)
                .filter(|rest| ISSUERS.contains(rest))
                .map(|rest| format!("{t}-{rest}"))
        })
        .unwrap_or_else(|| code.to_string())
}

/// Chars of `raw` that belong to the code: codes are upper case except the "g" of
/// "TTg" and the "r" of "TTr", "CTr", so another lower-case letter starts a glued word.
pub fn code_len(raw: &str) -> usize {
    let chars: Vec<char> = raw.chars().collect();
    let allowed = |i: usize| match chars[i] {
        // "TTg", and "FTg" as OCR reads it.
        'g' => i >= 2 && matches!(chars[i - 2..i], ['T' | 'F', 'T']),
        'r' => i >= 1 && chars[i - 1] == 'T',
        'i' => i >= 2 && chars[i - 2..i] == ['Q', 'Đ'],
        _ => false,
    };
    (0..chars.len())
        .find(|&i| chars[i].is_lowercase() && !allowed(i))
        .unwrap_or(chars.len())
}

/// A comparison key: letters and digits only, upper case, so "34-KH/TWĐTN-TNNT",
/// "34 KH/TWĐTNTNNT" and "34/KH-TWĐTN-TNNT" compare equal.
pub fn number_key(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The type code of a number: "73/KH-SKHCN" → "KH", "226-CV/TWĐTNVP" → "CV",
/// "59/2012/NĐ-CP" → "NĐ", "NQ/TWĐTNVP" → "NQ".
pub fn type_code(number: &str) -> Option<&str> {
    number
        .split(['/', '-'])
        .find(|part| !part.is_empty() && !part.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn plausible_issue_numbers() {
        for (digits, plausible) in [
            ("01", true),
            ("23", true),
            ("299", true),
            ("7", true),
            ("099", false),
            ("0", false),
            ("00", false),
            ("", false),
            ("1a", false),
        ] {
            assert_eq!(plausible_issue_number(digits), plausible, "{digits}");
        }
    }

    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(normalize_number("342KH/TWĐTNBTG"), "342-KH/TWĐTNBTG");
        assert_eq!(normalize_number("226 CV/TWĐTNVP"), "226-CV/TWĐTNVP");
        assert_eq!(normalize_number("73 /KH-SKHCN"), "73/KH-SKHCN");
        assert_eq!(normalize_number("  NQ/TWĐTNVP"), "NQ/TWĐTNVP");
        assert_eq!(normalize_number("84 /TTr -UBND"), "84/TTr-UBND");
        assert_eq!(normalize_number("11 /TB-UBND"), "11/TB-UBND");
    }

    #[test]
    fn scanned_fields() {
        assert_eq!(
            read_number_field("84 ", "/TTr -UBND"),
            ("84/TTr-UBND".into(), false)
        );
        assert_eq!(
            read_number_field("Ø8", "/CT-UBND"),
            ("08/CT-UBND".into(), true)
        );
        assert_eq!(
            read_number_field("O{_", " /TTr-UBND"),
            ("TTr-UBND".into(), true)
        );
        assert_eq!(
            read_number_field("0", " /QĐ-BCĐ138"),
            ("QĐ-BCĐ138".into(), true)
        );
        assert_eq!(
            read_number_field("102", "/QĐÐ-UBND"),
            ("102/QĐ-UBND".into(), false)
        );
        assert_eq!(
            read_number_field("", "CTr/TWĐTNVP"),
            ("CTr/TWĐTNVP".into(), false)
        );
    }

    #[test]
    fn codes() {
        assert_eq!(normalize_code("NB-CPngay"), "NĐ-CP");
        assert_eq!(normalize_code("QP-UBND"), "QĐ-UBND");
        assert_eq!(normalize_code("CT-TTg"), "CT-TTg");
        assert_eq!(normalize_code("CT--FTg"), "CT-TTg");
        assert_eq!(normalize_code("NQ/TW"), "NQ/TW");
        assert_eq!(normalize_code("NĐCP"), "NĐ-CP");
        assert_eq!(normalize_code("QĐTTg"), "QĐ-TTg");
        assert_eq!(normalize_code("TTBTNMT"), "TT-BTNMT");
        assert_eq!(normalize_code("KHCN"), "KHCN");
        assert_eq!(normalize_code("TTr-UBND"), "TTr-UBND");
    }

    #[test]
    fn keys_and_type_codes() {
        assert_eq!(
            number_key("34-KH/TWĐTN-TNNT"),
            number_key("34 KH/TWĐTNTNNT")
        );
        assert_eq!(type_code("73/KH-SKHCN"), Some("KH"));
        assert_eq!(type_code("59/2012/NĐ-CP"), Some("NĐ"));
        assert_eq!(type_code("226-CV/TWĐTNVP"), Some("CV"));
        assert_eq!(type_code("NQ/TWĐTNVP"), Some("NQ"));
    }
}
