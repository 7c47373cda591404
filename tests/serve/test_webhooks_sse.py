"""Signed webhooks with retries, and the Server-Sent Events stream."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import anyio
import httpx
import pytest
from tests.serve.helpers import wait_following
from tests.serve.receiver import receiver
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import ChatEvent, User, UserEvent, UserEventType
from tiktok_webcast.serve import Webhook
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio

SECRET = "webhook-signing-secret"
FAN = User(id=42, username="fan42", nickname="Fan")


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does, written from the documented headers."""
    expected = hmac.new(
        secret.encode(), headers["x-webcast-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(headers["x-webcast-signature"], "sha256=" + expected)


async def test_webhooks_are_signed_retried_and_filtered(serve: Any) -> None:
    async with receiver(503, 503) as hook, receiver(400) as refusing, Simulator(scenario()) as sim:
        webhooks = (
            Webhook(hook.url, SECRET, types="follow", backoff=0.01),
            Webhook(refusing.url, SECRET, types="follow", backoff=0.01),
        )
        async with serve(sim, "alice", webhooks=webhooks) as server:
            await wait_following(server, sim)
            sim.inject(
                "alice",
                ChatEvent(user=FAN, comment="not wanted by the hook", msg_id=1001),
                UserEvent(event=UserEventType.FOLLOW, user=FAN, msg_id=1002),
            )
            requests = await hook.wait_for(3)
            refused = await refusing.wait_for(1)
            async with httpx.AsyncClient(base_url=server.http_url) as http:
                status = (await http.get("/api/status")).json()
    first, _, delivered = requests
    assert all(verify(SECRET, r.headers, r.body) for r in requests)
    assert not verify("another-secret", delivered.headers, delivered.body)
    assert len({r.headers["x-webcast-delivery"] for r in requests}) == 1  # one delivery, retried
    message = json.loads(delivered.body)
    assert (message["type"], message["creator"], message["event"]["user"]["username"]) == (
        "UserEvent",
        "alice",
        "fan42",
    )
    assert first.body == delivered.body and delivered.headers["content-type"] == "application/json"
    assert len(refused) == 1  # a 4xx is not retried
    stats = {s["endpoint"]: s for s in status["webhooks"]}
    assert stats[hook.url] == {"endpoint": hook.url, "delivered": 1, "failed": 0, "retries": 2, "dropped": 0}
    assert stats[refusing.url]["failed"] == 1 and stats[refusing.url]["retries"] == 0


async def test_server_sent_events(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        # A plain HTTP/1.1 client: the stream is read as raw bytes, as any SSE consumer sees it.
        async with await anyio.connect_tcp("127.0.0.1", server.port) as stream:
            await stream.send(b"GET /events/sse?type=ChatEvent&creator=alice HTTP/1.1\r\nHost: x\r\n\r\n")
            await wait_following(server, sim)
            sim.inject("alice", ChatEvent(user=FAN, comment="over SSE", msg_id=1001))
            received = b""
            with anyio.fail_after(10):
                while b'"msg_id":"1001"' not in received:
                    received += await stream.receive()
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-type: text/event-stream" in head.lower()
    lines = body.decode().splitlines()
    events = [(line, lines[i + 1]) for i, line in enumerate(lines) if line.startswith("event:") and i + 1 < len(lines)]
    kind, data = events[-1]
    message = json.loads(data.removeprefix("data: "))
    assert kind == "event: ChatEvent" and message["event"]["comment"] == "over SSE" and message["creator"] == "alice"
    assert all(k == "event: ChatEvent" for k, _ in events)
