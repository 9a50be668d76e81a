#!/usr/bin/env bash
# Step 2 of action.yml: run pagerproof three ways on the checked-out workspace.
#   1. SARIF of every finding not in the baseline, for code scanning (which
#      tracks new and fixed alerts itself, so it gets them all);
#   2. annotations of the new findings (not in the baseline, on lines added or
#      changed since the merge base); their exit status decides the job;
#   3. a Markdown summary of the new findings for $GITHUB_STEP_SUMMARY.
# Inputs come as INPUT_* variables; outputs go to $GITHUB_OUTPUT. This step
# itself only fails on an error, so the SARIF upload still runs.
set -euo pipefail
pagerproof="${PAGERPROOF:-pagerproof}"
out_dir="${RUNNER_TEMP:-/tmp}"
sarif="$out_dir/pagerproof.sarif"

# The result cache lives in the runner's temporary directory, never in the
# checkout, where a pull request could plant results that hide its findings.
args=(--no-progress --cache-dir "$out_dir/pagerproof-cache")
if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
if [ -n "${INPUT_BASELINE:-}" ]; then args+=(--baseline "$INPUT_BASELINE"); fi
read -r -a paths <<< "${INPUT_PATHS:-.}"
if [ "${#paths[@]}" -eq 0 ]; then paths=(.); fi

base="${INPUT_BASE_REF:-}"
if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  base="origin/$GITHUB_BASE_REF"
  if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    git fetch --no-tags --quiet origin "+refs/heads/$GITHUB_BASE_REF:refs/remotes/$base" || true
  fi
fi
new=("${args[@]}")
if [ -n "$base" ]; then new+=(--diff-base "$base"); fi

status=0
"$pagerproof" check "${args[@]}" --quiet --fail-on never --format sarif -o "$sarif" -- "${paths[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "exit-code=$status" >> "$GITHUB_OUTPUT"
  exit 0
fi
echo "sarif=$sarif" >> "$GITHUB_OUTPUT"

"$pagerproof" check "${new[@]}" --fail-on "${INPUT_FAIL_ON:-warning}" --format github -- "${paths[@]}" || status=$?

summary="$out_dir/pagerproof-summary.md"
"$pagerproof" check "${new[@]}" --quiet --fail-on never --format markdown -o "$summary" -- "${paths[@]}" || true
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$summary" ]; then cat "$summary" >> "$GITHUB_STEP_SUMMARY"; fi
count="$(grep -c '^- `' "$summary" 2>/dev/null || true)"
more="$(sed -n 's/^- and \([0-9]*\) more$/\1/p' "$summary" 2>/dev/null || true)"
echo "new-findings=$(( ${count:-0} + ${more:-0} ))" >> "$GITHUB_OUTPUT"
echo "exit-code=$status" >> "$GITHUB_OUTPUT"
