"""Every HTTP answer is bounded: a body over the size limit (counted after decompression, so a gzip bomb stops early)
is a ResponseTooLargeError, a body that trickles in is a NetworkError once the request's overall deadline passes.
The servers are real loopback sockets; memory is measured with tracemalloc, not guessed from timings."""

from __future__ import annotations

import contextlib
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import anyio.abc
import httpx
import pytest

from tiktok_webcast import BaseUrls, TikTok
from tiktok_webcast._http import CookieJar, HttpSession
from tiktok_webcast.exceptions import (
    InvalidArgumentError,
    NetworkError,
    ResponseTooLargeError,
    SignerError,
    TikTokHTTPError,
)

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024
LIMIT = 1 * MiB


def _gzip_bomb(inflated: int) -> bytes:
    """``inflated`` zero bytes, gzip-compressed (about 1,000 to 1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    parts = [compressor.compress(block) for _ in range(inflated // MiB)]
    parts.append(compressor.flush())
    return b"".join(parts)


BOMB = _gzip_bomb(512 * MiB)

Handler = Callable[[anyio.abc.SocketStream], Awaitable[None]]


async def _answer(stream: anyio.abc.SocketStream, head: bytes, body: bytes = b"") -> None:
    await stream.send(head + b"\r\n" + body)


async def huge_declared(stream: anyio.abc.SocketStream) -> None:
    await _answer(stream, b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n")


async def huge_streamed(stream: anyio.abc.SocketStream) -> None:
    await _answer(stream, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n")
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        while True:  # until the client hangs up
            await stream.send(chunk)


async def gzip_bomb(stream: anyio.abc.SocketStream) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\n"
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        await _answer(stream, head + b"Content-Length: %d\r\n" % len(BOMB), BOMB)


async def trickle(stream: anyio.abc.SocketStream) -> None:
    await _answer(stream, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n")
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        for _ in range(100):
            await stream.send(b"{")
            await anyio.sleep(4)  # one byte every 4 s: each read is quick, the whole body never arrives


async def small_gzip(stream: anyio.abc.SocketStream) -> None:
    body = zlib.compress(b'{"ok": true}', wbits=16 + zlib.MAX_WBITS)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n" % len(body)
    await _answer(stream, head, body)


@contextlib.asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    async def respond(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            head = b""
            with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError):
                while b"\r\n\r\n" not in head:
                    head += await stream.receive()
                await handler(stream)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, respond)
        yield f"http://127.0.0.1:{listener.extra(anyio.abc.SocketAttribute.local_port)}"
        tasks.cancel_scope.cancel()


@contextlib.asynccontextmanager
async def session(**options: Any) -> AsyncIterator[HttpSession]:
    async with httpx.AsyncClient() as client:
        yield HttpSession(client, user_agent="test", jar=CookieJar(), log_requests=False, **options)


async def _peak_during(call: Callable[[], Awaitable[Any]]) -> tuple[BaseException | None, int]:
    """The exception ``call`` raised (or None) and the peak memory Python allocated meanwhile."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    error: BaseException | None = None
    try:
        with anyio.fail_after(60):
            await call()
    except Exception as caught:
        error = caught
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return error, peak


async def test_a_gzip_bomb_stops_at_the_limit_without_inflating() -> None:
    async with serving(gzip_bomb) as url, session(max_body_size=LIMIT) as http:
        error, peak = await _peak_during(lambda: http.request("GET", url + "/api-live/user/room/"))
    assert isinstance(error, ResponseTooLargeError)
    assert str(error) == f"{url}/api-live/user/room/ answered a body over {LIMIT} bytes (after decompression)"
    assert error.limit == LIMIT
    # The body inflates to 512 MiB; what was held stays within a few times the limit.
    assert peak < 4 * LIMIT, f"peak {peak / MiB:.1f} MiB"


async def test_a_streamed_body_over_the_limit_stops_early() -> None:
    async with serving(huge_streamed) as url, session(max_body_size=LIMIT) as http:
        error, peak = await _peak_during(lambda: http.request("GET", url + "/x"))
    assert isinstance(error, ResponseTooLargeError)
    assert peak < 4 * LIMIT


async def test_an_announced_body_over_the_limit_is_refused_before_reading() -> None:
    async with serving(huge_declared) as url, session(max_body_size=LIMIT) as http:
        with pytest.raises(ResponseTooLargeError) as caught:
            await http.request("GET", url + "/x")
    assert str(caught.value) == f"{url}/x announced a body of 10000000000 bytes, over the limit of {LIMIT}"


async def test_a_trickling_body_times_out_at_the_deadline() -> None:
    async with serving(trickle) as url, session() as http:
        with anyio.fail_after(30), pytest.raises(NetworkError) as caught:
            await http.request("GET", url + "/slow", timeout=1.5)
    assert str(caught.value) == f"GET {url}/slow did not complete within 1.5 s"


async def test_small_compressed_bodies_still_decode() -> None:
    async with serving(small_gzip) as url, session(max_body_size=LIMIT) as http:
        response = await http.request("GET", url + "/x")
    assert response.json() == {"ok": True}
    assert "content-encoding" not in response.headers


async def test_the_client_bounds_the_user_lookup_and_the_signer() -> None:
    async with serving(gzip_bomb) as url:
        urls = BaseUrls(web=url, webcast=url, ws="ws://127.0.0.1:9", signer=url)
        async with TikTok(base_urls=urls, max_response_size=LIMIT, signer_api_key="key") as client:
            error, peak = await _peak_during(lambda: client.get_user_info("alice"))
            assert isinstance(error, ResponseTooLargeError)
            assert peak < 4 * LIMIT
            error, peak = await _peak_during(lambda: client.signer.fetch(1, "test-agent"))
            assert isinstance(error, SignerError)
            assert isinstance(error.__cause__, ResponseTooLargeError)
            assert peak < 4 * LIMIT


async def test_a_username_of_100_kb_is_an_invalid_argument() -> None:
    urls = BaseUrls(web="http://127.0.0.1:9", webcast="http://127.0.0.1:9", ws="ws://127.0.0.1:9")
    async with TikTok(base_urls=urls) as client:
        with pytest.raises(InvalidArgumentError) as caught:
            await client.get_user_info("a" * 100_000)
    message = str(caught.value)
    assert message == "cannot make a request to http://127.0.0.1:9/api-live/user/room/: URL component 'query' too long"


async def test_redirects_are_followed_by_hand_and_bounded() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        hops = int(request.url.params.get("hop", "0"))
        if request.url.path == "/loop" or hops < 2:
            return httpx.Response(302, headers={"Location": f"{request.url.path}?hop={hops + 1}"})
        return httpx.Response(200, json={"hops": hops})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        http = HttpSession(client, user_agent="test", jar=CookieJar(), log_requests=False)
        assert (await http.request("GET", "http://h.example/a")).json() == {"hops": 2}
        assert (await http.request("GET", "http://h.example/a", follow_redirects=False)).status_code == 302
        with pytest.raises(TikTokHTTPError) as caught:
            await http.request("GET", "http://h.example/loop")
    assert str(caught.value) == "http://h.example/loop?hop=11: more than 10 redirects"
