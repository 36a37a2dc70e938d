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
