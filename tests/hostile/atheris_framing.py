"""Coverage-guided fuzzing (atheris / libFuzzer) of the framing and decoding layer.

Not collected by pytest (the name does not start with `test_`). Run:

    .venv/bin/pip install atheris          # not a project dependency: optional tooling
    .venv/bin/python tests/hostile/atheris_framing.py -atheris_runs=2000000 [corpus_dir]

Each input is split at random points and fed to the real `LineSplitter` as a byte stream;
every frame is then decoded the way the endpoint does (batch split, envelope, a router's
params decoding). Invariants (any violation is a crash libFuzzer reports and saves):

- framing: no frame holds a newline, none is blank, none exceeds the line limit; splitting the
  same bytes into different chunks yields the same frames;
- decoding: only `msgspec.DecodeError` (→ -32700), `InvalidEnvelope` (→ -32600) or `RpcError`
  -32602 (bad params) ever escape; no RecursionError, UnicodeDecodeError or anything else.
"""

from __future__ import annotations

import sys
from typing import Any

import atheris

with atheris.instrument_imports():
    import msgspec

    from sidecar.rpc.framing import LineSplitter, Oversized
    from sidecar.rpc.messages import InvalidEnvelope, decode_batch, decode_request, is_batch
    from sidecar.rpc.router import Router

MAX_LINE = 4096


class _Params(msgspec.Struct, rename="camel"):
    issue_key: str
    patch: dict[str, Any] | None = None
    count: int = 0


async def _noop(params: Any, ctx: Any) -> None:
    return None


ROUTER = Router()
METHOD = ROUTER.add("m", _noop, _Params)


def split_frames(data: bytes, cuts: list[int]) -> list[bytes | Oversized]:
    splitter = LineSplitter(MAX_LINE)
    frames: list[bytes | Oversized] = []
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        frames += splitter.feed(data[start:cut])
        start = max(start, cut)
    frames += splitter.feed(data[start:])
    return frames + splitter.finish()


def check_frames(frames: list[bytes | Oversized]) -> None:
    for frame in frames:
        if isinstance(frame, Oversized):
            continue
        assert b"\n" not in frame, frame
        assert frame.strip(), frame
        assert len(frame) <= MAX_LINE, len(frame)


def decode_like_the_endpoint(frame: bytes) -> None:
    try:
        members: list[Any] = decode_batch(frame) if is_batch(frame) else [frame]
    except msgspec.DecodeError:
        return
    for member in members:
        try:
            request = decode_request(member)
        except (msgspec.DecodeError, InvalidEnvelope):
            continue
        try:
            ROUTER.decode_params(METHOD, request.params_or_none())
        except Exception as exc:
            assert getattr(exc, "code", None) == -32602, repr(exc)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    cuts = [fdp.ConsumeIntInRange(0, 1 << 16) for _ in range(fdp.ConsumeIntInRange(0, 6))]
    stream = fdp.ConsumeBytes(fdp.remaining_bytes())
    frames = split_frames(stream, cuts)
    check_frames(frames)
    assert frames == split_frames(stream, []), "chunking changed the frames"
    for frame in frames:
        if not isinstance(frame, Oversized):
            decode_like_the_endpoint(frame)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
