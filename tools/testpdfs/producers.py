#!/usr/bin/env python3
"""Renders seeds 000, 001 and 002 to PDF with three producers, into fixtures/pdf/producers/
(committed, so tests need no generator):

- LibreOffice (Writer's PDF export) from a .docx with real tables (python-docx): ruled grid,
  the header row repeated on each page, group rows merged across columns, rows allowed to
  break across pages;
- Chromium's headless print-to-PDF from HTML tables: the header row as <thead>, repeated on
  each page, rows breaking across pages;
- WeasyPrint from the same HTML: seed 002's table unruled (no borders at all), the others
  ruled.

Needs: python3 with python-docx and weasyprint (pip), LibreOffice and Chromium (apt:
libreoffice-writer-nogui chromium), fonts-dejavu. Run from the repository root:

    python3 tools/testpdfs/producers.py [libreoffice] [chromium] [weasyprint]

(only the producers named, all when none is).

Cells keep their line breaks (<p>, <li>, <br> of the text dumps), so cells wrap over several
lines; seed 002's table, one cell per line in its text dump, becomes a five-column table.
"""
import html, os, re, shutil, subprocess, sys, tempfile

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(ROOT, "fixtures", "seeds")
OUT = os.path.join(ROOT, "fixtures", "pdf", "producers")
FONT = "DejaVu Serif"

# Seed 002's table is written one cell per line: its header's first cell, and its width.
ONE_CELL_PER_LINE = {"002": ("Số TT", 5)}


def seed_path(stem):
    return os.path.join(SEEDS, next(f for f in sorted(os.listdir(SEEDS)) if f.startswith(stem + "_")))


def plain(s):
    """Markdown emphasis and HTML tags of the text dump become plain text."""
    s = re.sub(r"<[^>]+>", " ", s.replace("**", "").replace("***", ""))
    return re.sub(r"\s+", " ", html.unescape(s).replace("*", "")).strip()


def cell_lines(cell):
    """A cell's lines: the dump's <p>, <li> and <br> break them."""
    parts = re.split(r"</?p[^>]*>|<li[^>]*>|</li>|<br\s*/?>|</?ul[^>]*>", cell)
    return [p for p in (plain(x) for x in parts) if p]


def blocks(stem):
    """[("p", text) | ("table", rows)] with rows as lists of cells, each a list of lines."""
    lines = open(seed_path(stem), encoding="utf-8").read().split("\n")
    out, i = [], 0
    special = ONE_CELL_PER_LINE.get(stem)
    while i < len(lines):
        line = lines[i]
        if special and line.strip() == special[0]:
            cells = [l.strip() for l in lines[i:] if l.strip()]
            width, rows = special[1], []
            while len(cells) >= width and (not rows or cells[0].isdigit()):
                rows.append([[c] for c in cells[:width]])
                cells = cells[width:]
            out.append(("table", rows))
            out.extend(("p", plain(c)) for c in cells)
            break
        if "\t" in line:
            rows = []
            while i < len(lines) and ("\t" in lines[i] or not lines[i].strip()):
                if "\t" in lines[i]:
                    cells = [cell_lines(c) for c in lines[i].split("\t")]
                    if rows and not cells[0] and len(cells) > 1 and not cells[1] and len(rows) > 2:
                        # The dump's continuation line: the row above goes on.
                        rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
                    else:
                        rows.append(cells)
                i += 1
            width = max(len(r) for r in rows)
            out.append(("table", [r + [[]] * (width - len(r)) for r in rows]))
            continue
        text = plain(line)
        if text:
            out.append(("p", text))
        i += 1
    return out


def span_of(row):
    """Columns a group row's title spans ("I | TITLE | | |"), or None for a task row."""
    filled = [n for n, c in enumerate(row) if c]
    if len(filled) == 1 and len(row) > 2:
        return filled[0]
    if filled == [0, 1] and len(row) > 3 and re.match(r"^[IVX]+\.?$", row[0][0]):
        return 1
    return None


# --- HTML (Chromium, WeasyPrint) -------------------------------------------------------------

CSS = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: '%s'; font-size: 11pt; line-height: 1.35; }
p { margin: 0 0 5pt 0; }
table { border-collapse: collapse; width: 100%%; font-size: 8.5pt; margin: 6pt 0; }
td, th { vertical-align: top; padding: 2pt 3pt; text-align: left; }
table.ruled td, table.ruled th { border: 0.6pt solid black; }
th { font-weight: bold; }
tr { break-inside: auto; }
""" % FONT


def html_doc(parts, ruled):
    body = []
    for kind, value in parts:
        if kind == "p":
            body.append(f"<p>{html.escape(value)}</p>")
            continue
        rows = value
        cls = "ruled" if ruled else "plain"
        out = [f'<table class="{cls}"><thead><tr>']
        out += [f"<th>{'<br>'.join(map(html.escape, c))}</th>" for c in rows[0]]
        out.append("</tr></thead><tbody>")
        for row in rows[1:]:
            out.append("<tr>")
            first = span_of(row)
            if first is not None:
                # The cells before the title keep their text (the group's number, "I").
                out += [f"<td>{'<br>'.join(map(html.escape, c))}</td>" for c in row[:first]]
                text = "<br>".join(map(html.escape, row[first]))
                out.append(f'<td colspan="{len(row) - first}"><b>{text}</b></td>')
            else:
                out += [f"<td>{'<br>'.join(map(html.escape, c))}</td>" for c in row]
            out.append("</tr>")
        out.append("</tbody></table>")
        body.append("".join(out))
    return f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>{CSS}</style></head><body>{"".join(body)}</body></html>'


def chromium(html_text, pdf):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "doc.html")
        with open(src, "w", encoding="utf-8") as f:
            f.write(html_text)
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/profile",
             "--no-pdf-header-footer", f"--print-to-pdf={pdf}", "file://" + src],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )


def weasyprint(html_text, pdf):
    import weasyprint as wp

    wp.HTML(string=html_text).write_pdf(pdf)


# --- DOCX → LibreOffice ----------------------------------------------------------------------

def docx_doc(parts, path):
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    for kind, value in parts:
        if kind == "p":
            p = document.add_paragraph(value)
            if value.isupper():
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for run in p.runs:
                    run.bold = True
            continue
        rows = value
        width = len(rows[0])
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, lines in enumerate(row):
                cell = table.cell(r, c)
                cell.paragraphs[0].text = lines[0] if lines else ""
                for line in lines[1:]:
                    cell.add_paragraph(line)
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(8.5)
                        run.bold = r == 0 or None
        table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
        for r, row in enumerate(rows[1:], start=1):
            first = span_of(row)
            if first is not None:
                table.cell(r, first).merge(table.cell(r, width - 1))
    document.save(path)


def libreoffice(parts, pdf):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, os.path.basename(pdf)[: -len(".pdf")] + ".docx")
        docx_doc(parts, src)
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "pdf", "--outdir", tmp, src],
            check=True, stdout=subprocess.DEVNULL,
        )
        shutil.move(src[: -len(".docx")] + ".pdf", pdf)


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])  # producer names to render, all when none given
    for stem in ("000", "001", "002"):
        parts = blocks(stem)
        if not only or "libreoffice" in only:
            libreoffice(parts, os.path.join(OUT, f"seed{stem}.libreoffice.pdf"))
        if not only or "chromium" in only:
            chromium(html_doc(parts, ruled=True), os.path.join(OUT, f"seed{stem}.chromium.pdf"))
        if not only or "weasyprint" in only:
            weasyprint(html_doc(parts, ruled=stem != "002"), os.path.join(OUT, f"seed{stem}.weasyprint.pdf"))


if __name__ == "__main__":
    main()
