#!/usr/bin/env python3
"""Real-repo regression check: run two pagerproof builds over the same
repositories and print the findings that appeared and disappeared, per rule.

Read every appeared finding before a rule change lands, in the spirit of
ruff's ecosystem check and clippy's lintcheck.

    scripts/lintcheck.py --old /tmp/pagerproof-main --new target/release/pagerproof \
        /tmp/real/saleor /tmp/real/outline

The repositories are fetched separately and never committed. Findings are
matched on (repository, path, rule, fingerprint), so a finding that only moved
is neither new nor gone. Extra arguments after `--` go to both builds
(e.g. `-- --preview`). Exit status: 0 when nothing changed, 1 otherwise.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time


def run(binary, repo, extra):
    cmd = [binary, "check", "--format", "json", "--no-progress", *extra, repo]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed with status {proc.returncode}:\n{proc.stderr}")
    return json.loads(proc.stdout), elapsed


def keyed(doc, repo):
    out = {}
    counts = collections.Counter()
    for d in doc["diagnostics"]:
        base = (repo, d["path"], d["code"], d["fingerprint"])
        counts[base] += 1
        out[base + (counts[base],)] = d
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", required=True, help="the baseline pagerproof binary")
    ap.add_argument("--new", required=True, help="the pagerproof binary under test")
    ap.add_argument("--max", type=int, default=50, help="findings listed per rule and direction")
    ap.add_argument("repos", nargs="+", help="checked-out repositories")
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = ap.parse_args(argv)

    old_all, new_all = {}, {}
    for repo in args.repos:
        name = os.path.basename(os.path.normpath(repo))
        old_doc, old_t = run(args.old, repo, extra)
        new_doc, new_t = run(args.new, repo, extra)
        old_all.update(keyed(old_doc, name))
        new_all.update(keyed(new_doc, name))
        s = new_doc["summary"]
        print(
            f"{name}: {s['files_checked']} files, {s['lines_checked']} lines; "
            f"old {len(old_doc['diagnostics'])} findings in {old_t:.2f}s, "
            f"new {len(new_doc['diagnostics'])} in {new_t:.2f}s"
        )

    appeared = collections.defaultdict(list)
    gone = collections.defaultdict(list)
    for k, d in new_all.items():
        if k not in old_all:
            appeared[(d["code"], d["name"])].append((k[0], d))
    for k, d in old_all.items():
        if k not in new_all:
            gone[(d["code"], d["name"])].append((k[0], d))

    rules = sorted(set(appeared) | set(gone))
    if not rules:
        print("\nNo finding appeared or disappeared.")
        return 0
    print()
    for rule in rules:
        print(f"{rule[0]} {rule[1]}: +{len(appeared.get(rule, []))} -{len(gone.get(rule, []))}")
    for rule in rules:
        for sign, items in (("+", appeared.get(rule, [])), ("-", gone.get(rule, []))):
            if not items:
                continue
            print(f"\n{sign} {rule[0]} {rule[1]} ({len(items)})")
            for repo, d in sorted(items, key=lambda x: (x[0], x[1]["path"], x[1]["start"]["line"]))[: args.max]:
                print(f"  {sign} {repo}/{d['path']}:{d['start']['line']}:{d['start']['column']}: {d['message']}")
            if len(items) > args.max:
                print(f"  ... {len(items) - args.max} more")
    return 1


if __name__ == "__main__":
    sys.exit(main())
