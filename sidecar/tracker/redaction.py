"""Every secret that went over HTTP, and taking them out of what a server said back.

Owns: `Secrets`, the client's record of the values it sent or received as credentials (the
token of each Authorization header, an OAuth form's code, refresh token and client secret, and
the tokens a grant returned), and `Secrets.scrub`, which replaces each of them in a failure's
message, Tracker code, `errors`, `errorMessages` and request id. A server echoes what it got
(an `Authorization` value in a 401 body, a form in an OAuth error): nothing it echoes may
reach the frontend or the log. Must not know: where the secrets are stored, HTTP.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, quote_plus

from sidecar.errors import SidecarError

REDACTED = "[redacted]"
MIN_LENGTH = 6  # shorter values cannot be told from ordinary text
MAX_SECRETS = 512  # a long session refreshes hourly: a few a day, kept from the newest


class Secrets:
    """Known secrets and the forms they travel in (as sent, percent- and form-encoded)."""

    def __init__(self) -> None:
        self._values: dict[str, None] = {}  # insertion order: the oldest is dropped first
        self._pattern: re.Pattern[str] | None = None

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= MIN_LENGTH:
                for form in (value, quote(value, safe=""), quote_plus(value)):
                    self._values.pop(form, None)
                    self._values[form] = None
                self._pattern = None
        while len(self._values) > MAX_SECRETS:
            del self._values[next(iter(self._values))]

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced by `[redacted]`."""
        if not self._values or not text:
            return text
        return self._compiled().sub(REDACTED, text)

    def redact_value(self, value: Any) -> Any:
        """A JSON-like value with every string (dict keys included) redacted."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_value(item) for item in value]
        if isinstance(value, dict):
            return {self.redact(str(k)): self.redact_value(v) for k, v in value.items()}
        return value

    def scrub(self, exc: SidecarError) -> None:
        """Redact, in place, every text of `exc` that may carry what a server sent."""
        if not self._values:
            return
        exc.message = self.redact(exc.message)
        exc.args = (exc.message,)
        if exc.request_id is not None:
            exc.request_id = self.redact(exc.request_id)
        for name in ("tracker_code", "errors", "error_messages"):  # HTTPStatusError's details
            if hasattr(exc, name):
                setattr(exc, name, self.redact_value(getattr(exc, name)))

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            ordered = sorted(self._values, key=len, reverse=True)  # the longest form first
            self._pattern = re.compile("|".join(_pattern_of(value) for value in ordered))
        return self._pattern


def _pattern_of(secret: str) -> str:
    # An all-digit secret (an OAuth code) counts only where no other digit touches it.
    escaped = re.escape(secret)
    return rf"(?<!\d){escaped}(?!\d)" if secret.isdigit() else escaped
