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

pub fn decode(bytes: &[u8]) -> Result<Decoded, IngestError> {
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
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(match legacy::detect(text, None) {
            // Legacy code points pasted into a UTF-8 file, or VIQR (pure ASCII).
            Some(found) => Decoded {
                text: found.text,
                encoding: found.encoding.label(),
                warnings: Vec::new(),
            },
            None => match cipher::decipher(text) {
                // Extracted through a broken font map: a substitution per document.
                Some(found) => Decoded {
                    warnings: vec![format!(
                        "broken font map deciphered: {} symbols replaced (valid syllables {:.0}% → {:.0}%)",
                        found.symbols,
                        found.before.valid * 100.0,
                        found.after.valid * 100.0
                    )],
                    text: found.text,
                    encoding: "utf-8",
                },
                None => Decoded {
                    text: text.to_string(),
                    encoding: "utf-8",
                    warnings: Vec::new(),
                },
            },
        }),
        Err(_) => {
            let (text, _) = UTF_8.decode_without_bom_handling(bytes);
            let invalid = text
                .chars()
                .filter(|&c| c == char::REPLACEMENT_CHARACTER)
                .count();
            if (invalid as f64) <= MAX_INVALID_UTF8_SHARE * bytes.len() as f64 {
                let warnings = vec![format!("{invalid} invalid UTF-8 sequences replaced")];
                return Ok(Decoded {
                    text: text.into_owned(),
                    encoding: "utf-8",
                    warnings,
                });
            }
            let (text, _) = WINDOWS_1258.decode_without_bom_handling(bytes);
            if let Some(found) = legacy::detect_bytes(bytes, &text) {
                return Ok(Decoded {
                    text: found.text,
                    encoding: found.encoding.label(),
                    warnings: Vec::new(),
                });
            }
            Ok(Decoded {
                text: text.into_owned(),
                encoding: "windows-1258",
                warnings: Vec::new(),
            })
        }
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
    fn binary_is_rejected() {
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(matches!(decode(&garbage), Err(IngestError::Binary(_))));
    }
}
