"""Scenario 5: a 200 MB attachment down and up, against a plain aiohttp copy on the same loopback.

Download: `download_attachment` (metadata lookup, then the streamed body into a temporary file
renamed into place) vs a plain aiohttp GET of the same content URL written chunk by chunk.
Upload: `upload_attachment` (multipart streamed from disk) vs a plain aiohttp multipart POST of
the same file. Both sides run in their own process after a warm-up request; cooldown 0, so the
numbers are the transfer alone. Reported: throughput, its ratio, and the peak resident memory
growth of the sidecar (and of the plain copy) during the transfer.
Targets: ≥ 0.8× the plain throughput; peak growth ≤ 20 MB.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from bench.context import Setup
from bench.fake import BenchFake, add_attachment
from bench.pipe import SidecarPipe
from bench.procmem import PeakRss
from bench.report import Row, median
from bench.workers import plain_copy

NAME = "5 transfers"
MB = 1024 * 1024
BIG_ID, WARM_ID = 900, 901
GROWTH_TARGET_MB = 20


def content_url(fake: BenchFake, ident: int, name: str) -> str:
    return f"{fake.url}/v3/issues/TEST-1/attachments/{ident}/{name}"


def drop_uploads(fake: BenchFake) -> None:
    """Forget uploaded copies and the request log (it holds every body it received)."""

    def drop(state: object) -> None:
        attachments = state.attachments  # type: ignore[attr-defined]
        for ident in [i for i in attachments if i not in (BIG_ID, WARM_ID)]:
            del attachments[ident]
        state.log.clear()  # type: ignore[attr-defined]

    fake.mutate(drop)


def sidecar_download(sidecar: SidecarPipe, dest: Path) -> tuple[float, float]:
    params = {"issueKey": "TEST-1", "attachmentId": str(BIG_ID), "destPath": str(dest)}
    request_id, line = sidecar.request_line("download_attachment", params)
    with PeakRss(sidecar.pid) as peak:
        seconds = sidecar.timed(line, request_id)
    return seconds, peak.growth_mb


def sidecar_upload(sidecar: SidecarPipe, source: Path) -> tuple[float, float]:
    params = {"issueKey": "TEST-1", "filePath": str(source)}
    request_id, line = sidecar.request_line("upload_attachment", params)
    with PeakRss(sidecar.pid) as peak:
        seconds = sidecar.timed(line, request_id)
    return seconds, peak.growth_mb


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def run(setup: Setup) -> list[Row]:
    size_mb = setup.sizes.transfer_mb
    big = os.urandom(MB) * size_mb  # one random MiB repeated: real bytes, quickly made
    fake = setup.fake
    fake.mutate(lambda s: add_attachment(s, BIG_ID, "big.bin", big))
    fake.mutate(lambda s: add_attachment(s, WARM_ID, "warm.bin", os.urandom(2 * MB)))
    fake.mutate(lambda s: setattr(s, "max_upload_bytes", 2 * len(big)))
    with tempfile.TemporaryDirectory(prefix="bench-transfers-") as scratch:
        results = measure(setup, Path(scratch), big)
    drop_uploads(fake)
    return rows(results, size_mb)


def measure(setup: Setup, scratch: Path, big: bytes) -> dict[str, list[tuple[float, float]]]:
    fake, source = setup.fake, scratch / "upload.bin"
    source.write_bytes(big)
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in ("down", "up", "pd", "pu")}
    with SidecarPipe(fake, cooldown_ms=0) as sidecar:
        sidecar_download(sidecar, scratch / "warm.bin")
        for n in range(setup.sizes.runs):
            dest = scratch / f"down-{n}.bin"
            results["down"].append(sidecar_download(sidecar, dest))
            assert sha256(dest) == hashlib.sha256(big).hexdigest()
            dest.unlink()
            results["up"].append(sidecar_upload(sidecar, source))
            drop_uploads(fake)
            results["pd"].append(plain(fake, "download", scratch / "plain.bin"))
            (scratch / "plain.bin").unlink()
            results["pu"].append(plain(fake, "upload", source))
            drop_uploads(fake)
    return results


def plain(fake: BenchFake, mode: str, path: Path) -> tuple[float, float]:
    url = content_url(fake, BIG_ID, "big.bin")
    if mode == "upload":
        url = f"{fake.url}/v3/issues/TEST-1/attachments/"
    started = time.perf_counter()
    result = plain_copy(mode, url, str(path), fake.ca_file)
    assert time.perf_counter() - started >= result["seconds"]
    return result["seconds"], result["growth_mb"]


def rows(results: dict[str, list[tuple[float, float]]], size_mb: int) -> list[Row]:
    out = []
    for ours, theirs, label in (("down", "pd", "download"), ("up", "pu", "upload")):
        speed = [median(size_mb / s for s, _ in results[k]) for k in (ours, theirs)]
        growth = [max(g for _, g in results[k]) for k in (ours, theirs)]
        name = f"{NAME} {size_mb} MB {label}"
        out.append(Row(name, "throughput", *speed, "MB/s", "≥ 0.8×", speed[0] >= 0.8 * speed[1]))
        peak = Row(name, "peak RSS growth", *growth, "MB", f"≤ {GROWTH_TARGET_MB} MB")
        peak.ok = growth[0] <= GROWTH_TARGET_MB
        out.append(peak)
    return out
