#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages, then cargo test,
# then the browser test of the web view. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# libreoffice-writer-nogui: .doc and .rtf are converted by soffice (tests/formats.rs).
packages=(tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core fonts-noto-core fonts-texgyre chromium libreoffice-writer-nogui)
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

# Gates: formatting and lints fail the suite like a failing test.
if command -v rustup >/dev/null; then rustup component add rustfmt clippy >/dev/null 2>&1 || true; fi
cargo fmt --check
cargo clippy --release --locked --all-targets -- -D warnings
cargo test --release --locked
cargo build --release --locked --bin vanban

# The web view in a real headless browser (Debian chromium driven by playwright-core;
# no browser download). Uses the release binary built above.
npm ci --prefix tests/browser --no-audit --no-fund --silent
node tests/browser/e2e.mjs
