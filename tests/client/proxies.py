"""Loopback proxy servers for tests: HTTP CONNECT and SOCKS5, each well-behaved or misbehaving on purpose.

``behaviour`` is one of ``"ok"`` (tunnels), ``"refuse"`` (answers CONNECT with 403 / SOCKS5 with "connection
refused"), ``"drop"`` (closes the connection as soon as the request arrives) and ``"garbage"`` (answers bytes that are
no protocol at all). With ``credentials`` the proxy demands them (Basic auth / SOCKS5 username+password). Each proxy
records the targets it tunnelled to, so a test can tell that traffic really went through it.
"""

from __future__ import annotations

import base64
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import anyio.abc
from anyio.abc import SocketStream

GARBAGE = b"\x07\xfe this is not a proxy answer \x00\x01\r\n\r\n"


async def _pipe(source: SocketStream, sink: SocketStream) -> None:
    with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
        async for chunk in source:
            await sink.send(chunk)
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        await sink.send_eof()


async def _read_exactly(stream: SocketStream, count: int) -> bytes:
    data = b""
    while len(data) < count:
        data += await stream.receive(count - len(data))
    return data


@dataclass
class LoopbackProxy:
    kind: str  # "http" or "socks5"
    behaviour: str = "ok"
    credentials: tuple[str, str] | None = None
    targets: list[tuple[str, int]] = field(default_factory=list)
    connections: int = 0

    async def handle(self, client: SocketStream) -> None:
        self.connections += 1
        async with client:
            with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                target = await (self._http_connect(client) if self.kind == "http" else self._socks5(client))
                if target is None:
                    return
                self.targets.append(target)
                async with await anyio.connect_tcp(*target) as upstream, anyio.create_task_group() as tasks:
                    tasks.start_soon(_pipe, client, upstream)
                    await _pipe(upstream, client)

    async def _http_connect(self, client: SocketStream) -> tuple[str, int] | None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += await client.receive(4096)
        if self.behaviour == "drop":
            return None
        if self.behaviour == "garbage":
            await client.send(GARBAGE)
            return None
        lines = head.split(b"\r\n")
        method, target, _ = lines[0].decode().split(" ")
        assert method == "CONNECT", f"the client sent {method} to a CONNECT-only proxy"
        if self.behaviour == "refuse":
            await client.send(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return None
        if self.credentials is not None:
            expected = base64.b64encode(":".join(self.credentials).encode()).decode()
            if f"proxy-authorization: basic {expected}".lower().encode() not in head.lower():
                await client.send(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                return None
        host, port = target.rsplit(":", 1)
        await client.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
        return host.strip("[]"), int(port)

    async def _socks5(self, client: SocketStream) -> tuple[str, int] | None:
        version, count = await _read_exactly(client, 2)
        methods = await _read_exactly(client, count)
        if self.behaviour == "drop":
            return None
        if self.behaviour == "garbage":
            await client.send(GARBAGE)
            return None
        assert version == 5
        if self.credentials is not None:
            if 2 not in methods:
                await client.send(b"\x05\xff")
                return None
            await client.send(b"\x05\x02")
            _, name_length = await _read_exactly(client, 2)
            name = await _read_exactly(client, name_length)
            (secret_length,) = await _read_exactly(client, 1)
            secret = await _read_exactly(client, secret_length)
            if (name.decode(), secret.decode()) != self.credentials:
                await client.send(b"\x01\x01")
                return None
            await client.send(b"\x01\x00")
        else:
            await client.send(b"\x05\x00")
        _, _, _, address_type = await _read_exactly(client, 4)
        if address_type == 1:
            host = socket.inet_ntoa(await _read_exactly(client, 4))
        elif address_type == 4:
            host = socket.inet_ntop(socket.AF_INET6, await _read_exactly(client, 16))
        else:
            (length,) = await _read_exactly(client, 1)
            host = (await _read_exactly(client, length)).decode()
        port = int.from_bytes(await _read_exactly(client, 2), "big")
        if self.behaviour == "refuse":
            await client.send(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            return None
        await client.send(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
        return host, port


@contextlib.asynccontextmanager
async def running(proxy: LoopbackProxy, *, userinfo: str = "") -> AsyncIterator[str]:
    """Serves ``proxy`` on a loopback port; yields its URL (``userinfo`` is put before the host as given)."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, proxy.handle)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        scheme = "http" if proxy.kind == "http" else "socks5"
        yield f"{scheme}://{userinfo}127.0.0.1:{port}"
        tasks.cancel_scope.cancel()


def closed_port() -> int:
    """A loopback port nothing listens on (connecting is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
