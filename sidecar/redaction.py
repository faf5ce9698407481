"""The process's one record of secret values, and taking them out of any text.

Owns: `Secrets`, the record of every value known to be a secret — the session's tokens, the
client secret, the file store's passphrase, and what went over HTTP as a credential (each
Authorization token, an OAuth form's code, refresh token and client secret, the tokens a grant
returned) — in the forms they travel in (as sent, percent- and form-encoded); `redact`, which
replaces them, and anything shaped like a credential, with `[redacted]`. The process has one
record, made by the CLI and handed to every surface: an error the frontend reads, a log line on
stderr or in the log file. Must not know: where secrets are stored, HTTP, logging. A leaf: it
imports nothing of the package, so every layer may use it.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
MIN_LENGTH = 6  # shorter values cannot be told from ordinary text
MAX_SECRETS = 512  # a long session refreshes hourly: a few a day, kept from the newest
_SHAPES = re.compile(
    r"(?P<scheme>\b(?:OAuth|Bearer)\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|(?P<field>\b(?:access_token|refresh_token|client_secret|id_token)\b"
    r"(?:\\?[\"'])?\s*[:=]\s*(?:\\?[\"'])?)"  # also inside JSON text, quotes escaped
    r"[^\s\"'&,;}\\]+"
    r"|\by[0-9]_[A-Za-z0-9_-]{20,}"  # Yandex OAuth tokens
    r"|\bt1\.[A-Za-z0-9._-]{20,}"  # Yandex Cloud IAM tokens
)


class Secrets:
    """Known secrets, newest last; shared by every task and thread."""

    def __init__(self) -> None:
        self._values: dict[str, None] = {}  # insertion order: the oldest is dropped first
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        self._newest: str | None = None  # every request adds its token: mostly this one

    def add(self, *values: str | None) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= MIN_LENGTH and value != self._newest:
                    self._remember(value)
            while len(self._values) > MAX_SECRETS:
                del self._values[next(iter(self._values))]

    def _remember(self, value: str) -> None:
        self._newest = value
        for form in (value, quote(value, safe=""), quote_plus(value)):
            self._values.pop(form, None)
            self._values[form] = None
        self._pattern = None

    def redact(self, text: str, *, shapes: bool = False) -> str:
        """`text` with every known secret redacted, and with `shapes` every credential-shaped
        value too (for the log: in an error the frontend reads, `OAuth application` must stay).
        """
        if not text:
            return text
        known = self._compiled()
        if known is not None:
            text = known.sub(REDACTED, text)
        return _SHAPES.sub(_redact_shape, text) if shapes else text

    def redact_value(self, value: Any) -> Any:
        """A JSON-like value with every string (dict keys included) redacted."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_value(item) for item in value]
        if isinstance(value, dict):
            return {self.redact(str(k)): self.redact_value(v) for k, v in value.items()}
        return value

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                ordered = sorted(self._values, key=len, reverse=True)  # the longest form first
                self._pattern = re.compile("|".join(map(_pattern_of, ordered)))
            return self._pattern


def _pattern_of(secret: str) -> str:
    # An all-digit secret (an OAuth code) counts only where no other digit touches it.
    escaped = re.escape(secret)
    return rf"(?<!\d){escaped}(?!\d)" if secret.isdigit() else escaped


def _redact_shape(match: re.Match[str]) -> str:
    return (match.group("scheme") or match.group("field") or "") + REDACTED
