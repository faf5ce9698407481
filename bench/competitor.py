"""The baseline: the official `yandex-tracker-client` (synchronous, requests) in its own process.

Run by the benchmark as `python -m bench.competitor`; reads one JSON command per line on stdin
and answers one JSON line each on stdout, so the client pays no cross-thread or GIL cost that
the sidecar (also a separate process) does not pay. Commands:

    {"op": "init", "url", "ca_file", "token", "org_id"}
    {"op": "get_issue", "key", "fields", "calls"}        → {"seconds": [per call]}
    {"op": "find", "query", "fields", "per_page"}        → {"count", "wall_s", "cpu_s"}
    {"op": "first_pages", "filter", "fields", "times"}   → {"count"}
    {"op": "burst", "cooldown_s", "fields", "today"}     → {"issues_at", "all_at"} (seconds)

Results are read from each resource's raw `_value` (attribute access would first fetch the
global field catalogue, which the fake does not serve). Its `requests` session keeps the
library's defaults (environment proxies, .netrc); the CA is passed as `verify`, so
REQUESTS_CA_BUNDLE must not be set (it would override `verify`).
Must not know: the sidecar.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from yandex_tracker_client import TrackerClient

client: TrackerClient | None = None


def init(cmd: dict[str, Any]) -> dict[str, Any]:
    global client
    client = TrackerClient(
        token=cmd["token"], org_id=cmd["org_id"], base_url=cmd["url"], verify=cmd["ca_file"]
    )
    session = client._connection.session
    send = session.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        # Collections list as `/v2/queues/` (empty id); the fake routes only `/v2/queues`.
        return send(method, url.rstrip("/"), *args, **kwargs)

    session.request = request  # type: ignore[method-assign]
    return {"ok": True}


def tracker() -> TrackerClient:
    assert client is not None, "init first"
    return client


def get_issue(cmd: dict[str, Any]) -> dict[str, Any]:
    issues, seconds = tracker().issues, []
    for _ in range(cmd["calls"]):
        started = time.perf_counter()
        issue = issues.get(cmd["key"], fields=cmd["fields"])
        seconds.append(time.perf_counter() - started)
    assert issue._value["key"] == cmd["key"]
    return {"seconds": seconds}


def find(cmd: dict[str, Any]) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    found = tracker().issues.find(
        query=cmd["query"], per_page=cmd["per_page"], fields=cmd["fields"]
    )
    keys = [issue._value["key"] for issue in found]
    return {
        "count": len(keys),
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
    }


def first_pages(cmd: dict[str, Any]) -> dict[str, Any]:
    """The frontend's repeated first-page search; the library keeps no cache."""
    count = 0
    for _ in range(cmd["times"]):
        login = tracker().myself._value["login"]  # the old core resolved me() the same way
        query = {**cmd["filter"], "assignee": login}
        found = tracker().issues.find(filter=query, per_page=100, fields=cmd["fields"])
        count += len(getattr(found, "_data", found))
    return {"count": count}


def spaced(cooldown_s: float) -> None:
    """Space every HTTP request of the session's like a naive global cooldown would."""
    session = tracker()._connection.session
    send = session.request
    last = [float("-inf")]

    def request(*args: Any, **kwargs: Any) -> Any:
        wait = last[0] + cooldown_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        last[0] = time.monotonic()
        return send(*args, **kwargs)

    session.request = request  # type: ignore[method-assign]


def burst(cmd: dict[str, Any]) -> dict[str, Any]:
    """The start-up burst's requests (`docs/frontend-contract.md` §10), in the frontend's order."""
    t = tracker()
    spaced(cmd["cooldown_s"])
    started = time.perf_counter()
    login = t.myself._value["login"]
    query = {"resolution": "empty()", "assignee": login}
    found = t.issues.find(filter=query, per_page=100, fields=cmd["fields"])
    issues_at = time.perf_counter() - started
    keys = [issue._value["key"] for issue in getattr(found, "_data", found)]
    for collection in (t.queues, t.projects, t.users):
        list(collection.get_all(perPage=200))
    list(t.priorities.get_all())
    list(t.issue_types.get_all())
    login = t.myself._value["login"]
    t.worklog.find(createdBy=login, createdAt=cmd["today"])
    return {"issues_at": issues_at, "all_at": time.perf_counter() - started, "keys": len(keys)}


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "init": init,
    "get_issue": get_issue,
    "find": find,
    "first_pages": first_pages,
    "burst": burst,
}


def main() -> None:
    for line in sys.stdin:
        cmd = json.loads(line)
        print(json.dumps(OPS[cmd["op"]](cmd)), flush=True)


if __name__ == "__main__":
    main()
