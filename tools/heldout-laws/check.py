#!/usr/bin/env python3
"""Headers of the laws in ../shared/corpora/vlc-laws.tar.xz (Quốc hội), held out from all
tuning: vanban's number, date and type against what each law's own header lines say.

    python3 tools/heldout-laws/check.py [path/to/vanban]

Expected values are read from the first 14 non-blank lines of each law: the "số:" line
(number) and the "ngày D tháng M năm Y" line (date); the type must be Luật, Bộ luật or
Pháp lệnh. Misses are listed.
"""
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARCHIVE = ROOT.parent / "shared/corpora/vlc-laws.tar.xz"
NUMBER = re.compile(r"(?i)số[:\s]*([0-9]+[/\-][0-9A-ZĐ/\-\.]+(?: \d+)?)")
DATE = re.compile(r"ngày\s*(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
TYPES = {"Luật", "Bộ luật", "Pháp lệnh"}


def key(number):
    return re.sub(r"[^0-9A-ZĐ]", "", (number or "").upper())


def main():
    vanban = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/vanban")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(ARCHIVE) as tar:
            tar.extractall(tmp, filter="data")
        src = next(pathlib.Path(tmp).iterdir())
        out = pathlib.Path(tmp) / "out"
        subprocess.run([vanban, "extract", str(src), "-o", str(out)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts = {"docs": 0, "number": [0, 0], "date": [0, 0], "type": [0, 0]}
        misses = []
        for law in sorted(src.glob("*.txt")):
            head = "\n".join([l.strip() for l in law.read_text(errors="replace").splitlines()
                              if l.strip()][:14])
            if not head:
                continue
            doc = json.loads((out / (law.name + ".json")).read_text())
            meta = doc.get("metadata") or {}
            counts["docs"] += 1
            if m := NUMBER.search(head):
                counts["number"][1] += 1
                want = m.group(1).rstrip(".")
                if key(want) == key(meta.get("number")):
                    counts["number"][0] += 1
                else:
                    misses.append((law.name, "number", want, meta.get("number")))
            if m := DATE.search(head):
                counts["date"][1] += 1
                want = "%s-%02d-%02d" % (m.group(3), int(m.group(2)), int(m.group(1)))
                if meta.get("date") == want:
                    counts["date"][0] += 1
                else:
                    misses.append((law.name, "date", want, meta.get("date")))
            counts["type"][1] += 1
            if meta.get("type") in TYPES:
                counts["type"][0] += 1
            else:
                misses.append((law.name, "type", "Luật", meta.get("type")))
        for miss in misses:
            print("  %s: %s want %r got %r" % miss)
        print("%d laws: number %d/%d, date %d/%d, type %d/%d" % (
            counts["docs"], *counts["number"], *counts["date"], *counts["type"]))


if __name__ == "__main__":
    main()
