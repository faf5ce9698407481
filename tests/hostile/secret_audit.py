"""The session-wide secret audit: what every spawned sidecar wrote, checked for known secrets.

`AUDIT` is one registry for the whole pytest run. The e2e `spawn` fixture reports each test's
sidecars into it at teardown (`record`): their stdout and stderr, every file under the test's
temporary folder, and the secrets that test's fake Tracker saw or minted (every Authorization
token, every code, refresh token, client secret and device code in its request log, the
tokens, refresh tokens and codes in its state, and every secret an `echo` fault repeated back
in an error body or header: what a hostile server echoes must not come out of the sidecar).
Each report is scanned at once against every secret known so far in the run plus the fake's
fixed ones, so only findings are kept, not the output itself.
`tests/hostile/test_secrets_audit.py` runs last and asserts there are none.

Codes are all digits: they count only where no other digit touches them, so a code is not
"found" inside a user id or a timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.tracker import CLIENT_SECRET, TOKEN

FIXED_SECRETS = {
    TOKEN: "the fake's token",
    "bob-token": "bob's token",
    "expired-token": "the expired token",
    "iam-token": "the IAM token",
    CLIENT_SECRET: "the OAuth client secret",
}
FORM_SECRETS = ("code", "refresh_token", "client_secret", "device_code", "access_token")
MAX_FILE = 256 * 1024 * 1024


@dataclass
class Audit:
    secrets: dict[str, str] = field(default_factory=lambda: dict(FIXED_SECRETS))
    findings: list[str] = field(default_factory=list)
    outputs: int = 0  # stdout/stderr streams scanned
    files: int = 0
    cache_files: int = 0  # files under the disk cache folders, scanned after the whole run
    scanned_bytes: int = 0
    cache_folders: set[Path] = field(default_factory=set)
    _pattern: re.Pattern[bytes] | None = None

    # -- what is secret --------------------------------------------------------------------

    def add_secret(self, value: str, name: str) -> None:
        value = value.strip()
        if len(value) >= 6 and value not in self.secrets:  # shorter cannot be told from data
            self.secrets[value] = name
            self._pattern = None

    def harvest(self, fake: Any) -> None:
        """Every real secret the fake Tracker saw in a request or holds in its state.

        What a request carried counts only when the fake could have issued it (its formats,
        or a token it knows): a fuzzer sends issue keys as codes and tokens, and those are
        not secrets.
        """
        state = fake.state
        known = set(getattr(state, "tokens", {}))
        for request in fake.requests:
            auth = request.headers.get("Authorization", "")
            token = auth.split(" ", 1)[1] if " " in auth else ""
            if token in known or _minted(token):
                self.add_secret(token, f"a token sent to {request.path}")
            if request.path.startswith("/oauth"):
                form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
                for key in FORM_SECRETS:
                    if _minted(form.get(key, "")):
                        self.add_secret(form[key], f"the {key} sent to {request.path}")
        for name in ("tokens", "refresh_tokens", "auth_codes", "device_codes"):
            for value in list(getattr(state, name, {})):
                self.add_secret(str(value), f"a minted {name[:-1]}")
        for value in list(getattr(fake.faults, "echoed", ())):
            self.add_secret(value, "a secret the fake echoed back in an error")

    # -- where to look ---------------------------------------------------------------------

    def record(self, label: str, sidecars: Iterable[Any], folder: Path | None, fake: Any) -> None:
        """One test's sidecars, its temporary folder, and its fake Tracker's secrets."""
        if fake is not None:
            self.harvest(fake)
        for sidecar in sidecars:
            self.add_output(f"{label} stdout", b"".join(sidecar.raw_stdout))
            self.add_output(f"{label} stderr", b"".join(sidecar.stderr_chunks))
        if folder is not None:
            self.add_files(folder)

    def add_output(self, where: str, data: bytes) -> None:
        self.outputs += 1
        self._scan(where, data)

    def add_files(self, folder: Path) -> int:
        """Scan every file under `folder`; how many there were."""
        count = 0
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                count += 1
                with path.open("rb") as file:
                    self._scan(str(path), file.read(MAX_FILE))
        self.files += count
        return count

    def add_cache_folders(self) -> None:
        """Every file of every disk cache folder of the run (store, WAL, index, set-aside)."""
        for folder in sorted(self.cache_folders):
            if folder.is_dir():
                self.cache_files += self.add_files(folder)

    # -- looking ---------------------------------------------------------------------------

    def _compiled(self) -> re.Pattern[bytes]:
        if self._pattern is None:
            parts = [_pattern_of(s) for s in sorted(self.secrets, key=len, reverse=True)]
            self._pattern = re.compile(b"|".join(parts))
        return self._pattern

    def _scan(self, where: str, data: bytes) -> None:
        self.scanned_bytes += len(data)
        for match in set(self._compiled().findall(data)):
            name = self.secrets.get(match.decode("utf-8", "replace"), "a secret")
            self.findings.append(f"{name} in {where}")


# What the fake mints (sidecar/sandbox/state.py): access and refresh tokens, 7-digit codes,
# device codes; plus its fixed tokens and the client secret.
_MINTED = re.compile(r"y0_[\w-]{20,}|1:[\w-]{20,}|\d{7}|[0-9a-f]{32}")


def _minted(value: str) -> bool:
    return value in FIXED_SECRETS or _MINTED.fullmatch(value) is not None


def _pattern_of(secret: str) -> bytes:
    escaped = re.escape(secret.encode())
    return rb"(?<!\d)" + escaped + rb"(?!\d)" if secret.isdigit() else escaped


AUDIT = Audit()


def record_spawned(request: Any, folder: Path, sidecars: list[Any], cache: Path) -> None:
    """The e2e `spawn` fixture's report at teardown (see tests/e2e/conftest.py)."""
    AUDIT.cache_folders.add(cache)
    fake = None
    if "fake_tracker_server" in request.fixturenames:
        fake = request.getfixturevalue("fake_tracker_server")
    AUDIT.record(request.node.nodeid, sidecars, folder, fake)
    AUDIT.add_files(cache)
