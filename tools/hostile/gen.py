#!/usr/bin/env python3
"""Generates the hostile text fixtures under tests/regressions/hostile/ from seed 000
(fixtures/seeds, committed, so tests need no generator). Run from the repository root:

    python3 tools/hostile/gen.py

One file per row of issue 18 that can be a small file (tests/it/robustness.rs reads them; the
rows that need a FIFO, links, a device, a long name or megabytes are made by the tests):
- bad_bytes.txt: the seed with a 0xFF byte after every 300 bytes (at the next ASCII byte),
  so about one bad byte in 300.
- nul_bytes.txt: the seed with a NUL after the first character of every non-blank line.
- mentions_body.txt: the seed with a note naming the `<body>` and `<html>` tags on line 2.
- pre.html: a whole page whose body is the seed, escaped, inside `<pre>`.
"""
import glob, html, os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests/regressions/hostile")


def seed():
    (path,) = glob.glob(os.path.join(ROOT, "fixtures/seeds/000_*.txt"))
    with open(path, "rb") as f:
        return f.read()


def bad_bytes(text):
    out, last = bytearray(), 0
    for i, b in enumerate(text):
        out.append(b)
        if i - last >= 300 and b < 0x80:
            out.append(0xFF)
            last = i
    return bytes(out)


def nul_bytes(text):
    lines = text.decode("utf-8").split("\n")
    out = []
    for line in lines:
        if line.strip():
            line = line[0] + "\0" + line[1:]
        out.append(line)
    return "\n".join(out).encode("utf-8")


def mentions_body(text):
    lines = text.decode("utf-8").split("\n")
    note = "Ghi chú: bản điện tử đăng trong thẻ <body> của trang <html> Cổng thông tin."
    return "\n".join(lines[:1] + [note] + lines[1:]).encode("utf-8")


def pre_page(text):
    body = html.escape(text.decode("utf-8"), quote=False)
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head><meta charset=\"utf-8\">"
        "<title>Văn bản</title></head>\n<body>\n<pre>\n" + body + "</pre>\n</body>\n</html>\n"
    ).encode("utf-8")


def main():
    os.makedirs(OUT, exist_ok=True)
    text = seed()
    for name, make in [
        ("bad_bytes.txt", bad_bytes),
        ("nul_bytes.txt", nul_bytes),
        ("mentions_body.txt", mentions_body),
        ("pre.html", pre_page),
    ]:
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(make(text))


if __name__ == "__main__":
    main()
