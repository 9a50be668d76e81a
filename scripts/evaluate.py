#!/usr/bin/env python3
"""Blind precision evaluation on repositories nobody tuned the rules on.

Two steps, with blind judging in between (see docs/evaluation.md):

  evaluate.py sample --out DIR REPO=REPORT.json [...]
      Samples up to --per-rule findings per (rule, language) from the JSON
      reports of `pagerproof check --format json` (run at each repository's
      root), with a fixed seed, and writes DIR/packets.jsonl: one finding a
      line, with the repository, file, line, message and fix hint, and nothing
      about how the rule decides.

  evaluate.py score DIR
      Reads DIR/packets.jsonl and the judges' DIR/verdicts*.jsonl (one
      {"id": ..., "verdict": "right"|"wrong", "reason": ...} a line) and
      prints precision per rule and language, per status, and overall.

  evaluate.py replay --binary BIN SETDIR [SETDIR ...]
      For spent sets only (tuning material): reruns BIN on each judged
      repository (SETDIR/<owner+name>, the exported tree) and says, per rule
      and language, how many judged-right findings the build still reports
      and how many judged-wrong ones it dropped. A regression gauge for
      mechanism work; its figures are tuning figures, never a precision
      claim.

It reads only pagerproof's reports and the judges' verdicts; it never runs
or copies code from the repositories (replay runs pagerproof on them).
"""

import argparse
import collections
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

LANG = {".py": "python", ".pyi": "python", ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript",
        ".cts": "typescript", ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript",
        ".cjs": "javascript", ".rs": "rust", ".sql": "sql"}


def language(path):
    return LANG.get(os.path.splitext(path)[1], "other")


def sample(args):
    rng = random.Random(args.seed)
    groups = collections.defaultdict(list)
    statuses = {}
    for spec in args.reports:
        repo, report = spec.split("=", 1)
        data = json.load(open(report))
        for rule in data["rules"]:
            statuses[rule["code"]] = rule["status"]
        for d in data["diagnostics"]:
            lang = "migration" if d["code"].startswith("PP8") else language(d["path"])
            groups[(d["code"], lang)].append((repo, d))
    os.makedirs(args.out, exist_ok=True)
    packets = []
    for key in sorted(groups):
        found = sorted(groups[key], key=lambda rd: (rd[0], rd[1]["path"], rd[1]["start"]["line"]))
        limit = dict(args.more).get(key, args.per_rule)
        picked = found if len(found) <= limit else rng.sample(found, limit)
        for repo, d in sorted(picked, key=lambda rd: (rd[0], rd[1]["path"], rd[1]["start"]["line"])):
            packets.append({
                "id": f"{d['code']}-{len(packets) + 1:04d}",
                "code": d["code"], "rule": d["name"], "status": statuses.get(d["code"], "?"),
                "language": key[1], "repo": repo, "path": d["path"],
                "line": d["start"]["line"], "column": d["start"]["column"],
                "message": d["message"], "help": d.get("help", ""),
                "found_in_group": len(found),
            })
    with open(os.path.join(args.out, "packets.jsonl"), "w") as f:
        for p in packets:
            f.write(json.dumps(p) + "\n")
    total = sum(len(v) for v in groups.values())
    print(f"{len(packets)} findings sampled of {total}, {len(groups)} (rule, language) groups", file=sys.stderr)


def more(spec):
    """`PP201:python=24` -> (("PP201", "python"), 24)."""
    try:
        group, n = spec.split("=", 1)
        code, lang = group.split(":", 1)
        return (code, lang), int(n)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected CODE:LANGUAGE=N, got {spec!r}")


def judged(dir):
    packets = {}
    for line in open(os.path.join(dir, "packets.jsonl")):
        p = json.loads(line)
        packets[p["id"]] = p
    verdicts = {}
    for path in sorted(glob.glob(os.path.join(dir, "verdicts*.jsonl"))):
        for line in open(path):
            if line.strip():
                v = json.loads(line)
                verdicts[v["id"]] = v["verdict"]
    return packets, verdicts


def score(args):
    packets, verdicts = judged(args.dir)
    missing = [i for i in packets if i not in verdicts]
    rows = collections.defaultdict(lambda: [0, 0])
    by_status = collections.defaultdict(lambda: [0, 0])
    # Findings reported per (rule, language) over all repositories, to weigh
    # each group's sampled precision by how many findings a user would see.
    found = {(p["code"], p["language"]): p["found_in_group"] for p in packets.values()}
    for i, p in packets.items():
        if i not in verdicts:
            continue
        right = verdicts[i] == "right"
        for table, key in ((rows, (p["code"], p["rule"], p["status"], p["language"])), (by_status, p["status"])):
            table[key][0] += right
            table[key][1] += 1
    print("| code | rule | status | language | right / judged | precision |")
    print("|---|---|---|---|---|---|")
    for (code, rule, status, lang), (r, n) in sorted(rows.items()):
        print(f"| {code} | {rule} | {status} | {lang} | {r} / {n} | {100 * r / n:.0f} % |")
    print()
    for status, (r, n) in sorted(by_status.items()):
        print(f"{status}: {r} / {n} judged right ({100 * r / n:.0f} %)")
    weighted = collections.defaultdict(lambda: [0.0, 0])
    for (code, _rule, status, lang), (r, n) in rows.items():
        total = found[(code, lang)]
        weighted[status][0] += total * r / n
        weighted[status][1] += total
    for status, (r, n) in sorted(weighted.items()):
        print(f"{status}, weighted by findings reported: about {r:.0f} of {n} right ({100 * r / n:.0f} %)")
    if missing:
        print(f"not judged: {len(missing)} ({', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''})")


def replay(args):
    rows = collections.defaultdict(lambda: [0, 0, 0, 0])  # right kept, right lost, wrong kept, wrong lost
    lost_right = []
    for setdir in args.sets:
        packets, verdicts = judged(os.path.join(setdir, "packets"))
        by_repo = collections.defaultdict(list)
        for i, p in packets.items():
            if i in verdicts:
                by_repo[p["repo"]].append((p, verdicts[i]))
        for repo, items in sorted(by_repo.items()):
            root = os.path.join(setdir, repo)
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                cmd = [args.binary, "check", ".", "--no-cache", "--no-config", "--preview",
                       "--format", "json", "-o", out.name]
                run = subprocess.run(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                if run.returncode not in (0, 1):
                    sys.exit(f"{repo}: pagerproof exited {run.returncode}: {run.stderr.decode()[-500:]}")
                report = json.load(open(out.name))
            now = {(d["code"], d["path"], d["start"]["line"]) for d in report["diagnostics"]}
            for p, verdict in items:
                kept = (p["code"], p["path"], p["line"]) in now
                row = rows[(p["code"], p["language"])]
                row[(0 if verdict == "right" else 2) + (0 if kept else 1)] += 1
                if verdict == "right" and not kept:
                    lost_right.append(f"{os.path.basename(setdir)} {p['id']} {repo} {p['path']}:{p['line']}")
    print("| code | language | right kept | right lost | wrong kept | wrong dropped | precision then | precision now |")
    print("|---|---|---|---|---|---|---|---|")
    total = [0, 0, 0, 0]
    for (code, lang), r in sorted(rows.items()):
        total = [a + b for a, b in zip(total, r)]
        then = 100 * (r[0] + r[1]) / max(1, sum(r))
        now = 100 * r[0] / max(1, r[0] + r[2])
        print(f"| {code} | {lang} | {r[0]} | {r[1]} | {r[2]} | {r[3]} | {then:.0f} % | {now:.0f} % |")
    then = 100 * (total[0] + total[1]) / max(1, sum(total))
    now = 100 * total[0] / max(1, total[0] + total[2])
    print(f"| all | | {total[0]} | {total[1]} | {total[2]} | {total[3]} | {then:.0f} % | {now:.0f} % |")
    if lost_right:
        print("\njudged-right findings no longer reported:")
        print("\n".join(lost_right))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--out", required=True)
    s.add_argument("--per-rule", type=int, default=12)
    s.add_argument("--more", type=more, action="append", default=[], metavar="CODE:LANGUAGE=N",
                   help="sample up to N findings of this rule and language instead of --per-rule")
    s.add_argument("--seed", type=int, default=20261204)
    s.add_argument("reports", nargs="+", metavar="REPO=REPORT.json")
    c = sub.add_parser("score")
    c.add_argument("dir")
    r = sub.add_parser("replay")
    r.add_argument("--binary", required=True)
    r.add_argument("sets", nargs="+", metavar="SETDIR")
    args = ap.parse_args()
    {"sample": sample, "score": score, "replay": replay}[args.cmd](args)


if __name__ == "__main__":
    main()
