#!/usr/bin/env bash
# Peak memory of `vanban extract -o` on 1,000 vs 10,000 small documents (issue 14:
# within 1.5x). Documents are cut from the committed seeds, as tests/it/batch.rs does.
# Usage: tools/batch-memory/run.sh [SMALL LARGE]  (default 1000 10000)
# Needs GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/../.."
small=${1:-1000}
large=${2:-10000}
cargo build --release --locked --bin vanban >/dev/null
bin=$PWD/target/release/vanban
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# N documents in 20 folders: a number line plus 4-10 lines of a seed.
generate() {
  python3 - "$1" "$2" <<'PY'
import os, sys, glob
n, out = int(sys.argv[1]), sys.argv[2]
seeds = [open(p, encoding="utf-8").read().split("\n") for p in sorted(glob.glob("fixtures/seeds/*.txt"))]
for i in range(n):
    lines = seeds[i % len(seeds)]
    start = (i * 7) % (len(lines) - 10)
    body = "\n".join(lines[start:start + 4 + i % 7])
    d = os.path.join(out, f"d{i % 20}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"{i:05}.txt"), "w", encoding="utf-8") as f:
        f.write(f"Số: {i}/KH-UBND\n{body}\n")
PY
}

peak_kb() {
  /usr/bin/time -v "$bin" extract "$1" -o "$2" -q 2>&1 >/dev/null |
    awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'
}

for n in "$small" "$large"; do
  generate "$n" "$work/in-$n"
  kb=$(peak_kb "$work/in-$n" "$work/out-$n")
  echo "$n documents: peak RSS $((kb / 1024)) MiB ($kb KiB)"
  eval "kb_$n=$kb"
done
small_kb=$(eval echo "\$kb_$small")
large_kb=$(eval echo "\$kb_$large")
python3 -c "print(f'ratio {${large_kb}/${small_kb}:.2f} (target <= 1.5)')"
