//! Dates as documents write them, with the precision they were written to:
//! "ngày 08 tháng 11 năm 2019", "08/11/2019", "08-11-2019", "ngày    tháng 10 năm 2022"
//! (the day left blank for the clerk), "tháng 10/2022", "quý II năm 2023".

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::number::ocr_digit;
use crate::text::fold;

crate::model::closed_set! {
    /// How much of a date is known, coarsest first.
    #[derive(PartialOrd, Ord)]
    Precision {
        Year = "year",
        Quarter = "quarter",
        Month = "month",
        Day = "day",
    }
}

/// A date known to a year, a quarter, a month or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate {
    pub year: u32,
    pub quarter: Option<u8>,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    pub fn precision(&self) -> Precision {
        match (self.day, self.month, self.quarter) {
            (Some(_), _, _) => Precision::Day,
            (None, Some(_), _) => Precision::Month,
            (None, None, Some(_)) => Precision::Quarter,
            _ => Precision::Year,
        }
    }

    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (a quarter is given by its year).
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    fn checked(self) -> Option<Self> {
        let year_ok = (1900..=2100).contains(&self.year);
        let month_ok = self.month.is_none_or(|m| (1..=12).contains(&m));
        let day_ok = match (self.month, self.day) {
            (Some(m), Some(d)) => (1..=days_in_month(self.year, m)).contains(&d),
            (None, Some(_)) => false,
            _ => true,
        };
        (year_ok && month_ok && day_ok).then_some(self)
    }
}

pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A year named relative to a plan's year, folded: "năm liền kề năm thực hiện" (the year
/// after), "năm trước liền kề" (the year before), "năm thực hiện kế hoạch" (that year).
/// Returns the offset from the plan's year.
pub fn plan_year_offset(folded: &str) -> Option<i32> {
    static AFTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"nam (sau )?lien ke nam (thuc hien|danh gia|ke hoach)|nam sau lien ke|cua nam sau",
        )
        .unwrap()
    });
    static BEFORE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"nam truoc lien ke|cua nam truoc").unwrap());
    static SAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"nam thuc hien|nam ke hoach").unwrap());
    if AFTER.is_match(folded) {
        Some(1)
    } else if BEFORE.is_match(folded) {
        Some(-1)
    } else {
        SAME.is_match(folded).then_some(0)
    }
}

/// A whole date from its written parts, or `None` when it does not exist.
pub fn iso_date(year: &str, month: &str, day: &str) -> Option<String> {
    let date = PartialDate {
        year: year.parse().ok()?,
        quarter: None,
        month: Some(month.parse().ok()?),
        day: Some(day.parse().ok()?),
    };
    date.checked().map(|d| d.iso())
}

/// Written forms on folded text. The day of "ngày … tháng … năm" may be blank or
/// unreadable ("ngày     tháng 10 năm 2022", "ngàytháng 01 năm 2025").
/// OCR may damage the day ("ngày@3", "ngày/{5"), the word's last letter with it ("ngàW† tháng")
/// and read a month's digits as letters ("0I").
static WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"ngay?\s*(\d{1,2}|\S{0,4}?)?\s*(?P<sep>thang|/|-|\.)\s*(\d{1,2}|[0-9oil]{2})\s*(?:,?\s*nam|/|-|\.)\s*(\d{4})\b").unwrap()
});

/// What a damaged day of "ngày … tháng" still shows: its tens and units where readable
/// ("@3" → units 3, "0†" → tens 0, "3⁄4" → units 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayClue {
    pub tens: Option<u32>,
    pub units: Option<u32>,
}

impl DayClue {
    /// The latest day of the month that fits the clue and is not after `latest`: a
    /// document is dated on or before the day it was signed.
    pub fn settle(&self, year: u32, month: u32, latest: u32) -> Option<u32> {
        (1..=latest.min(days_in_month(year, month)))
            .rev()
            .find(|d| {
                self.tens.is_none_or(|t| d / 10 == t) && self.units.is_none_or(|u| d % 10 == u)
            })
    }
}

/// Days before its first signature over which a document's day of issue grows e-fold
/// less likely: documents are signed on the day of issue or within a few days of it.
const SIGNING_LAG_DAYS: f32 = 3.0;

/// The likeliest day of issue among `readings` of its digits (day, likelihood) given the
/// document's first signature that month, `signed`: a day after it is impossible, and a
/// day long before it unlikely. `None` when every reading is after the signature.
pub fn likeliest_issue_day(readings: &[(u32, f32)], signed: u32) -> Option<u32> {
    readings
        .iter()
        .filter(|&&(day, _)| day <= signed)
        .map(|&(day, p)| (day, p * (-((signed - day) as f32) / SIGNING_LAG_DAYS).exp()))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(day, _)| day)
}

/// Whether `digits` can be a day of a month: one or two digits, 1 to 31.
pub fn plausible_day(digits: &str) -> bool {
    digits.len() <= 2 && digits.parse().is_ok_and(|d: u32| (1..=31).contains(&d))
}

/// The clue of the first "ngày … tháng … năm" whose day could not be read, when some of
/// its digits can.
pub fn day_clue(text: &str) -> Option<DayClue> {
    let folded = fold(text);
    let c = WORDS.captures(&folded)?;
    let glyphs: Vec<char> = c.get(1)?.as_str().chars().collect();
    let text: String = glyphs.iter().collect();
    let readable = plausible_day(&text);
    if glyphs.is_empty() || readable {
        return None;
    }
    let slot = |i: Option<usize>| i.and_then(|i| glyphs.get(i)).and_then(|&g| ocr_digit(g));
    let n = glyphs.len();
    let clue = DayClue {
        // A tens digit over 3 is a misreading ("80" for a handwritten "20").
        tens: slot(n.checked_sub(2)).filter(|&t| t <= 3),
        units: slot(Some(n - 1)),
    };
    (clue.tens.is_some() || clue.units.is_some()).then_some(clue)
}
/// "ngày … tháng … năm 2022" with day and month both blank.
static YEAR_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ngay[^\d\n]{0,12}thang[^\d\n]{0,12}nam\s*(\d{4})\b").unwrap());
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*([/.-])\s*(\d{4})\b").unwrap()
});
static MONTH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bthang\s+(\d{1,2})\s*(?:,?\s*nam\s+|/|-)\s*(\d{4})\b").unwrap());
static QUARTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bquy\s+(iv|iii|ii|i|[1-4])\s*(?:,?\s*nam\s+|/|-)\s*(\d{4})\b").unwrap()
});

/// The first date written in `text`, with its byte range in `text`. Forms are tried
/// from the most precise down; a numeric date needs one separator throughout.
pub fn parse_date(text: &str) -> Option<(PartialDate, Range<usize>)> {
    let folded = fold(text);
    // `fold` keeps one char per char; map its byte offsets back through char counts.
    let back = |b: usize| {
        let chars = folded[..b].chars().count();
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i)
    };
    let mut found: Vec<(PartialDate, Range<usize>)> = Vec::new();
    if let Some(c) = WORDS.captures(&folded) {
        let day = c.get(1).and_then(|d| d.as_str().parse().ok());
        let month = c[3]
            .chars()
            .try_fold(0, |m, g| ocr_digit(g).map(|d| m * 10 + d));
        let date = PartialDate {
            year: c[4].parse().ok()?,
            quarter: None,
            month,
            day,
        };
        // "ngày 31/02/2023" does not exist; in words a blank or damaged day leaves the month.
        let day_unread = &c["sep"] == "thang"
            || c.get(1)
                .is_none_or(|d| !d.as_str().starts_with(|c: char| c.is_ascii_digit()));
        if let Some(d) = date.checked().or_else(|| {
            day_unread
                .then(|| PartialDate { day: None, ..date }.checked())
                .flatten()
        }) {
            found.push((d, c.get(0).unwrap().range()));
        }
    }
    if let Some(c) = YEAR_ONLY.captures(&folded) {
        let date = PartialDate {
            year: c[1].parse().ok()?,
            quarter: None,
            month: None,
            day: None,
        };
        if let Some(d) = date.checked() {
            found.push((d, c.get(0).unwrap().range()));
        }
    }
    for c in NUMERIC.captures_iter(&folded) {
        if c[2] != c[4] {
            continue;
        }
        let date = PartialDate {
            year: c[5].parse().ok()?,
            quarter: None,
            month: c[3].parse().ok(),
            day: c[1].parse().ok(),
        };
        if let Some(d) = date.checked() {
            found.push((d, c.get(0).unwrap().range()));
            break;
        }
    }
    if let Some(c) = MONTH.captures(&folded) {
        let date = PartialDate {
            year: c[2].parse().ok()?,
            quarter: None,
            month: c[1].parse().ok(),
            day: None,
        };
        if let Some(d) = date.checked() {
            found.push((d, c.get(0).unwrap().range()));
        }
    }
    if let Some(c) = QUARTER.captures(&folded) {
        let quarter = match &c[1] {
            "i" | "1" => 1,
            "ii" | "2" => 2,
            "iii" | "3" => 3,
            _ => 4,
        };
        let date = PartialDate {
            year: c[2].parse().ok()?,
            quarter: Some(quarter),
            month: None,
            day: None,
        };
        if let Some(d) = date.checked() {
            found.push((d, c.get(0).unwrap().range()));
        }
    }
    // The earliest in the text; at one place, the most precise.
    found
        .into_iter()
        .min_by_key(|(d, r)| (r.start, std::cmp::Reverse(d.precision())))
        .map(|(d, r)| (d, back(r.start)..back(r.end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_day_is_on_or_shortly_before_the_signature() {
        // vbhc-quangngai doc10: "24" written by hand, read 14 (0.84) or 24 (0.15); the
        // first signature is on the 26th.
        assert_eq!(likeliest_issue_day(&[(14, 0.84), (24, 0.15)], 26), Some(24));
        // A sure reading stands even when the signature came much later.
        assert_eq!(
            likeliest_issue_day(&[(14, 0.99), (24, 0.005)], 26),
            Some(14)
        );
        assert_eq!(likeliest_issue_day(&[(27, 0.9), (21, 0.1)], 26), Some(21));
        assert_eq!(likeliest_issue_day(&[(27, 0.9)], 26), None);
    }

    fn iso(text: &str) -> Option<(String, Precision)> {
        parse_date(text).map(|(d, _)| (d.iso(), d.precision()))
    }

    #[test]
    fn damaged_days_leave_clues() {
        let clue = |t: &str| day_clue(t).map(|c| (c.tens, c.units));
        assert_eq!(
            clue("QuảngNgãi, ngày@3 tháng 0I năm 2025"),
            Some((None, Some(3)))
        );
        assert_eq!(
            clue("Quảng ngãi, ngày 0† tháng 02 năm 2025"),
            Some((Some(0), None))
        );
        assert_eq!(clue("ngày80 tháng 3 năm 2018"), Some((None, Some(0))));
        assert_eq!(clue("QuảngNgãi, ngàytháng 01 năm 2025"), None);
        assert_eq!(clue("ngày 08 tháng 11 năm 2019"), None);
        let c = day_clue("ngày@3 tháng 01 năm 2025").unwrap();
        assert_eq!(c.settle(2025, 1, 24), Some(23));
        assert_eq!(c.settle(2025, 1, 2), None);
        assert_eq!(
            iso("ngày@3 tháng 0I năm 2025"),
            Some(("2025-01".into(), Precision::Month))
        );
    }

    #[test]
    fn written_forms() {
        assert_eq!(
            iso("Hà Nội, ngày 08 tháng 11 năm 2019"),
            Some(("2019-11-08".into(), Precision::Day))
        );
        assert_eq!(
            iso("Hà Nội, ngày        tháng 10 năm 2022"),
            Some(("2022-10".into(), Precision::Month))
        );
        assert_eq!(
            iso("QuảngNgãi, ngàytháng 01 năm 2025"),
            Some(("2025-01".into(), Precision::Month))
        );
        assert_eq!(
            iso("ngày 14/10/2019 của UBND"),
            Some(("2019-10-14".into(), Precision::Day))
        );
        assert_eq!(
            iso("trước 30-11-2021"),
            Some(("2021-11-30".into(), Precision::Day))
        );
        assert_eq!(
            iso("trong tháng 10/2022"),
            Some(("2022-10".into(), Precision::Month))
        );
        assert_eq!(
            iso("quý II năm 2023"),
            Some(("2023".into(), Precision::Quarter))
        );
        assert_eq!(
            iso("ngày 30 tháng 02 năm 2019"),
            Some(("2019-02".into(), Precision::Month))
        );
        assert_eq!(iso("10/11-2019"), None);
        assert_eq!(
            iso("Hà Nội, ngày       tháng      năm 2023"),
            Some(("2023".into(), Precision::Year))
        );
        assert_eq!(
            iso("Hà Nội, ngày 20 tháng 7năm 2023"),
            Some(("2023-07-20".into(), Precision::Day))
        );
    }

    #[test]
    fn ranges_point_into_the_text() {
        let text = "Quảng Ngãi, ngày 08 tháng 01 năm 2025";
        let (_, r) = parse_date(text).unwrap();
        assert_eq!(&text[r], "ngày 08 tháng 01 năm 2025");
    }

    #[test]
    fn whole_dates() {
        assert_eq!(iso_date("2019", "2", "30"), None);
        assert_eq!(iso_date("2020", "2", "29").as_deref(), Some("2020-02-29"));
    }
}
