#!/usr/bin/env python3
"""Generates PDFs whose fonts have broken or missing ToUnicode maps (issue 13).

Needs: python3 with reportlab, pikepdf and fonttools (pip); fonts-dejavu, fonts-noto-core,
fonts-freefont-ttf and fonts-liberation2 (apt). Run from the repository root:

    python3 tools/brokenfonts/gen.py            # fixtures/brokenfonts/, committed

Each document is one of the committed seed documents (`fixtures/seeds/`, public
administrative documents; corpus text is never committed, so none is typeset here) typeset
line by line with reportlab in one TrueType family (regular body, bold first line), then
broken in three ways, as found in archived documents:

* `strip`: /ToUnicode removed. reportlab's subsets keep ASCII at its codes and put other
  letters at codes 1–31 and in further 256-code subsets, so extractors give control
  characters and Latin-1 junk for every Vietnamese letter ("Vi\x03t Nam", "ViÇt").
* `scramble`: /ToUnicode kept but its values permuted within each font: every glyph is
  consistently wrong ("hÍc sinh").
* `cid`: every font rewritten as a Type0 font (Identity-H, CID = glyph id, as Word and
  most printers to PDF subset), with no /ToUnicode and no cmap or glyph names left in the
  font program: "n(cid:3)m", or nothing at all.

`dump_NAME.txt` is the text as a text dump extracted through such a map would hold it
(ASCII kept, every other letter consistently junk or `(cid:N)`). `NAME.txt` holds the true text, one drawn line per line. `clean_*.pdf` is the same
document unbroken (it must come out of vanban untouched). Liberation Serif (a Times New
Roman clone, the usual face of the originals) is the held-out font: no reference glyph
table may include it (`vanban-train glyphs` reads DejaVu, Noto, FreeFont, TeX Gyre and
Liberation Sans only).
"""
import io, os, random, sys

import pikepdf
from fontTools.ttLib import TTFont as FTFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "brokenfonts")
SEEDS = os.path.join(ROOT, "fixtures", "seeds")

# (label, regular, bold, held out)
FAMILIES = [
    ("dejavuserif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", False),
    ("notosans", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
     "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", False),
    ("freeserif", "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
     "/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf", False),
    ("liberationserif", "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
     "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf", True),
]
# One seed per family (seed 004 is OCR output, not clean text); none is in the corpora the
# language model was trained on.
DOCS = [
    "000_054b06831aabb86f.txt",
    "001_24a9c7e6c9ad4780.txt",
    "002_ce67a05162423cb0.txt",
    "003_7ff481c39bb081a8.txt",
]
MAX_LINES = 120  # about 3 pages: enough text for a fair figure per font
# Lines of the web pages the seeds were saved from, not of the documents.
CHROME = ("Hệ thống pháp luật", "Đang tải nội dung", "Lượt xem:")


def text_lines(path):
    out = []
    for line in open(path, encoding="utf-8").read().split("\n"):
        # Seed 001 was saved as Markdown: its bold and heading marks are not drawn.
        line = " ".join(line.replace("\t", " ").replace("**", "").split()).lstrip("# ")
        if line and not line.startswith(CHROME) and line.strip("-"):
            out.append(line)
    return out


def typeset(lines, label, regular, bold, path):
    """Draws `lines` wrapped to the text width; returns the drawn lines (the truth)."""
    pdfmetrics.registerFont(TTFont(label, regular))
    pdfmetrics.registerFont(TTFont(label + "-Bold", bold))
    c = canvas.Canvas(path, pagesize=A4, invariant=1)
    width, height = A4
    left, top, size, leading = 60, height - 60, 12, 16
    y = top
    drawn = []
    for i, para in enumerate(lines):
        font = label + "-Bold" if i == 0 else label
        words, cur = para.split(" "), ""
        wrapped = []
        for w in words:
            trial = (cur + " " + w).strip()
            if pdfmetrics.stringWidth(trial, font, size) > width - 2 * left and cur:
                wrapped.append(cur)
                cur = w
            else:
                cur = trial
        wrapped.append(cur)
        for line in wrapped:
            if len(drawn) >= MAX_LINES:
                break
            if y < 60:
                c.showPage()
                y = top
            c.setFont(font, size)
            c.drawString(left, y, line)
            drawn.append(line)
            y -= leading
        y -= 4
    c.save()
    return drawn


def truetype_fonts(pdf):
    seen = {}
    for page in pdf.pages:
        for name, font in page.Resources.get("/Font", {}).items():
            if font.get("/Subtype") == "/TrueType" and "/FontDescriptor" in font:
                seen[font.objgen] = font
    return list(seen.values())


def strip(pdf, rng):
    for font in truetype_fonts(pdf):
        del font["/ToUnicode"]


def scramble(pdf, rng):
    """Permutes each font's ToUnicode values among its codes."""
    import re
    for font in truetype_fonts(pdf):
        cmap = font.ToUnicode.read_bytes().decode("latin-1")
        pairs = re.findall(r"<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]{4})>", cmap)
        values = [v for _, v in pairs]
        rng.shuffle(values)
        body = "\n".join(f"<{k}> <{v}>" for (k, _), v in zip(pairs, values))
        new = (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
            f"{len(pairs)} beginbfchar\n{body}\nendbfchar\n"
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        )
        font.ToUnicode = pdf.make_stream(new.encode("latin-1"))


def to_cid(pdf, rng):
    """Rewrites every TrueType subset as Type0/Identity-H with CID = glyph id and no maps."""
    code_to_gid = {}
    for font in truetype_fonts(pdf):
        fd = font.FontDescriptor
        tt = FTFont(io.BytesIO(fd.FontFile2.read_bytes()), recalcTimestamp=False)
        order = tt.getGlyphOrder()
        cmap = {c: tt.getGlyphID(g) for c, g in tt["cmap"].getcmap(1, 0).cmap.items()}
        first = int(font.FirstChar)
        widths = [float(w) for w in font.Widths]
        w = []
        for code, gid in sorted(cmap.items(), key=lambda kv: kv[1]):
            if first <= code < first + len(widths):
                w += [gid, [widths[code - first]]]
        # As Word's subsets: no cmap, no glyph names.
        del tt["cmap"]
        tt["post"].formatType = 3.0
        buf = io.BytesIO()
        tt.save(buf)
        fd.FontFile2 = pdf.make_stream(buf.getvalue())
        cid = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=font.BaseFont, FontDescriptor=fd, DW=1000, W=pikepdf.Array(w),
            CIDToGIDMap=pikepdf.Name.Identity,
            CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"),
                                             Ordering=pikepdf.String("Identity"), Supplement=0),
        )
        for key in list(font.keys()):
            del font[key]
        font.Type = pikepdf.Name.Font
        font.Subtype = pikepdf.Name.Type0
        font.BaseFont = cid.BaseFont
        font.Encoding = pikepdf.Name("/Identity-H")
        font.DescendantFonts = pikepdf.Array([pdf.make_indirect(cid)])
        code_to_gid[font.objgen] = cmap
    for page in pdf.pages:
        fonts = page.Resources.Font
        ops, current = [], None
        for operands, op in pikepdf.parse_content_stream(page):
            if op == pikepdf.Operator("Tf"):
                current = code_to_gid.get(fonts[operands[0]].objgen)
            elif current is not None and str(op) in ("Tj", "TJ", "'", '"'):
                operands = [recode(o, current) for o in operands]
            ops.append((operands, op))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))


def recode(obj, cmap):
    if isinstance(obj, pikepdf.String):
        return pikepdf.String(b"".join(cmap.get(b, 0).to_bytes(2, "big") for b in bytes(obj)))
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([recode(o, cmap) for o in obj])
    return obj


BREAKS = [("strip", strip), ("scramble", scramble), ("cid", to_cid)]

VIETNAMESE = set("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ")
VIETNAMESE |= {c.upper() for c in VIETNAMESE}
# Junk an extractor gives for such codes: Latin-1 and Latin Extended letters Vietnamese
# does not use, control characters, and (cid:N).
JUNK = [chr(c) for c in list(range(0xC0, 0x100)) + list(range(0x100, 0x180))
        if chr(c) not in VIETNAMESE and chr(c).isalpha()]


def dump(lines, rng):
    """The text as extracted through a broken map: every non-ASCII letter consistently
    replaced (ASCII kept), as in "ViÇt Nam", "n(cid:3)m"."""
    letters = sorted({c for line in lines for c in line if ord(c) > 127 and c.isalpha()})
    junk = JUNK[:]
    rng.shuffle(junk)
    table = {}
    for i, c in enumerate(letters):
        table[c] = junk[i] if i < len(junk) and i % 5 else f"(cid:{i + 3})"
    return ["".join(table.get(c, c) for c in line) for line in lines]


def main():
    os.makedirs(OUT, exist_ok=True)
    for (label, regular, bold, held), doc in zip(FAMILIES, DOCS):
        lines = text_lines(os.path.join(SEEDS, doc))
        clean = os.path.join(OUT, f"clean_{label}.pdf")
        drawn = typeset(lines, label, regular, bold, clean)
        for kind, breaker in BREAKS:
            name = f"{kind}_{label}"
            rng = random.Random(name)
            with pikepdf.open(clean) as pdf:
                breaker(pdf, rng)
                pdf.save(os.path.join(OUT, name + ".pdf"), deterministic_id=True,
                         compress_streams=True)
        with open(os.path.join(OUT, f"{label}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(drawn) + "\n")
        with open(os.path.join(OUT, f"dump_{label}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(dump(drawn, random.Random(label))) + "\n")
        print(label, "held out" if held else "", len(drawn), "lines", file=sys.stderr)


if __name__ == "__main__":
    main()
