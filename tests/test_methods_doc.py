"""docs/methods.md, the method reference generated from the OpenRPC document: complete, its
links resolve, and its examples are the golden transcripts' real exchanges.

(That the committed page matches a fresh generation is `test_contract.py`'s drift test, since
`outputs()` includes it.)
"""

from __future__ import annotations

import json
import re

import pytest

from sidecar.contract import METHODS_DOC, openrpc_document, outputs
from sidecar.contract.__main__ import REPO
from sidecar.contract.markdown import render, slug, transcript_examples

DOC = (REPO / METHODS_DOC).read_text(encoding="utf-8")


def _section(method: str) -> str:
    return DOC.split(f"\n### `{method}`\n", 1)[1].split("\n### ", 1)[0]


def test_every_method_has_a_section_with_its_params_result_errors_and_example() -> None:
    for method in openrpc_document()["methods"]:
        section = _section(method["name"])
        for param in method["params"]:
            assert f"| `{param['name']}` |" in section, (method["name"], param["name"])
        assert "**Result:**" in section and "**Errors:** -32001 to -32010" in section
        assert "**Example**" in section and f'"method": "{method["name"]}"' in section


def test_every_link_on_the_page_resolves_to_a_heading() -> None:
    anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", DOC, flags=re.MULTILINE)}
    targets = set(re.findall(r"\]\(#([^)]+)\)", DOC))
    assert targets and targets <= anchors, targets - anchors


def test_examples_are_the_transcripts_first_exchanges() -> None:
    section = _section("get_transitions")
    assert "(from a transcript)" in section and '"id": "stop_progress"' in section
    assert "(request only)" in _section("ping")


def test_long_strings_and_lists_in_examples_are_shortened() -> None:
    transcript = "\n".join(
        json.dumps(step)
        for step in (
            {"send": {"jsonrpc": "2.0", "id": 7, "method": "m", "params": {"a": "x" * 500}}},
            {"expect": {"jsonrpc": "2.0", "id": 7, "result": list(range(10))}},
        )
    )
    request, response = transcript_examples({"m": transcript})["m"]
    assert len(request["params"]["a"]) < 60 and request["params"]["a"].endswith("…")
    assert response == {"jsonrpc": "2.0", "id": 7, "result": [0, 1]}


@pytest.mark.locked  # msgspec's schema text differs between the versions the ranges allow
def test_the_page_follows_the_document() -> None:
    document = json.loads(json.dumps(openrpc_document()))
    document["methods"][0]["summary"] = "A changed summary."
    assert "A changed summary." in render(document, {})
    assert outputs()[METHODS_DOC] == DOC
