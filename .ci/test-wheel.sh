#!/usr/bin/env bash
# Builds the PyPI wheel for this platform (maturin, `bindings = "bin"`),
# installs it into a fresh virtual environment from the file alone (no index),
# and runs the installed `pagerproof` on a fixture.
# Usage: test-wheel.sh MATURIN
# maturin builds with the release profile into target/ (CARGO_TARGET_DIR), so
# after `cargo build --release --locked` nothing is compiled again.
set -euo pipefail
maturin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
rm -rf target/ci-wheels target/wheel-venv
CARGO_TARGET_DIR="$root/target" "$maturin" build --release --locked --out target/ci-wheels
wheel="$(ls target/ci-wheels/pagerproof-"$version"-*.whl)"
python3 -m venv target/wheel-venv
target/wheel-venv/bin/pip install --quiet --disable-pip-version-check --no-index "$wheel"

installed="$root/target/wheel-venv/bin/pagerproof"
[ -x "$installed" ] || { echo "FAIL: the wheel installed no pagerproof command"; exit 1; }
# The command the venv puts on PATH is the wheel's.
[ "$(PATH="$root/target/wheel-venv/bin:/usr/bin:/bin" command -v pagerproof)" = "$installed" ] \
  || { echo "FAIL: pagerproof on the venv's PATH is not the wheel's"; exit 1; }
# Outside the checkout: the installed command needs nothing from the source tree.
bash .ci/check-installed.sh "$installed" "$version"
echo "wheel test passed: $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
