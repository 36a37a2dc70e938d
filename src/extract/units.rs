//! Splitting a lead or partner cell into units:
//! "Văn phòng Sở, Thanh tra Sở" → ["Văn phòng Sở", "Thanh tra Sở"], while
//! "Các phòng, đơn vị thuộc Sở, ĐVTT" stays one unit.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::{fold, trim_item};

static ENUMERATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)[a-zđ]\)\s*|(?:^|\s)-\s*|;|\n").unwrap());

/// Words that start a new unit after a comma.
const UNIT_HEADS: &[&str] = &[
    "van phong",
    "thanh tra",
    "phong ",
    "so ",
    "ban ",
    "bo phan",
    "trung tam",
    "chi cuc",
    "ubnd",
    "uy ban",
    "hdnd",
    "hoi dong",
    "bo ",
    "cuc ",
    "vien ",
    "truong ",
    "cong an",
    "bao ",
    "dai ",
    "tinh uy",
    "huyen uy",
    "mat tran",
    "doan ",
    "lien doan",
    "hoi ",
    "chu tich",
    "giam doc",
    "thu truong",
    "lanh dao",
    "cac so",
    "cac phong",
    "cac co quan",
    "cac don vi",
    "cac ban",
    "cac huyen",
    "co quan",
    "bao hiem",
    "kho bac",
    "ngan hang",
    "cong ty",
    "ttcntt",
    "dvtt",
];

pub fn split_units(cell: &str) -> Vec<String> {
    let mut units = Vec::new();
    for part in ENUMERATOR.split(cell) {
        let part = trim_item(part);
        if part.is_empty() {
            continue;
        }
        if let Some(list) = crate::vn::unit_list(part) {
            units.extend(list);
            continue;
        }
        let mut current = String::new();
        for piece in part.split(',') {
            let piece = piece.trim();
            if piece.is_empty() {
                continue;
            }
            if current.is_empty() {
                current.push_str(piece);
            } else if starts_new_unit(&current, piece) {
                units.push(std::mem::take(&mut current));
                current.push_str(piece);
            } else {
                current.push_str(", ");
                current.push_str(piece);
            }
        }
        if !current.is_empty() {
            units.push(trim_item(&current).to_string());
        }
    }
    units
}

/// A comma piece starts a new unit when it names one and the text so far is
/// not an open enumeration of kinds ("Các phòng", "các Sở, Ban").
fn starts_new_unit(so_far: &str, piece: &str) -> bool {
    let first = piece.chars().next().unwrap_or(' ');
    let f = fold(piece) + " ";
    let single_word_kind = piece.split_whitespace().count() == 1 && !crate::text::is_upper(piece);
    if single_word_kind || first.is_lowercase() && !f.starts_with("cac ") {
        return false;
    }
    let head = UNIT_HEADS.iter().any(|h| f.starts_with(h));
    let acronym = piece
        .split_whitespace()
        .next()
        .is_some_and(|w| w.chars().count() >= 2 && crate::text::is_upper(w));
    let prev = fold(so_far);
    let open_kind = prev.split(',').next_back().is_some_and(|p| {
        let p = p.trim();
        p.split_whitespace().count() <= 2 && p.starts_with("cac ")
    });
    (head || acronym) && !(open_kind && second_word_lower(piece))
}

/// "Ban ngành", "Ban, ngành": a kind word, not a named unit like "Ban Biên tập".
fn second_word_lower(piece: &str) -> bool {
    piece
        .split_whitespace()
        .nth(1)
        .is_none_or(|w| w.chars().next().is_some_and(|c| c.is_lowercase()))
}
