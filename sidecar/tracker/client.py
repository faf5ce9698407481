"""`TrackerClient`: every HTTP exchange with Tracker (and Yandex OAuth) goes through here.

Owns: the one pooled aiohttp session (created lazily inside the running loop, from aiohttp and
the SSL context that `stack.py` loads in threads: nothing here imports aiohttp on the loop
before the session exists, or the loop would wait for the preload's import), URL resolution,
which headers go where (credentials only on requests addressed to the API origin, never on a
redirect that passed through another host), manual redirects (none for OAuth forms), the
cooldown turn and fresh credentials on every attempt, the pause after a 429, retries, the single
401 → refresh → retry, the status → exception mapping, size-capped bodies, streaming downloads
under an overall deadline, the secrets it sent taken out of every failure it raises, and one
debug log line per attempt.
Must not know: JSON-RPC, the frontend's DTOs, where tokens are stored.

Every request goes down one chain, each layer named after what it adds (as httpx's
`_send_handling_*` are): `request`/`stream`/`upload`/`post_form` → `_send_handling_refresh`
(no session: fail before any connection; one refresh after a 401, around `run_with_retries`)
→ `_send_attempt` (time budget, reading the answer, and the one place aiohttp's exceptions
become ours; `_send_logged` adds the debug line when it is on) → `_send_handling_redirects` (up
to three, by hand; each hop waits for a 429's hold, or with a cooldown gap for its turn in
`_send_queued`, where a `timing.SendHook` takes the slot and the credentials at the last
moment; then aiohttp).
A plain GET that gets its answer passes each layer once and waits for nothing but the answer:
the rare branches (a 401, a retry, a redirect, a 429's hold, the cooldown's queue, a body's
files) cost a test each when not taken, and what is the same for every request (headers, the
checked credentials' headers, timeouts, the session) is built once. The time budget, the send
hook and the transfer deadline live in `timing.py`, the streamed upload body in `uploads.py`,
reading bodies within limits in `bodies.py`, the record of secrets to redact in
`redaction.py`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, MutableMapping
from contextlib import ExitStack, asynccontextmanager, contextmanager
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

import msgspec
from yarl import URL

from sidecar.errors import InvalidInput, NotAuthenticated, SidecarError

from . import errors
from .auth import Credentials, CredentialsProvider, auth_headers
from .bodies import CHUNK_SIZE, MAX_BODY, declared_length, read_capped, read_error_body
from .config import ClientConfig, check_base_url
from .cooldown import JITTER_MARGIN_S, Cooldown
from .redaction import Secrets, scrub
from .responses import TrackerResponse, status_error
from .retry import rate_limit_pause, run_with_retries
from .stack import load_transport, load_trust, preload
from .timing import Budget, SendHook, deadline
from .uploads import ProgressCallback, file_form
from .urls import api_path, check_api_url, origin_of, redact

if TYPE_CHECKING:
    import aiohttp

__all__ = ["ProgressCallback", "TrackerClient", "TrackerResponse", "TrackerStream", "api_path"]

T = TypeVar("T")
Params = Mapping[str, "str | int"]
# Builds a fresh request body for one send; files it opens are closed with the ExitStack.
BodyFactory = Callable[[ExitStack], Any]
# What an attempt does with the answer it got: read it (and check its status) or keep it open.
Finish = Callable[["_Call", "aiohttp.ClientResponse", str], Awaitable[T]]


@contextmanager
def map_aiohttp_errors() -> Iterator[None]:
    """`transport.map_aiohttp_errors`, imported on first use.

    aiohttp (via `.transport`) loads only when the first request is made: importing it costs
    ~150 ms, which must stay off the path to the `ready` notification and the first `ping`.
    """
    from .transport import map_aiohttp_errors as mapped

    with mapped():
        yield


def _transport_error(exc: BaseException) -> errors.TransportError | None:
    """`transport.transport_error`, imported on first use (see `map_aiohttp_errors`)."""
    from .transport import transport_error

    return transport_error(exc)


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


class _Call:
    """One logical request across its attempts, redirects and the 401 refresh."""

    __slots__ = (
        "_request_id",
        "api",
        "authed",
        "background",
        "binary",
        "body",
        "content_type",
        "limit_s",
        "method",
        "sent_creds",
        "swap",
        "transfer",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: URL,
        api: bool,
        *,
        transfer: bool = False,
        background: bool = False,
        authed: bool = True,
    ) -> None:
        self.method, self.url = method, url
        self.transfer = transfer  # aiohttp's limits for a transfer: an idle limit on reads
        self.api = api  # `url` is at the API origin
        self.limit_s: float | None = None  # per attempt, cooldown waits excluded (`Budget`)
        self.body: BodyFactory | None = None
        self.content_type: str | None = None
        self.background, self.binary = background, False
        self.authed = authed  # False for OAuth: no credentials, no cooldown, no redirects
        self._request_id: str | None = None
        self.sent_creds: Credentials | None = None  # what the latest hop carried
        self.swap: tuple[Credentials, Credentials] | None = None  # (stale, refreshed)

    @property
    def request_id(self) -> str:
        """Names the request in logs and errors when Tracker's answer gives no X-Request-Id:
        unique enough, no system call (uuid4 made one), made only when it is needed."""
        if self._request_id is None:
            self._request_id = f"{random.getrandbits(64):016x}"
        return self._request_id


class _AttemptLog:
    """What one attempt's log line reports (made only when the line is logged)."""

    def __init__(self) -> None:
        self.request_id: str | None = None  # Tracker's X-Request-Id, else the call's
        self.status: int | None = None

    def seen(self, status: int, request_id: str) -> None:
        self.status, self.request_id = status, request_id


class TrackerStream:
    """An open 2xx binary response; read it with `chunks()` inside `client.stream(...)`."""

    def __init__(self, resp: aiohttp.ClientResponse, request_id: str) -> None:
        self._resp = resp
        self.status = resp.status
        self.content_type: str | None = resp.headers.get("Content-Type")
        self.total: int | None = declared_length(resp)
        self.request_id = request_id

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body in chunks of at most 64 KiB.

        Raises:
            errors.NetworkError, errors.RequestTimeout: the body was cut short or stalled.
        """
        with map_aiohttp_errors():
            async for chunk in self._resp.content.iter_chunked(CHUNK_SIZE):
                yield chunk


class TrackerClient:
    """The Tracker HTTP client; one per process, closed with `close()`."""

    def __init__(
        self,
        config: ClientConfig,
        credentials: CredentialsProvider,
        *,
        logger: logging.Logger,
        secrets: Secrets | None = None,
    ) -> None:
        check_base_url(config.api_base_url, config.allow_http_loopback)
        check_base_url(config.oauth_base_url, config.allow_http_loopback)
        self.config = config
        self._credentials = credentials
        self._log = logger
        self._api_base = config.api_base_url.rstrip("/")
        self._api_origin = origin_of(URL(self._api_base))
        self._cooldown = Cooldown(config.cooldown_s, margin_s=JITTER_MARGIN_S)
        self._session: aiohttp.ClientSession | None = None
        self._session_lock = asyncio.Lock()
        self._base_headers = {"Accept-Language": lang} if (lang := config.accept_language) else {}
        self._auth_for: Credentials | None = None  # whose headers `_auth` holds
        self._auth: dict[str, str] = {}
        self._closed = False
        self.secrets = Secrets() if secrets is None else secrets
        """Every credential sent or received; failures leave the client without them. Shared
        with the log when the app hands in its record."""
        self.answers = 0
        """HTTP answers received so far, of any status: each one shows the server is reachable."""

    def _timeout(self, call: _Call) -> aiohttp.ClientTimeout:
        """aiohttp's limits for `call`, read when it is sent: the session exists by then, so
        aiohttp is loaded. Read earlier, on the loop, `import aiohttp` waited for the preload's
        import to finish (~100 ms at start), and no request could be answered meanwhile."""
        return self._transfer_timeout if call.transfer else self._request_timeout

    @cached_property
    def _request_timeout(self) -> aiohttp.ClientTimeout:
        import aiohttp  # deferred, see map_aiohttp_errors

        # The total limit is `_Call.limit_s`, enforced by `Budget` (aiohttp's would count
        # the cooldown wait).
        return aiohttp.ClientTimeout(total=None, connect=self.config.connect_timeout_s)

    @cached_property
    def _transfer_timeout(self) -> aiohttp.ClientTimeout:
        import aiohttp  # deferred, see map_aiohttp_errors

        config = self.config
        return aiohttp.ClientTimeout(
            total=None, connect=config.connect_timeout_s, sock_read=config.transfer_idle_timeout_s
        )

    # -- public API ---------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        background: bool = False,
        idempotent: bool | None = None,
        binary: bool = False,
    ) -> TrackerResponse:
        """Send one Tracker request and return its fully read 2xx answer.

        `idempotent` defaults from the method (GET/HEAD/PUT/DELETE/OPTIONS); pass True for a
        read-only POST such as a search. `binary` selects the `http <status>: <body>` error
        form for every status and follows cross-origin redirects without credentials.

        Raises:
            errors.HTTPStatusError subclasses, errors.TransportError subclasses,
            errors.DecodeError, NotAuthenticated, InvalidInput (bad URL).
        """
        method = method.upper()
        url, api = self._resolve(path_or_url, params)
        call = _Call(method, url, api, background=background)
        call.binary, call.limit_s = binary, self.config.request_timeout_s
        if json is not None:
            data = msgspec.json.encode(json)
            call.body, call.content_type = (lambda _stack: data), JSON_TYPE
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        return await self._send_handling_refresh(call, _read_checked, idempotent)

    @asynccontextmanager
    async def stream(
        self, url_or_path: str, *, background: bool = False
    ) -> AsyncIterator[TrackerStream]:
        """GET a binary body without buffering it; retries happen only before the body starts.

        The whole exchange, reading the body included, ends with `errors.RequestTimeout` after
        `transfer_timeout_s`; a body that stalls for `transfer_idle_timeout_s` ends sooner.
        """
        call = _Call("GET", *self._resolve(url_or_path, None), transfer=True)
        call.background, call.binary = background, True
        async with deadline(self.config.transfer_timeout_s):
            resp, request_id = await self._send_handling_refresh(call, _keep_open, True)
            try:
                yield TrackerStream(resp, request_id)
            finally:
                resp.close()

    async def upload(
        self,
        path: str,
        file_path: str,
        *,
        filename: str,
        content_type: str,
        background: bool = False,
        progress: ProgressCallback | None = None,
    ) -> TrackerResponse:
        """POST `file_path` as multipart part `file`, streamed from disk, reopened per attempt.

        `progress(done, total)` is called on the event loop as bytes leave the file.

        Raises:
            LocalIOError: the file cannot be opened; plus everything `request` raises.
        """
        url, api = self._resolve(path, {"filename": filename})
        call = _Call("POST", url, api, transfer=True, background=background)
        call.body = partial(file_form, file_path, filename, content_type, progress)
        async with deadline(self.config.transfer_timeout_s):
            return await self._send_handling_refresh(call, _read_checked, False)

    async def post_form(
        self, url: str, fields: Mapping[str, str], *, secret: tuple[str, ...] = ()
    ) -> TrackerResponse:
        """POST an urlencoded form without credentials or cooldown (Yandex OAuth).

        Returns the answer whatever its status (the caller words OAuth errors); retries only
        when nothing was sent. A redirect is never followed: the form would go to wherever it
        points (`errors.RedirectRefused`). The form is never logged; the values of the fields
        named in `secret` join `self.secrets`.
        """
        self.secrets.add(*(fields[name] for name in secret if name in fields))
        data = urlencode(dict(fields)).encode()
        call = _Call("POST", *self._resolve(url, None), authed=False)
        call.body, call.content_type, call.binary = (lambda _stack: data), FORM_TYPE, True
        call.limit_s = self.config.request_timeout_s
        return await self._send_handling_refresh(call, _read_any_status, False)

    async def close(self) -> None:
        """Close the session; the client cannot be used afterwards."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- layers -------------------------------------------------------------------------------

    async def _send_handling_refresh(self, call: _Call, finish: Finish[T], idempotent: bool) -> T:
        """Retries, then at most one credentials refresh after a 401 and one more round; what
        fails leaves without a secret the server may have echoed."""
        await self._require_credentials(call)
        # Each attempt's log line is built only when it is logged: the level is read once.
        logged = self._log.isEnabledFor(logging.DEBUG)
        attempt = partial(self._send_logged if logged else self._send_attempt, call, finish)
        policy = self.config.retry
        try:
            try:
                return await run_with_retries(attempt, idempotent=idempotent, policy=policy)
            except errors.Unauthorized:
                if not await self._refresh(call):
                    raise
            return await run_with_retries(attempt, idempotent=idempotent, policy=policy)
        except SidecarError as exc:
            scrub(exc, self.secrets)
            raise

    async def _require_credentials(self, call: _Call) -> None:
        """Without a session a request that would carry one fails here, before any connection.

        Each attempt still reads the credentials just before it is sent (a refresh may land in
        between, an early refresh happens there); this check only keeps a signed-out call from
        connecting, queueing for the cooldown and retrying network errors before it says "sign
        in". A token that has already expired is refreshed here, before it is sent in vain.
        """
        if call.authed and call.api:
            await self._credentials.require()

    async def _refresh(self, call: _Call) -> bool:
        stale = call.sent_creds
        if stale is None:  # the 401 came from a host we sent no credentials to
            return False
        fresh = await self._credentials.refreshed(stale)
        if fresh is not None:
            call.swap = (stale, fresh)
        return fresh is not None

    async def _send_logged(self, call: _Call, finish: Finish[T], attempt: int) -> T:
        """`_send_attempt` with its debug line."""
        log = _AttemptLog()
        with self._logged(call, attempt, log):
            return await self._send_attempt(call, finish, attempt, log)

    async def _send_attempt(
        self, call: _Call, finish: Finish[T], attempt: int, log: _AttemptLog | None = None
    ) -> T:
        """One attempt within its time budget; the one place aiohttp's exceptions become ours
        (a plain `except`: a context manager per attempt cost a few µs on every request).

        A 429 from the API holds every request back (`Cooldown.hold`), not only this one.
        """
        stack = None if call.body is None else ExitStack()  # what a body opens, closed after
        try:
            budget = Budget(call.limit_s)
            async with budget.limit:
                resp = await self._send_handling_redirects(call, stack, budget)
                self.answers += 1
                request_id = resp.headers.get("X-Request-Id") or call.request_id
                if log is not None:
                    log.seen(resp.status, request_id)
                return await finish(call, resp, request_id)
        except errors.RateLimited as exc:
            if call.authed:
                self._cooldown.hold(rate_limit_pause(exc, attempt, self.config.retry))
            raise
        except Exception as exc:
            mapped = _transport_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            if stack is not None:
                stack.close()

    async def _send_handling_redirects(
        self, call: _Call, stack: ExitStack | None, budget: Budget
    ) -> aiohttp.ClientResponse:
        """Send, following up to MAX_REDIRECTS redirects by hand; each hop waits its cooldown
        turn first (`_send_queued`) or, with the gap off, only a 429's hold.

        Credentials go only on hops the sidecar addressed to the API itself: once a redirect
        has passed through another origin, a later hop back into the API gets none.
        """
        method, url, body, trusted = call.method, call.url, call.body, call.api
        for hop in range(MAX_REDIRECTS + 1):
            session = self._session if self._session is not None else await self._http()
            data = body(stack) if body is not None and stack is not None else None
            headers = self._headers(call)
            if call.authed and self._cooldown.active:
                resp = await self._send_queued(
                    session, call, method, url, data, headers, budget, trusted
                )
            else:
                if call.authed and self._cooldown.ever_held:  # a 429 holds even without a gap
                    await self._cooldown.wait_hold(budget)
                await self._authorize(call, trusted, headers)
                resp = await session.request(
                    method, url, data=data, headers=headers, timeout=self._timeout(call),
                    allow_redirects=False,
                )  # fmt: skip
            if (
                resp.status not in REDIRECT_STATUSES
                or (target := _redirect_target(resp, url)) is None
            ):
                return resp
            resp.release()
            self._check_redirect(call, hop, url, target, resp.status)
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, body = "GET", None
            url, trusted = target, trusted and self._is_api(target)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _send_queued(
        self,
        session: aiohttp.ClientSession,
        call: _Call,
        method: str,
        url: URL,
        data: Any,
        headers: dict[str, str],
        budget: Budget,
        trusted: bool,
    ) -> aiohttp.ClientResponse:
        """One hop through the cooldown queue: the turn first, then aiohttp, where the hook
        takes the slot and reads the credentials at the last moment."""
        async with self._cooldown.turn(call.background, budget) as turn:
            await turn.acquire()
            hook = SendHook(turn, partial(self._authorize, call, trusted))
            return await session.request(
                method, url, data=data, headers=headers, timeout=self._timeout(call),
                allow_redirects=False, trace_request_ctx=hook,
            )  # fmt: skip

    # -- helpers ------------------------------------------------------------------------------

    def _headers(self, call: _Call) -> dict[str, str]:
        headers = self._base_headers.copy()
        if call.content_type and call.body is not None:
            headers["Content-Type"] = call.content_type
        return headers

    async def _authorize(
        self, call: _Call, trusted: bool, headers: MutableMapping[str, str]
    ) -> None:
        """Credentials for a hop addressed to the API origin only, fetched for this very attempt.

        Raises:
            NotAuthenticated: the session's token or org id cannot go into a header (a line
                break in a session stored before such values were refused at sign-in).
        """
        call.sent_creds = None
        if call.authed and trusted:
            creds = await self._credentials.current()
            # A provider that does not remember a refresh would hand back the stale token.
            if call.swap is not None and creds == call.swap[0]:
                creds = call.swap[1]
            headers.update(self._auth_headers(creds))
            call.sent_creds = creds
            self.secrets.add(creds.token)

    def _auth_headers(self, creds: Credentials) -> dict[str, str]:
        """`auth_headers(creds)`, checked once per session rather than on every request."""
        if creds != self._auth_for:
            try:
                self._auth = auth_headers(creds)
            except ValueError:
                raise NotAuthenticated(UNSENDABLE_SESSION) from None
            self._auth_for = creds
        return self._auth

    async def _http(self) -> aiohttp.ClientSession:
        """The session, made on first use (`self._session`, once made, is read directly)."""
        if self._closed:
            raise RuntimeError("TrackerClient is closed")
        async with self._session_lock:
            if self._session is None:
                self._session = await self._new_session()
        return self._session

    def preload(self) -> None:
        """Start loading what the first request needs (aiohttp, and the TLS trust when the API
        is on https) in background threads, so that request does not wait for them."""
        preload(self.config.ca_file, tls=self._api_origin[0] == "https")

    async def _new_session(self) -> aiohttp.ClientSession:
        """Import aiohttp and load the trust store in two worker threads, then build the session.

        Both take tens of milliseconds; on the loop they would stall every other request (a
        `ping`, a cancellation, the EOF that ends the process) behind the first Tracker call.
        """
        transport, ssl_context = await asyncio.gather(
            asyncio.to_thread(load_transport),
            asyncio.to_thread(load_trust, self.config.ca_file),
        )
        session: aiohttp.ClientSession = transport.make_session(
            ssl_context, self.config.user_agent, send_hooks=self._cooldown.active
        )
        return session

    def _is_api(self, url: URL) -> bool:
        return origin_of(url) == self._api_origin

    def _resolve(self, path_or_url: str, params: Params | None) -> tuple[URL, bool]:
        """An absolute https URL as it is, else a path joined to the API root; and whether it
        is at the API origin.

        Raises:
            InvalidInput: an http:// URL, or one the URL parser rejects (`urls.check_url`).
        """
        try:
            if path_or_url.startswith(("http://", "https://")):
                check_base_url(path_or_url, self.config.allow_http_loopback)
                url = URL(path_or_url)
                api = self._is_api(url)
            else:
                url, api = check_api_url(self._api_base + "/" + path_or_url.lstrip("/")), True
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        return (url.extend_query(params) if params else url), api

    def _check_redirect(self, call: _Call, hop: int, source: URL, target: URL, status: int) -> None:
        """Whether a redirect may be followed; else the error that ends the request."""
        if not call.authed:
            raise errors.RedirectRefused.oauth(target, status)
        if hop == MAX_REDIRECTS:
            raise errors.DecodeError("unexpected error: too many redirects", status=status)
        if origin_of(target) == origin_of(source):
            return
        if not call.binary:
            raise errors.DecodeError(
                f"unexpected error: refused redirect to another host ({target.host})",
                status=status,
            )
        try:
            check_base_url(str(target), self.config.allow_http_loopback)
        except ValueError:
            raise errors.DecodeError(
                f"unexpected error: refused redirect to a non-HTTPS URL ({target.host})",
                status=status,
            ) from None

    @contextmanager
    def _logged(self, call: _Call, attempt: int, log: _AttemptLog) -> Iterator[None]:
        """One debug line per attempt: never a token, header, body or query value."""
        started = time.perf_counter()
        outcome = "cancelled"
        try:
            yield
            outcome = str(log.status)
        except SidecarError as exc:
            outcome = f"{exc.status} {exc.kind}" if exc.status else exc.kind
            raise
        finally:
            shown = redact(call.url, show_origin=origin_of(call.url) != self._api_origin)
            self._log.debug(
                "tracker request %s %s %s -> %s in %d ms (attempt %d)",
                log.request_id or call.request_id,
                call.method,
                shown,
                outcome,
                (time.perf_counter() - started) * 1000,
                attempt,
            )


UNSENDABLE_SESSION = (
    "The stored session holds a token or organization id that cannot be sent "
    "(a space, a line break or a non-ASCII character). Sign in again to continue."
)


def _redirect_target(resp: aiohttp.ClientResponse, url: URL) -> URL | None:
    location = resp.headers.get("Location")
    if resp.status not in REDIRECT_STATUSES or not location:
        return None
    try:
        return url.join(URL(location))
    except ValueError:
        raise errors.DecodeError(
            "unexpected error: unusable redirect location", status=resp.status
        ) from None


async def _read_checked(
    call: _Call, resp: aiohttp.ClientResponse, request_id: str
) -> TrackerResponse:
    """The whole body of a 2xx answer (at most MAX_BODY); any other status raises its error."""
    if resp.status < 300:
        body = await read_capped(resp, MAX_BODY, request_id)
        return TrackerResponse(resp.status, resp.headers, body, request_id)
    raise status_error(
        resp.status,
        resp.headers,
        await read_error_body(resp),
        auth_form=not call.binary,
        request_id=request_id,
    )


async def _read_any_status(
    call: _Call, resp: aiohttp.ClientResponse, request_id: str
) -> TrackerResponse:
    """The body, at most MAX_BODY (2xx) or MAX_ERROR_BODY (other statuses) of it.

    Raises:
        errors.DecodeError: a 2xx body larger than MAX_BODY.
    """
    if resp.status < 300:
        body = await read_capped(resp, MAX_BODY, request_id)
    else:
        body = await read_error_body(resp)
    return TrackerResponse(resp.status, resp.headers, body, request_id)


async def _keep_open(
    call: _Call, resp: aiohttp.ClientResponse, request_id: str
) -> tuple[aiohttp.ClientResponse, str]:
    """A 2xx answer stays open for streaming; any other status is read and raised."""
    if resp.status < 300:
        return resp, request_id
    try:
        body = await read_error_body(resp)
    finally:
        resp.release()
    raise status_error(resp.status, resp.headers, body, auth_form=False, request_id=request_id)
