//! Input formats beyond the seeds, each through the whole pipeline; every
//! output is checked against the JSON schema.

mod common;

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
            md.doc_type.as_deref()
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
