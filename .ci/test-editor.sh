#!/usr/bin/env bash
# A real editor against `pagerproof server`: headless Neovim, its built-in
# LSP client, the fixtures in .ci/editor/. Usage: test-editor.sh BINARY
# Installs Neovim from the distribution when it is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if ! command -v nvim >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
fi
nvim --version | head -n 1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/editor/." "$work/"
mkdir "$work/.git"
# The server's result cache goes with the scratch directory.
export XDG_CACHE_HOME="$work/.cache"
export PAGERPROOF="$bin" WORKSPACE="$work"
# A hang is a failure, never a stuck CI job.
timeout 300 nvim --headless --clean -n -c "luafile $here/nvim-lsp-test.lua"
