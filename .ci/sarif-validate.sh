#!/usr/bin/env bash
# Validates pagerproof's SARIF with Microsoft's SARIF multitool, using both the
# SARIF spec rules and GitHub code scanning's ingestion rules ("Sarif;Gh").
#
#   .ci/sarif-validate.sh [PAGERPROOF_BINARY]   (default: target/release/pagerproof)
#
# Environment:
#   PAGERPROOF_TOOLS         where the multitool is installed with npm
#                          (default: target/tools; installed only if missing)
#   PAGERPROOF_SARIF_STRICT  set to 1 to fail on validator warnings too
#
# Two logs are checked: every fail fixture at once with every rule
# (`--select ALL --preview`), and a small generated project whose notices
# (syntax error, binary file) and odd paths exercise toolExecutionNotifications
# and URI encoding. The multitool exits 0 even when it finds errors, so its
# own SARIF output is parsed here: any `error` result fails the script.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${1:-target/release/pagerproof}
TOOLS=${PAGERPROOF_TOOLS:-$PWD/target/tools}
STRICT=${PAGERPROOF_SARIF_STRICT:-0}

if [[ ! -x "$BIN" ]]; then
    echo "error: pagerproof binary not found at $BIN (build it, or pass its path)" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

case "$(uname -s)" in
    Linux) platform=linux ;;
    Darwin) platform=darwin ;;
    *) echo "error: no native sarif-multitool for $(uname -s)" >&2; exit 2 ;;
esac
# Call the native binary, not the npm `.bin` shim: the shim goes through a
# shell, which splits "Sarif;Gh" at the semicolon.
MULTITOOL="$TOOLS/node_modules/@microsoft/sarif-multitool-$platform/Sarif.Multitool"
if [[ ! -e "$MULTITOOL" ]]; then
    echo "Installing @microsoft/sarif-multitool into $TOOLS" >&2
    mkdir -p "$TOOLS"
    npm install --no-audit --no-fund --prefix "$TOOLS" @microsoft/sarif-multitool >&2
fi
[[ -x "$MULTITOOL" ]] || chmod u+x "$MULTITOOL"
# The tool is .NET; containers often lack ICU.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-1}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# pagerproof exits 1 when it finds something, which is the point here; 2 is a
# real failure.
run_pagerproof() {
    local status=0
    "$BIN" check --format sarif --no-progress --quiet "$@" || status=$?
    if (( status > 1 )); then
        echo "error: pagerproof exited with $status" >&2
        exit 2
    fi
}

# 1. All fail fixtures, all rules.
shopt -s nullglob
fail_fixtures=(fixtures/*/fail*)
if (( ${#fail_fixtures[@]} == 0 )); then
    echo "error: no fail fixtures under fixtures/" >&2
    exit 2
fi
run_pagerproof --select ALL --preview -o "$WORK/fixtures.sarif" "${fail_fixtures[@]}"

# 2. Notices and awkward paths.
mkdir -p "$WORK/project/src/with space"
printf 'def f(:\n    try:\n        pass\n    finally:\n        return 1\n' > "$WORK/project/src/broken.py"
printf 'x\0y' > "$WORK/project/src/blob.js"
printf '# caf\xc3\xa9 \xf0\x9d\x84\x9e\ndef g():\n    try:\n        pass\n    finally:\n        s = "\xf0\x9d\x84\x9e"; return 2\n' > "$WORK/project/src/with space/m\xc3\xa9#1%.py"
(cd "$WORK/project" && run_pagerproof --select ALL --preview -o "$WORK/notices.sarif" .)

status=0
for log in "$WORK/fixtures.sarif" "$WORK/notices.sarif"; do
    out="$log.validation.sarif"
    rm -f "$out"
    "$MULTITOOL" validate --rule-kind "Sarif;Gh" --output "$out" "$log" > "$WORK/multitool.log" 2>&1 || {
        cat "$WORK/multitool.log" >&2
        echo "error: the multitool failed on $log" >&2
        exit 2
    }
    if [[ ! -s "$out" ]]; then
        cat "$WORK/multitool.log" >&2
        echo "error: the multitool wrote no output for $log" >&2
        exit 2
    fi
    python3 - "$out" "$(basename "$log")" "$STRICT" <<'PY' || status=1
import json, re, sys

path, name, strict = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with open(path, encoding="utf-8") as f:
    log = json.load(f)

counts = {"error": 0, "warning": 0, "note": 0}
for run in log.get("runs", []):
    driver = run["tool"]["driver"]
    rules = {r["id"]: r for r in driver.get("rules", [])}
    for ext in run["tool"].get("extensions", []):
        rules.update({r["id"]: r for r in ext.get("rules", [])})
    for result in run.get("results", []):
        level = result.get("level", "warning")
        counts[level] = counts.get(level, 0) + 1
        if level == "note":
            continue
        message = result.get("message", {})
        text = message.get("text")
        if text is None:
            rule = rules.get(result.get("ruleId"), {})
            template = rule.get("messageStrings", {}).get(message.get("id"), {}).get("text", "")
            args = message.get("arguments", [])
            text = re.sub(r"\{(\d+)\}", lambda m: args[int(m.group(1))] if int(m.group(1)) < len(args) else m.group(0), template) or repr(args)
        print(f"{name}: {level} {result.get('ruleId')}: {text}")

print(f"{name}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s)")
sys.exit(1 if counts["error"] or (strict and counts["warning"]) else 0)
PY
done

if (( status != 0 )); then
    echo "SARIF validation failed" >&2
else
    echo "SARIF validation passed"
fi
exit $status
