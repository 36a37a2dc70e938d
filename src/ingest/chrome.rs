//! Web-page chrome and page furniture, blanked in place so line numbers hold.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::text::fold;

/// Whole lines that are site chrome, matched on folded (mark-free, lower-case) text.
static CHROME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(",
        r"dang tai noi dung.*cho giay lat\W*",
        r"|luot xem\s*:?\s*[\d.,]+",
        r"|(in|chia se|tai ve|ban in|quay lai|xem them|luu bai viet)\s*",
        r"|he thong phap luat",
        r"|(dang online|hom nay|hom qua|trong tuan|trong thang|tat ca|tong truy cap)\s*:\s*[\d.,]+",
        r")\s*$"
    ))
    .unwrap()
});
static STATS_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*thong ke truy cap\s*$").unwrap());
/// A lone page number: "4", "- 4 -", "Trang 4", "Trang 4/10".
static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(-\s*\d{1,4}\s*-|(trang\s+)?\d{1,4}(\s*/\s*\d{1,4})?)\s*$").unwrap()
});

/// Blanks chrome and furniture lines; returns how many were blanked.
pub fn blank_chrome(lines: &mut [String]) -> usize {
    let folded: Vec<String> = lines
        .iter()
        .map(|l| fold(l.trim_start_matches(['•', '·', '*', ' '])))
        .collect();
    let mut blank = vec![false; lines.len()];
    let mut in_stats = false;
    for (i, f) in folded.iter().enumerate() {
        if STATS_HEADING.is_match(f) {
            in_stats = true;
        }
        if in_stats
            && !f.trim().is_empty()
            && !STATS_HEADING.is_match(f)
            && !CHROME_LINE.is_match(f)
        {
            in_stats = false;
        }
        blank[i] = in_stats || CHROME_LINE.is_match(f);
    }
    blank_page_numbers(lines, &mut blank);
    blank_running_headers(lines, &folded, &mut blank);
    let mut count = 0;
    for (line, b) in lines.iter_mut().zip(blank) {
        if b && !line.trim().is_empty() {
            line.clear();
            count += 1;
        }
        if line.contains('\u{c}') {
            *line = line.replace('\u{c}', "");
        }
    }
    count
}

/// Lone page numbers are sparse; dense runs of lone numbers are the row
/// numbers of a table written one cell per line.
fn blank_page_numbers(lines: &[String], blank: &mut [bool]) {
    let candidates: Vec<usize> = (0..lines.len())
        .filter(|&i| is_lone_number(lines, i))
        .collect();
    for (k, &i) in candidates.iter().enumerate() {
        let near = |j: Option<&usize>| j.is_some_and(|&j| j.abs_diff(i) < MIN_PAGE_LINES);
        if !near(k.checked_sub(1).and_then(|p| candidates.get(p))) && !near(candidates.get(k + 1)) {
            blank[i] = true;
        }
    }
}

/// Fewest lines between two page numbers.
const MIN_PAGE_LINES: usize = 15;

/// A number alone between blank lines or page breaks.
fn is_lone_number(lines: &[String], i: usize) -> bool {
    let gap = |j: Option<usize>| {
        j.and_then(|j| lines.get(j))
            .is_none_or(|l| l.trim().is_empty() || l.contains('\u{c}'))
    };
    PAGE_NUMBER.is_match(&fold(&lines[i]))
        && !lines[i].contains('\t')
        && gap(i.checked_sub(1))
        && gap(Some(i + 1))
}

/// Lines repeated at three or more page tops (after a form feed or page number).
fn blank_running_headers(lines: &[String], folded: &[String], blank: &mut [bool]) {
    let page_tops: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            i == 0
                || lines[i - 1].contains('\u{c}')
                || lines[i].starts_with('\u{c}')
                || blank[i - 1]
        })
        .collect();
    let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
    for &top in &page_tops {
        if let Some(j) = (top..lines.len().min(top + 3)).find(|&j| !folded[j].trim().is_empty()) {
            seen.entry(folded[j].trim()).or_default().push(j);
        }
    }
    for (key, at) in seen {
        if at.len() >= 3 && key.chars().count() >= 6 && !key.starts_with(['-', '+']) {
            for j in at {
                blank[j] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> String {
        let mut lines: Vec<String> = src.split('\n').map(String::from).collect();
        blank_chrome(&mut lines);
        lines.join("\n")
    }

    #[test]
    fn web_chrome_goes_lines_stay() {
        let src = "Hệ thống pháp luật\nĐang tải nội dung, vui lòng chờ giây lát...\nSố: 1\nLượt xem: 3152";
        assert_eq!(run(src), "\n\nSố: 1\n");
    }

    #[test]
    fn stats_block() {
        let src = "Thi Lan\n\nThống kê truy cập\n  • Đang online: 37\n  • Hôm nay: 860\n  • Tất cả: 4,085,553";
        assert_eq!(run(src), "Thi Lan\n\n\n\n\n");
    }

    #[test]
    fn lone_page_number() {
        assert_eq!(run("a\n\n4\n\nb"), "a\n\n\n\nb");
        assert_eq!(run("có\n4\nhồ sơ"), "có\n4\nhồ sơ");
        assert_eq!(run("1\n\nA\n\n2\n\nB"), "1\n\nA\n\n2\n\nB");
    }
}
