#!/usr/bin/env python3
"""Turns `pub` items of the given library files into `pub(crate)` unless their name is
used outside the library (src/main.rs, src/bin, tests, benches, fuzz). Conservative: a
name seen anywhere outside keeps its item public. Run, then build all targets and
remove what the compiler reports dead.

    python3 tools/api/narrow.py src/repair src/eval.rs
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
ITEM = re.compile(r"^(\s*)pub (?:async |unsafe |const )?(fn|struct|enum|const|static|type|trait|mod|use) +([A-Za-z_][A-Za-z0-9_]*)")


def outside_words():
    files = [ROOT / "src/main.rs", *(ROOT / "src/bin").glob("*.rs")]
    for d in ("tests", "benches", "fuzz"):
        files += [p for p in (ROOT / d).rglob("*.rs") if "target" not in p.parts and "node_modules" not in p.parts]
    words = set()
    for f in files:
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", f.read_text()))
    return words


def main():
    words = outside_words()
    targets = []
    for arg in sys.argv[1:]:
        p = ROOT / arg
        targets += sorted(p.rglob("*.rs")) if p.is_dir() else [p]
    changed = 0
    for f in targets:
        lines = f.read_text().split("\n")
        for i, line in enumerate(lines):
            m = ITEM.match(line)
            if not m or m.group(2) == "use":
                continue
            if m.group(3) not in words:
                lines[i] = line.replace("pub ", "pub(crate) ", 1)
                changed += 1
        f.write_text("\n".join(lines))
    print(f"{changed} items narrowed")


main()
