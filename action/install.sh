#!/usr/bin/env bash
# Step 1 of action.yml: find or build pagerproof. A `pagerproof` already on PATH
# (installed by an earlier step, or cached) is used as is; otherwise the
# action's own source is built with cargo (crates.io only, as any Rust job).
set -euo pipefail
if command -v pagerproof >/dev/null 2>&1; then
  bin="$(command -v pagerproof)"
else
  root="${RUNNER_TEMP:-/tmp}/pagerproof"
  cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$root"
  bin="$root/bin/pagerproof"
fi
"$bin" --version
echo "pagerproof=$bin" >> "$GITHUB_OUTPUT"
