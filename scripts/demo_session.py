"""Drive `python -m sidecar --demo` through a short session and print what crosses the wire.

Each exchange is shown as the request line (→), the response line (←, shortened when long)
and a one-line reading of it, so a newcomer sees the protocol and the data at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

WIDTH = 110


class Session:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sidecar", "--demo", "--log-level", "warning"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.next_id = 0

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the sidecar closed its stdout unexpectedly")
        return json.loads(line)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.next_id += 1
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            request["params"] = params
        line = json.dumps(request, ensure_ascii=False)
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        show("→", line)
        while True:
            message = self.read()
            if message.get("id") == self.next_id:
                show("←", json.dumps(message, ensure_ascii=False))
                if "error" in message:
                    raise SystemExit(f"error: {message['error']['message']}")
                return message["result"]
            show("←", json.dumps(message, ensure_ascii=False))

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # EOF is how a desktop shell's exit reaches the sidecar
        return self.proc.wait(timeout=5)


def show(arrow: str, line: str) -> None:
    shown = line if len(line) <= WIDTH * 3 else line[: WIDTH * 3] + f"… ({len(line)} bytes)"
    print(textwrap.fill(shown, WIDTH, initial_indent=f"  {arrow} ", subsequent_indent="      "))


def say(text: str) -> None:
    print(f"\n# {text}")


def main() -> None:
    print("ytracker-sidecar demo: a short session against the embedded sandbox Tracker")
    session = Session()
    ready = session.read()
    show("←", json.dumps(ready))
    say(f"ready: sidecar {ready['params']['version']}, protocol {ready['params']['protocol']}")

    signed_in = session.call("has_session")
    say(f"signed in: {'yes' if signed_in else 'no'}")

    user = session.call("get_current_user")
    say(f"current user: {user['display']} ({user['login']}, {user['email']})")

    page = session.call(
        "get_issues",
        {"query": None, "filter": {"resolution": "empty()", "assignee": "me()"}, "scroll_id": None},
    )
    say(f"first page: {len(page['issues'])} of {page['total_count']} open issues assigned to me")
    for issue in page["issues"][:10]:
        tracked = issue["tracked_seconds"]
        spent = f"{tracked / 3600:.1f} h tracked" if tracked else "no time tracked"
        status = issue["status"]["display"]
        print(f"    {issue['key']:<10} [{status:<12}] {issue['summary']} ({spent})")

    key = page["issues"][0]["key"]
    issue = session.call("get_issue", {"issueKey": key})
    say(f"{issue['key']}: {issue['summary']}")
    print(
        f"    status {issue['status']['display']}, priority {issue['priority']['display']}, "
        f"type {(issue['issue_type'] or {}).get('display')}, "
        f"assignee {(issue['assignee'] or {}).get('display')}, tags {issue['tags']}"
    )

    tray = session.call("tray_refresh")
    say(f"the tray: title {tray['title']!r}, {len(tray['issues'])} issues under 'Start Timer'")
    session.call("tray_start_timer", {"issueKey": key})
    say(f"started from the tray: a timer-tick, the new tray and a notification for {key}")
    session.call("tray_stop_timer")
    say("stopped from the tray: timer-stopped (the app offers to log the time), a notification")

    code = session.close()
    say(f"stdin closed; the sidecar exited with code {code}")
    sys.exit(code)


if __name__ == "__main__":
    main()
