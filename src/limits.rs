//! [`Limits`]: the resource bounds every stage is given, on the ground floor so that
//! stages depend on it and not on the pipeline that runs them.

use std::time::Duration;

/// Resource limits and switches for one document. Passed in, never hard-coded in a stage.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Whether the repair stage runs (`--no-repair` turns it off).
    pub repair: bool,
    /// Which PDF pages are read by OCR.
    pub ocr: Ocr,
    /// Largest input file read, in bytes.
    pub max_bytes: u64,
    /// Largest line kept whole; longer lines are cut with a warning.
    pub max_line_chars: usize,
    /// Most pages read from a paged document.
    pub max_pages: u32,
    /// Most bytes a PDF stream may decompress to.
    pub max_decompressed_bytes: u64,
    /// Wall-clock budget for parsing one paged document (run in a child process).
    pub parse_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            repair: true,
            ocr: Ocr::Auto,
            max_bytes: 64 << 20,
            max_line_chars: 20_000,
            max_pages: 2_000,
            max_decompressed_bytes: 256 << 20,
            parse_timeout: Duration::from_secs(60),
        }
    }
}

/// Which PDF pages are rendered and read by OCR (`--ocr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ocr {
    /// Pages without a usable text layer: a damaged layer, or a scan without one.
    #[default]
    Auto,
    /// None: the text layer as it is.
    Never,
    /// Every page.
    Always,
}

impl Ocr {
    pub fn as_str(self) -> &'static str {
        match self {
            Ocr::Auto => "auto",
            Ocr::Never => "never",
            Ocr::Always => "always",
        }
    }
}
