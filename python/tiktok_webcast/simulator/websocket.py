"""The server side of a websocket after the 101, framed by ``wsproto`` (independent of the client's Rust framing).

One task receives (:meth:`ServerWebSocket.receive`), any number of tasks send (a lock keeps frames whole).
Pings are answered. :meth:`close` runs the closing handshake (our close frame, then the peer's, then TCP close),
so the peer always gets the close frame; :meth:`abort` drops the TCP connection with a reset and no close frame,
like a network failure.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any

import anyio
import anyio.abc
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, TextMessage

__all__ = ["ServerWebSocket", "WebSocketClosed"]

MAX_MESSAGE = 1 << 20
CLOSE_TIMEOUT = 2.0
_TRANSPORT_ERRORS = (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError)


class WebSocketClosed(Exception):
    """The websocket is closed (by either side, or the TCP connection dropped)."""


class ServerWebSocket:
    def __init__(self, stream: anyio.abc.ByteStream, initial: bytes = b"") -> None:
        self._stream = stream
        self._ws = Connection(ConnectionType.SERVER)
        self._lock = anyio.Lock()
        self._pending = initial
        self._parts: list[bytes | str] = []
        self._size = 0
        self._reading = False
        self._finished = anyio.Event()
        """Set once no more frames will come: the peer's close frame arrived, or the connection ended."""
        self.closed = False
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed_by: str = ""

    def _record(self, code: int | None, reason: str, by: str) -> None:
        if not self.closed_by:
            self.close_code, self.close_reason, self.closed_by = code, reason, by

    async def _write(self, data: bytes) -> None:
        if not data:
            return
        async with self._lock:
            try:
                await self._stream.send(data)
            except _TRANSPORT_ERRORS as exc:
                self._record(1006, "transport error", "transport")
                self.closed = True
                self._finished.set()
                raise WebSocketClosed from exc

    async def send(self, data: bytes | str) -> None:
        if self.closed or self._ws.state is not ConnectionState.OPEN:
            raise WebSocketClosed
        event: Message[Any] = TextMessage(data=data) if isinstance(data, str) else BytesMessage(data=data)
        await self._write(self._ws.send(event))

    async def send_many(self, messages: list[bytes]) -> None:
        """Binary messages in one write, as a server sends what it has ready."""
        if self.closed or self._ws.state is not ConnectionState.OPEN:
            raise WebSocketClosed
        await self._write(b"".join(self._ws.send(BytesMessage(data=data)) for data in messages))

    async def _read_more(self) -> bool:
        """Feeds the next bytes to wsproto; False when the connection ended."""
        if self._pending:
            data, self._pending = self._pending, b""
        else:
            try:
                data = await self._stream.receive(65536)
            except _TRANSPORT_ERRORS:
                self._ws.receive_data(None)
                return False
        self._ws.receive_data(data)
        return True

    async def receive(self) -> bytes | str:
        """The next whole message; raises :class:`WebSocketClosed` when the connection ends."""
        if self._finished.is_set():
            raise WebSocketClosed
        self._reading = True
        try:
            while True:
                for event in self._ws.events():
                    if isinstance(event, Ping):
                        await self._write(self._ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        self._record(event.code, event.reason or "", "client")
                        if self._ws.state is ConnectionState.REMOTE_CLOSING:
                            with contextlib.suppress(WebSocketClosed):
                                await self._write(self._ws.send(event.response()))
                        self.closed = True
                        self._finished.set()
                        raise WebSocketClosed
                    elif isinstance(event, BytesMessage | TextMessage):
                        self._size += len(event.data)
                        if self._size > MAX_MESSAGE:
                            self._reading = False
                            await self.close(1009, "message too big")
                            raise WebSocketClosed
                        self._parts.append(event.data if isinstance(event.data, str) else bytes(event.data))
                        if event.message_finished:
                            return self._take()
                if not await self._read_more():
                    self._record(1006, "connection lost", "transport")
                    self.closed = True
                    self._finished.set()
                    raise WebSocketClosed
        finally:
            self._reading = False

    def _take(self) -> bytes | str:
        parts, self._parts, self._size = self._parts, [], 0
        if isinstance(parts[0], str):
            return "".join(p for p in parts if isinstance(p, str))
        return b"".join(p for p in parts if isinstance(p, bytes))

    async def _drain(self) -> None:
        """Reads until the peer's close frame or the end of the connection (nobody else is reading)."""
        while not self._finished.is_set():
            for event in self._ws.events():
                if isinstance(event, CloseConnection):
                    self._finished.set()
                    return
            if not await self._read_more():
                self._finished.set()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """The closing handshake: our close frame, the peer's answer (at most ``CLOSE_TIMEOUT``), TCP close."""
        if not self.closed and self._ws.state is ConnectionState.OPEN:
            self._record(code, reason, "server")
            with contextlib.suppress(WebSocketClosed):
                await self._write(self._ws.send(CloseConnection(code=code, reason=reason)))
        self.closed = True
        with anyio.move_on_after(CLOSE_TIMEOUT, shield=True):
            if self._reading:
                await self._finished.wait()
            else:
                await self._drain()
        self._finished.set()
        with anyio.CancelScope(shield=True):
            await self._stream.aclose()

    async def abort(self) -> None:
        """Drops the connection without a close frame (a TCP reset where the socket allows it)."""
        self._record(1006, "aborted", "server")
        self.closed = True
        self._finished.set()
        raw = self._stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        if isinstance(raw, socket.socket):
            with contextlib.suppress(OSError):
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with anyio.CancelScope(shield=True):
            await self._stream.aclose()
