"""No known secret anywhere: the whole run's sidecar output and test files, audited last.

Every sidecar the e2e `spawn` fixture started in this run has been reported into `AUDIT`
(`secret_audit.py`), which scanned its stdout, stderr and the test's temporary folder against
every token, refresh token, client secret and code the fake Tracker saw or minted. This module
is moved to the end of the run (tests/hostile/conftest.py). It first drives one whole
sign-in life at debug level itself, so that even a run of this file alone audits something.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import SpawnFn, fake_args
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, FakeTrackerServer
from tests.hostile.secret_audit import AUDIT, Audit

ENV = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}


def test_a_whole_sign_in_life_at_debug_level(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    """Code exchange, early refresh, refresh after a 401, a spent code, a failed download,
    logout, a second sign-in whose reads stay in the disk cache: every secret-bearing path once
    (the audit below checks what it wrote)."""
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", 200))  # inside the refresh margin
    env = {**ENV, "TMPDIR": str(tmp_path), "HOME": str(tmp_path / "home")}
    sidecar = spawn(*fake_args(fake_tracker, "--log-level", "debug"), env=env)
    code = fake_tracker.issue_auth_code()
    assert sidecar.result("exchange_code", {"code": code, "orgId": ORG_ID}) is True
    assert sidecar.result("get_current_user")["login"] == "alice"
    fake_tracker.call(lambda s: [s.expire_token(t) for t, v in s.tokens.items() if v.client_id])
    assert sidecar.result("get_issue", {"issueKey": "TEST-1"})["key"] == "TEST-1"
    assert "error" in sidecar.call("exchange_code", {"code": code, "orgId": ORG_ID})
    fake_tracker.faults.add("GET", r"/attachments/302/", status=503, times=4)
    params = {"issueKey": "TEST-1", "attachmentId": "302", "destPath": str(tmp_path / "f")}
    assert "error" in sidecar.call("download_attachment", params)
    assert sidecar.result("download_attachment", params) is None  # a file for the audit
    assert sidecar.result("save_config", {"config": {"workday_hours": 7}}) is None
    assert sidecar.result("logout") is None
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", 31_536_000))  # no more refreshes
    again = {"code": fake_tracker.issue_auth_code(), "orgId": ORG_ID}
    assert sidecar.result("exchange_code", again) is True
    assert sidecar.result("get_current_user")["login"] == "alice"
    assert sidecar.result("get_issues", {"filter": {"assignee": "me()"}})["issues"]
    assert sidecar.result("get_statuses")
    assert sidecar.stop() == 0
    assert "tracker request" in sidecar.stderr  # debug logging was on


def test_the_audit_finds_what_it_looks_for(tmp_path: Path) -> None:
    """A planted secret is found in output and in files; a code inside a longer number is not."""
    audit = Audit()
    audit.add_secret("y0_planted-token", "planted")
    audit.add_secret("1234567", "a code")
    audit.add_output("stderr", b'{"msg": "sent y0_planted-token"} uid 912345678')
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "f.part").write_bytes(b"code=1234567&x")
    audit.add_files(tmp_path)
    assert audit.findings == [
        "planted in stderr",
        f"a code in {tmp_path / 'deep' / 'f.part'}",
    ]


def test_the_cache_folders_are_scanned_again_with_the_secrets_learnt_later(
    tmp_path: Path,
) -> None:
    audit = Audit()
    store = tmp_path / "cache" / "account-x.sqlite3"
    store.parent.mkdir()
    store.write_bytes(b"SQLite format 3\x00 ... y0_learnt-late-token ...")
    audit.cache_folders.add(tmp_path / "cache")
    audit.add_files(tmp_path)  # at the test's end the token is not known yet
    audit.add_secret("y0_learnt-late-token", "a later test's token")
    audit.add_cache_folders()
    assert audit.findings == [f"a later test's token in {store}"]
    assert audit.cache_files == 1


def test_no_known_secret_in_any_output_or_file_of_the_run() -> None:
    AUDIT.add_cache_folders()  # once more, against every secret of the whole run
    counts = (AUDIT.outputs, AUDIT.files, AUDIT.cache_files)
    assert AUDIT.outputs >= 2 and AUDIT.files >= 2, counts  # at least the life above
    assert AUDIT.cache_files >= 2, counts  # the life above left an index and an account store
    assert len(AUDIT.secrets) > 5
    assert AUDIT.findings == [], "\n".join(AUDIT.findings)
    print(
        f"secret audit: {AUDIT.outputs} streams and {AUDIT.files} files "
        f"({AUDIT.cache_files} in disk caches), "
        f"{AUDIT.scanned_bytes / 1e6:.1f} MB, {len(AUDIT.secrets)} secrets: no finding"
    )
