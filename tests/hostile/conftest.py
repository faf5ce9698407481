"""Fixtures of the hostile suite: the e2e `spawn` fixture and its `cache_dir` (so every sidecar
started here is in the secret audit too), and the audit test moved last so it sees the whole
run's output."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import cache_dir, spawn

__all__ = ["cache_dir", "spawn"]

AUDIT_TEST = "test_secrets_audit.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the secret audit after everything else that spawns a sidecar."""
    items.sort(key=lambda item: item.nodeid.split("::")[0].endswith(AUDIT_TEST))
