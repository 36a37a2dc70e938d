//! Legacy Vietnamese encodings: one `check` over data cases, plus the tables checked
//! against glibc's iconv (VISCII, TCVN5712-1) where it is installed.

use std::path::Path;
use std::process::Command;

use vanban::ingest::legacy::{convert, convert_bytes, detect, Legacy};

/// (encoding, legacy text as extracted/decoded, Unicode)
const CASES: &[(Legacy, &str, &str)] = &[
    (Legacy::Tcvn3, "KÕ ho¹ch", "Kế hoạch"),
    (Legacy::Tcvn3, "ViÖt Nam", "Việt Nam"),
    (
        Legacy::Tcvn3,
        "Thùc hiÖn QuyÕt ®Þnh sè 600/Q§-UBND",
        "Thực hiện Quyết định số 600/QĐ-UBND",
    ),
    (
        Legacy::Tcvn3,
        "Së KHOA HäC Vµ C¤NG NGHÖ",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    ),
    (Legacy::Tcvn3, "tr-íc", "trước"),
    (Legacy::Vni, "Keá hoaïch", "Kế hoạch"),
    (Legacy::Vni, "Vieät Nam", "Việt Nam"),
    (
        Legacy::Vni,
        "Thöïc hieän Quyeát ñònh soá 600/QÑ-UBND",
        "Thực hiện Quyết định số 600/QĐ-UBND",
    ),
    (
        Legacy::Vni,
        "UÛY BAN NHAÂN DAÂN TÆNH",
        "ỦY BAN NHÂN DÂN TỈNH",
    ),
    (Legacy::Vni, "ngöôøi, möôïn, khuyeán", "người, mượn, khuyến"),
    (Legacy::Viqr, "Vie^.t Nam", "Việt Nam"),
    (Legacy::Viqr, "Ke^' hoa.ch", "Kế hoạch"),
    (Legacy::Viqr, "Ddi.nh ngu+o+`i. Ha`?", "Định người. Hà?"),
    (
        Legacy::Viqr,
        "Thu+.c hie^.n Quye^'t ddi.nh so^' 600",
        "Thực hiện Quyết định số 600",
    ),
    (Legacy::Viscii, "Vi\u{AE}t Nam", "Việt Nam"),
];

fn check(enc: Legacy, input: &str, expected: &str) {
    assert_eq!(convert(input, enc), expected, "{enc:?}: {input}");
}

#[test]
fn conversion_cases() {
    for &(enc, input, expected) in CASES {
        check(enc, input, expected);
    }
}

#[test]
fn detection_finds_each_encoding_in_a_sentence() {
    let sentences: &[(Legacy, &str)] = &[
        (Legacy::Tcvn3, "Thùc hiÖn QuyÕt ®Þnh sè 600 cña UBND tØnh vÒ viÖc ban hµnh KÕ ho¹ch c¶i c¸ch hµnh chÝnh"),
        (Legacy::Vni, "Thöïc hieän Quyeát ñònh soá 600 cuûa UBND tænh veà vieäc ban haønh Keá hoaïch caûi caùch haønh chính"),
        (Legacy::Viqr, "Thu+.c hie^.n Quye^'t ddi.nh so^' 600 cu?a UBND ti?nh ve^` vie^.c ban ha`nh Ke^' hoa.ch"),
    ];
    for &(enc, text) in sentences {
        let found = detect(text, None).unwrap_or_else(|| panic!("{enc:?} not detected"));
        assert_eq!(found.encoding, enc, "{text}");
    }
    assert!(detect(
        "Thực hiện Quyết định số 600 của UBND tỉnh về việc ban hành Kế hoạch",
        None
    )
    .is_none());
    assert!(detect("The quick brown fox jumps over the lazy dog", None).is_none());
}

#[test]
fn legacy_text_files_are_detected_by_ingest() {
    let unicode =
        "Thực hiện Quyết định số 600 của UBND tỉnh về việc ban hành Kế hoạch cải cách hành chính";
    let viscii = iconv_encode("VISCII", unicode);
    let tcvn = iconv_encode("TCVN5712-1", unicode);
    for (bytes, label) in [(viscii, "viscii"), (tcvn, "tcvn3")] {
        let Some(bytes) = bytes else { continue };
        let doc =
            vanban::ingest::ingest(&bytes, Path::new("a.txt"), &vanban::Limits::default()).unwrap();
        assert_eq!((doc.encoding, doc.text.as_str()), (label, unicode));
    }
}

fn iconv_encode(enc: &str, text: &str) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut child = Command::new("iconv")
        .args(["-f", "UTF-8", "-t", enc])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    out.status.success().then_some(out.stdout)
}

fn iconv_decode(enc: &str, byte: u8) -> Option<String> {
    use std::io::Write;
    let mut child = Command::new("iconv")
        .args(["-f", enc, "-t", "UTF-8"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(&[byte]).ok()?;
    let out = child.wait_with_output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The tables agree with glibc byte for byte (TCVN3 from 0xA1: below that VN3 keeps
/// Windows punctuation; glibc's VN1 has capitals there).
#[test]
fn tables_match_iconv() {
    if iconv_decode("VISCII", b'A').is_none() {
        eprintln!("iconv with VISCII not installed: skipped");
        return;
    }
    let nfc = |s: String| -> String {
        unicode_normalization::UnicodeNormalization::nfc(s.as_str()).collect()
    };
    for b in 0x80..=0xFFu8 {
        let ours = convert_bytes(&[b], Legacy::Viscii);
        assert_eq!(
            ours,
            nfc(iconv_decode("VISCII", b).unwrap()),
            "VISCII {b:#x}"
        );
    }
    for b in (0xA1..=0xFFu8).filter(|b| !(0xB0..=0xB4).contains(b)) {
        let theirs = nfc(iconv_decode("TCVN5712-1", b).unwrap());
        // Capital-only words are upper-cased by the .VnTimeH rule; a lone letter is not.
        assert_eq!(convert_bytes(&[b], Legacy::Tcvn3), theirs, "TCVN3 {b:#x}");
    }
}

/// Clean Unicode documents are never taken for a legacy encoding.
#[test]
fn seeds_stay_utf8() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let doc = vanban::ingest::ingest(
            &std::fs::read(&path).unwrap(),
            &path,
            &vanban::Limits::default(),
        )
        .unwrap();
        assert_eq!(doc.encoding, "utf-8", "{}", path.display());
    }
}

/// VNI and VIQR files as they were saved: VNI as Windows-1252 bytes, VIQR as ASCII.
#[test]
fn vni_and_viqr_text_files() {
    let unicode =
        "Thực hiện Quyết định số 600 của UBND tỉnh về việc ban hành Kế hoạch cải cách hành chính";
    let vni = "Thöïc hieän Quyeát ñònh soá 600 cuûa UBND tænh veà vieäc ban haønh Keá hoaïch caûi caùch haønh chính";
    let vni_bytes: Vec<u8> = vni.chars().map(|c| c as u32 as u8).collect();
    let viqr = "Thu+.c hie^.n Quye^'t ddi.nh so^' 600 cu?a UBND ti?nh ve^` vie^.c ban ha`nh Ke^' hoa.ch ca?i ca'ch ha`nh chi'nh";
    for (bytes, label) in [(vni_bytes, "vni"), (viqr.as_bytes().to_vec(), "viqr")] {
        let doc =
            vanban::ingest::ingest(&bytes, Path::new("a.txt"), &vanban::Limits::default()).unwrap();
        assert_eq!((doc.encoding, doc.text.as_str()), (label, unicode));
    }
}
