#!/usr/bin/env python3
"""Mines law names for src/extract/law_names.txt from the legal and general corpora.

A name is what stands between "Luật"/"Bộ luật" and a boundary that cannot belong to it:
"số 84/2015/QH13", "năm 2015" or a bare year. Names seen at least twice, starting upper
case, without words of a sentence ("ngày", "được", …) or all-caps abbreviations, are
printed, one per line, in the file's form (without the word "Luật").

    tar xJf shared/corpora/phapdien.tar.xz -C /tmp/corp; tar xJf …/vlc-laws.tar.xz -C /tmp/corp
    tar xJf shared/corpora/general/news.tar.xz -C /tmp/gen; tar xJf …/wiki.tar.xz -C /tmp/gen
    tools/law-names/mine.py /tmp/corp /tmp/gen
"""
import collections
import os
import re
import sys
import unicodedata

PATTERN = re.compile(
    r"(?<![\w])(?:Bộ luật|Luật) ((?:[\wÀ-ỹ]+[ ,]{1,2}){0,16}?[\wÀ-ỹ]+)\s+"
    r"(?:số\s+\d+/\d{4}/QH\d+|năm \d{4}|\d{4}\b)"
)
SENTENCE_WORDS = {"ngày", "được", "lần", "ban", "sửa", "từ", "vào", "các", "đầu", "tiên", "thông", "qua"}


def names(roots):
    counts = collections.Counter()
    for root in roots:
        for folder, _, files in os.walk(root):
            for f in files:
                with open(os.path.join(folder, f), encoding="utf-8", errors="ignore") as fh:
                    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", fh.read()))
                for m in PATTERN.finditer(text):
                    counts[m.group(1).strip(" ,")] += 1
    for name, n in counts.most_common():
        words = name.lower().replace(",", "").split()
        if n < 2 or not name[0].isupper() or SENTENCE_WORDS & set(words):
            continue
        if any(w.isupper() and len(w) > 1 for w in name.split()):
            continue
        yield name


if __name__ == "__main__":
    for name in sorted(set(names(sys.argv[1:]))):
        print(name)
