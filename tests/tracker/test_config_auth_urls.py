"""Base URL policy, auth header building, API paths and log redaction."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st
from yarl import URL

from sidecar.errors import InvalidInput
from sidecar.tracker.auth import Credentials, auth_headers
from sidecar.tracker.client import api_path
from sidecar.tracker.config import ClientConfig, check_base_url
from sidecar.tracker.urls import origin_of, redact


@pytest.mark.parametrize(
    "url", ["https://api.tracker.yandex.net", "https://127.0.0.1:8443/", "https://[::1]:9/x"]
)
@pytest.mark.parametrize("allow", [False, True])
def test_https_is_always_accepted(url: str, allow: bool) -> None:
    check_base_url(url, allow)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://[::1]:80", "http://localhost"])
def test_http_loopback_only_with_the_flag(url: str) -> None:
    check_base_url(url, True)
    with pytest.raises(ValueError, match="HTTPS only"):
        check_base_url(url, False)


@pytest.mark.parametrize(
    "url", ["http://api.tracker.yandex.net", "http://10.0.0.1", "http://127.0.0.2"]
)
def test_http_elsewhere_is_refused_even_with_the_flag(url: str) -> None:
    with pytest.raises(ValueError, match=r"permits only 127\.0\.0\.1, ::1 or localhost"):
        check_base_url(url, True)


@pytest.mark.parametrize("url", ["ftp://x", "api.tracker.yandex.net", "https://", ""])
def test_nonsense_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        check_base_url(url, True)


def test_config_defaults() -> None:
    c = ClientConfig()
    assert (c.api_base_url, c.oauth_base_url) == (
        "https://api.tracker.yandex.net",
        "https://oauth.yandex.ru",
    )
    assert (c.cooldown_s, c.request_timeout_s, c.connect_timeout_s) == (0.35, 30.0, 10.0)
    assert c.retry.max_attempts == 4


def test_oauth_token_with_yandex360_org() -> None:
    assert auth_headers(Credentials("t0k", "oauth", "123", "yandex360")) == {
        "Authorization": "OAuth t0k",
        "X-Org-ID": "123",
    }


def test_iam_token_with_cloud_org() -> None:
    assert auth_headers(Credentials("t1.x", "iam", "bpf", "cloud")) == {
        "Authorization": "Bearer t1.x",
        "X-Cloud-Org-ID": "bpf",
    }


def test_no_org_header_without_org_id() -> None:
    assert auth_headers(Credentials("t", "oauth", None, "cloud")) == {"Authorization": "OAuth t"}


def test_credentials_repr_hides_the_token() -> None:
    assert "s3cret" not in repr(Credentials("s3cret", "oauth", "1", "yandex360"))


def test_api_path_quotes_each_segment() -> None:
    assert api_path("issues", "TREK-1", "comments") == "/v3/issues/TREK-1/comments"
    assert api_path("issues", "A?c#d%", "x y") == "/v3/issues/A%3Fc%23d%25/x%20y"
    assert api_path("attachments", "7", version="v2") == "/v2/attachments/7"


SHAPE_CHANGERS = [
    ".",
    "..",
    "%2e",
    "%2E%2e",
    ".%2e",
    "%252e%252e",
    "",
    " ",
    "/",
    "a/b",
    "../x",
    "a%2Fb",
    "a%252Fb",
    "\\",
    "..\\x",
    "a\x00b",
    "a\r\nHost: evil",
    "tab\there",
    "\x7f",
    "\x85",
    "x" * 256,
    "я" * 256,
]


@pytest.mark.parametrize("value", SHAPE_CHANGERS, ids=repr)
def test_an_id_that_could_change_the_path_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match=r"^Invalid id "):
        api_path("issues", "TEST-1", "comments", value)
    with pytest.raises(InvalidInput, match=r"^Invalid id "):
        api_path("issues", value)


@given(st.text(max_size=300))
@settings(max_examples=500, deadline=None)
def test_any_id_is_refused_or_stays_one_segment(value: str) -> None:
    """Whatever the id, the URL the client builds has the path's shape: its segment decodes
    back to the id, and nothing reaches the query or the fragment."""
    try:
        path = api_path("issues", "TEST-1", "checklistItems", value)
    except InvalidInput:
        return
    url = URL("https://api.example" + path)
    assert url.raw_path.count("/") == 5 and url.raw_query_string == "" and url.fragment == ""
    assert len(url.raw_parts) == 6 and url.raw_parts[:4] == ("/", "v3", "issues", "TEST-1")
    assert url.parts[-1] == value and url.parts[-2] == "checklistItems"


@pytest.mark.parametrize("value", ["TEST-1", "5fa8b2c1d3e4f5a6b7c8d9e0", "123", "start_progress"])
def test_real_keys_and_ids_pass_unchanged(value: str) -> None:
    assert api_path("issues", value) == f"/v3/issues/{value}"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://api\\tracker.yandex.net", "a backslash is not allowed"),
        ("https://api.tracker.yandex.net\\v3", "a backslash is not allowed"),
        ("https://h:99999", "Port out of range"),
        ("https://h:0", "port 0 is out of range"),
        ("https://[::1", "Invalid IPv6 URL"),
        ("https://h\x00x", "control character"),
        ("https://h/x\r\ny", "control character"),
        ("https://exa mple.com", "no usable host"),
        ("https://", "no usable host"),
    ],
)
def test_urls_the_parser_would_choke_on_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        check_base_url(url, True)


def test_redact_hides_query_values() -> None:
    url = URL("https://h/v3/issues/_search?fields=key,summary&scrollId=abc%3D%3D")
    assert redact(url) == "/v3/issues/_search?fields=*&scrollId=*"
    assert redact(URL("https://h:8443/a/b")) == "/a/b"
    assert (
        redact(URL("https://s3.host/f?sig=SECRET"), show_origin=True) == "https://s3.host/f?sig=*"
    )


def test_origin_compares_scheme_host_and_port() -> None:
    assert origin_of(URL("https://API.example/x")) == origin_of(URL("https://api.example:443/y"))
    assert origin_of(URL("https://a/x")) != origin_of(URL("http://a/x"))
    assert origin_of(URL("https://a:1/x")) != origin_of(URL("https://a:2/x"))
