#!/usr/bin/env bash
# Runs an installed `pagerproof` (from the wheel or the packaged crate) as a
# user would: it reports its version, and, from outside the checkout on a
# copy of a fixture, it finds what it must. Usage: check-installed.sh BINARY VERSION
set -euo pipefail
installed="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" version="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }
out="$("$installed" --version)"
[ "$out" = "pagerproof $version" ] || fail "unexpected version"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/fixtures/request-without-timeout/fail.py" "$work/client.py"
if out="$(cd "$work" && NO_COLOR=1 "$installed" check --no-cache --format concise --select PP201 client.py)"; then
  fail "the installed pagerproof passed a file with findings"
fi
echo "$out" | grep -q '^client.py:13:12: PP201 ' || fail "the finding is missing"
