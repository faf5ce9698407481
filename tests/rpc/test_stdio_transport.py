"""StdioTransport in a real subprocess: stdout carries only frames, EOF and a lost peer exit 0."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

CHILD = Path(__file__).with_name("stdio_child.py")
ROOT = Path(__file__).resolve().parents[2]
GUARD_S = 5  # hang guard only, not a speed assertion


def spawn(**kwargs: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(CHILD)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        **kwargs,
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
