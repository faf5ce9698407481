"""`python -m tests.e2e.buggy_sidecar`: the real sidecar plus one method with a bug in it.

A bug is the one thing the sidecar cannot be made to show from outside (every input it knows
is answered with a domain error), so the incident path is reached the way a future bug would:
a handler raising an exception nobody translates. It is added as any command is, one entry in
`COMMANDS` (a dotted module is imported as named: this one loads again under its own name with
the Tracker half), before the real `main` runs; nothing of the sidecar is replaced. The bug puts
the session's token into its message, as a careless f-string would, so the test also sees the
log's redaction at work on a traceback.
"""

from __future__ import annotations

from sidecar.api.base import NoParams
from sidecar.cli import main
from sidecar.handlers import COMMANDS
from sidecar.handlers.deps import Call, Deps


async def crash_with_the_token(deps: Deps, params: NoParams, call: Call) -> None:
    """A handler with a bug: it fails, and names the token while doing so."""
    session = await deps.session.session()
    token = session.token if session else "no session"
    raise RuntimeError(f"could not frobnicate with token {token}")


if __name__ == "__main__":
    COMMANDS["test_crash"] = "tests.e2e.buggy_sidecar.crash_with_the_token"
    main()
