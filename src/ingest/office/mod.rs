//! Office documents: Word (`.docx`), OpenDocument text (`.odt`) and spreadsheets
//! (`.xlsx`, `.xls`, `.ods`) read natively; `.doc` and `.rtf` converted by LibreOffice.
//!
//! Every reader fills the same [`Builder`], and the document leaves as the text the other
//! paths produce: one line per paragraph with its list label as a reader sees it ("1.",
//! "a)", "-"), tables as tab-separated lines, footnotes at the end. Running headers and
//! footers are page furniture: they stay out of the text and are named in a warning.

mod convert;
mod docx;
mod numbering;
mod odt;
mod sheet;
mod xml;

use std::io::{Cursor, Read};

use unicode_normalization::UnicodeNormalization;

use super::{IngestError, Ingested};
use crate::model::{Format, TextLayer};
use crate::Limits;

/// An office format, picked by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeFormat {
    Docx,
    Odt,
    Spreadsheet,
    /// `.doc` and `.rtf`: converted to `.docx` by LibreOffice first.
    Legacy,
}

/// Reads one office document.
pub fn ingest_office(
    bytes: &[u8],
    format: OfficeFormat,
    ext: &str,
    limits: &Limits,
) -> Result<Ingested, IngestError> {
    let mut warnings = Vec::new();
    let (read, label) = match format {
        OfficeFormat::Docx => (
            docx::read(&mut Package::open(bytes, limits)?)?,
            Format::Docx,
        ),
        OfficeFormat::Odt => (odt::read(&mut Package::open(bytes, limits)?)?, Format::Odt),
        OfficeFormat::Spreadsheet => (sheet::read(bytes, limits)?, sheet::format(ext)),
        OfficeFormat::Legacy => {
            let converted = convert::to_docx(bytes, ext, limits)?;
            warnings.push(format!("converted from .{ext} to .docx by LibreOffice"));
            (
                docx::read(&mut Package::open(&converted, limits)?)?,
                match convert::label(ext) {
                    "doc" => Format::Doc,
                    _ => Format::Rtf,
                },
            )
        }
    };
    read.into_ingested(label, warnings, limits)
}

/// A zip package (OOXML, ODF) whose parts are read within the decompression limit.
pub struct Package {
    zip: zip::ZipArchive<Cursor<Vec<u8>>>,
    budget: u64,
}

impl Package {
    fn open(bytes: &[u8], limits: &Limits) -> Result<Package, IngestError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec()))
            .map_err(|e| IngestError::Office(format!("not a zip package: {e}")))?;
        Ok(Package {
            zip,
            budget: limits.max_decompressed_bytes,
        })
    }

    /// The part at `name` as text; `None` when the package has no such part.
    fn part(&mut self, name: &str) -> Result<Option<String>, IngestError> {
        let file = match self.zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(IngestError::Office(format!("{name}: {e}"))),
        };
        let mut bytes = Vec::new();
        file.take(self.budget + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| IngestError::Office(format!("{name}: {e}")))?;
        if bytes.len() as u64 > self.budget {
            return Err(IngestError::Office(
                "package inflates past the decompressed-size limit".into(),
            ));
        }
        self.budget -= bytes.len() as u64;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| IngestError::Office(format!("{name}: not UTF-8")))
    }

    /// Names of the parts, in package order.
    fn names(&self) -> Vec<String> {
        self.zip.file_names().map(str::to_string).collect()
    }
}

/// A document as read: body blocks, notes and page furniture.
#[derive(Debug, Default)]
pub struct Parsed {
    blocks: Vec<Block>,
    notes: Vec<String>,
    furniture: Vec<String>,
}

#[derive(Debug)]
enum Block {
    Line(String),
    Table(Vec<Vec<String>>),
}

impl Parsed {
    fn into_ingested(
        self,
        format: Format,
        mut warnings: Vec<String>,
        limits: &Limits,
    ) -> Result<Ingested, IngestError> {
        let mut lines: Vec<String> = Vec::new();
        for block in self.blocks {
            match block {
                Block::Line(line) => lines.push(line),
                Block::Table(rows) => {
                    // A blank line apart, as tables stand in text dumps.
                    if lines.last().is_some_and(|l| !l.is_empty()) {
                        lines.push(String::new());
                    }
                    lines.extend(rows.into_iter().map(|r| r.join("\t")));
                    lines.push(String::new());
                }
            }
        }
        if !self.notes.is_empty() {
            lines.push(String::new());
            lines.extend(self.notes);
        }
        let mut furniture = self.furniture;
        furniture.dedup();
        if !furniture.is_empty() {
            warnings.push(format!(
                "page headers and footers kept out of the text: {}",
                furniture.join(" | ")
            ));
        }
        for (no, line) in lines.iter_mut().enumerate() {
            super::cut_long_line(line, no, limits, &mut warnings);
            *line = line.nfc().collect();
        }
        let text = lines.join("\n");
        if text.trim().is_empty() {
            return Err(IngestError::Empty);
        }
        Ok(Ingested {
            text,
            format,
            encoding: "utf-8",
            text_layer: TextLayer::Native,
            pages: None,
            line_pages: Vec::new(),
            line_bounds: Vec::new(),
            signatures: Vec::new(),
            handwritten: Vec::new(),
            warnings,
        })
    }
}

/// Vertical merge state of a table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VMerge {
    None,
    /// The first cell of a vertical merge.
    Restart,
    /// Covered by the cell above.
    Continue,
}

#[derive(Debug)]
struct Cell {
    text: String,
    span: usize,
    vmerge: VMerge,
}

#[derive(Debug, Default)]
struct TableBuilder {
    rows: Vec<Vec<Cell>>,
    row: Vec<Cell>,
    cell: Option<String>,
}

/// Collects paragraphs and tables as a reader walks a document part.
#[derive(Debug, Default)]
struct Builder {
    out: Vec<Block>,
    /// Open paragraphs: text boxes nest paragraphs inside a paragraph.
    paras: Vec<String>,
    tables: Vec<TableBuilder>,
}

impl Builder {
    fn start_para(&mut self) {
        self.paras.push(String::new());
    }

    fn text(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.push_str(s);
        }
    }

    /// Ends the open paragraph; `label` is its list label, if numbered.
    fn end_para(&mut self, label: Option<String>) {
        let Some(text) = self.paras.pop() else { return };
        let text = match label {
            Some(l) if !text.trim().is_empty() => format!("{l} {}", text.trim_start()),
            _ => text,
        };
        match self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            // Cell paragraphs join into one cell line.
            Some(cell) if self.paras.is_empty() => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if !text.is_empty() {
                    if !cell.is_empty() {
                        cell.push(' ');
                    }
                    cell.push_str(&text);
                }
            }
            _ => {
                for line in text.split('\n') {
                    self.out.push(Block::Line(line.trim_end().to_string()));
                }
            }
        }
    }

    /// A line break inside a paragraph: a new line in the body, a space in a cell.
    fn line_break(&mut self) {
        let in_cell = self.tables.last().is_some_and(|t| t.cell.is_some());
        self.text(if in_cell { " " } else { "\n" });
    }

    fn start_table(&mut self) {
        self.tables.push(TableBuilder::default());
    }

    fn start_row(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            t.row.clear();
        }
    }

    fn start_cell(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            t.cell = Some(String::new());
        }
    }

    fn end_cell(&mut self, span: usize, vmerge: VMerge) {
        if let Some(t) = self.tables.last_mut() {
            let text = t.cell.take().unwrap_or_default();
            t.row.push(Cell {
                text,
                span: span.max(1),
                vmerge,
            });
        }
    }

    fn end_row(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            let row = std::mem::take(&mut t.row);
            t.rows.push(row);
        }
    }

    fn end_table(&mut self) {
        let Some(t) = self.tables.pop() else { return };
        let rows = resolve_rows(t.rows);
        match self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            // A table inside a cell: its text joins the cell.
            Some(cell) => {
                for row in rows {
                    let text = row
                        .iter()
                        .filter(|c| !c.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" ");
                    if !text.is_empty() {
                        if !cell.is_empty() {
                            cell.push(' ');
                        }
                        cell.push_str(&text);
                    }
                }
            }
            None if !rows.is_empty() => self.out.push(Block::Table(rows)),
            None => {}
        }
    }

    fn finish(mut self) -> Vec<Block> {
        while !self.paras.is_empty() {
            self.end_para(None);
        }
        while !self.tables.is_empty() {
            self.end_table();
        }
        self.out
    }
}

/// Table rows on the column grid. A horizontally merged cell fills its first column and
/// leaves the others empty, as text dumps show it. A vertically merged cell repeats in a
/// row that starts a new entry (one lead unit for several numbered tasks), and is empty in
/// a row that only continues the one above (its first column covered or empty), so that
/// row continues the entry as a page break does in a text dump.
fn resolve_rows(rows: Vec<Vec<Cell>>) -> Vec<Vec<String>> {
    let width = rows
        .iter()
        .map(|r| r.iter().map(|c| c.span).sum::<usize>())
        .max()
        .unwrap_or(0);
    let mut above: Vec<String> = vec![String::new(); width];
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let continues = row
            .first()
            .is_none_or(|c| c.vmerge == VMerge::Continue || c.text.trim().is_empty());
        let mut line = Vec::with_capacity(width);
        for cell in row {
            let col = line.len();
            let text = match cell.vmerge {
                VMerge::Continue if !continues => above.get(col).cloned().unwrap_or_default(),
                VMerge::Continue => String::new(),
                VMerge::Restart => {
                    if let Some(slot) = above.get_mut(col) {
                        slot.clone_from(&cell.text);
                    }
                    cell.text
                }
                VMerge::None => cell.text,
            };
            line.push(text.replace(['\t', '\n', '\r'], " ").trim().to_string());
            line.extend(std::iter::repeat_n(String::new(), cell.span - 1));
        }
        line.resize(width, String::new());
        if line.iter().any(|c| !c.is_empty()) {
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str, span: usize, vmerge: VMerge) -> Cell {
        Cell {
            text: text.into(),
            span,
            vmerge,
        }
    }

    #[test]
    fn merged_cells_on_the_grid() {
        let rows = vec![
            vec![cell("I", 1, VMerge::None), cell("GROUP", 2, VMerge::None)],
            vec![
                cell("1", 1, VMerge::None),
                cell("Task", 1, VMerge::None),
                cell("Unit", 1, VMerge::Restart),
            ],
            // A new numbered task: the lead unit repeats.
            vec![
                cell("2", 1, VMerge::None),
                cell("Other", 1, VMerge::None),
                cell("", 1, VMerge::Continue),
            ],
            // A continuation: the merged cell stays empty.
            vec![
                cell("", 1, VMerge::Continue),
                cell("more", 1, VMerge::None),
                cell("", 1, VMerge::Continue),
            ],
        ];
        assert_eq!(
            resolve_rows(rows),
            [
                ["I", "GROUP", ""],
                ["1", "Task", "Unit"],
                ["2", "Other", "Unit"],
                ["", "more", ""]
            ]
        );
    }
}
