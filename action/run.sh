#!/usr/bin/env bash
# Step 2 of action.yml: run pagerproof on the checked-out workspace.
#   1. SARIF of every finding not in the baseline, for code scanning (which
#      tracks new and fixed alerts itself, so it gets them all);
#   2. the new findings (not in the baseline; with a base ref, those on lines
#      added or changed since the merge base first) as JSON: its exit status
#      decides the job and the outputs are read from it;
#   3. annotations of the same findings, and a Markdown summary of them for
#      $GITHUB_STEP_SUMMARY.
# Inputs come as INPUT_* variables; outputs go to $GITHUB_OUTPUT. This step
# itself only fails on an error, so the SARIF upload still runs.
set -euo pipefail
pagerproof="${PAGERPROOF:-pagerproof}"
# A directory per use, so two uses in one job keep their files apart.
out_dir="$(mktemp -d "${RUNNER_TEMP:-/tmp}/pagerproof.XXXXXX")"
sarif="$out_dir/pagerproof.sarif"
report="$out_dir/new-findings.json"
summary="$out_dir/summary.md"

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
# No fail-on input: pagerproof takes the config's fail_on, else warning, as a
# local run does.
gate=("${new[@]}")
if [ -n "${INPUT_FAIL_ON:-}" ]; then gate+=(--fail-on "$INPUT_FAIL_ON"); fi

status=0
"$pagerproof" check "${args[@]}" --quiet --fail-on never --format sarif -o "$sarif" -- "${paths[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "exit-code=$status" >> "$GITHUB_OUTPUT"
  exit 0
fi
echo "sarif=$sarif" >> "$GITHUB_OUTPUT"

"$pagerproof" check "${gate[@]}" --quiet --format json -o "$report" -- "${paths[@]}" || status=$?
if [ "$status" -gt 1 ] || [ ! -f "$report" ]; then
  echo "exit-code=$status" >> "$GITHUB_OUTPUT"
  exit 0
fi
echo "json=$report" >> "$GITHUB_OUTPUT"
if ! command -v python3 >/dev/null 2>&1; then
  echo "::error::pagerproof action: python3 is needed to read the JSON report (every GitHub-hosted runner has it)"
  echo "exit-code=2" >> "$GITHUB_OUTPUT"
  exit 0
fi
python3 - "$report" >> "$GITHUB_OUTPUT" <<'PY'
import json, sys

with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
summary = doc["summary"]
print(f"new-findings={len(doc['diagnostics'])}")
for key in ("errors", "warnings", "notes"):
    print(f"{key}={int(summary[key])}")
PY

# The same findings again, as annotations and as the job summary; the JSON
# run above already decided the exit code.
"$pagerproof" check "${new[@]}" --fail-on never --format github -- "${paths[@]}" || true
"$pagerproof" check "${new[@]}" --quiet --fail-on never --format markdown -o "$summary" -- "${paths[@]}" || true
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$summary" ]; then cat "$summary" >> "$GITHUB_STEP_SUMMARY"; fi
echo "exit-code=$status" >> "$GITHUB_OUTPUT"
