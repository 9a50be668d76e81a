#!/usr/bin/env python3
"""Keystroke-to-diagnostic latency of `pagerproof server`, and its memory.

Usage: lsp-latency.py BINARY WORKSPACE FILE [--edits N] [--cache DIR]

Starts the server on WORKSPACE, opens FILE (its text from disk), then types
N single characters at the end of its last line, one at a time, each time
waiting for the publishDiagnostics of that version. Prints the time to the
first diagnostics (open, cold cache unless --cache holds a warm one), the
median and worst time from didChange to publishDiagnostics (this includes
the server's 150 ms debounce) with the server's CPU time per edit (what the
wall time would be on an idle machine, when the check is not parallel), and the server's resident memory (VmRSS now,
VmHWM its peak). Nothing in WORKSPACE is written.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def send(proc, msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def read(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server exited")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


def wait(proc, pred):
    while True:
        m = read(proc)
        if pred(m):
            return m


def memory(pid):
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def cpu_seconds(pid):
    """User plus system CPU time of the process and its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("workspace")
    ap.add_argument("file")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--cache")
    a = ap.parse_args()
    root = Path(a.workspace).resolve()
    path = Path(a.file).resolve()
    cache = a.cache or tempfile.mkdtemp(prefix="pagerproof-lsp-latency-")
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    proc = subprocess.Popen(
        [a.binary, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=root, env=env
    )
    send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}})
    wait(proc, lambda m: m.get("id") == 1)
    send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    text = path.read_text()
    uri = path.as_uri()
    lines = text.split("\n")
    last, col = len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2

    def published(version):
        return lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == uri and m["params"].get("version") == version)

    t0 = time.monotonic()
    send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "", "version": 1, "text": text}}})
    m = wait(proc, published(1))
    opened = time.monotonic() - t0
    found = len(m["params"]["diagnostics"])
    times = []
    cpu0 = cpu_seconds(proc.pid)
    for i in range(a.edits):
        version = i + 2
        # A space typed at the end of the last line: the file stays valid.
        pos = {"line": last, "character": col + i}
        t0 = time.monotonic()
        send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": {"textDocument": {"uri": uri, "version": version},
                               "contentChanges": [{"range": {"start": pos, "end": pos}, "text": " "}]}})
        wait(proc, published(version))
        times.append(time.monotonic() - t0)
    cpu = (cpu_seconds(proc.pid) - cpu0) / max(1, a.edits)
    mem = memory(proc.pid)
    send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    wait(proc, lambda m: m.get("id") == 2)
    send(proc, {"jsonrpc": "2.0", "method": "exit", "params": None})
    proc.wait(timeout=30)
    ms = lambda s: f"{s * 1000:.0f} ms"
    print(f"file: {path} ({len(lines)} lines), {found} diagnostics")
    print(f"open to first diagnostics: {ms(opened)}")
    print(f"keystroke to diagnostics over {len(times)} edits (150 ms debounce included): "
          f"median {ms(statistics.median(times))}, worst {ms(max(times))}; server CPU per edit {ms(cpu)}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"server memory: {mem.get('VmRSS')} MiB resident, peak {mem.get('VmHWM')} MiB; exit code {proc.returncode}")


if __name__ == "__main__":
    sys.exit(main())
