//! Spreadsheets (`.xlsx`, `.xls`, `.ods`) through calamine: each sheet a table. A row
//! with one filled cell above the table (a title) is a line of text; a
//! cell merged down repeats in rows that start a new entry, as in Word tables.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Dimensions, Reader, Sheets};

use super::{Block, Parsed, VMerge};
use crate::ingest::IngestError;
use crate::model::Format;
use crate::Limits;

/// The format of a spreadsheet extension.
pub fn format(ext: &str) -> Format {
    match ext {
        "xls" => Format::Xls,
        "ods" => Format::Ods,
        _ => Format::Xlsx,
    }
}

pub fn read(bytes: &[u8], limits: &Limits) -> Result<Parsed, IngestError> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| IngestError::Office(format!("unreadable spreadsheet: {e}")))?;
    let mut read = Parsed::default();
    let mut cells_left = limits.max_decompressed_bytes / 16;
    let names = book.sheet_names();
    let several = names.len() > 1;
    for name in names {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| IngestError::Office(format!("sheet {name}: {e}")))?;
        let (height, width) = range.get_size();
        let size = (height * width) as u64;
        if size > cells_left {
            return Err(IngestError::Office(
                "spreadsheet has more cells than the decompressed-size limit allows".into(),
            ));
        }
        cells_left -= size;
        let Some((top, left)) = range.start() else {
            continue;
        };
        let merges = merges(&mut book, &name);
        let grid: Vec<Vec<String>> = range
            .rows()
            .map(|row| row.iter().map(cell_text).collect())
            .collect();
        let blocks = sheet_blocks(grid, &merges, (top, left));
        if !blocks.is_empty() {
            if several {
                read.blocks.push(Block::Line(name.clone()));
            }
            read.blocks.extend(blocks);
        }
    }
    Ok(read)
}

/// Merged regions, where the format records them (`.ods` covered cells are empty).
fn merges(book: &mut Sheets<Cursor<Vec<u8>>>, name: &str) -> Vec<Dimensions> {
    match book {
        Sheets::Xlsx(x) => x
            .worksheet_merge_cells(name)
            .and_then(Result::ok)
            .unwrap_or_default(),
        Sheets::Xls(x) => x.worksheet_merge_cells(name).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn cell_text(data: &Data) -> String {
    let text = match data {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) if !d.is_duration() => date(d.as_f64()),
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A spreadsheet date serial (days since 1899-12-30) as dd/mm/yyyy, as Vietnamese
/// documents write dates.
fn date(serial: f64) -> String {
    // Civil-from-days (Howard Hinnant's algorithm) on days since 1970-01-01.
    let z = serial.floor() as i64 - 25569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{day:02}/{month:02}/{year}")
}

/// Lines of one sheet: title rows (one filled cell above the table) as text, the other
/// rows as tab-separated table lines.
fn sheet_blocks(grid: Vec<Vec<String>>, merges: &[Dimensions], origin: (u32, u32)) -> Vec<Block> {
    let mut out = Vec::new();
    let mut table: Vec<Vec<super::Cell>> = Vec::new();
    let flush = |table: &mut Vec<Vec<super::Cell>>, out: &mut Vec<Block>| {
        let rows = super::resolve_rows(std::mem::take(table));
        if !rows.is_empty() {
            out.push(Block::Table(rows));
        }
    };
    for (r, row) in grid.into_iter().enumerate() {
        let abs_row = origin.0 + r as u32;
        let filled: Vec<&String> = row.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            continue;
        }
        if filled.len() == 1 && table.is_empty() {
            out.push(Block::Line(filled[0].clone()));
            continue;
        }
        let cells = row
            .into_iter()
            .enumerate()
            .map(|(c, text)| {
                let abs_col = origin.1 + c as u32;
                let vmerge = merges
                    .iter()
                    .find(|m| {
                        m.start.0 != m.end.0
                            && (m.start.0..=m.end.0).contains(&abs_row)
                            && (m.start.1..=m.end.1).contains(&abs_col)
                    })
                    .map_or(VMerge::None, |m| {
                        if m.start.0 == abs_row {
                            VMerge::Restart
                        } else {
                            VMerge::Continue
                        }
                    });
                super::Cell {
                    text,
                    span: 1,
                    vmerge,
                }
            })
            .collect();
        table.push(cells);
    }
    flush(&mut table, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_serials() {
        assert_eq!(date(43830.0), "31/12/2019");
        assert_eq!(date(44197.5), "01/01/2021");
    }
}
