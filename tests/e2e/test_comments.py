"""Comments through a spawned sidecar against the fake Tracker: every page, add, edit, delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sidecar.sandbox.model import Comment
from sidecar.sandbox.state import TrackerState
from tests.e2e import signed_in as fixtures
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import expect_no_request, expect_request, invalid, only_request
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in

TEST_1_COMMENTS = [
    {
        "id": "101",
        "text": "I can reproduce this.",
        "author": "Alice Anderson",
        "created_at": "2026-03-02T11:00:00.000+0000",
    },
    {
        "id": "102",
        "text": "Logs attached.",
        "author": "Bob Brown",
        "created_at": "2026-03-02T12:00:00.000+0000",
    },
    {
        "id": "103",
        "text": "Fix is in review.",
        "author": "Alice Anderson",
        "created_at": "2026-03-02T13:00:00.000+0000",
    },
]


def test_get_comments_reads_the_list(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    assert signed_in.result("get_comments", {"issueKey": "TEST-1"}) == TEST_1_COMMENTS
    expect_request(
        only_request(fake_tracker), "GET", "/v3/issues/TEST-1/comments", query={"perPage": "100"}
    )


def test_get_comments_of_an_issue_without_comments_is_empty(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert signed_in.result("get_comments", {"issueKey": "TEST-2"}) == []


def _seed_comments(count: int) -> Callable[[TrackerState], None]:
    base = datetime(2026, 3, 10, tzinfo=UTC)

    def seed(state: TrackerState) -> None:
        for n in range(count):
            at = base + timedelta(minutes=n)
            ident = 5000 + n
            state.comments[ident] = Comment(
                ident, f"{ident:024x}", "TEST-2", f"c{n}", "bob", at, at
            )

    return seed


def test_get_comments_follows_the_cursor_to_the_last_page(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(_seed_comments(230))
    result = signed_in.result("get_comments", {"issueKey": "TEST-2"})
    assert [c["text"] for c in result] == [f"c{n}" for n in range(230)]
    assert result[-1] == {
        "id": "5229",
        "text": "c229",
        "author": "Bob Brown",
        "created_at": "2026-03-10T03:49:00.000+0000",
    }
    pages = fake_tracker.requests
    assert [dict(r.query) for r in pages] == [
        {"perPage": "100"},
        {"perPage": "100", "id": "5099"},
        {"perPage": "100", "id": "5199"},
    ]
    for page in pages:
        expect_request(page, "GET", "/v3/issues/TEST-2/comments", query=dict(page.query))


def test_get_comments_converts_odd_payloads(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    odd = [
        {"id": 7, "text": "numeric id", "createdAt": "2026-03-02T09:00:00.000+0000",
         "createdBy": {"id": 1, "display": {"ru": "Алиса", "en": "Alice"}}},
        {"id": "8", "createdBy": {"login": "carol"}},
        {"id": None, "text": 5, "createdBy": {"display": "  ", "email": "e@example.com"}},
        {"longId": "x", "createdBy": None},
    ]  # fmt: skip
    fake_tracker.faults.add("GET", r"/issues/TEST-1/comments$", status=200, body=odd)
    assert signed_in.result("get_comments", {"issueKey": "TEST-1"}) == [
        {"id": "7", "text": "numeric id", "author": "Alice",
         "created_at": "2026-03-02T09:00:00.000+0000"},
        {"id": "8", "text": "", "author": "carol", "created_at": ""},
        {"id": "", "text": "", "author": "e@example.com", "created_at": ""},
        {"id": "", "text": "", "author": "Unknown", "created_at": ""},
    ]  # fmt: skip


def test_add_comment_posts_the_untrimmed_text(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    text = "  **Done**, see the log\n"
    assert signed_in.result("add_comment", {"issueKey": "TEST-2", "text": text}) is None
    expect_request(
        only_request(fake_tracker), "POST", "/v3/issues/TEST-2/comments", json={"text": text}
    )
    stored = fake_tracker.call(
        lambda s: [c.text for c in s.comments.values() if c.issue == "TEST-2"]
    )
    assert stored == [text]


def test_add_comment_refuses_blank_text(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    invalid(
        signed_in.error("add_comment", {"issueKey": "TEST-1", "text": " \n\t"}),
        "Comment text cannot be empty",
    )
    expect_no_request(fake_tracker)


def test_update_comment_returns_the_updated_comment(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-1", "commentId": "101", "text": " Edited "}
    assert signed_in.result("update_comment", params) == {
        "id": "101",
        "text": " Edited ",
        "author": "Alice Anderson",
        "created_at": "2026-03-02T11:00:00.000+0000",
    }
    expect_request(
        only_request(fake_tracker),
        "PATCH",
        "/v3/issues/TEST-1/comments/101",
        json={"text": " Edited "},
    )


def test_update_comment_accepts_a_numeric_id(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-1", "commentId": 102, "text": "Again"}
    assert signed_in.result("update_comment", params)["id"] == "102"
    assert only_request(fake_tracker).path == "/v3/issues/TEST-1/comments/102"


def test_update_comment_refuses_blank_text(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-1", "commentId": "101", "text": ""}
    invalid(signed_in.error("update_comment", params), "Comment text cannot be empty")
    expect_no_request(fake_tracker)


def test_delete_comment(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    params = {"issueKey": "TEST-1", "commentId": "103"}
    assert signed_in.result("delete_comment", params) is None
    expect_request(only_request(fake_tracker), "DELETE", "/v3/issues/TEST-1/comments/103")
    assert fake_tracker.call(lambda s: 103 in s.comments) is False


def test_delete_comment_that_does_not_exist_is_not_found(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    error = signed_in.error("delete_comment", {"issueKey": "TEST-1", "commentId": "999"})
    assert error["message"].startswith("http 404 Not Found: {")
    assert error["data"]["kind"] == "not_found"
    assert error["data"]["status"] == 404


def test_comments_need_a_session(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = spawn(*fake_args(fake_tracker))
    error = sidecar.error("get_comments", {"issueKey": "TEST-1"})
    assert error["message"] == "Not authenticated. Sign in again to continue."
    assert error["data"]["kind"] == "unauthenticated"
    expect_no_request(fake_tracker)
