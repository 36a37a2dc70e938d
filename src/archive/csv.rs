//! One CSV file per SQLite table (`documents.csv`, `tasks.csv`, …), for tools that read
//! files rather than databases.
//!
//! The CSV files are dumped from the SQLite tables of [`super::sqlite`], so both exports
//! always share one schema: same columns, same keys, NULL as an empty field. Each file is
//! written atomically; [`Bom::Utf8`] starts it with a UTF-8 byte order mark, without which
//! Excel reads the file as the local code page and garbles Vietnamese marks.
//!
//! Lines end in CRLF (RFC 4180). A text cell that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a
//! leading `'`, which spreadsheets show as text; JSON and SQLite keep the raw value.

use std::io::Write;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::sqlite::TABLES;
use super::{write_atomically, ArchiveError};

/// Whether CSV files start with a byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bom {
    #[default]
    None,
    /// `EF BB BF`, for Excel.
    Utf8,
}

/// Writes every table of `conn` to `DIR/<table>.csv` (header row first); returns rows per table.
pub fn export(
    conn: &Connection,
    dir: &Path,
    bom: Bom,
) -> Result<Vec<(&'static str, usize)>, ArchiveError> {
    std::fs::create_dir_all(dir).map_err(|e| ArchiveError::io(dir, e))?;
    let mut counts = Vec::new();
    for table in TABLES {
        let path = dir.join(format!("{table}.csv"));
        let mut n = 0;
        write_atomically(&path, |file| {
            if bom == Bom::Utf8 {
                file.write_all("\u{feff}".as_bytes())
                    .map_err(|e| ArchiveError::io(&path, e))?;
            }
            let mut out = ::csv::WriterBuilder::new()
                .terminator(::csv::Terminator::CRLF)
                .from_writer(file);
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))?;
            let columns: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
            out.write_record(&columns)?;
            let mut rows = stmt.query([])?;
            let mut record: Vec<String> = Vec::with_capacity(columns.len());
            while let Some(row) = rows.next()? {
                record.clear();
                for i in 0..columns.len() {
                    record.push(match row.get_ref(i)? {
                        ValueRef::Null => String::new(),
                        ValueRef::Integer(v) => v.to_string(),
                        ValueRef::Real(v) => v.to_string(),
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            neutralised(String::from_utf8_lossy(t).into_owned())
                        }
                    });
                }
                out.write_record(&record)?;
                n += 1;
            }
            out.flush().map_err(|e| ArchiveError::io(&path, e))
        })?;
        counts.push((table, n));
    }
    Ok(counts)
}

/// `cell` with a leading `'` when a spreadsheet would read it as a formula (OWASP's
/// CSV injection list); numbers stored as numbers are never text, so `-5` stays.
fn neutralised(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised() {
        for (raw, cell) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("- Tổ chức", "'- Tổ chức"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Kế hoạch =1", "Kế hoạch =1"),
            ("", ""),
        ] {
            assert_eq!(neutralised(raw.to_string()), cell);
        }
    }
}
