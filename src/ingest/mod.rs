//! Stage 1: bytes → NFC text, one output line per source line for text inputs.
//!
//! **Invariant:** ingest never fails on a readable text file: it returns text plus
//! warnings. It fails only on input it cannot interpret at all (binary data, an
//! unreadable PDF) or input over a [`Limits`](crate::Limits) bound.

mod chrome;
mod cipher;
mod decode;
pub mod legacy;
mod markup;
pub mod ocr;
pub mod pdf;

use std::path::Path;

use unicode_normalization::UnicodeNormalization;

use crate::model::{ErrorKind, Format, Signature, TextLayer};
use crate::Limits;

/// The text of one document as read, before repair.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// NFC text; for text inputs, line `n` is line `n` of the source.
    pub text: String,
    pub format: Format,
    /// Encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// `Plain` for text files; `Native`, `Ocr`, `Damaged` or `None` for PDFs.
    pub text_layer: TextLayer,
    pub pages: Option<u32>,
    /// 1-based page of each line of `text`; empty for unpaged inputs.
    pub line_pages: Vec<u32>,
    /// Signed signature fields of a PDF, in page order (see
    /// [`Document::signatures`](crate::model::Document::signatures)); their stamps' text
    /// is not in `text`. Empty for other inputs.
    pub signatures: Vec<Signature>,
    pub warnings: Vec<String>,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("file is {bytes} bytes, over the {limit}-byte limit")]
    TooLarge { bytes: u64, limit: u64 },
    #[error("not a text document: {0}")]
    Binary(String),
    #[error("empty document")]
    Empty,
    #[error("unreadable PDF: {0}")]
    Pdf(#[from] pdf::PdfError),
}

impl IngestError {
    /// Stable machine-readable kind for error records.
    pub fn kind(&self) -> ErrorKind {
        match self {
            IngestError::TooLarge { .. } => ErrorKind::TooLarge,
            IngestError::Binary(_) => ErrorKind::Unsupported,
            IngestError::Empty => ErrorKind::Empty,
            IngestError::Pdf(e) => e.kind(),
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
    if bytes.starts_with(b"%PDF") {
        return pdf::ingest_pdf(bytes, limits);
    }
    ingest_text(bytes, path, limits)
}

/// Text-like inputs: plain text, Markdown, HTML pages and fragments.
pub fn ingest_text(bytes: &[u8], path: &Path, limits: &Limits) -> Result<Ingested, IngestError> {
    let decoded = decode::decode(bytes)?;
    let mut warnings = decoded.warnings;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
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
        if line.chars().count() > limits.max_line_chars {
            *line = line.chars().take(limits.max_line_chars).collect();
            warnings.push(format!(
                "line {} cut to {} characters",
                no + 1,
                limits.max_line_chars
            ));
        }
        *line = markup::flatten_line(line).nfc().collect();
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
        signatures: Vec::new(),
        warnings,
    })
}
