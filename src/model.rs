//! The output contract: one [`Document`] per input file.
//!
//! Field names are part of the public contract described by
//! `schemas/document.schema.json`; add fields, never rename them.
//! Spans are `[start, end)` in Unicode code points of [`Document::text`].

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

/// `[start, end)` in code points of the repaired text.
pub type Span = [usize; 2];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Document {
    pub schema_version: u32,
    pub source: Source,
    pub quality: Quality,
    pub metadata: Metadata,
    pub sections: Vec<Section>,
    pub tables: Vec<Table>,
    pub tasks: Vec<Task>,
    pub figures: Vec<Figure>,
    pub citations: Vec<Citation>,
    /// Digital signatures and e-signature stamps, in page order; empty when none were
    /// found (and, for now, for text inputs).
    #[serde(default)]
    pub signatures: Vec<Signature>,
    pub text: String,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Source {
    pub path: String,
    pub sha256: String,
    /// `text`, `markdown`, `html`, `pdf`.
    pub format: String,
    pub bytes: u64,
    /// Page count for paged inputs, `null` for plain text.
    pub pages: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Quality {
    /// Encoding the input was decoded from: `utf-8`, `utf-16le`, `windows-1258`, `tcvn3`, …
    pub encoding: String,
    /// `native`, `ocr`, `damaged`, `none` (no text layer; text came from OCR), or `plain` for text files.
    pub text_layer: String,
    /// `intact`, `restored` or `partial`.
    pub diacritics: String,
    pub repaired_tokens: u64,
    /// 0..1: how far the text can be trusted after repair.
    pub confidence: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    pub agency: Option<String>,
    pub parent_agency: Option<String>,
    /// Normalized document number, e.g. `4203/QĐ-UBND`.
    pub number: Option<String>,
    /// Document type as a title-case word: `Kế hoạch`, `Quyết định`, `Báo cáo`, …
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    pub place: Option<String>,
    /// `YYYY-MM-DD`; `YYYY-MM` or `YYYY` when the day (and month) were left blank or
    /// could not be read, as `date_precision` says.
    pub date: Option<String>,
    /// `day`, `month` or `year`: how much of `date` the document gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_precision: Option<crate::vn::Precision>,
    pub title: Option<String>,
    pub signer: Option<Signer>,
    pub recipients: Vec<String>,
    /// Fields read through damage (a scan's handwritten or stamped number, a day filled
    /// in from what is left of it and the signing date): lower confidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub damaged: Vec<MetadataField>,
}

/// A field of [`Metadata`] that a confidence note can name.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MetadataField {
    Number,
    Date,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Signer {
    pub name: Option<String>,
    pub position: Option<String>,
    /// Signing authority such as `KT. GIÁM ĐỐC` or `TM. ỦY BAN NHÂN DÂN`.
    pub authority: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Section {
    /// The label as written and normalized: `II.`, `1.2.`, `a)`, `Điều 1.`.
    pub label: String,
    pub heading: String,
    pub level: u32,
    /// From the heading to the start of the next section of the same or a higher level.
    pub span: Span,
    /// Bullet (`-`, `+`) list items directly under this section.
    pub items: Vec<ListItem>,
    pub children: Vec<Section>,
    /// 1-based page of the heading, for paged sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListItem {
    pub marker: String,
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Table {
    pub title: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<TableRow>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableRow {
    /// `task` for an ordinary row, `group` for a heading row such as `I CÔNG TÁC CHỈ ĐẠO`.
    pub kind: String,
    pub cells: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Task {
    /// Group heading the task sits under (`I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH`).
    pub group: Option<String>,
    pub number: Option<String>,
    pub content: String,
    pub lead: Vec<String>,
    pub partners: Vec<String>,
    pub outputs: Option<String>,
    pub deadline: Option<Deadline>,
    /// Index into `tables`, or `null` for tasks written in the body.
    pub table: Option<usize>,
    /// Index into the table's `rows`.
    pub row: Option<usize>,
    /// Label of the section the task was read in.
    pub section: Option<String>,
    pub span: Span,
    /// 1-based page where the task starts, for paged sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Deadline {
    pub text: String,
    /// `date`, `before`, `quarter`, `month`, `year`, `recurring`, `relative`, `unspecified`.
    pub kind: String,
    pub start: Option<String>,
    pub end: Option<String>,
    /// 1..4 when the deadline names a quarter.
    pub quarter: Option<u8>,
    /// True when the year was not written and was taken from the document.
    pub year_inferred: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Figure {
    pub text: String,
    /// `count`, `ratio`, `percent`.
    pub kind: String,
    pub value: f64,
    pub total: Option<f64>,
    pub percent: Option<f64>,
    pub unit: Option<String>,
    pub subject: Option<String>,
    /// `trên`, `ít nhất`, `từ … trở lên`, `tối thiểu` … when the figure is a bound or target.
    pub qualifier: Option<String>,
    /// For a ratio with a stated percentage: whether the two agree (to rounding).
    pub consistent: Option<bool>,
    pub span: Span,
    /// 1-based page, for paged sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Citation {
    /// Normalized id: `59/2012/NĐ-CP`, `18-NQ/TW`, or a law's name.
    pub id: String,
    #[serde(rename = "type")]
    pub doc_type: String,
    pub number: Option<String>,
    pub year: Option<i32>,
    pub code: Option<String>,
    pub date: Option<String>,
    pub issuer: Option<String>,
    /// `căn cứ`, `thực hiện` or `dẫn chiếu`.
    pub relation: String,
    pub mentions: Vec<Span>,
    /// 1-based page of each mention, for paged sources (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
}

/// One digital signature of the document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Signature {
    /// Who signed: the signature's `/Name`, else the stamp's "Ký bởi:"/"Người ký:" name,
    /// else (the gazette centre's stamp) the centre's name.
    pub signer: Option<String>,
    /// The stamp's "Cơ quan:" value.
    pub organization: Option<String>,
    /// ISO 8601 signing time, with its offset when known: `2025-01-07T10:09:57+07:00`.
    pub time: Option<String>,
    /// 1-based page of the signature, for paged sources.
    pub page: Option<u32>,
    pub source: SignatureSource,
}

/// Where a signature was read.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignatureSource {
    /// A signed signature field of a PDF (its widget and signature dictionary).
    Widget,
    /// A stamp's text in a text layer or text input.
    StampText,
    /// A stamp read by OCR.
    Ocr,
}

/// What a document that could not be processed yields instead of a [`Document`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorRecord {
    pub path: String,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    /// `io`, `too_large`, `unsupported`, `timeout`, `parse`, `internal`.
    pub kind: String,
    pub message: String,
}
