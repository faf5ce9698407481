"""URL helpers: API paths, origins, and the redacted form that goes to the log.

Owns: `api_path` (segment quoting), `origin_of`, `redact`. Must not know: HTTP sessions.
"""

from __future__ import annotations

from urllib.parse import quote

from yarl import URL


def api_path(*segments: str) -> str:
    """`/v3/` plus each segment percent-quoted, e.g. `api_path("issues", "TREK-1")`."""
    return "/v3/" + "/".join(quote(s, safe="") for s in segments)


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
