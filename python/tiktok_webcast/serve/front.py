"""The front door: the server's one public port. It reads each new connection's first request head and

- serves a websocket upgrade to a stream (``/`` in TikFinity's format, ``/events`` in ours) itself, as a
  :class:`~tiktok_webcast.serve.peer.RawPeer` that writes a client's backlog in one system call;
- passes anything else, byte for byte, to the HTTP app (hypercorn on a loopback socket of its own): pages, the
  API, Server-Sent Events, and any later request on a kept-alive connection.

Why: hypercorn writes each websocket message with its own system call and, on trio, its own pass through the
scheduler. TikFinity tools want one event per websocket message, so 50 of them at 1,000 events/s need 50,000 messages
a second; through hypercorn that cost about 10 us a message on asyncio and 40 us on trio (bench/serve.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import anyio
import anyio.abc

from tiktok_webcast.serve.peer import RawPeer

__all__ = ["STREAM_PATHS", "serve_front"]

logger = logging.getLogger("tiktok_webcast.serve.front")

STREAM_PATHS = {"/": True, "/events": False}
"""The streams served here, and whether each is in TikFinity's format."""
MAX_HEAD = 16 * 1024
HEAD_TIMEOUT = 10.0
RECEIVE_SIZE = 65536

StreamHandler = Callable[[RawPeer, bool], Awaitable[None]]


async def serve_front(
    listener: anyio.abc.Listener[anyio.abc.SocketStream], app_port: int, serve_stream: StreamHandler, max_message: int
) -> None:
    """Runs until cancelled. ``serve_stream(peer, tikfinity)`` serves a stream client until it leaves."""

    async def handle(client: anyio.abc.SocketStream) -> None:
        # One connection's failure ends that connection only: the listener's task group must never see it.
        async with client:
            try:
                await _handle(client, app_port, serve_stream, max_message)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, OSError):
                pass
            except Exception:
                logger.exception("a connection failed")

    async with listener:
        await listener.serve(handle)


async def _handle(client: anyio.abc.SocketStream, app_port: int, serve_stream: StreamHandler, max_message: int) -> None:
    try:
        with anyio.fail_after(HEAD_TIMEOUT):
            head = await _read_head(client)
    except TimeoutError:
        return
    if head is None:
        return
    tikfinity = _stream_upgrade(head)
    if tikfinity is not None:
        peer = RawPeer(client, max_message)
        if peer.open(head):
            try:
                await serve_stream(peer, tikfinity)
            finally:
                await peer.going_away()
            return
    await _pass_to_app(client, head, app_port)


async def _read_head(client: anyio.abc.SocketStream) -> bytes | None:
    """The bytes received up to the end of the first request head (and whatever came with it); ``None`` if the
    head is larger than ``MAX_HEAD`` or the client left first."""
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD:
            return None
        data += await client.receive(RECEIVE_SIZE)
    return data


def _stream_upgrade(head: bytes) -> bool | None:
    """For a websocket upgrade to one of ``STREAM_PATHS``, whether it is the TikFinity stream; else ``None``."""
    lines = head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[0] != b"GET":
        return None
    upgrade = any(
        name.strip().lower() == b"upgrade" and value.strip().lower() == b"websocket"
        for name, _, value in (line.partition(b":") for line in lines[1:])
    )
    if not upgrade:
        return None
    return STREAM_PATHS.get(urlsplit(parts[1].decode("latin-1")).path)


async def _pass_to_app(client: anyio.abc.SocketStream, head: bytes, app_port: int) -> None:
    try:
        app = await anyio.connect_tcp("127.0.0.1", app_port)
    except OSError as error:
        logger.warning("the HTTP app cannot be reached: %s", error)
        return
    async with app, anyio.create_task_group() as tasks:
        await app.send(head)

        async def to_app() -> None:
            try:
                async for chunk in client:
                    await app.send(chunk)
                await app.send_eof()  # the client is done sending; the answer may still come
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                tasks.cancel_scope.cancel()

        async def to_client() -> None:
            try:
                async for chunk in app:
                    await client.send(chunk)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass
            tasks.cancel_scope.cancel()

        tasks.start_soon(to_app)
        tasks.start_soon(to_client)
