"""End-to-end fixtures: spawned sidecars pointed at the fake Tracker, and the secret audit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Sidecar
from tests.hostile.secret_audit import record_spawned

SpawnFn = Callable[..., Sidecar]


@pytest.fixture
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The disk cache folder of this test's sidecars: never the user's, and not inside
    `tmp_path`, whose files some tests count."""
    return tmp_path_factory.mktemp("disk-cache")


@pytest.fixture
def spawn(tmp_path: Path, cache_dir: Path, request: pytest.FixtureRequest) -> Iterator[SpawnFn]:
    """Start sidecars for this test; each is stopped (EOF) and checked for secrets at the end
    (`tests/hostile/secret_audit.py`: their output, the test's files and its disk cache, audited
    last).

    Every sidecar of the test shares one disk cache folder (`cache_dir`): a second sidecar of a
    test starts warm, one of the next test cold."""
    started: list[Sidecar] = []

    def _spawn(
        *args: str,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        program: list[str] | None = None,
    ) -> Sidecar:
        base = {
            "YTRACKER_CONFIG_DIR": str(tmp_path / "config"),
            "YTRACKER_CACHE_DIR": str(cache_dir),
        }
        sidecar = Sidecar(args, env={**base, **(env or {})}, cwd=cwd, program=program)
        started.append(sidecar)
        return sidecar

    yield _spawn
    for sidecar in started:
        sidecar.stop()
    record_spawned(request, tmp_path, started, cache_dir)


def fake_args(fake: Any, *extra: str) -> list[str]:
    """Flags that point a sidecar at the fake Tracker over HTTPS with its test CA."""
    return [
        "--api-base-url",
        fake.url,
        "--oauth-base-url",
        fake.oauth_url,
        "--ca-file",
        fake.ca_file,
        "--secrets",
        "memory",
        "--cooldown-ms",
        "0",
        *extra,
    ]


def downloads_home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A home whose xdg-user-dirs file names `~/Downloads` (not made yet) as the Downloads
    folder, and the environment that points a sidecar at it."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True, exist_ok=True)
    (home / ".config" / "user-dirs.dirs").write_text('XDG_DOWNLOAD_DIR="$HOME/Downloads"\n')
    return home, {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
