"""The websocket goes through a proxy: HTTP CONNECT or SOCKS5, from ``proxy=`` or ``ALL_PROXY`` (the seed's rule:
that variable proxies only the websocket). The proxies here are tiny loopback ones that count what they carry."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

from tiktok_webcast import ConnectPath
from tiktok_webcast.simulator import Creator, Scenario, Script, Simulator

pytestmark = pytest.mark.anyio


async def _pipe(source: SocketStream, sink: SocketStream) -> None:
    with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
        async for chunk in source:
            await sink.send(chunk)
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        await sink.send_eof()


class Proxy:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.targets: list[tuple[str, int]] = []

    async def _read(self, client: SocketStream, count: int) -> bytes:
        data = b""
        while len(data) < count:
            data += await client.receive(count - len(data))
        return data

    async def handle(self, client: SocketStream) -> None:
        async with client:
            if self.kind == "http":
                head = b""
                while b"\r\n\r\n" not in head:
                    head += await client.receive(4096)
                method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ")
                assert method == "CONNECT"
                host, port = target.rsplit(":", 1)
                await client.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                assert (await self._read(client, 2))[0] == 5
                await client.receive(16)  # the offered methods
                await client.send(b"\x05\x00")
                request = await self._read(client, 5)
                host = (await self._read(client, request[4])).decode()
                port = str(int.from_bytes(await self._read(client, 2), "big"))
                await client.send(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
            self.targets.append((host, int(port)))
            async with await anyio.connect_tcp(host, int(port)) as upstream, anyio.create_task_group() as tasks:
                tasks.start_soon(_pipe, client, upstream)
                await _pipe(upstream, client)


@contextlib.asynccontextmanager
async def running(proxy: Proxy) -> AsyncIterator[str]:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, proxy.handle)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        yield f"{'http' if proxy.kind == 'http' else 'socks5'}://127.0.0.1:{port}"
        tasks.cancel_scope.cancel()


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_the_websocket_goes_through_all_proxy(
    kind: str, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = Scenario(name="proxy", creators=(Creator("alice", script=Script()),))
    proxy = Proxy(kind)
    async with Simulator(scenario) as sim, running(proxy) as url:
        monkeypatch.setenv("ALL_PROXY", url)
        async with client_for(sim) as client, client.track_user("alice") as live:
            with anyio.fail_after(10):
                await live.wait_connected()
            assert live.path is ConnectPath.SIGNER_FREE
        ws_port = int(sim.urls.ws.rsplit(":", 1)[1])
        assert proxy.targets == [("127.0.0.1", ws_port)]


def test_the_proxy_option_also_configures_http() -> None:
    from tiktok_webcast import TikTok

    client = TikTok(proxy="http://127.0.0.1:9")
    assert client.options.websocket_proxy() == "http://127.0.0.1:9"
    transports = list(client._http_client._mounts.values())  # httpx keeps proxies as mounted transports
    assert any(transport is not None for transport in transports)


def test_https_proxy_is_for_http_and_all_proxy_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    from tiktok_webcast import TikTok

    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1")
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    assert not TikTok()._http_client._mounts
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:2")
    mounts = TikTok()._http_client._mounts
    assert [pattern.pattern for pattern in mounts] == ["https://"]
