//! Appendix tables: tab-separated rows (with page-break continuations) and
//! tables written one cell per line.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{RowKind, Table, TableRow};
use crate::text::{fold, squash, Line};

/// A task table has at least this many columns (number or content, and lead or deadline).
const MIN_COLUMNS: usize = 3;
/// More blank lines in a row than this end a tab-separated table.
const MAX_BLANK_RUN: usize = 4;
/// A header written one cell per line is looked for in this many non-blank lines.
const CELL_PER_LINE_HEADER_LINES: usize = 10;
/// A header cell on its own line is shorter than this (in characters).
const HEADER_CELL_MAX_CHARS: usize = 60;
/// Most lines of a table's title above its header.
const TITLE_MAX_LINES: usize = 8;
/// A longer line above a table is prose, not its title.
const TITLE_LINE_MAX_CHARS: usize = 250;

/// What a column holds, read from its header cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Number,
    Content,
    Lead,
    Partners,
    Outputs,
    Deadline,
    Result,
    Other,
}

impl Role {
    pub fn of_header(cell: &str) -> Role {
        let f = fold(cell);
        let f = f.trim();
        if f.is_empty() {
            Role::Other
        } else if matches!(f, "tt" | "stt" | "so tt" | "so thu tu" | "thu tu") {
            Role::Number
        } else if f.contains("phoi hop") {
            Role::Partners
        } else if f.contains("chu tri")
            || f.contains("thuc hien chinh")
            || f.starts_with("co quan thuc hien")
            || f.starts_with("don vi thuc hien")
            || f == "trach nhiem"
        {
            Role::Lead
        } else if f.contains("san pham")
            || f.contains("ket qua dau ra")
            || f.contains("hinh thuc van ban")
        {
            Role::Outputs
        } else if f.starts_with("thoi gian")
            || f.starts_with("thoi han")
            || f.starts_with("tien do")
            || f.starts_with("moc thoi gian")
        {
            Role::Deadline
        } else if f.starts_with("noi dung")
            || f.starts_with("nhiem vu")
            || f.contains("cong viec")
            || f.starts_with("ten nhiem vu")
            || f.starts_with("hoat dong")
        {
            Role::Content
        } else if f.starts_with("ket qua") {
            Role::Result
        } else {
            Role::Other
        }
    }
}

/// A table found in the text, with the roles of its columns.
#[derive(Debug, Clone)]
pub struct FoundTable {
    pub table: Table,
    pub roles: Vec<Role>,
    /// Line numbers the table (with its title) occupies.
    pub lines: std::ops::Range<usize>,
}

impl FoundTable {
    pub fn column(&self, role: Role) -> Option<usize> {
        self.roles.iter().position(|&r| r == role)
    }
}

static ROMAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([IVX]{1,5})\.?(\s+(.*))?$").unwrap());

/// A header row names at least a content or number column and one of lead/deadline.
fn is_header(cells: &[String]) -> bool {
    let roles: Vec<Role> = cells.iter().map(|c| Role::of_header(c)).collect();
    let has = |r| roles.contains(&r);
    (has(Role::Content) || has(Role::Number))
        && (has(Role::Lead) || has(Role::Deadline))
        && roles.len() >= MIN_COLUMNS
}

fn is_column_numbers(cells: &[String]) -> bool {
    let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
    filled.len() >= MIN_COLUMNS
        && filled
            .iter()
            .enumerate()
            .all(|(i, c)| c.trim_matches(['(', ')']) == (i + 1).to_string())
}

fn cells_of(line: &str) -> Vec<String> {
    line.split('\t').map(squash).collect()
}

/// Finds every table in `lines`.
pub fn find_tables(lines: &[Line]) -> Vec<FoundTable> {
    let mut tables = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let found = if lines[i].text.contains('\t') && is_header(&cells_of(lines[i].text)) {
            Some(read_tsv_table(lines, i))
        } else {
            cell_per_line_header(lines, i).map(|n| read_cell_per_line_table(lines, i, n))
        };
        match found {
            Some((mut table, end)) => {
                let (title, title_start) = title_above(lines, i);
                table.table.title = title;
                table.lines = title_start..end;
                table.table.span[0] = lines[title_start].start;
                tables.push(table);
                i = end;
            }
            None => i += 1,
        }
    }
    tables
}

/// Row under construction, before classification.
struct RawRow {
    cells: Vec<String>,
    start: usize,
    end: usize,
}

fn read_tsv_table(lines: &[Line], header_at: usize) -> (FoundTable, usize) {
    let header = cells_of(lines[header_at].text);
    let width = header.len();
    let roles: Vec<Role> = header.iter().map(|c| Role::of_header(c)).collect();
    let mut raw: Vec<RawRow> = Vec::new();
    let mut end = header_at + 1;
    let mut blank_run = 0;
    for line in &lines[header_at + 1..] {
        if line.text.trim().is_empty() {
            blank_run += 1;
            if blank_run > MAX_BLANK_RUN {
                break;
            }
            continue;
        }
        if !line.text.contains('\t') {
            break;
        }
        blank_run = 0;
        end = line.no + 1;
        let mut cells = cells_of(line.text);
        cells.resize(width.max(cells.len()), String::new());
        if is_column_numbers(&cells) || (raw.is_empty() && is_header(&cells)) {
            continue;
        }
        raw.push(RawRow {
            cells,
            start: line.start,
            end: line.end(),
        });
    }
    let rows = merge_continuations(raw, &roles);
    let span = [lines[header_at].start, lines[end - 1].end()];
    (
        FoundTable {
            table: Table {
                title: None,
                header,
                rows,
                span,
            },
            roles,
            lines: header_at..end,
        },
        end,
    )
}

/// Joins rows broken across pages into the row they continue.
fn merge_continuations(raw: Vec<RawRow>, roles: &[Role]) -> Vec<TableRow> {
    let number_col = roles.iter().position(|&r| r == Role::Number).unwrap_or(0);
    let content_col = roles.iter().position(|&r| r == Role::Content);
    let lead_col = roles.iter().position(|&r| r == Role::Lead);
    let mut rows: Vec<TableRow> = Vec::new();
    for row in raw {
        let kind = row_kind(&row.cells, number_col, lead_col);
        let number_empty = row.cells[number_col].is_empty();
        let content_empty = content_col.is_none_or(|c| row.cells[c].is_empty());
        let lead_empty = lead_col.is_none_or(|c| row.cells[c].is_empty());
        let after_group = rows.last().is_none_or(|r| r.kind == RowKind::Group);
        let continues = kind == RowKind::Task
            && number_empty
            && !after_group
            && (content_empty || lead_empty || starts_lowercase(&row.cells, content_col));
        match rows.last_mut() {
            Some(prev) if continues => {
                for (into, more) in prev.cells.iter_mut().zip(&row.cells) {
                    if !more.is_empty() {
                        if !into.is_empty() {
                            into.push(' ');
                        }
                        into.push_str(more);
                    }
                }
                prev.span[1] = row.end;
            }
            _ => rows.push(TableRow {
                kind,
                cells: row.cells,
                span: [row.start, row.end],
            }),
        }
    }
    rows
}

fn starts_lowercase(cells: &[String], col: Option<usize>) -> bool {
    col.and_then(|c| cells[c].chars().next())
        .is_some_and(|c| c.is_lowercase())
}

/// `group` for heading rows ("I\tCÔNG TÁC CHỈ ĐẠO", "II XÂY DỰNG…"), else `task`.
fn row_kind(cells: &[String], number_col: usize, lead_col: Option<usize>) -> RowKind {
    let lead_empty = lead_col.is_none_or(|c| cells.get(c).is_none_or(|s| s.is_empty()));
    let roman = ROMAN.is_match(&cells[number_col]);
    let rest_upper = cells
        .iter()
        .enumerate()
        .filter(|(i, c)| *i != number_col && !c.is_empty())
        .all(|(_, c)| crate::text::is_upper(c));
    if lead_empty && roman && rest_upper {
        RowKind::Group
    } else {
        RowKind::Task
    }
}

/// Splits a group row into its label and title: ("I", "CÔNG TÁC CHỈ ĐẠO").
pub fn group_label(cells: &[String], number_col: usize) -> (String, String) {
    let first = &cells[number_col];
    let caps = ROMAN
        .captures(first)
        .expect("group rows start with a Roman numeral");
    let label = caps[1].to_string();
    let mut title: Vec<&str> = caps.get(3).map(|m| vec![m.as_str()]).unwrap_or_default();
    title.extend(
        cells
            .iter()
            .enumerate()
            .filter(|(i, c)| *i != number_col && !c.is_empty())
            .map(|(_, c)| c.as_str()),
    );
    (label, title.join(" "))
}

/// A header written one cell per line ("Số TT", "Nội dung công việc", …): its width.
fn cell_per_line_header(lines: &[Line], at: usize) -> Option<usize> {
    if Role::of_header(lines[at].text) != Role::Number || lines[at].text.contains('\t') {
        return None;
    }
    let cells: Vec<&Line> = lines[at..]
        .iter()
        .filter(|l| !l.text.trim().is_empty())
        .take(CELL_PER_LINE_HEADER_LINES)
        .collect();
    let width = cells
        .iter()
        .take_while(|l| {
            l.text.chars().count() < HEADER_CELL_MAX_CHARS && Role::of_header(l.text) != Role::Other
        })
        .count();
    let roles: Vec<String> = cells[..width].iter().map(|l| l.text.to_string()).collect();
    (width >= MIN_COLUMNS && is_header(&roles)).then_some(width)
}

fn read_cell_per_line_table(lines: &[Line], header_at: usize, width: usize) -> (FoundTable, usize) {
    let non_blank: Vec<&Line> = lines[header_at..]
        .iter()
        .filter(|l| !l.text.trim().is_empty())
        .collect();
    let header: Vec<String> = non_blank[..width].iter().map(|l| squash(l.text)).collect();
    let roles: Vec<Role> = header.iter().map(|c| Role::of_header(c)).collect();
    let mut rows: Vec<TableRow> = Vec::new();
    let mut expected = 1u32;
    let mut end = non_blank[width - 1].no + 1;
    for line in &non_blank[width..] {
        let text = squash(line.text);
        let starts_row =
            text.parse::<u32>().ok() == Some(expected) || ROMAN.is_match(&text) && text.len() <= 5;
        if starts_row {
            if text.parse::<u32>().is_ok() {
                expected += 1;
            }
            rows.push(TableRow {
                kind: RowKind::Task,
                cells: vec![text],
                span: [line.start, line.end()],
            });
        } else if let Some(row) = rows.last_mut() {
            if row.cells.len() >= width {
                break;
            }
            row.cells.push(text);
            row.span[1] = line.end();
        } else {
            break;
        }
        end = line.no + 1;
    }
    for row in &mut rows {
        row.cells.resize(width, String::new());
        row.kind = row_kind(&row.cells, 0, roles.iter().position(|&r| r == Role::Lead));
    }
    let span = [lines[header_at].start, lines[end - 1].end()];
    (
        FoundTable {
            table: Table {
                title: None,
                header,
                rows,
                span,
            },
            roles,
            lines: header_at..end,
        },
        end,
    )
}

static ATTACHED_TO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\(\s*(ban hành\s+)?kèm theo[^)]*\)?").unwrap());

/// The title lines just above a table, without the "(Kèm theo …)" note.
fn title_above(lines: &[Line], header_at: usize) -> (Option<String>, usize) {
    let mut start = header_at;
    let mut i = header_at;
    let mut gap = 0;
    let mut parts: Vec<&str> = Vec::new();
    while i > 0 && parts.len() < TITLE_MAX_LINES {
        i -= 1;
        let t = lines[i].text.trim();
        if t.is_empty() {
            gap += 1;
            if gap > 1 && !parts.is_empty() {
                break;
            }
            continue;
        }
        if t.contains('\t') || t.chars().count() > TITLE_LINE_MAX_CHARS || t.ends_with("./.") {
            break;
        }
        gap = 0;
        parts.push(t);
        start = i;
        let f = fold(t);
        if ["phu luc", "danh muc", "bieu"]
            .iter()
            .any(|w| f.starts_with(w))
        {
            break;
        }
    }
    parts.reverse();
    let joined = ATTACHED_TO.replace_all(&parts.join(" "), "").into_owned();
    let title = squash(&joined);
    let title = title
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    let title = strip_appendix_word(&title);
    (Some(title).filter(|t| !t.is_empty()), start)
}

/// "PHỤ LỤC NHIỆM VỤ…" → "NHIỆM VỤ…"; keeps "DANH MỤC …" whole.
fn strip_appendix_word(title: &str) -> String {
    let f = fold(title);
    for word in ["phu luc", "danh muc"] {
        if f.starts_with(word) && title.chars().count() > word.len() + 1 && word == "phu luc" {
            let rest: String = title.chars().skip(word.len()).collect();
            let rest = rest
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .trim();
            if rest.chars().count() > 3 {
                return rest.to_string();
            }
        }
    }
    title.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lines;

    fn tables(src: &str) -> Vec<FoundTable> {
        find_tables(&lines(src))
    }

    #[test]
    fn roles_from_headers() {
        assert_eq!(Role::of_header("Đơn vị chủ trì"), Role::Lead);
        assert_eq!(Role::of_header("Cơ quan phối hợp"), Role::Partners);
        assert_eq!(
            Role::of_header("Thời gian hoàn thành chậm nhất"),
            Role::Deadline
        );
        assert_eq!(Role::of_header("Số TT"), Role::Number);
        assert_eq!(Role::of_header("Sản phẩm đầu ra"), Role::Outputs);
        assert_eq!(Role::of_header("Nhiệm vụ"), Role::Content);
        assert_eq!(Role::of_header("Kết quả"), Role::Result);
    }

    #[test]
    fn continuation_rows_merge() {
        let src = "TT\tNội dung\tĐơn vị chủ trì\tThời gian\n1\t2\t3\t4\nI\tCHỈ ĐẠO\t\t\n1\tBáo cáo\tVăn phòng Sở\tBáo cáo năm thực\n\n\t\t\thiện theo quy định\n2\tKiểm tra\tThanh tra Sở\tQuý I";
        let t = &tables(src)[0].table;
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].kind.as_str(), "group");
        assert_eq!(t.rows[1].cells[3], "Báo cáo năm thực hiện theo quy định");
    }

    #[test]
    fn unnumbered_row_after_group_is_a_task() {
        let src = "TT\tNội dung\tĐơn vị chủ trì\tThời gian\nIV\tBỘ MÁY\t\t\n\t- Sắp xếp\tVăn phòng Sở\tHàng năm\n\t- Biên chế\t\t";
        let t = &tables(src)[0].table;
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].cells[1], "- Sắp xếp - Biên chế");
    }

    #[test]
    fn one_cell_per_line() {
        let src = "Số TT\n\nNội dung công việc\n\nCơ quan chủ trì\n\nCơ quan phối hợp\n\nThời gian hoàn thành\n\n1\n\nTổ chức hội nghị\n\nSở Nội vụ\n\nCác Sở\n\nQuý I/2020\n\n2\n\nĐánh giá\n\nSở Nội vụ\n\nVăn phòng\n\nQuý II/2020";
        let t = &tables(src)[0];
        assert_eq!(t.table.rows.len(), 2);
        assert_eq!(
            t.table.rows[1].cells,
            vec!["2", "Đánh giá", "Sở Nội vụ", "Văn phòng", "Quý II/2020"]
        );
        assert_eq!(t.column(Role::Deadline), Some(4));
    }

    #[test]
    fn title_drops_attached_note() {
        let src = "PHỤ LỤC\nNHIỆM VỤ CỤ THỂ\n(Kèm theo Kế hoạch số 1 /KH-S ngày 1/1/2019 của\nSở Khoa học)\n\nTT\tNội dung\tĐơn vị chủ trì\tThời gian\n1\tA\tB\tC";
        assert_eq!(
            tables(src)[0].table.title.as_deref(),
            Some("NHIỆM VỤ CỤ THỂ")
        );
    }
}
