//! Agencies: how issuing bodies' names begin, folded (a header line that starts so opens an
//! agency name; other upper-case lines continue the one above, "BAN CHỈ ĐẠO" / "THỰC HIỆN
//! …"); their canonical form (abbreviations expanded, one spelling and case); lists of units
//! of one kind ("Các Sở: Kế hoạch và Đầu tư, Xây dựng").

use crate::text::fold;

pub const AGENCY_HEADS: &[&str] = &[
    "uy ban",
    "ubnd",
    "hoi dong",
    "hdnd",
    "bo ",
    "so ",
    "ban ",
    "doan ",
    "tinh uy",
    "thanh uy",
    "huyen uy",
    "quan uy",
    "thi uy",
    "dang uy",
    "dang bo",
    "chi bo",
    "chinh phu",
    "thu tuong",
    "quoc hoi",
    "van phong",
    "cuc ",
    "tong cuc",
    "chi cuc",
    "vien ",
    "hoc vien",
    "truong ",
    "dai hoc",
    "bao ",
    "dai ",
    "cong ty",
    "tong cong ty",
    "tap doan",
    "trung tam",
    "phong ",
    "thanh tra",
    "toa an",
    "kho bac",
    "ngan hang",
    "benh vien",
    "lien doan",
    "lien hiep",
    "mat tran",
    "hoi ",
    "cong an",
    "bo chi huy",
    "bo tu lenh",
    "quan khu",
    "kiem toan",
    "trung uong",
    "tinh doan",
    "thanh doan",
    "huyen doan",
    "ubmttq",
    "to chuc",
    "nha xuat ban",
];

/// Abbreviations of agency names and their full forms, matched as whole words (any case).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("UBMTTQVN", "Ủy ban Mặt trận Tổ quốc Việt Nam"),
    ("UBMTTQ", "Ủy ban Mặt trận Tổ quốc"),
    ("MTTQVN", "Mặt trận Tổ quốc Việt Nam"),
    ("MTTQ", "Mặt trận Tổ quốc"),
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("HDND", "Hội đồng nhân dân"),
    ("TAND", "Tòa án nhân dân"),
    ("VKSND", "Viện kiểm sát nhân dân"),
    ("KH&CN", "Khoa học và Công nghệ"),
    ("KHCN", "Khoa học và Công nghệ"),
    ("KH&ĐT", "Kế hoạch và Đầu tư"),
    ("KHĐT", "Kế hoạch và Đầu tư"),
    ("TT&TT", "Thông tin và Truyền thông"),
    ("TTTT", "Thông tin và Truyền thông"),
    ("GD&ĐT", "Giáo dục và Đào tạo"),
    ("GDĐT", "Giáo dục và Đào tạo"),
    ("TN&MT", "Tài nguyên và Môi trường"),
    ("TNMT", "Tài nguyên và Môi trường"),
    ("NN&PTNT", "Nông nghiệp và Phát triển nông thôn"),
    ("LĐTB&XH", "Lao động - Thương binh và Xã hội"),
    ("LĐTBXH", "Lao động - Thương binh và Xã hội"),
    ("VHTT&DL", "Văn hóa, Thể thao và Du lịch"),
    ("VHTTDL", "Văn hóa, Thể thao và Du lịch"),
    ("LĐ-TB&XH", "Lao động - Thương binh và Xã hội"),
    ("GTVT", "Giao thông vận tải"),
    ("BCĐ", "Ban Chỉ đạo"),
    ("TP.", "thành phố"),
    ("TP", "thành phố"),
];

/// Words written in lower case inside a name after its first word ("Ủy ban nhân dân tỉnh").
const GENERIC_WORDS: &[&str] = &[
    "ban",
    "nhân",
    "dân",
    "đồng",
    "tỉnh",
    "huyện",
    "quận",
    "xã",
    "phường",
    "thị",
    "trấn",
    "thành",
    "phố",
    "cấp",
    "và",
    "mặt",
    "trận",
    "tổ",
    "quốc",
];

/// Words after which the next words are a place's name ("tỉnh Thái Nguyên").
const PLACE_WORDS: &[&str] = &["tỉnh", "huyện", "quận", "xã", "phường", "phố", "xã", "trấn"];

/// Words whose next word starts a field name ("Sở Khoa học và Công nghệ", "Bộ Nội vụ").
const FIELD_HEADS: &[&str] = &["sở", "bộ", "ủy", "viện"];

/// One spelling and one case for an agency's name, so written variants group together:
/// abbreviations expanded (UBND → Ủy ban nhân dân), the old tone placement respelled
/// (Uỷ → Ủy, hoá → hóa), all-caps names put in the usual case ("SỞ KHOA HỌC VÀ CÔNG NGHỆ" →
/// "Sở Khoa học và Công nghệ"), and generic words lower-cased ("Ủy Ban Nhân Dân" →
/// "Ủy ban nhân dân").
pub fn canonical_agency(name: &str) -> String {
    let all_caps = crate::text::is_upper(name);
    let mut words: Vec<String> = Vec::new();
    for raw in name.split_whitespace() {
        let bare = fold(raw.trim_end_matches([',', ';', ':']));
        let expanded = ABBREVIATIONS
            .iter()
            .find(|(short, _)| fold(short.trim_end_matches('.')) == bare.trim_end_matches('.'))
            .map(|(_, full)| (*full).to_string());
        match expanded {
            Some(full) => words.extend(full.split(' ').map(|w| format!("{w}\u{0}"))),
            None => words.push(respell(raw)),
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut capitalize_next = true;
    let mut in_place = false;
    let mut after_party_word = false;
    for (i, w) in words.iter().enumerate() {
        // `\0` marks a word of an expansion: written as the expansion has it.
        let (w, fixed) = match w.strip_suffix('\u{0}') {
            Some(w) => (w, true),
            None => (w.as_str(), false),
        };
        let lower = w.to_lowercase();
        // "Tỉnh ủy", "Huyện ủy": a name, not a place word.
        let party_committee = words
            .get(i + 1)
            .is_some_and(|n| matches!(respell(&n.to_lowercase()).as_str(), "ủy" | "ủy,"));
        let word = if fixed {
            if i == 0 {
                upper_first(w)
            } else {
                w.to_string()
            }
        } else if all_caps {
            let generic = GENERIC_WORDS.contains(&lower.trim_end_matches([',', ';', ':']))
                && !party_committee;
            let head = FIELD_HEADS.contains(&lower.as_str());
            if after_party_word {
                lower.clone()
            } else if i == 0 || in_place || head || party_committee || (capitalize_next && !generic)
            {
                upper_first(&lower)
            } else {
                lower.clone()
            }
        } else if i > 0 && GENERIC_WORDS.contains(&lower.as_str()) && !party_committee {
            lower.clone()
        } else if i == 0 {
            upper_first(w)
        } else {
            w.to_string()
        };
        let bare = lower.trim_end_matches([',', ';', ':']);
        in_place = !party_committee
            && ((in_place && !GENERIC_WORDS.contains(&bare)) || PLACE_WORDS.contains(&bare));
        capitalize_next = FIELD_HEADS.contains(&bare)
            || (i == 0 && bare == "ban")
            || bare == "và"
            || lower.ends_with(',')
            || bare == "-";
        after_party_word = party_committee;
        out.push(word);
    }
    out.join(" ")
}

fn upper_first(w: &str) -> String {
    let mut chars = w.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect()
    })
}

/// The new tone placement on "oa", "oe", "uy" ending a syllable: "uỷ" → "ủy", "hoá" → "hóa".
fn respell(word: &str) -> String {
    const MOVES: &[(&str, &str)] = &[
        ("oá", "óa"),
        ("oà", "òa"),
        ("oả", "ỏa"),
        ("oã", "õa"),
        ("oạ", "ọa"),
        ("oé", "óe"),
        ("oè", "òe"),
        ("oẻ", "ỏe"),
        ("oẽ", "õe"),
        ("oẹ", "ọe"),
        ("uý", "úy"),
        ("uỳ", "ùy"),
        ("uỷ", "ủy"),
        ("uỹ", "ũy"),
        ("uỵ", "ụy"),
        ("Oá", "Óa"),
        ("Oà", "Òa"),
        ("Oả", "Ỏa"),
        ("Oã", "Õa"),
        ("Oạ", "Ọa"),
        ("Uý", "Úy"),
        ("Uỳ", "Ùy"),
        ("Uỷ", "Ủy"),
        ("Uỹ", "Ũy"),
        ("Uỵ", "Ụy"),
        ("OÁ", "ÓA"),
        ("OÀ", "ÒA"),
        ("OẢ", "ỎA"),
        ("OÃ", "ÕA"),
        ("OẠ", "ỌA"),
        ("UÝ", "ÚY"),
        ("UỲ", "ÙY"),
        ("UỶ", "ỦY"),
        ("UỸ", "ŨY"),
        ("UỴ", "ỤY"),
    ];
    let bare = word.trim_end_matches([',', ';', ':', '.']);
    let tail = &word[bare.len()..];
    for (old, new) in MOVES {
        if let Some(stem) = bare.strip_suffix(old) {
            // "quý": the u belongs to "qu", the tone is already on the vowel.
            if !stem.to_lowercase().ends_with('q') {
                return format!("{stem}{new}{tail}");
            }
        }
    }
    word.to_string()
}

/// Folded words that end an agency named in running text ("của Sở Nội vụ năm 2020").
const AGENCY_STOPS: &[&str] = &[
    "nam", "ve", "kinh", "gui", "trong", "tai", "theo", "ngay", "de", "da", "dang", "nhu", "voi",
];
/// Words an agency named in running text may run to.
const AGENCY_MAX_WORDS: usize = 12;

/// The agency `text` names after "của", in canonical form: "… năm 2023 của Sở Khoa học và
/// Công nghệ, kính đề nghị …" → "Sở Khoa học và Công nghệ"; a title written in lower case
/// ("… của sở khoa học và công nghệ năm 2020") gives the same.
pub fn agency_after_of(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        if fold(w) != "cua" {
            return None;
        }
        let rest = fold(&words[i + 1..words.len().min(i + 4)].join(" ")) + " ";
        if !AGENCY_HEADS.iter().any(|h| rest.starts_with(h)) {
            return None;
        }
        let mut name = Vec::new();
        for w in words[i + 1..].iter().take(AGENCY_MAX_WORDS) {
            let bare = w.trim_end_matches([',', '.', ';', ':', ')']);
            if bare.is_empty()
                || bare.starts_with(|c: char| c.is_ascii_digit() || c == '(')
                || AGENCY_STOPS.contains(&fold(bare).as_str())
            {
                break;
            }
            name.push(bare);
            if bare.len() < w.len() {
                break;
            }
        }
        let name = name.join(" ");
        let written = if name.chars().any(char::is_uppercase) {
            name
        } else {
            name.to_uppercase()
        };
        (written.split(' ').count() >= 2).then(|| canonical_agency(&written))
    })
}

/// Field names with a comma inside, folded: not two units.
const COMMA_FIELDS: &[&str] = &["van hoa, the thao va du lich"];

/// A list of units of one kind written once: "Các Sở: Kế hoạch và Đầu tư, Xây dựng, Ban
/// Quản lý các Khu Công nghiệp" → "Sở Kế hoạch và Đầu tư", "Sở Xây dựng", "Ban Quản lý các
/// Khu Công nghiệp" (an item that names its own kind keeps it). `None` when `text` is not
/// such a list.
pub fn unit_list(text: &str) -> Option<Vec<String>> {
    let (kinds, items) = text.split_once(':')?;
    let kind = match fold(kinds.trim()).as_str() {
        "cac so" => "Sở",
        "cac bo" => "Bộ",
        "cac ban" => "Ban",
        "ubnd cac huyen" | "uy ban nhan dan cac huyen" => "UBND huyện",
        _ => return None,
    };
    let mut units: Vec<String> = Vec::new();
    let mut pending = String::new();
    for piece in items.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !pending.is_empty() {
            pending.push_str(", ");
        }
        pending.push_str(piece);
        let f = fold(&pending);
        if COMMA_FIELDS.iter().any(|c| c.starts_with(&f) && *c != f) {
            continue;
        }
        let item = std::mem::take(&mut pending);
        let own_kind = AGENCY_HEADS
            .iter()
            .any(|h| (f.clone() + " ").starts_with(h));
        units.push(if own_kind {
            item
        } else {
            format!("{kind} {item}")
        });
    }
    if !pending.is_empty() {
        units.push(format!("{kind} {pending}"));
    }
    (units.len() >= 2).then_some(units)
}

#[cfg(test)]
mod tests {
    use super::{agency_after_of, canonical_agency, unit_list};

    #[test]
    fn variants_meet() {
        for (written, canonical) in [
            ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Sở Khoa học và Công nghệ"),
            ("Sở Khoa học và Công nghệ", "Sở Khoa học và Công nghệ"),
            ("Sở KH&CN", "Sở Khoa học và Công nghệ"),
            ("UBND tỉnh Trà Vinh", "Ủy ban nhân dân tỉnh Trà Vinh"),
            (
                "Ủy ban nhân dân tỉnh Trà Vinh",
                "Ủy ban nhân dân tỉnh Trà Vinh",
            ),
            (
                "Uỷ ban nhân dân tỉnh Trà Vinh",
                "Ủy ban nhân dân tỉnh Trà Vinh",
            ),
            (
                "ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN",
                "Ủy ban nhân dân tỉnh Thái Nguyên",
            ),
            ("HĐND tỉnh", "Hội đồng nhân dân tỉnh"),
            ("Hội đồng nhân dân tỉnh", "Hội đồng nhân dân tỉnh"),
            (
                "SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH",
                "Sở Văn hóa, Thể thao và Du lịch",
            ),
            ("BỘ NỘI VỤ", "Bộ Nội vụ"),
            ("Ban Thường vụ Tỉnh ủy", "Ban Thường vụ Tỉnh ủy"),
            ("BAN THƯỜNG VỤ TỈNH UỶ", "Ban Thường vụ Tỉnh ủy"),
            ("Chủ tịch UBND tỉnh", "Chủ tịch Ủy ban nhân dân tỉnh"),
            (
                "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                "Giám đốc Sở Khoa học và Công nghệ",
            ),
        ] {
            assert_eq!(canonical_agency(written), canonical, "{written}");
        }
    }

    #[test]
    fn unit_lists() {
        // seed 002, section IV.8
        assert_eq!(
            unit_list("Các Sở: Kế hoạch và Đầu tư, Xây dựng, Tài nguyên và Môi trường, Giao thông Vận tải, Ban Quản lý các Khu Công nghiệp").unwrap(),
            [
                "Sở Kế hoạch và Đầu tư",
                "Sở Xây dựng",
                "Sở Tài nguyên và Môi trường",
                "Sở Giao thông Vận tải",
                "Ban Quản lý các Khu Công nghiệp",
            ]
        );
        assert_eq!(
            unit_list("Các Sở: Văn hóa, Thể thao và Du lịch, Nội vụ").unwrap(),
            ["Sở Văn hóa, Thể thao và Du lịch", "Sở Nội vụ"]
        );
        assert_eq!(unit_list("Văn phòng Sở: Tham mưu"), None);
    }

    #[test]
    fn agency_named_in_running_text() {
        // Seed 004's closing sentence and seed 003's title (a news post without a header).
        assert_eq!(
            agency_after_of("Trên đây là báo cáo thực hiện CCHC năm 2023 của Sở Khoa học và Công nghệ, kính đề nghị Sở Nội vụ tổng hợp").as_deref(),
            Some("Sở Khoa học và Công nghệ")
        );
        assert_eq!(
            agency_after_of(
                "kết quả công tác cải cách hành chính của sở khoa học và công nghệ năm 2020"
            )
            .as_deref(),
            Some("Sở Khoa học và Công nghệ")
        );
        assert_eq!(
            agency_after_of("Trên đây là báo cáo của UBND tỉnh Trà Vinh.").as_deref(),
            Some("Ủy ban nhân dân tỉnh Trà Vinh")
        );
        assert_eq!(agency_after_of("báo cáo của đơn vị năm 2020"), None);
    }
}
