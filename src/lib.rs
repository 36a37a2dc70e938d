//! vanban turns archived Vietnamese administrative documents (kế hoạch, báo cáo,
//! quyết định…) into structured JSON.
//!
//! The pipeline has five stages, each a module usable on its own:
//!
//! * [`ingest`] reads bytes (UTF-8/16, Windows-1258, legacy fonts, HTML, Markdown, PDF)
//!   into NFC text with one line per source line, plus diagnostics.
//! * [`repair`] restores Vietnamese diacritics and undoes OCR damage.
//! * [`segment`] finds the header block, the section tree, the closing block and tables.
//! * [`extract`] reads tasks, citations and figures out of the segmented text.
//! * [`output`] assembles the [`Document`] and writes it atomically.
//!
//! [`process_file`] runs them all under explicit [`Limits`]:
//!
//! ```
//! let doc = vanban::process_bytes(
//!     "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ;".as_bytes(),
//!     "inline.txt",
//!     &vanban::Limits::default(),
//! ).unwrap();
//! assert_eq!(doc.citations[0].id, "61/2018/NĐ-CP");
//! assert_eq!(doc.citations[0].date.as_deref(), Some("2018-04-23"));
//! ```
//!
//! # Public API
//!
//! What a caller may rely on; everything else is `pub(crate)`.
//!
//! * Whole documents: [`process_file`], [`process_bytes`], [`read_file`], [`read_bounded`],
//!   [`ProcessError`], under [`Limits`] (and its [`Ocr`] mode).
//! * The output contract: [`model`] ([`Document`], [`ErrorRecord`] and their parts), the same
//!   fields as `schemas/document.schema.json`.
//! * One entry point per stage, each usable on its own: [`ingest::ingest`] → [`ingest::Ingested`],
//!   [`repair::repair`] → [`repair::Repaired`], [`segment::segment`] → [`segment::Segmented`],
//!   [`extract::extract`] → [`extract::Extracted`], [`output::assemble`] → [`Document`]; plus
//!   the readers a dashboard reuses on its own cells: [`extract::parse_deadline`],
//!   [`extract::parse_deadline_in`], [`extract::parse_deliverables`], [`extract::split_units`].
//! * Knowledge of Vietnamese documents: [`vn`] (document types and symbols, dates with their
//!   precision, document numbers, agencies, e-signature stamps).
//! * Batches: [`batch::run`] over [`batch::collect`]ed inputs, with per-document outcomes.
//! * With the `archive` feature: `archive` (loading converted documents, the search index,
//!   SQLite/CSV/Parquet exports, the web server).
//! * For the crate's own tools (`src/bin/`, `fuzz/`, benches): [`eval`] (SER/CER scoring),
//!   [`text`] (folding and line helpers), [`repair::train`], [`ingest::legacy`], the PDF
//!   worker's entry point in [`ingest::pdf`] (the binary re-executes itself as the worker) and
//!   its page OCR, [`ingest::pdf::ocr`].

#[cfg(feature = "archive")]
pub mod archive;
pub mod batch;
pub mod eval;
pub mod extract;
pub mod ingest;
pub mod model;
pub mod output;
pub mod repair;
pub mod segment;
pub mod text;
pub mod vn;

mod limits;
mod pipeline;

pub use limits::{Limits, Ocr};
pub use model::{Document, ErrorRecord};
pub use pipeline::{process_bytes, process_file, read_bounded, read_file, ProcessError};
