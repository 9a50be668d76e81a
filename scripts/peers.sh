#!/usr/bin/env bash
# Times pagerproof and its peers on the same files, in one run, on this machine.
#
#   scripts/peers.sh --python DIR... --ts DIR...
#
# Peers (installed into target/peers on first use, from PyPI and npm):
#   semgrep  the registry rules for the same categories, read from a local
#            checkout of semgrep/semgrep-rules (SEMGREP_RULES, default
#            /tmp/semgrep-rules; never fetched by this script), --metrics=off
#   bandit   all its (security) checks, Python only
#   ruff     the rules closest to pagerproof's: BLE (blind except), S110/S112
#            (try-except-pass/continue), S113 (request without timeout),
#            B012 (jump in finally), TRY (exception handling), G (logging)
#   ast-grep one rule per language (request/fetch without timeout), to time
#            the engine rather than a rule pack
#   oxlint   its default rules, TypeScript/JavaScript only
# and pagerproof with every rule on (--select ALL --preview), no cache, -j 2.
# Rule sets differ: this compares engines doing comparable work, not findings.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=() TS=()
mode=
for a in "$@"; do
  case "$a" in
    --python) mode=py ;;
    --ts) mode=ts ;;
    *) if [ "$mode" = py ]; then PY+=("$a"); else TS+=("$a"); fi ;;
  esac
done
PEERS=target/peers
RULES=${SEMGREP_RULES:-/tmp/semgrep-rules}
mkdir -p "$PEERS"
if [ ! -x "$PEERS/venv/bin/semgrep" ]; then
  python3 -m venv "$PEERS/venv"
  "$PEERS/venv/bin/pip" install -q semgrep bandit ruff
fi
if [ ! -x "$PEERS/node_modules/.bin/oxlint" ]; then
  (cd "$PEERS" && npm init -y >/dev/null && npm install --silent oxlint @ast-grep/cli)
fi
cargo build --release -q
BIN=$PWD/target/release/pagerproof
export SEMGREP_SEND_METRICS=off

SG_CONFIG=$(mktemp -d)
trap 'rm -rf "$SG_CONFIG"' EXIT
mkdir -p "$SG_CONFIG/rules"
printf 'ruleDirs: [rules]\n' > "$SG_CONFIG/sgconfig.yml"
cat > "$SG_CONFIG/rules/py.yml" <<'YML'
id: requests-without-timeout
language: python
severity: warning
message: request without timeout
rule:
  pattern: requests.$M($$$ARGS)
  not:
    has:
      stopBy: end
      kind: keyword_argument
      regex: ^timeout
YML
cat > "$SG_CONFIG/rules/ts.yml" <<'YML'
id: empty-catch
language: typescript
severity: warning
message: empty catch
rule:
  pattern: try { $$$A } catch ($E) { }
YML

time_it() { # name, command...
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || true
  end=$(date +%s.%N)
  printf '%-10s %-8s %8.2f s\n' "$name" "$lang" "$(echo "$end - $start" | bc)"
}

for lang in python ts; do
  if [ "$lang" = python ]; then dirs=("${PY[@]}"); else dirs=("${TS[@]}"); fi
  [ ${#dirs[@]} -eq 0 ] && continue
  # pagerproof exits 1 when it finds something: only its JSON matters here.
  lines=$({ "$BIN" check --no-cache --no-progress --format json "${dirs[@]}" || true; } | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["lines_checked"])')
  echo "== $lang: ${dirs[*]} ($lines lines checked by pagerproof)"
  time_it pagerproof "$BIN" check -j 2 --no-cache --no-progress --select ALL --preview --format concise "${dirs[@]}"
  if [ "$lang" = python ]; then
    time_it semgrep "$PEERS/venv/bin/semgrep" scan --metrics=off --disable-version-check --jobs 2 --quiet \
      --config "$RULES/python/requests/best-practice" --config "$RULES/python/django/performance" \
      --config "$RULES/python/lang/best-practice" "${dirs[@]}"
    time_it bandit "$PEERS/venv/bin/bandit" -r -q "${dirs[@]}"
    time_it ruff "$PEERS/venv/bin/ruff" check --no-cache --select BLE,S110,S112,S113,B012,TRY,G --exit-zero "${dirs[@]}"
    time_it ast-grep "$PEERS/node_modules/.bin/ast-grep" scan -c "$SG_CONFIG/sgconfig.yml" -j 2 "${dirs[@]}"
  else
    time_it semgrep "$PEERS/venv/bin/semgrep" scan --metrics=off --disable-version-check --jobs 2 --quiet \
      --config "$RULES/javascript/lang/best-practice" --config "$RULES/javascript/lang/correctness" --config "$RULES/typescript/lang/best-practice" --config "$RULES/typescript/lang/correctness" "${dirs[@]}"
    time_it oxlint "$PEERS/node_modules/.bin/oxlint" --threads 2 "${dirs[@]}"
    time_it ast-grep "$PEERS/node_modules/.bin/ast-grep" scan -c "$SG_CONFIG/sgconfig.yml" -j 2 "${dirs[@]}"
  fi
done
