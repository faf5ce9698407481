"""Status → exception mapping with the backend's exact messages, Retry-After, decoding."""

from __future__ import annotations

import email.utils
import math
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from sidecar.tracker import errors
from sidecar.tracker.responses import (
    MAX_RETRY_AFTER_S,
    TrackerResponse,
    parse_retry_after,
    status_error,
)

BODY = b'{"errors":{"summary":"cannot be empty"},"errorMessages":["Nope"],"statusCode":400}'


def headers(**values: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict({k.replace("_", "-"): v for k, v in values.items()}))


@pytest.mark.parametrize(
    ("code", "cls", "kind"),
    [
        (400, errors.BadRequest, "invalid"),
        (401, errors.Unauthorized, "unauthenticated"),
        (403, errors.Forbidden, "forbidden"),
        (404, errors.NotFound, "not_found"),
        (409, errors.Conflict, "conflict"),
        (412, errors.Conflict, "conflict"),
        (413, errors.BadRequest, "invalid"),
        (422, errors.BadRequest, "invalid"),
        (429, errors.RateLimited, "rate_limited"),
        (500, errors.ServerError, "server_error"),
        (502, errors.ServerError, "server_error"),
        (503, errors.ServerError, "server_error"),
    ],
)
def test_status_picks_class_and_kind(code: int, cls: type, kind: str) -> None:
    exc = status_error(code, headers(), BODY, auth_form=True, request_id="r1")
    assert type(exc) is cls
    assert exc.kind == kind
    assert exc.status == code
    assert exc.request_id == "r1"


def test_json_401_and_403_use_the_authentication_wording() -> None:
    exc = status_error(
        401, headers(), b'{"errorMessages":["bad token"]}', auth_form=True, request_id=None
    )
    assert exc.message == (
        'authentication error: Access denied (401 Unauthorized) - {"errorMessages":["bad token"]}'
    )
    exc = status_error(403, headers(), b"no", auth_form=True, request_id=None)
    assert exc.message == "authentication error: Access denied (403 Forbidden) - no"


def test_other_statuses_and_binary_fetches_use_the_http_wording() -> None:
    assert (
        status_error(404, headers(), b"gone", auth_form=True, request_id=None).message
        == "http 404 Not Found: gone"
    )
    assert (
        status_error(401, headers(), b"x", auth_form=False, request_id=None).message
        == "http 401 Unauthorized: x"
    )
    assert (
        status_error(599, headers(), b"", auth_form=True, request_id=None).message == "http 599: "
    )


def test_tracker_error_body_is_parsed() -> None:
    body = BODY[:-1] + b',"code":"X1"}'
    exc = status_error(400, headers(), body, auth_form=True, request_id=None)
    assert exc.errors == {"summary": "cannot be empty"}
    assert exc.error_messages == ["Nope"]
    assert exc.tracker_code == "X1"
    assert exc.data().tracker_code == "X1"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        b"[1,2]",
        b'{"errors":"x","errorMessages":7}',
        b"\xff\xfe",
        b'{"errorMessages":["\xff\xfe"],"code":"x"}',  # invalid UTF-8 inside a string
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_odd_error_bodies_are_tolerated(body: bytes) -> None:
    exc = status_error(502, headers(), body, auth_form=True, request_id=None)
    assert exc.errors == {} and exc.error_messages == [] and exc.tracker_code is None
    assert exc.message.startswith("http 502 Bad Gateway: ")


def test_retry_after_lands_on_the_exception() -> None:
    exc = status_error(429, headers(Retry_After="7"), b"", auth_form=True, request_id=None)
    assert exc.retry_after_s == 7.0
    assert exc.data().retry_after_ms == 7000
    assert exc.retryable


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1.0), (" 2.5 ", 2.5), ("0", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "nan",
        "-nan",
        "inf",
        "+inf",
        "-inf",
        "Infinity",
        "1e308",
        "1e400",
        "-3",
        "-0.5",
        "+5",
        "0x10",
        "1_000",
        "5 s",
        "٣",
        "1.",
        ".5",
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Fri, 31 Dec 9999 23:59:59",
        "\x00",
        "7\r\n8",
    ],
)
def test_retry_after_that_is_no_number_of_seconds_is_ignored(value: str) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize(
    "value", ["86401", "100000000000", "9" * 400, "9" * 5000, "Fri, 31 Dec 9999 23:59:59 GMT"]
)
def test_a_huge_retry_after_is_clamped_to_a_day(value: str) -> None:
    assert parse_retry_after(value) == MAX_RETRY_AFTER_S == 86400.0
    exc = status_error(429, headers(Retry_After=value), b"", auth_form=True, request_id=None)
    assert exc.data().retry_after_ms == 86_400_000


@given(st.text(max_size=60) | st.from_regex(r"\A[ -~]{0,40}\Z"))
@settings(max_examples=400, deadline=None)
def test_any_retry_after_is_ignored_or_finite_and_within_a_day(value: str) -> None:
    seconds = parse_retry_after(value, now=1_700_000_000.0)
    assert seconds is None or (math.isfinite(seconds) and 0.0 <= seconds <= MAX_RETRY_AFTER_S)


class Item(msgspec.Struct):
    id: int


def response(body: bytes) -> TrackerResponse:
    return TrackerResponse(200, headers(), body, "rid")


def test_json_decodes_typed_and_ignores_unknown_fields() -> None:
    assert response(b'[{"id":1,"extra":true}]').json(list[Item]) == [Item(1)]
    assert response(b'{"a":1}').json(dict[str, Any]) == {"a": 1}


@pytest.mark.parametrize(
    ("body", "type_"),
    [
        (b"", list[Item]),
        (b"<html>", list[Item]),
        (b'[{"id":"x"}]', list[Item]),
        (b'{"a":"\xff\xfe"}', dict[str, Any]),  # invalid UTF-8 inside a string
        (b'[{"id":1,"name":"ok\xc3"}]', list[dict[str, Any]]),
        (b"[" * 5000 + b"]" * 5000, Any),
    ],
)
def test_undecodable_body_is_a_decode_error(body: bytes, type_: Any) -> None:
    with pytest.raises(errors.DecodeError) as info:
        response(body).json(type_)
    assert info.value.message.startswith("unexpected error: error decoding response body: ")
    assert info.value.status == 200
    assert info.value.kind == "server_error"
