"""What one read of the socket gives the client: every binary message it completed, in one list, and a close that
came in the same read only after them."""

from __future__ import annotations

import base64
import hashlib

import anyio
import pytest
from anyio.abc import SocketStream

from tiktok_webcast._transport import connect_websocket
from tiktok_webcast.exceptions import ConnectionClosedError

pytestmark = pytest.mark.anyio

WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def server_frame(opcode: int, payload: bytes) -> bytes:
    assert len(payload) < 126
    return bytes([0x80 | opcode, len(payload)]) + payload


async def answer_with(reply: bytes, stream: SocketStream) -> None:
    """Accepts the upgrade and sends ``reply`` in the same write."""
    async with stream:
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
