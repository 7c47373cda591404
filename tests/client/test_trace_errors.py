"""A bad trace file is a TraceError naming the line, whatever is wrong with it: NaN or infinite times (a replay would
sleep forever), nesting deep enough to exhaust the parser, fields of the wrong type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tiktok_webcast.trace import TraceError, read_trace

HEADER = '{"format": "tiktok-webcast-trace", "version": 1, "created": "2026-01-01T00:00:00Z", "meta": {}}'


def _trace(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "bad.trace.jsonl"
    path.write_text("\n".join([HEADER, *records]) + "\n", encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(TraceError) as caught:
        read_trace(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ('{"t": NaN, "type": "ws", "dir": "in", "data": ""}', "not valid JSON (NaN is not a number JSON allows)"),
        (
            '{"t": Infinity, "type": "ws", "dir": "in", "data": ""}',
            "not valid JSON (Infinity is not a number JSON allows)",
        ),
        (
            '{"t": -Infinity, "type": "ws", "dir": "in", "data": ""}',
            "not valid JSON (-Infinity is not a number JSON allows)",
        ),
        (
            '{"t": 1e999, "type": "ws", "dir": "in", "data": ""}',
            "field 't' must be a finite number of seconds, not negative",
        ),
        (
            '{"t": -1, "type": "ws", "dir": "in", "data": ""}',
            "field 't' must be a finite number of seconds, not negative",
        ),
        ('{"t": "1", "type": "ws", "dir": "in", "data": ""}', "field 't' must be int or float, got str"),
        ('{"t": 1, "type": "ws", "dir": "in", "data": 5}', "field 'data' must be str, got int"),
        (
            '{"t": 1, "type": "http", "method": "GET", "url": "u", "status": 200, "duration": "slow"}',
            "field 'duration' must be int or float, got str",
        ),
        (
            '{"t": 1, "type": "http", "method": "GET", "url": "u", "status": 200, "duration": 1e400}',
            "field 'duration' must be a finite number of seconds, not negative",
        ),
        (
            '{"t": 1, "type": "http", "method": "GET", "url": "u", "status": "200"}',
            "field 'status' must be int, got str",
        ),
        (
            '{"t": 1, "type": "ws", "dir": "in", "data": "", "opcode": []}',
            "field 'opcode' must be binary, text or close, got []",
        ),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        (
            '{"t": 1, "type": "ws", "dir": "in", "data": "", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "JSON nested too deeply",
        ),
    ],
)
def test_a_bad_record_is_a_trace_error_naming_its_line(tmp_path: Path, record: str, message: str) -> None:
    path = _trace(tmp_path, record)
    assert _error(path) == f"{path}:2: {message}"


def test_deep_nesting_in_the_header_is_a_trace_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.trace.jsonl"
    path.write_text('{"format": "tiktok-webcast-trace", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert _error(path) == f"{path}:1: JSON nested too deeply"


def test_a_good_trace_still_reads(tmp_path: Path) -> None:
    record = json.dumps({"t": 0.5, "type": "ws", "dir": "in", "data": "AAE="})
    trace = read_trace(_trace(tmp_path, record))
    assert [frame.data for frame in trace.frames] == [b"\x00\x01"]
    assert trace.frames[0].t == 0.5
