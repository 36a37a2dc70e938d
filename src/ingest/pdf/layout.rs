//! Page geometry → text lines: body paragraphs as one line each, ruled tables as
//! tab-separated rows, across pages.
//!
//! * **Lines**: glyphs on one baseline (within 40% of the font size), split where a gap
//!   exceeds [`COLUMN_GAP`] font sizes (the two-column header block of official letters).
//! * **Paragraphs**: a line continues the one above when that one was wrapped: the next
//!   line's first word would not have fitted in the space left on it, the left edges
//!   agree, the leading is ordinary and the next line does not start a list item.
//! * **Tables**: ruling lines (strokes and thin filled rectangles) that touch form a grid;
//!   horizontal rules give row bands, vertical rules spanning a band give that band's cell
//!   boundaries (so merged cells land in their first column). Glyphs in a cell are read as
//!   lines and joined as wrapped lines ([`cell_text`]).
//! * **Unruled tables**: see [`unruled_tables`]: column alignment over several rows.
//! * **Across pages** ([`Assembler`]): a table at the top of a page with the same columns
//!   as the table that ended the previous page continues it: a repeated header row is
//!   dropped, and a first row with an empty first cell that continues the last row (see
//!   [`is_split_row`]: a row split by the page break) is merged cell by cell into it.
//!   "(tiếp theo)" banners and lone page numbers in the top or bottom margin are dropped.
//!
//! **Invariant:** every output line carries the 1-based page it starts on.

use std::cmp::Ordering;

use super::raw::{Glyph, RawPage, Rule};
use crate::model::Bounds;

/// A gap this many font sizes wide splits a visual line into separate lines.
const COLUMN_GAP: f64 = 2.0;
/// A gap this many font sizes wide (a word space is about 0.3) splits a line where words
/// start at one position in [`GUTTER_ROWS`] consecutive rows: a borderless table's narrow
/// gutter (an HTML table's cell padding).
const GUTTER: f64 = 0.6;
const GUTTER_ROWS: usize = 3;
/// Word starts this close (points) are one column start.
const START_ALIGN: f64 = 1.0;
/// Column starts closer than this many font sizes are the same column of an unruled table.
const ALIGN: f64 = 1.0;
/// An unruled table needs this many columns in at least [`MIN_ALIGNED_ROWS`] visual rows.
const MIN_COLUMNS: usize = 3;
const MIN_ALIGNED_ROWS: usize = 2;
/// A gap wider than this share of the font size is a space between words.
const WORD_GAP: f64 = 0.2;
/// A line was wrapped when the next line's first word plus this many font sizes (a space
/// and measuring error: OCR word boxes are tight, PDF advances are not) did not fit.
const WRAP_SLACK: f64 = 1.0;
/// A one-word cell line this share of the cell's width that ends at the cell's padding is
/// a word broken for want of room, not a line wrapped at a space.
const FULL_CELL: f64 = 0.75;
/// Rules closer than this (points) are the same ruling line.
const SNAP: f64 = 2.0;
/// Share of the page height at the top and bottom where page furniture lives.
const MARGIN_SHARE: f64 = 0.07;

/// One output line with its page; `cells` is `Some` for a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutLine {
    pub page: u32,
    pub text: String,
    pub cells: Option<Vec<String>>,
    /// Where it was read on `page` (a paragraph: its lines on that page).
    pub bounds: Option<Bounds>,
}

impl OutLine {
    pub fn render(&self) -> String {
        match &self.cells {
            Some(cells) => cells.join("\t"),
            None => self.text.clone(),
        }
    }
}

/// A visual line of body text.
#[derive(Debug, Clone)]
struct TextLine {
    y: f64,
    x0: f64,
    x1: f64,
    size: f64,
    text: String,
    first_word_width: f64,
    /// Right edge of the page's text block (the widest line's end).
    right_limit: f64,
}

#[derive(Debug, Clone)]
struct TableBlock {
    top: f64,
    columns: Vec<f64>,
    rows: Vec<Vec<String>>,
    /// Where each row lies, in page points.
    row_rects: Vec<Rect>,
}

/// A rectangle in page points, from the top left.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn union(self, other: Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    /// In shares of the page, clamped to it; `None` for a page without a size.
    fn on(self, page: &RawPage) -> Option<Bounds> {
        if page.width <= 0.0 || page.height <= 0.0 {
            return None;
        }
        let share = |v: f64, of: f64| ((v / of).clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0;
        Some(Bounds {
            left: share(self.x0, page.width),
            top: share(self.y0, page.height),
            right: share(self.x1, page.width),
            bottom: share(self.y1, page.height),
        })
    }
}

#[derive(Debug, Clone)]
enum Item {
    Text(TextLine),
    Table(TableBlock),
}

impl TextLine {
    /// From a size above the baseline to a third of one below (descenders).
    fn rect(&self) -> Rect {
        Rect {
            x0: self.x0,
            y0: self.y - self.size,
            x1: self.x1,
            y1: self.y + self.size * 0.3,
        }
    }
}

impl Item {
    fn top(&self) -> f64 {
        match self {
            Item::Text(l) => l.y - l.size,
            Item::Table(t) => t.top,
        }
    }
}

/// Lays out pages in order, carrying an open table or paragraph from one page to the next.
#[derive(Default)]
pub struct Assembler {
    lines: Vec<OutLine>,
    /// Columns and header of the table that ended the last page, if one did.
    open_table: Option<(Vec<f64>, Vec<String>)>,
    /// The paragraph that ended the last page.
    open_para: Option<Para>,
}

/// A paragraph being read: its last line, its text, its first page and where its lines
/// lie on that page.
struct Para {
    last: TextLine,
    text: String,
    page: u32,
    rect: Rect,
    bounds: Option<Bounds>,
}

impl Para {
    fn start(line: &TextLine, page: &RawPage) -> Para {
        Para {
            last: line.clone(),
            text: line.text.clone(),
            page: page.number,
            rect: line.rect(),
            bounds: line.rect().on(page),
        }
    }

    /// `line` joined on `page`; the bounds grow only on the paragraph's first page.
    fn join(mut self, line: &TextLine, page: &RawPage) -> Para {
        if page.number == self.page {
            self.rect = self.rect.union(line.rect());
            self.bounds = self.rect.on(page);
        }
        self.text = join_wrapped(&self.text, &line.text);
        self.last = line.clone();
        self
    }

    fn into_line(self) -> OutLine {
        OutLine {
            page: self.page,
            text: self.text,
            cells: None,
            bounds: self.bounds,
        }
    }
}

impl Assembler {
    /// All lines, once every page is pushed.
    pub fn finish(mut self) -> Vec<OutLine> {
        if let Some(para) = self.open_para.take() {
            self.lines.push(para.into_line());
        }
        self.lines
    }

    pub fn push_page(&mut self, page: &RawPage) {
        let items = page_items(page);
        let mut first = true;
        let mut para = self.open_para.take();
        let flush = |para: &mut Option<Para>, lines: &mut Vec<OutLine>| {
            if let Some(para) = para.take() {
                lines.push(para.into_line());
            }
        };
        let mut open = self.open_table.take();
        for item in items {
            match item {
                Item::Text(line) => {
                    if is_furniture(&line, page.height) {
                        continue;
                    }
                    open = None;
                    let joins = |prev: &TextLine| {
                        if first {
                            continues_on_next_page(prev, &line)
                        } else {
                            continues(prev, &line)
                        }
                    };
                    para = match para.take() {
                        Some(open) if joins(&open.last) => Some(open.join(&line, page)),
                        mut other => {
                            flush(&mut other, &mut self.lines);
                            Some(Para::start(&line, page))
                        }
                    };
                    first = false;
                }
                Item::Table(table) => {
                    flush(&mut para, &mut self.lines);
                    // A table continues the open one at the top of a page, or right after it
                    // on the same page (a table part that a repeated header starts).
                    let continued = open
                        .as_ref()
                        .is_some_and(|(cols, _)| same_columns(cols, &table.columns));
                    let bounds = |i: usize| table.row_rects.get(i).and_then(|r| r.on(page));
                    let mut rows = table.rows.clone().into_iter().enumerate();
                    let header = match open.take() {
                        Some((_, header)) if continued => header,
                        _ => {
                            let header = rows.next().map(|(_, h)| h).unwrap_or_default();
                            self.lines.push(OutLine {
                                page: page.number,
                                text: String::new(),
                                cells: Some(header.clone()),
                                bounds: bounds(0),
                            });
                            header
                        }
                    };
                    // After a page break or a repeated header, a split row may continue.
                    let mut may_continue = continued;
                    for (i, mut row) in rows {
                        if same_row(&row, &header) {
                            may_continue = true;
                            continue;
                        }
                        if continued {
                            if let Some(rest) = after_header(&row, &header) {
                                row = rest;
                                may_continue = true;
                            }
                        }
                        let last = self
                            .lines
                            .last_mut()
                            .and_then(|l| l.cells.as_mut())
                            .filter(|c| c.len() == row.len());
                        match last {
                            Some(cells) if may_continue && is_split_row(&row, cells) => {
                                for (cell, more) in cells.iter_mut().zip(&row) {
                                    *cell = join_wrapped(cell, more);
                                }
                            }
                            _ => self.lines.push(OutLine {
                                page: page.number,
                                text: String::new(),
                                cells: Some(row),
                                bounds: bounds(i),
                            }),
                        }
                        may_continue = false;
                    }
                    open = Some((table.columns.clone(), header));
                    first = false;
                }
            }
        }
        self.open_para = para;
        self.open_table = open;
    }
}

/// Same column boundaries, within 2% of the table's width (OCR and alignment-found
/// columns wobble) or [`SNAP`] points.
fn same_columns(a: &[f64], b: &[f64]) -> bool {
    let width = a.last().zip(a.first()).map_or(0.0, |(l, f)| l - f);
    let tolerance = (3.0 * SNAP).max(width * 0.02);
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tolerance)
}

fn same_row(a: &[String], b: &[String]) -> bool {
    let norm = |s: &String| crate::text::squash(s).to_lowercase();
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| norm(x) == norm(y))
}

/// A repeated header run together with the row below it (a scan without the rule under
/// the header: the band holds both), as the row's rest: every cell starts with the
/// header's cell, and something follows.
fn after_header(row: &[String], header: &[String]) -> Option<Vec<String>> {
    if row.len() != header.len() || header.iter().all(|h| h.trim().is_empty()) {
        return None;
    }
    let rest: Vec<String> = row
        .iter()
        .zip(header)
        .map(|(cell, head)| {
            let (cell, head) = (crate::text::squash(cell), crate::text::squash(head));
            cell.strip_prefix(head.as_str())
                .filter(|r| r.is_empty() || r.starts_with(' '))
                .map(|r| r.trim().to_string())
        })
        .collect::<Option<_>>()?;
    rest.iter().any(|c| !c.is_empty()).then_some(rest)
}

/// A row a page break split off `last`: no number, and the next cell empty, or a cell
/// continuing a sentence (lower case, not an item "a)"), or text only in cells that `last`
/// left empty (the page broke before those cells began: "7 | | | Năm 2021" then
/// "| Sáng kiến… | …").
fn is_split_row(row: &[String], last: &[String]) -> bool {
    let filled: Vec<usize> = (0..row.len())
        .filter(|&i| !row[i].trim().is_empty())
        .collect();
    let continues_sentence = |c: &str| {
        let c = c.trim();
        c.chars().next().is_some_and(char::is_lowercase) && !starts_numbered(c)
    };
    row.first().is_some_and(|c| c.trim().is_empty())
        && (row.get(1).is_none_or(|c| c.trim().is_empty())
            || filled.iter().any(|&i| continues_sentence(&row[i]))
            || filled.iter().all(|&i| last[i].trim().is_empty()))
}

/// Joins a wrapped line: a hyphen at the break stays ("CB,CC,VC-" is rare in Vietnamese);
/// a line ending in "/" was broken inside a code or date ("92/2017/" + "NĐ-CP", "Quý
/// III/" + "2020": browsers break after a slash), so no space goes there.
fn join_wrapped(a: &str, b: &str) -> String {
    let (a, b) = (a.trim(), b.trim());
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ if a.ends_with('/') && b.starts_with(char::is_alphanumeric) => format!("{a}{b}"),
        _ => format!("{a} {b}"),
    }
}

/// Lone page numbers and "(tiếp theo)" banners in the page margins.
fn is_furniture(line: &TextLine, height: f64) -> bool {
    let folded = crate::text::fold(line.text.trim());
    let banner = folded.trim_matches(|c| c == '(' || c == ')' || c == ' ') == "tiep theo";
    let in_margin = line.y < height * MARGIN_SHARE * 1.5 || line.y > height * (1.0 - MARGIN_SHARE);
    let page_number = {
        let t = folded
            .trim()
            .trim_start_matches("trang")
            .trim()
            .trim_matches('-')
            .trim();
        !t.is_empty()
            && t.split('/')
                .all(|p| !p.trim().is_empty() && p.trim().chars().all(|c| c.is_ascii_digit()))
    };
    banner || (in_margin && page_number)
}

const LIST_START: &[&str] = &["-", "+", "•", "*", "–", "Điều "];

/// True when `next` continues the paragraph whose last line is `prev`.
fn continues(prev: &TextLine, next: &TextLine) -> bool {
    let size = prev.size.max(1.0);
    let leading = next.y - prev.y;
    let same_left = (next.x0 - prev.x0).abs() <= size * 1.5 || next.x0 < prev.x0;
    let ordinary_leading =
        leading > 0.0 && leading <= size * 1.6 && (next.size - prev.size).abs() <= size * 0.2;
    let starts_item =
        LIST_START.iter().any(|m| next.text.starts_with(m)) || starts_numbered(&next.text);
    let room = prev.right_limit - prev.x1;
    let wrapped = next.first_word_width + size * WRAP_SLACK > room;
    same_left && ordinary_leading && !starts_item && wrapped
}

/// `continues` for the first line of a page after the last line of the previous one:
/// positions on the page do not compare, so only the left edge, size and wrap count.
fn continues_on_next_page(prev: &TextLine, next: &TextLine) -> bool {
    let size = prev.size.max(1.0);
    let same_left = (next.x0 - prev.x0).abs() <= size * 1.5;
    let starts_item =
        LIST_START.iter().any(|m| next.text.starts_with(m)) || starts_numbered(&next.text);
    let wrapped = next.first_word_width + size * WRAP_SLACK > prev.right_limit - prev.x1;
    same_left && (next.size - prev.size).abs() <= size * 0.2 && !starts_item && wrapped
}

/// "1.", "2)", "a)", "IV." at the start of a line.
fn starts_numbered(text: &str) -> bool {
    let head: String = text.chars().take_while(|c| c.is_alphanumeric()).collect();
    let rest = &text[head.len()..];
    let short = !head.is_empty() && head.chars().count() <= 4;
    let numbered = head.chars().all(|c| c.is_ascii_digit())
        || head.chars().all(|c| "IVXLC".contains(c))
        || (head.chars().count() == 1 && head.chars().all(|c| c.is_lowercase()));
    short && numbered && (rest.starts_with('.') || rest.starts_with(')'))
}

/// Text lines and tables of one page, top to bottom.
fn page_items(page: &RawPage) -> Vec<Item> {
    let tables = find_tables(&page.rules);
    let mut in_table: Vec<Vec<&Glyph>> = vec![Vec::new(); tables.len()];
    let mut free = Vec::new();
    for g in &page.glyphs {
        let (cx, cy) = (g.x + g.w / 2.0, g.y - g.s * 0.3);
        match tables.iter().position(|t| t.contains(cx, cy)) {
            Some(i) => in_table[i].push(g),
            None => free.push(g),
        }
    }
    let mut items: Vec<Item> = Vec::new();
    let mut lines = text_lines(&free);
    // The text block ends at the widest line, or where the left margin mirrored ends it:
    // a page of short lines must not look wrapped.
    let left = lines.iter().map(|l| l.x0).fold(f64::MAX, f64::min);
    let widest = lines.iter().map(|l| l.x1).fold(0.0, f64::max);
    let right_limit = if page.width > left {
        widest.max(page.width - left)
    } else {
        widest
    };
    for line in &mut lines {
        line.right_limit = right_limit;
    }
    let (lines, unruled) = unruled_tables(lines);
    items.extend(lines.into_iter().map(Item::Text));
    items.extend(unruled.into_iter().map(Item::Table));
    for (grid, glyphs) in tables.iter().zip(in_table) {
        let table = grid.read(&glyphs);
        if !table.rows.is_empty() {
            items.push(Item::Table(table));
        }
    }
    items.sort_by(|a, b| a.top().partial_cmp(&b.top()).unwrap_or(Ordering::Equal));
    items
}

/// Tables without rules, from column alignment: a run of visual rows (lines on one
/// baseline, split at column gaps) where at least [`MIN_ALIGNED_ROWS`] rows have
/// [`MIN_COLUMNS`] or more segments starting at shared column positions, and the rows in
/// between start their segments at those positions too. A visual row with text in the
/// first column starts a table row; one without continues the cells of the row above
/// (cells wrapped over several lines).
fn unruled_tables(lines: Vec<TextLine>) -> (Vec<TextLine>, Vec<TableBlock>) {
    let mut sorted = lines;
    sorted.sort_by(|a, b| {
        a.y.partial_cmp(&b.y)
            .unwrap_or(Ordering::Equal)
            .then(a.x0.partial_cmp(&b.x0).unwrap_or(Ordering::Equal))
    });
    let mut rows: Vec<Vec<TextLine>> = Vec::new();
    for line in sorted {
        match rows.last_mut() {
            Some(row) if (line.y - row[0].y).abs() <= row[0].size.max(line.size) * 0.4 => {
                row.push(line)
            }
            _ => rows.push(vec![line]),
        }
    }
    let (mut text, mut tables) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < rows.len() {
        if rows[i].len() < MIN_COLUMNS {
            text.append(&mut rows[i].clone());
            i += 1;
            continue;
        }
        // Grow the run while rows stay close and aligned to the columns seen so far.
        let size = rows[i][0].size.max(1.0);
        let mut columns: Vec<f64> = rows[i].iter().map(|l| l.x0).collect();
        let mut end = i + 1;
        let mut aligned_rows = 1;
        while end < rows.len() {
            let row = &rows[end];
            let gap = row[0].y - rows[end - 1][0].y;
            let aligned = row
                .iter()
                .all(|l| columns.iter().any(|c| (l.x0 - c).abs() <= ALIGN * size));
            if gap > size * 3.0
                || !(aligned || row.len() >= MIN_COLUMNS && row.len() + 1 >= columns.len())
            {
                break;
            }
            if row.len() >= MIN_COLUMNS {
                aligned_rows += 1;
                for l in row {
                    if !columns.iter().any(|c| (l.x0 - c).abs() <= ALIGN * size) {
                        columns.push(l.x0);
                    }
                }
            }
            end += 1;
        }
        if aligned_rows < MIN_ALIGNED_ROWS {
            text.append(&mut rows[i].clone());
            i += 1;
            continue;
        }
        columns.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
        let column_of = |x: f64| {
            columns
                .iter()
                .rposition(|&c| c <= x + ALIGN * size)
                .unwrap_or(0)
        };
        let mut block = TableBlock {
            top: rows[i][0].y - size,
            columns: columns.clone(),
            rows: Vec::new(),
            row_rects: Vec::new(),
        };
        for (k, row) in rows[i..end].iter().enumerate() {
            let mut cells = vec![String::new(); columns.len()];
            for l in row {
                let c = column_of(l.x0);
                cells[c] = join_wrapped(&cells[c], &l.text);
            }
            // Wrapped cell lines follow at ordinary leading; a wider gap is a new row even
            // without a number (the rest of a row split by a page break, merged later). A
            // header wraps in its first column too ("Số" / "TT"): the first row goes on
            // until a line starts with a number.
            let wrapped = k > 0 && row[0].y - rows[i + k - 1][0].y <= size * 1.6;
            let header = block.rows.len() == 1
                && !block.rows[0].first().is_some_and(|c| is_row_number(c))
                && !is_row_number(&cells[0]);
            let Some(rect) = row.iter().map(TextLine::rect).reduce(Rect::union) else {
                continue;
            };
            match (block.rows.last_mut(), block.row_rects.last_mut()) {
                (Some(last), Some(last_rect)) if (cells[0].is_empty() || header) && wrapped => {
                    for (cell, more) in last.iter_mut().zip(&cells) {
                        *cell = join_wrapped(cell, more);
                    }
                    *last_rect = last_rect.union(rect);
                }
                _ => {
                    block.rows.push(cells);
                    block.row_rects.push(rect);
                }
            }
        }
        tables.push(block);
        i = end;
    }
    (text, tables)
}

/// A row number starting a cell: "1", "12.", "IV", "b)".
fn is_row_number(cell: &str) -> bool {
    let head = cell.split_whitespace().next().unwrap_or("");
    let head = head.trim_end_matches(['.', ')']);
    !head.is_empty()
        && (head.chars().all(|c| c.is_ascii_digit())
            || head.chars().all(|c| "IVXLC".contains(c))
            || head.chars().count() == 1 && head.chars().all(char::is_lowercase))
}

/// Glyphs grouped into visual rows (same baseline within 0.4 font sizes), each sorted left to right.
fn visual_rows<'g>(glyphs: &[&'g Glyph]) -> Vec<Vec<&'g Glyph>> {
    let mut sorted: Vec<&Glyph> = glyphs.to_vec();
    sorted.sort_by(|a, b| a.y.partial_cmp(&b.y).unwrap_or(Ordering::Equal));
    let mut rows: Vec<Vec<&Glyph>> = Vec::new();
    for g in sorted {
        match rows.last_mut() {
            Some(row) if (g.y - row[0].y).abs() <= row[0].s.max(g.s) * 0.4 => row.push(g),
            _ => rows.push(vec![g]),
        }
    }
    for row in &mut rows {
        row.sort_by(|a, b| a.x.partial_cmp(&b.x).unwrap_or(Ordering::Equal));
    }
    rows
}

/// Groups glyphs into visual lines, split at column gaps.
fn text_lines(glyphs: &[&Glyph]) -> Vec<TextLine> {
    let mut out = Vec::new();
    let rows = visual_rows(glyphs);
    let starts = column_starts(&rows);
    for row in rows {
        // A lone "|" is a cell border that OCR read as a letter: split there, drop it.
        for part in row.split(|g| g.t.trim() == "|") {
            let mut start = 0;
            // Right end of the visible glyphs of `part[start..i]`.
            let mut prev_end = f64::MIN;
            for i in 1..=part.len() {
                let last = part[i - 1];
                if !last.t.trim().is_empty() {
                    prev_end = prev_end.max(last.x + last.w);
                }
                let split = i == part.len() || {
                    let gap = part[i].x - prev_end;
                    let size = part[i].s.max(1.0);
                    !part[i].t.trim().is_empty()
                        && (gap > COLUMN_GAP * size
                            || gap > GUTTER * size
                                && starts.iter().any(|s| (part[i].x - s).abs() <= START_ALIGN))
                };
                if split {
                    out.extend(make_line(&part[start..i]));
                    start = i;
                    prev_end = f64::MIN;
                }
            }
        }
    }
    out
}

/// Column starts of a borderless table with narrow gutters: positions where a word starts
/// a row or follows a gap of [`GUTTER`] font sizes (wider than a word space) in at least
/// [`GUTTER_ROWS`] consecutive visual rows, to the point. Justified body text stretches
/// its spaces but does not line its words up.
fn column_starts(rows: &[Vec<&Glyph>]) -> Vec<f64> {
    let starts: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| {
            let visible: Vec<&&Glyph> = row.iter().filter(|g| !g.t.trim().is_empty()).collect();
            // A row's first word counts too: a cell's wrapped lines start its column.
            let first = visible.first().map(|g| g.x);
            first
                .into_iter()
                .chain(
                    visible
                        .windows(2)
                        .filter(|w| w[1].x - (w[0].x + w[0].w) > GUTTER * w[1].s.max(1.0))
                        .map(|w| w[1].x),
                )
                .collect()
        })
        .collect();
    let mut out: Vec<f64> = Vec::new();
    for (i, row) in starts.iter().enumerate() {
        for &x in row {
            let aligned = starts[i..]
                .iter()
                .take_while(|next| next.iter().any(|y| (x - y).abs() <= START_ALIGN))
                .count();
            if aligned >= GUTTER_ROWS && !out.iter().any(|y| (x - y).abs() <= START_ALIGN) {
                out.push(x);
            }
        }
    }
    out
}

/// One line from glyphs sorted by x; `None` when all are blank.
fn make_line(glyphs: &[&Glyph]) -> Option<TextLine> {
    let visible: Vec<&&Glyph> = glyphs.iter().filter(|g| !g.t.trim().is_empty()).collect();
    let first = visible.first()?;
    let size = visible.iter().map(|g| g.s).fold(0.0, f64::max);
    let text = glyph_text(glyphs);
    let first_word_end = visible
        .windows(2)
        .find(|w| {
            w[1].x - (w[0].x + w[0].w) > WORD_GAP * size || glyphs_between_space(glyphs, w[0], w[1])
        })
        .map(|w| w[0].x + w[0].w)
        .unwrap_or_else(|| visible.last().map(|g| g.x + g.w).unwrap_or(first.x));
    Some(TextLine {
        y: visible.iter().map(|g| g.y).sum::<f64>() / visible.len() as f64,
        x0: first.x,
        x1: visible.iter().map(|g| g.x + g.w).fold(f64::MIN, f64::max),
        size,
        text,
        first_word_width: first_word_end - first.x,
        right_limit: 0.0,
    })
}

fn glyphs_between_space(glyphs: &[&Glyph], a: &Glyph, b: &Glyph) -> bool {
    glyphs
        .iter()
        .any(|g| g.t.trim().is_empty() && g.x >= a.x && g.x <= b.x)
}

/// Text of glyphs sorted by x: spaces from space glyphs or gaps, runs of spaces squashed.
fn glyph_text(glyphs: &[&Glyph]) -> String {
    let mut text = String::new();
    let mut prev_end: Option<f64> = None;
    for g in glyphs {
        if g.t.trim().is_empty() {
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
            continue;
        }
        if let Some(end) = prev_end {
            if g.x - end > WORD_GAP * g.s && !text.ends_with(' ') {
                text.push(' ');
            }
        }
        text.push_str(&g.t);
        prev_end = Some(g.x + g.w);
    }
    text.trim().to_string()
}

/// A ruled grid: global column boundaries, row boundaries, and the vertical rules.
#[derive(Debug)]
struct Grid {
    xs: Vec<f64>,
    ys: Vec<f64>,
    verticals: Vec<Rule>,
}

impl Grid {
    fn contains(&self, x: f64, y: f64) -> bool {
        let (x0, x1) = (self.xs[0], *self.xs.last().expect("two columns"));
        let (y0, y1) = (self.ys[0], *self.ys.last().expect("two rows"));
        x >= x0 - SNAP && x <= x1 + SNAP && y >= y0 - SNAP && y <= y1 + SNAP
    }

    /// Cell texts, one row per band that has any text.
    fn read(&self, glyphs: &[&Glyph]) -> TableBlock {
        let columns = self.xs.len() - 1;
        let mut rows = Vec::new();
        let mut row_rects = Vec::new();
        let (x0, x1) = (self.xs[0], self.xs[self.xs.len() - 1]);
        for band in self.ys.windows(2) {
            let (top, bottom) = (band[0], band[1]);
            let mid = (top + bottom) / 2.0;
            // Boundaries present in this band: verticals crossing its middle.
            let mut cuts: Vec<usize> = (0..self.xs.len())
                .filter(|&i| {
                    i == 0
                        || i == self.xs.len() - 1
                        || self.verticals.iter().any(|v| {
                            (v.x0 - self.xs[i]).abs() <= SNAP && v.y0 <= mid && v.y1 >= mid
                        })
                })
                .collect();
            cuts.dedup();
            let mut cells = vec![String::new(); columns];
            let mut any = false;
            for pair in cuts.windows(2) {
                let (left, right) = (self.xs[pair[0]], self.xs[pair[1]]);
                let inside: Vec<&Glyph> = glyphs
                    .iter()
                    .copied()
                    .filter(|g| {
                        let (cx, cy) = (g.x + g.w / 2.0, g.y - g.s * 0.3);
                        cx >= left && cx < right && cy >= top && cy < bottom
                    })
                    .collect();
                let text = cell_text(&inside, left, right);
                any |= !text.is_empty();
                cells[pair[0]] = text;
            }
            if any {
                rows.push(cells);
                row_rects.push(Rect {
                    x0,
                    y0: top,
                    x1,
                    y1: bottom,
                });
            }
        }
        TableBlock {
            top: self.ys[0],
            columns: self.xs.clone(),
            rows,
            row_rects,
        }
    }
}

/// A cell's text between its rules at `left` and `right`: its visual lines (no column
/// splitting inside a cell) joined as wrapped lines, except after a line that is one word
/// filling the cell (a word too long for the column, broken without a hyphen:
/// "KC&TVPTC" + "N.").
fn cell_text(glyphs: &[&Glyph], left: f64, right: f64) -> String {
    let mut text = String::new();
    let mut broken_word = false;
    for row in visual_rows(glyphs) {
        let line = glyph_text(&row);
        let Some(first) = row.iter().find(|g| !g.t.trim().is_empty()) else {
            continue;
        };
        text = if broken_word && line.starts_with(char::is_alphanumeric) {
            text + &line
        } else {
            join_wrapped(&text, &line)
        };
        let x1 = row.iter().map(|g| g.x + g.w).fold(f64::MIN, f64::max);
        let size = row.iter().map(|g| g.s).fold(0.0, f64::max);
        // Fills the cell: as close to the right rule as the text is to the left one.
        broken_word = !line.contains(' ')
            && x1 - first.x >= FULL_CELL * (right - left)
            && right - x1 <= first.x - left + WORD_GAP * size;
    }
    crate::text::squash(&text)
}

/// Groups touching rules into grids with at least two columns and two row boundaries.
fn find_tables(rules: &[Rule]) -> Vec<Grid> {
    let rules: Vec<Rule> = rules
        .iter()
        .copied()
        .filter(|r| r.is_horizontal() || r.is_vertical())
        .collect();
    let n = rules.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let touch = |a: &Rule, b: &Rule| {
        a.x0 - SNAP <= b.x1 && b.x0 - SNAP <= a.x1 && a.y0 - SNAP <= b.y1 && b.y0 - SNAP <= a.y1
    };
    // Sorting by x0 would allow a sweep; pages have at most a few hundred rules.
    for i in 0..n {
        for j in i + 1..n {
            if touch(&rules[i], &rules[j]) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<Rule>> = Default::default();
    for (i, rule) in rules.iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(*rule);
    }
    let mut grids = Vec::new();
    for group in groups.into_values() {
        let verticals: Vec<Rule> = group.iter().copied().filter(Rule::is_vertical).collect();
        let xs = snap(verticals.iter().map(|r| r.x0).collect());
        // Row boundaries: horizontal rules, and heights where most verticals break or end
        // (some generators leave out the rule under a repeated header or a split row).
        let mut ys: Vec<f64> = group
            .iter()
            .filter(|r| r.is_horizontal())
            .map(|r| r.y0)
            .collect();
        let ends: Vec<f64> = snap(verticals.iter().flat_map(|r| [r.y0, r.y1]).collect());
        for y in ends {
            let at = verticals
                .iter()
                .filter(|r| (r.y0 - y).abs() <= SNAP || (r.y1 - y).abs() <= SNAP)
                .count();
            if at > xs.len().max(2) / 2 {
                ys.push(y);
            }
        }
        let ys = snap(ys);
        if xs.len() >= 3 && ys.len() >= 2 || xs.len() >= 2 && ys.len() >= 3 {
            grids.push(Grid { xs, ys, verticals });
        }
    }
    grids
}

/// Sorted positions with neighbours closer than [`SNAP`] merged.
fn snap(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    let mut out: Vec<f64> = Vec::new();
    for x in v {
        if out.last().is_none_or(|&l| x - l > SNAP) {
            out.push(x);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x: f64, y: f64) -> Vec<Glyph> {
        let mut out = Vec::new();
        let mut x = x;
        for c in text.chars() {
            out.push(Glyph {
                t: c.to_string(),
                x,
                y,
                w: 5.0,
                s: 10.0,
            });
            x += 5.0;
        }
        out
    }

    fn grid(xs: &[f64], ys: &[f64]) -> Vec<Rule> {
        let (x0, x1, y0, y1) = (xs[0], *xs.last().unwrap(), ys[0], *ys.last().unwrap());
        let mut rules: Vec<Rule> = ys
            .iter()
            .map(|&y| Rule {
                x0,
                y0: y,
                x1,
                y1: y,
            })
            .collect();
        rules.extend(xs.iter().map(|&x| Rule {
            x0: x,
            y0,
            x1: x,
            y1,
        }));
        rules
    }

    fn lines_of(pages: &[RawPage]) -> Vec<String> {
        let mut a = Assembler::default();
        for p in pages {
            a.push_page(p);
        }
        a.finish().iter().map(OutLine::render).collect()
    }

    fn page(number: u32, glyphs: Vec<Vec<Glyph>>, rules: Vec<Rule>) -> RawPage {
        RawPage {
            number,
            width: 600.0,
            height: 800.0,
            glyphs: glyphs.concat(),
            rules,
            ..RawPage::default()
        }
    }

    #[test]
    fn ruled_table_becomes_tsv_with_wrapped_cells_joined() {
        let rules = grid(&[100.0, 150.0, 300.0], &[100.0, 120.0, 160.0]);
        let p = page(
            1,
            vec![
                word("TT", 105.0, 115.0),
                word("Nội dung", 155.0, 115.0),
                word("1", 105.0, 135.0),
                word("Ban hành", 155.0, 135.0),
                word("kế hoạch", 155.0, 150.0),
            ],
            rules,
        );
        assert_eq!(lines_of(&[p]), ["TT\tNội dung", "1\tBan hành kế hoạch"]);
    }

    #[test]
    fn continued_table_drops_repeated_header_and_merges_split_row() {
        let rules = grid(&[100.0, 150.0, 300.0], &[100.0, 120.0, 160.0]);
        let p1 = page(
            1,
            vec![
                word("TT", 105.0, 115.0),
                word("Nội dung", 155.0, 115.0),
                word("1", 105.0, 135.0),
                word("Ban hành", 155.0, 135.0),
            ],
            rules.clone(),
        );
        let p2 = page(
            2,
            vec![
                word("(tiếp theo)", 250.0, 40.0),
                word("TT", 105.0, 115.0),
                word("Nội dung", 155.0, 115.0),
                word("kế hoạch", 155.0, 135.0),
            ],
            rules,
        );
        assert_eq!(
            lines_of(&[p1, p2]),
            ["TT\tNội dung", "1\tBan hành kế hoạch"]
        );
    }

    #[test]
    fn repeated_header_in_one_band_with_a_split_row_is_taken_off() {
        // Page 2 has no rule under its repeated header: header and split row share a band.
        let p1 = page(
            1,
            vec![
                word("TT", 105.0, 115.0),
                word("Nội dung", 155.0, 115.0),
                word("1", 105.0, 135.0),
                word("Ban hành", 155.0, 135.0),
            ],
            grid(&[100.0, 150.0, 300.0], &[100.0, 120.0, 160.0]),
        );
        let p2 = page(
            2,
            vec![
                word("TT", 105.0, 115.0),
                word("Nội dung", 155.0, 115.0),
                word("kế hoạch", 155.0, 135.0),
                word("2", 105.0, 175.0),
                word("Kiểm tra", 155.0, 175.0),
            ],
            grid(&[100.0, 150.0, 300.0], &[100.0, 160.0, 200.0]),
        );
        assert_eq!(
            lines_of(&[p1, p2]),
            ["TT\tNội dung", "1\tBan hành kế hoạch", "2\tKiểm tra"]
        );
    }

    #[test]
    fn wrapped_body_lines_join_but_list_items_do_not() {
        // Right edge of the block is at x = 100 + 5 * 20 = 200, the left margin mirrored.
        let mut p = page(
            1,
            vec![
                word("aaaa bbbb cccc dddd", 100.0, 200.0),
                word("eeee", 100.0, 214.0),
                word("- item", 100.0, 228.0),
            ],
            vec![],
        );
        p.width = 300.0;
        assert_eq!(lines_of(&[p]), ["aaaa bbbb cccc dddd eeee", "- item"]);
    }

    #[test]
    fn aligned_columns_without_rules_become_tsv() {
        let p = page(
            1,
            vec![
                word("Mở đầu", 100.0, 100.0),
                word("TT", 100.0, 130.0),
                word("Nội dung", 150.0, 130.0),
                word("Chủ trì", 300.0, 130.0),
                word("1", 100.0, 145.0),
                word("Ban hành", 150.0, 145.0),
                word("Văn phòng", 300.0, 145.0),
                word("kế hoạch", 150.0, 157.0),
                word("2", 100.0, 172.0),
                word("Kiểm tra", 150.0, 172.0),
                word("Thanh tra", 300.0, 172.0),
            ],
            vec![],
        );
        assert_eq!(
            lines_of(&[p]),
            [
                "Mở đầu",
                "TT\tNội dung\tChủ trì",
                "1\tBan hành kế hoạch\tVăn phòng",
                "2\tKiểm tra\tThanh tra"
            ]
        );
    }

    #[test]
    fn a_row_split_before_its_cells_began_is_merged() {
        // The page broke after the row's number and its last cell: the rest starts page 2.
        let rules = grid(&[100.0, 150.0, 300.0, 400.0], &[100.0, 120.0, 160.0]);
        let header = || {
            vec![
                word("TT", 105.0, 115.0),
                word("Nội dung", 155.0, 115.0),
                word("Thời gian", 305.0, 115.0),
            ]
        };
        let mut first = header();
        first.extend([word("7", 105.0, 135.0), word("Năm 2021", 305.0, 135.0)]);
        let mut second = header();
        second.push(word("Sáng kiến", 155.0, 135.0));
        let p1 = page(1, first, rules.clone());
        let p2 = page(2, second, rules);
        assert_eq!(
            lines_of(&[p1, p2]),
            ["TT\tNội dung\tThời gian", "7\tSáng kiến\tNăm 2021"]
        );
    }

    #[test]
    fn a_word_broken_for_want_of_room_is_joined_in_its_cell() {
        // "KC&TVPTC" fills the 50-point cell (5 points of padding each side); "Số TT" wraps
        // at its space.
        let rules = grid(&[100.0, 150.0, 200.0], &[100.0, 130.0, 160.0]);
        let p = page(
            1,
            vec![
                word("Số", 105.0, 112.0),
                word("TT", 105.0, 124.0),
                word("Đơn vị", 155.0, 112.0),
                word("1", 105.0, 142.0),
                word("KC&TVPTC", 155.0, 142.0),
                word("N.", 155.0, 154.0),
            ],
            rules,
        );
        assert_eq!(lines_of(&[p]), ["Số TT\tĐơn vị", "1\tKC&TVPTCN."]);
    }

    #[test]
    fn a_line_broken_after_a_slash_joins_without_a_space() {
        let mut p = page(
            1,
            vec![
                word("aaaa bbbb 92/2017/", 100.0, 200.0),
                word("NĐ-CP ngày", 100.0, 214.0),
            ],
            vec![],
        );
        p.width = 300.0;
        assert_eq!(lines_of(&[p]), ["aaaa bbbb 92/2017/NĐ-CP ngày"]);
    }

    #[test]
    fn a_borderless_table_with_narrow_gutters_and_a_wrapped_header_is_read() {
        // Gutters of 7 points (0.7 font sizes); the header wraps in every column.
        let p = page(
            1,
            vec![
                word("Số", 100.0, 100.0),
                word("Nội dung", 117.0, 100.0),
                word("Cơ quan", 177.0, 100.0),
                word("TT", 100.0, 112.0),
                word("chủ trì", 177.0, 112.0),
                word("1", 100.0, 128.0),
                word("Ban hành", 117.0, 128.0),
                word("Sở Nội vụ", 177.0, 128.0),
                word("kế hoạch", 117.0, 140.0),
                word("2", 100.0, 156.0),
                word("Kiểm tra", 117.0, 156.0),
                word("Văn phòng", 177.0, 156.0),
            ],
            vec![],
        );
        assert_eq!(
            lines_of(&[p]),
            [
                "Số TT\tNội dung\tCơ quan chủ trì",
                "1\tBan hành kế hoạch\tSở Nội vụ",
                "2\tKiểm tra\tVăn phòng"
            ]
        );
    }

    #[test]
    fn page_numbers_in_margins_are_dropped() {
        let p = page(
            1,
            vec![word("Nội dung", 100.0, 300.0), word("- 2 -", 290.0, 780.0)],
            vec![],
        );
        assert_eq!(lines_of(&[p]), ["Nội dung"]);
    }
}
