"""The only place that awaits socket I/O: a websocket over an anyio byte stream, framed by the Rust engine's
sans-IO :class:`~tiktok_webcast._core.WebSocket`, with TLS and an optional HTTP or SOCKS5 proxy."""

from __future__ import annotations

import base64
import contextlib
import os
import ssl
from collections import deque
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import anyio
from anyio.abc import ByteStream
from anyio.streams.tls import TLSStream

from tiktok_webcast._core import Accepted, CloseReceived, Message, Rejected, WebSocket
from tiktok_webcast.exceptions import (
    ConnectionClosedError,
    DeviceBlockedError,
    HandshakeRejectedError,
    ProtocolError,
    TikTokHTTPError,
    WebcastError,
)

READ_SIZE = 65536
DEVICE_BLOCKED = "DEVICE_BLOCKED"


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int
    tls: bool
    resource: str

    @property
    def host_header(self) -> str:
        default = 443 if self.tls else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError(f"not a websocket URL: {parts.scheme}://{parts.hostname}")
        tls = parts.scheme == "wss"
        resource = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.hostname, parts.port or (443 if tls else 80), tls, resource)


class WebSocketConnection:
    """An open websocket. ``receive()`` gives binary messages; pings are answered by the engine."""

    def __init__(self, stream: ByteStream, ws: WebSocket, accepted: Accepted, pending: list[object]) -> None:
        self._stream = stream
        self._ws = ws
        self.accepted = accepted
        self._pending: deque[object] = deque(pending)
        self._send_lock = anyio.Lock()
        self.close_code: int | None = None

    async def _flush(self) -> None:
        data = self._ws.data_to_send()
        if data:
            async with self._send_lock:
                await self._stream.send(data)

    def queue(self, data: bytes) -> None:
        """Frames ``data`` for sending without writing it yet: it goes out with the next :meth:`send` or before the
        next read. Acks ride this way, so a busy connection writes once per read instead of once per frame."""
        try:
            self._ws.send_binary(data)
        except WebcastError as error:
            raise ConnectionClosedError(f"websocket cannot send: {error}") from error

    async def send(self, data: bytes) -> None:
        try:
            self._ws.send_binary(data)
            await self._flush()
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as error:
            raise ConnectionClosedError(f"websocket send failed: {error!r}") from error

    async def receive(self) -> bytes:
        """The next binary message; :class:`ConnectionClosedError` once the connection ends."""
        while True:
            while self._pending:
                event = self._pending.popleft()
                if isinstance(event, Message) and isinstance(event.data, bytes):
                    return event.data
                if isinstance(event, CloseReceived):
                    self.close_code = event.code
                    await self._flush_quietly()
                    raise ConnectionClosedError(f"websocket closed by the server: {event.code} {event.reason}".strip())
            await self._flush_quietly()
            try:
                data = await self._stream.receive(READ_SIZE)
            except (
                anyio.EndOfStream,
                anyio.BrokenResourceError,
                anyio.ClosedResourceError,
                OSError,
                ssl.SSLError,
            ):
                self._pending.extend(self._ws.receive_eof())
                if not self._pending:
                    raise ConnectionClosedError("websocket connection dropped") from None
                continue
            self._pending.extend(self._ws.receive_data(data))

    async def _flush_quietly(self) -> None:
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            await self._flush()

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        with anyio.CancelScope(shield=True), anyio.move_on_after(2):
            try:
                if self._ws.state in ("open", "closing"):
                    self._ws.close(code, reason)
                    await self._flush()
            except Exception:
                pass
            await self._stream.aclose()


async def connect_websocket(
    url: str,
    headers: list[tuple[str, str]],
    *,
    ssl_context: ssl.SSLContext | None = None,
    proxy: str | None = None,
    timeout: float = 20.0,  # noqa: ASYNC109 - bounds the whole connect and handshake
    max_message_size: int = 16 * 1024 * 1024,
) -> WebSocketConnection:
    """Opens ``url`` and completes the upgrade. Only HTTP 101 is success (PROTOCOL.md decision 3): a refusal raises
    :class:`DeviceBlockedError` or :class:`HandshakeRejectedError` carrying TikTok's ``Handshake-Msg``."""
    endpoint = Endpoint.parse(url)
    with anyio.fail_after(timeout):
        stream = await _open_stream(endpoint, ssl_context, proxy)
        ws = WebSocket(endpoint.host_header, endpoint.resource, os.urandom(16), headers, max_message_size)
        try:
            try:
                await stream.send(ws.data_to_send())
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as error:
                raise ConnectionClosedError(f"connection lost sending the websocket upgrade: {error!r}") from error
            while True:
                try:
                    data = await stream.receive(READ_SIZE)
                    events = ws.receive_data(data)
                except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, ssl.SSLError):
                    events = ws.receive_eof()
                    if not events:
                        raise ConnectionClosedError("connection closed during the websocket handshake") from None
                for index, event in enumerate(events):
                    if isinstance(event, Accepted):
                        return WebSocketConnection(stream, ws, event, list(events[index + 1 :]))
                    if isinstance(event, Rejected):
                        raise _rejection(event)
        except BaseException:
            await stream.aclose()
            raise


def _rejection(event: Rejected) -> HandshakeRejectedError:
    message = event.header("handshake-msg")
    status = event.header("handshake-status")
    if (message or "").upper() == DEVICE_BLOCKED:
        return DeviceBlockedError(event.status, message, status)
    return HandshakeRejectedError(event.status, message, status)


async def _open_stream(endpoint: Endpoint, ssl_context: ssl.SSLContext | None, proxy: str | None) -> ByteStream:
    context = ssl_context or ssl.create_default_context()
    try:
        if proxy is None:
            if endpoint.tls:
                return await anyio.connect_tcp(
                    endpoint.host, endpoint.port, tls=True, ssl_context=context, tls_standard_compatible=False
                )
            return await anyio.connect_tcp(endpoint.host, endpoint.port)
        stream = await _through_proxy(proxy, endpoint.host, endpoint.port)
        if endpoint.tls:
            return await TLSStream.wrap(stream, hostname=endpoint.host, ssl_context=context, standard_compatible=False)
        return stream
    except (OSError, ssl.SSLError) as error:
        raise TikTokHTTPError(f"cannot connect to {endpoint.host}:{endpoint.port}: {error}") from error


async def _through_proxy(proxy: str, host: str, port: int) -> ByteStream:
    parts = urlsplit(proxy)
    if not parts.hostname:
        raise ValueError("proxy URL has no host")
    if parts.scheme in ("socks5", "socks5h"):
        stream = await anyio.connect_tcp(parts.hostname, parts.port or 1080)
        await _socks5_connect(stream, host, port, parts.username, parts.password)
        return stream
    if parts.scheme in ("http", "https"):
        plain = await anyio.connect_tcp(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        tunnel: ByteStream = plain
        if parts.scheme == "https":
            tunnel = await TLSStream.wrap(plain, hostname=parts.hostname, standard_compatible=False)
        await _http_connect(tunnel, host, port, parts.username, parts.password)
        return tunnel
    raise ValueError(f"unsupported proxy scheme {parts.scheme!r} (use http, https or socks5)")


async def _http_connect(stream: ByteStream, host: str, port: int, user: str | None, password: str | None) -> None:
    request = f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n"
    if user is not None:
        token = base64.b64encode(f"{unquote(user)}:{unquote(password or '')}".encode()).decode()
        request += f"Proxy-Authorization: Basic {token}\r\n"
    await stream.send((request + "\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += await stream.receive(4096)
        if len(head) > 65536:
            raise ProtocolError("proxy answered an oversized CONNECT response")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    if len(status_line.split()) < 2 or status_line.split()[1] != "200":
        raise TikTokHTTPError(f"proxy refused CONNECT: {status_line}")


async def _socks5_connect(stream: ByteStream, host: str, port: int, user: str | None, password: str | None) -> None:
    methods = b"\x00\x02" if user is not None else b"\x00"
    await stream.send(b"\x05" + bytes([len(methods)]) + methods)
    reply = await _read_exactly(stream, 2)
    if reply[0] != 5 or reply[1] == 0xFF:
        raise TikTokHTTPError("SOCKS5 proxy accepted no authentication method we offer")
    if reply[1] == 2:
        name, secret = unquote(user or "").encode(), unquote(password or "").encode()
        await stream.send(b"\x01" + bytes([len(name)]) + name + bytes([len(secret)]) + secret)
        if (await _read_exactly(stream, 2))[1] != 0:
            raise TikTokHTTPError("SOCKS5 proxy rejected the credentials")
    target = host.encode("idna")
    await stream.send(b"\x05\x01\x00\x03" + bytes([len(target)]) + target + port.to_bytes(2, "big"))
    head = await _read_exactly(stream, 4)
    if head[1] != 0:
        raise TikTokHTTPError(f"SOCKS5 proxy refused the connection (code {head[1]})")
    address_length = {1: 4, 4: 16}.get(head[3]) or (await _read_exactly(stream, 1))[0]
    await _read_exactly(stream, address_length + 2)


async def _read_exactly(stream: ByteStream, count: int) -> bytes:
    data = b""
    while len(data) < count:
        data += await stream.receive(count - len(data))
    return data
