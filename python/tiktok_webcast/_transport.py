"""The only place that awaits socket I/O: a websocket over an anyio byte stream, framed by the Rust engine's
sans-IO :class:`~tiktok_webcast._core.WebSocket`, with TLS and an optional HTTP or SOCKS5 proxy."""

from __future__ import annotations

import contextlib
import os
import ssl
from collections import deque
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import anyio
from anyio.abc import ByteStream
from anyio.streams.tls import TLSStream
from python_socks import ProxyError as SocksError
from python_socks import ProxyTimeoutError, ProxyType
from python_socks.async_.anyio.v2 import Proxy as SocksProxy

from tiktok_webcast._core import Accepted, CloseReceived, Message, Rejected, WebSocket
from tiktok_webcast._proxy import check_proxy_url, proxy_error
from tiktok_webcast._redact import redact, redact_url
from tiktok_webcast.exceptions import (
    ConnectionClosedError,
    DeviceBlockedError,
    HandshakeRejectedError,
    InvalidArgumentError,
    NetworkError,
    WebcastError,
)

READ_SIZE = 64 * 1024
"""Bytes asked of the stream per read. A read allocates what it asks for, then shrinks it to what came: a TLS read
brings about one decrypted record (16 KiB at most) and a quiet room's a few KiB, so asking for more would only
churn the heap."""
BACKLOG_READ_SIZE = 256 * 1024
"""Bytes asked per read once a read filled its request (more was waiting): a busy room's backlog then comes in a
quarter of the reads, and each read costs a pass of the event loop, an ack write and a call into the engine."""
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
        """``url``'s parts; :class:`InvalidArgumentError` (a ``ValueError``) for anything but a usable ws/wss URL."""
        try:
            parts = urlsplit(url)
            port = parts.port
            host = parts.hostname
            if host:
                host.encode("idna")
        except (ValueError, UnicodeError) as error:
            raise InvalidArgumentError(f"not a usable websocket URL ({redact_url(url)[:200]}): {error}") from None
        if parts.scheme not in ("ws", "wss") or not host:
            raise InvalidArgumentError(f"not a websocket URL: {redact_url(url)[:200]}")
        tls = parts.scheme == "wss"
        resource = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(host, port or (443 if tls else 80), tls, resource)


class WebSocketConnection:
    """An open websocket. ``receive()`` gives binary messages; pings are answered by the engine."""

    def __init__(self, stream: ByteStream, ws: WebSocket, accepted: Accepted, pending: list[object]) -> None:
        self._stream = stream
        self._ws = ws
        self.accepted = accepted
        self._pending: deque[object] = deque(pending)
        self._send_lock = anyio.Lock()
        self._read_size = READ_SIZE
        self.close_code: int | None = None

    async def _flush(self) -> None:
        data = self._ws.data_to_send()
        if data:
            async with self._send_lock:
                await self._stream.send(data)

    def queue(self, messages: list[bytes]) -> None:
        """Frames ``messages`` for sending without writing them yet: they go out with the next :meth:`send` or before
        the next read. Acks ride this way, so a busy connection writes once per read instead of once per frame."""
        try:
            self._ws.send_binaries(messages)
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
        return (await self.receive_many(1))[0]

    async def receive_many(self, most: int | None = None) -> list[bytes]:
        """The binary messages already received (at most ``most``), or the next one(s) once some arrive: a busy
        connection's read holds dozens, handed over in one list. :class:`ConnectionClosedError` once the
        connection ends."""
        messages: list[bytes] = []
        pending = self._pending
        while True:
            while pending and (most is None or len(messages) < most):
                event = pending[0]
                if isinstance(event, Message) and isinstance(event.data, bytes):
                    messages.append(event.data)
                elif isinstance(event, CloseReceived):
                    if messages:
                        return messages
                    self.close_code = event.code
                    await self._flush_quietly()
                    raise ConnectionClosedError(f"websocket closed by the server: {event.code} {event.reason}".strip())
                pending.popleft()
            if messages:
                return messages
            await self._flush_quietly()
            try:
                data = await self._stream.receive(self._read_size)
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
            self._read_size = BACKLOG_READ_SIZE if len(data) == self._read_size else READ_SIZE
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
    """A TCP (and TLS) stream to ``endpoint``, through ``proxy`` if given. A refused, dropped or garbled proxy raises
    :class:`ProxyError`; anything else that ends the connection before it is up (a reset, an EOF during the TLS
    handshake) raises :class:`NetworkError`: both are transient."""
    context = ssl_context or ssl.create_default_context()
    where = f"{endpoint.host}:{endpoint.port}"
    try:
        if proxy is None:
            if endpoint.tls:
                return await anyio.connect_tcp(
                    endpoint.host, endpoint.port, tls=True, ssl_context=context, tls_standard_compatible=False
                )
            return await anyio.connect_tcp(endpoint.host, endpoint.port)
        stream = await _through_proxy(proxy, endpoint.host, endpoint.port)
        if not endpoint.tls:
            return stream
        try:
            return await TLSStream.wrap(stream, hostname=endpoint.host, ssl_context=context, standard_compatible=False)
        except BaseException:
            await anyio.aclose_forcefully(stream)
            raise
    except _TRANSIENT as error:
        detail = redact(str(error)) or type(error).__name__
        raise NetworkError(f"cannot connect to {where}: {type(error).__name__}: {detail}") from error


_TRANSIENT = (OSError, ssl.SSLError, anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError)


async def _through_proxy(proxy: str, host: str, port: int) -> ByteStream:
    """A stream to ``host:port`` tunnelled through ``proxy`` (HTTP CONNECT, or SOCKS5 via python-socks)."""
    check_proxy_url(proxy, source="the websocket proxy")
    parts = urlsplit(proxy)
    scheme = parts.scheme.lower()
    kind = ProxyType.SOCKS5 if scheme.startswith("socks5") else ProxyType.HTTP
    default_port = {"http": 80, "https": 443}.get(scheme, 1080)
    tunnel = SocksProxy(
        kind,
        parts.hostname or "",
        parts.port or default_port,
        unquote(parts.username) if parts.username is not None else None,
        unquote(parts.password) if parts.password is not None else None,
        rdns=scheme != "socks5",
        proxy_ssl=ssl.create_default_context() if scheme == "https" else None,
    )
    try:
        connected = await tunnel.connect(host, port)
    except (
        SocksError,
        ProxyTimeoutError,
        OSError,
        anyio.EndOfStream,
        anyio.BrokenResourceError,
        ssl.SSLError,
    ) as error:
        raise proxy_error(proxy, error) from error
    return connected.anyio_stream
