#!/usr/bin/env bash
# Step 1 of action.yml: find or build prodlint. A `prodlint` already on PATH
# (installed by an earlier step, or cached) is used as is; otherwise the
# action's own source is built with cargo (crates.io only, as any Rust job).
set -euo pipefail
if command -v prodlint >/dev/null 2>&1; then
  bin="$(command -v prodlint)"
else
  root="${RUNNER_TEMP:-/tmp}/prodlint"
  cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$root"
  bin="$root/bin/prodlint"
fi
"$bin" --version
echo "prodlint=$bin" >> "$GITHUB_OUTPUT"
