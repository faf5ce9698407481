"""The method table: names, handlers, params types and their prebuilt decoders.

Owns registration (frozen once serving starts), methods whose handler is loaded on first need
(`defer`: the name is known at once, the code behind it later), and the second decoding stage:
raw params → the method's params type, with -32602 errors that name the offending field in the
Tauri style the frontend already parses. Must not know the transport, the envelope, any domain,
or what loading a deferred method involves (the app's `load`).
"""

import re
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from sidecar.rpc.context import RequestContext
from sidecar.rpc.errors import INVALID_PARAMS, RpcError
from sidecar.rpc.messages import UNREADABLE, unreadable_reason

Handler = Callable[[Any, RequestContext], Awaitable[Any]]
# Registers the deferred methods it stands for (with `Router.add`). Every request for one of
# them awaits it, concurrently too, so it must do its work once and be cheap to await again.
Load = Callable[[], Awaitable[None]]

# Only the error path reads these; `re` compiles a pattern on its first use (and caches it),
# so no start pays for them.
_PATH = r" - at `\$\.?([A-Za-z0-9_$-]*)([^`]*)`$"
_NAMED_FIELD = r"field `([^`]+)`"


class Method(msgspec.Struct, frozen=True):
    """One registered method; `handler(params, ctx)` gets None when params_type is None.

    A deferred method's placeholder has `load` set and nothing else that is usable yet.
    """

    name: str
    handler: Handler
    params_type: type | None
    result_type: Any
    summary: str = ""
    load: Load | None = None


class Router:
    """Method name → Method, built at startup and frozen before serving."""

    def __init__(self) -> None:
        self._methods: dict[str, Method] = {}
        self._decoders: dict[str, msgspec.json.Decoder[Any]] = {}
        self._frozen = False

    def add(
        self,
        name: str,
        handler: Handler,
        params_type: type | None,
        result_type: Any = Any,
        *,
        summary: str = "",
    ) -> Method:
        """Register a method and build its params decoder once; a deferred one is filled in.

        Raises:
            RuntimeError: the name is taken (and not deferred) or the router is frozen.
        """
        placeholder = self._methods.get(name)
        if placeholder is None or placeholder.load is None:
            self._check_new(name)
        method = Method(name, handler, params_type, result_type, summary)
        if params_type is not None:
            self._decoders[name] = msgspec.json.Decoder(params_type)
        self._methods[name] = method
        return method

    def defer(self, name: str, load: Load) -> None:
        """Register `name` now and its handler once `load()` has added it.

        A request for it waits for `load()` (which it starts, when nothing has yet): a method
        that has not loaded is never refused.

        Raises:
            RuntimeError: the name is taken or the router is frozen.
        """
        self._check_new(name)
        self._methods[name] = Method(name, _not_loaded, None, Any, load=load)

    async def loaded(self, method: Method) -> Method:
        """`method` itself, or for a deferred one the method its load registered.

        Raises:
            RuntimeError: the load finished without registering it.
        """
        if method.load is None:
            return method
        await method.load()
        current = self._methods[method.name]
        if current.load is not None:
            raise RuntimeError(f"loading did not register method {method.name!r}")
        return current

    def _check_new(self, name: str) -> None:
        if self._frozen:
            raise RuntimeError(f"router is frozen; cannot add {name!r}")
        if name in self._methods:
            raise RuntimeError(f"method {name!r} is already registered")

    def freeze(self) -> None:
        self._frozen = True

    def get(self, name: str) -> Method | None:
        return self._methods.get(name)

    def names(self) -> list[str]:
        return list(self._methods)

    def methods(self) -> list[Method]:
        return list(self._methods.values())

    def decode_params(self, method: Method, raw: msgspec.Raw | None) -> Any:
        """Decode raw params for `method`; missing or null params mean `{}`.

        Raises:
            RpcError: INVALID_PARAMS, naming the offending field when there is one.
        """
        if method.params_type is None:
            return None
        decoder = self._decoders.get(method.name) or msgspec.json.Decoder(method.params_type)
        data = bytes(raw) if raw is not None else b""
        if not data or data == b"null":
            data = b"{}"
        if data.lstrip()[:1] == b"[":
            reason = "params must be an object, not an array"
            raise _invalid_params(method.name, None, reason, reason)
        try:
            return decoder.decode(data)
        except msgspec.ValidationError as exc:
            detail = str(exc)
            raise _invalid_params(method.name, *_field_and_reason(detail), detail) from None
        except UNREADABLE as exc:
            # Every failure to read the client's bytes is the client's fault, whatever
            # exception this msgspec version raises for it (0.22: UnicodeDecodeError for
            # invalid UTF-8; 0.23: DecodeError). The envelope's own checks normally refuse
            # too deep nesting first.
            reason = unreadable_reason(exc, "params")
            raise _invalid_params(method.name, _blamed_field(data), reason, reason) from None


async def _not_loaded(params: Any, ctx: RequestContext) -> Any:
    raise RuntimeError(f"{ctx.method} was called before it was loaded")


def _blamed_field(data: bytes) -> str | None:
    """The first top-level field whose value cannot be read on its own (error path only)."""
    try:
        # Top-level keys, their values left unread: Raw skips a value without checking its UTF-8.
        fields = msgspec.json.decode(data, type=dict[str, msgspec.Raw])
    except UNREADABLE:
        return None  # the keys themselves are unreadable
    for name, value in fields.items():
        try:
            msgspec.json.decode(value)
        except UNREADABLE:
            return name
    return None


def _field_and_reason(detail: str) -> tuple[str | None, str]:
    """The top-level arg msgspec blames, and the detail with a redundant `$.arg` path cut."""
    path = re.search(_PATH, detail)
    if path is None:
        named = re.search(_NAMED_FIELD, detail)
        return (named.group(1) if named else None), detail
    name, rest = path.group(1) or None, path.group(2)
    return name, (detail[: path.start()] if not rest else detail)


def _invalid_params(command: str, name: str | None, reason: str, detail: str) -> RpcError:
    arg = f" `{name}`" if name else ""
    message = f"invalid args{arg} for command `{command}`: {reason}"
    return RpcError(INVALID_PARAMS, message, {"field": name, "detail": detail})
