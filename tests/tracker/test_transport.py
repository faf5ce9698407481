"""The one place aiohttp failures become TransportErrors."""

from __future__ import annotations

import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from sidecar.tracker import errors
from sidecar.tracker.transport import map_aiohttp_errors

KEY = ConnectionKey("h", 443, True, True, None, None, None)


def raised(exc: BaseException) -> errors.TransportError:
    with pytest.raises(errors.TransportError) as info, map_aiohttp_errors():
        raise exc
    assert info.value.__cause__ is exc
    return info.value


@pytest.mark.parametrize(
    "exc",
    [
        aiohttp.ClientConnectorError(KEY, OSError(111, "Connection refused")),
        aiohttp.ClientConnectorDNSError(KEY, OSError(-2, "Name or service not known")),
        aiohttp.ClientConnectorCertificateError(KEY, ssl.SSLCertVerificationError("bad cert")),
    ],
)
def test_connect_failures_were_never_sent(exc: BaseException) -> None:
    err = raised(exc)
    assert type(err) is errors.NetworkError and not err.sent
    assert err.message.startswith("network error: ")


@pytest.mark.parametrize(
    "exc",
    [
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientPayloadError("Response payload is not completed"),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        ConnectionResetError(104, "reset"),
    ],
)
def test_cut_short_failures_may_have_been_sent(exc: BaseException) -> None:
    err = raised(exc)
    assert type(err) is errors.NetworkError and err.sent
    assert err.kind == "network" and err.retryable


@pytest.mark.parametrize("exc", [TimeoutError(), aiohttp.SocketTimeoutError("read")])
def test_timeouts(exc: BaseException) -> None:
    err = raised(exc)
    assert type(err) is errors.RequestTimeout and err.sent
    assert err.message.startswith("request timed out: ")
    assert err.kind == "timeout"


def test_connect_timeout_was_never_sent() -> None:
    err = raised(aiohttp.ConnectionTimeoutError("connect"))
    assert type(err) is errors.RequestTimeout and not err.sent


def test_other_exceptions_pass_untouched() -> None:
    with pytest.raises(KeyError), map_aiohttp_errors():
        raise KeyError("x")
