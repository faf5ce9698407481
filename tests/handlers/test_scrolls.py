"""The sidecar's cursors: their format, the bounded search table, the page-mode window and
which refused continuations are re-opened."""

from __future__ import annotations

import pytest

from sidecar.errors import InvalidInput
from sidecar.handlers.scrolls import (
    RELEASED,
    Search,
    Searches,
    continuation_lost,
    page_windows,
)
from sidecar.tracker.errors import class_for_status


def search(key: str = "q") -> Search:
    return Search(key, {"query": key}, 100, 250, scroll_id="tracker-scroll", position=100)


def test_a_cursor_names_its_search_and_offset() -> None:
    table = Searches()
    found = search()
    table.open(found)
    cursor = table.cursor(found, 100)
    assert cursor.startswith("ys1.") and table.find(cursor) == (found, 100)
    assert table.find(f" {cursor} ") == (found, 100)


@pytest.mark.parametrize(
    "cursor",
    ["", "tracker-scroll", "ys1.zz.100", "ys1.0123456789abcdef.100", "ys1.{id}.-1", "ys1.{id}.200"],
)
def test_cursors_not_handed_out_are_invalid(cursor: str) -> None:
    table = Searches()
    found = search()
    table.open(found)
    table.cursor(found, 100)
    with pytest.raises(InvalidInput, match=RELEASED):
        table.find(cursor.format(id=found.id))


def test_release_drops_the_search_and_is_idempotent() -> None:
    table = Searches()
    found = search()
    table.open(found)
    cursor = table.cursor(found, 100)
    assert table.release(cursor) is found and found.id is None
    assert table.release(cursor) is None and table.release("junk") is None
    with pytest.raises(InvalidInput):
        table.find(cursor)
    again = table.cursor(found, 100)  # a cached first page hands it out anew
    assert again != cursor and table.find(again) == (found, 100)


def test_a_newer_search_for_the_same_params_supersedes_the_older() -> None:
    table = Searches()
    old, new, other = search("q"), search("q"), search("r")
    table.open(old)
    table.open(other)
    stale = table.cursor(old, 0)
    table.open(new)
    assert old.id is None and other.id is not None and len(table) == 2
    with pytest.raises(InvalidInput):
        table.find(stale)


def test_the_table_is_bounded_least_recently_used_first() -> None:
    table = Searches(limit=2)
    a, b, c = search("a"), search("b"), search("c")
    table.open(a)
    table.open(b)
    table.cursor(a, 0)  # a is used again
    table.open(c)
    assert (a.id is not None, b.id is None, c.id is not None) == (True, True, True)
    table.clear()
    assert len(table) == 0 and a.id is None


def test_take_scroll_hands_over_the_tokens_once() -> None:
    found = search()
    found.tokens["tracker-scroll"] = "token"
    assert found.take_scroll() == {"tracker-scroll": "token"}
    assert found.scroll_id is None and found.take_scroll() == {}


@pytest.mark.parametrize(
    ("offset", "per", "expected"),
    [
        (100, 100, (100, 2, 1)),
        (400, 100, (100, 5, 1)),
        (250, 100, (117, 3, 1)),  # a short page earlier: one larger page still holds the rows
        (0, 3, (3, 1, 1)),
        (1500, 1000, (1000, 2, 2)),  # no page of at most 1,000 holds them: two pages
    ],
)
def test_page_windows(offset: int, per: int, expected: tuple[int, int, int]) -> None:
    size, first, count = page_windows(offset, per)
    assert (size, first, count) == expected
    assert (first - 1) * size <= offset and offset + per <= (first - 1 + count) * size


@pytest.mark.parametrize(
    ("status", "lost"),
    [(400, True), (403, True), (404, True), (410, True), (422, True), (401, False), (429, False)],
)
def test_which_refusals_mean_the_scroll_is_lost(status: int, lost: bool) -> None:
    error = class_for_status(status)("refused", status=status)
    assert continuation_lost(error) is lost
    assert continuation_lost(class_for_status(500)("down", status=500)) is False
