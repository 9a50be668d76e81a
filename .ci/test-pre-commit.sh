#!/usr/bin/env bash
# Runs `pre-commit try-repo` against a temporary repository: the hooks report
# findings in the staged files only (Python, TS/JS and SQL migrations among
# them), with project facts from the whole repository, and honour the
# config's exclude.
# Usage: test-pre-commit.sh PRE_COMMIT PAGERPROOF_BINARY [HOOK...]
# HOOK defaults to pagerproof-system (the binary on PATH, via try-repo). The
# `pagerproof` hook (language: python) makes pre-commit pip-install this
# repository at HEAD, a maturin build of the wheel (once); set
# CARGO_TARGET_DIR to reuse a release build.
# HOOK `wheel:FILE` runs the `pagerproof` hook's definition as a local hook
# (`repo: local`) whose only dependency is the wheel FILE: the hook as users
# without a Rust toolchain run it from PyPI, with no build at all.
set -euo pipefail
pre_commit="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
bin_dir="$(cd "$(dirname "$2")" && pwd)"
shift 2
hooks=()
for h in "${@:-pagerproof-system}"; do
  # A wheel's path is taken from here; the scenarios run elsewhere.
  [[ "$h" == wheel:* ]] && h="wheel:$(cd "$(dirname "${h#wheel:}")" && pwd)/$(basename "${h#wheel:}")"
  hooks+=("$h")
done
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$bin_dir:$PATH" NO_COLOR=1
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export PRE_COMMIT_HOME="$tmp/cache"
fail() { echo "FAIL ($hook): $*"; echo "$out"; exit 1; }

# .pre-commit-config.yaml with this repository's `pagerproof` hook as a local
# hook that installs the wheel FILE.
local_hook_config() {
  "$(dirname "$pre_commit")/python" - "$root/.pre-commit-hooks.yaml" "$1" <<'PY'
import sys, yaml
hook = next(h for h in yaml.safe_load(open(sys.argv[1])) if h["id"] == "pagerproof")
assert hook["language"] == "python", hook
hook["additional_dependencies"] = ["pagerproof @ file://" + sys.argv[2]]
print(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
PY
}

scenarios() {
  local hook="$1" repo
  repo="$(mktemp -d "$tmp/repo.XXXXXX")" && cd "$repo"
  git init -q -b main
  if [[ "$hook" == wheel:* ]]; then
    local_hook_config "${hook#wheel:}" > .pre-commit-config.yaml
    git add .pre-commit-config.yaml
    try() { "$pre_commit" run 2>&1; }
  elif [ "$hook" = pagerproof-system ]; then
    try() { "$pre_commit" try-repo "$root" "$hook" 2>&1; }
  else
    # try-repo installs into a new temporary store on every call: a hook with
    # an environment to build is run from a config naming this repository at
    # its HEAD (uncommitted changes are not seen), built once in
    # PRE_COMMIT_HOME.
    printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: %s\n' \
      "$root" "$(git -C "$root" rev-parse HEAD)" "$hook" > .pre-commit-config.yaml
    git add .pre-commit-config.yaml
    try() { "$pre_commit" run 2>&1; }
  fi
  # The rules these scenarios rely on are preview rules: the team's config
  # turns them on.
  printf 'select = ["PP201", "PP801"]\n' > pagerproof.toml
  git add pagerproof.toml
  printf 'def ok():\n    return 1\n' > clean.py
  printf 'import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n' > unstaged.py
  git add clean.py

  # Staged clean file (an unstaged finding is not looked at): passes.
  out="$(try)" || fail "clean staged file should pass"
  echo "$out" | grep -q "pagerproof.*Passed" || fail "hook did not run"

  # Staged finding: fails and names it.
  mkdir -p app
  printf 'import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n' > app/net.py
  git add app/net.py
  if out="$(try)"; then fail "staged finding should fail"; fi
  echo "$out" | grep -q "app/net.py:5:12: PP201" || fail "finding not reported"
  echo "$out" | grep -q "unstaged.py" && fail "unstaged file was checked"

  # The config's exclude holds for the files pre-commit passes.
  printf 'select = ["PP201", "PP801"]\nexclude = ["app"]\n' > pagerproof.toml
  git add pagerproof.toml
  out="$(try)" || fail "excluded file should not fail"
  git commit -q -m base --no-verify

  # A staged SQL migration with an unsafe statement fails; the table it
  # indexes exists because a committed migration created it.
  mkdir -p db/migrations
  printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' > db/migrations/001_users.sql
  git add db/migrations/001_users.sql && git commit -q -m users --no-verify
  printf 'CREATE INDEX users_email ON users (email);\n' > db/migrations/002_email_index.sql
  git add db/migrations/002_email_index.sql
  if out="$(try)"; then fail "unsafe staged migration should fail"; fi
  echo "$out" | grep -q "db/migrations/002_email_index.sql:1:1: PP801" || fail "migration finding not reported"
  echo "$out" | grep -q "001_users.sql" && fail "committed migration was reported"
  printf 'CREATE INDEX CONCURRENTLY users_email ON users (email);\n' > db/migrations/002_email_index.sql
  git add db/migrations/002_email_index.sql
  out="$(try)" || fail "safe staged migration should pass"
  git commit -q -m index --no-verify

  # Facts come from the committed files too: alone, a staged `axios.get(u)`
  # fails ...
  mkdir -p web
  printf "import axios from 'axios';\nexport const f = (u: string) => axios.get(u);\n" > web/client.ts
  git add web/client.ts
  if out="$(try)"; then fail "axios.get without a default timeout should fail"; fi
  echo "$out" | grep -q "web/client.ts:2:.*PP201" || fail "axios finding not reported"
  # ... and passes once a committed file sets `axios.defaults.timeout`.
  git reset -q web/client.ts
  printf "import axios from 'axios';\naxios.defaults.timeout = 5000;\n" > web/setup.ts
  git add web/setup.ts && git commit -q -m setup --no-verify
  git add web/client.ts
  out="$(try)" || fail "axios.get with a committed default timeout should pass"
  echo "$out" | grep -q "pagerproof.*Passed" || fail "hook did not run on the staged client"
  cd "$tmp"
}

for hook in "${hooks[@]}"; do
  start=$SECONDS
  scenarios "$hook"
  echo "pre-commit test passed: $hook ($((SECONDS - start))s)"
done
