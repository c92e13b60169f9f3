#!/usr/bin/env bash
# Runs every test: unit, integration (fake Passwordless API), local API
# contract and ceremonies, and the browser flows in headless Chromium.
# Installs Chromium first when it is missing (Debian/Ubuntu), because no
# browser test may be skipped silently.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sh scripts/install-chromium.sh

# nextest runs each test in its own process and caps concurrent browser tests
# (.config/nextest.toml); plain `cargo test` is the fallback.
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --all-targets "$@"
else
    cargo test --locked --all-targets "$@"
fi
