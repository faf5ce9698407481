"""Taking the secrets a server echoed out of a failure before it leaves the client.

Owns: `scrub`, which redacts, with the client's record of secrets (`sidecar.redaction`), a
failure's message, Tracker code, `errors`, `errorMessages` and request id. A server echoes what
it got (an `Authorization` value in a 401 body, a form in an OAuth error): nothing it echoes
may reach the frontend or the log. Must not know: where the secrets are stored, HTTP.
"""

from __future__ import annotations

from sidecar.errors import SidecarError
from sidecar.redaction import REDACTED, Secrets

__all__ = ["REDACTED", "Secrets", "scrub"]


def scrub(exc: SidecarError, secrets: Secrets) -> None:
    """Redact, in place, every text of `exc` that may carry what a server sent."""
    exc.message = secrets.redact(exc.message)
    exc.args = (exc.message,)
    if exc.request_id is not None:
        exc.request_id = secrets.redact(exc.request_id)
    for name in ("tracker_code", "errors", "error_messages"):  # HTTPStatusError's details
        if hasattr(exc, name):
            setattr(exc, name, secrets.redact_value(getattr(exc, name)))
