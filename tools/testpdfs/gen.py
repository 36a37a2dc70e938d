#!/usr/bin/env python3
"""Generates the small test PDFs under fixtures/pdf/ (committed, so tests need no generator).

Needs: python3 with reportlab and pillow (pip), tesseract-ocr + tesseract-ocr-eng/vie and
poppler-utils (pdftoppm) from apt. Run from the repository root:

    python3 tools/testpdfs/gen.py            # fixtures used by tests
    python3 tools/testpdfs/gen.py --bench    # larger held-out scans into target/pdfbench/

Every output is deterministic given the tool versions except the OCR layers.
"""
import io, os, re, subprocess, sys, tempfile

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "pdf")
SEED000 = os.path.join(ROOT, "fixtures", "seeds", "000_054b06831aabb86f.txt")
SEED003 = os.path.join(ROOT, "fixtures", "seeds", "003_7ff481c39bb081a8.txt")
FONT_DIR = "/usr/share/fonts/truetype/dejavu"

pdfmetrics.registerFont(TTFont("Serif", os.path.join(FONT_DIR, "DejaVuSerif.ttf")))
pdfmetrics.registerFont(TTFont("Serif-Bold", os.path.join(FONT_DIR, "DejaVuSerif-Bold.ttf")))
BODY = ParagraphStyle("body", fontName="Serif", fontSize=11, leading=14, spaceAfter=6)
CELL = ParagraphStyle("cell", fontName="Serif", fontSize=8, leading=10)
HEAD = ParagraphStyle("head", fontName="Serif-Bold", fontSize=8, leading=10)


def seed_parts(path):
    """Body paragraphs (non-empty lines before the table) and clean appendix rows."""
    lines = open(path, encoding="utf-8").read().split("\n")
    body, rows = [], []
    for line in lines:
        if "\t" in line:
            cells = [re.sub(r"\s+", " ", re.sub(r"</?p>", " ", c)).strip() for c in line.split("\t")]
            cells += [""] * (6 - len(cells))
            if rows and not cells[0] and not cells[1] and len(rows) > 2:
                # continuation line of the seed: merge into the row above
                rows[-1] = [(a + " " + b).strip() for a, b in zip(rows[-1], cells[:6])]
            else:
                # Section rows ("II XÂY DỰNG…" in one cell in the seed) become a numeral and a
                # heading that spans the other columns, as in the printed originals.
                m = re.match(r"^([IVX]+)\.?\s+(\S.*)$", cells[0])
                if m and not any(cells[1:]):
                    cells = [m.group(1), m.group(2), "", "", "", ""]
                rows.append(cells[:6])
        elif not rows and line.strip():
            body.append(line.strip())
    return body, rows


class Mark(Flowable):
    """Records the page on which the appendix starts, for the '(tiếp theo)' banner."""
    def __init__(self, state):
        super().__init__()
        self.state = state
    def wrap(self, *a):
        return (0, 0)
    def draw(self):
        self.state["appendix_page"] = self.canv.getPageNumber()


def native_pdf(path, body, rows):
    state = {}
    def on_page(canv, doc):
        canv.setFont("Serif", 9)
        canv.drawCentredString(A4[0] / 2, 12 * mm, str(doc.page))
        start = state.get("appendix_page")
        if start and doc.page > start:
            canv.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, "(tiếp theo)")
    story = [Paragraph(escape(p), BODY) for p in body]
    story += [PageBreak(), Mark(state)]
    data = [[Paragraph(escape(c), HEAD if i == 0 else CELL) for c in r] for i, r in enumerate(rows)]
    widths = [10 * mm, 52 * mm, 26 * mm, 30 * mm, 36 * mm, 32 * mm]
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)
    style = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("SPAN", (1, i), (5, i)) for i, r in enumerate(rows)
              if re.fullmatch(r"[IVX]+", r[0]) and not any(r[2:])]
    table.setStyle(TableStyle(style))
    story.append(table)
    doc = SimpleDocTemplate(path, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, title="seed 000", author="vanban testpdfs")
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)


def unruled_pdf(path, rows):
    """A table laid out by column alignment only: no rules, gutters of two font sizes."""
    data = [[Paragraph(escape(c), HEAD if i == 0 else CELL) for c in r] for i, r in enumerate(rows)]
    widths = [12 * mm, 50 * mm, 26 * mm, 30 * mm, 34 * mm, 32 * mm]
    table = Table(data, colWidths=widths)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 9),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 9), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    doc = SimpleDocTemplate(path, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm)
    doc.build([Paragraph("Phụ lục: nhiệm vụ cụ thể", BODY), table])


def text_pdf(path, paragraphs, size=11):
    doc = SimpleDocTemplate(path, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm)
    style = ParagraphStyle("b", parent=BODY, fontSize=size, leading=size * 1.3)
    doc.build([Paragraph(escape(p), style) for p in paragraphs])


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rasterize(pdf, tmp, dpi, first=None, last=None):
    # Bilevel PNG keeps the committed scans small (a fax-like scan); tesseract reads it well.
    args = ["pdftoppm", "-r", str(dpi), "-mono", "-png"]
    if first:
        args += ["-f", str(first), "-l", str(last)]
    run(*args, pdf, os.path.join(tmp, "p"))
    return sorted(os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith("p") and f.endswith(".png"))


def ocr_layer_pdf(src_pdf, path, pages, dpi=200):
    """A scan with an OCR text layer made by an engine that did not know Vietnamese."""
    with tempfile.TemporaryDirectory() as tmp:
        images = rasterize(src_pdf, tmp, dpi, pages[0], pages[1])
        listing = os.path.join(tmp, "list.txt")
        open(listing, "w").write("\n".join(images) + "\n")
        run("tesseract", listing, path[:-4], "-l", "eng", "pdf")


def image_only_pdf(src_pdf, path, pages, dpi=200):
    from PIL import Image
    with tempfile.TemporaryDirectory() as tmp:
        images = [Image.open(p).convert("1") for p in rasterize(src_pdf, tmp, dpi, pages[0], pages[1])]
        images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)


# ---- legacy-font PDFs: written by hand so the font dictionaries look like the real ones ----

def tcvn3_table():
    table = {}
    for b in list(range(0x01, 0x18)) + list(range(0x80, 0x100)):
        r = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([b]), capture_output=True)
        ch = r.stdout.decode()
        if r.returncode == 0 and len(ch) == 1 and ord(ch) > 0x7f and not (0x300 <= ord(ch) < 0x370):
            table[ch] = b
    return table


def encode_tcvn3(text, table):
    """Runs of (font, bytes): capitals with marks go to the .VnTimeH font as lower-case codes,
    as ABC-era documents did."""
    runs = []
    for ch in text:
        font, code = "F1", None
        if ch.isascii():
            code = ord(ch)
        elif ch in table and table[ch] >= 0xA1 and table[ch] != 0xAF and ch.lower() != ch and 0xA1 <= table[ch] <= 0xA7:
            code = table[ch]
        elif ch.lower() in table and ch.lower() != ch:
            font, code = "F2", table[ch.lower()]
        elif ch in table:
            code = table[ch]
        else:
            code = ord("?")
        if runs and runs[-1][0] == font:
            runs[-1][1].append(code)
        else:
            runs.append((font, bytearray([code])))
    return runs


VNI_MARKS = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
VNI_HAT = {  # vowel modifier combined with a tone: (modifier, tone) -> VNI byte
    ("^", None): "â", ("^", "\u0301"): "á", ("^", "\u0300"): "à", ("^", "\u0309"): "å", ("^", "\u0303"): "ã", ("^", "\u0323"): "ä",
    ("(", None): "ê", ("(", "\u0301"): "é", ("(", "\u0300"): "è", ("(", "\u0309"): "ú", ("(", "\u0303"): "ü", ("(", "\u0323"): "ë",
}
VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"}


def encode_vni(text):
    import unicodedata
    out = []
    for ch in text:
        low = ch.lower()
        upper = ch != low
        if ch.isascii():
            out.append(ch)
            continue
        d = unicodedata.normalize("NFD", low)
        base, marks = d[0], d[1:]
        tone = next((m for m in marks if m in VNI_MARKS), None)
        hat = "^" if "\u0302" in marks else "(" if "\u0306" in marks else None
        horn = "\u031b" in marks
        s = ""
        if low in VNI_SINGLE:
            s = VNI_SINGLE[low]
        elif base == "đ" or low == "đ":
            s = "ñ"
        elif horn:
            s = VNI_SINGLE["ơ" if base == "o" else "ư"] + (VNI_MARKS[tone] if tone else "")
        elif hat:
            s = base + VNI_HAT[(hat, tone)]
        elif tone:
            s = base + VNI_MARKS[tone]
        else:
            s = base
        out.append(s.upper() if upper else s)
    return "".join(out).encode("cp1252")


def pdf_string(bs):
    return b"(" + bs.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def legacy_pdf(path, fonts, pages):
    """fonts: {name: BaseFont}; pages: list of lists of (font, size, x, y, bytes)."""
    objs = []
    def add(body):
        objs.append(body)
        return len(objs)
    font_ids = {}
    for name, base in fonts.items():
        widths = " ".join(["500"] * 224)
        desc = add(b"<< /Type /FontDescriptor /FontName /" + base.encode() + b" /Flags 34 /FontBBox [0 -250 1000 900]"
                   b" /ItalicAngle 0 /Ascent 900 /Descent -250 /CapHeight 700 /StemV 80 >>")
        font_ids[name] = add(b"<< /Type /Font /Subtype /TrueType /BaseFont /" + base.encode() +
                             b" /FirstChar 32 /LastChar 255 /Widths [" + widths.encode() + b"] /Encoding /WinAnsiEncoding"
                             b" /FontDescriptor " + str(desc).encode() + b" 0 R >>")
    res = b"<< /Font << " + b" ".join(b"/" + n.encode() + b" " + str(i).encode() + b" 0 R" for n, i in font_ids.items()) + b" >> >>"
    pages_id = len(objs) + 1 + 2 * len(pages)
    kids = []
    for runs in pages:
        content = b"BT\n"
        for font, size, x, y, bs in runs:
            content += b"/%s %d Tf 1 0 0 1 %d %d Tm " % (font.encode(), size, x, y) + pdf_string(bs) + b" Tj\n"
        content += b"ET\n"
        cid = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources " % pages_id + res +
                        b" /Contents %d 0 R >>" % cid))
    assert add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)) == pages_id
    root = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, root, xref)
    open(path, "wb").write(bytes(out))


LEGACY_TEXT = [
    "ỦY BAN NHÂN DÂN TỈNH GIA LAI",
    "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "KẾ HOẠCH",
    "Thực hiện Quyết định số 600/QĐ-UBND ngày 14/10/2019 của UBND tỉnh Gia Lai",
    "1. Mục đích",
    "Cải thiện, khắc phục những tồn tại, hạn chế trong thực hiện",
    "các nội dung của Chỉ số Cải cách hành chính của Sở.",
    "2. Yêu cầu",
    "Bám sát mục tiêu, nhiệm vụ của Kế hoạch duy trì, nâng cao",
    "Chỉ số cải cách hành chính tỉnh Gia Lai năm 2019.",
    "Văn phòng Sở chủ trì, phối hợp với các phòng, đơn vị trực thuộc",
    "thực hiện nghiêm túc công tác báo cáo định kỳ trước ngày 25/11.",
]


def legacy_pages(encode):
    runs = []
    y = 780
    for i, line in enumerate(LEGACY_TEXT):
        size = 13 if i < 3 else 12
        x = 72
        for font, bs in encode(line):
            runs.append((font, size, x, y, bytes(bs)))
            x += len(bs) * size // 2
        y -= 22
    return [runs]


def main():
    os.makedirs(OUT, exist_ok=True)
    body, rows = seed_parts(SEED000)
    native = os.path.join(OUT, "native_table.pdf")
    native_pdf(native, body, rows)
    with open(os.path.join(OUT, "native_table.expected.tsv"), "w", encoding="utf-8") as f:
        f.write("".join("\t".join(r) + "\n" for r in rows))
    unruled_rows = [r for r in rows if r[0] != "1" or r[1] != "2"][:6]
    unruled_pdf(os.path.join(OUT, "unruled_table.pdf"), unruled_rows)
    with open(os.path.join(OUT, "unruled_table.expected.tsv"), "w", encoding="utf-8") as f:
        f.write("".join("\t".join(r) + "\n" for r in unruled_rows))
    pages = int(re.search(rb"/Count (\d+)", open(native, "rb").read()).group(1))
    # Scans: the first body page and the first appendix page.
    appendix = next(p for p in range(1, pages + 1) if "TT" in subprocess.run(
        ["pdftotext", "-f", str(p), "-l", str(p), native, "-"], capture_output=True, text=True).stdout.split())
    ocr_layer_pdf(native, os.path.join(OUT, "scan_eng_layer.pdf"), (1, 1))
    image_only_pdf(native, os.path.join(OUT, "scan_image_only.pdf"), (1, 1))
    # Three scanned pages of the ruled appendix (8-point cells need 300 dpi).
    image_only_pdf(native, os.path.join(OUT, "scan_table.pdf"), (appendix, appendix + 2), dpi=300)
    with open(os.path.join(OUT, "scan.expected.txt"), "w", encoding="utf-8") as f:
        f.write(subprocess.run(["pdftotext", "-f", "1", "-l", "1", native, "-"], capture_output=True, text=True).stdout)
    table = tcvn3_table()
    legacy_pdf(os.path.join(OUT, "tcvn3.pdf"), {"F1": ".VnTime", "F2": ".VnTimeH"},
               legacy_pages(lambda s: encode_tcvn3(s, table)))
    legacy_pdf(os.path.join(OUT, "vni.pdf"), {"F1": "VNI-Times"}, legacy_pages(lambda s: [("F1", encode_vni(s))]))
    with open(os.path.join(OUT, "legacy.expected.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(LEGACY_TEXT) + "\n")
    print("native pages", pages, "appendix starts on", appendix)


def bench():
    """Held-out text (seed 003, never used by the tests) as a clean 300 dpi scan."""
    out = os.path.join(ROOT, "target", "pdfbench")
    os.makedirs(out, exist_ok=True)
    text = [l.strip() for l in open(SEED003, encoding="utf-8").read().split("\n")
            if l.strip() and "\t" not in l and not l.strip().startswith("•")][:45]
    native = os.path.join(out, "heldout_native.pdf")
    text_pdf(native, text, size=12)
    image_only_pdf(native, os.path.join(out, "heldout_scan.pdf"), (1, 99), dpi=300)
    open(os.path.join(out, "heldout.txt"), "w", encoding="utf-8").write("\n".join(text) + "\n")


if __name__ == "__main__":
    bench() if "--bench" in sys.argv else main()
