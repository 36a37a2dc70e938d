//! The output contract: one [`Document`] per input file.
//!
//! Field names are part of the public contract described by
//! `schemas/document.schema.json`; add fields, never rename them.
//! Spans are `[start, end)` in Unicode code points of [`Document::text`].

use serde::{Deserialize, Serialize};

use crate::vn::DocType;

pub const SCHEMA_VERSION: u32 = 1;

/// Declares a closed value set: an enum whose variants serialize to the given strings,
/// with `ALL` (every value) and `as_str` (the JSON string),
/// so the strings are written once and the schema can be checked against the type.
macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value as written in the JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use closed_set;

/// `[start, end)` in code points of the repaired text.
pub type Span = [usize; 2];

/// Where a value was read on its page: a rectangle in shares of the page's width and
/// height, from the top left (0 to 1), for PDFs and scans.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Bounds {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

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
    pub format: Format,
    pub bytes: u64,
    /// Page count for paged inputs, `null` for plain text.
    pub pages: Option<u32>,
}

closed_set! {
    /// The kind of input a document was read from.
    Format {
        Text = "text",
        Markdown = "markdown",
        Html = "html",
        Pdf = "pdf",
        Docx = "docx",
        Odt = "odt",
        Doc = "doc",
        Rtf = "rtf",
        Xlsx = "xlsx",
        Xls = "xls",
        Ods = "ods",
        Png = "png",
        Jpeg = "jpeg",
        Tiff = "tiff",
    }
}

closed_set! {
    /// Where the text came from.
    TextLayer {
        /// A text file.
        Plain = "plain",
        /// A PDF's own text layer.
        Native = "native",
        /// A PDF's OCR layer (invisible text over a scan), or tesseract's reading of it.
        Ocr = "ocr",
        /// A PDF text layer too damaged to trust; its pages were read by OCR.
        Damaged = "damaged",
        /// No text layer; the text came from OCR.
        None = "none",
    }
}

closed_set! {
    /// Whether the text's diacritics were all there, restored by repair, or partly lost.
    Diacritics {
        Intact = "intact",
        Restored = "restored",
        Partial = "partial",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Quality {
    /// Encoding the input was decoded from: `utf-8`, `utf-16le`, `windows-1258`, `tcvn3`, …
    pub encoding: String,
    pub text_layer: TextLayer,
    pub diacritics: Diacritics,
    pub repaired_tokens: u64,
    /// 0..1: how far the text can be trusted after repair.
    pub confidence: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    /// The issuing body as written.
    pub agency: Option<String>,
    /// `agency` in one spelling and case, abbreviations expanded ("UBND tỉnh Trà Vinh" →
    /// "Ủy ban nhân dân tỉnh Trà Vinh"): the value to group by.
    #[serde(default)]
    pub agency_canonical: Option<String>,
    pub parent_agency: Option<String>,
    /// Normalized document number, e.g. `4203/QĐ-UBND`.
    pub number: Option<String>,
    /// Document type, one of [`crate::vn::DOC_TYPES`], written by its name: `Kế hoạch`,
    /// `Quyết định`, `Báo cáo`, …
    #[serde(rename = "type")]
    pub doc_type: Option<&'static DocType>,
    pub place: Option<String>,
    /// `YYYY-MM-DD`; `YYYY-MM` or `YYYY` when the day (and month) were left blank or
    /// could not be read, as `date_precision` says.
    pub date: Option<String>,
    /// `day`, `month` or `year`: how much of `date` the document gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_precision: Option<crate::vn::Precision>,
    pub title: Option<String>,
    /// The year the document is dated, else the year its title names ("… năm 2023").
    #[serde(default)]
    pub year: Option<i32>,
    pub signer: Option<Signer>,
    pub recipients: Vec<String>,
    /// Fields read through damage (a scan's handwritten or stamped number, a day filled
    /// in from what is left of it and the signing date, a province's name mended): lower
    /// confidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub damaged: Vec<MetadataField>,
}

closed_set! {
    /// A field of [`Metadata`] that a confidence note can name.
    MetadataField {
        Number = "number",
        Date = "date",
        /// A province's name in the agency mended from OCR damage (`vn::mend_province`).
        Agency = "agency",
    }
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

closed_set! {
    /// What a table row holds.
    RowKind {
        /// An ordinary row.
        Task = "task",
        /// A heading row such as `I CÔNG TÁC CHỈ ĐẠO`.
        Group = "group",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableRow {
    pub kind: RowKind,
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
    /// Each output with its own deadline, when the deadline cell gives several
    /// ("- Kế hoạch (Quý I); - Báo cáo (Trước 30/11)").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliverables: Vec<Deliverable>,
    /// Where the task was read: a table row or the body's text.
    pub source: TaskSource,
    /// Index into `tables`, or `null` for tasks written in the body.
    pub table: Option<usize>,
    /// Index into the table's `rows`.
    pub row: Option<usize>,
    /// Label of the section the task was read in.
    pub section: Option<String>,
    /// Labels of the sections from the top down to `section`: `["II.", "2.", "b)"]`.
    #[serde(default)]
    pub section_path: Vec<String>,
    pub span: Span,
    /// 1-based page where the task starts, for paged sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Where on that page the task's first line (or table row) was read, for PDFs and scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<Bounds>,
}

closed_set! {
    /// Where a task was read.
    TaskSource {
        /// A row of a table (an appendix).
        Table = "table",
        /// A bullet, numbered or lettered item of the body.
        Body = "body",
    }
}

/// One output of a task and its deadline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Deliverable {
    /// What is due ("Kế hoạch"), when the cell names it.
    pub output: Option<String>,
    pub deadline: Deadline,
}

closed_set! {
    /// What a deadline's text names.
    DeadlineKind {
        /// A day: `ngày 05/12/2021`.
        Date = "date",
        /// By a day: `Trước ngày 05/12/2021`, `chậm nhất 30/11`.
        Before = "before",
        /// `Quý I/2020`.
        Quarter = "quarter",
        /// `Tháng 12/2021`.
        Month = "month",
        /// `Năm 2021`.
        Year = "year",
        /// `Thường xuyên`, `hàng quý`, `định kỳ`.
        Recurring = "recurring",
        /// Counted from an event: `sau 30 ngày`, `kể từ`.
        Relative = "relative",
        /// No date could be read.
        Unspecified = "unspecified",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Deadline {
    pub text: String,
    pub kind: DeadlineKind,
    pub start: Option<String>,
    pub end: Option<String>,
    /// 1..4 when the deadline names a quarter.
    pub quarter: Option<u8>,
    /// True when the year was not written and was taken from the document.
    pub year_inferred: bool,
    /// True when the year was named relative to the plan's ("năm liền kề năm thực hiện")
    /// or the date, without a year, would have come before the plan: resolved against
    /// the plan's year and date.
    #[serde(default)]
    pub relative: bool,
}

closed_set! {
    /// How a figure is written.
    FigureKind {
        /// A number of things: `15 xã`.
        Count = "count",
        /// A part of a total: `12/15 xã`.
        Ratio = "ratio",
        /// A percentage: `đạt 95%`.
        Percent = "percent",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Figure {
    pub text: String,
    pub kind: FigureKind,
    pub value: f64,
    pub total: Option<f64>,
    pub percent: Option<f64>,
    pub unit: Option<String>,
    pub subject: Option<String>,
    /// `trên`, `ít nhất`, `từ … trở lên`, `tối thiểu` … when the figure is a bound or target.
    pub qualifier: Option<String>,
    /// For a ratio with a stated percentage: whether the two agree (to rounding).
    pub consistent: Option<bool>,
    /// The parts listed after the figure ("gồm … (19 TTHC), (06 TTHC) …") and whether
    /// they add up to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Parts>,
    pub span: Span,
    /// 1-based page, for paged sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Where on that page the figure's line was read, for PDFs and scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<Bounds>,
}

/// A breakdown of a figure into parts of the same unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Parts {
    /// How many parts were listed.
    pub count: usize,
    pub sum: f64,
    /// Whether the parts add up to the figure's value.
    pub adds_up: bool,
}

closed_set! {
    /// How a document cites another.
    Relation {
        /// `căn cứ`: the cited document is a legal basis.
        Basis = "căn cứ",
        /// `thực hiện`: the document carries the cited one out.
        Implements = "thực hiện",
        /// `dẫn chiếu`: any other mention.
        Reference = "dẫn chiếu",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Citation {
    /// Normalized id: `59/2012/NĐ-CP`, `18-NQ/TW`, or a law's name.
    pub id: String,
    /// One of [`crate::vn::DOC_TYPES`], written by its name.
    #[serde(rename = "type")]
    pub doc_type: &'static DocType,
    pub number: Option<String>,
    pub year: Option<i32>,
    pub code: Option<String>,
    pub date: Option<String>,
    pub issuer: Option<String>,
    /// `issuer` in one spelling and case, abbreviations expanded.
    #[serde(default)]
    pub issuer_canonical: Option<String>,
    pub relation: Relation,
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

closed_set! {
    /// Where a signature was read.
    SignatureSource {
        /// A signed signature field of a PDF (its widget and signature dictionary).
        Widget = "widget",
        /// A stamp's text in a text layer or text input.
        StampText = "stamp_text",
        /// A stamp read by OCR.
        Ocr = "ocr",
    }
}

/// What a document that could not be processed yields instead of a [`Document`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorRecord {
    pub path: String,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    pub kind: ErrorKind,
    pub message: String,
}

closed_set! {
    /// Why a document could not be processed.
    ErrorKind {
        /// The file could not be read.
        Io = "io",
        /// Over a [`Limits`](crate::Limits) bound on bytes.
        TooLarge = "too_large",
        /// Not a document vanban reads (binary data).
        Unsupported = "unsupported",
        /// No text at all.
        Empty = "empty",
        /// Parsing took longer than the time limit.
        Timeout = "timeout",
        /// The file could not be parsed (a broken PDF).
        Parse = "parse",
        /// A bug: a stage panicked.
        Internal = "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The `enum` list at `pointer` in the document schema, sorted.
    fn schema_values(pointer: &str) -> Vec<String> {
        let schema: Value =
            serde_json::from_str(include_str!("../schemas/document.schema.json")).unwrap();
        let mut values: Vec<String> = schema
            .pointer(pointer)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("no enum at {pointer}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        values.sort();
        values
    }

    fn type_values<T: Copy + Serialize>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
        let mut values: Vec<String> = all
            .iter()
            .map(|&v| {
                // as_str and the serde name are one string.
                assert_eq!(serde_json::to_value(v).unwrap(), as_str(v));
                as_str(v).to_string()
            })
            .collect();
        values.sort();
        values
    }

    #[test]
    fn schema_lists_each_enums_values() {
        let p = "/properties";
        let mut checks = vec![
            (
                format!("{p}/source/properties/format/enum"),
                type_values(Format::ALL, Format::as_str),
            ),
            (
                format!("{p}/quality/properties/text_layer/enum"),
                type_values(TextLayer::ALL, TextLayer::as_str),
            ),
            (
                format!("{p}/quality/properties/diacritics/enum"),
                type_values(Diacritics::ALL, Diacritics::as_str),
            ),
            (
                format!("{p}/metadata/properties/date_precision/enum"),
                type_values(crate::vn::Precision::ALL, crate::vn::Precision::as_str),
            ),
            (
                format!("{p}/metadata/properties/damaged/items/enum"),
                type_values(MetadataField::ALL, MetadataField::as_str),
            ),
            (
                format!("{p}/tables/items/properties/rows/items/properties/kind/enum"),
                type_values(RowKind::ALL, RowKind::as_str),
            ),
            (
                format!("{p}/tasks/items/properties/source/enum"),
                type_values(TaskSource::ALL, TaskSource::as_str),
            ),
            (
                format!("{p}/tasks/items/properties/deadline/properties/kind/enum"),
                type_values(DeadlineKind::ALL, DeadlineKind::as_str),
            ),
            (
                format!("{p}/figures/items/properties/kind/enum"),
                type_values(FigureKind::ALL, FigureKind::as_str),
            ),
            (
                format!("{p}/citations/items/properties/relation/enum"),
                type_values(Relation::ALL, Relation::as_str),
            ),
            (
                format!("{p}/signatures/items/properties/source/enum"),
                type_values(SignatureSource::ALL, SignatureSource::as_str),
            ),
        ];
        let mut doc_types: Vec<String> = crate::vn::DOC_TYPES
            .iter()
            .map(|t| {
                assert_eq!(serde_json::to_value(t).unwrap(), t.name);
                t.name.to_string()
            })
            .collect();
        doc_types.sort();
        checks.push(("/$defs/doc_type/enum".to_string(), doc_types));
        for (pointer, values) in checks {
            assert_eq!(schema_values(&pointer), values, "{pointer}");
        }
    }
}
