#!/usr/bin/env sh
# Renders the README's pictures (sign-up, sign-in and account pages at desktop
# and phone widths) into docs/screenshots/, with the app in local mode in
# headless Chromium.
set -eu
cd "$(dirname "$0")/.."
scripts/install-chromium.sh
cargo test --test browser -- --ignored --exact screenshots::render_the_readme_screenshots
ls -l docs/screenshots/
