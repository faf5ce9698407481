""".github/workflows/release.yml, which no machine of this project can run, checked as far as
a file can be: valid against SchemaStore's GitHub workflow schema (check-jsonschema's vendored
copy, plus its rule that every job has a timeout), every `run:` block parses as bash, and what it
does matches the rest of the repository (the four desktop target triples, the build scripts, the
e2e command of scripts/test.sh, the notices file name build.py writes, a release job that
attaches checksums and the licence).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.build_modules import REPO, load

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
TRIPLES = {
    "x86_64-unknown-linux-gnu",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
}
# GitHub-hosted images and the architecture they run on (Intel macOS: macos-15-intel only).
RUNNER_ARCH = {
    "ubuntu-22.04": "x86_64",
    "ubuntu-24.04": "x86_64",
    "macos-14": "aarch64",
    "macos-15": "aarch64",
    "macos-15-intel": "x86_64",
    "windows-2022": "x86_64",
    "windows-2025": "x86_64",
}


SCHEMAS = ("vendor.github-workflows", "custom.github-workflows-require-timeout")


def _workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(WORKFLOW.read_text())
    return loaded


def _schema_errors(path: Path, schema: str) -> str:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def _runs(workflow: dict[str, Any]) -> list[str]:
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    return [step["run"] for step in steps if "run" in step]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_workflow_is_valid_against_the_schema(schema: str) -> None:
    assert _schema_errors(WORKFLOW, schema) == ""


@pytest.mark.parametrize(
    ("schema", "old", "new"),
    [
        ("vendor.github-workflows", "    runs-on: ${{ matrix.os }}\n", "    run-on: x\n"),
        ("vendor.github-workflows", "on:\n  push:", "on:\n  pushed:"),
        ("vendor.github-workflows", "  contents: read\n", "  contents: reading\n"),
        ("custom.github-workflows-require-timeout", "    timeout-minutes: 15\n", ""),
    ],
)
def test_the_schema_check_catches_a_broken_copy(
    tmp_path: Path, schema: str, old: str, new: str
) -> None:
    text = WORKFLOW.read_text()
    assert old in text
    broken = tmp_path / "release.yml"
    broken.write_text(text.replace(old, new, 1))
    assert _schema_errors(broken, schema) != ""


def test_every_run_block_is_valid_bash() -> None:
    for script in _runs(_workflow()):
        plain = re.sub(r"\$\{\{[^}]*\}\}", "x", script)
        result = subprocess.run(["bash", "-n"], input=plain, capture_output=True, text=True)
        assert result.returncode == 0, (script, result.stderr)


def test_the_matrix_builds_the_four_desktop_targets_on_matching_runners() -> None:
    legs = _workflow()["jobs"]["build"]["strategy"]["matrix"]["include"]
    assert {leg["triple"] for leg in legs} == TRIPLES
    for leg in legs:
        assert RUNNER_ARCH[leg["os"]] == leg["triple"].split("-")[0], leg
        assert leg["exe"] == (".exe" if "windows" in leg["triple"] else ""), leg
    used = set(re.findall(r"matrix\.(\w+)", WORKFLOW.read_text()))
    assert all(used <= set(leg) for leg in legs), used


def test_each_leg_builds_tests_the_binary_and_uploads_it_with_its_notices() -> None:
    build = _workflow()["jobs"]["build"]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert "bash build/build.sh" in runs and "build/build.py" in runs
    assert 'YTRACKER_SIDECAR_BIN="$PWD/$BIN"' in runs and "-m pytest -q tests/e2e" in runs
    test_sh = (REPO / "scripts" / "test.sh").read_text()
    deselected = re.findall(r"--deselect (\S+)", runs)
    assert deselected and all(f"--deselect {test_id}" in test_sh for test_id in deselected)
    uploads = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload")]
    triple = "x86_64-unknown-linux-gnu"
    notices_file = load("notices").path_next_to(Path(f"dist/ytracker-sidecar-{triple}")).as_posix()
    assert notices_file.replace(triple, "${{ matrix.triple }}") in uploads[0]["with"]["path"]


def test_the_release_job_attaches_checksums_and_the_licence_on_tags_only() -> None:
    release = _workflow()["jobs"]["release"]
    assert release["needs"] == "build" and release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"] == {"contents": "write"}
    assert _workflow()["permissions"] == {"contents": "read"}
    script = release["steps"][-1]["run"]
    for needed in ("cp LICENSE release/", "sha256sum -- * > SHA256SUMS", "gh release create"):
        assert needed in script
