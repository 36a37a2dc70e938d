#!/usr/bin/env python3
"""Builds the scanned-PDF eval set of tools/scan-eval/ (see README.md there).

Each page is typeset from held-out administrative text (corpus/models/heldout.list) as
HTML, printed by headless chromium, rasterized by pdftoppm, degraded like a scanner
would (noise, blur, a small rotation, bilevel or JPEG) and wrapped back into an
image-only PDF. The truth text beside each PDF is what was typeset: one line per
header line, title line and paragraph, table rows as tab-separated cells.

The pages carry corpus text, which the project never commits: they are written outside
git, into target/scan-eval/ by default. `--fixtures` instead builds the three test
pages of tests/it/pdf.rs (two ruled tables, one OCR-layer page) from the committed seed
documents in fixtures/seeds/ into fixtures/pdf/.

Needs: chromium, poppler-utils, tesseract-ocr-vie, fonts-texgyre, fonts-dejavu,
`pip install Pillow reportlab`. Run from the repository root:

    python3 tools/scan-eval/gen.py [--corpora /work/shared/corpora] [--out DIR] [--seed N]
    python3 tools/scan-eval/gen.py --fixtures

Deterministic given the tool versions and --seed (noise and dust are drawn from it, per
page, so --only reproduces a page of the full run), except the OCR layers' wording.
"""
import argparse, html, io, os, random, re, statistics, subprocess, tempfile, unicodedata

from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "target", "scan-eval")
FIXTURES = os.path.join(ROOT, "fixtures", "pdf")

QD = "admin/02._Quyết_định_phê_duyệt_danh_mục_nhiệm_vụ_cấp_bộ_năm_2024-_Viện_NCTN.txt"
CN = "admin/5.KH-Tháng-Công-nhân-2021.txt"
CX = "admin/1._KH_TRIEU_CAY_XANH_1_.txt"
GL = "admin/2.-Kế-hoạch-án-tổ-chức-Chương-trình-giao-lưu-nói-chuyện-Truyền-thống-tại-Quảng-Trị-7.-2022_BẢN_IN.txt"
DL = "admin/2._ĐIỀU_LỆ_ĐOÀN_khoá_XII_-_lưu_hành.txt"


def clean(s):
    s = unicodedata.normalize("NFC", s)
    s = "".join(c for c in s if not (0xE000 <= ord(c) <= 0xF8FF))
    return re.sub(r"\s+", " ", s).strip()


def paragraphs(corpora, rel):
    """The source's paragraphs: wrapped lines joined; a line that starts a list item, a
    heading or follows a line ending in . : ; starts a new one."""
    raw = open(os.path.join(corpora, rel), encoding="utf-8").read().split("\n")
    out = []
    for line in raw:
        bullet = re.match(r"^\s*[\uf000-\uf8ff•]", line) or re.match(r"^\s{1,3}\S", line)
        text = clean(line)
        if not text or text.startswith("|") or re.fullmatch(r"\d+", text):
            continue
        if bullet and not re.match(r"^(\d|[IVX]+\.|Điều|[a-zđ]\))", text):
            text = "- " + text
        starts = (
            not out
            or re.match(r"^(- |\+ |\d+(\.\d+)*\.|[IVX]+\.|Điều|[a-zđ]\)|Chương)", text)
            or re.search(r"[.:;!?]$|[.:;]”$", out[-1])
            or text.isupper() != out[-1].isupper()
        )
        if starts:
            out.append(text)
        else:
            out[-1] += " " + text
    return out


def body_from(corpora, rel, first, count):
    """`count` paragraphs from the one holding `first`, cut to start there."""
    ps = paragraphs(corpora, rel)
    i = next(i for i, p in enumerate(ps) if first in p)
    return [ps[i][ps[i].index(first) :]] + ps[i + 1 : i + count]


# Ruled tables: cell texts taken from the held-out plans (their tables were flattened
# in the text dumps, so rows are rebuilt here by hand from the same words).
TABLE_QCDC = [
    ["TT", "Nội dung", "Tiến độ", "Phụ trách", "Thực hiện"],
    ["1", "Họp Ban chỉ đạo Quy chế dân chủ trong hoạt động của cơ quan Trung ương Đoàn (6 tháng, năm 2022)",
     "Trước 20/6 và trước 20/12", "Đ/c Bùi Quang Huy, Bí thư Thường trực", "Ban Kiểm tra tham mưu"],
    ["2", "Công văn chỉ đạo các đơn vị xây dựng kế hoạch thực hiện quy chế dân chủ cơ sở năm 2022",
     "Tháng 1", "Đ/c Bùi Minh Tuấn, Trưởng Ban Kiểm tra", "Ban Kiểm tra tham mưu công văn chỉ đạo"],
    ["3", "Kiện toàn Ban Chỉ đạo thực hiện Quy chế dân chủ trong hoạt động của cơ quan (nếu có)",
     "Cả năm", "Đ/c Ngô Văn Cương, Phó Trưởng Ban Chỉ đạo", "Ban Kiểm tra tham mưu kiện toàn Ban chỉ đạo"],
    ["4", "Xây dựng kế hoạch tập huấn, bồi dưỡng về triển khai quy chế dân chủ ở cơ sở và công tác phòng chống tham nhũng",
     "Tháng 5", "Đ/c Bùi Minh Tuấn, Ủy viên Ban Thường vụ", "Ban Kiểm tra mời lãnh đạo Ban Dân vận lên lớp"],
    ["5", "Kiểm tra việc triển khai thực hiện Quy chế dân chủ tại một số đơn vị",
     "Quý III", "Đ/c Nguyễn Anh Tuấn, Bí thư thứ nhất", "Các đoàn kiểm tra"],
]

TABLE_GL = [
    ["TT", "Đơn vị", "Nhiệm vụ", "Thời gian"],
    ["1", "Ban Thanh niên Trường học Trung ương Đoàn",
     "Là đơn vị thường trực, tham mưu xây dựng kế hoạch tổ chức giao lưu tiếp lửa truyền thống", "Trước 15/7/2022"],
    ["2", "Ban Tuyên giáo Trung ương Đoàn",
     "Tham mưu các nội dung tuyên truyền về chương trình trên các phương tiện thông tin đại chúng", "Từ 20/7/2022"],
    ["3", "Văn phòng Trung ương Đoàn",
     "Phối hợp mời, đón tiếp lãnh đạo Đảng, Nhà nước, Ủy ban Mặt trận Tổ quốc Việt Nam", "Trước 22/7/2022"],
    ["4", "Trung tâm truyền thông thanh thiếu nhi",
     "Xây dựng clip phóng sự về thế hệ thanh niên gác bút nghiên lên đường chiến đấu", "Trước 23/7/2022"],
    ["5", "Tỉnh đoàn Quảng Trị",
     "Chọn cử 150 học sinh, sinh viên tiêu biểu tham dự chương trình", "24/7/2022"],
    ["6", "Các tỉnh, thành đoàn và đoàn trực thuộc",
     "Chủ động xây dựng kế hoạch triển khai các hoạt động, đảm bảo thiết bị kết nối trực tuyến", "Tháng 7/2022"],
]

# name, header (left lines, right lines), title lines, body (source, first words, paragraphs),
# table, scan: (dpi, mode, rotation degrees, blur radius, noise sigma)
PAGES = [
    ("s01_quyet_dinh",
     (["BAN CHẤP HÀNH TRUNG ƯƠNG", "***", "Số: 1275 QĐ/TWĐTN-VNCTN"],
      ["ĐOÀN TNCS HỒ CHÍ MINH", "Hà Nội, ngày 12 tháng 9 năm 2023"]),
     ["QUYẾT ĐỊNH", "V/v phê duyệt danh mục các nhiệm vụ khoa học",
      "thực hiện trong kế hoạch năm 2024 của cơ quan Trung ương Đoàn"],
     (QD, "BAN BÍ THƯ TRUNG ƯƠNG ĐOÀN", 9), None, (300, "L", 0.0, 0.0, 5)),
    ("s02_thang_cong_nhan",
     (["BAN CHẤP HÀNH TRUNG ƯƠNG", "***", "Số: 374 KH/TWĐTN-CNĐT"],
      ["ĐOÀN TNCS HỒ CHÍ MINH", "Hà Nội, ngày 20 tháng 4 năm 2021"]),
     ["KẾ HOẠCH", "Triển khai các hoạt động hưởng ứng Tháng Công nhân năm 2021"],
     (CN, "Thực hiện Chương trình", 6), None, (200, "1", 0.0, 0.0, 0)),
    ("s03_cay_xanh", None, None,
     (CX, "II. SỐ LƯỢNG", 14), None, (300, "L", 0.6, 0.7, 6)),
    ("s04_giao_luu", None, None,
     (GL, "I. MỤC ĐÍCH", 9), None, (300, "1", -0.3, 0.0, 0)),
    ("s05_dieu_le", None, None,
     (DL, "Chương I", 9), None, (250, "L", 0.0, 0.9, 5)),
    ("s06_bang_qcdc", None, ["II. TỔ CHỨC THỰC HIỆN"],
     (None, None, 0), TABLE_QCDC, (300, "L", 0.0, 0.5, 5)),
    ("s07_bang_phan_cong", None, ["V. TỔ CHỨC THỰC HIỆN"],
     (GL, "Ban Bí thư Trung ương Đoàn đề nghị", 1), TABLE_GL, (300, "1", 0.4, 0.0, 0)),
]
# Pages that get an invisible OCR layer read at this share of the scan's size.
LAYERS = {"s08_lop_ocr": 0.3}
PAGES.append(
    ("s08_lop_ocr", None, None, (CN, "2.2. Một số hoạt động cụ thể", 16), None, (300, "L", 0.0, 0.5, 5)))

# ---- test fixtures (--fixtures): the same kinds of page, from the committed seeds ----

SEED000 = os.path.join(ROOT, "fixtures", "seeds", "000_054b06831aabb86f.txt")
SEED001 = os.path.join(ROOT, "fixtures", "seeds", "001_24a9c7e6c9ad4780.txt")


def seed_lines(path):
    """The seed's lines: markdown emphasis and HTML tags dropped, spaces collapsed."""
    out = []
    for line in open(path, encoding="utf-8").read().split("\n"):
        cells = [clean(re.sub(r"<[^>]+>|\*\*|^#+ ", " ", c).replace("*", "")) for c in line.split("\t")]
        out.append(cells)
    return out


def seed_rows(path, picks, columns):
    """Table rows `picks` (indexes among the seed's tab-separated lines, 0 the header),
    cut to `columns`; the data rows numbered 1, 2, … as one table of their own."""
    rows = [cells for cells in seed_lines(path) if len(cells) > 1]
    out = []
    for n, i in enumerate(picks):
        r = [rows[i][c] for c in columns]
        if n:
            r[0] = str(n)
        out.append(r)
    return out


def seed_paragraphs(path, first, count):
    paras = [cells[0] for cells in seed_lines(path) if len(cells) == 1 and cells[0]]
    i = next(i for i, p in enumerate(paras) if p.startswith(first))
    return paras[i : i + count]


def fixture_pages():
    """(name, …) as in PAGES, the body given as paragraphs; pages are cropped to the text,
    without noise and at a lower JPEG quality than the eval pages, to keep them small."""
    return [
        # s06's kind: 5 columns, wrapped cells, grey with blur and noise.
        ("scan_ruled_5col", None, ["II. NỘI DUNG, GIẢI PHÁP, TRÁCH NHIỆM THỰC HIỆN"], [],
         seed_rows(SEED000, [0, 6, 13, 20, 25, 28], [0, 1, 2, 3, 5]), (200, "L", 0.0, 0.5, 0)),
        # s07's kind: 4 columns, bilevel with dust, rotated, a paragraph after the table.
        ("scan_ruled_4col", None, ["IV. CẢI CÁCH TỔ CHỨC BỘ MÁY"],
         seed_paragraphs(SEED001, "- 100% vấn đề phát hiện qua kiểm tra", 1),
         seed_rows(SEED001, [0, 20, 21, 22, 23, 30, 31], [0, 1, 2, 5]), (300, "1", 0.4, 0.0, 0)),
        # s08's kind: prose with another engine's OCR layer, read from the page shrunk.
        ("scan_ocr_layer", None, None, seed_paragraphs(SEED001, "I. MỤC ĐÍCH, YÊU CẦU", 5), None,
         (200, "L", 0.0, 0.5, 0)),
    ]


FIXTURE_LAYERS = {"scan_ocr_layer": 0.3}

CSS = """
@page { size: A4; margin: 20mm 18mm 20mm 30mm; }
body { font-family: 'TeX Gyre Termes'; font-size: 13.5pt; line-height: 1.3; }
p { margin: 0 0 5pt 0; text-align: justify; text-indent: 10mm; }
.head { width: 100%; border-collapse: collapse; margin-bottom: 12pt; }
.head td { text-align: center; vertical-align: top; font-size: 13pt; padding: 0; }
.head td.l { width: 42%; font-weight: bold; } .head td.r { font-weight: bold; }
.head .plain { font-weight: normal; font-style: italic; }
h1 { text-align: center; font-size: 14pt; margin: 10pt 0 2pt 0; }
.sub { text-align: center; font-weight: bold; margin: 0; text-indent: 0; }
h2 { font-size: 13.5pt; margin: 8pt 0 6pt 0; }
table.grid { border-collapse: collapse; width: 100%; margin-top: 6pt; }
table.grid td, table.grid th { border: 1.2px solid black; padding: 4pt 5pt; vertical-align: top;
  font-size: 12pt; line-height: 1.25; text-align: left; }
table.grid th { text-align: center; font-weight: bold; }
"""


def build(spec, corpora):
    name, header, title, source, table, _ = spec
    truth, body = [], []
    if header:
        left, right = header
        cell = lambda lines: "<br>".join(
            (f"<span class=plain>{html.escape(l)}</span>" if l.startswith(("Số", "Hà Nội")) else html.escape(l))
            for l in lines)
        body.append(f"<table class=head><tr><td class=l>{cell(left)}</td><td class=r>{cell(right)}</td></tr></table>")
        truth += [l for l in left + right if l != "***"]
    if title:
        if header:
            body.append(f"<h1>{html.escape(title[0])}</h1>")
            body += [f"<p class=sub>{html.escape(t)}</p>" for t in title[1:]]
        else:
            body += [f"<h2>{html.escape(t)}</h2>" for t in title]
        truth += title
    if isinstance(source, list):
        paras = source
    else:
        src, first, count = source
        paras = body_from(corpora, src, first, count) if src else []
    if table:
        paras, after = paras[:0], paras
    for p in paras:
        body.append(f"<p>{html.escape(p)}</p>")
        truth.append(p)
    if table:
        rows = [f"<tr>{''.join(f'<th>{html.escape(c)}</th>' for c in table[0])}</tr>"]
        rows += [f"<tr>{''.join(f'<td>{html.escape(c)}</td>' for c in r)}</tr>" for r in table[1:]]
        body.append(f"<table class=grid>{''.join(rows)}</table>")
        truth += ["\t".join(r) for r in table]
        for p in after:
            body.append(f"<p style='margin-top:10pt'>{html.escape(p)}</p>")
            truth.append(p)
    doc = f"<!doctype html><html lang=vi><meta charset=utf-8><style>{CSS}</style><body>{''.join(body)}</body></html>"
    return doc, "\n".join(truth) + "\n"


def gaussian_noise(size, sigma, rng):
    """Like Image.effect_noise (grey 128 ± sigma), drawn from `rng`: effect_noise uses
    C rand(), which no seed reaches, so one page's noise would depend on the pages
    made before it."""
    quantile = statistics.NormalDist(128, sigma).inv_cdf
    lut = [max(0, min(255, round(quantile((v + 0.5) / 256)))) for v in range(256)]
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(lut)


def scan(pdf, out, dpi, mode, angle, blur, sigma, seed, crop=False):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", pdf, os.path.join(tmp, "p")], check=True)
        pages = sorted(f for f in os.listdir(tmp) if f.endswith(".png"))
        assert len(pages) == 1, f"{out}: {len(pages)} pages, want one"
        img = Image.open(os.path.join(tmp, pages[0])).convert("L")
    if crop:
        # Test fixtures stay small: the page cut to its text with a margin of 1/4 inch.
        left, top, right, bottom = img.point(lambda v: 255 - v).getbbox()
        m = dpi // 4
        img = img.crop((max(0, left - m), max(0, top - m), min(img.width, right + m), min(img.height, bottom + m)))
    rng = random.Random(seed)
    if angle:
        img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if sigma:
        noise = gaussian_noise(img.size, sigma, rng)
        img = Image.eval(Image.blend(img, noise, 0.5), lambda v: max(0, min(255, 2 * v - 128)))
    if mode == "1":
        # Fax-like: threshold, then a few specks of dust.
        img = img.point(lambda v: 255 if v > 150 else 0).convert("1")
        px = img.load()
        for _ in range(400):
            x, y = rng.randrange(img.width), rng.randrange(img.height)
            px[x, y] = 0
        img.save(out, resolution=dpi)
    else:
        img.save(out, resolution=dpi, quality=30 if crop else 50)


def with_ocr_layer(pdf, dpi, shrink):
    """Rewrites the image-only `pdf` with an invisible text layer, as scanner software
    leaves one: words read by tesseract from the page shrunk to `shrink` of its size,
    so the layer reads worse than the image allows (layers from scanners often do)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(TTFont("Layer", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"))
    with tempfile.TemporaryDirectory() as tmp:
        # The scan's own JPEG, embedded again as it is.
        subprocess.run(["pdfimages", "-j", pdf, os.path.join(tmp, "img")], check=True)
        src = os.path.join(tmp, sorted(f for f in os.listdir(tmp) if f.endswith(".jpg"))[0])
        img = Image.open(src)
        small = img.convert("L").resize((int(img.width * shrink), int(img.height * shrink)), Image.BICUBIC)
        small_path = os.path.join(tmp, "small.png")
        small.save(small_path, dpi=(dpi * shrink, dpi * shrink))
        tsv = subprocess.run(["tesseract", small_path, "-", "-l", "vie", "tsv"], check=True,
                             capture_output=True, text=True).stdout
        pt = 72.0 / dpi / shrink  # points per small pixel
        w, h = img.width * 72.0 / dpi, img.height * 72.0 / dpi
        c = canvas.Canvas(pdf, pagesize=(w, h))
        c.drawImage(src, 0, 0, w, h)
        for row in tsv.splitlines()[1:]:
            f = row.split("\t")
            if len(f) < 12 or f[0] != "5" or not f[11].strip():
                continue
            left, top, width, height = (float(v) for v in f[6:10])
            word, size = f[11].strip(), max(height * pt, 1)
            t = c.beginText()
            t.setTextRenderMode(3)
            t.setFont("Layer", size)
            # Each word as wide as its box, so words keep their spaces.
            t.setHorizScale(100 * width * pt / max(pdfmetrics.stringWidth(word, "Layer", size), 0.1))
            t.setTextOrigin(left * pt, h - (top + height) * pt)
            t.textOut(word)
            c.drawText(t)
        c.save()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", default="/work/shared/corpora")
    ap.add_argument("--out", default=OUT, help="where the eval pages go (default target/scan-eval)")
    ap.add_argument("--seed", type=int, default=0, help="noise and dust seed")
    ap.add_argument("--only", help="regenerate only pages whose name contains this")
    ap.add_argument("--fixtures", action="store_true",
                    help="build the test pages from fixtures/seeds into fixtures/pdf instead")
    a = ap.parse_args()
    if a.fixtures:
        pages, layers, out, crop = fixture_pages(), FIXTURE_LAYERS, FIXTURES, True
        truth_dir = os.path.join(ROOT, "target", "scan-fixtures")  # for checking by eye
    else:
        pages, layers, out, crop = PAGES, LAYERS, a.out, False
        truth_dir = out
    os.makedirs(out, exist_ok=True)
    os.makedirs(truth_dir, exist_ok=True)
    for spec in pages:
        name = spec[0]
        if a.only and a.only not in name:
            continue
        doc, truth = build(spec, a.corpora)
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "page.html")
            open(src, "w", encoding="utf-8").write(doc)
            pdf = os.path.join(tmp, "page.pdf")
            subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--print-to-pdf={pdf}", "file://" + src],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            target = os.path.join(out, name + ".pdf")
            scan(pdf, target, *spec[5], seed=f"{a.seed}:{name}", crop=crop)
            if name in layers:
                with_ocr_layer(target, spec[5][0], layers[name])
        open(os.path.join(truth_dir, name + ".txt"), "w", encoding="utf-8").write(truth)
        print(name, os.path.getsize(target), "bytes")
    if not a.fixtures:
        print(f"evaluate: ./target/release/vanban-eval-scan --dir {out}")


if __name__ == "__main__":
    main()
