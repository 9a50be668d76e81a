#!/usr/bin/env python3
"""Runs the GitHub Action's real steps (action.yml) in a simulated runner.

For each scenario: a temporary "origin" repository with a base commit on
main, a clone with a pull-request branch on top, the GITHUB_* variables a
runner sets, then every step of action.yml in order: `run:` steps with
bash (as `shell: bash` does on a runner, `-eo pipefail`), their `${{ }}`
expressions evaluated from inputs and earlier step outputs; `uses:` steps
(the SARIF upload) replaced by a stub that records its inputs. Checks the
outputs (read from the JSON report), the annotations, the job summary, the
SARIF file and its category, and the job's exit status, for pull requests
that add findings, hide one behind a renamed file or an identical line
(which a baseline must not let through), and configs that set fail_on.

Usage: test-action.py PAGERPROOF_BINARY   (needs PyYAML and git)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FETCH = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
# A recorded finding after another statement, so that a line inserted above
# it is the one a diff calls added.
SELECT = 'select = ["PP201"]\n'
LOGGED = "import requests\n\n\ndef fetch(url):\n    log(url)\n    return requests.get(url)\n"
CLIENT = '"""Health checks."""\nimport requests\n\n\ndef ping():\n    return 1\n'
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(cwd, *args):
    env = dict(os.environ, **GIT_ENV)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def parse_outputs(path):
    out = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


class Runner:
    def __init__(self, action, inputs, env):
        self.action = action
        self.env = env
        self.inputs = {}
        # Defaults may use the github context, as `${{ github.job }}` does.
        self.inputs = {k: self.substitute(v.get("default", "")) for k, v in action["inputs"].items()}
        self.inputs.update(inputs)
        self.steps = {}
        self.stub_calls = []
        self.cache_calls = []
        self.failed = False

    def value(self, expr):
        expr = expr.strip()
        m = re.fullmatch(r"inputs\.([\w-]+)", expr)
        if m:
            return self.inputs[m.group(1)]
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return self.steps.get(m.group(1), {}).get(m.group(2), "")
        m = re.fullmatch(r"github\.action_path", expr)
        if m:
            return ROOT
        m = re.fullmatch(r"github\.job", expr)
        if m:
            return self.env["GITHUB_JOB"]
        raise AssertionError(f"unsupported expression {expr!r}")

    def substitute(self, text):
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: self.value(m.group(1)), str(text))

    def condition(self, cond):
        """`if:` with always(), success(), failure(), ==, != and &&."""
        if cond is None:
            return not self.failed
        cond = cond.strip()
        if cond.startswith("${{"):
            cond = cond[3:-2]
        result = True
        uses_status = False
        for part in cond.split("&&"):
            part = part.strip()
            if part == "always()":
                uses_status = True
                continue
            if part == "success()":
                uses_status = True
                result = result and not self.failed
                continue
            if part == "failure()":
                uses_status = True
                result = result and self.failed
                continue
            m = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", part)
            assert m, f"unsupported condition {part!r}"
            left = self.value(m.group(1))
            result = result and ((left == m.group(3)) == (m.group(2) == "=="))
        if not uses_status:
            result = result and not self.failed
        return result

    def run(self):
        tmp = self.env["RUNNER_TEMP"]
        for i, step in enumerate(self.action["runs"]["steps"]):
            if not self.condition(step.get("if")):
                continue
            sid = step.get("id", f"step{i}")
            if "uses" in step:
                assert step["uses"] in ("github/codeql-action/upload-sarif@v4", "actions/cache@v4"), step["uses"]
                call = {k: self.substitute(v) for k, v in step.get("with", {}).items()}
                if step["uses"] == "actions/cache@v4":
                    self.cache_calls.append(call)
                else:
                    self.stub_calls.append(call)
                continue
            assert step.get("shell") == "bash", "composite run steps need shell: bash"
            output = os.path.join(tmp, f"output-{i}")
            open(output, "w").close()
            env = dict(self.env)
            env.update({k: self.substitute(v) for k, v in step.get("env", {}).items()})
            env["GITHUB_OUTPUT"] = output
            script = os.path.join(tmp, f"step-{i}.sh")
            with open(script, "w") as f:
                f.write(self.substitute(step["run"]))
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                cwd=env["GITHUB_WORKSPACE"],
                env=env,
                capture_output=True,
                text=True,
            )
            self.log = getattr(self, "log", "") + proc.stdout + proc.stderr
            self.steps[sid] = parse_outputs(output)
            if proc.returncode != 0:
                self.failed = True
        return 1 if self.failed else 0


def repository(pagerproof, files_on_branch, extra=None, on_branch=None, job="lint"):
    """An origin with app/old.py (and what `extra` adds) on main, a clone on a
    feature branch with `files_on_branch` written and `on_branch` run, and the
    environment of a runner's job `job`."""
    tmp = tempfile.mkdtemp(prefix="pagerproof-action-")
    origin = os.path.join(tmp, "origin")
    work = os.path.join(tmp, "work")
    runner_temp = os.path.join(tmp, "runner")
    os.makedirs(runner_temp)
    os.makedirs(origin)
    git(origin, "init", "-q", "-b", "main")
    write(origin, "app/old.py", FETCH)
    # request-without-timeout is a preview rule: the team turns it on.
    write(origin, "pagerproof.toml", SELECT)
    if extra:
        extra(origin)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "base")
    git(tmp, "clone", "-q", origin, work)
    git(work, "checkout", "-q", "-b", "feature")
    for rel, text in files_on_branch.items():
        write(work, rel, text)
    if on_branch:
        on_branch(work)
    git(work, "add", "-A")
    git(work, "commit", "-q", "--allow-empty", "-m", "pr")
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    os.symlink(os.path.abspath(pagerproof), os.path.join(bindir, "pagerproof"))
    env = {
        "PATH": bindir + os.pathsep + os.environ["PATH"],
        "HOME": os.environ.get("HOME", tmp),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": work,
        "GITHUB_ACTION_PATH": ROOT,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": "main",
        "GITHUB_HEAD_REF": "feature",
        "GITHUB_JOB": job,
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": "0" * 40,
        "GITHUB_STEP_SUMMARY": os.path.join(runner_temp, "summary.md"),
        "GITHUB_ENV": os.path.join(runner_temp, "env"),
        "RUNNER_TEMP": runner_temp,
        "NO_COLOR": "1",
        **GIT_ENV,
    }
    return tmp, env


def use_action(env, inputs=None):
    """One use of the action in the job `env` describes."""
    with open(os.path.join(ROOT, "action.yml")) as f:
        action = yaml.safe_load(f)
    runner = Runner(action, inputs or {}, env)
    status = runner.run()
    return runner, status


def scenario(pagerproof, files_on_branch, inputs=None, extra=None, on_branch=None, job="lint"):
    tmp, env = repository(pagerproof, files_on_branch, extra, on_branch, job)
    runner, status = use_action(env, inputs)
    summary = env["GITHUB_STEP_SUMMARY"]
    text = open(summary).read() if os.path.exists(summary) else ""
    return runner, status, text, tmp


def check(cond, message, runner):
    if not cond:
        print("FAIL:", message)
        print(runner.log)
        sys.exit(1)


def cached_build(pagerproof):
    """Without pagerproof on PATH the action builds once per version of its
    sources into a cached folder: a miss builds with cargo into it, a hit
    uses what the cache restored and compiles nothing."""
    for hit in (False, True):
        tmp, env = repository(pagerproof, {"app/new.py": FETCH})
        path = env["PATH"].split(os.pathsep)[1:]  # without the bin dir holding pagerproof
        fake = os.path.join(tmp, "fake-cargo")
        os.makedirs(fake)
        calls = os.path.join(tmp, "cargo-calls")
        # A stand-in for `cargo install --root DIR`: records the call and
        # puts the real binary where the install would.
        write(fake, "cargo", f"""#!/usr/bin/env bash
echo "$*" >> {calls}
while [ $# -gt 0 ]; do [ "$1" = --root ] && root="$2"; shift; done
mkdir -p "$root/bin" && ln -s {pagerproof} "$root/bin/pagerproof"
""")
        os.chmod(os.path.join(fake, "cargo"), 0o755)
        env = dict(env, PATH=os.pathsep.join([fake] + path))
        build = os.path.join(env["RUNNER_TEMP"], "pagerproof-build")
        if hit:
            os.makedirs(os.path.join(build, "bin"))
            os.symlink(pagerproof, os.path.join(build, "bin", "pagerproof"))
        runner, status = use_action(env)
        check(status == 1 and runner.steps.get("run", {}).get("new-findings") == "1", f"cached build, hit={hit}", runner)
        check(len(runner.cache_calls) == 1, f"one cache step: {runner.cache_calls}", runner)
        call = runner.cache_calls[0]
        check(call["path"] == build, f"cache path {call}", runner)
        check(re.fullmatch(r"pagerproof-Linux-X64-[0-9a-f]{16}", call["key"]) is not None, f"cache key {call}", runner)
        built = os.path.exists(calls)
        check(built != hit, f"hit={hit}: cargo ran: {built}", runner)
        if hit:
            check("using the cached build" in runner.log, "the restored build is used", runner)
        else:
            check("--root " + build in open(calls).read(), "cargo installs into the cached folder", runner)
        shutil.rmtree(tmp)


def main():
    pagerproof = os.path.abspath(sys.argv[1])
    cached_build(pagerproof)

    # A pull request that adds one finding: only it fails the job.
    runner, status, summary, tmp = scenario(
        pagerproof,
        {"app/old.py": '"""Now documented."""\n' + FETCH, "app/new.py": FETCH},
    )
    check(status == 1, f"job status {status}, want 1", runner)
    check(runner.cache_calls == [], f"a pagerproof on PATH needs no cache: {runner.cache_calls}", runner)
    run = runner.steps["run"]
    check(run.get("exit-code") == "1", f"exit-code output {run}", runner)
    check(run.get("new-findings") == "1", f"new-findings output {run}", runner)
    annotations = [l for l in runner.log.splitlines() if l.startswith("::warning ")]
    check(len(annotations) == 1 and "file=app/new.py,line=5" in annotations[0], f"annotations {annotations}", runner)
    check("| PP201 | request-without-timeout | warning | 1 |" in summary, f"summary:\n{summary}", runner)
    # The outputs are the JSON report's: its findings and its counts.
    with open(run["json"]) as f:
        report = json.load(f)
    check([d["path"] for d in report["diagnostics"]] == ["app/new.py"], f"JSON report {report['diagnostics']}", runner)
    counts = {k: run.get(k) for k in ("errors", "warnings", "notes")}
    check(counts == {"errors": "0", "warnings": "1", "notes": "0"}, f"counts {counts}", runner)
    check(len(runner.stub_calls) == 1, "upload-sarif called once", runner)
    sarif_path = runner.stub_calls[0]["sarif_file"]
    category = runner.stub_calls[0]["category"]
    check(category == "lint/pagerproof", f"default category is the job's: {category}", runner)
    with open(sarif_path) as f:
        sarif = json.load(f)
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"])
    check(uris == ["app/new.py", "app/old.py"], f"SARIF has every finding: {uris}", runner)
    shutil.rmtree(tmp)

    # Only old findings (moved down by an edit): the job passes.
    runner, status, summary, tmp = scenario(pagerproof, {"app/old.py": "# header\n" + FETCH})
    check(status == 0, f"job status {status}, want 0", runner)
    check(runner.steps["run"].get("new-findings") == "0", f"{runner.steps['run']}", runner)
    check("No findings" in summary, summary, runner)
    shutil.rmtree(tmp)

    # A baseline, fail-on error and no SARIF upload; outside a pull request.
    def baseline(origin):
        subprocess.run(
            [pagerproof, "check", "--no-progress", "--no-cache", "-q", "--write-baseline", "pagerproof-baseline.json"],
            cwd=origin,
            check=True,
        )

    runner, status, summary, tmp = scenario(
        pagerproof,
        {"app/new.py": FETCH},
        inputs={"baseline": "pagerproof-baseline.json", "fail-on": "error", "upload-sarif": "false"},
        extra=baseline,
    )
    check(status == 0, f"warnings below fail-on error pass: {status}", runner)
    check(runner.stub_calls == [], "no upload when upload-sarif is false", runner)
    check("| PP201 | request-without-timeout | warning | 1 |" in summary, summary, runner)
    shutil.rmtree(tmp)

    with_baseline = {"baseline": "pagerproof-baseline.json"}

    # A pull request renames a recorded file and adds the same finding (rule,
    # function and text) to another file: the renamed file keeps its own
    # entry, and the new finding fails the job.
    def client_and_baseline(origin):
        write(origin, "app/client.py", CLIENT)
        baseline(origin)

    runner, status, summary, tmp = scenario(
        pagerproof,
        {"app/client.py": CLIENT + "\n\ndef fetch(url):\n    return requests.get(url)\n"},
        inputs=with_baseline,
        extra=client_and_baseline,
        on_branch=lambda work: git(work, "mv", "app/old.py", "app/renamed.py"),
    )
    check(status == 1, f"rename + new finding: job status {status}, want 1", runner)
    check(runner.steps["run"].get("new-findings") == "1", f"{runner.steps['run']}", runner)
    annotations = [l for l in runner.log.splitlines() if l.startswith("::warning ")]
    check(
        len(annotations) == 1 and "file=app/client.py,line=10" in annotations[0],
        f"rename + new finding: annotations {annotations}",
        runner,
    )
    shutil.rmtree(tmp)

    # A pull request pastes a call above an identical, recorded one: the
    # pasted line is new and fails the job.
    def logged_and_baseline(origin):
        write(origin, "app/old.py", LOGGED)
        baseline(origin)

    runner, status, summary, tmp = scenario(
        pagerproof,
        {"app/old.py": LOGGED.replace("    log(url)\n", "    return requests.get(url)\n    log(url)\n")},
        inputs=with_baseline,
        extra=logged_and_baseline,
    )
    check(status == 1, f"identical line above: job status {status}, want 1", runner)
    annotations = [l for l in runner.log.splitlines() if l.startswith("::warning ")]
    check(
        len(annotations) == 1 and "file=app/old.py,line=5" in annotations[0],
        f"identical line above: annotations {annotations}",
        runner,
    )
    shutil.rmtree(tmp)

    # The config's fail_on = "error" decides, as in a local run: a new
    # warning is reported but passes; an explicit fail-on input wins.
    lenient = {"app/new.py": FETCH, "pagerproof.toml": SELECT + 'fail_on = "error"\n'}
    runner, status, summary, tmp = scenario(pagerproof, lenient)
    run = runner.steps["run"]
    check(status == 0 and run.get("exit-code") == "0", f"config fail_on error: {status} {run}", runner)
    check(run.get("new-findings") == "1" and run.get("warnings") == "1", f"config fail_on error: {run}", runner)
    shutil.rmtree(tmp)
    runner, status, summary, tmp = scenario(pagerproof, lenient, inputs={"fail-on": "warning"})
    check(status == 1 and runner.steps["run"].get("exit-code") == "1", f"fail-on input wins: {status}", runner)
    shutil.rmtree(tmp)
    # A config that makes the rule an error: the counts follow the report.
    strict = {"app/new.py": FETCH, "pagerproof.toml": SELECT + 'fail_on = "error"\n\n[severity]\nmissing-timeout = "error"\n'}
    runner, status, summary, tmp = scenario(pagerproof, strict)
    run = runner.steps["run"]
    counts = {k: run.get(k) for k in ("new-findings", "errors", "warnings", "notes")}
    check(status == 1, f"an error fails under fail_on error: {status}", runner)
    check(counts == {"new-findings": "1", "errors": "1", "warnings": "0", "notes": "0"}, f"{counts}", runner)
    shutil.rmtree(tmp)

    # Two uses: in two jobs the default categories differ; in one job, with
    # a category each, neither's SARIF file replaces the other's.
    tmp, env = repository(pagerproof, {"web/app.py": FETCH})
    categories = []
    for job in ("lint", "scan"):
        runner, status = use_action(dict(env, GITHUB_JOB=job))
        categories.append(runner.stub_calls[0]["category"])
    check(categories == ["lint/pagerproof", "scan/pagerproof"], f"categories {categories}", runner)
    uses = []
    for paths, category in (("app", "backend"), ("web", "frontend")):
        runner, status = use_action(env, {"paths": paths, "category": category})
        uses.append(runner.stub_calls[0])
    check([u["category"] for u in uses] == ["backend", "frontend"], f"{uses}", runner)
    check(uses[0]["sarif_file"] != uses[1]["sarif_file"], f"one SARIF file per use: {uses}", runner)
    for use, path in zip(uses, ("app/old.py", "web/app.py")):
        with open(use["sarif_file"]) as f:
            results = json.load(f)["runs"][0]["results"]
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
        check(uris == [path], f"{use['category']}: {uris}", runner)
    shutil.rmtree(tmp)

    # A config error fails the job with exit code 2.
    runner, status, summary, tmp = scenario(pagerproof, {"pagerproof.toml": "selct = []\n"})
    check(status == 1 and runner.steps["run"].get("exit-code") == "2", f"{runner.steps}", runner)
    shutil.rmtree(tmp)
    print("action test passed")


if __name__ == "__main__":
    main()
