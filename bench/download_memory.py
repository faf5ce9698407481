"""Peak memory growth of the sidecar while `download_attachment` streams a large attachment.

Serves a 200 MB attachment from the fake Tracker (HTTPS, inside this process) to a spawned
sidecar and reads the sidecar's memory from `/proc/<pid>/status`: the idle baseline after a
small warm-up download, then the peak during the large one (VmHWM, reset through
`/proc/<pid>/clear_refs` where the kernel allows, and VmRSS sampled every 5 ms). Prints the
growth against that baseline, measured in the same run. Target: under 20 MB. Linux only.

    .venv/bin/python bench/download_memory.py [--size-mb 200]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sidecar.sandbox import TrackerState  # noqa: E402
from sidecar.sandbox.model import Attachment  # noqa: E402
from tests.e2e.conftest import fake_args  # noqa: E402
from tests.e2e.harness import Sidecar  # noqa: E402
from tests.fakes.tracker import ORG_ID, TOKEN, FakeTrackerServer  # noqa: E402

MB = 1024 * 1024
TARGET_MB = 20.0


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> bool:
    """Make VmHWM start again from the current RSS (Linux ≥ 4.0, same user)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Sampler(threading.Thread):
    """The highest VmRSS seen while running (a backstop when VmHWM cannot be reset)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self._halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))
            time.sleep(0.005)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak_kb


def add_attachment(fake: FakeTrackerServer, id: int, name: str, data: bytes) -> None:
    def add(state: TrackerState) -> None:
        mime = "application/octet-stream"
        item = Attachment(id, name, mime, data, "alice", state.now(), "TEST-1")
        state.attachments[id] = item

    fake.call(add)


def download(sidecar: Sidecar, attachment_id: int, dest: Path) -> dict[str, Any]:
    params = {"issueKey": "TEST-1", "attachmentId": str(attachment_id), "destPath": str(dest)}
    response: dict[str, Any] = sidecar.call("download_attachment", params, timeout=600)
    return response


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    # One random MiB repeated: real bytes without spending seconds in os.urandom.
    big = os.urandom(MB) * args.size_mb
    fake = FakeTrackerServer()
    try:
        add_attachment(fake, 900, "big.bin", big)
        add_attachment(fake, 901, "warmup.bin", os.urandom(2 * MB))
        with tempfile.TemporaryDirectory(prefix="bench-download-") as scratch:
            return run(fake, Path(scratch), big)
    finally:
        fake.close()


def run(fake: FakeTrackerServer, scratch: Path, big: bytes) -> int:
    env = {"YTRACKER_CONFIG_DIR": str(scratch / "config"), "YTRACKER_LOG_LEVEL": "warning"}
    sidecar = Sidecar(fake_args(fake), env=env)
    try:
        login = {"token": TOKEN, "tokenType": "oauth", "orgId": ORG_ID, "orgType": "yandex360"}
        assert sidecar.result("login_with_token", login) is True
        assert "result" in download(sidecar, 901, scratch / "warmup.bin")
        return measure(sidecar, scratch, big)
    finally:
        sidecar.stop()


def measure(sidecar: Sidecar, scratch: Path, big: bytes) -> int:
    pid = sidecar.proc.pid
    time.sleep(0.5)
    baseline_kb = status_kb(pid, "VmRSS")
    hwm_reset = reset_peak(pid)
    sampler = Sampler(pid)
    sampler.start()
    started, cpu_before = time.perf_counter(), cpu_seconds(pid)
    response = download(sidecar, 900, scratch / "big.bin")
    seconds, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    sampled_kb = sampler.stop()
    hwm_kb = status_kb(pid, "VmHWM")
    assert "result" in response, response
    assert sha256_of(scratch / "big.bin") == hashlib.sha256(big).hexdigest()
    peak_kb = max(sampled_kb, hwm_kb if hwm_reset else 0)
    growth_mb = (peak_kb - baseline_kb) / 1024
    progress = [n for n in sidecar.notifications if n["method"] == "$/progress"]
    print(
        f"attachment:        {len(big) / MB:.0f} MB in {seconds:.2f} s "
        f"({len(big) / MB / seconds:.0f} MB/s, sidecar CPU {cpu:.2f} s), "
        f"{len(progress)} progress notifications"
    )
    print(f"idle baseline RSS: {baseline_kb / 1024:.1f} MB")
    print(
        f"peak RSS:          {peak_kb / 1024:.1f} MB "
        f"(VmHWM {'reset' if hwm_reset else 'not resettable'}: {hwm_kb / 1024:.1f} MB, "
        f"sampled VmRSS: {sampled_kb / 1024:.1f} MB)"
    )
    verdict = "OK" if growth_mb < TARGET_MB else "OVER TARGET"
    print(f"growth:            {growth_mb:.1f} MB (target < {TARGET_MB:.0f} MB) {verdict}")
    return 0 if growth_mb < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
