"""HTTP/1.1 on ``h11``: parse requests, run a handler, write its response (whole or streamed), or hand the socket
over to a websocket after a ``101``.

A handler is ``async (Request) -> Response | Upgrade``. Keep-alive is supported; a connection idle for
``IDLE_TIMEOUT`` seconds is closed. Nothing here knows about TikTok.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.abc
import h11
from wsproto.utilities import generate_accept_token

from tiktok_webcast.simulator.websocket import ServerWebSocket

__all__ = ["Handler", "Request", "Response", "Upgrade", "serve_http"]

logger = logging.getLogger("tiktok_webcast.simulator.http")

IDLE_TIMEOUT = 30.0
MAX_BODY = 1 << 20
SERVER_HEADER = "tiktok-webcast-simulator"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    scheme: str
    client: str

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key == lowered:
                return value
        return None

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return default

    def args(self) -> dict[str, str]:
        return dict(self.query)

    @property
    def host(self) -> str:
        return (self.header("host") or "").split(":")[0].lower()

    @property
    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for key, value in self.headers:
            if key != "cookie":
                continue
            for part in value.split(";"):
                name, sep, val = part.strip().partition("=")
                if sep and name:
                    jar[name] = val
        return jar

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def is_websocket(self) -> bool:
        upgrade = (self.header("upgrade") or "").lower()
        connection = (self.header("connection") or "").lower()
        return upgrade == "websocket" and "upgrade" in connection


StreamBody = Callable[[Callable[[bytes], Awaitable[None]]], Awaitable[None]]


@dataclass(slots=True)
class Response:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: StreamBody | None = None
    """Streams the body instead: called with an async ``send(chunk)``; sending fails once the client leaves."""

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return cls(status, [("content-type", "application/json; charset=utf-8"), *(headers or {}).items()], body)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> Response:
        return cls(status, [("content-type", content_type)], text.encode("utf-8"))

    @classmethod
    def html(cls, html: str, status: int = 200) -> Response:
        return cls.text(html, status, "text/html; charset=utf-8")

    @classmethod
    def binary(cls, data: bytes, content_type: str = "application/x-protobuf", status: int = 200) -> Response:
        return cls(status, [("content-type", content_type)], data)

    def with_header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


@dataclass(slots=True)
class Upgrade:
    """Accept the websocket: ``run`` owns the socket afterwards; ``headers`` go on the 101."""

    run: Callable[[ServerWebSocket], Awaitable[None]]
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Awaitable[Response | Upgrade]]


class _Connection:
    def __init__(self, stream: anyio.abc.ByteStream, handler: Handler, scheme: str, client: str) -> None:
        self.stream = stream
        self.handler = handler
        self.scheme = scheme
        self.client = client
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)

    async def _send(self, event: h11.Event) -> None:
        data = self.conn.send(event)
        if data:
            await self.stream.send(data)

    async def _next_event(self) -> h11.Event | type[h11.PAUSED] | type[h11.NEED_DATA]:
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                data = await self.stream.receive(65536)
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                data = b""
            self.conn.receive_data(data)

    async def _read_request(self) -> Request | None:
        with anyio.move_on_after(IDLE_TIMEOUT):
            event = await self._next_event()
            if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return None
            if not isinstance(event, h11.Request):
                return None
            body = bytearray()
            while True:
                part = await self._next_event()
                if isinstance(part, h11.Data):
                    body += part.data
                    if len(body) > MAX_BODY:
                        raise h11.RemoteProtocolError("request body too large", error_status_hint=413)
                elif isinstance(part, h11.EndOfMessage):
                    break
                else:
                    return None
            target = event.target.decode("latin-1")
            split = urlsplit(target)
            return Request(
                method=event.method.decode("ascii").upper(),
                target=target,
                path=split.path or "/",
                query=tuple(parse_qsl(split.query, keep_blank_values=True)),
                headers=tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in event.headers),
                body=bytes(body),
                scheme=self.scheme,
                client=self.client,
            )
        return None

    async def run(self) -> None:
        while True:
            try:
                request = await self._read_request()
            except h11.RemoteProtocolError as exc:
                await self._reply_error(exc.error_status_hint, str(exc))
                return
            if request is None:
                return
            try:
                result = await self.handler(request)
            except Exception:
                logger.exception("handler failed for %s %s", request.method, request.path)
                result = Response.text("internal simulator error\n", 500)
            if isinstance(result, Upgrade):
                await self._upgrade(request, result)
                return
            if not await self._respond(request, result):
                return
            if self.conn.our_state is h11.MUST_CLOSE or self.conn.their_state is h11.MUST_CLOSE:
                return
            try:
                self.conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _reply_error(self, status: int, message: str) -> None:
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        body = f"bad request: {message}\n".encode()
        try:
            await self._send(
                h11.Response(
                    status_code=status,
                    headers=[
                        ("content-type", "text/plain"),
                        ("content-length", str(len(body))),
                        ("connection", "close"),
                        ("server", SERVER_HEADER),
                    ],
                )
            )
            await self._send(h11.Data(data=body))
            await self._send(h11.EndOfMessage())
        except (h11.LocalProtocolError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass

    async def _respond(self, request: Request, response: Response) -> bool:
        headers = [(k.lower(), v) for k, v in response.headers]
        names = {k for k, _ in headers}
        headers.append(("server", SERVER_HEADER))
        if response.stream is None and "content-length" not in names:
            headers.append(("content-length", str(len(response.body))))
        try:
            await self._send(h11.Response(status_code=response.status, headers=headers))
            if request.method != "HEAD":
                if response.stream is not None:
                    await response.stream(self._send_chunk)
                elif response.body:
                    await self._send(h11.Data(data=response.body))
            await self._send(h11.EndOfMessage())
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            return False
        return True

    async def _send_chunk(self, chunk: bytes) -> None:
        if chunk:
            await self._send(h11.Data(data=chunk))

    async def _upgrade(self, request: Request, upgrade: Upgrade) -> None:
        key = request.header("sec-websocket-key")
        if key is None or request.header("sec-websocket-version") != "13":
            await self._respond(request, Response.text("websocket handshake needs a key and version 13\n", 400))
            return
        headers = [
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            ("sec-websocket-accept", generate_accept_token(key.encode("ascii")).decode("ascii")),
            *upgrade.headers,
        ]
        try:
            await self._send(h11.InformationalResponse(status_code=101, headers=headers))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            return
        trailing, _closed = self.conn.trailing_data
        await upgrade.run(ServerWebSocket(self.stream, bytes(trailing)))


async def serve_http(stream: anyio.abc.ByteStream, handler: Handler, *, scheme: str, client: str) -> None:
    """Serves one accepted connection until it closes."""
    async with stream:
        await _Connection(stream, handler, scheme, client).run()
