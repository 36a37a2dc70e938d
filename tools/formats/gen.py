#!/usr/bin/env python3
"""Generates the office fixtures under fixtures/formats/ from seed 000 (committed, so tests
need no generator).

Needs: python3 with python-docx and openpyxl (pip), LibreOffice (apt: libreoffice-writer-nogui
libreoffice-calc-nogui) for the .odt, .doc, .rtf and .ods copies, poppler-utils for the page
image. Run from the repository root:

    python3 tools/formats/gen.py

What each file exercises:
- seed000.docx: headings numbered by their style (I., 1., 1.1.), "-"/"+" bullets numbered by
  the paragraph (none of these labels is in the text), a running header and footer, a
  footnote, and the appendix task table as a real table: a repeated header row, group rows
  merged across columns (gridSpan), rows continued after a page break as vertical merges.
- seed000.odt, .doc, .rtf: the same document converted by LibreOffice.
- seed000.xlsx: the appendix table alone, group rows merged across columns, title rows above.
- seed000.ods: the same workbook converted by LibreOffice.
- scan_table.png / .jpg / .tiff: page 1 of fixtures/pdf/scan_table.pdf rendered at 300 dpi
  (the tiff holds all three pages); scan_table_p1.pdf is page 1 as a scanned PDF
  (pdfseparate), the reference the png and jpg are read against.
"""
import copy, os, re, shutil, subprocess, tempfile, zipfile

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
import openpyxl
from openpyxl.styles import Alignment, Font

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "formats")
SEED = os.path.join(ROOT, "fixtures", "seeds", "000_054b06831aabb86f.txt")
SCAN = os.path.join(ROOT, "fixtures", "pdf", "scan_table.pdf")

HEADER = "Sở Khoa học và Công nghệ tỉnh Gia Lai"
FOOTER = "Kế hoạch duy trì, nâng cao Chỉ số CCHC"
FOOTNOTE = "Văn bản được gửi qua hệ thống quản lý văn bản và điều hành của Sở."

# Heading numbering (one multilevel list attached to Heading 1-3) and bullets.
HEADING_LEVELS = [("upperRoman", "%1."), ("decimal", "%2."), ("decimal", "%2.%3.")]
BULLETS = ["-", "+"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def seed_lines():
    with open(SEED, encoding="utf-8") as f:
        return f.read().split("\n")


def clean(s):
    """Markdown emphasis and HTML paragraphs of the text dump become plain text."""
    return s.replace("**", "").replace("*", "")


def cell_paragraphs(cell):
    parts = [p.strip() for p in re.split(r"</?p>", cell) if p.strip()]
    return parts or [""]


def numbering_xml():
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, (fmt, text) in enumerate(HEADING_LEVELS)
    )
    bullets = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        f'<w:lvlText w:val="{b}"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, b in enumerate(BULLETS)
    )
    return (
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>',
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="91"><w:multiLevelType w:val="hybridMultilevel"/>{bullets}</w:abstractNum>',
        f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>',
        f'<w:num {nsdecls("w")} w:numId="91"><w:abstractNumId w:val="91"/></w:num>',
    )


def set_numbering(p_pr, num_id, level):
    p_pr.append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def heading_label(line):
    """(level, label, rest) of a numbered heading line of the seed."""
    m = re.match(r"^([IVX]+)\. (.*)$", line)
    if m:
        return 0, m.group(1), m.group(2)
    m = re.match(r"^(\d+)\.(\d+)\. (.*)$", line)
    if m:
        return 2, (int(m.group(1)), int(m.group(2))), m.group(3)
    m = re.match(r"^(\d+)\. (.*)$", line)
    if m:
        return 1, int(m.group(1)), m.group(2)
    return None


class Counters:
    """Word's multilevel counters: a level restarts when a higher one advances."""

    def __init__(self):
        self.values = [0, 0, 0]

    def next(self, level):
        self.values[level] += 1
        for deeper in range(level + 1, 3):
            self.values[deeper] = 0
        return self.values[:]

    def expected(self, level):
        v = self.values[:]
        v[level] += 1
        for deeper in range(level + 1, 3):
            v[deeper] = 0
        if level == 0:
            return ROMAN[v[0] - 1]
        if level == 1:
            return v[1]
        return (v[1], v[2])


def add_footnote(document, paragraph):
    """python-docx has no footnote API: the part is added as raw XML after saving."""
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="1"/>'))
    r_pr = run._r.get_or_add_rPr()
    r_pr.append(parse_xml(f'<w:vertAlign {nsdecls("w")} w:val="superscript"/>'))


FOOTNOTES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    f'<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {FOOTNOTE}</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def patch_footnotes(path):
    """Adds word/footnotes.xml with its relationship and content type to a saved .docx."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            elif item.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            dst.writestr(item, data)
        dst.writestr("word/footnotes.xml", FOOTNOTES_XML)
    os.replace(tmp, path)


def table_rows(lines):
    """The appendix table: one row per tab-separated line, blank lines between them dropped."""
    start = next(i for i, l in enumerate(lines) if l.startswith("TT\t"))
    rows, end = [], start
    for i in range(start, len(lines)):
        if "\t" in lines[i]:
            rows.append(lines[i].split("\t"))
            end = i
        elif lines[i].strip():
            break
    return start, end, rows


def is_group(row):
    return row[0] and all(not c.strip() for c in row[1:]) or (row[1] and all(not c.strip() for c in row[2:]) and re.match(r"^[IVX]+$", row[0]))


def is_continuation(row):
    return not row[0].strip() and not row[1].strip()


def build_docx(lines, path):
    document = docx.Document()
    numbering = document.part.numbering_part.element
    abstract_heading, abstract_bullet, num_heading, num_bullet = numbering_xml()
    # abstractNum elements must precede num elements.
    first_num = numbering.find(qn("w:num"))
    for xml in (abstract_heading, abstract_bullet):
        el = parse_xml(xml)
        if first_num is not None:
            first_num.addprevious(el)
        else:
            numbering.append(el)
    numbering.append(parse_xml(num_heading))
    numbering.append(parse_xml(num_bullet))
    styles = document.styles
    for level in range(3):
        style = styles[f"Heading {level + 1}"]
        set_numbering(style.element.get_or_add_pPr(), 90, level)

    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = FOOTER

    start, end, rows = table_rows(lines)
    counters = Counters()
    footnote_done = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if i == start:
            add_table(document, rows)
            i = end + 1
            continue
        i += 1
        if not line.strip():
            continue
        text = clean(line)
        heading = heading_label(text)
        if heading and i - 1 < start:
            level, label, rest = heading
            if counters.expected(level) == label:
                counters.next(level)
                p = document.add_paragraph(rest, style=f"Heading {level + 1}")
                continue
        bullet = re.match(r"^([-+]) (.*)$", text)
        if bullet and i - 1 < start:
            p = document.add_paragraph(bullet.group(2))
            set_numbering(p._p.get_or_add_pPr(), 91, BULLETS.index(bullet.group(1)))
            continue
        p = document.add_paragraph()
        run = p.add_run(text)
        if line.startswith("**") or line.endswith("**") or text.isupper():
            run.bold = True
        if text.isupper() or text.startswith("(Kèm theo"):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if not footnote_done and text.startswith("Thực hiện Quyết định số 600"):
            add_footnote(document, p)
            footnote_done = True
    document.save(path)
    patch_footnotes(path)


def add_table(document, rows):
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        row = row + [""] * (width - len(row))
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            parts = cell_paragraphs(value)
            cell.paragraphs[0].text = parts[0]
            for part in parts[1:]:
                cell.add_paragraph(part)
    # The header row repeats on every page.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    for r, row in enumerate(rows):
        row = row + [""] * (width - len(row))
        if is_group(row):
            # "I | TITLE | | | |": the title spans the empty columns.
            first = 1 if row[1].strip() else 0
            table.cell(r, first).merge(table.cell(r, width - 1))
        elif r > 1 and is_continuation(row):
            # Continued after a page break: the number and task cells are the row above's.
            for c in (0, 1):
                table.cell(r - 1, c).merge(table.cell(r, c))


def build_xlsx(lines, path):
    start, _, rows = table_rows(lines)
    width = max(len(r) for r in rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    titles = [clean(l) for l in lines[:start] if l.strip()][-5:]
    for n, title in enumerate(titles, start=1):
        ws.cell(row=n, column=1, value=title).font = Font(bold=True)
        ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=width)
    top = len(titles) + 2
    for r, row in enumerate(rows):
        row = row + [""] * (width - len(row))
        for c, value in enumerate(row):
            text = " ".join(cell_paragraphs(value)).strip()
            if text:
                cell = ws.cell(row=top + r, column=c + 1, value=int(text) if text.isdigit() else text)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if is_group(row):
            first = 2 if row[1].strip() else 1
            ws.merge_cells(start_row=top + r, start_column=first, end_row=top + r, end_column=width)
    for c in range(width):
        ws.cell(row=top, column=c + 1).font = Font(bold=True)
    # A second sheet: the work plan is often split in two.
    wb.create_sheet("Ghi chú").cell(row=1, column=1, value="Các phòng, đơn vị báo cáo kết quả hằng quý.")
    wb.save(path)


def soffice(src, fmt, outdir):
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt, "--outdir", outdir, src],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def page_images():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-f", "1", "-l", "1", "-png", "-singlefile", SCAN, os.path.join(OUT, "scan_table")], check=True)
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-f", "1", "-l", "1", "-jpeg", "-jpegopt", "quality=75", "-singlefile", SCAN, os.path.join(OUT, "scan_table")], check=True)
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-tiff", "-tiffcompression", "deflate", SCAN, os.path.join(tmp, "p")], check=True)
        pages = sorted(f for f in os.listdir(tmp) if f.endswith(".tif"))
        subprocess.run(["pdfseparate", "-f", "1", "-l", "1", SCAN, os.path.join(tmp, "s-%d.pdf")], check=True)
        shutil.copy(os.path.join(tmp, "s-1.pdf"), os.path.join(OUT, "scan_table_p1.pdf"))
        write_multipage_tiff([os.path.join(tmp, p) for p in pages], os.path.join(OUT, "scan_table.tiff"))


def write_multipage_tiff(pages, path):
    from PIL import Image

    images = [Image.open(p) for p in pages]
    images[0].save(path, save_all=True, append_images=images[1:], compression="tiff_deflate", dpi=(300, 300))


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = seed_lines()
    docx_path = os.path.join(OUT, "seed000.docx")
    build_docx(lines, docx_path)
    xlsx_path = os.path.join(OUT, "seed000.xlsx")
    build_xlsx(lines, xlsx_path)
    if shutil.which("soffice"):
        for fmt in ("odt", "doc", "rtf"):
            soffice(docx_path, fmt, OUT)
        soffice(xlsx_path, "ods", OUT)
    page_images()


if __name__ == "__main__":
    main()
