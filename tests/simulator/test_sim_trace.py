"""The trace file format: writing, reading back, and typed errors that name the line."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest

from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.trace import (
    FORMAT_NAME,
    FORMAT_VERSION,
    REDACTED,
    HttpRecord,
    TraceError,
    TraceWriter,
    WsRecord,
    read_trace,
    redact_url,
)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def write_sample(path: Path) -> None:
    clock = FakeClock()
    with TraceWriter(
        path, meta={"room_id": 7, "apiKey": "secret-key", "url": "wss://x/?room_id=7&apiKey=k"}, clock=clock
    ) as trace:
        clock.t = 100.25
        trace.ws("out", b"\x01\x02")
        clock.t = 100.5
        trace.ws("in", b"\xff" * 3)
        trace.ws("in", "a text frame")
        trace.http(
            "get",
            "https://www.tiktok.com/api-live/user/room/?uniqueId=a&sessionid=s",
            200,
            duration=0.1,
            request_headers={"Cookie": "ttwid=x", "Accept": "*/*"},
            body=b"{}",
        )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_sample(path)
    trace = read_trace(path)
    assert trace.header.version == FORMAT_VERSION
    assert trace.header.meta["room_id"] == 7
    assert trace.header.meta["apiKey"] == REDACTED
    assert trace.header.meta["url"] == "wss://x/?room_id=7&apiKey=<redacted>"
    frames = trace.frames
    assert frames[0] == WsRecord(t=0.25, dir="out", data=b"\x01\x02")
    assert frames[1].from_server and frames[1].data == b"\xff\xff\xff"
    assert frames[2].opcode == "text" and frames[2].data == b"a text frame"
    assert trace.server_frames() == (frames[1],)
    http = trace.records[-1]
    assert isinstance(http, HttpRecord)
    assert http.method == "GET" and http.status == 200 and http.body == b"{}"
    assert "secret" not in path.read_text() and "ttwid=x" not in path.read_text()
    assert ("Cookie", REDACTED) in http.request_headers
    assert http.url.endswith("?uniqueId=a&sessionid=<redacted>")


def test_every_line_is_json_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_sample(path)
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == FORMAT_NAME and header["version"] == 1
    record = json.loads(lines[1])
    assert record == {"t": 0.25, "type": "ws", "dir": "out", "data": base64.b64encode(b"\x01\x02").decode()}


def test_writer_to_a_stream_and_closed_writer() -> None:
    buffer = io.StringIO()
    writer = TraceWriter(buffer)
    writer.ws("in", b"x")
    writer.close()
    assert len(buffer.getvalue().splitlines()) == 2
    with pytest.raises(ValueError):
        writer.ws("in", b"y")
    with pytest.raises(ValueError):
        TraceWriter(io.StringIO()).ws("sideways", b"")  # type: ignore[arg-type]


def test_redact_url_keeps_other_params() -> None:
    assert redact_url("https://h/p?room_id=1&apiKey=abc") == "https://h/p?room_id=1&apiKey=<redacted>"
    assert redact_url("https://h/p") == "https://h/p"


HEADER = json.dumps({"format": FORMAT_NAME, "version": 1, "created": "", "meta": {}})


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        (HEADER + "\n{not json\n", 2, "not valid JSON"),
        (HEADER + '\n{"t": 1, "type": "ws", "dir": "in"}\n', 2, "missing field 'data'"),
        (HEADER + '\n{"t": 1, "type": "ws", "dir": "in", "data": "@@@"}\n', 2, "not valid base64"),
        (HEADER + '\n{"t": 1, "type": "ws", "dir": "up", "data": ""}\n', 2, "'dir'"),
        (HEADER + '\n{"t": "1", "type": "ws", "dir": "in", "data": ""}\n', 2, "field 't' must be"),
        (HEADER + '\n{"t": 1, "type": "telepathy"}\n', 2, "unknown record type"),
        (HEADER + '\n{"t": 1, "type": "ws", "dir": "in", "data": ""}', 2, "truncated"),
        (HEADER + "\n\n", 2, "empty line"),
        (json.dumps({"format": FORMAT_NAME, "version": 99}) + "\n", 1, "unsupported trace version 99"),
        (json.dumps({"format": "something-else", "version": 1}) + "\n", 1, "not a trace"),
        ("[1, 2]\n", 1, "expected a JSON object"),
    ],
)
def test_errors_name_the_line(tmp_path: Path, body: str, line: int, fragment: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TraceError) as info:
        read_trace(path)
    assert info.value.line == line
    assert fragment in str(info.value)
    assert f"bad.jsonl:{line}:" in str(info.value)
    assert isinstance(info.value, WebcastError)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(TraceError, match="empty file"):
        read_trace(empty)
    with pytest.raises(TraceError, match="cannot read"):
        read_trace(tmp_path / "missing.jsonl")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TraceError, match="not UTF-8"):
        read_trace(binary)
