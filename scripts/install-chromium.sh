#!/usr/bin/env sh
# Makes sure Chromium is installed for the browser tests (tests/browser/).
#
# The tests drive Chromium over the DevTools protocol; no driver binary and no
# downloaded browser are needed. On Debian or Ubuntu this installs the
# `chromium` package when it is missing (with sudo when not root). Elsewhere it
# says what to install and fails, so that no browser test is silently skipped.
set -eu

for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        exit 0
    fi
done
for path in /usr/bin/chromium \
    "/Applications/Chromium.app/Contents/MacOS/Chromium" \
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; do
    if [ -x "$path" ]; then
        exit 0
    fi
done

if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=""
    elif command -v sudo >/dev/null 2>&1; then
        as_root="sudo"
    else
        echo "Chromium is missing. As root, run: apt-get update && apt-get install -y chromium" >&2
        exit 1
    fi
    echo "Installing Chromium for the browser tests (apt-get install chromium)..." >&2
    # Ubuntu ships Chromium as a snap behind `chromium-browser`; Debian as `chromium`.
    $as_root apt-get update -qq
    if ! DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium; then
        DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium-browser
    fi
    exit 0
fi

cat >&2 <<'MESSAGE'
Chromium is missing, and the browser tests need it.
Install Chromium or Google Chrome so that `chromium`, `chromium-browser` or
`google-chrome` is on PATH, for example:
  Fedora:  sudo dnf install chromium
  Arch:    sudo pacman -S chromium
  macOS:   brew install --cask chromium
MESSAGE
exit 1
