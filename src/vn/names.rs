//! Persons' names: the common surnames that start them, as written and by their letters.

use strsim::levenshtein;

use crate::text::{fold, is_upper};

/// Common surnames, by their letters and as written. Left out are those whose letters
/// mostly spell other capitalised words: "Đoàn" (the Youth Union), "Đảng", "Trường",
/// "Vụ", "Chủ", "Tổ", "Do".
const SURNAMES: &[(&str, &str)] = &[
    ("nguyen", "Nguyễn"),
    ("tran", "Trần"),
    ("le", "Lê"),
    ("pham", "Phạm"),
    ("hoang", "Hoàng"),
    ("huynh", "Huỳnh"),
    ("phan", "Phan"),
    ("vo", "Võ"),
    ("bui", "Bùi"),
    ("ho", "Hồ"),
    ("ngo", "Ngô"),
    ("duong", "Dương"),
    ("ly", "Lý"),
    ("trinh", "Trịnh"),
    ("dinh", "Đinh"),
    ("luong", "Lương"),
    ("lam", "Lâm"),
    ("phung", "Phùng"),
    ("ta", "Tạ"),
    ("vuong", "Vương"),
    ("dao", "Đào"),
    ("mai", "Mai"),
    ("cao", "Cao"),
    ("kieu", "Kiều"),
    ("thai", "Thái"),
    ("luu", "Lưu"),
    ("quach", "Quách"),
    ("nong", "Nông"),
    ("ha", "Hà"),
];

/// Surnames at least this long are told apart by their letters even with one misread
/// ("Xguyến" is "Nguyễn"); shorter ones are too close to other words.
const MENDABLE_LETTERS: usize = 5;

/// The word's letters spell a common surname ("Bùi", "Bui").
pub fn is_surname(word: &str) -> bool {
    let folded = fold(word);
    SURNAMES.iter().any(|(s, _)| *s == folded)
}

/// A person's name whose first word is one letter off a long common surname, with
/// that surname written in: OCR's "Xguyến Quốc Việt" → "Nguyễn Quốc Việt".
pub fn mend_person_name(name: &str) -> String {
    let Some(first) = name.split_whitespace().next() else {
        return name.to_string();
    };
    let folded = fold(first);
    if is_surname(first) || folded.chars().count() < MENDABLE_LETTERS {
        return name.to_string();
    }
    let mut near = SURNAMES
        .iter()
        .filter(|(s, _)| s.len() >= MENDABLE_LETTERS && levenshtein(s, &folded) == 1);
    match (near.next(), near.next()) {
        (Some((_, written)), None) => name.replacen(first, written, 1),
        _ => name.to_string(),
    }
}

/// "Nguyễn Nam Hải": 2–5 capitalised words, no digits or punctuation, not all in capitals.
pub fn looks_like_person_name(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    (2..=5).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase) && w.chars().all(char::is_alphabetic)
        })
        && !is_upper(t)
}

/// Letters a fragment must keep for the surname it ends to be guessed.
const MIN_FRAGMENT_LETTERS: usize = 2;

/// A name whose surname lost its first letters under a stamp or signature, as OCR reads
/// it: "rần Phước Hiên" → "Trần Phước Hiên", "yên Hoàng Giang" → "Nguyễn Hoàng Giang". The
/// fragment must end a common surname's letters (the commonest wins) and be followed by
/// two to four capitalised words.
pub fn complete_hidden_surname(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (fragment, given) = words.split_first()?;
    if !(2..=4).contains(&given.len())
        || !looks_like_person_name(&given.join(" "))
        || !fragment.chars().next().is_some_and(char::is_lowercase)
        || !fragment.chars().all(char::is_alphabetic)
    {
        return None;
    }
    let folded = fold(fragment);
    if folded.chars().count() < MIN_FRAGMENT_LETTERS {
        return None;
    }
    let (_, written) = SURNAMES
        .iter()
        .find(|(s, _)| s.len() > folded.len() && s.ends_with(folded.as_str()))?;
    Some(format!("{written} {}", given.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misread_surname_is_mended() {
        // doc09 of the Quảng Ngãi dev scans, as tesseract read its signer.
        assert_eq!(mend_person_name("Xguyến Quốc Việt"), "Nguyễn Quốc Việt");
        for name in [
            "Nguyễn Quốc Việt",
            "Trần Hoàng Tuấn",
            "Bùi Quang Huy",
            "Hoàn Văn Anh",
        ] {
            assert_eq!(mend_person_name(name), name);
        }
    }

    #[test]
    fn a_surname_under_a_stamp_is_completed() {
        // doc10, doc07 and doc05 of the Quảng Ngãi dev scans: the stamp hides the first letters.
        assert_eq!(
            complete_hidden_surname("rần Phước Hiên").as_deref(),
            Some("Trần Phước Hiên")
        );
        assert_eq!(
            complete_hidden_surname("yên Hoàng Giang").as_deref(),
            Some("Nguyễn Hoàng Giang")
        );
        assert_eq!(
            complete_hidden_surname("âm Trường Thọ").as_deref(),
            Some("Phạm Trường Thọ")
        );
        for line in [
            "Trần Phước Hiên",
            "ấñng Văn Minh",
            "n Văn Minh",
            "và HĐND tỉnh",
            "rần Phước",
        ] {
            assert_eq!(complete_hidden_surname(line), None, "{line}");
        }
    }
}
