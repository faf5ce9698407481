"""NDJSON framing over plain bytes: splitting, CR/LF, blank lines, the size cap, encoding."""

import io

import msgspec
from hypothesis import given, strategies as st

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


def expected_frames(line: bytes, max_line: int) -> list[object]:
    """What one whole line frames as: the size cap, one CR dropped, blank lines skipped."""
    if len(line) > max_line:
        return [OVERSIZED]
    line = line.removesuffix(b"\r")
    return [line] if line.strip() else []


@given(
    st.lists(
        st.binary(max_size=12)
        .map(lambda b: b.replace(b"\n", b""))
        .flatmap(lambda line: st.sampled_from([line, line + b"\r", b" " + line, b"\r", b""])),
        max_size=6,
    ),
    st.integers(min_value=1, max_value=10),
)
def test_a_line_per_read_frames_as_the_rules_say(lines: list[bytes], max_line: int) -> None:
    """Whole lines one per read (the lone-request shortcut)."""
    splitter = LineSplitter(max_line)
    got = [frame for line in lines for frame in splitter.feed(line + b"\n")]
    assert got == [frame for line in lines for frame in expected_frames(line, max_line)]


def test_a_read_that_ends_a_held_over_line_completes_it() -> None:
    splitter = LineSplitter(max_line=64)
    assert splitter.feed(b"part") == []
    assert splitter.feed(b"ial\r\n") == [b"partial"]
