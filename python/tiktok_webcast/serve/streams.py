"""The streaming endpoints: TikFinity's websocket at ``/``, ours at ``/events``, and Server-Sent Events at
``/events/sse``. Each client gets its own subscriber queue and its own sending task, so a client that never reads only
fills (and then drops from) its own queue."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from tiktok_webcast.serve.auth import token_problem
from tiktok_webcast.serve.hub import Filter, Subscriber
from tiktok_webcast.serve.message import Message
from tiktok_webcast.serve.peer import AsgiPeer, Peer

if TYPE_CHECKING:
    from tiktok_webcast.serve.server import EventServer

__all__ = ["StreamSocket", "serve_peer", "sse_stream"]

MAX_BAD_MESSAGES = 32
"""A client that keeps sending what we cannot read is closed (1008) after this many errors."""
SSE_KEEPALIVE = 15.0
CLOSE_POLICY = 1008


class _Reply:
    """How one format writes its own control replies (errors, pongs, drop notices)."""

    def __init__(self, tikfinity: bool, batched: bool = False) -> None:
        self.tikfinity = tikfinity
        self.batched = batched and not tikfinity

    def error(self, text: str) -> str:
        if self.tikfinity:
            return json.dumps({"event": "error", "data": {"message": text}})
        return json.dumps({"type": "error", "error": text})

    def pong(self) -> str:
        return json.dumps({"event": "pong", "data": {}} if self.tikfinity else {"type": "pong"})

    def dropped(self, count: int) -> str | None:
        return None if self.tikfinity else json.dumps({"type": "Dropped", "event": {"dropped": count}})


def _wants(params: Any) -> Filter:
    return Filter.parse(params.get("creator"), params.get("type"))


def _capacity(server: EventServer, params: Any) -> int:
    """``?queue=N`` asks for a smaller queue than the server's (an overlay that only wants the latest totals)."""
    asked = params.get("queue", "")
    limit = server.config.client_queue
    return max(1, min(limit, int(asked))) if asked.isdigit() else limit


class StreamSocket:
    """The ASGI app of a streaming websocket route, for upgrades the front door did not take over: TikFinity's
    format (``tikfinity=True``) or ours."""

    def __init__(self, server: EventServer, *, tikfinity: bool) -> None:
        self.server = server
        self.tikfinity = tikfinity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve_peer(self.server, AsgiPeer(WebSocket(scope, receive, send), send), tikfinity=self.tikfinity)


async def serve_peer(server: EventServer, peer: Peer, *, tikfinity: bool) -> None:
    """One client of a stream, from the handshake until it leaves."""
    problem = token_problem(server.config.token, peer.headers, peer.query)
    if problem is not None:
        await peer.deny(problem)
        return
    params = peer.query
    reply = _Reply(tikfinity, batched=params.get("batch") == "1")
    name = "tikfinity" if tikfinity else "events"
    # Subscribed before the handshake is answered: a client gets everything published once it is connected.
    with server.hub.subscribe(_wants(params), _capacity(server, params), name) as subscriber:
        for message in server.snapshot():
            if subscriber.wants.matches(message):
                subscriber.offer(message)
        try:
            await peer.accept()
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_read_client, server, peer, subscriber, reply, tasks.cancel_scope)
                await _send_messages(server, peer, subscriber, reply)
        except (WebSocketDisconnect, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass


async def _send_messages(server: EventServer, peer: Peer, subscriber: Subscriber, reply: _Reply) -> None:
    """Each message was encoded once for every client (text, and frames for a raw peer); a client's batch goes out
    in one write where the protocol allows: one JSON array on a batched stream, else the frames back to back."""
    reported = 0
    metrics = server.metrics
    record = metrics.record_latency
    while True:
        batch = await subscriber.take()
        if subscriber.dropped != reported:
            reported = subscriber.dropped
            notice = reply.dropped(reported)
            if notice is not None:
                await peer.send_text(notice)
        if reply.batched:
            # One websocket message per batch: a JSON array. Far fewer sends (and system calls) under load.
            await peer.send_text("[" + ",".join(m.json_text() for m in batch) + "]")
            metrics.sends += 1
        else:
            written = await peer.send_messages(batch, tikfinity=reply.tikfinity)
            metrics.sends += written  # not `+= await`: other clients' sends count while this one awaits
        for message in batch:
            record(message)


async def _read_client(
    server: EventServer, peer: Peer, subscriber: Subscriber, reply: _Reply, scope: anyio.CancelScope
) -> None:
    """Commands from the client: ``{"action": "ping"}`` and, on our stream, ``{"action": "filter", "creator": ...,
    "type": ...}``. Anything else gets an error reply; a client that keeps it up is closed."""
    bad = 0
    try:
        while True:
            message = await peer.receive()
            if message is None:
                break
            problem, answer = _command(message, server, subscriber, reply)
            if problem is None:
                if answer is not None:
                    await peer.send_text(answer)
                continue
            bad += 1
            await peer.send_text(reply.error(problem))
            if bad >= MAX_BAD_MESSAGES:
                await peer.close(CLOSE_POLICY, "too many malformed messages")
                break
    finally:
        scope.cancel()


def _command(
    message: str | bytes, server: EventServer, subscriber: Subscriber, reply: _Reply
) -> tuple[str | None, str | None]:
    if not isinstance(message, str):
        return "binary messages are not understood; send JSON text", None
    try:
        command = json.loads(message)
    except ValueError:
        return "not JSON", None
    if not isinstance(command, dict) or not isinstance(command.get("action"), str):
        return 'a command is a JSON object with an "action"', None
    action = command["action"]
    if action == "ping":
        return None, reply.pong()
    if action == "filter" and not reply.tikfinity:
        creator, kind = command.get("creator"), command.get("type")
        if not all(value is None or isinstance(value, str) for value in (creator, kind)):
            return "filter: creator and type are comma-separated strings", None
        server.hub.refilter(subscriber, Filter.parse(creator, kind))
        return None, json.dumps({"type": "filter", "creator": creator, "event_type": kind})
    return f"unknown action {action!r}", None


def sse_stream(server: EventServer, request: Request) -> StreamingResponse:
    """Our JSON stream as Server-Sent Events: ``event: <type>`` and ``data: <json>`` per message."""
    wants = _wants(request.query_params)

    async def events() -> AsyncIterator[str]:
        with server.hub.subscribe(wants, _capacity(server, request.query_params), "sse") as subscriber:
            for message in server.snapshot():
                if wants.matches(message):
                    subscriber.offer(message)
            yield ": tiktok-webcast event stream\n\n"
            reported = 0
            while True:
                batch: list[Message] = []
                with anyio.move_on_after(SSE_KEEPALIVE):
                    batch = await subscriber.take()
                if not batch:
                    yield f": keepalive {int(time.time())}\n\n"
                    continue
                if subscriber.dropped != reported:
                    reported = subscriber.dropped
                    yield f"event: Dropped\ndata: {json.dumps({'dropped': reported})}\n\n"
                chunk = "".join(f"event: {m.type}\ndata: {m.json_text()}\n\n" for m in batch)
                yield chunk
                for message in batch:
                    server.metrics.record_latency(message)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
