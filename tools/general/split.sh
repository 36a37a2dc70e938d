#!/bin/sh
# Splits the general-domain corpus (../shared/corpora/general) into a training
# part and a held-out part for `vanban-eval-repair --sets news`.
#
#   tools/general/split.sh [CORPORA] [OUT]      (defaults /work/shared/corpora, /tmp/general)
#
# Writes OUT/train/{news,wiki,places}/*.txt and OUT/heldout/news/*.txt. The
# held-out part is the last HELDOUT lines of each news file (binhvq-sample: its
# last 200), sentences of articles whose other sentences are never trained on
# either, as the files keep each article's sentences together. Wiki and places
# are trained on whole. Deterministic: same archives, same split.
set -eu
CORPORA=${1:-/work/shared/corpora}
OUT=${2:-/tmp/general}
HELDOUT=1000
raw="$OUT/raw"
mkdir -p "$raw" "$OUT/train/news" "$OUT/train/wiki" "$OUT/train/places" "$OUT/heldout/news"
for a in news wiki places; do
	tar -xJf "$CORPORA/general/$a.tar.xz" -C "$raw"
done
for f in "$raw"/news/*.txt; do
	name=$(basename "$f")
	n=$HELDOUT
	[ "$name" = binhvq-sample.txt ] && n=200
	head -n "-$n" "$f" >"$OUT/train/news/$name"
	tail -n "$n" "$f" >"$OUT/heldout/news/$name"
done
cp "$raw"/wiki/*.txt "$OUT/train/wiki/"
cp "$raw"/places/*.txt "$OUT/train/places/"
