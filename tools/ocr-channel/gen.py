#!/usr/bin/env python3
"""Renders clean Vietnamese text to degraded page images and OCRs them with
`tesseract -l eng`, to learn how an English-only OCR engine damages Vietnamese.

    gen.py train OUT N_PAGES      # pages from the training split, training fonts
    gen.py bold  OUT N_PAGES      # the same from bold faces (other confusions)
    gen.py upper OUT N_PAGES      # upper-case lines, as in headings ("ĐIỀU" read as "PIEU")
    gen.py eval  OUT              # held-out admin docs, a font the channel never saw
    gen.py vie   OUT N_PAGES      # read by `tesseract -l vie` (its misreadings)
    gen.py vie-eval OUT           # dev admin docs read by `tesseract -l vie`, unseen face and size

OCR_LANG=fra (or deu, …) OCRs with that tesseract model instead of eng: an
engine whose confusions the channel never saw (eval pages only).

`vie` pages learn what the Vietnamese model itself gets wrong: marks dropped or
swapped on circumflex and horn vowels ("biêu" for "biểu"), "ø" for "g". They are
drawn from the training split only (neither held-out nor dev files), in the
faces of Word documents, at the pixel sizes 13 pt text has at 300, 150 and 110
dpi, blurred and speckled like scans.

Each page writes OUT/pNNNN.ref (the rendered lines, one per line; training only),
OUT/pNNNN.ocr (tesseract output) and, for eval, a manifest line saying which
source lines the page holds so the reference can be rebuilt without committing
corpus text. Deterministic for a given corpus (fixed seed).
Needs: Pillow (PyPI), tesseract-ocr, fonts-dejavu-core, fonts-noto-core, fonts-texgyre.
"""
import os
import random
import subprocess
import sys
import unicodedata

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

CORPORA = os.environ.get("CORPORA", "/work/shared/corpora")
EXTRACTED = os.environ.get("EXTRACTED", "/tmp/corp")  # phapdien.tar.xz extracted here
HERE = os.path.dirname(os.path.abspath(__file__))
HELDOUT = os.path.join(HERE, "..", "..", "corpus", "models", "heldout.list")
DEV = os.path.join(HERE, "..", "..", "corpus", "models", "dev.list")

TRAIN_FONTS = [
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-regular.otf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]
# Bold faces: scans of bold or over-inked print give other confusions ("&" for "ế").
BOLD_FONTS = [
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-bold.otf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf",
]
# Faces of Word-made documents (Times and the like), regular, bold and italic.
VIE_FONTS = [
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-regular.otf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-bold.otf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-italic.otf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
]
# 13 pt in pixels at 300, 150 and 110 dpi.
VIE_SIZES = [54, 27, 20]
# 12 pt at 300, 150 and 110 dpi: a size the vie pages never had (`vie-eval`).
VIE_EVAL_SIZES = {300: 50, 150: 25, 110: 18}
# Never used for training: measures how the channel generalises to a new face.
EVAL_FONT = "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyrepagella-regular.otf"
LINES_PER_PAGE = 28
MAX_CHARS = 64


def listed(*lists):
    out = set()
    for path in lists:
        with open(path, encoding="utf-8") as f:
            out |= {l.strip() for l in f if l.strip()}
    return out


def heldout():
    return listed(HELDOUT)


def chunks(line):
    """Wraps a source line into rendered lines of at most MAX_CHARS."""
    out, cur = [], ""
    for w in line.split():
        if cur and len(cur) + 1 + len(w) > MAX_CHARS:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        out.append(cur)
    return out


def render(lines, font_path, size, blur, scale, path, noise=0):
    font = ImageFont.truetype(font_path, size)
    lh = int(size * 1.5)
    img = Image.new("L", (int(size * 0.62 * MAX_CHARS) + 120, lh * len(lines) + 120), 255)
    d = ImageDraw.Draw(img)
    for i, l in enumerate(lines):
        d.text((60, 60 + i * lh), l, font=font, fill=0)
    if scale != 1.0:  # lose resolution like a low-dpi scan
        w, h = img.size
        img = img.resize((int(w * scale), int(h * scale)), Image.BILINEAR)
        img = img.resize((w, h), Image.BILINEAR)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if noise:  # zero-mean Gaussian speckle, like a grey scan
        img = ImageChops.add(img, Image.effect_noise(img.size, noise), 1.0, -128)
    img.save(path)


def ocr(png):
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    lang = os.environ.get("OCR_LANG", "eng")
    r = subprocess.run(["tesseract", png, "stdout", "-l", lang, "--psm", "6"],
                       capture_output=True, text=True, env=env)
    return r.stdout


def nfc(s):
    return unicodedata.normalize("NFC", s)


def train(out, n_pages, fonts=TRAIN_FONTS, prefix="p", seed=4, upper=False, vie=False):
    rng = random.Random(seed)
    # The eng tables predate the dev split; the vie ones keep out of it too.
    skip = listed(HELDOUT, DEV) if vie else heldout()
    files = []
    for sub, root in [("admin", os.path.join(CORPORA, "admin")),
                      ("phapdien", os.path.join(EXTRACTED, "phapdien"))]:
        for name in sorted(os.listdir(root)):
            if f"{sub}/{name}" not in skip:
                files.append(os.path.join(root, name))
    pool = []
    for p in files:
        with open(p, encoding="utf-8", errors="replace") as f:
            for l in f:
                l = nfc(l.strip()).replace("|", " ")
                if len(l.split()) >= 4:
                    pool.extend(chunks(l))
    rng.shuffle(pool)
    os.makedirs(out, exist_ok=True)
    for i in range(n_pages):
        lines = pool[i * LINES_PER_PAGE:(i + 1) * LINES_PER_PAGE]
        if upper:
            lines = [l.upper() for l in lines]
        font = fonts[i % len(fonts)]
        if vie:
            size = VIE_SIZES[i % len(VIE_SIZES)]
            blur = rng.choice([0, 0.5, 0.8])
            scale = 1.0
            noise = rng.choice([0, 12, 24])
        else:
            size = rng.choice([24, 28, 32])
            blur = rng.choice([0, 0.6, 1.0, 1.3])
            scale = rng.choice([1.0, 0.6, 0.45])
            noise = 0
        stem = os.path.join(out, f"{prefix}{i:04d}")
        render(lines, font, size, blur, scale, stem + ".png", noise)
        with open(stem + ".ref", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        with open(stem + ".ocr", "w", encoding="utf-8") as f:
            f.write(ocr(stem + ".png"))
        os.remove(stem + ".png")
        print(f"page {i} {os.path.basename(font)} size={size} blur={blur} scale={scale} noise={noise}",
              flush=True)


def source_pages(src, most):
    """Up to `most` pages of whole source lines: (first line, line after the last, page lines)."""
    i = 0
    for _ in range(most):
        start, lines = i, []
        while i < len(src) and len(lines) < LINES_PER_PAGE:
            lines.extend(chunks(src[i].replace("|", " ")))
            i += 1
        if not lines:
            return
        yield start, i, lines


def eval_pages(out):
    rng = random.Random(5)
    os.makedirs(out, exist_ok=True)
    manifest = []
    page = 0
    for rel in sorted(heldout()):
        if not rel.startswith("admin/"):
            continue
        with open(os.path.join(CORPORA, rel), encoding="utf-8", errors="replace") as f:
            src = [nfc(l.rstrip("\n")) for l in f]
        # At most 4 pages per document keeps tesseract time modest.
        for start, i, lines in source_pages(src, 4):
            stem = os.path.join(out, f"e{page:03d}")
            render(lines, EVAL_FONT, 28, rng.choice([0.6, 1.0]), rng.choice([1.0, 0.6]), stem + ".png")
            with open(stem + ".ocr", "w", encoding="utf-8") as f:
                f.write(ocr(stem + ".png"))
            os.remove(stem + ".png")
            manifest.append(f"e{page:03d}\t{rel}\t{start}\t{i}")
            print(manifest[-1], flush=True)
            page += 1
    with open(os.path.join(out, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(manifest) + "\n")


def vie_eval_pages(out):
    """The dev admin docs (never in the vie tables) in TeX Gyre Pagella 12 pt, a
    face and size the vie pages never had, each page at 300, 150 and 110 dpi,
    blurred and speckled, read by `tesseract -l vie`: OUT/vNNN-DPI.ocr and a
    manifest of source lines, as `eval` writes."""
    os.environ["OCR_LANG"] = "vie"
    rng = random.Random(9)
    os.makedirs(out, exist_ok=True)
    manifest = []
    page = 0
    for rel in sorted(listed(DEV)):
        with open(os.path.join(CORPORA, rel), encoding="utf-8", errors="replace") as f:
            src = [nfc(l.rstrip("\n")) for l in f]
        for start, i, lines in source_pages(src, 3):
            stem = os.path.join(out, f"v{page:03d}")
            for dpi, size in VIE_EVAL_SIZES.items():
                blur, noise = rng.choice([0, 0.5, 0.8]), rng.choice([0, 12, 24])
                render(lines, EVAL_FONT, size, blur, 1.0, stem + ".png", noise)
                with open(f"{stem}-{dpi}.ocr", "w", encoding="utf-8") as f:
                    f.write(ocr(stem + ".png"))
            os.remove(stem + ".png")
            manifest.append(f"v{page:03d}\t{rel}\t{start}\t{i}")
            print(manifest[-1], flush=True)
            page += 1
    with open(os.path.join(out, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "upper":
        train(sys.argv[2], int(sys.argv[3]), TRAIN_FONTS + BOLD_FONTS, "u", 7, upper=True)
    elif sys.argv[1] == "vie":
        os.environ["OCR_LANG"] = "vie"
        train(sys.argv[2], int(sys.argv[3]), VIE_FONTS, "v", 8, vie=True)
    elif sys.argv[1] == "vie-eval":
        vie_eval_pages(sys.argv[2])
    elif sys.argv[1] == "bold":
        train(sys.argv[2], int(sys.argv[3]), BOLD_FONTS, "b", 6)
    else:
        eval_pages(sys.argv[2])
