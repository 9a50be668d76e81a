#!/usr/bin/env python3
"""Scores pagerproof on the real-fix benchmark (docs/real-fix-benchmark.md).

Each recipe names a public fix commit. This script rebuilds the buggy parent
and the fixed tree from a fetched mirror (a bare git directory), runs the
release binary on both, and reports recall (the parent's bug is found) and
fix-sensitivity (the fix makes that finding go away), per split, category and
language, for the default rules and for `--preview`.

    scripts/real-fix-bench.py --mirrors /work/.mirror --work /tmp/rfb
    scripts/real-fix-bench.py --validate          # recipes only, no pagerproof

A mirror for `owner/name` is looked up as `<mirrors>/owner+name/repo` or
`<mirrors>/owner+name`. Held-out entries are never listed one by one unless
`--show-held-out` is given: whoever changes rules reads only the totals.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ["timeout", "retry", "swallowed", "secrets", "queries", "queues", "idempotency", "migrations"]
LANGUAGES = ["python", "typescript", "javascript", "rust", "sql"]
# Rule codes by their hundreds digit: PP1xx swallowed, PP2xx timeout, ...
PREFIX = {
    "swallowed": "PP1",
    "timeout": "PP2",
    "retry": "PP3",
    "secrets": "PP4",
    "queries": "PP5",
    "queues": "PP6",
    "idempotency": "PP7",
    "migrations": "PP8",
}
FIELDS = ["repo", "commit", "parent", "path", "line", "fixed_path", "category", "language", "summary"]
WINDOW = 3


def held_out(e: dict) -> bool:
    h = hashlib.sha256(f"{e['repo']}@{e['commit']}".encode()).hexdigest()
    return int(h, 16) % 5 < 2


def load(paths: list[Path]) -> list[dict]:
    entries, seen = [], set()
    for p in paths:
        files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
        for f in files:
            for n, raw in enumerate(f.read_text().splitlines(), 1):
                if not raw.strip():
                    continue
                e = json.loads(raw)
                e["_where"] = f"{f.name}:{n}"
                key = (e["repo"], e["commit"], e["path"], e["line"])
                if key in seen:
                    continue
                seen.add(key)
                entries.append(e)
    return entries


def mirror(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+")
    for d in (base / "repo", base):
        if (d / "HEAD").exists() or (d / "objects").is_dir():
            return d
    return None


def git(gitdir: Path, *args: str, text: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], capture_output=True, text=text)


def blob(gitdir: Path, rev: str, path: str) -> str | None:
    r = git(gitdir, "show", f"{rev}:{path}", text=False)
    return r.stdout.decode("utf-8", "replace") if r.returncode == 0 else None


def problems(e: dict, mirrors: Path) -> list[str]:
    """What is wrong with a recipe, checked against its mirror."""
    out = [f"missing field {k}" for k in FIELDS if k not in e]
    if out:
        return out
    if e["category"] not in CATEGORIES:
        out.append(f"unknown category {e['category']}")
    if e["language"] not in LANGUAGES:
        out.append(f"unknown language {e['language']}")
    g = mirror(mirrors, e["repo"])
    if g is None:
        return out + ["no mirror"]
    first = git(g, "rev-parse", f"{e['commit']}^1").stdout.strip()
    if first != e["parent"]:
        out.append(f"parent is not the first parent ({first[:12]})")
    text = blob(g, e["parent"], e["path"])
    if text is None:
        out.append("path not in parent")
    elif not 1 <= int(e["line"]) <= len(text.splitlines()):
        out.append("line out of range")
    if blob(g, e["commit"], e["fixed_path"]) is None:
        out.append("fixed_path not in commit (file deleted by the fix?)")
    return out


# What pagerproof reads: sources, and the manifests and ignore files that
# decide roles (a nested package, a vendored crate, an ignored folder).
SOURCES = (".py", ".pyi", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".rs", ".sql")
MANIFESTS = {"Cargo.toml", "package.json", "pyproject.toml", "setup.py", "setup.cfg", ".gitignore", ".ignore",
             "METADATA", "RECORD", "WHEEL", "PKG-INFO", "alembic.ini", "schema.prisma", "metadata.toml"}


def wanted(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(SOURCES) or name in MANIFESTS


def export(gitdir: Path, rev: str, dest: Path) -> None:
    """Writes the files pagerproof reads from the tree of `rev` into `dest`,
    skipping blobs a snapshot lacks."""
    ls = git(gitdir, "ls-tree", "-r", "-z", rev, text=False).stdout.split(b"\0")
    ents = []
    for item in ls:
        if not item:
            continue
        meta, path = item.split(b"\t", 1)
        mode, typ, sha = meta.split()
        path = path.decode("utf-8", "surrogateescape")
        if typ == b"blob" and mode != b"120000" and wanted(path):
            ents.append((sha.decode(), path))
    p = subprocess.Popen(["git", "--git-dir", str(gitdir), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for sha, path in ents:
        p.stdin.write((sha + "\n").encode())
        p.stdin.flush()
        header = p.stdout.readline().split()
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        data = p.stdout.read(size)
        p.stdout.read(1)
        out = dest / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    p.stdin.close()
    p.wait()


def findings(binaries: dict[str, Path], gitdir: Path, repo: str, rev: str, work: Path) -> dict[str, list[dict]]:
    """Every finding (all rules, `--preview`) of each binary on the tree of
    `rev`, by binary label; cached in `work`, the tree exported once."""
    name = f"{repo.replace('/', '+')}@{rev}.json"
    caches = {label: work / "results" / label / name for label in binaries}
    if all(c.exists() for c in caches.values()):
        return {label: json.loads(c.read_text()) for label, c in caches.items()}
    tree = work / "trees" / f"{repo.replace('/', '+')}@{rev[:12]}"
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    export(gitdir, rev, tree)
    out = {}
    try:
        for label, binary in binaries.items():
            if caches[label].exists():
                out[label] = json.loads(caches[label].read_text())
                continue
            cmd = [str(binary), "check", "--preview", "--format", "json", "--no-cache", "--no-config", "--exit-zero",
                   "--no-progress", "--migration-scope", "all", "."]
            # Run inside the tree, so the JSON's paths are relative to it, as in the recipes.
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=tree)
            if r.returncode not in (0, 1):
                raise RuntimeError(f"{label} on {repo}@{rev[:12]} exited {r.returncode}: {r.stderr[-400:]}")
            found = [
                {"code": d["code"], "path": d["path"].removeprefix("./"), "line": d["start"]["line"]}
                for d in json.loads(r.stdout)["diagnostics"]
            ]
            caches[label].parent.mkdir(parents=True, exist_ok=True)
            caches[label].write_text(json.dumps(found))
            out[label] = found
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    return out


def line_map(old: str, new: str):
    """For a line of `new` (1-based), the range of `old` lines it came from."""
    a, b = old.splitlines(), new.splitlines()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()

    def back(j: int) -> tuple[int, int]:
        j0 = j - 1
        for tag, i1, i2, j1, j2 in ops:
            if j1 <= j0 < j2:
                if tag == "equal":
                    return (i1 + (j0 - j1) + 1,) * 2
                return (i1 + 1, max(i1 + 1, i2))
        return (len(a) + 1, len(a) + 1)

    return back


def in_category(code: str, category: str) -> bool:
    return code.startswith(PREFIX[category])


def stable_codes(binary: Path) -> set[str]:
    out = subprocess.run([str(binary), "rules", "--format", "json"], capture_output=True, text=True, check=True).stdout
    return {r["code"] for r in json.loads(out) if r.get("status") == "stable"}


def score(entries: list[dict], args) -> dict[str, list[dict]]:
    """Per binary label, one result row per entry."""
    stable = {label: stable_codes(b) for label, b in args.binaries.items()}
    rows: dict[str, list[dict]] = {label: [] for label in args.binaries}
    for i, e in enumerate(entries, 1):
        g = mirror(args.mirrors, e["repo"])
        try:
            if g is None:
                raise RuntimeError("no mirror")
            before = findings(args.binaries, g, e["repo"], e["parent"], args.work)
            after = findings(args.binaries, g, e["repo"], e["commit"], args.work)
        except RuntimeError as err:
            for label in args.binaries:
                rows[label].append(dict(e, held_out=held_out(e), error=str(err)))
            continue
        old, new = blob(g, e["parent"], e["path"]) or "", blob(g, e["commit"], e["fixed_path"]) or ""
        back = line_map(old, new)
        lo, hi = int(e["line"]) - WINDOW, int(e["line"]) + WINDOW
        for label in args.binaries:
            row = dict(e, held_out=held_out(e))
            for mode, allowed in (("default", stable[label]), ("preview", None)):
                hits = [
                    f for f in before[label]
                    if f["path"] == e["path"] and in_category(f["code"], e["category"])
                    and lo <= f["line"] <= hi and (allowed is None or f["code"] in allowed)
                ]
                # The finding goes away: some rule that caught the bug has no
                # finding left where the bug was. (Another rule that also fired
                # there, such as a lock-timeout note on a statement the fix made
                # safe otherwise, may stay.)
                caught_by = {f["code"] for f in hits}
                left = {
                    f["code"] for f in after[label]
                    if f["path"] == e["fixed_path"] and f["code"] in caught_by
                    and back(f["line"])[0] <= hi and back(f["line"])[1] >= lo
                }
                row[f"{mode}_caught"] = bool(hits)
                row[f"{mode}_codes"] = sorted(caught_by)
                row[f"{mode}_fixed"] = bool(hits) and bool(caught_by - left)
            rows[label].append(row)
        if not args.quiet:
            print(f"[{i}/{len(entries)}] scored", file=sys.stderr)
    return rows


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f} %)" if b else "0/0"


def table(rows: list[dict], key: str, values: list[str]) -> list[str]:
    out = [f"| {key} | entries | default recall | preview recall | preview fix-sensitivity |", "|---|---|---|---|---|"]
    groups = defaultdict(list)
    for r in rows:
        groups[r[key]].append(r)
    for v in values + ["all"]:
        g = rows if v == "all" else groups.get(v, [])
        if not g:
            continue
        dc = sum(r["default_caught"] for r in g)
        pc = sum(r["preview_caught"] for r in g)
        pf = sum(r["preview_fixed"] for r in g)
        out.append(f"| {v} | {len(g)} | {pct(dc, len(g))} | {pct(pc, len(g))} | {pct(pf, pc)} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("recipes", nargs="*", type=Path, default=[ROOT / "benchmarks" / "real-fixes"])
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--binary", action="append", metavar="[LABEL=]PATH",
                    help="a pagerproof binary to score; repeat to compare builds (default: target/release/pagerproof)")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "real-fix-bench")
    ap.add_argument("--split", choices=["tuning", "held-out", "all"], default="all")
    ap.add_argument("--validate", action="store_true", help="check the recipes against their mirrors; run nothing")
    ap.add_argument("--show-held-out", action="store_true", help="list held-out entries one by one")
    ap.add_argument("--json", type=Path, help="write per-entry results here (held-out rows only with --show-held-out)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    args.work = args.work.resolve()
    args.binaries = {}
    for spec in args.binary or [str(ROOT / "target" / "release" / "pagerproof")]:
        label, _, path = spec.rpartition("=")
        path = Path(path).resolve()
        args.binaries[label or path.name] = path

    entries = load(args.recipes)
    if args.split != "all":
        entries = [e for e in entries if held_out(e) == (args.split == "held-out")]
    print(f"{len(entries)} entries ({sum(map(held_out, entries))} held out)")

    if args.validate:
        bad = 0
        for e in entries:
            errs = problems(e, args.mirrors)
            if errs:
                bad += 1
                name = "held-out entry" if held_out(e) and not args.show_held_out else f"{e['repo']}@{e['commit'][:12]}"
                print(f"{e['_where']}: {name}: {'; '.join(errs)}")
        print(f"{bad} with problems")
        return 1 if bad else 0

    args.work.mkdir(parents=True, exist_ok=True)
    results = score(entries, args)
    dump = []
    for label, rows in results.items():
        for r in rows:
            if "error" in r:
                print(f"{r['_where']}: {r['error']}", file=sys.stderr)
        rows = [r for r in rows if "error" not in r]
        for split in ("tuning", "held-out"):
            part = [r for r in rows if r["held_out"] == (split == "held-out")]
            if not part:
                continue
            print(f"\n## {label}, {split}: {len(part)} entries\n")
            print("\n".join(table(part, "category", CATEGORIES)))
            print()
            print("\n".join(table(part, "language", LANGUAGES)))
        dump += [
            dict({k: v for k, v in r.items() if not k.startswith("_")}, binary=label)
            for r in rows
            if not r["held_out"] or args.show_held_out
        ]
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
