//! Stage 1: bytes → NFC text, one output line per source line for text inputs.
//!
//! **Invariant:** ingest never fails on a readable text file: it returns text plus
//! warnings. It fails only on input it cannot interpret at all (binary data, an
//! unreadable PDF) or input over a [`Limits`] bound.

mod chrome;
mod cipher;
mod decode;
mod image;
pub mod legacy;
mod markup;
mod office;
pub mod pdf;

use std::path::Path;

use unicode_normalization::UnicodeNormalization;

use crate::model::{ErrorKind, Format, Signature, TextLayer};
use crate::Limits;

use office::OfficeFormat;

/// What a file is, from its first bytes, else its extension. The one list of the formats
/// vanban reads: the directory walk asks [`is_supported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Plain text, Markdown, HTML (told apart by [`ingest_text`]).
    Text,
    Pdf,
    Office(OfficeFormat),
    Image(image::ImageFormat),
}

/// Extensions of the formats read, lower case.
const TEXT_EXTENSIONS: &[&str] = &["txt", "text", "md", "markdown", "html", "htm"];
const OFFICE_EXTENSIONS: &[(&str, OfficeFormat)] = &[
    ("docx", OfficeFormat::Docx),
    ("odt", OfficeFormat::Odt),
    ("xlsx", OfficeFormat::Spreadsheet),
    ("xlsm", OfficeFormat::Spreadsheet),
    ("xls", OfficeFormat::Spreadsheet),
    ("ods", OfficeFormat::Spreadsheet),
    ("doc", OfficeFormat::Legacy),
    ("rtf", OfficeFormat::Legacy),
];

/// Cuts line `no` (0-based) to `Limits::max_line_chars`, with a warning.
fn cut_long_line(line: &mut String, no: usize, limits: &Limits, warnings: &mut Vec<String>) {
    if line.chars().count() > limits.max_line_chars {
        *line = line.chars().take(limits.max_line_chars).collect();
        warnings.push(format!(
            "line {} cut to {} characters",
            no + 1,
            limits.max_line_chars
        ));
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

impl FileKind {
    /// The format of a file named `path` holding `bytes` (a file's magic number wins over
    /// its extension: an RTF file named `.txt` is RTF).
    pub fn detect(bytes: &[u8], path: &Path) -> FileKind {
        // pdftotext finds the header after a BOM or other bytes, up to 1 KiB in.
        if bytes.starts_with(b"%PDF") || bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
            return FileKind::Pdf;
        }
        if bytes.starts_with(b"{\\rtf") {
            return FileKind::Office(OfficeFormat::Legacy);
        }
        if let Some(image) = image::ImageFormat::sniff(bytes) {
            return FileKind::Image(image);
        }
        FileKind::from_path(path).unwrap_or(FileKind::Text)
    }

    /// The format an extension names; `None` for extensions vanban does not read.
    pub fn from_path(path: &Path) -> Option<FileKind> {
        let ext = extension(path);
        if TEXT_EXTENSIONS.contains(&ext.as_str()) {
            return Some(FileKind::Text);
        }
        if ext == "pdf" {
            return Some(FileKind::Pdf);
        }
        if let Some((_, f)) = OFFICE_EXTENSIONS.iter().find(|(e, _)| *e == ext) {
            return Some(FileKind::Office(*f));
        }
        image::ImageFormat::from_extension(&ext).map(FileKind::Image)
    }
}

/// Whether a directory walk should pick up `path`: a known extension, or none at all.
pub fn is_supported(path: &Path) -> bool {
    path.extension().is_none() || FileKind::from_path(path).is_some()
}

/// The text of one document as read, before repair.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// NFC text; for text inputs, line `n` is line `n` of the source.
    pub text: String,
    /// What the document was read as.
    pub format: Format,
    /// Encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// `Plain` for text files; `Native`, `Ocr`, `Damaged` or `None` for PDFs.
    pub text_layer: TextLayer,
    pub pages: Option<u32>,
    /// 1-based page of each line of `text`; empty for unpaged inputs.
    pub line_pages: Vec<u32>,
    /// Where each line of `text` lies on its page, when its geometry is known (PDFs,
    /// scans); empty for other inputs.
    pub line_bounds: Vec<Option<crate::model::Bounds>>,
    /// Signed signature fields of a PDF, in page order (see
    /// [`Document::signatures`](crate::model::Document::signatures)); their stamps' text
    /// is not in `text`. Empty for other inputs.
    pub signatures: Vec<Signature>,
    /// Header digits of a scan read from handwriting or a stamp (lower confidence).
    pub handwritten: Vec<pdf::ocr::HandRead>,
    pub warnings: Vec<String>,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("file is {bytes} bytes, over the {limit}-byte limit")]
    TooLarge { bytes: u64, limit: u64 },
    #[error("input goes on past the {limit}-byte limit")]
    PastLimit { limit: u64 },
    #[error("not a regular file: {0}")]
    NotRegular(&'static str),
    #[error("not a text document: {0}")]
    Binary(String),
    #[error("empty document")]
    Empty,
    #[error("unreadable PDF: {0}")]
    Pdf(#[from] pdf::PdfError),
    #[error("unreadable office document: {0}")]
    Office(String),
    #[error("unreadable image: {0}")]
    Image(String),
    #[error("{tool} is needed to read this format and is not installed ({hint})")]
    MissingTool {
        tool: &'static str,
        hint: &'static str,
    },
}

impl IngestError {
    /// Stable machine-readable kind for error records.
    pub fn kind(&self) -> ErrorKind {
        match self {
            IngestError::TooLarge { .. } | IngestError::PastLimit { .. } => ErrorKind::TooLarge,
            IngestError::Binary(_)
            | IngestError::NotRegular(_)
            | IngestError::MissingTool { .. } => ErrorKind::Unsupported,
            IngestError::Empty => ErrorKind::Empty,
            IngestError::Pdf(e) => e.kind(),
            IngestError::Office(_) | IngestError::Image(_) => ErrorKind::Parse,
        }
    }
}

/// Reads one document; `path` is used only to pick the format.
pub fn ingest(bytes: &[u8], path: &Path, limits: &Limits) -> Result<Ingested, IngestError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(IngestError::TooLarge {
            bytes: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    match FileKind::detect(bytes, path) {
        FileKind::Pdf => pdf::ingest_pdf(bytes, limits),
        FileKind::Office(format) => {
            let ext = match (format, extension(path).as_str()) {
                // Sniffed RTF under another name.
                (OfficeFormat::Legacy, "doc") => "doc",
                (OfficeFormat::Legacy, _) if bytes.starts_with(b"{\\rtf") => "rtf",
                (_, ext) => ext,
            }
            .to_string();
            office::ingest_office(bytes, format, &ext, limits)
        }
        FileKind::Image(format) => image::ingest_image(bytes, format, limits),
        FileKind::Text => ingest_text(bytes, path, limits),
    }
}

/// Text-like inputs: plain text, Markdown, HTML pages and fragments.
pub fn ingest_text(bytes: &[u8], path: &Path, limits: &Limits) -> Result<Ingested, IngestError> {
    let decoded = decode::decode(bytes)?;
    let mut warnings = decoded.warnings;
    let ext = extension(path);
    let is_page =
        matches!(ext.as_str(), "html" | "htm") || markup::looks_like_html_page(&decoded.text);
    let (body, format) = if is_page {
        (markup::html_page_to_text(&decoded.text), Format::Html)
    } else {
        let format = if ext == "md" || markup::looks_like_markdown(&decoded.text) {
            Format::Markdown
        } else {
            Format::Text
        };
        (decoded.text, format)
    };
    let mut lines: Vec<String> = body
        .split('\n')
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    for (no, line) in lines.iter_mut().enumerate() {
        // Markup first, so that the limit counts text, not tags.
        *line = markup::flatten_line(line).nfc().collect();
        cut_long_line(line, no, limits, &mut warnings);
    }
    let removed = chrome::blank_chrome(&mut lines);
    if removed > 0 {
        warnings.push(format!(
            "{removed} lines of page chrome or furniture removed"
        ));
    }
    let text = lines.join("\n");
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    Ok(Ingested {
        text,
        format,
        encoding: decoded.encoding,
        text_layer: TextLayer::Plain,
        pages: None,
        line_pages: Vec::new(),
        line_bounds: Vec::new(),
        signatures: Vec::new(),
        handwritten: Vec::new(),
        warnings,
    })
}
