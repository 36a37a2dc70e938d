//! Provinces and centrally governed cities, for reading their names through OCR damage:
//! "ỦY BAN NHÂN DÂN TINH QUẶNG NGAÀI" is the People's Committee of Quảng Ngãi.

use std::borrow::Cow;

use crate::text::fold;

/// The 63 provinces and cities of 2008–2025 (the 34 of the 2025 merger keep names of
/// this list), as the government writes them.
pub const PROVINCES: [&str; 63] = [
    "An Giang",
    "Bà Rịa - Vũng Tàu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bạc Liêu",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Định",
    "Bình Dương",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cần Thơ",
    "Cao Bằng",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hồ Chí Minh",
    "Hưng Yên",
    "Khánh Hòa",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lâm Đồng",
    "Lạng Sơn",
    "Lào Cai",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "Tiền Giang",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
];

/// Words that name the unit before a province's or city's name, folded.
const UNIT_WORDS: [(&str, &str); 2] = [("tinh", "tỉnh"), ("thanh pho", "thành phố")];

/// Edits allowed per this many letters of a name read through damage.
const LETTERS_PER_EDIT: usize = 5;

/// `text` (an agency line) with a province or city name that OCR damaged written as the
/// list spells it, in the text's case, and the word "tỉnh" / "thành phố" before it
/// too; `text` itself when no name is near enough to one province alone.
pub fn mend_province(text: &str) -> Cow<'_, str> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let folded: Vec<String> = words.iter().map(|w| fold(w)).collect();
    for (unit_folded, unit) in UNIT_WORDS {
        let unit_len = unit_folded.split(' ').count();
        for at in 0..words.len().saturating_sub(unit_len) {
            // "TỊNH" of "SƠN TỊNH" is not the unit word: its marks are kept or lost, not changed.
            let unit_word = folded[at..at + unit_len].join(" ") == unit_folded
                && (unit_len > 1 || matches!(words[at].to_lowercase().as_str(), "tỉnh" | "tinh"));
            if !unit_word {
                continue;
            }
            let name_at = at + unit_len;
            let Some((province, len)) = nearest_province(&folded[name_at..]) else {
                continue;
            };
            let upper = words[name_at..name_at + len]
                .iter()
                .all(|w| !w.chars().any(char::is_lowercase));
            let cased = |s: &str| {
                if upper {
                    s.to_uppercase()
                } else {
                    s.to_string()
                }
            };
            let unit_cased = if words[at].starts_with(char::is_uppercase) && !upper {
                let mut c = unit.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            } else {
                cased(unit)
            };
            let mut out: Vec<String> = words[..at].iter().map(|w| w.to_string()).collect();
            out.push(unit_cased);
            out.push(cased(province));
            out.extend(words[name_at + len..].iter().map(|w| w.to_string()));
            let mended = out.join(" ");
            return if mended == words.join(" ") {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(mended)
            };
        }
    }
    Cow::Borrowed(text)
}

/// The one province whose name is near the start of `folded` words, with how many words
/// it takes; `None` when none is near or two are equally near.
fn nearest_province(folded: &[String]) -> Option<(&'static str, usize)> {
    let mut best: Option<(usize, &'static str, usize)> = None;
    let mut tie = false;
    for province in PROVINCES {
        let name = fold(province).replace(" - ", " ");
        let len = name.split(' ').count();
        if folded.len() < len {
            continue;
        }
        let read = folded[..len].join(" ").replace(" - ", " ");
        let distance = strsim::levenshtein(&read, &name);
        if distance > (name.len() / LETTERS_PER_EDIT).max(1) {
            continue;
        }
        match best {
            Some((d, ..)) if distance > d => {}
            Some((d, ..)) if distance == d => tie = true,
            _ => {
                best = Some((distance, province, len));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(_, p, len)| (p, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_names_read_through_damage() {
        for (read, want) in [
            // doc03 of the Quảng Ngãi dev scans, as tesseract read its agency.
            (
                "ỦY BAN NHÂN DÂN TINH QUẶNG NGAÀI",
                "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
            ),
            ("UBND tinh Quang Ngai", "UBND tỉnh Quảng Ngãi"),
            (
                "SỞ TÀI CHÍNH THÀNH PHÔ HÀ NỘI",
                "SỞ TÀI CHÍNH THÀNH PHỐ HÀ NỘI",
            ),
            (
                "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUÉ",
                "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ",
            ),
        ] {
            assert_eq!(mend_province(read), want, "{read}");
        }
    }

    #[test]
    fn other_units_and_sound_names_stay() {
        for text in [
            "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM",
            "TỈNH ĐOÀN QUẢNG NGÃI",
            "BAN CHẤP HÀNH TRUNG ƯƠNG",
            "ỦY BAN NHÂN DÂN HUYỆN SƠN TỊNH",
            "PHÒNG TÀI CHÍNH SƠN TỊNH QUẢNG NGÃI",
            // Near Quảng Nam and Quảng Ngãi alike: left as read.
            "ỦY BAN NHÂN DÂN TỈNH QUANG NAI",
        ] {
            assert_eq!(mend_province(text), text);
        }
    }
}
