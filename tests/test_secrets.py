"""The stored session format, the memory store, and KeyringStore's own logic (backend choice,
legacy migration, duplicates, error wording) over an in-memory stand-in for a keyring backend.
The real Secret Service is exercised in tests/test_keyring_integration.py."""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field

import msgspec
import pytest
from keyring.errors import KeyringLocked, PasswordDeleteError

from sidecar.session.fallback import NO_STORE_WARNING, KeyringOrMemory
from sidecar.session.keyring_store import (
    MACOS,
    SECRET_SERVICE,
    WINDOWS,
    Backend,
    KeyringStore,
    open_backend,
    platform_backend,
)
from sidecar.session.stores import (
    ACCOUNT,
    KEYRING_HINT,
    SERVICE,
    MemoryStore,
    StoredSession,
    StoreError,
    StoreUnavailable,
    canonical_org_type,
    decode_session,
    encode_session,
)

SECRET = "y0_secret-access-token"
APP_JSON = '{"token": "y0_old", "org_id": "12345", "org_type": "yandex360"}'


@dataclass
class Entry:
    service: str
    account: str
    value: str
    writer: str = "python"


@dataclass
class FakeBackend:
    """A keyring backend's three calls over a list, as the Secret Service behaves: a search
    matches every entry of the service and account, whoever wrote it; a write replaces only
    an entry with its own attributes; a delete removes the first match."""

    entries: list[Entry] = field(default_factory=list)
    failures: dict[str, Exception] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def _maybe_fail(self, op: str) -> None:
        self.calls.append(op)
        if op in self.failures:
            raise self.failures[op]

    def _matching(self, service: str, account: str) -> list[Entry]:
        return [e for e in self.entries if (e.service, e.account) == (service, account)]

    def get_password(self, service: str, account: str) -> str | None:
        self._maybe_fail("get")
        found = self._matching(service, account)
        return found[0].value if found else None

    def set_password(self, service: str, account: str, value: str) -> None:
        self._maybe_fail("set")
        own = [e for e in self._matching(service, account) if e.writer == "python"]
        for entry in own:
            self.entries.remove(entry)
        self.entries.append(Entry(service, account, value))

    def delete_password(self, service: str, account: str) -> None:
        self._maybe_fail("delete")
        found = self._matching(service, account)
        if not found:
            raise PasswordDeleteError("No such password!")
        self.entries.remove(found[0])

    def values(self, service: str) -> list[str]:
        return [e.value for e in self._matching(service, ACCOUNT)]


def session(token: str = SECRET, **kw: object) -> StoredSession:
    return StoredSession(token=token, **kw)  # type: ignore[arg-type]


# -- the stored format ----------------------------------------------------------------------


def test_the_apps_json_still_reads_with_defaults_for_the_new_keys() -> None:
    read = decode_session(APP_JSON)
    assert (read.token, read.org_id, read.org_type) == ("y0_old", "12345", "yandex360")
    assert (read.token_type, read.refresh_token, read.expires_at) == ("oauth", None, None)


def test_the_new_json_keeps_the_apps_keys_for_old_readers() -> None:
    text = encode_session(session(org_id="1", refresh_token="1:r", expires_at=5.0))
    data = msgspec.json.decode(text)
    assert {"token", "org_id", "org_type"} <= data.keys()
    assert data["refresh_token"] == "1:r" and data["expires_at"] == 5.0
    assert decode_session(text) == session(org_id="1", refresh_token="1:r", expires_at=5.0)


def test_unknown_keys_are_ignored_and_org_type_is_canonical() -> None:
    read = decode_session('{"token": "t", "org_type": " CLOUD ", "future": 1}')
    assert read.org_type == "cloud"
    assert decode_session('{"token": "t", "org_type": ""}').org_type == "yandex360"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("cloud", "cloud"),
        (" Cloud\n", "cloud"),
        ("yandex360", "yandex360"),
        ("", "yandex360"),
        (None, "yandex360"),
        ("clouds", "yandex360"),
    ],
)
def test_canonical_org_type(raw: str | None, canonical: str) -> None:
    assert canonical_org_type(raw) == canonical


def test_repr_never_shows_a_token() -> None:
    shown = repr(session(refresh_token="1:refresh-secret"))
    assert SECRET not in shown and "refresh-secret" not in shown


def test_memory_store_round_trip() -> None:
    store = MemoryStore()
    store.check()
    assert store.load() is None
    store.save(session())
    assert store.load() == session()
    store.delete()
    store.delete()  # a missing entry is fine
    assert store.load() is None


# -- KeyringStore ---------------------------------------------------------------------------


def test_save_load_delete_under_the_apps_service_and_account() -> None:
    backend = FakeBackend()
    store = KeyringStore(backend)
    store.save(session(org_id="7"))
    assert [(e.service, e.account) for e in backend.entries] == [(SERVICE, "session")]
    assert store.load() == session(org_id="7")
    store.delete()
    assert backend.entries == []
    store.delete()  # a missing entry is fine


def test_a_legacy_entry_is_moved_under_the_current_service() -> None:
    backend = FakeBackend([Entry("ru.sovego.ytracker", ACCOUNT, APP_JSON)])
    store = KeyringStore(backend)
    assert store.load() == decode_session(APP_JSON)
    assert backend.values(SERVICE) == [encode_session(decode_session(APP_JSON))]
    assert backend.values("ru.sovego.ytracker") == []


def test_legacy_services_are_tried_in_the_apps_order() -> None:
    backend = FakeBackend(
        [
            Entry("ru.sovego.ytracker", ACCOUNT, '{"token": "second"}'),
            Entry("ru.sovego.ytracker-tauri", ACCOUNT, '{"token": "first"}'),
        ]
    )
    loaded = KeyringStore(backend).load()
    assert loaded is not None and loaded.token == "first"
    assert backend.values("ru.sovego.ytracker") == ['{"token": "second"}']  # only the hit moves


def test_the_current_entry_wins_over_legacy_ones() -> None:
    backend = FakeBackend(
        [
            Entry("ru.sovego.ytracker", ACCOUNT, '{"token": "old"}'),
            Entry(SERVICE, ACCOUNT, APP_JSON),
        ]
    )
    loaded = KeyringStore(backend).load()
    assert loaded is not None and loaded.token == "y0_old"
    assert backend.values("ru.sovego.ytracker") == ['{"token": "old"}']


def test_the_current_service_is_not_its_own_legacy() -> None:
    backend = FakeBackend()
    KeyringStore(backend, service="ru.sovego.ytracker-tauri").load()
    reads = [c for c in backend.calls if c == "get"]
    assert len(reads) == 3  # itself, then ru.sovego.ytracker and ru.sovego.YTracker


def test_a_legacy_entry_that_cannot_be_moved_is_still_used(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = FakeBackend(
        [Entry("ru.sovego.ytracker-tauri", ACCOUNT, APP_JSON)],
        failures={"set": KeyringLocked("Failed to unlock the collection!")},
    )
    with caplog.at_level(logging.WARNING, "sidecar.keyring"):
        loaded = KeyringStore(backend).load()
    assert loaded == decode_session(APP_JSON)
    assert backend.values("ru.sovego.ytracker-tauri") == [APP_JSON]  # kept where it was
    assert "could not move the session" in caplog.text and "y0_old" not in caplog.text


def test_a_foreign_duplicate_cannot_shadow_a_new_session() -> None:
    # The Rust app's entries carry extra attributes: a plain write adds a second entry beside.
    backend = FakeBackend([Entry(SERVICE, ACCOUNT, APP_JSON, writer="rust")])
    store = KeyringStore(backend)
    store.save(session())
    assert backend.values(SERVICE) == [encode_session(session())]
    assert store.load() == session()


def test_delete_removes_every_duplicate() -> None:
    backend = FakeBackend([Entry(SERVICE, ACCOUNT, APP_JSON, writer="rust")])
    store = KeyringStore(backend)
    store.save(session())
    backend.entries.append(Entry(SERVICE, ACCOUNT, APP_JSON, writer="rust"))
    store.delete()
    assert store.load() is None


def test_a_damaged_entry_is_an_error_that_does_not_quote_it() -> None:
    backend = FakeBackend([Entry(SERVICE, ACCOUNT, '{"token": 17, "secret": "' + SECRET + '"')])
    with pytest.raises(StoreError) as caught:
        KeyringStore(backend).load()
    assert str(caught.value).startswith("the stored session is damaged")
    assert SECRET not in str(caught.value) and caught.value.service == SERVICE


@pytest.mark.parametrize(
    "text",
    ['{"token": "' + SECRET + '\udcff"}', '{"token": ' + "[" * 5000 + "]" * 5000 + "}"],
)
def test_an_unreadable_entry_is_damaged_not_a_crash(text: str) -> None:
    with pytest.raises(StoreError) as caught:
        KeyringStore(FakeBackend([Entry(SERVICE, ACCOUNT, text)])).load()
    assert str(caught.value).startswith("the stored session is damaged")
    assert SECRET not in str(caught.value)


def test_a_damaged_legacy_entry_names_its_service() -> None:
    backend = FakeBackend([Entry("ru.sovego.ytracker", ACCOUNT, "[]")])
    with pytest.raises(StoreError) as caught:
        KeyringStore(backend).load()
    assert caught.value.service == "ru.sovego.ytracker"


@pytest.mark.parametrize(
    ("op", "call", "detail"),
    [
        ("get", "load", "cannot read from the OS secret store: the store is locked"),
        ("set", "save", "cannot write to the OS secret store: the store is locked"),
        ("delete", "delete", "cannot delete from the OS secret store: the store is locked"),
    ],
)
def test_keyring_failures_become_store_errors(op: str, call: str, detail: str) -> None:
    backend = FakeBackend(failures={op: KeyringLocked("Failed to unlock the collection!")})
    store = KeyringStore(backend)
    with pytest.raises(StoreError, match=detail) as caught:
        store.save(session()) if call == "save" else getattr(store, call)()
    assert "Failed to unlock the collection!" in str(caught.value)


def test_any_backend_exception_is_translated() -> None:
    backend = FakeBackend(failures={"get": OSError(5, "Input/output error")})
    with pytest.raises(StoreError, match=r"cannot read from the OS secret store: .*Input/output"):
        KeyringStore(backend).load()


# -- choosing and opening the backend ---------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "backend"),
    [
        ("darwin", MACOS),
        ("win32", WINDOWS),
        ("linux", SECRET_SERVICE),
        ("freebsd14", SECRET_SERVICE),
    ],
)
def test_the_backend_is_chosen_by_platform(platform: str, backend: Backend) -> None:
    assert platform_backend(platform) == backend


class _Probing(type):
    @property
    def priority(cls) -> float:  # as keyring's classproperty: the probe runs on the class
        raise RuntimeError("the probe failed: no daemon")


class Probes(metaclass=_Probing):
    """A backend class that cannot work here."""


def test_an_unusable_backend_is_a_clear_store_error() -> None:
    with pytest.raises(StoreError) as caught:
        open_backend(Backend("Secret Service", "tests.test_secrets", "Probes"))
    assert str(caught.value) == (
        "no usable OS secret store (Secret Service: the probe failed: no daemon)"
    )


def test_a_backend_that_cannot_be_imported_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"no usable OS secret store \(Nowhere: No module named"):
        open_backend(Backend("Nowhere", "keyring.backends.nowhere", "Keyring"))


def test_opening_is_retried_after_a_failure_and_kept_after_success() -> None:
    outcomes: list[object] = [StoreError("no usable OS secret store (x: y)"), FakeBackend()]

    def opener() -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    store = KeyringStore(opener=opener)
    with pytest.raises(StoreError):
        store.check()
    assert store.load() is None
    store.check()
    assert outcomes == []


@pytest.mark.skipif(sys.platform != "linux", reason="probes the Linux Secret Service backend")
def test_without_a_session_bus_the_real_backend_reports_no_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(StoreError, match=r"^no usable OS secret store \(Secret Service: "):
        KeyringStore().check()


# -- KeyringOrMemory: the default store's one decision ------------------------------------


def no_store() -> object:
    raise StoreUnavailable("no usable OS secret store (Secret Service: no daemon)")


def test_without_an_os_store_sessions_live_in_memory_and_the_info_says_why() -> None:
    store = KeyringOrMemory(KeyringStore(opener=no_store))
    info = store.info()
    assert (info.kind, info.persistent, info.location) == ("memory", False, None)
    assert info.warning == NO_STORE_WARNING.format(
        reason="No usable OS secret store (Secret Service: no daemon)"
    )
    assert "--secrets file" in info.warning and "--secrets memory" in info.warning
    store.check()
    store.save(StoredSession(token=SECRET))
    assert store.load() == StoredSession(token=SECRET)
    store.delete()
    assert store.load() is None


def test_with_an_os_store_the_keyring_is_used_and_named() -> None:
    backend = FakeBackend()
    store = KeyringOrMemory(KeyringStore(opener=lambda: backend))
    info = store.info()
    assert (info.kind, info.persistent, info.warning) == ("keyring", True, None)
    assert info.location == platform_backend().label
    store.save(StoredSession(token=SECRET))
    assert [e.service for e in backend.entries] == [SERVICE]
    assert store.hint == KEYRING_HINT


def test_the_choice_is_made_once_however_many_calls_start_together() -> None:
    opened: list[int] = []

    def slow_opener() -> object:
        opened.append(1)
        time.sleep(0.05)  # let the other threads pile up behind the probe
        return no_store()

    store = KeyringOrMemory(KeyringStore(opener=slow_opener))
    threads = [threading.Thread(target=store.load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert opened == [1] and store.info().kind == "memory"


def test_a_locked_store_is_not_no_store_its_failures_reach_the_caller() -> None:
    backend = FakeBackend(failures={"set": KeyringLocked("Failed to unlock the collection!")})
    store = KeyringOrMemory(KeyringStore(opener=lambda: backend))
    with pytest.raises(StoreError, match="locked"):
        store.save(StoredSession(token=SECRET))
    assert store.info().kind == "keyring"
