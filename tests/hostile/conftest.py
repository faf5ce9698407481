"""Fixtures of the hostile suite: the e2e `spawn` fixture (so every sidecar started here is in
the secret audit too), and the audit test moved last so it sees the whole run's output."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import spawn

__all__ = ["spawn"]

AUDIT_TEST = "test_secrets_audit.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the secret audit after everything else that spawns a sidecar."""
    items.sort(key=lambda item: item.nodeid.split("::")[0].endswith(AUDIT_TEST))
