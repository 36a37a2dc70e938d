//! Cited documents: "Quyết định số 600/QĐ-UBND ngày 14/10/2019 của UBND tỉnh Gia Lai",
//! "Nghị quyết số 18-NQ/TW, 19-NQ/TW", "Luật Viên chức", damaged codes ("NB-CP").
//!
//! Matching runs on the folded text (no marks, lower case, one char per char), so
//! it works on text whose diacritics repair could not restore; values are read
//! back from the original text at the same offsets.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Citation, Relation, Span};
use crate::segment::Segmented;
use crate::text::{fold, squash, CharIndex, Folded};
use crate::vn::{self, code_len, iso_date, normalize_code};

/// `<type> [số] <number…>`; the number part is read by [`NUMBER`]. Type words may
/// wrap onto the next line, be glued to a preceding "và" ("vaNghi dinh"), and
/// "Kế hoạch" and "Chỉ thị" survive common OCR and repair damage ("K& hoach", "Chủ thị").
static TYPED: LazyLock<Regex> = LazyLock::new(|| {
    let mut types: Vec<&str> = vn::DOC_TYPES
        .iter()
        .filter(|t| t.citable)
        .map(|t| t.folded)
        .collect();
    types.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let types: Vec<String> = types.iter().map(|k| k.replace(' ', r"\s+")).collect();
    Regex::new(&format!(
        r"(?:\bva|\b)({}|k[e&]{{1,2}}\s+hoach|chu\s+thi)\s+",
        types.join("|")
    ))
    .unwrap()
});
/// `59/2012/nd-cp`, `600/qd-ubnd`, `18-nq/tw`, `30c/nq-cp`, `09kh/btgdvtw` in folded text.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:s[o06bd8e]?\s*:?\s*)?(\d{1,5})(?:([a-z]?)\s?(?:/(\d{4}))?/([a-z&]+[a-z0-9&]*(?:-{1,2}[\n ]?[a-z0-9&]+)*)|\s?-?([a-z]{1,4}/[a-z&][a-z0-9&]*(?:-[a-z0-9&]+)*))").unwrap()
});
/// "Chỉ thị 07", "Hướng dẫn số 12,": a type with a bare number and no symbol.
static BARE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:so\s+)?(\d{1,3})(?:[\s,;.)]|$)").unwrap());
/// Between items of a list: ",", "và", or ";" when "số" follows ("Quyết định số 12/…; số 15/…").
static LIST_NEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:,|và|va|;\s*(?:và|va)?)\s*").unwrap());
/// OCR splits a code's last letter off: "157/SKHCN-V P".
static SPLIT_LAST_LETTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ ([a-z])(?:[^a-z0-9]|$)").unwrap());
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*,?\s*ng[a-z]{1,2}y\s+(\d{1,2})\s*(?:/|-|\.|\s+th[a-z]{2,3}g\s+)(\d{1,2})\s*(?:/|-|\.|\s+n[a-z]{1,2}m\s+)(\d{4})").unwrap()
});
static ISSUER_INTRO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:cua|cia|ctia|caa|cta|ciia)\s+").unwrap());
static LAW_YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*nam\s+(\d{4})").unwrap());

/// Lower-case words that end an issuer's name ("… của UBND tỉnh về việc", "… của Chính phủ phê duyệt").
const ISSUER_STOP: &[&str] = &[
    "về", "phê", "ban", "quy", "sửa", "đối", "thực", "tại", "trong", "theo", "được", "để", "nhằm",
    "hướng", "triển", "phù", "gửi", "giao", "với", "đã", "là", "có", "như", "cho", "trên", "đến",
    "năm", "ngày", "số", "kèm", "tổ", "chỉ", "ký", "áp", "xây", "thi", "do", "hỗ", "bảo", "nâng",
    "tăng", "chuyển", "lấy", "tiếp",
    // the same words as OCR without Vietnamese leaves them
    "ngay", "ngdy", "ve", "vé", "nam", "nim", "tai", "theo", "phe", "phé", "quy",
];
/// Known law names, folded, longest first.
static LAW_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut names: Vec<String> = include_str!("law_names.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(fold)
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names
});
/// Words that end an unknown law's name, with their marks: "về" ends a name, "vệ" of
/// "An toàn vệ sinh lao động" does not.
const LAW_STOP: &[&str] = &[
    "và", "các", "năm", "số", "của", "ngày", "đã", "được", "hiện", "thì", "theo", "về", "để",
    "này", "quy", "hướng", "tại", "trong", "khi", "do", "còn", "liên", "sửa", "ban", "như", "có",
    "bao", "gồm", "hàng", "là", "cùng", "những", "cho", "với", "từ", "đến", "sau", "trước", "mới",
    "nhất", "định", "kỳ", "nhiệm",
];
/// Most words of an unknown law's name.
const LAW_MAX_WORDS: usize = 6;
/// The issuer after "của" is read from at most this many characters …
const ISSUER_MAX_CHARS: usize = 120;
/// … and is at most this many words.
const ISSUER_MAX_WORDS: usize = 10;

/// One mention before grouping.
struct Mention {
    id: String,
    doc_type: &'static vn::DocType,
    number: Option<String>,
    year: Option<i32>,
    code: Option<String>,
    date: Option<String>,
    issuer: Option<String>,
    relation: Relation,
    span: Span,
}

pub fn extract(text: &Folded, seg: &Segmented) -> Vec<Citation> {
    let (folded, orig, fix) = (&text.folded, &text.orig, &text.index);
    let own_number = seg.metadata.number.as_deref();
    let mut mentions = Vec::new();
    for m in TYPED.captures_iter(folded) {
        let whole = m.get(0).unwrap();
        let type_match = m.get(1).unwrap();
        let type_key = type_key(type_match.as_str());
        let Some(doc_type) = vn::by_folded_name(&type_key) else {
            continue;
        };
        let type_start = fix.char_at(type_match.start());
        let title_case_law = orig.get(type_start..type_start + 2) == Some(&['L', 'u']);
        let glued_to_va = type_match.start() > whole.start();
        if !(glued_to_va || starts_word(orig, type_start))
            || (type_key == "luat" && !title_case_law)
            || type_key == "van ban"
        {
            continue;
        }
        let relation = match seg.preamble {
            Some(p)
                if p[0] <= type_start
                    && type_start < p[1]
                    && line_starts_with(folded, type_match.start(), "can cu") =>
            {
                Relation::Basis
            }
            _ => relation_before(folded, type_match.start()),
        };
        let mut at = whole.end();
        let mut found_number_before = false;
        while let Some(n) = NUMBER.captures(&folded[at..]) {
            let mut n_end = at + n.get(0).unwrap().end();
            if let Some(code) = n.get(4).or(n.get(5)) {
                let (s, e) = (fix.char_at(at + code.start()), fix.char_at(at + code.end()));
                let raw: String = orig[s..e].iter().collect();
                let glued = raw.chars().count() - code_len(&raw);
                n_end -= folded[..n_end]
                    .chars()
                    .rev()
                    .take(glued)
                    .map(char::len_utf8)
                    .sum::<usize>();
            }
            let mut mention = numbered(&n, orig, fix, at, doc_type, relation);
            if let (Some(code), Some(tail)) = (
                &mut mention.code,
                SPLIT_LAST_LETTER.captures(&folded[n_end..]),
            ) {
                if code
                    .rsplit(['-', '/'])
                    .next()
                    .is_some_and(|last| last.chars().count() == 1)
                {
                    let letter = tail[1].to_uppercase();
                    code.push_str(&letter);
                    mention.id.push_str(&letter);
                    n_end += 2;
                }
            }
            if let Some(tail_len) = symbol_tail(
                orig,
                fix.char_at(n_end),
                mention.code.as_deref().unwrap_or(""),
            ) {
                let s = fix.char_at(n_end);
                let tail: String = orig[s..s + tail_len]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string();
                for part in [
                    &mut mention.id,
                    mention.code.get_or_insert_with(String::new),
                ] {
                    part.push('-');
                    part.push_str(&tail);
                }
                n_end = fix.byte_at(s + tail_len);
            }
            let mut end = n_end;
            let date_at = |end: usize| {
                DATE.captures(&folded[end..])
                    .map(|d| (iso_date(&d[3], &d[2], &d[1]), d.get(0).unwrap().end()))
            };
            if let Some((date, len)) = date_at(end) {
                mention.date = date;
                end += len;
            }
            if let Some((issuer, issuer_end)) = issuer_after(folded, orig, fix, end) {
                mention.issuer = Some(issuer);
                // "… của UBND tỉnh ngày 08/11/2019": the date may follow the issuer.
                match date_at(issuer_end) {
                    Some((date, len)) if mention.date.is_none() => {
                        mention.date = date;
                        end = issuer_end + len;
                    }
                    _ => {}
                }
            }
            if mention.year.is_none() && mention.number.is_some() {
                mention.year = mention.date.as_deref().and_then(|d| d[..4].parse().ok());
            }
            let start = if found_number_before {
                fix.char_at(at)
            } else {
                type_start
            };
            mention.span = [start, fix.char_at(end)];
            found_number_before = true;
            mentions.push(mention);
            match LIST_NEXT.find(&folded[end..]) {
                Some(sep)
                    if NUMBER.is_match(&folded[end + sep.end()..])
                        && (!sep.as_str().contains(';')
                            || folded[end + sep.end()..].starts_with("so")) =>
                {
                    at = end + sep.end()
                }
                _ => break,
            }
        }
        let is_law = type_key == "luat" || type_key == "bo luat";
        if !found_number_before && is_law && folded[..whole.end()].ends_with("luat ") {
            if let Some(m) = law_by_name(
                folded,
                orig,
                fix,
                whole.end(),
                type_start,
                doc_type,
                relation,
            ) {
                mentions.push(m);
            }
        } else if !found_number_before && !is_law && orig[type_start].is_uppercase() {
            if let Some(c) = BARE_NUMBER
                .captures(&folded[whole.end()..])
                .filter(|c| c.get(1).is_some_and(|n| n.len() >= 2) || c[0].starts_with("so"))
            {
                let end = whole.end() + c.get(0).unwrap().end();
                let number = c[1].to_string();
                mentions.push(Mention {
                    id: format!("{} {number}", doc_type.name),
                    doc_type,
                    number: Some(number),
                    year: None,
                    code: None,
                    date: None,
                    issuer: None,
                    relation,
                    span: [type_start, fix.char_at(end)],
                });
            }
        }
    }
    let own = &seg.own_references;
    mentions.retain(|m| {
        Some(m.id.as_str()) != own_number
            && !own.iter().any(|o| o[0] <= m.span[0] && m.span[0] < o[1])
    });
    // "Kết luận 88" beside "Kết luận số 88-KL/TW" is the same document.
    let numbered: Vec<String> = mentions
        .iter()
        .filter(|m| m.code.is_some())
        .filter_map(|m| m.number.clone())
        .collect();
    mentions.retain(|m| {
        m.code.is_some()
            || matches!(m.doc_type.folded, "luat" | "bo luat")
            || !m.number.as_ref().is_some_and(|n| numbered.contains(n))
    });
    // "Luật Tổ chức Chính phủ" inside "Luật sửa đổi, … của Luật Tổ chức Chính phủ và …".
    let spans: Vec<Span> = mentions.iter().map(|m| m.span).collect();
    mentions.retain(|m| {
        !spans
            .iter()
            .any(|s| s != &m.span && s[0] <= m.span[0] && m.span[1] <= s[1])
    });
    share_issuers(folded, fix, &mut mentions);
    group(mentions)
}

/// "Nghị định số 20/2008/NĐ-CP ngày …, Nghị định số 63/2010/NĐ-CP ngày … của Chính phủ":
/// the issuer written after the last item of a list belongs to every item, and so
/// does the date when an item has neither ("Nghị quyết số 18-NQ/TW, 19-NQ/TW ngày …").
fn share_issuers(folded: &str, fix: &CharIndex, mentions: &mut [Mention]) {
    static LIST_GAP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*(?:,|và|va)\s*$").unwrap());
    for i in (0..mentions.len().saturating_sub(1)).rev() {
        if mentions[i].issuer.is_some() {
            continue;
        }
        let (gap_start, gap_end) = (
            fix.byte_at(mentions[i].span[1]),
            fix.byte_at(mentions[i + 1].span[0]),
        );
        if gap_start <= gap_end && LIST_GAP.is_match(&folded[gap_start..gap_end]) {
            let next_year = mentions[i + 1]
                .date
                .as_deref()
                .and_then(|d| d[..4].parse().ok());
            let (next_issuer, next_date) =
                (mentions[i + 1].issuer.clone(), mentions[i + 1].date.clone());
            let m = &mut mentions[i];
            if m.date.is_none() {
                m.date = next_date;
                m.year = m.year.or(next_year);
            }
            m.issuer = next_issuer;
        }
    }
}

/// "k& hoach" → "ke hoach"; "nghi\ndinh" → "nghi dinh"; "chủ thị" (a repair
/// confusion of "Chi thi") → "chi thi".
fn type_key(matched: &str) -> String {
    let key = squash(matched);
    if key.starts_with('k') && key.ends_with("hoach") {
        "ke hoach".to_string()
    } else if key == "chu thi" {
        "chi thi".to_string()
    } else {
        key
    }
}

fn line_starts_with(folded: &str, at: usize, prefix: &str) -> bool {
    let line_start = folded[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    folded[line_start..at]
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .starts_with(prefix)
}

fn starts_word(orig: &[char], at: usize) -> bool {
    at == 0 || !orig[at - 1].is_alphanumeric()
}

fn numbered(
    n: &regex::Captures,
    orig: &[char],
    fix: &CharIndex,
    base: usize,
    doc_type: &'static vn::DocType,
    relation: Relation,
) -> Mention {
    let read = |i: usize| {
        n.get(i).map(|g| {
            orig[fix.char_at(base + g.start())..fix.char_at(base + g.end())]
                .iter()
                .collect::<String>()
        })
    };
    let number = read(1).unwrap_or_default() + &read(2).unwrap_or_default();
    let year: Option<i32> = read(3).and_then(|y| y.parse().ok());
    let (code, id) = if let Some(code) = read(4) {
        // "1744/QĐ-\nBGTVT", "02/CT- BTC": a line break or OCR cut the symbol at its hyphen.
        let code = normalize_code(&code.replace(['\n', ' '], ""));
        let id = match year {
            Some(y) => format!("{number}/{y}/{code}"),
            None => format!("{number}/{code}"),
        };
        (code, id)
    } else {
        let code = normalize_code(&read(5).unwrap_or_default());
        (code.clone(), format!("{number}-{code}"))
    };
    Mention {
        id,
        doc_type,
        number: Some(number),
        year,
        code: Some(code),
        date: None,
        issuer: None,
        relation,
        span: [0, 0],
    }
}

/// A symbol whose hyphen was lost at a line break: "46KH/TWĐTN" / "CNĐT ngày …",
/// "641/QĐ" / "TTg ngày …". Only a code that is visibly unfinished takes the next line's
/// first word: a state code with no issuer part, a Youth Union code with no department.
fn symbol_tail(orig: &[char], at: usize, code: &str) -> Option<usize> {
    let unfinished = (!code.contains('-') && !code.contains('/')) || code.ends_with("/TWĐTN");
    let mut i = at;
    while orig.get(i) == Some(&' ') {
        i += 1;
    }
    if !unfinished || orig.get(i) != Some(&'\n') {
        return None;
    }
    let start = i + 1;
    let len = orig[start..]
        .iter()
        .take_while(|c| c.is_alphanumeric())
        .count();
    let word: String = orig[start..start + len].iter().collect();
    let upper = word.chars().filter(|c| c.is_uppercase()).count();
    let ends = orig.get(start + len).is_none_or(|c| !c.is_alphanumeric());
    ((2..=8).contains(&len)
        && upper + 1 >= len
        && word.chars().next().is_some_and(char::is_uppercase)
        && ends)
        .then_some(start + len - at)
}

/// "thực hiện" when the words right before the mention say so, else "dẫn chiếu".
/// ("căn cứ" comes only from the preamble.)
fn relation_before(folded: &str, at: usize) -> Relation {
    let line_start = folded[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut before = folded[line_start..at].trim_end();
    for adverb in [
        "nghiem tuc",
        "co hieu qua",
        "day du",
        "tot",
        "nghiem",
        "dung",
    ] {
        before = before
            .strip_suffix(adverb)
            .map(str::trim_end)
            .unwrap_or(before);
    }
    let implements = [
        "thuc hien",
        "trien khai",
        "theo tinh than",
        "thi hanh",
        "quan triet",
        "cu the hoa",
    ];
    if implements.iter().any(|p| before.ends_with(p)) {
        Relation::Implements
    } else {
        Relation::Reference
    }
}

/// The issuer after "của": words up to punctuation or a word that starts the
/// rest of the sentence.
fn issuer_after(
    folded: &str,
    orig: &[char],
    fix: &CharIndex,
    at: usize,
) -> Option<(String, usize)> {
    let intro = ISSUER_INTRO.find(&folded[at..])?;
    let start = fix.char_at(at + intro.end());
    let rest: String = orig[start..orig.len().min(start + ISSUER_MAX_CHARS)]
        .iter()
        .collect();
    let mut words: Vec<&str> = Vec::new();
    let mut consumed = 0;
    let tokens: Vec<&str> = rest.split([' ', '\n', '\t']).collect();
    for (i, word) in tokens.iter().enumerate() {
        let bare = word.trim_end_matches([',', ';', '.', ')', ':', '”', '"']);
        let lower = bare.to_lowercase();
        let first_upper = bare.chars().next().is_some_and(|c| c.is_uppercase());
        let prev = words.last().copied().unwrap_or("");
        let after_uy = matches!(prev.to_lowercase().as_str(), "ủy" | "uỷ");
        // "UBND tinh" is OCR for "UBND tỉnh"; "Trà Vinh tinh giản" ends the name.
        let stop_word = match lower.as_str() {
            "ban" => !after_uy,
            "tinh" => !crate::text::is_upper(prev),
            other => ISSUER_STOP.contains(&other),
        };
        let stop = bare.is_empty()
            || (words.is_empty() && !first_upper)
            || (stop_word && (!first_upper || words.len() >= 2))
            || (lower == "và" && starts_document(&tokens[i + 1..]))
            || words.len() >= ISSUER_MAX_WORDS;
        if stop {
            break;
        }
        words.push(bare);
        consumed += bare.chars().count() + 1;
        if bare.len() != word.len() {
            break;
        }
    }
    while words.last().is_some_and(|w| w.to_lowercase() == "và") {
        consumed -= words.pop().map_or(0, |w| w.chars().count() + 1);
    }
    let end = fix.byte_at(start + consumed.saturating_sub(1));
    (!words.is_empty()).then(|| (words.join(" "), end))
}

/// Whether the words after an issuer's "và" start another document ("… của Chính phủ và
/// Quyết định số …") rather than continue the name ("Sở Khoa học và Công nghệ").
fn starts_document(next: &[&str]) -> bool {
    let words = next.iter().take(3).copied().collect::<Vec<_>>().join(" ");
    words.trim().is_empty() || vn::leading_type(&words).is_some()
}

/// "Luật Cán bộ, công chức", "Luật Tổ chức chính quyền địa phương năm 2015":
/// a known name when one matches, else capitalized words up to a stop word.
fn law_by_name(
    folded: &str,
    orig: &[char],
    fix: &CharIndex,
    at: usize,
    type_start: usize,
    doc_type: &'static vn::DocType,
    relation: Relation,
) -> Option<Mention> {
    let rest = &folded[at..];
    let known = LAW_NAMES.iter().find_map(|n| {
        prefix_len_ignoring_commas(rest, n)
            .filter(|&len| !rest[len..].starts_with(|c: char| c.is_alphanumeric()))
    });
    let end = match known {
        Some(len) => at + len,
        None => {
            let mut end = at;
            let mut count = 0;
            for words in 0..LAW_MAX_WORDS {
                let rest = &folded[end..];
                let word_len = rest
                    .find(|c: char| !c.is_alphanumeric() && c != '&')
                    .unwrap_or(rest.len());
                let (ws, we) = (fix.char_at(end), fix.char_at(end + word_len));
                let word: String = orig[ws..we].iter().flat_map(|c| c.to_lowercase()).collect();
                if word.is_empty() || (words > 0 && LAW_STOP.contains(&word.as_str())) {
                    break;
                }
                end += word_len;
                count += 1;
                if !folded[end..].starts_with(' ') {
                    break;
                }
                end += 1;
            }
            // "Luật này quy định", "Luật đã bộc lộ": an unknown name starts upper case or
            // holds a capital ("Luật ban hành VBQPPL").
            let capitals = orig[fix.char_at(at)..fix.char_at(end)]
                .iter()
                .any(|c| c.is_uppercase());
            if count == 0 || !capitals {
                return None;
            }
            end
        }
    };
    let name_end = folded[..end].trim_end().len();
    if name_end <= at {
        return None;
    }
    // "Luật Việc làm số 38/2013/QH13" is cited by its number.
    let after = end + (folded[end..].len() - folded[end..].trim_start().len());
    if let Some(n) = NUMBER
        .captures(&folded[after..])
        .filter(|n| n[0].starts_with('s') && n.get(4).is_some())
    {
        let mut mention = numbered(&n, orig, fix, after, doc_type, relation);
        mention.span = [type_start, fix.char_at(after + n[0].len())];
        return Some(mention);
    }
    let (s, e) = (fix.char_at(at), fix.char_at(name_end));
    let mut name = squash(&orig[s..e].iter().collect::<String>());
    // "Luật đất đai" is "Luật Đất đai"; "Luật sửa đổi, bổ sung …" is written so.
    if !folded[at..].starts_with("sua doi") {
        if let Some(first) = name.chars().next() {
            name = first.to_uppercase().chain(name.chars().skip(1)).collect();
        }
    }
    let year = LAW_YEAR
        .captures(&folded[name_end..])
        .and_then(|c| c[1].parse().ok());
    Some(Mention {
        id: format!("{} {name}", doc_type.name),
        doc_type,
        number: None,
        year,
        code: None,
        date: None,
        issuer: None,
        relation,
        span: [type_start, e],
    })
}

/// Bytes of `text` that spell `name` when commas are optional on both sides and any run
/// of white space is a space: "an toan ve sinh" and "an toan,\nve sinh" name one law.
fn prefix_len_ignoring_commas(text: &str, name: &str) -> Option<usize> {
    let mut text_chars = text.char_indices().peekable();
    let name_chars = name.chars().filter(|&c| c != ',').peekable();
    for want in name_chars {
        if let Some(&(_, ',')) = text_chars.peek() {
            text_chars.next();
        }
        let (_, got) = text_chars.next()?;
        if want == ' ' && got.is_whitespace() {
            while text_chars.next_if(|&(_, c)| c.is_whitespace()).is_some() {}
        } else if got != want {
            return None;
        }
    }
    Some(text_chars.peek().map_or(text.len(), |&(i, _)| i))
}

/// One citation per id, mentions in text order, strongest relation kept.
fn group(mentions: Vec<Mention>) -> Vec<Citation> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, Citation> = HashMap::new();
    for m in mentions {
        let entry = by_id.entry(m.id.clone()).or_insert_with(|| {
            order.push(m.id.clone());
            Citation {
                id: m.id.clone(),
                doc_type: m.doc_type,
                number: m.number.clone(),
                year: m.year,
                code: m.code.clone(),
                date: None,
                issuer: None,
                issuer_canonical: None,
                relation: m.relation,
                mentions: Vec::new(),
                pages: Vec::new(),
            }
        });
        entry.date = entry.date.take().or(m.date);
        entry.issuer = entry.issuer.take().or(m.issuer);
        entry.year = entry.year.or(m.year);
        if rank(m.relation) > rank(entry.relation) {
            entry.relation = m.relation;
        }
        entry.mentions.push(m.span);
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .map(|mut c| {
            c.issuer_canonical = c.issuer.as_deref().map(vn::canonical_agency);
            c
        })
        .collect()
}

fn rank(relation: Relation) -> u8 {
    match relation {
        Relation::Basis => 2,
        Relation::Implements => 1,
        Relation::Reference => 0,
    }
}
