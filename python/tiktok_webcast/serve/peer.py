"""A stream client's connection as the streams see it: the handshake, commands in, messages out.

Two kinds:

- :class:`RawPeer`: a websocket the front door took over (see ``front.py``). wsproto does the handshake, the reading
  and the control frames; stream messages are written as frames encoded once per message and shared by every client,
  a client's whole backlog in one write. With 50 TikFinity clients at 1,000 events/s that is one system call per
  client per batch instead of 50,000 a second.
- :class:`AsgiPeer`: a websocket the HTTP server handles (an upgrade the front door did not see, such as one on a
  kept-alive connection): one ASGI send per message.
"""

from __future__ import annotations

import contextlib
import json
import struct
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.abc
from starlette.types import Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from wsproto import WSConnection
from wsproto.connection import ConnectionState, ConnectionType
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.events import Message as WsMessage
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from tiktok_webcast.serve.auth import deny_websocket
from tiktok_webcast.serve.message import Message

__all__ = ["AsgiPeer", "Peer", "RawPeer", "text_frame"]

CLOSE_TOO_BIG = 1009
CLOSE_GOING_AWAY = 1001
RECEIVE_SIZE = 65536
CLOSE_GRACE = 0.5


def text_frame(payload: bytes) -> bytes:
    """One unfragmented, unmasked text frame (RFC 6455 5.2), as a server sends it. Written here rather than by
    wsproto so that one encoding serves every client: a server's frames carry no per-connection state (no mask, and
    no compression, which the front door never negotiates)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


class Peer(Protocol):
    headers: Mapping[str, str]
    query: Mapping[str, str]

    async def accept(self) -> None: ...

    async def deny(self, problem: str) -> None: ...

    async def receive(self) -> str | bytes | None:
        """The client's next message, or ``None`` once it left (or was closed)."""
        ...

    async def send_text(self, text: str) -> None: ...

    async def send_messages(self, batch: Sequence[Message], *, tikfinity: bool) -> int:
        """Each message of ``batch`` in TikFinity's format or ours, one websocket message each; returns how many."""
        ...

    async def close(self, code: int, reason: str) -> None: ...


class AsgiPeer:
    def __init__(self, websocket: WebSocket, send: Send) -> None:
        self._websocket = websocket
        self._send = send  # straight to the server: Starlette's per-message bookkeeping was an eighth of a send
        self.headers: Mapping[str, str] = websocket.headers
        self.query: Mapping[str, str] = websocket.query_params

    async def accept(self) -> None:
        await self._websocket.accept()

    async def deny(self, problem: str) -> None:
        await deny_websocket(self._websocket, problem)

    async def receive(self) -> str | bytes | None:
        try:
            message = await self._websocket.receive()
        except WebSocketDisconnect:
            return None
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"")

    async def send_text(self, text: str) -> None:
        await self._send({"type": "websocket.send", "text": text})

    async def send_messages(self, batch: Sequence[Message], *, tikfinity: bool) -> int:
        texts = (
            [t for message in batch for t in message.tikfinity_texts()] if tikfinity else [m.json_text() for m in batch]
        )
        for text in texts:
            await self._send({"type": "websocket.send", "text": text})
        return len(texts)

    async def close(self, code: int, reason: str) -> None:
        await self._websocket.close(code, reason)


class RawPeer:
    """A websocket on a stream of our own; ``head`` is what the front door read of the request (and anything after
    it). :meth:`open` reads the handshake; :meth:`accept` or :meth:`deny` answers it."""

    def __init__(self, stream: anyio.abc.ByteStream, max_message: int) -> None:
        self._stream = stream
        self._ws = WSConnection(ConnectionType.SERVER)
        self._max_message = max_message
        self._pending: deque[object] = deque()
        self._parts: list[str | bytes] = []
        self._size = 0
        self._write_lock = anyio.Lock()
        self.headers: Mapping[str, str] = {}
        self.query: Mapping[str, str] = {}

    def open(self, head: bytes) -> bool:
        """Reads the handshake request from ``head``; ``False`` (after queueing a 400) when it is not one."""
        try:
            self._ws.receive_data(head)
            events = list(self._ws.events())
        except RemoteProtocolError:
            return False
        if not events or not isinstance(events[0], Request):
            return False
        request = events[0]
        self._pending.extend(events[1:])
        self.headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in request.extra_headers
        }
        self.query = dict(parse_qsl(urlsplit(request.target).query, keep_blank_values=True))
        return True

    async def _write(self, data: bytes) -> None:
        async with self._write_lock:
            await self._stream.send(data)

    async def accept(self) -> None:
        await self._write(self._ws.send(AcceptConnection()))

    async def deny(self, problem: str) -> None:
        body = json.dumps({"error": problem}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b"Bearer"),
        ]
        data = self._ws.send(RejectConnection(status_code=401, headers=headers, has_body=True))
        data += self._ws.send(RejectData(data=body, body_finished=True))
        await self._write(data)

    async def receive(self) -> str | bytes | None:
        while True:
            while self._pending:
                event = self._pending.popleft()
                if isinstance(event, WsMessage):
                    self._parts.append(event.data)
                    self._size += len(event.data)
                    if self._size > self._max_message:
                        await self.close(CLOSE_TOO_BIG, "message too big")
                        return None
                    if event.message_finished:
                        parts, self._parts, self._size = self._parts, [], 0
                        return "".join(parts) if isinstance(event, TextMessage) else b"".join(parts)  # type: ignore[arg-type]
                elif isinstance(event, Ping):
                    await self._write(self._ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    if self._ws.state is ConnectionState.REMOTE_CLOSING:
                        await self._write(self._ws.send(event.response()))
                    return None
            try:
                data = await self._stream.receive(RECEIVE_SIZE)
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                return None
            try:
                self._ws.receive_data(data)
                self._pending.extend(self._ws.events())
            except RemoteProtocolError:
                return None

    async def send_text(self, text: str) -> None:
        await self._write(text_frame(text.encode()))

    async def send_messages(self, batch: Sequence[Message], *, tikfinity: bool) -> int:
        if tikfinity:
            await self._write(b"".join(message.tikfinity_frames() for message in batch))
            return sum(len(message.tikfinity_texts()) for message in batch)
        await self._write(b"".join(message.json_frame() for message in batch))
        return len(batch)

    async def close(self, code: int, reason: str) -> None:
        if self._ws.state is not ConnectionState.OPEN:
            return
        try:
            data = self._ws.send(CloseConnection(code=code, reason=reason))
        except LocalProtocolError:
            return
        with anyio.move_on_after(CLOSE_GRACE, shield=True):
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.BusyResourceError):
                await self._write(data)

    async def going_away(self) -> None:
        """The server stops: a close frame if the client is still there."""
        await self.close(CLOSE_GOING_AWAY, "server stopping")
