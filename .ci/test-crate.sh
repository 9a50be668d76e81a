#!/usr/bin/env bash
# Packages the crate (`cargo package`) and installs the binary from the
# packaged `.crate` (`cargo install`), then runs the installed `pagerproof`
# on a fixture: proves `cargo install pagerproof` builds from what is
# published (Cargo.toml's `include`), not from the checkout.
#
# `--no-verify`: verification would build the unpacked crate a second time (a
# debug build, with features resolved without the dev-dependencies); the
# install below builds the same unpacked sources. It is a `--debug` install
# sharing target/ with `cargo test`: it recompiles only pagerproof itself, and
# without the release profile's LTO (about 3 minutes of a 30-minute CI budget).
# What this proves is that the published file list builds and runs; the
# release profile is built and run by the rest of .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
crate="target/package/pagerproof-$version.crate"
rm -rf "$crate" target/ci-crate
cargo package --locked --no-verify
mkdir -p target/ci-crate
tar -xzf "$crate" -C target/ci-crate
cargo install --debug --locked --path "target/ci-crate/pagerproof-$version" \
  --root target/ci-crate/install --target-dir "$root/target"

bash .ci/check-installed.sh "$root/target/ci-crate/install/bin/pagerproof" "$version"
echo "crate test passed: $crate ($(du -h "$crate" | cut -f1), $(tar -tzf "$crate" | wc -l) files)"
