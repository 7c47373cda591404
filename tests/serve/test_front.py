"""The front door: stream websockets served as raw peers (frames encoded once, a backlog per write), an upgrade on a
kept-alive HTTP connection served by the HTTP app instead, and every stream client told when the server stops."""

from __future__ import annotations

import os
from contextlib import AsyncExitStack
from typing import Any

import anyio
import anyio.abc
import pytest
from tests.serve.wsclient import Closed, TextSocket, open_text_socket
from wsproto.frame_protocol import FrameProtocol, Opcode

from tiktok_webcast import protocol
from tiktok_webcast.protocol import Accepted
from tiktok_webcast.serve import ServeConfigError
from tiktok_webcast.serve import server as server_module
from tiktok_webcast.serve.peer import text_frame

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_reads_back_whole_at_every_length_boundary(size: int) -> None:
    payload = "é" * (size // 4) + "x" * (size - 2 * (size // 4))  # two bytes per é: ``size`` bytes in all
    data = payload.encode()
    assert len(data) == size
    reader = FrameProtocol(client=True, extensions=[])
    reader.receive_bytes(text_frame(data) + text_frame(b"next"))
    frames = list(reader.received_frames())
    assert [(f.opcode, f.payload, f.frame_finished, f.message_finished) for f in frames] == [
        (Opcode.TEXT, payload, True, True),
        (Opcode.TEXT, "next", True, True),
    ]


async def _read_http_response(stream: Any) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += await stream.receive(65536)
    return head


async def test_a_stream_upgrade_on_a_kept_alive_connection_is_served_too(serve: Any) -> None:
    async with serve(None) as server, await anyio.connect_tcp("127.0.0.1", server.port) as stream:
        with anyio.fail_after(10):
            await stream.send(b"GET /api/status HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert (await _read_http_response(stream)).startswith(b"HTTP/1.1 200")
            ws = protocol.WebSocket(f"127.0.0.1:{server.port}", "/", os.urandom(16))
            await stream.send(ws.data_to_send())
            events: list[object] = []
            while not any(isinstance(e, Accepted) for e in events):
                events += ws.receive_data(await stream.receive(65536))
        accepted = next(i for i, e in enumerate(events) if isinstance(e, Accepted))
        socket = TextSocket(stream, ws, events[accepted + 1 :])
        server.send_test_event("chat", {"comment": "over a kept-alive connection"})
        got = await socket.json_until(lambda m: m["event"] == "chat")
    assert got[-1]["data"]["comment"] == "over a kept-alive connection"


@pytest.mark.parametrize("path", ["/", "/events"])
async def test_stream_clients_are_told_when_the_server_stops(serve: Any, path: str) -> None:
    async with AsyncExitStack() as outer:
        async with serve(None) as server:
            socket = await outer.enter_async_context(open_text_socket(f"{server.url.rstrip('/')}{path}"))
            server.send_test_event("chat", {"comment": "served"})
            with anyio.fail_after(10):
                await socket.receive_text()  # the client is being served
        with pytest.raises(Closed) as closed, anyio.fail_after(10):
            while True:
                await socket.receive_text()
    assert closed.value.code == 1001


async def test_a_server_cancelled_from_outside_stops_cleanly(serve: Any) -> None:
    """What Ctrl-C does: the scope around the server is cancelled while it serves a client. The HTTP app is stopped
    through its shutdown trigger (hypercorn's asyncio worker fails with InvalidStateError if cancelled)."""
    with anyio.CancelScope() as scope:
        async with (
            serve(None) as server,
            open_text_socket(server.url) as socket,
            await anyio.connect_tcp("127.0.0.1", server.port) as sse,  # for a request the HTTP app is serving
        ):
            server.send_test_event("chat", {"comment": "served"})
            with anyio.fail_after(10):
                await socket.receive_text()
                await sse.send(b"GET /events/sse HTTP/1.1\r\nHost: localhost\r\n\r\n")
                assert (await sse.receive()).startswith(b"HTTP/1.1 200")
            scope.cancel()
            await anyio.sleep_forever()
    assert scope.cancelled_caught


async def test_a_failure_serving_one_client_is_logged_and_the_server_keeps_serving(
    serve: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    serve_peer = server_module.serve_peer
    calls = 0

    async def fails_the_first_time(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug while serving one client")
        await serve_peer(*args, **kwargs)

    monkeypatch.setattr(server_module, "serve_peer", fails_the_first_time)
    async with serve(None) as server:
        with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError, Closed)), anyio.fail_after(10):
            async with open_text_socket(server.url) as first:
                await first.receive_text()
        async with open_text_socket(server.url) as second:
            server.send_test_event("chat", {"comment": "still serving"})
            got = await second.json_until(lambda m: m["event"] == "chat")
    assert got[-1]["data"]["comment"] == "still serving"
    assert any("a connection failed" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_broken_websocket_handshake_gets_an_http_error(serve: Any) -> None:
    async with serve(None) as server, await anyio.connect_tcp("127.0.0.1", server.port) as stream:
        with anyio.fail_after(10):
            await stream.send(b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            answer = await stream.receive()
    assert answer.startswith(b"HTTP/1.1 400"), answer


async def test_a_port_in_use_is_a_clear_error(serve: Any) -> None:
    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as taken:
        port = taken.extra(anyio.abc.SocketAttribute.local_port)
        with pytest.raises(ServeConfigError, match=f"port {port} on 127.0.0.1 is in use"):
            async with serve(None, port=port):
                pass
