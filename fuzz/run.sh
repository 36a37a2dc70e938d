#!/bin/sh
# Runs one fuzz target for a fixed time at low priority (docs/fuzzing.md):
#   fuzz/run.sh TARGET [SECONDS]
# Targets: text html legacy repair pdf_worker http. Crashes land in fuzz/artifacts/TARGET/.
set -eu
target=$1
seconds=${2:-600}
cd "$(dirname "$0")"
case $target in
pdf_worker) seeds="../fixtures/pdf ../fixtures/brokenfonts" ;;
http) seeds=seeds/http ;;
text | html | legacy | repair) seeds=../fixtures/seeds ;;
*)
    echo "unknown target $target" >&2
    exit 2
    ;;
esac
mkdir -p "corpus/$target" "artifacts/$target"
nice -n 19 cargo +nightly fuzz build --sanitizer none "$target"
# The PDF worker writes its JSON reply on stdout; libFuzzer reports on stderr.
nice -n 19 "target/x86_64-unknown-linux-gnu/release/$target" \
    -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" "corpus/$target" $seeds >/dev/null
