"""The fleet against a real nats-server and the real simulator, with workers in this process."""

from __future__ import annotations

from contextlib import aclosing

import anyio
import pytest
from fleet_helpers import NatsServer, chatty_scenario, client_factory, running, until

from tiktok_webcast.events import ChatEvent
from tiktok_webcast.fleet import Fleet, FleetError, FleetEvent, Worker, WorkerBudget
from tiktok_webcast.fleet.budget import HandshakeWindow
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio


async def test_watch_list_add_remove_list(nats_server: NatsServer) -> None:
    async with Fleet(nats_server.url) as fleet:
        assert await fleet.add("https://www.tiktok.com/@alice/live") == "alice"
        assert await fleet.add("@bob") == "bob"
        assert await fleet.watched() == ["alice", "bob"]
        assert await fleet.remove("alice") is True
        assert await fleet.remove("alice") is False
        assert await fleet.watched() == ["bob"]
        with pytest.raises(FleetError, match=r"^'bad name!' is not a TikTok username"):
            await fleet.add("bad name!")


async def test_malformed_watch_list_entries_are_reported_and_skipped(nats_server: NatsServer) -> None:
    async with Fleet(nats_server.url) as fleet:
        await fleet.add("alice")
        await fleet.broker.buckets.watch.put("carol", b"not json")
        await fleet.broker.buckets.watch.put("dave", b'{"username": "someone-else"}')
        status = await fleet.status()
    assert status.watched == ["alice"]
    assert status.malformed == {
        "carol": "the value is not JSON",
        "dave": 'the value is not {"username": <the key>, ...}',
    }


async def test_workers_share_creators_within_their_budget_and_publish_typed_events(nats_server: NatsServer) -> None:
    async with Simulator(chatty_scenario(5)) as sim, Fleet(nats_server.url, lease_ttl=60) as fleet:
        for i in range(5):
            await fleet.add(f"creator{i}")
        budget = WorkerBudget(max_rooms=2, handshakes_per_minute=100)
        workers = [
            Worker(
                Fleet(nats_server.url, lease_ttl=60).broker,
                worker_id=f"w{i}",
                budget=budget,
                client_factory=client_factory(sim),
                scan_interval=0.1,
            )
            for i in range(2)
        ]
        for worker in workers:
            await worker.broker.__aenter__()
        try:
            async with running(workers[0]) as first, running(workers[1]):

                async def four_claimed() -> bool:
                    status = await fleet.status()
                    return (
                        len(status.holders) == 4
                        and all(w.get("waiting") for w in status.workers.values())
                        and len(status.workers) == 2
                    )

                await until(four_claimed, timeout=20, what="4 of 5 creators claimed by 2 workers of 2 rooms")
                status = await fleet.status()
                assert sorted(status.holders.values()) == ["w0", "w0", "w1", "w1"]
                assert len(status.unclaimed) == 1
                assert {w["waiting"] for w in status.workers.values()} == {"room budget reached (2 rooms)"}

                seen: dict[str, FleetEvent] = {}
                with anyio.fail_after(20):
                    async with aclosing(fleet.events(durable="test")) as events:
                        async for item in events:
                            if isinstance(item.event, ChatEvent):
                                seen.setdefault(item.username, item)
                            if len(seen) == 4:
                                break
                assert set(seen) == set(status.holders)
                for username, item in seen.items():
                    assert item.room_id == sim.room_id(username)
                    assert item.event.msg_id != 0

                # A worker stopped cleanly gives its leases back at once: a fresh worker gets them well before
                # the 60 s TTL could have freed them.
                freed = {name for name, holder in status.holders.items() if holder == "w0"} | set(status.unclaimed)
                first.cancel()
                third = Worker(
                    Fleet(nats_server.url, lease_ttl=60).broker,
                    worker_id="w2",
                    budget=WorkerBudget(max_rooms=3),
                    client_factory=client_factory(sim),
                    scan_interval=0.1,
                )
                await third.broker.__aenter__()
                try:
                    async with running(third):

                        async def taken_over() -> bool:
                            holders = (await fleet.status()).holders
                            return all(holders.get(name) == "w2" for name in freed)

                        await until(taken_over, timeout=15, what="w0's creators claimed by w2 before the TTL")
                finally:
                    await third.broker.__aexit__(None, None, None)
        finally:
            for worker in workers:
                await worker.broker.__aexit__(None, None, None)


def test_handshake_window_allows_n_per_minute_spread_out() -> None:
    now = [100.0]
    window = HandshakeWindow(3, lambda: now[0])
    assert window.wait_time() == 0
    window.take()
    assert window.wait_time() == pytest.approx(20)  # 60 s / 3: never two starts closer than that
    for _ in range(2):
        now[0] += 20
        assert window.wait_time() == 0
        window.take()
    now[0] += 10
    assert window.wait_time() == pytest.approx(10)  # both rules agree here: t=160 frees the first start
    now[0] += 10
    assert window.wait_time() == 0


def test_budget_rejects_nonsense() -> None:
    with pytest.raises(FleetError, match="max_rooms must be at least 1, not 0"):
        WorkerBudget(max_rooms=0)
    with pytest.raises(FleetError, match="handshakes_per_minute must be at least 1, not -1"):
        WorkerBudget(handshakes_per_minute=-1)
    with pytest.raises(FleetError, match="max_connecting must be at least 1, not 0"):
        WorkerBudget(max_connecting=0)
