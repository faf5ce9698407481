"""URL helpers: API paths, URL checks, origins, and the redacted form that goes to the log.

Owns: `api_path` (each id checked, then percent-encoded as one segment, so no input can change
the path's shape), `check_url` (what the URL parser would choke on, refused with a message),
`check_api_url`, `origin_of`, `redact`. Must not know: HTTP sessions.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from yarl import URL

from sidecar.errors import InvalidInput

from .config import refuse_parts, refuse_text

MAX_SEGMENT = 255
"""Longest id accepted in a path: Tracker's keys and ids are far shorter (a 24-hex id)."""
_DOT_SEGMENTS = frozenset({".", ".."})
_PLAIN = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_SEGMENT}}}")
# C0 controls, DEL and C1 controls: never part of a key or an id, and NUL, CR and LF end a
# request line early in some servers.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def api_path(*segments: str, version: str = "v3") -> str:
    """`/v3/` plus each segment percent-encoded, e.g. `api_path("issues", "TREK-1")`.

    `/`, `?`, `#` and `%` inside a segment are data, never structure.

    Raises:
        InvalidInput: a segment could change the path's shape or is no id at all (see
            `check_segment`).
    """
    return f"/{version}/" + "/".join(_segment(s) for s in segments)


def _segment(value: str) -> str:
    if _PLAIN.fullmatch(value):  # an issue key or an id, as nearly always: nothing to refuse
        return value  # or to encode (the checks below cost ~5 µs a request)
    return quote(check_segment(value), safe="")


def check_segment(value: str) -> str:
    """`value` when it can be one path segment as it is; else InvalidInput naming the rule.

    Refused: empty, `.` and `..` (URL resolution removes them, so `comments/..` would name
    the issue itself), anything that percent-decodes to them (`%2e`, `.%2E`: a proxy may decode
    once), `/` and `\\` (a server may split on either, encoded or not), control characters
    (NUL, CR, LF, …) and more than MAX_SEGMENT characters.
    """
    shown = repr(value if len(value) <= 40 else value[:40] + "…")
    if not value.strip():
        raise InvalidInput(f"Invalid id {shown}: it must not be empty")
    if len(value) > MAX_SEGMENT:
        raise InvalidInput(f"Invalid id {shown}: longer than {MAX_SEGMENT} characters")
    if _CONTROL.search(value):
        raise InvalidInput(f"Invalid id {shown}: it contains a control character")
    if "/" in value or "\\" in value or _decodes_to_slash(value):
        raise InvalidInput(f"Invalid id {shown}: it contains a path separator")
    if _fully_unquoted(value) in _DOT_SEGMENTS:
        raise InvalidInput(f"Invalid id {shown}: '.' and '..' are not ids")
    return value


def _fully_unquoted(value: str) -> str:
    for _ in range(4):  # %252e → %2e → .; a few rounds cover any sane chain of proxies
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    return value


def _decodes_to_slash(value: str) -> bool:
    decoded = _fully_unquoted(value)
    return "/" in decoded or "\\" in decoded


def check_url(url: str) -> URL:
    """`url` parsed, or ValueError with a message fit for the user.

    Refused: what yarl cannot parse (a port above 65535, a broken IPv6 literal), control
    characters (NUL, CR, LF, …) and backslashes anywhere, and a host that is not a DNS name
    or an IP literal (a space, say).
    """
    parsed, port = _parsed(url, with_port=True)
    refuse_parts(url, port, parsed.raw_host)
    return parsed


def check_api_url(url: str) -> URL:
    """`check_url` for the checked API root plus a path: its host and port are the root's,
    which passed already, so only what a path can add (`refuse_text`) is looked for."""
    return _parsed(url, with_port=False)[0]


def _parsed(url: str, *, with_port: bool) -> tuple[URL, int | None]:
    """`url` without refused text, parsed (yarl parses the port only when it is read)."""
    refuse_text(url)
    try:
        parsed = URL(url)
        return parsed, parsed.port if with_port else None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid URL {url!r}: {exc}") from None


def origin_of(url: URL) -> tuple[str, str, int | None]:
    """scheme, host and port: the unit that may receive credentials."""
    return (url.scheme.lower(), (url.host or "").lower(), url.port)


def redact(url: URL, *, show_origin: bool = False) -> str:
    """The path with every query value replaced by `*`: `/v3/x?fields=*&scrollId=*`."""
    text = url.raw_path
    if url.raw_query_string:
        text += "?" + "&".join(f"{key}=*" for key in url.query)
    if show_origin:
        text = f"{url.scheme}://{url.raw_authority}{text}"
    return text
