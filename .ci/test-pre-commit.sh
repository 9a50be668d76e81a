#!/usr/bin/env bash
# Runs `pre-commit try-repo` against a temporary repository: the hook checks
# the staged files only, fails on a staged finding and passes on clean ones.
# Usage: test-pre-commit.sh PRE_COMMIT PAGERPROOF_BINARY
set -euo pipefail
pre_commit="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
bin_dir="$(cd "$(dirname "$2")" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$bin_dir:$PATH" NO_COLOR=1
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export PRE_COMMIT_HOME="$tmp/cache"
cd "$tmp" && mkdir repo && cd repo
git init -q -b main
# request-without-timeout is a preview rule: the team turns it on.
printf 'select = ["PP201"]\n' > pagerproof.toml
git add pagerproof.toml
printf 'def ok():\n    return 1\n' > clean.py
printf 'import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n' > unstaged.py
git add clean.py
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }

# Staged clean file (an unstaged finding is not looked at): passes.
out="$("$pre_commit" try-repo "$root" pagerproof-system 2>&1)" || fail "clean staged file should pass"
echo "$out" | grep -q "pagerproof.*Passed" || fail "hook did not run"

# Staged finding: fails and names it.
mkdir -p app
printf 'import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n' > app/net.py
git add app/net.py
if out="$("$pre_commit" try-repo "$root" pagerproof-system 2>&1)"; then fail "staged finding should fail"; fi
echo "$out" | grep -q "app/net.py:5:12: PP201" || fail "finding not reported"
echo "$out" | grep -q "unstaged.py" && fail "unstaged file was checked"

# The config's exclude holds for the files pre-commit passes.
printf 'select = ["PP201"]\nexclude = ["app"]\n' > pagerproof.toml
git add pagerproof.toml
out="$("$pre_commit" try-repo "$root" pagerproof-system 2>&1)" || fail "excluded file should not fail"
echo "pre-commit test passed"
