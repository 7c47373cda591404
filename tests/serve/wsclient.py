"""A text websocket client for the server's streams, on anyio (trio and asyncio), made of the library's sans-IO
``protocol.WebSocket`` and a TCP stream."""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.abc

from tiktok_webcast import protocol
from tiktok_webcast.protocol import Accepted, CloseReceived, Message, Rejected


class Refused(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"handshake refused: {status} {body!r}")
        self.status = status
        self.body = body


class Closed(Exception):
    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"closed: {code} {reason}")
        self.code = code
        self.reason = reason


class TextSocket:
    def __init__(self, stream: anyio.abc.ByteStream, ws: protocol.WebSocket, pending: list[object]) -> None:
        self.stream = stream
        self.ws = ws
        self.pending: deque[object] = deque(pending)

    async def send_text(self, text: str) -> None:
        self.ws.send_text(text)
        await self.stream.send(self.ws.data_to_send())

    async def send_binary(self, data: bytes) -> None:
        self.ws.send_binary(data)
        await self.stream.send(self.ws.data_to_send())

    async def receive_text(self) -> str:
        while True:
            while self.pending:
                event = self.pending.popleft()
                if isinstance(event, Message) and isinstance(event.data, str):
                    return event.data
                if isinstance(event, CloseReceived):
                    raise Closed(event.code, event.reason)
            out = self.ws.data_to_send()
            if out:
                await self.stream.send(out)
            try:
                data = await self.stream.receive(65536)
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                self.pending.extend(self.ws.receive_eof())
                if not self.pending:
                    raise Closed(None, "dropped") from None
                continue
            self.pending.extend(self.ws.receive_data(data))

    async def receive_json(self) -> Any:
        return json.loads(await self.receive_text())

    async def json_until(self, predicate: Any, timeout: float = 10.0) -> list[Any]:
        """Every message up to and including the first that satisfies ``predicate``."""
        seen: list[Any] = []
        with anyio.fail_after(timeout):
            while True:
                seen.append(await self.receive_json())
                if predicate(seen[-1]):
                    return seen


@asynccontextmanager
async def open_text_socket(url: str, headers: list[tuple[str, str]] | None = None) -> AsyncIterator[TextSocket]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    resource = parts.path + (f"?{parts.query}" if parts.query else "")
    stream = await anyio.connect_tcp(host, port)
    try:
        ws = protocol.WebSocket(f"{host}:{port}", resource or "/", os.urandom(16), headers or [])
        await stream.send(ws.data_to_send())
        pending: list[object] = []
        with anyio.fail_after(10):
            while True:
                events = ws.receive_data(await stream.receive(65536))
                accepted = [i for i, e in enumerate(events) if isinstance(e, Accepted)]
                refused = [e for e in events if isinstance(e, Rejected)]
                if refused:
                    raise Refused(refused[0].status, refused[0].body)
                if accepted:
                    pending = list(events[accepted[0] + 1 :])
                    break
        yield TextSocket(stream, ws, pending)
    finally:
        await stream.aclose()
