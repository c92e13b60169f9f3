#!/usr/bin/env bash
# Vendors the official Passwordless.dev browser client into static/vendor/.
#
# The app serves the client from its own origin (CSP script-src 'self'), so
# the file has to live in the repository. This script is the only way it
# gets there: it fetches one pinned version from the npm registry, refuses a
# tarball whose integrity differs from the pinned value, copies the UMD build
# unmodified, adds the Apache-2.0 licence and a NOTICE, and prints the SRI
# value that src/assets.rs must carry.
#
# Usage: scripts/vendor-client.sh        (needs npm and node on PATH)
# To upgrade: change VERSION and INTEGRITY (from `npm view
# @passwordlessdev/passwordless-client@X dist.integrity`), run the script,
# update src/assets.rs with the printed path and SRI value.
set -euo pipefail

PACKAGE="@passwordlessdev/passwordless-client"
VERSION="1.2.4"
INTEGRITY="sha512-VylwjDJeLiy5rjCPL/e6mKbYUUiwN9CV8sg0oAXCo/LsMSvEpcdzlbfM/FFB1gwzrlkl+a6XAmMtcMxOpfwjag=="
JS_IN_TARBALL="package/dist/umd/passwordless.umd.min.js"

# The 1.2.4 tarball ships no licence file although package.json points to
# LICENSE.txt. The repository's licence is Apache-2.0, and the 1.1.2 tarball
# carries that same LICENSE.txt, so it is taken from there (also pinned).
LICENSE_VERSION="1.1.2"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor/passwordless-client/$VERSION"

die() { echo "vendor-client: $*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required (apt-get install npm, or install Node.js)"
command -v node >/dev/null || die "node is required"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# `npm pack` downloads the exact tarball the registry serves for a version,
# without installing anything or running package scripts.
fetch() {
    local version="$1"
    (cd "$WORK" && npm pack --silent "$PACKAGE@$version" >/dev/null) \
        || die "npm pack $PACKAGE@$version failed"
    local tgz="$WORK/passwordlessdev-passwordless-client-$version.tgz"
    [[ -f "$tgz" ]] || die "npm pack did not produce $tgz"
    echo "$tgz"
}

# npm integrity strings are "sha512-" + base64 of the raw digest.
sha512_sri() {
    node -e '
        const fs = require("fs"), crypto = require("crypto");
        const digest = crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64");
        process.stdout.write("sha512-" + digest);
    ' "$1"
}

sha384_sri() {
    node -e '
        const fs = require("fs"), crypto = require("crypto");
        const digest = crypto.createHash("sha384").update(fs.readFileSync(process.argv[1])).digest("base64");
        process.stdout.write("sha384-" + digest);
    ' "$1"
}

TGZ="$(fetch "$VERSION")"
ACTUAL="$(sha512_sri "$TGZ")"
if [[ "$ACTUAL" != "$INTEGRITY" ]]; then
    echo "vendor-client: INTEGRITY MISMATCH for $PACKAGE@$VERSION" >&2
    echo "  expected: $INTEGRITY" >&2
    echo "  actual:   $ACTUAL" >&2
    die "refusing to vendor a tarball that differs from the pinned one"
fi
echo "tarball integrity ok: $ACTUAL"

mkdir -p "$WORK/pkg"
tar -xzf "$TGZ" -C "$WORK/pkg" "$JS_IN_TARBALL" \
    || die "$JS_IN_TARBALL not found in the tarball"

LICENSE_TGZ="$(fetch "$LICENSE_VERSION")"
mkdir -p "$WORK/lic"
tar -xzf "$LICENSE_TGZ" -C "$WORK/lic" package/LICENSE.txt \
    || die "LICENSE.txt not found in the $LICENSE_VERSION tarball"
LICENSE_FILE="$WORK/lic/package/LICENSE.txt"
# A wrong file here would misstate the terms we redistribute under.
grep -q "Apache License" "$LICENSE_FILE" && grep -q "Version 2.0, January 2004" "$LICENSE_FILE" \
    || die "LICENSE.txt from $PACKAGE@$LICENSE_VERSION is not the Apache-2.0 text"

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$WORK/pkg/$JS_IN_TARBALL" "$DEST/passwordless.umd.min.js"
cp "$LICENSE_FILE" "$DEST/LICENSE.txt"

SRI="$(sha384_sri "$DEST/passwordless.umd.min.js")"

cat >"$DEST/NOTICE.md" <<EOF
# Vendored: $PACKAGE $VERSION

\`passwordless.umd.min.js\` is \`dist/umd/passwordless.umd.min.js\` from the npm
package \`$PACKAGE@$VERSION\`, copied byte for byte. It defines the global
\`Passwordless\` (\`new Passwordless.Client({ apiKey, apiUrl })\`).

- Source: https://github.com/bitwarden/passwordless-client-js (git tag \`$VERSION\`)
- npm tarball integrity: \`$INTEGRITY\`
- File SRI (the \`integrity\` attribute on its script tag): \`$SRI\`
- Licence: Apache License 2.0, see \`LICENSE.txt\`. The $VERSION tarball ships no
  licence file; \`LICENSE.txt\` is the repository's licence as published in the
  \`$LICENSE_VERSION\` tarball of the same package.

Do not edit these files. To change version, edit and run
\`scripts/vendor-client.sh\`, then update \`src/assets.rs\`.
EOF

echo "vendored into ${DEST#"$ROOT"/}"
echo "path:      /static/vendor/passwordless-client/$VERSION/passwordless.umd.min.js"
echo "integrity: $SRI"
