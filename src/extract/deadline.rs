//! Deadlines: "Trước ngày 05/12/2021", "Quý I/2020", "Tháng 12/2021",
//! "Năm 2021", "Thường xuyên trong năm", "Trước 30/11".

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Deadline, DeadlineKind, Deliverable};
use crate::text::{fold, squash};
use crate::vn::{iso_date, plan_year_offset};

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:ngay\s+)?(\d{1,2})\s*(?:/|-|\s+thang\s+)(\d{1,2})(?:\s*(?:/|-|\s+nam\s+)(\d{4}))?",
    )
    .unwrap()
});
static QUARTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"quy\s+(iv|iii|ii|i|[1-4])\b(?:\s*(?:/|nam)\s*(\d{4}))?").unwrap()
});
static MONTH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"thang\s+(\d{1,2})\s*(?:/|nam)\s*(\d{4})").unwrap());
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bnam\s+(\d{4})\b").unwrap());
static RECURRING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"thuong xuyen|hang nam|hang quy|hang thang|dinh ky|ca nam|hang tuan").unwrap()
});
static RELATIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bsau\s+\d+\s+ngay|ke tu|cham nhat sau").unwrap());
static BEFORE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(truoc|cham nhat|han chot)\b").unwrap());

/// What deadlines are read against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan<'a> {
    /// The plan's year: fills a missing year.
    pub year: Option<i32>,
    /// The plan's date of issue (`YYYY-MM-DD`): a deadline whose year was not written
    /// does not come before it.
    pub issued: Option<&'a str>,
}

/// Parses a deadline cell; `year` fills a missing year (the plan's year).
pub fn parse(text: &str, year: Option<i32>) -> Option<Deadline> {
    parse_in(text, Plan { year, issued: None })
}

/// Parses a deadline cell of a plan: years named relative to the plan's year ("năm liền
/// kề năm thực hiện") are resolved against it, and a date without a year that would come
/// before the plan is taken in the following year; both are flagged `relative`.
pub fn parse_in(text: &str, plan: Plan) -> Option<Deadline> {
    let mut d = read(text, plan.year)?;
    if let Some(issued) = plan.issued.filter(|_| d.year_inferred) {
        // At most twice: "quý IV của năm trước liền kề" in a plan issued in November.
        for _ in 0..2 {
            if d.end.as_deref().is_none_or(|end| end >= issued) {
                break;
            }
            d.start = d.start.as_deref().map(next_year);
            d.end = d.end.as_deref().map(next_year);
            d.relative = true;
        }
    }
    Some(d)
}

/// Every output of a cell that gives several, each with its own deadline: "- Kế hoạch
/// (Quý I); - Báo cáo (Trước 30/11)". Empty when the cell has fewer than two dated parts.
pub fn parse_each(text: &str, plan: Plan) -> Vec<Deliverable> {
    let dated: Vec<Deliverable> = PART
        .split(text)
        .filter_map(|part| parse_in(part, plan))
        .filter(|d| d.end.is_some())
        .map(|deadline| Deliverable {
            output: output_of(&deadline.text),
            deadline,
        })
        .collect();
    if dated.len() < 2 {
        return Vec::new();
    }
    dated
}

/// Where one output of a cell ends: `;`, a new line, a `- ` bullet or a `2. ` number.
static PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r";|\n|(?:^|\s)-\s+|(?:^|\s)\d{1,2}\.\s").unwrap());

/// What is due, written before its deadline: "Kế hoạch (Quý I)" → "Kế hoạch".
fn output_of(part: &str) -> Option<String> {
    static DUE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\(|\b(quy|thang|truoc|cham nhat|han|ngay|trong|thuong xuyen|hang)\b|\d")
            .unwrap()
    });
    let f = fold(part);
    let at = DUE.find(&f).map_or(f.len(), |m| m.start());
    // `fold` keeps one char per char.
    let chars = f[..at].chars().count();
    let out: String = part.chars().take(chars).collect();
    let out = out.trim_matches(|c: char| !c.is_alphanumeric());
    out.chars()
        .any(char::is_alphabetic)
        .then(|| out.to_string())
}

/// The same day a year later (28 February for 29 February).
fn next_year(iso: &str) -> String {
    let (Some(y), Some(m), Some(day)) = (
        iso.get(..4).and_then(|y| y.parse::<i32>().ok()),
        iso.get(5..7),
        iso.get(8..10),
    ) else {
        return iso.to_string();
    };
    let y = (y + 1).to_string();
    iso_date(&y, m, day)
        .or_else(|| iso_date(&y, m, "28"))
        .unwrap_or_else(|| iso.to_string())
}

/// Reads a deadline; a year that is not written is `year`, or the year a plan-relative
/// phrase after the date names ("trước ngày 31/01 năm liền kề năm thực hiện").
fn read(text: &str, year: Option<i32>) -> Option<Deadline> {
    let text = squash(text);
    if text.is_empty() {
        return None;
    }
    let f = fold(&text);
    let mut d = Deadline {
        text: text.clone(),
        kind: DeadlineKind::Unspecified,
        start: None,
        end: None,
        quarter: None,
        year_inferred: false,
        relative: false,
    };
    // The phrase that names the year of a date sits after it, before the next part.
    let year_after = |at: usize| {
        let rest = &f[at..];
        let clause = &rest[..rest.find([';', '(', ')']).unwrap_or(rest.len())];
        match (year, plan_year_offset(clause)) {
            (Some(y), Some(offset)) => (Some(y + offset), true),
            (y, _) => (y, false),
        }
    };
    let date_at = DATE.captures(&f).filter(|c| {
        c.get(0)
            .is_some_and(|m| !is_quarter_or_month(&f, m.start()))
    });
    if let Some(c) = QUARTER.captures(&f).filter(|_| {
        date_at
            .as_ref()
            .is_none_or(|dc| !BEFORE.is_match(&f[..dc.get(0).unwrap().start()]))
    }) {
        let q = quarter_number(&c[1]);
        let (inferred, relative) = year_after(c.get(0).unwrap().end());
        let y = c.get(2).and_then(|m| m.as_str().parse().ok()).or(inferred);
        d.relative = relative && c.get(2).is_none();
        d.kind = DeadlineKind::Quarter;
        d.quarter = Some(q);
        d.year_inferred = c.get(2).is_none() && y.is_some();
        if let Some(y) = y {
            let (m1, m3) = (3 * q as u32 - 2, 3 * q as u32);
            d.start = iso_date(&y.to_string(), &m1.to_string(), "1");
            d.end = iso_date(
                &y.to_string(),
                &m3.to_string(),
                &last_day(y, m3).to_string(),
            );
        }
        return Some(d);
    }
    if let Some(c) = date_at {
        let explicit_year = c.get(3).map(|m| m.as_str().to_string());
        let (inferred, relative) = year_after(c.get(0).unwrap().end());
        let y = explicit_year
            .clone()
            .or_else(|| inferred.map(|y| y.to_string()));
        if let Some(y) = y {
            if let Some(iso) = iso_date(&y, &c[2], &c[1]) {
                d.year_inferred = explicit_year.is_none();
                d.relative = relative && d.year_inferred;
                if BEFORE.is_match(&f[..c.get(0).unwrap().start()]) {
                    d.kind = DeadlineKind::Before;
                } else {
                    d.kind = DeadlineKind::Date;
                    d.start = Some(iso.clone());
                }
                d.end = Some(iso);
                return Some(d);
            }
        }
    }
    if let Some(c) = MONTH.captures(&f) {
        let (m, y): (u32, i32) = (c[1].parse().ok()?, c[2].parse().ok()?);
        if (1..=12).contains(&m) {
            d.kind = DeadlineKind::Month;
            d.start = iso_date(&y.to_string(), &m.to_string(), "1");
            d.end = iso_date(&y.to_string(), &m.to_string(), &last_day(y, m).to_string());
            return Some(d);
        }
    }
    if RECURRING.is_match(&f) {
        d.kind = DeadlineKind::Recurring;
        if let Some(c) = YEAR.captures(&f) {
            set_year(&mut d, c[1].parse().ok());
        }
        return Some(d);
    }
    if let Some(c) = YEAR.captures(&f) {
        d.kind = DeadlineKind::Year;
        set_year(&mut d, c[1].parse().ok());
        return Some(d);
    }
    if RELATIVE.is_match(&f) {
        d.kind = DeadlineKind::Relative;
    }
    Some(d)
}

fn set_year(d: &mut Deadline, year: Option<i32>) {
    if let Some(y) = year {
        d.start = iso_date(&y.to_string(), "1", "1");
        d.end = iso_date(&y.to_string(), "12", "31");
    }
}

/// "Quý I/2020" and "Tháng 12/2021" look like dates to the date pattern.
fn is_quarter_or_month(f: &str, at: usize) -> bool {
    let before = f[..at].trim_end();
    before.ends_with("quy")
        || before.ends_with("thang")
        || before.ends_with("quy i")
        || before.ends_with("quy ii")
}

fn quarter_number(roman: &str) -> u8 {
    match roman {
        "i" | "1" => 1,
        "ii" | "2" => 2,
        "iii" | "3" => 3,
        _ => 4,
    }
}

fn last_day(year: i32, month: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|&d| iso_date(&year.to_string(), &month.to_string(), &d.to_string()).is_some())
        .unwrap_or(28)
}
