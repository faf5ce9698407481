"""Results and Tracker payloads stay out of the cyclic garbage collector.

A 1,000-issue page makes ~17,000 objects; when the collector tracked the Structs among them it
spent ~40 % of the sidecar's CPU on bulk lists walking them. They never form reference cycles
(plain data, built fresh per answer), so their bases say `gc=False`.
"""

from __future__ import annotations

import gc

import msgspec

from sidecar.api.base import Dto
from sidecar.handlers import convert
from sidecar.tracker.models import IssueWire, Wire

PAGE = b"""[{"key": "Q-1", "summary": "s", "status": {"key": "open", "display": "Open"},
"priority": {"key": "normal", "display": "Normal"}, "type": {"key": "bug", "display": "Bug"},
"assignee": {"id": "1", "display": "Alice"}, "followers": [{"id": "2", "display": "Bob"}],
"tags": ["a"], "spent": "P1D"}]"""


def test_decoded_payloads_and_converted_results_are_not_tracked() -> None:
    wire = msgspec.json.decode(PAGE, type=list[IssueWire])[0]
    issue = convert.issue(wire, 8)
    assert not gc.is_tracked(wire)
    assert not any(gc.is_tracked(s) for s in (issue, issue.status, issue.priority))
    assert not any(gc.is_tracked(s) for s in (issue.issue_type, issue.assignee, *issue.followers))


def test_every_result_and_payload_type_inherits_it() -> None:
    for base in (Dto, Wire):
        for cls in _subclasses(base):
            assert cls.__struct_config__.gc is False, cls


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
