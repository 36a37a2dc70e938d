//! Markdown emphasis and headings, HTML fragments inside lines, whole HTML pages.

use std::sync::LazyLock;

use regex::Regex;

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*>").unwrap());
static ENTITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});").unwrap());
static EMPHASIS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\*{1,3}|_{2,3})([^*_\n]*?[^*_\s\n])(\*{1,3}|_{2,3})").unwrap());
static HEADING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s{0,3}#{1,6}\s+").unwrap());
static RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s{0,3}([-*_])(\s*[-*_]){2,}\s*$").unwrap());
static BLOCK_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<(/?(p|div|br|tr|li|h[1-6]|table|ul|ol|section|article|header|footer)\b[^>]*|/td|/th)>").unwrap()
});
static INVISIBLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(script|style|head|noscript)\b.*?</(script|style|head|noscript)>").unwrap()
});

static PAGE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b")
        .unwrap()
});

/// A whole page: markup from the first character on (a declaration or comments, then the
/// doctype, `<html>`, `<head>` or `<body>`). A text that mentions `<body>` is not one.
pub fn looks_like_html_page(text: &str) -> bool {
    let head = match text.char_indices().nth(4000) {
        Some((at, _)) => &text[..at],
        None => text,
    };
    PAGE_START.is_match(head)
}

pub fn looks_like_markdown(text: &str) -> bool {
    text.lines()
        .take(200)
        .any(|l| HEADING.is_match(l) || l.trim_start().starts_with("**"))
}

static PRE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<pre\b[^>]*>(.*?)(</pre\s*>|\z)").unwrap());
static CELL_GAP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)</t[dh]>\s*<t[dh][^>]*>").unwrap());

/// A whole HTML page: block tags become line breaks, cells become tabs; the lines of a
/// `<pre>` block stay lines, as they are (tabs and indents kept).
pub fn html_page_to_text(html: &str) -> String {
    let visible = INVISIBLE.replace_all(html, "");
    let mut out: Vec<String> = Vec::new();
    let mut at = 0;
    for pre in PRE.captures_iter(&visible) {
        let whole = pre.get(0).expect("match");
        out.push(flowing_to_text(&visible[at..whole.start()]));
        // The line break right after `<pre>` is not content (as in browsers).
        let body = pre[1].strip_prefix('\n').unwrap_or(&pre[1]);
        out.extend(body.split('\n').map(str::to_string));
        at = whole.end();
    }
    out.push(flowing_to_text(&visible[at..]));
    out.join("\n")
}

/// Markup outside `<pre>`: its own line breaks are spaces.
fn flowing_to_text(html: &str) -> String {
    let joined = html.replace(['\r', '\n'], " ");
    let cells = CELL_GAP.replace_all(&joined, "\t");
    let broken = BLOCK_TAG.replace_all(&cells, "\n");
    broken
        .split('\n')
        .map(|l| l.trim().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One source line: HTML fragments flattened in place, Markdown markers removed.
/// Never adds or removes line breaks.
pub fn flatten_line(line: &str) -> String {
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    let mut s = pipe_row_to_tabs(line).unwrap_or_else(|| line.to_string());
    // Spaces around removed tags are not layout.
    let keep_gaps = !TAG.is_match(&s);
    if !keep_gaps {
        s = TAG
            .replace_all(&s, |c: &regex::Captures| {
                match c[2].to_ascii_lowercase().as_str() {
                    "br" | "p" | "li" | "div" | "tr" => " ".to_string(),
                    _ => String::new(),
                }
            })
            .into_owned();
    }
    if s.contains('&') {
        s = decode_entities(&s);
    }
    if s.contains('*') || s.contains("__") {
        s = EMPHASIS.replace_all(&s, "$2").into_owned();
        // Emphasis spanning two lines leaves an unmatched marker at an edge.
        s = s
            .trim_start_matches("**")
            .trim_end_matches(['*', ' '])
            .to_string();
    }
    if RULE.is_match(&s) && !s.trim_start().starts_with("- ") {
        return String::new();
    }
    s = HEADING.replace(&s, "").into_owned();
    s = s.replace("\\.", ".").replace("\\-", "-");
    tidy_cells(&s, &indent, keep_gaps)
}

/// A Markdown pipe-table row "| 1 | Nội dung |" becomes tab-separated cells;
/// its delimiter row "|---|:--:|" becomes empty.
fn pipe_row_to_tabs(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix('|')?.strip_suffix('|')?;
    if !inner.contains('|') && !inner.chars().all(|c| matches!(c, '-' | ':' | ' ')) {
        return None;
    }
    if inner.chars().all(|c| matches!(c, '-' | ':' | ' ' | '|')) {
        return Some(String::new());
    }
    Some(
        inner
            .split('|')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("\t"),
    )
}

/// Squashes spaces inside each tab-separated cell, keeping the tabs.
fn tidy_cells(s: &str, leading: &str, keep_gaps: bool) -> String {
    let squash = if keep_gaps {
        squash_keeping_columns
    } else {
        crate::text::squash
    };
    let cells: Vec<String> = s.split('\t').map(squash).collect();
    let body = cells.join("\t");
    if cells.len() == 1 && !leading.is_empty() && !body.is_empty() {
        // keep indentation of plain lines: it carries signature-block layout
        return format!("{leading}{body}");
    }
    body
}

/// Squashes spaces but keeps a column gap (three or more spaces, as in two-column
/// headers and signature blocks) as exactly three spaces.
fn squash_keeping_columns(cell: &str) -> String {
    COLUMN_GAP
        .split(cell.trim())
        .map(crate::text::squash)
        .collect::<Vec<_>>()
        .join("   ")
}

static COLUMN_GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s{3,}").unwrap());

pub fn decode_entities(s: &str) -> String {
    ENTITY
        .replace_all(s, |c: &regex::Captures| {
            let name = &c[1];
            let ch = if let Some(num) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
            {
                u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
            } else if let Some(num) = name.strip_prefix('#') {
                num.parse().ok().and_then(char::from_u32)
            } else {
                match name {
                    "nbsp" => Some(' '),
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "ndash" => Some('–'),
                    "mdash" => Some('—'),
                    "hellip" => Some('…'),
                    "laquo" => Some('«'),
                    "raquo" => Some('»'),
                    "ldquo" => Some('“'),
                    "rdquo" => Some('”'),
                    _ => None,
                }
            };
            ch.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_cell_fragments_flatten() {
        let line = "1\t<p>- Thực hiện:</p> <p>+ Thu thập;</p>\tThanh tra Sở";
        assert_eq!(
            flatten_line(line),
            "1\t- Thực hiện: + Thu thập;\tThanh tra Sở"
        );
    }

    #[test]
    fn bold_groups_and_lists() {
        assert_eq!(
            flatten_line("<b>I</b>\t<b>CÔNG TÁC</b>\t\t"),
            "I\tCÔNG TÁC\t\t"
        );
        let ul = r#"<ul style="x"> <li>- Văn bản;</li> <li>- Kế hoạch</li> </ul>"#;
        assert_eq!(flatten_line(ul), "- Văn bản; - Kế hoạch");
    }

    #[test]
    fn markdown_markers() {
        assert_eq!(flatten_line("## **II. CHỈ TIÊU**"), "II. CHỈ TIÊU");
        assert_eq!(flatten_line("***Nơi nhận:***"), "Nơi nhận:");
        assert_eq!(flatten_line("**KẾ HOẠCH**  "), "KẾ HOẠCH");
        assert_eq!(
            flatten_line("4. Lĩnh vực 4: *Cải cách tổ chức*"),
            "4. Lĩnh vực 4: Cải cách tổ chức"
        );
        assert_eq!(flatten_line("---"), "");
        assert_eq!(flatten_line("**KT. GIÁM ĐỐC"), "KT. GIÁM ĐỐC");
        assert_eq!(flatten_line("PHÓ GIÁM ĐỐC**"), "PHÓ GIÁM ĐỐC");
    }

    #[test]
    fn column_gaps_survive() {
        assert_eq!(
            flatten_line("SỞ NỘI VỤ          Độc lập  -  Tự do"),
            "SỞ NỘI VỤ   Độc lập - Tự do"
        );
    }

    #[test]
    fn pipe_tables() {
        assert_eq!(
            flatten_line("| TT | Nội dung | Đơn vị chủ trì |"),
            "TT\tNội dung\tĐơn vị chủ trì"
        );
        assert_eq!(flatten_line("|---|:---:|---|"), "");
        assert_eq!(flatten_line("| 1 | **Rà soát** |  |"), "1\tRà soát\t");
    }

    #[test]
    fn pages_need_page_structure() {
        assert!(looks_like_html_page("<!DOCTYPE html>\n<html><body>x"));
        assert!(looks_like_html_page(
            " <?xml version=\"1.0\"?>\n<!-- saved -->\n<HTML lang=vi>"
        ));
        assert!(!looks_like_html_page(
            "Hướng dẫn: nội dung trang nằm trong thẻ <body> của tệp.\n<html> cũng vậy."
        ));
        assert!(!looks_like_html_page("<bodyguard> x"));
    }

    #[test]
    fn pre_keeps_its_lines() {
        let page = "<html><body><p>Trích:</p><pre>\nSố: 1/KH\n    KẾ HOẠCH\n</pre><p>Hết</p></body></html>";
        assert_eq!(
            html_page_to_text(page),
            // Tags left in lines go with each line's flattening.
            "<html><body>\nTrích:\n\nSố: 1/KH\n    KẾ HOẠCH\n\n\nHết\n</body></html>"
        );
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("KH&amp;CN&nbsp;&#7889;"), "KH&CN ố");
    }
}
