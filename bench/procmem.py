"""CPU time and peak resident memory of a process, read from `/proc` (Linux only).

Owns: `cpu_seconds`, `rss_kb`, and `PeakRss`, the highest resident size a process reaches
during a block: VmHWM reset through `/proc/<pid>/clear_refs` where the kernel allows it, backed
by VmRSS sampled every 5 ms. Folded in from the former `bench/download_memory.py`.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/{pid}/status")


def rss_kb(pid: int) -> int:
    return status_kb(pid, "VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (clock-tick resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> bool:
    """Make VmHWM start again from the current RSS (Linux ≥ 4.0, same user)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PeakRss(threading.Thread):
    """`with PeakRss(pid) as peak:` … then `peak.growth_mb`: peak RSS minus RSS at entry."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.baseline_kb, self.peak_kb = pid, 0, 0
        self._halt = threading.Event()
        self._hwm_reset = False

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, rss_kb(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self.baseline_kb = rss_kb(self.pid)
        self._hwm_reset = reset_peak(self.pid)
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._halt.set()
        self.join()
        if self._hwm_reset:
            self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmHWM"))

    @property
    def growth_mb(self) -> float:
        return (self.peak_kb - self.baseline_kb) / 1024
