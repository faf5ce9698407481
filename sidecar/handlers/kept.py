"""What the user saw last, kept on disk per account: answering from it, storing in it, and
telling the client when an answer is old because Tracker could not be reached.

Owns the disk cache's policy (protocol/README.md, Disk cache and offline reading):

- which store a session uses: the account its token belongs to, found through the disk
  cache's index at once, or learnt from the first `/myself` answer (`learned`);
- what may be stored: a value read under the session and with no write or `cache/clear` in
  between (`mark()` at the start of the read, checked at `store`), so an answer that arrives
  after a sign-in, sign-out, refresh or write is answered to its own request only;
- answers from disk while young enough (`read(..., fresh_s=...)`: catalogs and the user for
  --catalog-ttl-s; first pages for --cache-fresh-s, in `issues.py`), then revalidated in the
  background, once per session, starting REVALIDATE_DELAY_S after the first issue list;
- offline answers: when Tracker cannot be reached (`unreachable`) a read answers what is
  stored, whatever its age, after a `cache/stale` notification; `offline` and `online` tell
  when reachability changes; while offline, reads try Tracker once, without retries;
- invalidation after a write (`changed`) and the account's wipe at logout (`wipe`).

Must not know: Tracker paths or how a value is fetched (handlers pass `load`), SQLite and
files (`local/disk_cache.py`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import msgspec

from sidecar.api.system import CacheStale, Reachability
from sidecar.errors import SidecarError
from sidecar.local.disk_cache import DiskCache, Known, account_name, token_fingerprint
from sidecar.session.manager import SessionManager
from sidecar.tracker.errors import NetworkError, RequestTimeout, TrackerError, TransportError
from sidecar.tracker.retry import OneAttempt, one_attempt

T = TypeVar("T")
log = logging.getLogger("sidecar.cache")

STALE, OFFLINE, ONLINE = "cache/stale", "offline", "online"
REVALIDATE_DELAY_S = 2.0  # the start-up burst's own requests go first
LIST_PREFIX = "list:"
TODAY_PREFIX = "today:"
USER = "user"
# The kinds of an issue's entries (`entry_key`), named by the writes that change them.
ISSUE, COMMENTS, TRANSITIONS = "issue", "comments", "transitions"
ATTACHMENTS, CHECKLIST, WORKLOGS = "attachments", "checklist", "worklogs"


class _Call(Protocol):
    @property
    def id(self) -> int | str | None: ...


def unreachable(exc: BaseException) -> bool:
    """Tracker could not be reached: a refused connection, DNS, TLS, a timeout; an answer of
    any status (4xx, 5xx) means it could."""
    return isinstance(exc, RequestTimeout) or (isinstance(exc, NetworkError) and not exc.sent)


def entry_key(kind: str, issue_key: str) -> str:
    """The store key of an issue's `kind` (issue, comments, transitions, …)."""
    return f"{kind}:{issue_key.strip().upper()}"


# NamedTuples and plain classes, not dataclasses: this module loads before `ready`, where a
# dataclass costs ~0.7 ms to make (a generic NamedTuple ~1.4 ms).


class Mark(NamedTuple):
    """When a read began: its session and the writes and clears seen so far."""

    generation: int
    epoch: int


class Stored(Generic[T]):
    """A read whose answer is kept: the command and params it answers, its key, its type."""

    __slots__ = ("key", "method", "params", "type")

    def __init__(self, method: str, params: Any, key: str, type_: type[T]) -> None:
        self.method, self.params, self.key, self.type = method, params, key, type_


class Hit(Generic[T]):
    """A stored value, how old it is, and whether a write made it stale."""

    __slots__ = ("age_s", "stale", "value")

    def __init__(self, value: T, age_s: float, stale: bool) -> None:
        self.value, self.age_s, self.stale = value, age_s, stale


class _Binding:
    """The store of one session generation; no fingerprint when signed out."""

    __slots__ = ("account", "fingerprint", "generation", "login", "org_id", "org_type")

    def __init__(
        self,
        generation: int,
        fingerprint: str | None = None,
        org_type: str = "",
        org_id: str | None = None,
    ) -> None:
        self.generation, self.fingerprint = generation, fingerprint
        self.org_type, self.org_id = org_type, org_id
        self.account: str | None = None  # None until known
        self.login: str | None = None


class _Watching:
    """`Kept.watching()` and `Kept.reading()`: a class, not generators, as it runs around every
    read (two generator-based managers cost ~12 Python calls per request)."""

    __slots__ = ("_attempts", "_before", "_kept")

    def __init__(self, kept: Kept, attempts: OneAttempt | None) -> None:
        self._kept, self._attempts, self._before = kept, attempts, 0

    def __enter__(self) -> None:
        self._before = self._kept.answers()
        if self._attempts is not None:
            self._attempts.__enter__()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._attempts is not None:
            self._attempts.__exit__(kind, exc, tb)
        self._kept._ended(self._before, exc)


class _Revalidation(NamedTuple):
    generation: int
    stored: Stored[Any]
    job: Callable[[], Awaitable[Any]]


class Kept:
    """The disk cache as handlers see it (`deps.kept`); without a disk, only the
    reachability notifications and the offline answers from memory remain."""

    def __init__(
        self,
        disk: DiskCache | None,
        session: SessionManager,
        notify: Callable[[str, Any], None],
        *,
        answers: Callable[[], int],
        catalog_ttl_s: float = 86400.0,
        revalidate_delay_s: float = REVALIDATE_DELAY_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.disk, self.session, self.notify = disk, session, notify
        self.answers = answers  # Tracker's answers so far: did a block reach it?
        self.catalog_ttl_s = catalog_ttl_s
        self.revalidate_delay_s = revalidate_delay_s
        self.clock = clock
        self._epoch = 0
        self._binding: _Binding | None = None
        self._bind_lock = asyncio.Lock()
        self._offline = False
        self._list_answered = False
        self._pending: list[_Revalidation] = []
        self._revalidated: set[tuple[int, str]] = set()
        self._revalidating: asyncio.Task[None] | None = None
        self._wiped: set[str] = set()

    # -- reading ------------------------------------------------------------------------------

    def mark(self) -> Mark:
        return Mark(self.session.generation, self._epoch)

    async def read(
        self,
        call: _Call,
        stored: Stored[T],
        load: Callable[[], Awaitable[T]],
        *,
        fresh_s: float = 0.0,
        revalidate: Callable[[], Awaitable[T]] | None = None,
    ) -> T:
        """The answer of a read: from disk while younger than `fresh_s` (then revalidated in
        the background by `revalidate`), else `load()`, stored; the stored one, whatever its
        age, when Tracker cannot be reached."""
        mark = self.mark()
        if (binding := self._binding) is None or binding.generation != mark.generation:
            await self._bound()  # the store its answer goes to (a lookup once per session)
        if fresh_s > 0:
            hit = await self.fresh(stored, fresh_s)
            if hit is not None:
                if revalidate is not None:
                    self.revalidate(stored, revalidate)
                return hit.value
        try:
            with self.reading():
                value = await load()
        except TrackerError as exc:
            found = await self.offline(call, stored, exc)
            if found is None:
                raise
            return found.value
        self.store(stored, value, mark)
        return value

    async def fresh(self, stored: Stored[T], max_age_s: float) -> Hit[T] | None:
        """The stored value when it is younger than `max_age_s` and no write made it stale."""
        hit = await self.stored(stored)
        if hit is None or hit.stale or not 0 <= hit.age_s < max_age_s:
            return None
        return hit

    async def offline(self, call: _Call, stored: Stored[T], exc: TrackerError) -> Hit[T] | None:
        """The stored value, announced with `cache/stale`, when `exc` means Tracker could not
        be reached; None otherwise or when nothing is stored."""
        if not unreachable(exc):
            return None
        hit = await self.stored(stored)
        if hit is not None:
            self.answered_stale(call, stored, hit.age_s)
        return hit

    def answered_stale(self, call: _Call, stored: Stored[Any], age_s: float) -> None:
        params = msgspec.to_builtins(stored.params) if stored.params is not None else {}
        shown = {k: v for k, v in params.items() if v is not None}
        age_ms = max(round(age_s * 1000), 0)
        self.notify(
            STALE, CacheStale(id=call.id, method=stored.method, params=shown, age_ms=age_ms)
        )

    async def stored(self, stored: Stored[T]) -> Hit[T] | None:
        """What the session's store holds for `stored.key`, whatever its age."""
        binding = await self._bound()
        if self.disk is None or binding is None or binding.account is None:
            return None
        entry = await self.disk.get(binding.account, stored.key)
        if entry is None:
            return None
        try:
            value = msgspec.json.decode(entry.value, type=stored.type)
        except msgspec.DecodeError:  # written by another version: dropped, never an error
            self.disk.delete(binding.account, [stored.key])
            return None
        return Hit(value, self.clock() - entry.stored_at, entry.stale)

    def store(self, stored: Stored[T], value: T, mark: Mark) -> None:
        """Keep `value` unless the session changed, or a write or clear came, since `mark`."""
        binding = self._binding
        if self.disk is None or binding is None or binding.account is None:
            return
        if mark != self.mark() or binding.generation != mark.generation:
            return
        self.disk.put(binding.account, stored.key, msgspec.json.encode(value))

    # -- reachability -------------------------------------------------------------------------

    def watching(self) -> _Watching:
        """Notes whether the Tracker calls inside reached Tracker. A block that made none (its
        answer came from memory) says nothing either way."""
        return _Watching(self, None)

    def reading(self) -> _Watching:
        """`watching` for a read: while Tracker is known to be unreachable its requests are
        tried once, so what is stored answers at once instead of after the retries' waits
        (~1.75 s); the first one that gets through ends that."""
        return _Watching(self, one_attempt(self._offline))

    def _ended(self, before: int, exc: BaseException | None) -> None:
        """A watched block ended: `before` is the answers count at its start."""
        if isinstance(exc, TrackerError):
            if unreachable(exc):
                self._reached(False)
            elif not isinstance(exc, TransportError):  # an answer came, whatever it said
                self._reached(True)
        elif exc is None and self.answers() != before:
            self._reached(True)

    def _reached(self, reached: bool) -> None:
        if self._offline == reached:
            self._offline = not reached
            self.notify(ONLINE if reached else OFFLINE, Reachability())

    # -- the account --------------------------------------------------------------------------

    async def login(self) -> str | None:
        """The login of the session's account when its store is known (no Tracker call)."""
        binding = await self._bound()
        return None if binding is None else binding.login

    async def learned(self, login: str, mark: Mark) -> None:
        """Tracker said who the session's user is: its store is now known (and indexed)."""
        binding = await self._bound()
        if self.disk is None or binding is None or binding.fingerprint is None:
            return
        if mark.generation != binding.generation or binding.generation != self.session.generation:
            return
        account = account_name(binding.org_type, binding.org_id, login)
        self._wiped.discard(account)  # signed in again after its logout
        if (binding.account, binding.login) != (account, login):
            binding.account, binding.login = account, login
            self.disk.remember(binding.fingerprint, Known(account, login))

    async def account(self) -> str | None:
        """The session's store, when known (a write names it before it is sent)."""
        binding = await self._bound()
        return None if binding is None else binding.account

    async def _bound(self) -> _Binding | None:
        generation = self.session.generation
        if self._binding is not None and self._binding.generation == generation:
            return self._binding
        if self.disk is None:
            return None
        async with self._bind_lock:
            binding = self._binding
            if binding is None or binding.generation != generation:
                binding = await self._bind(generation)
                if generation == self.session.generation:
                    self._binding = binding
        return binding

    async def _bind(self, generation: int) -> _Binding:
        assert self.disk is not None
        try:
            session = await self.session.session()
        except SidecarError:
            session = None
        if session is None:
            return _Binding(generation)
        fingerprint = token_fingerprint(session.org_type, session.org_id, session.token)
        binding = _Binding(generation, fingerprint, session.org_type, session.org_id)
        known = await self.disk.lookup(fingerprint)
        if known is not None:
            binding.account, binding.login = known.account, known.login
            self._wiped.discard(known.account)
        return binding

    # -- changes ------------------------------------------------------------------------------

    def changed(
        self, account: str | None, keys: Iterable[str] = (), prefixes: Iterable[str] = ()
    ) -> None:
        """A write may have changed Tracker: nothing read before it is stored any more, and in
        `account`'s store (the one `account()` named before the write, even if the session was
        refreshed meanwhile) the lists are no longer fresh (kept as last good) and `keys` (and
        everything under `prefixes`) are deleted."""
        self._epoch += 1
        if self.disk is None or account is None or account in self._wiped:
            return
        self.disk.mark_stale(account, LIST_PREFIX)
        self.disk.delete(account, keys, prefixes)

    async def clear(self) -> None:
        """`cache/clear`: the account's store is emptied; reads in flight are not stored."""
        self._epoch += 1
        self._pending.clear()
        binding = await self._bound()
        if self.disk is not None and binding is not None and binding.account is not None:
            await self.disk.clear(binding.account)

    async def account_to_wipe(self, login_hint: str | None) -> str | None:
        """The session's store, to be wiped at logout (named from `login_hint` when the index
        does not know the token)."""
        binding = await self._bound()
        if binding is None or binding.fingerprint is None:
            return None
        if binding.account is None and login_hint:
            return account_name(binding.org_type, binding.org_id, login_hint)
        return binding.account

    async def wipe(self, account: str | None) -> None:
        """Delete the account's store files (logout)."""
        self._epoch += 1
        self._pending.clear()
        if self.disk is not None and account is not None:
            self._wiped.add(account)  # a write still in flight must not make it again
            await self.disk.forget(account)

    # -- revalidation -------------------------------------------------------------------------

    def revalidate(self, stored: Stored[T], job: Callable[[], Awaitable[T]]) -> None:
        """Fetch `stored` again in the background (once per session), after the first list."""
        generation = self.session.generation
        if (generation, stored.key) in self._revalidated:
            return
        self._revalidated.add((generation, stored.key))
        self._pending.append(_Revalidation(generation, stored, job))
        self._start_revalidating()

    def first_list_answered(self) -> None:
        if not self._list_answered:
            self._list_answered = True
            self._start_revalidating()

    def _start_revalidating(self) -> None:
        running = self._revalidating is not None and not self._revalidating.done()
        if self._list_answered and self._pending and not running:
            self._revalidating = asyncio.ensure_future(self._revalidate_pending())

    async def _revalidate_pending(self) -> None:
        await asyncio.sleep(self.revalidate_delay_s)
        while self._pending:
            item = self._pending.pop(0)
            if item.generation != self.session.generation:
                continue
            mark = self.mark()
            try:
                with self.watching():
                    value = await item.job()
            except SidecarError as exc:
                log.debug("revalidating %s failed: %s", item.stored.method, exc.kind)
                continue
            self.store(item.stored, value, mark)

    async def close(self) -> None:
        if self._revalidating is not None:
            self._revalidating.cancel()
            await asyncio.gather(self._revalidating, return_exceptions=True)
        if self.disk is not None:
            await self.disk.close()
