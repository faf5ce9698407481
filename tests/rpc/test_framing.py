"""NDJSON framing over plain bytes: splitting, CR/LF, blank lines, the size cap, encoding."""

import io

import msgspec

from sidecar.rpc.framing import OVERSIZED, LineSplitter, frame_message, iter_frames


def frames_of(data: bytes, max_line: int = 1024, chunk: int | None = None) -> list[object]:
    stream = io.BytesIO(data)
    return list(iter_frames(lambda n: stream.read(chunk or n), max_line))


def test_splits_lines_and_keeps_bytes() -> None:
    assert frames_of(b'{"a":1}\n{"b":2}\n') == [b'{"a":1}', b'{"b":2}']


def test_last_line_without_newline_still_counts() -> None:
    assert frames_of(b"one\ntwo") == [b"one", b"two"]


def test_crlf_and_blank_lines_are_ignored() -> None:
    assert frames_of(b"\n\r\none\r\n   \n\ttwo\n\n") == [b"one", b"\ttwo"]


def test_lines_split_across_tiny_reads() -> None:
    assert frames_of(b"abc\r\ndef\nghi\n", chunk=1) == [b"abc", b"def", b"ghi"]


def test_invalid_utf8_passes_through_as_bytes() -> None:
    assert frames_of(b"\xff\xfe{\n") == [b"\xff\xfe{"]


def test_oversized_line_is_reported_once_and_skipped() -> None:
    data = b"ok\n" + b"x" * 50 + b"\nnext\n"
    assert frames_of(data, max_line=10) == [b"ok", OVERSIZED, b"next"]


def test_oversized_line_is_never_buffered_whole() -> None:
    splitter = LineSplitter(max_line=8)
    assert splitter.feed(b"123456789") == [OVERSIZED]
    for _ in range(1000):
        assert splitter.feed(b"y" * 100) == []
    assert len(splitter._buffer) == 0  # skipped bytes are dropped, not kept
    assert splitter.feed(b"zz\nfine\n") == [b"fine"]


def test_line_exactly_at_the_limit_is_accepted() -> None:
    assert frames_of(b"12345678\n123456789\n", max_line=8) == [b"12345678", OVERSIZED]


def test_oversized_last_line_without_newline() -> None:
    assert frames_of(b"ok\n" + b"x" * 20, max_line=10) == [b"ok", OVERSIZED]


def test_empty_stream_has_no_frames() -> None:
    assert frames_of(b"") == []


def test_a_framed_message_is_compact_json_plus_newline() -> None:
    message = msgspec.json.encode({"a": [1, "x\ny"], "b": None})
    assert b"".join(frame_message(message)) == b'{"a":[1,"x\\ny"],"b":null}\n'
    assert b"".join(frame_message(b'{"a":', memoryview(b"[1]"), b"}")) == b'{"a":[1]}\n'
