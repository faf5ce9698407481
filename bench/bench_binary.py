"""Benchmark: the frozen binary against `python -m sidecar`, in the same run, as ratios.

Usage: `.venv/bin/python bench/bench_binary.py [--binary PATH] [--runs 15] [--calls 1000]`
(the dev extra provides the fake Tracker's TLS CA). Prints medians of repeated runs:

- the binary's size;
- start-up: spawn → the `ready` notification and → the answer to a `ping` written at spawn time
  (a fresh process each run, warm page cache, the two commands alternating);
- resident memory of the whole process tree (launcher + program) when idle, 1 s after `ready`,
  and after `--calls` `get_issue` calls against the fake Tracker (HTTPS, `--ca-file`), with the
  time those calls took;
- CPU time of one start/stop cycle (the launcher's rusage includes the program it waited for).

Budgets (issue 6, 2-core machine): file ≤ 20 MB, spawn → first `ping` ≤ 300 ms, idle tree
RSS ≤ 60 MiB. Numbers are noisy on a busy machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.startup import built_binary  # noqa: E402
from tests.fakes.tracker import ORG_ID, TOKEN, FakeTrackerServer  # noqa: E402

PING = b'{"jsonrpc":"2.0","id":"ping","method":"ping"}\n'
LOGIN = {"token": TOKEN, "tokenType": "oauth", "orgId": ORG_ID, "orgType": "yandex360"}
BUDGET_SIZE_MB, BUDGET_PING_MS, BUDGET_RSS_MIB = 20, 300, 60
IN_FLIGHT = 32


# -- processes -------------------------------------------------------------------------------


def child_env(config_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "YTRACKER_CONFIG_DIR": config_dir, "YTRACKER_LOG_LEVEL": "warning"}


def spawn(command: list[str], args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*command, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def descendants(pid: int) -> list[int]:
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    if listing.exists():
        kids = [int(p) for p in listing.read_text().split()]
    else:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        kids = [int(p) for p in out.split()]
    return kids + [d for kid in kids for d in descendants(kid)]


def rss_mib(pid: int) -> float:
    """VmRSS summed over the process and its descendants."""
    total_kib = 0
    for each in [pid, *descendants(pid)]:
        status = Path(f"/proc/{each}/status")
        if status.exists():
            line = next(li for li in status.read_text().splitlines() if li.startswith("VmRSS"))
            total_kib += int(line.split()[1])
        else:
            out = subprocess.run(["ps", "-o", "rss=", "-p", str(each)], capture_output=True)
            total_kib += int(out.stdout or 0)
    return total_kib / 1024


def finish(proc: subprocess.Popen[bytes]) -> float:
    """Close stdin, reap the process; the CPU seconds its tree used."""
    assert proc.stdin is not None
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"bench: {proc.args} exited {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


# -- measurements ------------------------------------------------------------------------------


def start_once(command: list[str], env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    proc = spawn(command, ["--secrets", "memory"], env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(PING)
    proc.stdin.flush()
    seen: dict[str, float] = {}
    while len(seen) < 2:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench: {command} exited before answering ping")
        key = "ready" if b'"ready"' in line else "ping" if b'"pong"' in line else None
        if key:
            seen[key] = (time.perf_counter() - started) * 1000
    time.sleep(1.0)  # idle: the HTTP stack finishes loading in the background
    seen["rss_idle"] = rss_mib(proc.pid)
    seen["cpu_ms"] = finish(proc) * 1000
    return seen


def call_many(proc: subprocess.Popen[bytes], method: str, params: Any, count: int) -> None:
    """`count` requests, at most IN_FLIGHT outstanding; every answer must be a result."""
    assert proc.stdin is not None and proc.stdout is not None
    sent = answered = 0
    while answered < count:
        while sent < count and sent - answered < IN_FLIGHT:
            request = {"jsonrpc": "2.0", "id": sent, "method": method, "params": params}
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            sent += 1
        proc.stdin.flush()
        message = json.loads(proc.stdout.readline() or b"null")
        if message is None or "error" in message:
            raise SystemExit(f"bench: {method} failed: {message}")
        answered += "id" in message


def calls_once(
    command: list[str], env: dict[str, str], fake: FakeTrackerServer, count: int
) -> dict[str, float]:
    args = ["--api-base-url", fake.url, "--oauth-base-url", fake.oauth_url]
    args += ["--ca-file", fake.ca_file, "--secrets", "memory", "--cooldown-ms", "0"]
    proc = spawn(command, args, env)
    call_many(proc, "login_with_token", LOGIN, 1)
    started = time.perf_counter()
    call_many(proc, "get_issue", {"issueKey": "TEST-1"}, count)
    elapsed = time.perf_counter() - started
    time.sleep(0.5)
    result = {"rss_calls": rss_mib(proc.pid), "calls_s": elapsed}
    finish(proc)
    return result


def medians(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


Rows = dict[str, list[dict[str, float]]]


def alternate(
    targets: dict[str, list[str]], runs: int, measure: Callable[[list[str]], dict[str, float]]
) -> Rows:
    """Every run's figures per target; the order flips every round so drift hits both alike."""
    rows: Rows = {name: [] for name in targets}
    for round_ in range(runs):
        names = list(targets) if round_ % 2 == 0 else list(reversed(targets))
        for name in names:
            rows[name].append(measure(targets[name]))
    return rows


def spread(rows: list[dict[str, float]], key: str) -> str:
    values = sorted(row[key] for row in rows)
    return f"{values[0]:.0f}–{values[-1]:.0f}"


# -- report ------------------------------------------------------------------------------------


def find_binary() -> Path:
    binary = built_binary()
    if binary is None:
        raise SystemExit("bench: pass --binary (none or several in dist/; run build/build.sh)")
    return binary


def verdict(ok: bool) -> str:
    return "within budget" if ok else "OVER BUDGET"


def report(binary: Path, starts: Rows, calls: Rows, args: argparse.Namespace) -> None:
    size_mb = binary.stat().st_size / 1e6
    b, p = ({**medians(starts[n]), **medians(calls[n])} for n in ("binary", "python"))
    shown = binary.relative_to(REPO) if binary.is_relative_to(REPO) else binary
    print(f"\nbinary  {shown}: {size_mb:.1f} MB ({binary.stat().st_size:,} B)")
    machine = f"{platform.platform()}, {os.cpu_count()} cores"
    print(f"machine {machine}, Python {platform.python_version()}")
    print(f"medians of {args.runs} starts and {args.call_runs} runs of {args.calls} get_issue\n")
    print(f"{'':34}{'binary':>10}{'python':>10}{'ratio':>8}")
    rows = [
        ("spawn → ready (ms)", "ready"),
        ("spawn → first ping answer (ms)", "ping"),
        ("CPU per start/stop cycle (ms)", "cpu_ms"),
        ("RSS idle, process tree (MiB)", "rss_idle"),
        (f"RSS after {args.calls} get_issue (MiB)", "rss_calls"),
        (f"{args.calls} get_issue calls (s)", "calls_s"),
    ]
    for label, key in rows:
        print(f"{label:34}{b[key]:>10.1f}{p[key]:>10.1f}{b[key] / p[key]:>8.2f}")
    ping_spread = [spread(starts[name], "ping") for name in ("binary", "python")]
    print(f"{'first ping answer, min–max (ms)':34}{ping_spread[0]:>10}{ping_spread[1]:>10}")
    print(f"\nsize  {size_mb:.1f} MB ≤ {BUDGET_SIZE_MB} MB: {verdict(size_mb <= BUDGET_SIZE_MB)}")
    print(f"ping  {b['ping']:.0f} ms ≤ {BUDGET_PING_MS} ms: {verdict(b['ping'] <= BUDGET_PING_MS)}")
    ok = b["rss_idle"] <= BUDGET_RSS_MIB
    print(f"RSS   {b['rss_idle']:.1f} MiB ≤ {BUDGET_RSS_MIB} MiB: {verdict(ok)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", type=Path)
    parser.add_argument("--runs", type=int, default=15, help="start-up runs per command")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--call-runs", type=int, default=3, help="runs of --calls per command")
    args = parser.parse_args()
    binary = (args.binary or find_binary()).resolve()
    targets = {"binary": [str(binary)], "python": [sys.executable, "-m", "sidecar"]}
    fake = FakeTrackerServer()
    with tempfile.TemporaryDirectory(prefix="bench-binary-") as config_dir:
        env = child_env(config_dir)
        print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
        for command in targets.values():  # warm the page cache and Python's bytecode cache
            start_once(command, env)
        starts = alternate(targets, args.runs, lambda cmd: start_once(cmd, env))
        calls = alternate(
            targets, args.call_runs, lambda cmd: calls_once(cmd, env, fake, args.calls)
        )
        print(f"load average after:  {os.getloadavg()[0]:.2f}")
    fake.close()
    report(binary, starts, calls, args)


if __name__ == "__main__":
    main()
