//! Deadlines: "Trước ngày 05/12/2021", "Quý I/2020", "Tháng 12/2021",
//! "Năm 2021", "Thường xuyên trong năm", "Trước 30/11".

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Deadline, DeadlineKind};
use crate::text::{fold, squash};
use crate::vn::iso_date;

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

/// Parses a deadline cell; `year` fills a missing year (the plan's year).
pub fn parse(text: &str, year: Option<i32>) -> Option<Deadline> {
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
        let y = c.get(2).and_then(|m| m.as_str().parse().ok()).or(year);
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
        let y = explicit_year
            .clone()
            .or_else(|| year.map(|y| y.to_string()));
        if let Some(y) = y {
            if let Some(iso) = iso_date(&y, &c[2], &c[1]) {
                d.year_inferred = explicit_year.is_none();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, year: Option<i32>, kind: &str, start: Option<&str>, end: Option<&str>) {
        let d = parse(text, year).unwrap();
        assert_eq!(
            (d.kind.as_str(), d.start.as_deref(), d.end.as_deref()),
            (kind, start, end),
            "{text}"
        );
    }

    #[test]
    fn kinds() {
        check(
            "Trước ngày 05/12/2021",
            None,
            "before",
            None,
            Some("2021-12-05"),
        );
        check(
            "Quý I/2020",
            None,
            "quarter",
            Some("2020-01-01"),
            Some("2020-03-31"),
        );
        check(
            "Quý III/2020",
            None,
            "quarter",
            Some("2020-07-01"),
            Some("2020-09-30"),
        );
        check(
            "Quý I",
            Some(2021),
            "quarter",
            Some("2021-01-01"),
            Some("2021-03-31"),
        );
        check(
            "Tháng 12/2021",
            None,
            "month",
            Some("2021-12-01"),
            Some("2021-12-31"),
        );
        check(
            "Tháng 7/2020",
            None,
            "month",
            Some("2020-07-01"),
            Some("2020-07-31"),
        );
        check(
            "Năm 2020",
            None,
            "year",
            Some("2020-01-01"),
            Some("2020-12-31"),
        );
        check("Thường xuyên trong năm", None, "recurring", None, None);
        check(
            "Hàng quý, năm 2020",
            None,
            "recurring",
            Some("2020-01-01"),
            Some("2020-12-31"),
        );
        check(
            "Trước 30/11",
            Some(2021),
            "before",
            None,
            Some("2021-11-30"),
        );
        check("Theo kế hoạch", None, "unspecified", None, None);
        check(
            "Báo cáo quý I, trước ngày 10/3; 6 tháng đầu năm, trước ngày 10/6",
            Some(2021),
            "before",
            None,
            Some("2021-03-10"),
        );
        check(
            "Chậm nhất sau 05 ngày làm việc kể từ ngày nhận được Công văn",
            None,
            "relative",
            None,
            None,
        );
    }

    #[test]
    fn inferred_year_is_flagged() {
        assert!(parse("Quý I", Some(2021)).unwrap().year_inferred);
        assert!(!parse("Quý I/2020", Some(2021)).unwrap().year_inferred);
    }
}
