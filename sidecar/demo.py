"""`--demo`: the sandbox Tracker served on loopback inside the sidecar's own loop, signed in.

Owns: starting the sandbox with its friendly sample data, the pre-signed session, the demo
OAuth app credentials, and a throwaway config dir (the demo never touches the user's real
`config.json`). Must not know: how the sidecar uses them (that is `app.py`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sidecar.session.stores import StoredSession


@dataclass(frozen=True)
class DemoTracker:
    url: str
    session: StoredSession
    client_env: dict[str, str]
    config_dir: Path


@asynccontextmanager
async def demo_tracker() -> AsyncIterator[DemoTracker]:
    from sidecar import sandbox  # the sandbox ships only to serve --demo; load it on demand
    from sidecar.sandbox.seed_demo import DEMO_CLIENT_ID

    state = sandbox.demo_state()
    server = await sandbox.start(state)
    config_dir = Path(tempfile.mkdtemp(prefix="ytracker-demo-"))
    session = StoredSession(token=sandbox.DEMO_TOKEN, org_id=sandbox.DEMO_ORG_ID)
    env = {
        "YTRACKER_CLIENT_ID": DEMO_CLIENT_ID,
        "YTRACKER_CLIENT_SECRET": state.oauth_clients[DEMO_CLIENT_ID],
    }
    try:
        yield DemoTracker(server.url, session, env, config_dir)
    finally:
        await server.close()
        shutil.rmtree(config_dir, ignore_errors=True)
