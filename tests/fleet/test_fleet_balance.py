"""Balancing against a real nats-server: one worker holds every creator; a second one starts, and the two converge to
half each, the first handing creators over without a lost or a repeated message."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import aclosing

import anyio
import pytest
from fleet_helpers import NatsServer, chatty_scenario, client_factory, until

from tiktok_webcast import TikTok
from tiktok_webcast.events import ChatEvent
from tiktok_webcast.fleet import Fleet, Worker, WorkerBudget
from tiktok_webcast.fleet.balance import Peer, fair_share, to_offer, to_take
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio

ROOMS = 20
LEASE_TTL = 5.0
CHAT = 5.0
"""Chats a second per room: the 6 recent comments a new connection replays cover 1.2 s, so a hand-over that
stopped the old connection before the new one delivered would lose messages."""
NEWCOMER_HANDSHAKES = 120
"""The second worker connects one room every 0.5 s: the first must keep its rooms until each is taken over."""


def worker(sim: Simulator, fleet: Fleet, worker_id: str, handshakes: int) -> Worker:
    budget = WorkerBudget(max_rooms=ROOMS, handshakes_per_minute=handshakes)
    return fleet.worker(worker_id=worker_id, budget=budget, client_factory=client_factory(sim), scan_interval=0.2)


async def test_a_second_worker_gets_half_the_rooms_with_no_message_lost_or_repeated(nats_server: NatsServer) -> None:
    sim, fleet = Simulator(chatty_scenario(ROOMS, chat=CHAT)), Fleet(nats_server.url, lease_ttl=LEASE_TTL)
    first, second = Fleet(nats_server.url, lease_ttl=LEASE_TTL), Fleet(nats_server.url, lease_ttl=LEASE_TTL)
    async with sim, fleet, first, second, client_factory(sim)() as client:
        names = [f"creator{i}" for i in range(ROOMS)]
        for name in names:
            await fleet.add(name)
        delivered: list[int] = []
        last_chat: dict[str, int] = {}
        reference: dict[int, int] = {}
        """msg_id -> creation time (ms) of every chat message a plain client watching every room saw."""

        async def consume() -> None:
            async with aclosing(fleet.events(durable="balance")) as events:
                async for item in events:
                    delivered.append(item.event.msg_id)
                    if isinstance(item.event, ChatEvent):
                        last_chat[item.username] = item.event.timestamp

        async def watch(client: TikTok, username: str) -> None:
            async with client.track_user(username) as live:
                async for event in live.events:
                    if isinstance(event, ChatEvent):
                        reference[event.msg_id] = event.timestamp

        async def holders() -> Counter[str]:
            return Counter((await fleet.status()).holders.values())

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(consume)
            tasks.start_soon(worker(sim, first, "w0", 1000).run)

            async def all_with_w0() -> bool:
                return await holders() == Counter(w0=ROOMS) and len(last_chat) == ROOMS

            await until(all_with_w0, timeout=60, what=f"w0 holding and delivering all {ROOMS} rooms")
            for name in names:
                tasks.start_soon(watch, client, name)
            reference_from_ms = time.time() * 1000
            await until(lambda: _true(len(reference) > 2 * ROOMS), timeout=30, what="the reference client watching")

            tasks.start_soon(worker(sim, second, "w1", NEWCOMER_HANDSHAKES).run)

            async def balanced() -> bool:
                status = await fleet.status()
                w0 = status.workers.get("w0", {})
                handed_over = len(w0.get("rooms", {})) == ROOMS // 2 and not w0.get("handing_over")
                return Counter(status.holders.values()) == Counter(w0=ROOMS // 2, w1=ROOMS // 2) and handed_over

            await until(balanced, timeout=90, what="w0 and w1 holding half the rooms each")
            status = await fleet.status()
            assert status.workers["w1"]["fair_share"] == ROOMS // 2
            settled_ms = time.time() * 1000 + 2000
            await until(
                lambda: _true(all(last_chat.get(name, 0) > settled_ms for name in names)),
                timeout=30,
                what="every room delivering after the hand-over",
            )
            tasks.cancel_scope.cancel()

    repeated = [msg_id for msg_id, count in Counter(delivered).items() if count > 1]
    assert not repeated, f"{len(repeated)} message ids delivered twice"
    seen = set(delivered)
    lost = [msg_id for msg_id, at in reference.items() if reference_from_ms + 1000 <= at <= settled_ms]
    lost = [msg_id for msg_id in lost if msg_id not in seen]
    assert not lost, f"{len(lost)} chat messages the plain client saw never reached the consumer"


def test_fair_shares_offers_and_takes() -> None:
    assert fair_share(20, 2) == 10 and fair_share(21, 2) == 11 and fair_share(5, 0) == 5
    # One worker holding everything offers half to an empty newcomer.
    assert to_offer(20, 20, [Peer("w1", 0, 20)]) == 10
    # ... but only what the others can take within their own budget.
    assert to_offer(20, 20, [Peer("w1", 0, 4)]) == 4
    # Nobody below the fair share: nothing offered.
    assert to_offer(10, 20, [Peer("w1", 10, 20)]) == 0
    assert to_offer(11, 21, [Peer("w1", 10, 20)]) == 0
    assert to_take(0, 20, 20, 1) == 10
    assert to_take(0, 3, 20, 1) == 3
    assert to_take(10, 20, 20, 1) == 0


async def _true(value: bool) -> bool:
    return value
