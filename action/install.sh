#!/usr/bin/env bash
# Step 1 of action.yml: find or build pagerproof. A `pagerproof` already on PATH
# (installed by an earlier step) is used as is; then a build restored by the
# cache step (keyed on the action's sources, see key.sh); otherwise the
# action's own source is built with cargo (crates.io only, as any Rust job)
# into the cached folder, so the next job restores it.
set -euo pipefail
if command -v pagerproof >/dev/null 2>&1; then
  bin="$(command -v pagerproof)"
else
  root="${RUNNER_TEMP:-/tmp}/pagerproof-build"
  bin="$root/bin/pagerproof"
  if [ -x "$bin" ]; then
    echo "pagerproof: using the cached build in $root"
  else
    cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$root"
  fi
fi
"$bin" --version
echo "pagerproof=$bin" >> "$GITHUB_OUTPUT"
