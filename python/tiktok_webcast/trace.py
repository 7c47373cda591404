"""Websocket traces: a versioned JSON-lines record of the frames of a TikTok LIVE connection.

The client writes one with its websocket trace option; the simulator replays one as a scenario. The format is
documented in ``docs/trace-format.md``. In short::

    {"format": "tiktok-webcast-trace", "version": 1, "created": "2026-01-01T00:00:00Z", "meta": {...}}
    {"t": 0.0105, "type": "ws", "dir": "out", "data": "<base64>"}
    {"t": 0.2031, "type": "ws", "dir": "in", "data": "<base64>"}
    {"t": 0.0002, "type": "http", "method": "GET", "url": "...", "status": 200, ...}

``t`` is seconds on a monotonic clock since the trace began; ``dir`` is seen from the client: ``in`` is a frame the
server sent, ``out`` a frame the client sent. Secrets never reach the file: cookies, API keys and session ids are
replaced by ``<redacted>`` in URLs, headers and metadata.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, TypeAlias

from tiktok_webcast._redact import REDACTED, redact_headers, redact_mapping, redact_url
from tiktok_webcast.exceptions import WebcastError

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "REDACTED",
    "HttpRecord",
    "Trace",
    "TraceError",
    "TraceHeader",
    "TraceRecord",
    "TraceWriter",
    "WsRecord",
    "iter_trace",
    "read_trace",
    "redact_headers",
    "redact_url",
]

FORMAT_NAME = "tiktok-webcast-trace"
FORMAT_VERSION = 1
MAX_LINE_LENGTH = 64 * 1024 * 1024
"""A longer line is refused before it is parsed (a websocket frame, base64-encoded, is at most ~22 MB)."""
Direction: TypeAlias = Literal["in", "out"]
Opcode: TypeAlias = Literal["binary", "text", "close"]


class _NonFiniteNumber(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    # json accepts NaN and Infinity, which no JSON writer should produce; a replay would sleep forever on them.
    raise _NonFiniteNumber(name)


class TraceError(WebcastError):
    """A trace file is not a valid trace; ``path`` and ``line`` (1-based, if known) say where."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = path or "<trace>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.reason = message


@dataclass(frozen=True, slots=True)
class TraceHeader:
    """The first line of a trace."""

    version: int
    created: str
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WsRecord:
    """One websocket message. ``dir`` is seen from the client: ``in`` came from the server."""

    t: float
    dir: Direction
    data: bytes
    opcode: Opcode = "binary"

    @property
    def from_server(self) -> bool:
        return self.dir == "in"


@dataclass(frozen=True, slots=True)
class HttpRecord:
    """One HTTP exchange the client made (headers already redacted when written)."""

    t: float
    method: str
    url: str
    status: int
    duration: float = 0.0
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


TraceRecord: TypeAlias = WsRecord | HttpRecord


@dataclass(frozen=True, slots=True)
class Trace:
    """A whole trace file: its header and its records, in file order."""

    header: TraceHeader
    records: tuple[TraceRecord, ...]

    @property
    def frames(self) -> tuple[WsRecord, ...]:
        return tuple(r for r in self.records if isinstance(r, WsRecord))

    def server_frames(self) -> tuple[WsRecord, ...]:
        """The binary frames the server sent, in order: what a replay sends again."""
        return tuple(r for r in self.frames if r.dir == "in" and r.opcode == "binary")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class TraceWriter:
    """Writes a trace, one flushed line per record, so a crash loses at most the line being written.

    Use it as a context manager, or call :meth:`close`. Methods are synchronous and cheap (one small write each), so
    they can be called from async code between awaits::

        with TraceWriter("live.trace.jsonl", meta={"room_id": 7}) as trace:
            trace.ws("out", frame_bytes)
    """

    def __init__(
        self,
        target: str | Path | IO[str],
        *,
        meta: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(target, str | Path):
            self._file: IO[str] = open(target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            self._owns_file = True
        else:
            self._file = target
            self._owns_file = False
        self._clock = clock
        self._start = clock()
        self._closed = False
        created = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._write(
            {"format": FORMAT_NAME, "version": FORMAT_VERSION, "created": created, "meta": redact_mapping(meta or {})}
        )

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def elapsed(self) -> float:
        return self._clock() - self._start

    def ws(self, direction: Direction, data: bytes | str, *, opcode: Opcode | None = None) -> None:
        """Records one websocket message; text messages are stored as their UTF-8 bytes with opcode ``text``."""
        if direction not in ("in", "out"):
            raise ValueError(f"direction must be 'in' or 'out', not {direction!r}")
        if isinstance(data, str):
            raw, kind = data.encode("utf-8"), opcode or "text"
        else:
            raw, kind = bytes(data), opcode or "binary"
        record: dict[str, Any] = {"t": round(self.elapsed(), 6), "type": "ws", "dir": direction, "data": _b64(raw)}
        if kind != "binary":
            record["opcode"] = kind
        self._write(record)

    def http(
        self,
        method: str,
        url: str,
        status: int,
        *,
        duration: float = 0.0,
        request_headers: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        response_headers: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes | None = None,
    ) -> None:
        """Records one HTTP exchange; secrets in the URL and headers are redacted here."""
        record: dict[str, Any] = {
            "t": round(self.elapsed(), 6),
            "type": "http",
            "method": method.upper(),
            "url": redact_url(url),
            "status": int(status),
            "duration": round(duration, 6),
            "request_headers": [list(h) for h in redact_headers(request_headers)],
            "response_headers": [list(h) for h in redact_headers(response_headers)],
        }
        if body is not None:
            record["body"] = _b64(body)
        self._write(record)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._owns_file:
            self._file.close()
        else:
            self._file.flush()

    def _write(self, record: Mapping[str, Any]) -> None:
        if self._closed:
            raise ValueError("the trace is closed")
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()


# ---------------------------------------------------------------------------------------------------- reading


class _LineReader:
    """Turns the lines of one file into typed records, raising :class:`TraceError` that names the line."""

    def __init__(self, path: str) -> None:
        self.path = path

    def error(self, message: str, line: int | None) -> TraceError:
        return TraceError(message, path=self.path, line=line)

    def load(self, text: str, line: int) -> dict[str, Any]:
        if len(text) > MAX_LINE_LENGTH:
            raise self.error(f"line longer than {MAX_LINE_LENGTH} characters", line)
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise self.error(f"not valid JSON ({exc.msg} at column {exc.colno})", line) from None
        except _NonFiniteNumber as exc:
            raise self.error(f"not valid JSON ({exc.args[0]} is not a number JSON allows)", line) from None
        except RecursionError:
            raise self.error("JSON nested too deeply", line) from None
        if not isinstance(value, dict):
            raise self.error(f"expected a JSON object, got {type(value).__name__}", line)
        return value

    def field(self, record: Mapping[str, Any], name: str, kind: type | tuple[type, ...], line: int) -> Any:
        if name not in record:
            raise self.error(f"missing field {name!r}", line)
        value = record[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.error(f"field {name!r} has the wrong type (bool)", line)
        if not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise self.error(f"field {name!r} must be {names}, got {type(value).__name__}", line)
        return value

    def data(self, text: str, name: str, line: int) -> bytes:
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise self.error(f"field {name!r} is not valid base64", line) from None

    def header(self, record: Mapping[str, Any], line: int) -> TraceHeader:
        name = record.get("format")
        if name != FORMAT_NAME:
            raise self.error(f"not a trace: first line must have format {FORMAT_NAME!r}, got {name!r}", line)
        version = self.field(record, "version", int, line)
        if version != FORMAT_VERSION:
            raise self.error(f"unsupported trace version {version} (this library reads version {FORMAT_VERSION})", line)
        created = record.get("created", "")
        meta = record.get("meta", {})
        if not isinstance(created, str):
            raise self.error("field 'created' must be str", line)
        if not isinstance(meta, dict):
            raise self.error("field 'meta' must be an object", line)
        return TraceHeader(version=version, created=created, meta=meta)

    def seconds(self, record: Mapping[str, Any], name: str, line: int, default: float | None = None) -> float:
        if default is not None and name not in record:
            return default
        value = float(self.field(record, name, (int, float), line))
        if not math.isfinite(value) or value < 0:
            raise self.error(f"field {name!r} must be a finite number of seconds, not negative", line)
        return value

    def record(self, record: Mapping[str, Any], line: int) -> TraceRecord:
        t = self.seconds(record, "t", line)
        kind = self.field(record, "type", str, line)
        if kind == "ws":
            direction = self.field(record, "dir", str, line)
            if direction not in ("in", "out"):
                raise self.error(f"field 'dir' must be 'in' or 'out', got {direction!r}", line)
            opcode = record.get("opcode", "binary")
            if opcode not in ("binary", "text", "close"):
                raise self.error(f"field 'opcode' must be binary, text or close, got {opcode!r}", line)
            data = self.data(self.field(record, "data", str, line), "data", line)
            return WsRecord(t=t, dir=direction, data=data, opcode=opcode)
        if kind == "http":
            body_text = record.get("body")
            body = None if body_text is None else self.data(self.field(record, "body", str, line), "body", line)
            return HttpRecord(
                t=t,
                method=self.field(record, "method", str, line),
                url=self.field(record, "url", str, line),
                status=self.field(record, "status", int, line),
                duration=self.seconds(record, "duration", line, default=0.0),
                request_headers=self.headers(record, "request_headers", line),
                response_headers=self.headers(record, "response_headers", line),
                body=body,
            )
        raise self.error(f"unknown record type {kind!r} (expected 'ws' or 'http')", line)

    def headers(self, record: Mapping[str, Any], name: str, line: int) -> tuple[tuple[str, str], ...]:
        value = record.get(name, [])
        if not isinstance(value, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair) for pair in value
        ):
            raise self.error(f"field {name!r} must be a list of [name, value] pairs", line)
        return tuple((pair[0], pair[1]) for pair in value)


def iter_trace(path: str | Path) -> Iterator[TraceHeader | TraceRecord]:
    """Yields the header, then each record, validating as it goes; raises :class:`TraceError` naming the line."""
    name = str(path)
    reader = _LineReader(name)
    try:
        with open(path, encoding="utf-8", newline="") as file:
            header_seen = False
            number = 0
            lines = iter(lambda: file.readline(MAX_LINE_LENGTH + 2), "")
            for number, raw in enumerate(lines, start=1):
                if len(raw) > MAX_LINE_LENGTH + 1:
                    raise reader.error(f"line longer than {MAX_LINE_LENGTH} characters", number)
                if not raw.endswith("\n"):
                    raise reader.error("truncated: the last line has no newline (was the writer interrupted?)", number)
                text = raw.rstrip("\r\n")
                if not text.strip():
                    raise reader.error("empty line", number)
                record = reader.load(text, number)
                if not header_seen:
                    yield reader.header(record, number)
                    header_seen = True
                else:
                    yield reader.record(record, number)
            if not header_seen:
                raise reader.error("empty file: a trace starts with a header line", None)
    except UnicodeDecodeError as exc:
        raise reader.error(f"not UTF-8 text ({exc.reason})", None) from None
    except OSError as exc:
        raise reader.error(f"cannot read: {exc.strerror or exc}", None) from None


def read_trace(path: str | Path) -> Trace:
    """Reads and validates a whole trace file. Raises :class:`TraceError` naming the line that is wrong."""
    items = iter(iter_trace(path))
    header = next(items)
    assert isinstance(header, TraceHeader)
    records: list[TraceRecord] = []
    for item in items:
        assert not isinstance(item, TraceHeader)
        records.append(item)
    return Trace(header=header, records=tuple(records))
