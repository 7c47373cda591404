"""Faults: a broker that restarts, a worker out of handshakes, a creator who is offline."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack, aclosing
from typing import Any

import anyio
import nats.errors
import pytest
from fleet_helpers import NatsServer, chatty_scenario, client_factory, until

from tiktok_webcast.events import ChatEvent
from tiktok_webcast.fleet import Fleet, WorkerBudget
from tiktok_webcast.fleet.leases import Leases
from tiktok_webcast.simulator import Creator, Scenario, Script, Simulator
from tiktok_webcast.simulator.scenario import Slow

pytestmark = pytest.mark.anyio


async def test_a_restarted_broker_loses_nothing_it_acknowledged_and_events_flow_again(nats_server: NatsServer) -> None:
    async with Simulator(chatty_scenario(1, chat=10)) as sim:
        async with Fleet(nats_server.url) as admin:
            await admin.add("creator0")
        worker_fleet = Fleet(nats_server.url)
        consumer = Fleet(nats_server.url)
        async with worker_fleet, consumer, anyio.create_task_group() as tasks, AsyncExitStack() as stack:
            worker = worker_fleet.worker(worker_id="w0", client_factory=client_factory(sim), scan_interval=0.1)
            tasks.start_soon(worker.run)
            before: list[int] = []
            events = await stack.enter_async_context(aclosing(consumer.events(durable="restart")))
            with anyio.fail_after(20):
                async for item in events:
                    if isinstance(item.event, ChatEvent):
                        before.append(item.sequence)
                    if len(before) >= 5:
                        break
            nats_server.stop()
            await anyio.to_thread.run_sync(nats_server.start)
            after: list[int] = []
            with anyio.fail_after(30):
                async for item in events:
                    if isinstance(item.event, ChatEvent) and item.sequence > max(before):
                        after.append(item.sequence)
                    if len(after) >= 5:
                        break
            # The stream kept what it had stored (sequences go on, not from 1) and workers publish again.
            assert min(after) > max(before)
            tasks.cancel_scope.cancel()


async def test_an_exhausted_handshake_budget_makes_rooms_wait_with_the_reason_in_status(
    nats_server: NatsServer,
) -> None:
    async with Simulator(chatty_scenario(3, chat=1)) as sim, Fleet(nats_server.url) as fleet:
        for i in range(3):
            await fleet.add(f"creator{i}")
        budget = WorkerBudget(max_rooms=3, handshakes_per_minute=1)
        async with Fleet(nats_server.url) as worker_fleet, anyio.create_task_group() as tasks:
            worker = worker_fleet.worker(
                worker_id="w0", budget=budget, client_factory=client_factory(sim), scan_interval=0.1
            )
            tasks.start_soon(worker.run)

            async def two_waiting() -> bool:
                rooms = (await fleet.status()).workers.get("w0", {}).get("rooms", {})
                waiting = [r for r in rooms.values() if "for the handshake budget (1/min)" in r["state"]]
                return len(rooms) == 3 and len(waiting) == 2

            await until(two_waiting, timeout=20, what="two rooms waiting for the handshake budget")
            tasks.cancel_scope.cancel()


async def test_an_offline_creator_is_held_and_reported_offline(nats_server: NatsServer) -> None:
    scenario = Scenario(name="offline", seed=1, creators=(Creator("sleepy", live=False, script=Script()),))
    async with Simulator(scenario) as sim, Fleet(nats_server.url) as fleet:
        await fleet.add("sleepy")
        async with Fleet(nats_server.url) as worker_fleet, anyio.create_task_group() as tasks:
            worker = worker_fleet.worker(worker_id="w0", client_factory=client_factory(sim), scan_interval=0.1)
            tasks.start_soon(worker.run)

            async def reported_offline() -> bool:
                rooms = (await fleet.status()).workers.get("w0", {}).get("rooms", {})
                return rooms.get("sleepy", {}).get("state") == "offline"

            await until(reported_offline, timeout=20, what="@sleepy reported offline")
            assert (await fleet.status()).holders == {"sleepy": "w0"}
            tasks.cancel_scope.cancel()


async def test_connection_attempts_in_progress_are_capped_and_the_rest_wait_visibly(nats_server: NatsServer) -> None:
    # Room lookups that hang: a worker allowed one attempt at a time must not start the other two meanwhile.
    slow = Slow(delay=60.0, path="/api-live/user/room/")
    scenario = Scenario(name="slow", seed=1, creators=chatty_scenario(3).creators, faults=(slow,))
    async with Simulator(scenario) as sim, Fleet(nats_server.url) as fleet:
        for i in range(3):
            await fleet.add(f"creator{i}")
        budget = WorkerBudget(max_rooms=3, handshakes_per_minute=1000, max_connecting=1)
        async with Fleet(nats_server.url) as worker_fleet, anyio.create_task_group() as tasks:
            worker = worker_fleet.worker(
                worker_id="w0", budget=budget, client_factory=client_factory(sim), scan_interval=0.1
            )
            tasks.start_soon(worker.run)

            async def one_connecting_two_waiting() -> bool:
                rooms = (await fleet.status()).workers.get("w0", {}).get("rooms", {})
                states = sorted(room["state"] for room in rooms.values())
                return states == ["connecting", *["waiting for a connection slot (1 connecting)"] * 2]

            await until(one_connecting_two_waiting, timeout=20, what="one room connecting and two waiting for a slot")
            tasks.cancel_scope.cancel()


async def test_a_renewal_that_times_out_neither_ends_the_worker_nor_loses_the_creator(
    nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    renew = Leases.renew
    armed = anyio.Event()
    failed_at: list[float] = []

    async def first_renewal_times_out(self: Leases, username: str, *args: Any, **kwargs: Any) -> bool:
        if armed.is_set() and not failed_at:
            failed_at.append(time.monotonic())
            raise nats.errors.TimeoutError
        return await renew(self, username, *args, **kwargs)

    monkeypatch.setattr(Leases, "renew", first_renewal_times_out)
    async with Simulator(chatty_scenario(2, chat=2)) as sim, Fleet(nats_server.url, lease_ttl=3) as fleet:
        for i in range(2):
            await fleet.add(f"creator{i}")
        async with Fleet(nats_server.url, lease_ttl=3) as worker_fleet, anyio.create_task_group() as tasks:
            worker = worker_fleet.worker(worker_id="w0", client_factory=client_factory(sim), scan_interval=0.1)
            tasks.start_soon(worker.run)

            async def both_held() -> bool:
                return (await fleet.status()).holders == {"creator0": "w0", "creator1": "w0"}

            await until(both_held, timeout=30, what="both creators held")
            armed.set()

            async def held_a_ttl_after_the_failure() -> bool:
                holders = (await fleet.status()).holders
                assert not failed_at or holders == {"creator0": "w0", "creator1": "w0"}, holders
                return bool(failed_at) and time.monotonic() > failed_at[0] + 4  # past the 3 s TTL: renewals went on

            await until(held_a_ttl_after_the_failure, timeout=30, what="the leases held a TTL after a failed renewal")
            rooms = (await fleet.status()).workers["w0"]["rooms"]
            assert sorted(rooms) == ["creator0", "creator1"]
            tasks.cancel_scope.cancel()
