"""What one read of the socket gives the client: every binary message it completed, in one list, and a close that
came in the same read only after them."""

from __future__ import annotations

import base64
import hashlib

import anyio
import pytest
from anyio.abc import SocketStream
from anyio.streams.memory import MemoryObjectReceiveStream

from tiktok_webcast import _transport
from tiktok_webcast._transport import connect_websocket
from tiktok_webcast.exceptions import ConnectionClosedError

pytestmark = pytest.mark.anyio

WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def server_frame(opcode: int, payload: bytes) -> bytes:
    if len(payload) < 126:
        return bytes([0x80 | opcode, len(payload)]) + payload
    return bytes([0x80 | opcode, 126]) + len(payload).to_bytes(2, "big") + payload


async def accept_upgrade(stream: SocketStream, reply: bytes = b"") -> None:
    """Answers the upgrade request, with ``reply`` in the same write."""
    request = b""
    while b"\r\n\r\n" not in request:
        request += await stream.receive()
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + WEBSOCKET_GUID).digest())
    upgrade = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    await stream.send(upgrade + b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + reply)


async def answer_with(reply: bytes, stream: SocketStream) -> None:
    """Accepts the upgrade and sends ``reply`` in the same write."""
    async with stream:
        await accept_upgrade(stream, reply)
        await anyio.sleep_forever()


async def answer_then_send(writes: MemoryObjectReceiveStream[bytes], stream: SocketStream) -> None:
    """Accepts the upgrade, then sends each of ``writes`` in one write as it comes."""
    async with stream:
        await accept_upgrade(stream)
        async for data in writes:
            await stream.send(data)
        await anyio.sleep_forever()


async def test_messages_before_a_close_in_the_same_read_come_first_then_the_close() -> None:
    close = server_frame(0x8, (1000).to_bytes(2, "big") + b"live ended")
    reply = server_frame(0x2, b"first") + server_frame(0x2, b"second") + close
    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, lambda stream: answer_with(reply, stream))
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        with anyio.fail_after(10):
            connection = await connect_websocket(f"ws://127.0.0.1:{port}/", [])
            assert await connection.receive_many() == [b"first", b"second"]
            with pytest.raises(ConnectionClosedError, match="1000 live ended"):
                await connection.receive_many()
        assert connection.close_code == 1000
        await connection.aclose()
        tasks.cancel_scope.cancel()


async def test_a_backlog_comes_in_large_reads_and_a_trickle_in_small_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sizes scaled down so that a burst fits one loopback write: a read of 1 KiB completes one 1,004-byte frame, a
    # read of 4 KiB four.
    monkeypatch.setattr(_transport, "READ_SIZE", 1024)
    monkeypatch.setattr(_transport, "BACKLOG_READ_SIZE", 4096)
    burst = b"".join(server_frame(0x2, bytes([index]) * 1000) for index in range(12))
    to_server, writes = anyio.create_memory_object_stream[bytes](2)
    async with (
        to_server,
        writes,
        await anyio.create_tcp_listener(local_host="127.0.0.1") as listener,
        anyio.create_task_group() as tasks,
    ):
        tasks.start_soon(listener.serve, lambda stream: answer_then_send(writes, stream))
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        with anyio.fail_after(10):
            connection = await connect_websocket(f"ws://127.0.0.1:{port}/", [])
            for _ in range(2):
                await to_server.send(burst)
                per_read: list[int] = []
                while sum(per_read) < 12:
                    per_read.append(len(await connection.receive_many()))
                # The first read asks for little; having filled it, the next ones ask for the backlog's size; the
                # last, short, makes the second burst's first read small again.
                assert per_read[0] == 1 and per_read[1] >= 3, per_read
        await connection.aclose()
        tasks.cancel_scope.cancel()
