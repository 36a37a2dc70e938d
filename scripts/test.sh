#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages, then cargo test,
# then the browser test of the web view. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# default-jre-headless runs the Spark test; python3-venv holds pyspark, pyarrow, duckdb;
# libreoffice-writer-nogui converts .doc and .rtf (tests/it/formats.rs).
packages=(tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core fonts-noto-core fonts-texgyre chromium
  default-jre-headless python3-venv libreoffice-writer-nogui)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# Python tools of the archive tests (tests/it/archive_external.rs): pyspark for the Spark job,
# pyarrow and DuckDB reading the Parquet export, kubernetes-validate (with its bundled
# schemas: no network at test time) for deploy/k8s. Kept in target/ so reruns are fast.
[ -x target/pyenv/bin/python ] || python3 -m venv target/pyenv
target/pyenv/bin/pip install -q --disable-pip-version-check -r tools/spark/requirements.txt \
  pyarrow==26.0.1 duckdb==2.0.1 kubernetes-validate==1.37.0

# Gates: formatting and lints fail the suite like a failing test.
if command -v rustup >/dev/null; then rustup component add rustfmt clippy >/dev/null 2>&1 || true; fi
cargo fmt --check
cargo clippy --release --locked --all-targets -- -D warnings
# The library alone builds without the archive side (SQLite, tantivy, web server, Parquet) or clap.
cargo check --locked --lib --no-default-features
# The API docs (lib.rs lists the public API) build without broken or private links.
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib
# Also builds target/release/vanban (the integration tests run it), which the browser test uses.
cargo test --release --locked
# The vendored pdf-extract's own tests (its fast content decoder against lopdf's).
cargo test --release --locked -p pdf-extract --lib

# The web view in a real headless browser (Debian chromium driven by playwright-core;
# no browser download). Uses the release binary `cargo test` built.
npm ci --prefix tests/browser --no-audit --no-fund --silent
node tests/browser/e2e.mjs
