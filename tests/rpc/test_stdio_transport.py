"""StdioTransport in a real subprocess: stdout carries only frames, EOF and a lost peer exit 0."""

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

CHILD = Path(__file__).with_name("stdio_child.py")
ROOT = Path(__file__).resolve().parents[2]
GUARD_S = 5  # hang guard only, not a speed assertion


def read_until(stream: IO[bytes], marker: bytes, timeout_s: float) -> bytes:
    """What `stream` yields until `marker` shows up or `timeout_s` passes (never blocks)."""
    seen, deadline = b"", time.monotonic() + timeout_s
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while marker not in seen and selector.select(max(deadline - time.monotonic(), 0)):
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
    return seen


def spawn(**kwargs: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pipes: dict[str, object] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, str(CHILD)],
        stderr=subprocess.PIPE,
        env=env,
        **{**pipes, **kwargs},
    )


def test_stray_output_goes_to_stderr_and_eof_exits_zero() -> None:
    child = spawn()
    requests = (
        b'{"jsonrpc":"2.0","method":"ping","id":1}\r\n\n{"jsonrpc":"2.0","method":"nope","id":2}\n'
    )
    out, err = child.communicate(requests, timeout=GUARD_S)
    assert child.returncode == 0, err.decode()
    lines = out.split(b"\n")
    assert lines[-1] == b""
    ready = json.loads(lines[0])
    assert ready == {"jsonrpc": "2.0", "method": "ready", "params": {"pid": child.pid}}
    assert sorted(lines[1:-1]) == [
        b'{"jsonrpc":"2.0","id":1,"result":"pong"}',
        b'{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found: nope"}}',
    ]
    assert b"stray print from a handler" in err
    assert b"stray write to fd 1" in err


def test_lost_peer_ends_the_process_with_zero() -> None:
    child = spawn()
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().startswith(b'{"jsonrpc":"2.0","method":"ready"')
    child.stdout.close()  # the host is gone: the next write hits a broken pipe
    child.stdin.write(b'{"jsonrpc":"2.0","method":"ping","id":1}\n')
    child.stdin.flush()
    try:
        assert child.wait(timeout=GUARD_S) == 0
    finally:
        child.stdin.close()
        if child.stderr is not None:
            child.stderr.close()


def test_sigterm_exits_zero() -> None:
    child = spawn()
    assert child.stdout is not None
    assert child.stdout.readline().startswith(b'{"jsonrpc":"2.0","method":"ready"')
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=GUARD_S)
    assert child.returncode == 0
    assert out == b""


@pytest.mark.skipif(sys.platform != "linux", reason="counts threads in /proc")
def test_pipes_are_served_by_the_event_loop_without_threads() -> None:
    child = spawn()
    assert child.stdout is not None
    child.stdout.readline()
    threads = len(list(Path(f"/proc/{child.pid}/task").iterdir()))
    child.communicate(b"", timeout=GUARD_S)
    assert threads == 1


def test_a_parent_that_does_not_read_never_blocks_the_loop() -> None:
    child = spawn()
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    # The 1 MiB answer cannot fit in the pipe while nobody reads stdout; the next request must
    # still be handled (its log line reaches stderr) before the parent reads a byte.
    child.stdin.write(b'{"jsonrpc":"2.0","method":"big","id":1}\n')
    child.stdin.flush()
    time.sleep(0.3)  # the answer is written (and stuck in the full pipe) by now
    child.stdin.write(b'{"jsonrpc":"2.0","method":"mark","id":2}\n')
    child.stdin.flush()
    assert b"mark handled" in read_until(child.stderr, b"mark handled", GUARD_S)
    out, _ = child.communicate(b"", timeout=GUARD_S)
    answers = {json.loads(line)["id"]: json.loads(line)["result"] for line in out.splitlines()}
    assert answers == {1: "x" * (1024 * 1024), 2: "marked"}


def test_many_requests_in_one_write_are_all_answered() -> None:
    child = spawn()
    requests = b"".join(b'{"jsonrpc":"2.0","method":"ping","id":%d}\n' % n for n in range(1, 501))
    out, err = child.communicate(requests, timeout=GUARD_S)
    assert child.returncode == 0, err.decode()
    ids = sorted(json.loads(line)["id"] for line in out.splitlines()[1:])
    assert ids == list(range(1, 501))


def test_files_instead_of_pipes_use_the_threads(tmp_path: Path) -> None:
    requests = tmp_path / "in.jsonl"
    requests.write_bytes(b'{"jsonrpc":"2.0","method":"ping","id":1}\n')
    with requests.open("rb") as stdin, (tmp_path / "out.jsonl").open("wb") as stdout:
        child = spawn(stdin=stdin, stdout=stdout)
        _, err = child.communicate(timeout=GUARD_S)
    assert child.returncode == 0, err.decode()
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines()
    assert lines[1:] == [b'{"jsonrpc":"2.0","id":1,"result":"pong"}']
