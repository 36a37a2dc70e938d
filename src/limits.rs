//! [`Limits`]: the resource bounds every stage is given, on the ground floor so that
//! stages depend on it and not on the pipeline that runs them.

use std::time::{Duration, Instant};

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
    /// Wall-clock budget for one run of a child process (the PDF worker, `pdftoppm`,
    /// `tesseract`, `soffice`).
    pub parse_timeout: Duration,
    /// Wall-clock budget for one paged document, all its processes together: pages not
    /// yet read by OCR when it runs out keep their text layer, with a warning.
    pub document_timeout: Duration,
    /// Address space, in bytes, for the processes of one document at any time: the PDF
    /// worker alone, or the OCR tools of the pages read at once together.
    pub max_memory: u64,
    /// Most pixels a page is rendered to for OCR: larger pages are rendered at a lower
    /// resolution.
    pub max_page_pixels: u64,
}

/// One child process run: a minute.
pub const DEFAULT_PARSE_TIMEOUT: Duration = Duration::from_secs(60);
/// One document: about 50 scanned pages OCR'd on two cores.
pub const DEFAULT_DOCUMENT_TIMEOUT: Duration = Duration::from_secs(120);
/// 1.5 GiB: a document's processes stay well under 2 GB together.
pub const DEFAULT_MAX_MEMORY: u64 = 3 << 29;
/// 24 Mpx: an A3 page at 300 dpi (17.5 Mpx) renders at full resolution.
pub const DEFAULT_MAX_PAGE_PIXELS: u64 = 24_000_000;

impl Default for Limits {
    fn default() -> Self {
        Self {
            repair: true,
            ocr: Ocr::Auto,
            max_bytes: 64 << 20,
            max_line_chars: 20_000,
            max_pages: 2_000,
            max_decompressed_bytes: 256 << 20,
            parse_timeout: DEFAULT_PARSE_TIMEOUT,
            document_timeout: DEFAULT_DOCUMENT_TIMEOUT,
            max_memory: DEFAULT_MAX_MEMORY,
            max_page_pixels: DEFAULT_MAX_PAGE_PIXELS,
        }
    }
}

/// The end of a document's wall-time budget ([`Limits::document_timeout`]).
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline(Instant::now() + budget)
    }

    /// Time left, zero once passed.
    pub fn left(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// The time one child process may take: the time left, at most `cap`.
    pub fn cap(&self, cap: Duration) -> Duration {
        self.left().min(cap)
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
