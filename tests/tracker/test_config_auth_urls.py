"""Base URL policy, auth header building, API paths and log redaction."""

from __future__ import annotations

import pytest
from yarl import URL

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
    assert api_path("issues", "A/B?c#d", "x y") == "/v3/issues/A%2FB%3Fc%23d/x%20y"


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
