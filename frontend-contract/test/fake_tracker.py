"""Serve the test suite's fake Tracker for the TypeScript tests, steered over stdin/stdout.

Starts `tests.fakes.tracker.FakeTrackerServer` (HTTPS on 127.0.0.1, trustme CA), prints one
JSON line with its address and credentials, then answers one JSON command per stdin line with
one JSON line. It stops at EOF, so it never outlives the Node test that spawned it.

Commands: {"op": "fault", "method", "path", ...FaultScript.add keywords} · {"op": "reset"}
· {"op": "auth_code"} · {"op": "requests", "method", "path"} (how many matched).
Run from the repository root: `python frontend-contract/test/fake_tracker.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.tracker import (
    CLIENT_ID,
    CLIENT_SECRET,
    ORG_ID,
    TOKEN,
    FakeTrackerServer,
)


def handle(fake: FakeTrackerServer, command: dict[str, Any]) -> Any:
    op = command.pop("op")
    if op == "fault":
        fake.faults.add(command.pop("method"), command.pop("path"), **command)
        return True
    if op == "reset":
        fake.reset()
        return True
    if op == "auth_code":
        return fake.issue_auth_code(command.get("login"))
    if op == "requests":
        return len(fake.requests_to(command["method"], command["path"]))
    raise ValueError(f"unknown op {op!r}")


def reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    fake = FakeTrackerServer()
    try:
        reply(
            {
                "url": fake.url,
                "oauthUrl": fake.oauth_url,
                "caFile": fake.ca_file,
                "token": TOKEN,
                "orgId": ORG_ID,
                "clientId": CLIENT_ID,
                "clientSecret": CLIENT_SECRET,
            }
        )
        for line in sys.stdin:
            try:
                reply({"ok": True, "result": handle(fake, json.loads(line))})
            except Exception as error:  # a bad command is the test's bug: report, keep serving
                reply({"ok": False, "error": repr(error)})
    finally:
        fake.close()


if __name__ == "__main__":
    main()
