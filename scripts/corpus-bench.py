#!/usr/bin/env python3
"""Corpus benchmark: how close a full check comes to the parse floor, how it
scales with threads and corpus size, and how much memory it takes.

    scripts/corpus-bench.py --bin target/release/pagerproof /tmp/real/saleor /tmp/real/outline

Prints, for the whole corpus (median of --runs runs):
  * parse-only (walk + read + parse + one pass per tree: the floor) vs. full
    check with every rule on (`--select ALL --preview`): the ratio target is <= 1.4
  * -j 1 vs. -j 2: the speed-up target is >= 1.8
  * 0.25x, 0.5x and 1x of the corpus (files picked by a hash of their path,
    hard-linked into a scratch directory): cost should be linear
  * peak resident memory of the full check (target <= 400 MiB)
  * the result cache: a cold run into an empty cache, a second run with
    nothing changed (target <= 10 % of cold) and one with one file changed
    (target <= 15 %), on a hard-linked copy of the corpus (the changed file
    is replaced in the copy, never written through to the repository)

The corpus is fetched separately and never committed. Extra arguments after
`--` go to every pagerproof run. The speed runs pass `--no-cache`; the
cache runs use a cache directory of their own.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd):
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    return elapsed, peak_kib


def median_run(cmd, runs):
    results = [timed(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def subset(repos, fraction, scratch):
    """Hard-links a deterministic `fraction` of every repository's files."""
    keep = int(fraction * 1000)
    root = os.path.join(scratch, f"corpus-{fraction}")
    for repo in repos:
        name = os.path.basename(os.path.normpath(repo))
        for dirpath, dirnames, filenames in os.walk(repo):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for f in filenames:
                src = os.path.join(dirpath, f)
                rel = os.path.relpath(src, repo)
                h = int(hashlib.blake2b(rel.encode(), digest_size=4).hexdigest(), 16) % 1000
                if h >= keep and not f.startswith(".git"):
                    continue
                dst = os.path.join(root, name, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                try:
                    os.link(src, dst)
                except OSError:
                    pass
    return root


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/pagerproof")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-scaling", action="store_true", help="skip the 0.25x/0.5x runs")
    ap.add_argument("--no-cache-runs", action="store_true", help="skip the result-cache runs")
    ap.add_argument("repos", nargs="+")
    args = ap.parse_args(argv)

    common = [args.bin, "check", "--no-progress", *extra]
    base = [*common, "--format", "concise"]
    full = [*base, "--select", "ALL", "--preview", "--no-cache"]
    print(f"corpus: {' '.join(args.repos)}")
    json_cmd = [*common, "--format", "json", "--select", "ALL", "--preview", "--no-cache", *args.repos]
    out = subprocess.run(json_cmd, capture_output=True, text=True)
    summary = json.loads(out.stdout)["summary"]
    print(f"files {summary['files_checked']}, lines {summary['lines_checked']}, notices {summary['notices']}")

    # Floor and full runs alternate, and the ratio is the median of each
    # pair's: on a shared machine the speed drifts between blocks of runs.
    pairs = [
        (timed([*base, "--parse-only", "-j", "2", *args.repos]), timed([*full, "-j", "2", *args.repos]))
        for _ in range(args.runs)
    ]
    floor = statistics.median(f[0] for f, _ in pairs)
    floor_mem = max(f[1] for f, _ in pairs)
    j2 = statistics.median(g[0] for _, g in pairs)
    j2_mem = max(g[1] for _, g in pairs)
    ratio = statistics.median(g[0] / f[0] for f, g in pairs)
    j1, _ = median_run([*full, "-j", "1", *args.repos], args.runs)
    lines = summary["lines_checked"]
    print(f"parse-only -j2   {floor:7.2f} s   peak {floor_mem / 1024:6.0f} MiB")
    print(f"full check -j2   {j2:7.2f} s   peak {j2_mem / 1024:6.0f} MiB   {lines / j2:,.0f} lines/s")
    print(f"full check -j1   {j1:7.2f} s")
    print(f"full / floor     {ratio:7.2f}x  (target <= 1.4; median of {args.runs} alternating pairs)")
    print(f"-j1 / -j2        {j1 / j2:7.2f}x  (target >= 1.8)")

    if not args.no_scaling:
        scratch = tempfile.mkdtemp(prefix="pagerproof-corpus-")
        try:
            for fraction in (0.25, 0.5):
                root = subset(args.repos, fraction, scratch)
                t, _ = median_run([*full, "-j", "2", root], args.runs)
                print(f"{fraction:4}x corpus     {t:7.2f} s   ({t / j2:.2f} of 1x)")
            print(f" 1.0x corpus     {j2:7.2f} s")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    if not args.no_cache_runs:
        scratch = tempfile.mkdtemp(prefix="pagerproof-cache-")
        try:
            root = subset(args.repos, 1.0, scratch)
            cache_dir = os.path.join(scratch, "cache")
            cached = [*base, "--select", "ALL", "--preview", "--cache-dir", cache_dir, "-j", "2", root]
            cold, _ = timed(cached)
            warm, _ = median_run(cached, args.runs)
            # One file changed per run: a Python file gets a comment line.
            target = next(
                os.path.join(d, f) for d, _, fs in sorted(os.walk(root)) for f in sorted(fs) if f.endswith(".py")
            )
            with open(target, encoding="utf-8", errors="surrogateescape") as fh:
                original = fh.read()
            changed = []
            for n in range(args.runs):
                os.unlink(target)  # a hard link: replace it, never write through
                with open(target, "w", encoding="utf-8", errors="surrogateescape") as fh:
                    fh.write(f"{original}\n# edit {n}\n")
                changed.append(timed(cached)[0])
            one = statistics.median(changed)
            print(f"cache cold       {cold:7.2f} s")
            print(f"cache warm       {warm:7.2f} s   ({100 * warm / cold:.1f} % of cold, target <= 10 %)")
            print(f"one file changed {one:7.2f} s   ({100 * one / cold:.1f} % of cold, target <= 15 %)")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
