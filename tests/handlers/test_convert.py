"""The conversion rules of `docs/frontend-contract.md` §4 and §9.3/§9.4, one case per rule."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import example, given, strategies as st

from sidecar.handlers import convert
from sidecar.tracker.models import (
    AttachmentWire,
    ChecklistItemWire,
    CommentWire,
    EntityWire,
    IssueWire,
    TransitionWire,
    UserWire,
    WorklogWire,
)


def wire(type_: Any, payload: dict[str, Any]) -> Any:
    return msgspec.json.decode(msgspec.json.encode(payload), type=type_)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Open ", "Open"),
        ("   ", None),
        (None, None),
        ({"display": "Open", "name": "x"}, "Open"),
        ({"name": {"ru": "Открыт", "en": "Open"}}, "Open"),
        ({"ru": "Открыт", "en": "Open"}, "Open"),
        ({"ru": "Открыт"}, "Открыт"),
        ({"zeta": "z", "alpha": " a "}, "a"),
        ({"display": "  ", "zeta": "z"}, "z"),
        (["", None, "first", "second"], "first"),
        (42, "42"),
        (1.5, "1.5"),
        (True, "true"),
        ({}, None),
    ],
)
def test_coerce_display(value: Any, expected: str | None) -> None:
    assert convert.coerce_display(value) == expected


def test_accept_language_is_preferred_in_localized_dicts() -> None:
    keys = convert.display_keys("ru")
    assert convert.coerce_display({"en": "Open", "ru": "Открыт"}, keys) == "Открыт"
    assert convert.coerce_display({"display": "D", "ru": "Открыт"}, keys) == "D"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"key": "open", "display": "Open"}, ("open", "Open")),
        ({"id": "3", "display": "In progress"}, ("3", "In progress")),
        ({"id": 3}, ("3", "3")),
        ({"display": "Only label"}, ("Only label", "Only label")),
        ({"key": " spaced ", "name": "N"}, (" spaced ", "N")),
        ({"key": "  ", "id": "7"}, ("7", "7")),
        ("bare", ("bare", "bare")),
        ("", ("unknown", "Unknown")),
        ({}, ("unknown", "Unknown")),
        ([1, 2], ("unknown", "Unknown")),
        (None, ("unknown", "Unknown")),
    ],
)
def test_field_ref(value: Any, expected: tuple[str, str]) -> None:
    assert convert.field_ref(value) == expected


def test_issue_full_and_fallbacks() -> None:
    full = wire(
        IssueWire,
        {
            "key": "YT-1",
            "summary": "Fix",
            "status": {"key": "open", "display": "Open"},
            "priority": {"key": "normal", "display": {"ru": "Средний", "en": "Normal"}},
            "type": {"key": "task", "display": "Task"},
            "assignee": {"id": 1134669209, "display": "Ivan Petrov"},
            "tags": ["a", "b"],
            "followers": [{"id": "5", "display": "F"}, "login2"],
            "spent": "P1W2DT3H",
            "unknownField": {"deep": [1, 2]},
        },
    )
    issue = msgspec.to_builtins(convert.issue(full, 8))
    assert issue == {
        "key": "YT-1",
        "summary": "Fix",
        "description": "",
        "status": {"key": "open", "display": "Open"},
        "priority": {"key": "normal", "display": "Normal"},
        "issue_type": {"key": "task", "display": "Task"},
        "assignee": {"key": "1134669209", "display": "Ivan Petrov"},
        "tags": ["a", "b"],
        "followers": [{"key": "5", "display": "F"}, {"key": "login2", "display": "login2"}],
        "tracked_seconds": 212400,
    }
    bare = msgspec.to_builtins(convert.issue(wire(IssueWire, {"key": "YT-2", "type": {}}), 8))
    assert bare["status"] == {"key": "unknown", "display": "Unknown"}
    assert bare["priority"] == {"key": "unknown", "display": "Unknown"}
    assert bare["issue_type"] == {"key": "unknown", "display": "Unknown"}
    assert bare["assignee"] is None
    assert bare["tags"] == [] and bare["followers"] == []
    assert bare["tracked_seconds"] is None


def test_tags_keep_what_can_be_shown_and_drop_the_rest() -> None:
    tags = ["a", "", {"display": "B"}, None, 5, {"x": 1}, ["c"], " "]
    issue = convert.issue(wire(IssueWire, {"key": "YT-3", "tags": tags}), 8)
    assert issue.tags == ["a", "B", "5", "1", "c", " "]  # " " stays: only empty ones go


@pytest.mark.parametrize(
    ("spent", "time_spent", "hours", "expected"),
    [
        ("PT1H30M", None, 8, 5400),
        ("P1D", None, 8, 28800),
        ("P1D", None, 6, 21600),
        ("P1D", None, 99, 86400),
        (5400, None, 8, 5400),
        (-5, "PT1M", 8, 60),
        (None, "PT2H", 8, 7200),
        ("garbage", None, 8, None),
        ({"value": "PT1H"}, None, 8, 3600),
    ],
)
def test_tracked_seconds(spent: Any, time_spent: Any, hours: int, expected: int | None) -> None:
    payload = {"key": "K-1", "spent": spent, "timeSpent": time_spent}
    assert convert.issue(wire(IssueWire, payload), hours).tracked_seconds == expected


def test_comment_and_authors() -> None:
    c = convert.comment(
        wire(
            CommentWire,
            {
                "id": 9849018,
                "text": "Hi",
                "createdAt": "2026-02-19T10:00:00.000+0000",
                "createdBy": {"display": {"en": "Ivan"}},
            },
        )
    )
    assert msgspec.to_builtins(c) == {
        "id": "9849018",
        "text": "Hi",
        "author": "Ivan",
        "created_at": "2026-02-19T10:00:00.000+0000",
    }
    assert convert.author({"login": " ivan "}) == "ivan"
    assert convert.author({"email": "i@x"}) == "i@x"
    assert convert.author({}) == "Unknown"
    assert convert.author(None) == "Unknown"
    assert convert.comment(wire(CommentWire, {})).id == ""


def test_attachment() -> None:
    a = convert.attachment(
        wire(
            AttachmentWire,
            {"id": "4159", "name": "r.txt", "content": "https://x/r", "mimetype": "text/plain"},
        )
    )
    assert msgspec.to_builtins(a) == {
        "id": "4159",
        "name": "r.txt",
        "url": "https://x/r",
        "mime_type": "text/plain",
    }
    bare = convert.attachment(wire(AttachmentWire, {"id": 7, "mimeType": "image/png"}))
    assert (bare.id, bare.name, bare.url, bare.mime_type) == ("7", "Attachment", "", "image/png")


def test_transition() -> None:
    t = convert.transition(
        wire(
            TransitionWire,
            {
                "id": "close",
                "display": "Close",
                "to": {"id": "3", "key": "closed", "display": "Closed"},
            },
        )
    )
    assert msgspec.to_builtins(t) == {
        "id": "close",
        "name": "Close",
        "to_status": {"key": "closed", "display": "Closed"},
    }
    no_key = convert.transition(wire(TransitionWire, {"name": "Go", "status": {"display": "X"}}))
    assert (no_key.id, no_key.name, no_key.to_status) == ("unknown", "Go", None)
    only_id = convert.transition(wire(TransitionWire, {"to": {"id": 5}}))
    assert only_id.name == "Transition"
    assert only_id.to_status is not None and (only_id.to_status.key, only_id.to_status.display) == (
        "5",
        "5",
    )


def test_worklog() -> None:
    w = convert.worklog(
        wire(
            WorklogWire,
            {
                "id": 1,
                "start": "2026-03-05T06:30:00.000+0000",
                "duration": "PT1H30M",
                "comment": "cr",
                "createdBy": {"display": "A"},
            },
        ),
        8,
    )
    assert msgspec.to_builtins(w) == {
        "id": "1",
        "date": "2026-03-05T06:30:00.000+0000",
        "duration_seconds": 5400,
        "comment": "cr",
        "author": "A",
    }
    fallback = convert.worklog(wire(WorklogWire, {"createdAt": "c", "duration": 60}), 8)
    assert (fallback.date, fallback.duration_seconds, fallback.author) == ("c", 0, "Unknown")


def test_checklist_item() -> None:
    item = convert.checklist_item(
        wire(
            ChecklistItemWire,
            {
                "id": " 5fde ",
                "text": "Write",
                "checked": True,
                "checklistItemType": "standard",
                "assignee": {"id": 1, "display": "Ivan", "login": "ivan"},
                "deadline": {
                    "date": "2026-05-09T00:00:00.000+0000",
                    "deadlineType": "date",
                    "isExceeded": False,
                },
            },
        )
    )
    assert msgspec.to_builtins(item) == {
        "id": "5fde",
        "text": "Write",
        "checked": True,
        "assignee": "Ivan",
        "deadline": "2026-05-09T00:00:00.000+0000",
        "deadline_type": "date",
        "is_exceeded": False,
        "item_type": "standard",
    }
    bare = convert.checklist_item(wire(ChecklistItemWire, {}))
    assert (bare.id, bare.checked, bare.assignee, bare.deadline) == ("null", False, None, None)
    assert convert.checklist_item(wire(ChecklistItemWire, {"id": 12})).id == "12"


def test_user_profile() -> None:
    u = convert.user_profile(
        wire(UserWire, {"display": "Ivan", "login": "ivan", "email": "i@x", "avatarId": 77})
    )
    assert msgspec.to_builtins(u) == {
        "display": "Ivan",
        "login": "ivan",
        "email": "i@x",
        "avatar_url": "77",
    }
    assert convert.user_profile(wire(UserWire, {})).login is None


@pytest.mark.parametrize(
    ("payload", "id_first", "expected"),
    [
        ({"id": 1, "key": "open", "name": "Open"}, False, ("open", "Open")),
        ({"id": 1, "key": "open", "name": "Open"}, True, ("1", "Open")),
        ({"id": " 9 ", "display": {"en": "Nine"}}, False, ("9", "Nine")),
        ({"key": "TEST"}, False, ("TEST", "TEST")),
        ({}, False, ("unknown", "unknown")),
        ({"key": True, "name": "B"}, False, ("true", "B")),
        ({"key": {"a": 1}}, False, ('{"a":1}', '{"a":1}')),
    ],
)
def test_catalog_entity(payload: dict[str, Any], id_first: bool, expected: tuple[str, str]) -> None:
    e = convert.catalog_entity(wire(EntityWire, payload), id_first=id_first)
    assert (e.key, e.display) == expected


def test_author_names_follow_the_configured_language() -> None:
    created_by = {"display": {"en": "Ivan", "ru": "Иван"}}
    assert convert.author(created_by) == "Ivan"
    assert convert.author(created_by, convert.display_keys("ru")) == "Иван"
    payload = {"id": 1, "createdBy": created_by}
    assert convert.comment(wire(CommentWire, payload), convert.display_keys("ru")).author == "Иван"
    assert (
        convert.worklog(wire(WorklogWire, payload), 8, convert.display_keys("ru")).author == "Иван"
    )


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4))
_display_values = st.one_of(
    _scalars, st.dictionaries(st.sampled_from(["en", "ru", "x"]), _scalars), st.lists(_scalars)
)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "key": _scalars,
            "id": _scalars,
            "display": _display_values,
            "name": _display_values,
        },
    )
)
@example({"key": " ", "display": "Bug"})  # a blank key is no key
@example({"key": "bug", "display": " "})  # a blank label is no label
@example({"id": "7", "display": "Bug"})  # the id stands in for a missing key
@example({"key": 7, "display": "Bug"})  # a number is no key for the shortcut
def test_the_plain_ref_shortcut_agrees_with_the_general_rules(value: dict[str, Any]) -> None:
    for keys in (convert.display_keys(None), convert.display_keys("ru")):
        assert convert.field_ref(value, keys) == convert._dict_ref(value, keys)
