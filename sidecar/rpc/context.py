"""Per-request context handed to every handler.

Owns the handler's view of its own request: id, method name, and the outbound notification
channel (for progress and other events). Must not know the transport or the wire format.
"""

from collections.abc import Callable
from typing import Any

from sidecar.rpc.protocol import PROGRESS

NotificationSink = Callable[[str, Any], None]


class RequestContext:
    """What a handler knows about the request it serves."""

    __slots__ = ("_send", "id", "method")

    def __init__(self, id: int | str | None, method: str, send: NotificationSink) -> None:
        self.id = id
        """The request id; None when the call is a notification."""
        self.method = method
        self._send = send

    def notify(self, method: str, params: Any) -> None:
        """Queue an outbound notification to the peer."""
        self._send(method, params)

    def progress(self, done: int, total: int | None) -> None:
        """Report progress of this request (`$/progress`); a no-op for notifications."""
        if self.id is not None:
            self._send(PROGRESS, {"id": self.id, "done": done, "total": total})

    def __repr__(self) -> str:
        return f"RequestContext(id={self.id!r}, method={self.method!r})"
