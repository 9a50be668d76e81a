#!/usr/bin/env bash
# Step 0 of action.yml: where a build of pagerproof is cached and under which
# key. The key hashes the action's own sources, so a new version of the
# action builds once, and every later job on the same runner OS and
# architecture restores that build instead of compiling again. With a
# `pagerproof` already on PATH nothing is cached (cached=path).
set -euo pipefail
if command -v pagerproof >/dev/null 2>&1; then
  echo "cached=path" >> "$GITHUB_OUTPUT"
  exit 0
fi
sources="$(cd "$GITHUB_ACTION_PATH" && find Cargo.toml Cargo.lock src rules -type f -print0 | sort -z \
  | xargs -0 sha256sum | sha256sum | cut -c1-16)"
{
  echo "cached=build"
  echo "dir=${RUNNER_TEMP:-/tmp}/pagerproof-build"
  echo "key=pagerproof-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}-$sources"
} >> "$GITHUB_OUTPUT"
