"""Proxies, end to end: real HTTP requests and a real websocket through real loopback proxies (tests/client/proxies.py),
over TLS as against TikTok. ``proxy=`` and ``HTTPS_PROXY`` cover HTTP and the websocket, ``ALL_PROXY`` the websocket
only, ``NO_PROXY`` goes direct; a proxy that refuses, drops or answers garbage is a :class:`ProxyError`."""

from __future__ import annotations

import gc
import sys
from typing import Any

import anyio
import anyio.abc
import pytest
from proxies import LoopbackProxy, closed_port, running

from tiktok_webcast import ConnectPath, TikTok
from tiktok_webcast._failures import FailureKind
from tiktok_webcast._transport import connect_websocket
from tiktok_webcast.exceptions import ConnectionLostError, InvalidArgumentError, NetworkError, ProxyError
from tiktok_webcast.simulator import Creator, Scenario, Script, Simulator

pytestmark = pytest.mark.anyio

PASSWORD = "pr0xy-pa55word"
WS_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _scenario() -> Scenario:
    return Scenario(name="proxy", creators=(Creator("alice", script=Script()),))


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


async def _watch_until_connected(client_for: Any, sim: Simulator, **options: Any) -> None:
    async with (
        client_for(sim, connect_mode="signer_free", ssl_context=sim.ssl_context(), **options) as client,
        client.track_user("alice") as live,
    ):
        with anyio.fail_after(15):
            await live.wait_connected()
        assert live.path is ConnectPath.SIGNER_FREE


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_https_proxy_carries_http_and_the_websocket(
    kind: str, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = LoopbackProxy(kind, credentials=("user", PASSWORD))
    async with Simulator(_scenario(), tls=True) as sim, running(proxy, userinfo=f"user:{PASSWORD}@") as url:
        monkeypatch.setenv("HTTPS_PROXY", url)
        await _watch_until_connected(client_for, sim)
    ports = {port for _, port in proxy.targets}
    assert _port(sim.urls.web) in ports  # the ttwid request
    assert _port(sim.urls.ws) in ports  # the websocket


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_the_proxy_option_carries_http_and_the_websocket(kind: str, client_for: Any) -> None:
    proxy = LoopbackProxy(kind, credentials=("user", PASSWORD))
    async with Simulator(_scenario(), tls=True) as sim, running(proxy, userinfo=f"user:{PASSWORD}@") as url:
        await _watch_until_connected(client_for, sim, proxy=url)
    ports = {port for _, port in proxy.targets}
    assert {_port(sim.urls.web), _port(sim.urls.ws)} <= ports


async def test_all_proxy_carries_only_the_websocket(client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = LoopbackProxy("socks5")
    async with Simulator(_scenario(), tls=True) as sim, running(proxy) as url:
        monkeypatch.setenv("ALL_PROXY", url)
        await _watch_until_connected(client_for, sim)
    assert [port for _, port in proxy.targets] == [_port(sim.urls.ws)]


async def test_no_proxy_hosts_are_reached_directly(client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = LoopbackProxy("http")
    async with Simulator(_scenario(), tls=True) as sim, running(proxy) as url:
        monkeypatch.setenv("HTTPS_PROXY", url)
        monkeypatch.setenv("ALL_PROXY", url)
        monkeypatch.setenv("NO_PROXY", "example.org, 127.0.0.0/8")
        await _watch_until_connected(client_for, sim)
    assert proxy.connections == 0


BAD_PROXIES = [
    ("http", "refuse", "403 Forbidden"),
    ("http", "drop", ""),
    ("http", "garbage", ""),
    ("socks5", "refuse", ""),
    ("socks5", "drop", ""),
    ("socks5", "garbage", ""),
]


# httpcore does not always close its socket when a proxy handshake fails (a failed SOCKS handshake; a refused
# CONNECT on asyncio): the socket is closed when collected, with a ResourceWarning. The test collects it itself so the
# warning cannot land in a later test. The websocket's proxy client, python-socks, closes its sockets.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(("kind", "behaviour", "detail"), BAD_PROXIES)
async def test_a_bad_proxy_fails_http_with_a_proxy_error(
    kind: str, behaviour: str, detail: str, client_for: Any
) -> None:
    proxy = LoopbackProxy(kind, behaviour=behaviour)
    async with Simulator(_scenario(), tls=True) as sim, running(proxy, userinfo=f"user:{PASSWORD}@") as url:
        async with client_for(sim, proxy=url, ssl_context=sim.ssl_context()) as client:
            with pytest.raises(ProxyError) as caught:
                await client.get_user_info("alice")
    error = caught.value
    message, shown = str(error), repr(error)
    assert isinstance(error, NetworkError)  # transient: the reconnect loop retries it
    del caught, error  # the traceback holds httpcore's socket; collected here, not in a later test
    gc.collect()
    assert message.startswith(f"connection through the proxy {kind}://user:<redacted>@127.0.0.1:")
    assert detail in message
    assert PASSWORD not in message and PASSWORD not in shown


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_a_bad_proxy_on_the_way_to_the_signer_is_a_proxy_error_not_a_signer_error(client_for: Any) -> None:
    proxy = LoopbackProxy("http", behaviour="refuse")
    async with Simulator(_scenario(), tls=True) as sim, running(proxy) as url:
        async with client_for(sim, proxy=url, ssl_context=sim.ssl_context(), signer_api_key="k") as client:
            with pytest.raises(ProxyError) as caught:
                await client.signer.fetch(sim.room_id("alice"), client.user_agent)
    message = str(caught.value)
    del caught  # the traceback holds httpcore's socket (see above)
    gc.collect()
    assert message.startswith("connection through the proxy http://127.0.0.1:")
    assert "403 Forbidden" in message


@pytest.mark.parametrize(("kind", "behaviour", "detail"), BAD_PROXIES)
async def test_a_bad_proxy_fails_the_websocket_with_a_proxy_error(kind: str, behaviour: str, detail: str) -> None:
    proxy = LoopbackProxy(kind, behaviour=behaviour)
    async with Simulator(_scenario(), tls=True) as sim, running(proxy, userinfo=f"user:{PASSWORD}@") as url:
        with pytest.raises(ProxyError) as caught:
            await connect_websocket(sim.urls.ws + WS_PATH, [], ssl_context=sim.ssl_context(), proxy=url, timeout=10)
    message = str(caught.value)
    assert message.startswith(f"connection through the proxy {kind}://user:<redacted>@127.0.0.1:")
    assert PASSWORD not in message


@pytest.mark.parametrize("behaviour", ["drop", "garbage"])
async def test_watching_through_a_bad_proxy_gives_up_with_a_proxy_failure(
    behaviour: str, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = LoopbackProxy("socks5", behaviour=behaviour)
    async with Simulator(_scenario(), tls=True) as sim, running(proxy) as url:
        monkeypatch.setenv("ALL_PROXY", url)
        async with (
            client_for(sim, connect_mode="signer_free", ssl_context=sim.ssl_context(), max_reconnects=2) as client,
            client.track_user("alice") as live,
        ):
            with anyio.fail_after(30), pytest.raises(ConnectionLostError) as caught:
                await live.wait_connected()
    assert isinstance(caught.value.__cause__, ProxyError)
    failure = live.stats.last_failure
    assert failure is not None and failure.kind is FailureKind.PROXY
    assert 1 <= proxy.connections <= 3  # bounded attempts, no tight retry loop


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_a_proxy_that_is_not_listening_is_a_proxy_error(kind: str) -> None:
    url = f"{kind}://127.0.0.1:{closed_port()}"
    with pytest.raises(ProxyError, match=r"^connection through the proxy .*127\.0\.0\.1"):
        await connect_websocket(f"wss://127.0.0.1:{closed_port()}/", [], proxy=url, timeout=10)
    async with TikTok(proxy=url) as client:
        with pytest.raises(ProxyError, match=r"^connection through the proxy .*ConnectError"):
            await client.get_user_info("alice")


async def _drop_at_once(stream: anyio.abc.SocketStream) -> None:
    await stream.aclose()


async def test_an_eof_during_the_tls_handshake_is_a_network_error() -> None:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, _drop_at_once)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        with pytest.raises(NetworkError, match=rf"^cannot connect to 127\.0\.0\.1:{port}: "):
            await connect_websocket(f"wss://127.0.0.1:{port}/", [], timeout=10)
        tasks.cancel_scope.cancel()


async def test_an_eof_during_tls_through_a_proxy_is_a_network_error() -> None:
    proxy = LoopbackProxy("http")
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as tasks, running(proxy) as url:
        tasks.start_soon(listener.serve, _drop_at_once)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        with pytest.raises(NetworkError, match=rf"^cannot connect to 127\.0\.0\.1:{port}: "):
            await connect_websocket(f"wss://127.0.0.1:{port}/", [], proxy=url, timeout=10)
        tasks.cancel_scope.cancel()
    assert proxy.targets == [("127.0.0.1", port)]


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        (
            "ftp://user:secret-pw@proxy.example:21",
            "proxy= has the unsupported scheme 'ftp' (ftp://user:<redacted>@proxy.example:21); "
            "use one of http, https, socks5, socks5h",
        ),
        ("http://", "proxy= names no host (http://)"),
        (
            "http://proxy.example:99999",
            "proxy= is not a valid proxy URL (http://proxy.example:99999): Port out of range 0-65535",
        ),
    ],
)
def test_a_bad_proxy_url_is_an_invalid_argument(proxy: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        TikTok(proxy=proxy)
    assert str(caught.value) == message


def test_a_bad_proxy_variable_is_an_invalid_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "gopher://proxy.example:70")
    with pytest.raises(InvalidArgumentError) as caught:
        TikTok()
    assert str(caught.value) == (
        "HTTPS_PROXY has the unsupported scheme 'gopher' (gopher://proxy.example:70); "
        "use one of http, https, socks5, socks5h"
    )


def test_a_proxy_without_a_scheme_is_an_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "")
    proxies = TikTok().proxies
    assert proxies.for_http("https://www.tiktok.com/") == "http://proxy.example:3128"
    assert proxies.for_websocket("wss://webcast-ws.tiktok.com/") == "http://proxy.example:3128"


def test_a_socks_proxy_without_the_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "socksio", None)  # as if httpx[socks] were not installed
    with pytest.raises(InvalidArgumentError) as caught:
        TikTok(proxy=f"socks5://user:{PASSWORD}@127.0.0.1:1080")
    assert str(caught.value) == (
        "HTTP requests through the SOCKS proxy socks5://user:<redacted>@127.0.0.1:1080 need the socks extra: "
        "pip install 'tiktok-webcast[socks]'"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://h.example/ws", "not a websocket URL: https://h.example/ws"),
        ("wss://u:secret-pw@/ws", "not a websocket URL: wss://u:<redacted>@/ws"),
        ("wss://h.example:99999/", "not a usable websocket URL (wss://h.example:99999/): Port out of range 0-65535"),
    ],
)
async def test_a_bad_websocket_url_is_an_invalid_argument(url: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await connect_websocket(url, [], timeout=5)
    assert str(caught.value) == message
