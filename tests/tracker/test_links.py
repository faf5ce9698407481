"""Link header parsing, both forms Tracker uses."""

from __future__ import annotations

from sidecar.tracker.pagination import parse_links

NEXT = "https://api.tracker.yandex.net/v3/queues?perPage=50&page=2"
SEEK = "https://api.tracker.yandex.net/v3/queues?{&page}"


def test_comma_joined_form() -> None:
    value = f'<{NEXT}>; rel="next", <{SEEK}>; rel="seek"'
    assert parse_links([value]) == {"next": NEXT, "seek": SEEK}


def test_repeated_header_form() -> None:
    assert parse_links([f'<{NEXT}>; rel="next"', f'<{SEEK}>; rel="seek"']) == {
        "next": NEXT,
        "seek": SEEK,
    }


def test_unquoted_and_multi_valued_rel() -> None:
    assert parse_links(['<a>; rel=next, <b>; title=x; rel="first prev"']) == {
        "next": "a",
        "first": "b",
        "prev": "b",
    }


def test_urls_with_commas_and_no_rel() -> None:
    assert parse_links(['<https://h/x?fields=a,b&id=9>; rel="next", <https://h/y>']) == {
        "next": "https://h/x?fields=a,b&id=9"
    }


def test_nothing() -> None:
    assert parse_links([]) == {}
    assert parse_links(["garbage"]) == {}
