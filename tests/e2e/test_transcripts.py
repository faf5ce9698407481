"""Golden transcripts: every `protocol/transcripts/*.jsonl` replayed through a spawned sidecar
against a fresh fake Tracker (the test dataset).

One JSON object per line (format in DEVELOPERS.md, Conventions for new code):

- `{"args": [...], "env": {...}}`, optional and first: extra sidecar flags and environment;
- `{"send": <request>}`: written to the sidecar's stdin;
- `{"expect": <response>}`: the response with that id must equal it exactly, except any
  `requestId` inside `error.data` (a fresh id per run);
- `{"tracker": [{"method", "path", "query", "json"}, ...]}`: the requests the fake received
  since the previous `send`, in order; only the keys written are compared, so a value that
  changes from run to run (a `start` of now, today's date) is simply left out.

A `tracker` line is checked once the previous `send` has been answered, so every request its
command made has arrived. Sends are not serialised otherwise: a transcript may send a second
request (or a `$/cancelRequest`) before the first one's `expect`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sidecar.sandbox.recording import RecordedRequest
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import REPO, Sidecar
from tests.fakes.tracker import FakeTrackerServer

TRANSCRIPTS = sorted((REPO / "protocol" / "transcripts").glob("*.jsonl"))


def load(path: Path) -> list[dict[str, Any]]:
    lines = [json.loads(text) for text in path.read_text("utf-8").splitlines() if text.strip()]
    assert all(isinstance(line, dict) for line in lines), path
    return lines


def _without_request_id(message: dict[str, Any]) -> dict[str, Any]:
    error = message.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("data"), dict):
        return message
    return {**message, "error": {**error, "data": {**error["data"], "requestId": None}}}


def _view(request: RecordedRequest, wanted: dict[str, Any]) -> dict[str, Any]:
    """The recorded request, reduced to the keys the transcript wrote."""
    seen: dict[str, Callable[[], Any]] = {
        "method": lambda: request.method,
        "path": lambda: request.path,
        "query": lambda: dict(request.query),
        "json": lambda: request.json() if request.body else None,
    }
    return {key: seen[key]() for key in wanted}


class Replay:
    """Walks one transcript, keeping responses that were read early for a `tracker` check."""

    def __init__(self, sidecar: Sidecar, fake: FakeTrackerServer, name: str) -> None:
        self.sidecar, self.fake, self.name = sidecar, fake, name
        self.mark = 0
        self.last_id: Any = None
        self.answered: dict[str, dict[str, Any]] = {}

    def send(self, request: dict[str, Any]) -> None:
        self.mark = len(self.fake.requests)
        self.last_id = request.get("id")
        self.sidecar.send(request)

    def expect(self, expected: dict[str, Any], where: str) -> None:
        key = json.dumps(expected.get("id"))
        actual = self.answered.pop(key, None) or self.sidecar.response(expected.get("id"))
        if key == json.dumps(self.last_id):
            self.last_id = None
        assert _without_request_id(actual) == _without_request_id(expected), where

    def tracker(self, wanted: list[dict[str, Any]], where: str) -> None:
        self._settle()
        received = self.fake.requests[self.mark :]
        views = [_view(request, want) for request, want in zip(received, wanted, strict=False)]
        assert (len(received), views) == (len(wanted), wanted), where

    def _settle(self) -> None:
        """Wait for the previous request's answer (kept for its `expect` line)."""
        if self.last_id is not None:
            self.answered[json.dumps(self.last_id)] = self.sidecar.response(self.last_id)
            self.last_id = None


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    lines = load(path)
    setup = lines.pop(0) if lines and not {"args", "env"}.isdisjoint(lines[0]) else {}
    sidecar = spawn(*fake_args(fake_tracker, *setup.get("args", [])), env=setup.get("env"))
    replay = Replay(sidecar, fake_tracker, path.name)
    for number, line in enumerate(lines, start=2 if setup else 1):
        where = f"{path.name}:{number}"
        if "send" in line:
            replay.send(line["send"])
        elif "expect" in line:
            replay.expect(line["expect"], where)
        elif "tracker" in line:
            replay.tracker(line["tracker"], where)
        else:
            raise AssertionError(f"{where}: unknown transcript line {sorted(line)}")
