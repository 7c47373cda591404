"""Interop: our sans-IO client, driven over asyncio streams, against the `websockets` server on loopback."""

from __future__ import annotations

import asyncio
import collections
import http
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tiktok_webcast._core import (
    Accepted,
    CloseReceived,
    Message,
    Ping,
    Pong,
    Rejected,
    WebSocket,
)

TIMEOUT = 5.0
Handler = Callable[[ServerConnection], Awaitable[None]]


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(TIMEOUT):
            await coroutine

    asyncio.run(bounded())


class Client:
    """Moves bytes between a stream pair and the sans-IO WebSocket; no protocol logic of its own."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ws: WebSocket) -> None:
        self.reader, self.writer, self.ws = reader, writer, ws
        self.pending: collections.deque[object] = collections.deque()

    async def flush(self) -> None:
        data = self.ws.data_to_send()
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def next_event(self) -> object:
        while not self.pending:
            chunk = await self.reader.read(65536)
            events = self.ws.receive_data(chunk) if chunk else self.ws.receive_eof()
            self.pending.extend(events)
            await self.flush()
            if not chunk and not self.pending:
                raise EOFError("transport ended without an event")
        return self.pending.popleft()

    async def wait_eof(self) -> None:
        """Reads until the server closes the transport; no event may arrive meanwhile."""
        while chunk := await self.reader.read(65536):
            assert self.ws.receive_data(chunk) == []
        assert self.ws.receive_eof() == []


@asynccontextmanager
async def server(handler: Handler, **options: Any) -> AsyncIterator[int]:
    options = {"ping_interval": None, "max_size": 4 * 2**20, **options}
    async with serve(handler, "127.0.0.1", 0, **options) as running:
        yield running.sockets[0].getsockname()[1]


@asynccontextmanager
async def connect(port: int) -> AsyncIterator[Client]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    ws = WebSocket(f"127.0.0.1:{port}", "/webcast/im/push/?room_id=1", b"0123456789abcdef")
    client = Client(reader, writer, ws)
    try:
        await client.flush()
        yield client
    finally:
        writer.close()
        await writer.wait_closed()


async def echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(message)


def add_handshake_options(connection: ServerConnection, request: Request, response: Response) -> None:
    response.headers["Handshake-Options"] = "ping-interval=10"


SIZES = [0, 1, 125, 126, 65535, 65536, 2**20]


def test_messages_both_directions() -> None:
    async def main() -> None:
        async with server(echo, process_response=add_handshake_options) as port, connect(port) as client:
            accepted = await client.next_event()
            assert isinstance(accepted, Accepted)
            assert accepted.header("handshake-options") == "ping-interval=10"
            assert client.ws.state == "open"
            for size in SIZES:
                data = bytes(i % 251 for i in range(size))
                client.ws.send_binary(data)
                await client.flush()
                assert await client.next_event() == Message(data, True)

                text = "ŝ" * (size // 2)
                client.ws.send_text(text)
                await client.flush()
                assert await client.next_event() == Message(text, False)

    run(main())


def test_server_fragments() -> None:
    async def handler(connection: ServerConnection) -> None:
        await connection.send([b"ab", b"", b"cd" * 40000, b"ef"])
        await connection.send(["hé", "l", "lo"])
        await connection.wait_closed()

    async def main() -> None:
        async with server(handler) as port, connect(port) as client:
            assert isinstance(await client.next_event(), Accepted)
            assert await client.next_event() == Message(b"ab" + b"cd" * 40000 + b"ef", True)
            assert await client.next_event() == Message("héllo", False)

    run(main())


def test_ping_pong_both_directions() -> None:
    async def handler(connection: ServerConnection) -> None:
        pong = await connection.ping(b"from server")
        await pong
        await connection.send("pong seen")
        await connection.wait_closed()

    async def main() -> None:
        async with server(handler) as port, connect(port) as client:
            assert isinstance(await client.next_event(), Accepted)
            assert await client.next_event() == Ping(b"from server")
            assert await client.next_event() == Message("pong seen", False)
            client.ws.send_ping(b"from client")
            await client.flush()
            assert await client.next_event() == Pong(b"from client")

    run(main())


def test_client_closes_with_code_and_reason() -> None:
    seen: list[tuple[int, str]] = []

    async def handler(connection: ServerConnection) -> None:
        with pytest.raises(ConnectionClosed) as closed:
            await connection.recv()
        assert closed.value.rcvd is not None
        seen.append((closed.value.rcvd.code, closed.value.rcvd.reason))

    async def main() -> None:
        async with server(handler) as port, connect(port) as client:
            assert isinstance(await client.next_event(), Accepted)
            client.ws.close(4000, "client bye")
            await client.flush()
            assert client.ws.state == "closing"
            assert await client.next_event() == CloseReceived(4000, "client bye")
            assert client.ws.state == "closed"
            await client.wait_eof()
        assert seen == [(4000, "client bye")]

    run(main())


def test_server_closes_with_code_and_reason() -> None:
    echoed: list[int | None] = []

    async def handler(connection: ServerConnection) -> None:
        await connection.close(4001, "server bye")
        echoed.append(connection.close_code)

    async def main() -> None:
        async with server(handler) as port, connect(port) as client:
            assert isinstance(await client.next_event(), Accepted)
            assert await client.next_event() == CloseReceived(4001, "server bye")
            assert client.ws.state == "closed"
            await client.wait_eof()
        assert echoed == [4001]

    run(main())


@pytest.mark.parametrize("status", [http.HTTPStatus.OK, http.HTTPStatus.FORBIDDEN])
def test_server_refuses_the_handshake(status: http.HTTPStatus) -> None:
    def refuse(connection: ServerConnection, request: Request) -> Response:
        response = connection.respond(status, "DEVICE_BLOCKED\n")
        response.headers["Handshake-Msg"] = "DEVICE_BLOCKED"
        response.headers["Handshake-Status"] = "415"
        return response

    async def main() -> None:
        async with server(echo, process_request=refuse) as port, connect(port) as client:
            rejected = await client.next_event()
            assert isinstance(rejected, Rejected)
            assert rejected.status == status.value
            assert rejected.header("handshake-msg") == "DEVICE_BLOCKED"
            assert rejected.header("Handshake-Status") == "415"
            assert rejected.body == b"DEVICE_BLOCKED\n"
            assert client.ws.state == "rejected"

    run(main())


def test_headers_reach_the_server() -> None:
    seen: list[Headers] = []

    def record(connection: ServerConnection, request: Request) -> None:
        seen.append(request.headers)

    async def main() -> None:
        async with server(echo, process_request=record) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            ws = WebSocket(
                f"127.0.0.1:{port}",
                "/ws",
                b"0123456789abcdef",
                headers=[("Cookie", "ttwid=abc"), ("User-Agent", "interop/1")],
            )
            client = Client(reader, writer, ws)
            await client.flush()
            assert isinstance(await client.next_event(), Accepted)
            ws.close()
            await client.flush()
            assert await client.next_event() == CloseReceived(1000, "")
            writer.close()
            await writer.wait_closed()
        [headers] = seen
        assert headers["Cookie"] == "ttwid=abc"
        assert headers["User-Agent"] == "interop/1"

    run(main())
