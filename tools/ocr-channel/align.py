#!/usr/bin/env python3
"""Aligns OCR output with the rendered source (pages from `gen.py train`) and
estimates the OCR channel:

    align.py PAGES_DIR MODELS_DIR

writes MODELS_DIR/ocr-channel.tsv   source char <TAB> OCR string <TAB> count
       MODELS_DIR/ocr-lexicon.tsv   OCR token <TAB> source token <TAB> count  (count >= 2;
                                    rows with OCR == source count intact reads)

Both sides are lower-cased; a source space read as nothing is a glued token
(row " " -> ""). Lines are paired by similarity, chars by a Levenshtein
alignment where a letter and its unmarked form cost less than other
substitutions; insertions are charged to the preceding source char, so
"ư" -> "it" comes out as one 1-to-2 entry.
"""
import collections
import difflib
import os
import sys
import unicodedata


def fold(s):
    out = []
    for c in s:
        if c in "đĐ":
            out.append("d")
            continue
        d = unicodedata.normalize("NFD", c)
        out.append(d[0] if d[0].isalpha() else c)
    return "".join(out)


def align(a, b):
    """Levenshtein alignment; returns, for each char of a, the chunk of b it became."""
    n, m = len(a), len(b)
    fa, fb = fold(a), fold(b)
    INF = 1e9
    D = [[INF] * (m + 1) for _ in range(n + 1)]
    B = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        D[i][0] = i
        B[i][0] = 1
    for j in range(m + 1):
        D[0][j] = j
        B[0][j] = 2
    for i in range(1, n + 1):
        ai, fai = a[i - 1], fa[i - 1]
        Di, Dp, Bi = D[i], D[i - 1], B[i]
        for j in range(1, m + 1):
            c = 0 if ai == b[j - 1] else (0.4 if fai == fb[j - 1] else 1)
            best, op = Dp[j - 1] + c, 0
            if Dp[j] + 1 < best:
                best, op = Dp[j] + 1, 1
            if Di[j - 1] + 1 < best:
                best, op = Di[j - 1] + 1, 2
            Di[j], Bi[j] = best, op
    chunks = [""] * n
    lead = ""
    i, j = n, m
    pending = ""
    while i > 0 or j > 0:
        op = B[i][j]
        if op == 0:
            chunks[i - 1] = b[j - 1] + pending
            pending = ""
            i, j = i - 1, j - 1
        elif op == 1:
            chunks[i - 1] = pending
            pending = ""
            i -= 1
        else:
            pending = b[j - 1] + pending
            j -= 1
    lead = pending
    if lead and n:
        chunks[0] = lead + chunks[0]
    return chunks, D[n][m]


def main(pages, models):
    chan = collections.Counter()
    lex = collections.Counter()
    pairs = 0
    for name in sorted(os.listdir(pages)):
        if not name.endswith(".ref"):
            continue
        stem = os.path.join(pages, name[:-4])
        ref = [l.strip().lower() for l in open(stem + ".ref", encoding="utf-8") if l.strip()]
        ocr = [l.strip().lower() for l in open(stem + ".ocr", encoding="utf-8") if l.strip()]
        j = 0
        for r in ref:
            best, bj = 0.0, -1
            for k in range(j, min(j + 3, len(ocr))):
                s = difflib.SequenceMatcher(None, fold(r), fold(ocr[k])).ratio()
                if s > best:
                    best, bj = s, k
            if best < 0.6:
                continue
            j = bj + 1
            o = unicodedata.normalize("NFC", ocr[bj])
            chunks, dist = align(r, o)
            if dist > 0.5 * len(r):
                continue
            for c, s in zip(r, chunks):
                chan[(c, s)] += 1
            # Token pairs: a source word and what its chars became.
            start = 0
            for w in r.split(" ") + [None]:
                if w is None:
                    break
                end = start + len(w)
                got = "".join(chunks[start:end]).strip()
                glued = end < len(r) and chunks[end] == ""
                core = w.strip(".,;:()\"'“”")
                if core and core.isalpha() and got and not glued and " " not in got:
                    lex[(got.strip(".,;:()\"'“”"), core)] += 1
                    pairs += 1
                start = end + 1
    os.makedirs(models, exist_ok=True)
    with open(os.path.join(models, "ocr-channel.tsv"), "w", encoding="utf-8") as f:
        for (c, s), n in sorted(chan.items()):
            if "\t" not in s and "\n" not in s:
                f.write(f"{c}\t{s}\t{n}\n")
    with open(os.path.join(models, "ocr-lexicon.tsv"), "w", encoding="utf-8") as f:
        for (o, c), n in sorted(lex.items()):
            if n >= 2 and o and "\t" not in o:
                f.write(f"{o}\t{c}\t{n}\n")
    print(f"{pairs} aligned token pairs, {len(chan)} channel entries", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
