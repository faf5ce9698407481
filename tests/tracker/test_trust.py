"""TLS trust: the OS store (read once on Linux), certifi's bundle, an extra CA file."""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

import pytest
import trustme

from sidecar.errors import LocalIOError
from sidecar.tracker.trust import make_ssl_context, shared_ssl_context


def os_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bundle: str | None) -> None:
    """OpenSSL's default locations (as it reads them, from the environment): `bundle` only, or
    none at all (a file and a folder that do not exist are no default)."""
    monkeypatch.setenv("SSL_CERT_FILE", bundle or str(tmp_path / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "none"))


def cas(ctx: ssl.SSLContext) -> int:
    return ctx.cert_store_stats()["x509_ca"]


def test_ssl_context_verifies_and_loads_extra_ca(ca_file: str) -> None:
    ctx = make_ssl_context(ca_file)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_unreadable_ca_file_is_a_local_io_error(tmp_path: Path) -> None:
    with pytest.raises(LocalIOError, match="cannot load CA file"):
        make_ssl_context(str(tmp_path / "missing.pem"))


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="truststore's verifier there")
def test_the_os_store_is_read_once_not_at_every_connection(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca_file: str
) -> None:
    """truststore reads it again for each new connection (~20–40 ms, and with OpenSSL 3.0–3.3
    one more lookup for every later verification); here a later change of the store's files is
    not read when a connection starts."""
    os_store(monkeypatch, tmp_path, ca_file)
    ctx = make_ssl_context(None)
    assert type(ctx) is ssl.SSLContext and ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname and cas(ctx) == 1
    later = tmp_path / "later.pem"
    trustme.CA().cert_pem.write_to_path(str(later))
    monkeypatch.setenv("SSL_CERT_FILE", str(later))
    ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="tracker.example")
    assert cas(ctx) == 1


def test_one_context_per_ca_file_and_failures_are_not_kept(tmp_path: Path, ca_file: str) -> None:
    assert shared_ssl_context(ca_file) is shared_ssl_context(ca_file)
    missing = str(tmp_path / "later.pem")
    with pytest.raises(LocalIOError):
        shared_ssl_context(missing)
    trustme.CA().cert_pem.write_to_path(missing)
    assert cas(shared_ssl_context(missing)) >= 1


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="truststore's verifier there")
def test_without_openssl_locations_the_first_known_bundle_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca_file: str
) -> None:
    os_store(monkeypatch, tmp_path, None)
    ctx = make_ssl_context(None, bundles=(str(tmp_path / "absent.pem"), ca_file))
    assert cas(ctx) == 1


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="truststore's verifier there")
def test_a_system_with_no_cas_at_all_gets_certifi(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    os_store(monkeypatch, tmp_path, None)
    assert cas(make_ssl_context(None, bundles=())) > 100  # certifi's bundle (a bare container)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="truststore's verifier there")
def test_a_damaged_system_bundle_is_a_local_io_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    os_store(monkeypatch, tmp_path, None)
    damaged = tmp_path / "ca-bundle.pem"
    damaged.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    with pytest.raises(LocalIOError, match="cannot load the system's CA bundle"):
        make_ssl_context(None, bundles=(str(damaged),))
