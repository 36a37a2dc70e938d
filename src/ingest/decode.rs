//! Byte decoding: BOMs, UTF-8, UTF-16, Windows-1258, binary rejection.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1258};

use super::{cipher, legacy, IngestError};

pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub warnings: Vec<String>,
}

/// Share of control bytes above which a file is taken for binary data.
const MAX_CONTROL_SHARE: f64 = 0.02;
/// Share of invalid UTF-8 sequences up to which UTF-8 is still assumed (a damaged file).
const MAX_INVALID_UTF8_SHARE: f64 = 0.001;
/// Valid non-ASCII UTF-8 characters per invalid sequence from which a file is UTF-8 with
/// scattered bad bytes: a legacy 8-bit file almost never holds a valid UTF-8 sequence.
const MIN_VALID_PER_INVALID: usize = 4;

/// Decodes `bytes`, then removes control characters (NUL and the like: they break line
/// and header detection) but tab, line ends and form feed, with a warning.
pub fn decode(bytes: &[u8]) -> Result<Decoded, IngestError> {
    let mut decoded = decode_bytes(bytes)?;
    let kept = |c: &char| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}');
    let removed = decoded.text.chars().filter(|c| !kept(c)).count();
    if removed > 0 {
        decoded.text = decoded.text.chars().filter(kept).collect();
        decoded.warnings.push(format!(
            "{removed} control characters (NUL and others) removed"
        ));
    }
    Ok(decoded)
}

/// Valid non-ASCII characters and invalid sequences of `bytes` read as UTF-8.
fn utf8_counts(bytes: &[u8]) -> (usize, usize) {
    bytes.utf8_chunks().fold((0, 0), |(valid, invalid), chunk| {
        (
            valid + chunk.valid().chars().filter(|c| !c.is_ascii()).count(),
            invalid + usize::from(!chunk.invalid().is_empty()),
        )
    })
}

fn decode_bytes(bytes: &[u8]) -> Result<Decoded, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        let mut warnings = Vec::new();
        if had_errors {
            warnings.push(format!("invalid {} sequences replaced", enc.name()));
        }
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: label(enc),
            warnings,
        });
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: label(enc),
            warnings: vec!["UTF-16 without BOM".into()],
        });
    }
    let control = bytes
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    if control as f64 > MAX_CONTROL_SHARE * bytes.len() as f64 {
        return Err(IngestError::Binary(format!(
            "{control} control bytes in {} bytes",
            bytes.len()
        )));
    }
    let (text, mut warnings) = match std::str::from_utf8(bytes) {
        Ok(text) => (std::borrow::Cow::Borrowed(text), Vec::new()),
        Err(_) => {
            let (valid, invalid) = utf8_counts(bytes);
            let scattered = (invalid as f64) <= MAX_INVALID_UTF8_SHARE * bytes.len() as f64
                || valid >= MIN_VALID_PER_INVALID * invalid;
            if !scattered {
                return Ok(legacy_8bit(bytes));
            }
            let (text, _) = UTF_8.decode_without_bom_handling(bytes);
            (
                text,
                vec![format!("{invalid} invalid UTF-8 sequences replaced")],
            )
        }
    };
    Ok(match legacy::detect(&text, None) {
        // Legacy code points pasted into a UTF-8 file, or VIQR (pure ASCII).
        Some(found) => Decoded {
            text: found.text,
            encoding: found.encoding.label(),
            warnings,
        },
        None => match cipher::decipher(&text) {
            // Extracted through a broken font map: a substitution per document.
            Some(found) => {
                warnings.push(format!(
                    "broken font map deciphered: {} symbols replaced (valid syllables {:.0}% → {:.0}%)",
                    found.symbols,
                    found.before.valid * 100.0,
                    found.after.valid * 100.0
                ));
                Decoded {
                    text: found.text,
                    encoding: "utf-8",
                    warnings,
                }
            }
            None => Decoded {
                text: text.into_owned(),
                encoding: "utf-8",
                warnings,
            },
        },
    })
}

/// An 8-bit file: a legacy Vietnamese font encoding if one fits, else Windows-1258.
fn legacy_8bit(bytes: &[u8]) -> Decoded {
    let (text, _) = WINDOWS_1258.decode_without_bom_handling(bytes);
    if let Some(found) = legacy::detect_bytes(bytes, &text) {
        return Decoded {
            text: found.text,
            encoding: found.encoding.label(),
            warnings: Vec::new(),
        };
    }
    Decoded {
        text: text.into_owned(),
        encoding: "windows-1258",
        warnings: Vec::new(),
    }
}

/// UTF-16 text without a BOM has NULs in the high byte of ASCII characters:
/// many at one parity of offsets, almost none at the other.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 {
        return None;
    }
    let half = bytes.len() / 2;
    let even = bytes.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let (many, few) = (half * 3 / 10, half / 20);
    match (even, odd) {
        (e, o) if e > many && o <= few => Some(UTF_16BE),
        (e, o) if o > many && e <= few => Some(UTF_16LE),
        _ => None,
    }
}

fn label(enc: &'static Encoding) -> &'static str {
    if enc == UTF_8 {
        "utf-8"
    } else if enc == UTF_16LE {
        "utf-16le"
    } else if enc == UTF_16BE {
        "utf-16be"
    } else {
        "windows-1258"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn utf8_bom_is_stripped() {
        let d = decode("\u{feff}Số: 1".as_bytes()).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("Số: 1", "utf-8"));
    }

    #[test]
    fn utf16le_with_bom() {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend("Kế hoạch".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let d = decode(&bytes).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("Kế hoạch", "utf-16le"));
    }

    #[test]
    fn windows_1258_decomposed_marks() {
        // "Việt" in CP1258: V i ê (0xEA) + combining dot below (0xF2) t
        let d = decode(&[b'V', b'i', 0xEA, 0xF2, b't']).unwrap();
        assert_eq!(d.encoding, "windows-1258");
        assert_eq!(d.text.nfc().collect::<String>(), "Việt");
    }

    #[test]
    fn utf16le_without_bom() {
        let bytes: Vec<u8> = "Kế hoạch số 1"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(decode(&bytes).unwrap().text, "Kế hoạch số 1");
        assert!(matches!(decode(&[0u8; 4096]), Err(IngestError::Binary(_))));
    }

    #[test]
    fn scattered_bad_bytes_stay_utf8() {
        // One bad byte in about 300: repaired, not read as Windows-1258.
        let line = "Điều 1. Giao Sở Tài chính chủ trì, phối hợp với các đơn vị liên quan.\n";
        let mut bytes = Vec::new();
        for _ in 0..20 {
            bytes.extend(line.repeat(3).as_bytes());
            bytes.push(0xff);
        }
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "utf-8");
        assert_eq!(d.warnings, ["20 invalid UTF-8 sequences replaced"]);
        assert_eq!(d.text.matches('\u{fffd}').count(), 20);
        assert!(d.text.starts_with("Điều 1. Giao Sở Tài chính"));
    }

    #[test]
    fn control_characters_are_removed() {
        let mut bytes = b"S\x00\x00\xe1\xbb\x91: 12/KH\x07-UBND\x0c\r\n\tA\x7f\n".to_vec();
        bytes.extend("Kế hoạch\n".repeat(40).as_bytes());
        let d = decode(&bytes).unwrap();
        assert!(
            d.text.starts_with("Số: 12/KH-UBND\x0c\r\n\tA\nKế hoạch\n"),
            "{:?}",
            d.text
        );
        assert_eq!(
            d.warnings,
            ["4 control characters (NUL and others) removed"]
        );
    }

    #[test]
    fn binary_is_rejected() {
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(matches!(decode(&garbage), Err(IngestError::Binary(_))));
    }
}
