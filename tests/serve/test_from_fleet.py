"""The event server fed by a fleet instead of a local client: a real nats-server, the simulator, a real fleet worker
process (``tiktok-webcast fleet worker``), the server both as ``tiktok-webcast serve --fleet`` and as the Python API.
An event the worker publishes reaches a TikFinity-format consumer and an overlay's feed; creators filter by username;
live status and stream ends come from the fleet; a restarted broker is reconnected to."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from tests.client.test_cli_commands import Running, run_cli, running_cli
from tests.fleet.fleet_helpers import NatsServer, anyio_backend, nats_server, publish
from tests.serve.tikfinity_consumer import parse
from tests.serve.wsclient import TextSocket, open_text_socket
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import ChatEvent, GiftEvent, User
from tiktok_webcast.fleet import Fleet
from tiktok_webcast.serve import EventServer, FleetSource, ServeConfig, ServeConfigError
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Simulator

pytestmark = pytest.mark.anyio
__all__ = ["anyio_backend", "nats_server"]  # fixtures from the fleet tests

FAN = User(id=42, username="fan42", nickname="Fan")
# What the alerts overlay asks for (overlay.js): finished streaks and totals, batched.
ALERTS_FEED = "events?creator=alice&type=GiftStreak,Stats&batch=1"


def chat(msg_id: int, text: str) -> ChatEvent:
    return ChatEvent(user=FAN, comment=text, msg_id=msg_id)


def rose(msg_id: int, count: int, end: bool) -> GiftEvent:
    return GiftEvent(
        id=5655, name="Rose", cost=1, repeat_count=count, repeat_end=end, type=1, user=FAN, group_id=9, msg_id=msg_id
    )


@asynccontextmanager
async def fleet_worker(nats: NatsServer, sim: Simulator) -> AsyncIterator[Running]:
    """A worker process claiming every watched creator at once and publishing its events."""
    args = ("fleet", "--nats", nats.url, "worker", "--offline-poll", "0.5")
    async with running_cli(*args, "--handshakes-per-minute", "600", urls=json.dumps(sim.urls.as_dict())) as worker:
        yield worker
        worker.process.send_signal(signal.SIGINT)
        # Only that it stops: how cleanly a worker shuts down after a broker restart is tests/fleet's business.
        with anyio.fail_after(20):
            await worker.process.wait()


async def wait_state(server: EventServer, creator: str, state: str, timeout: float = 20.0) -> dict[str, Any]:
    with anyio.move_on_after(timeout):
        while (feed := server.feeds.get(creator)) is None or feed.status.get("state") != state:
            await anyio.sleep(0.05)
        return feed.status
    pytest.fail(f"{creator} not {state} within {timeout} s: { ({n: f.status for n, f in server.feeds.items()}) }")


async def messages_until(socket: TextSocket, predicate: Callable[[Any], bool]) -> list[Any]:
    """Every message up to the first that matches, batches (JSON arrays) unpacked."""
    seen: list[Any] = []

    def done(frame: Any) -> bool:
        batch = frame if isinstance(frame, list) else [frame]
        seen.extend(batch)
        return any(predicate(message) for message in batch)

    await socket.json_until(done, timeout=20)
    return seen


async def test_a_workers_events_reach_tikfinity_consumers_and_overlays(nats_server: NatsServer) -> None:
    creators = (Creator("alice", script=SCRIPT_PRESETS["silent"]), Creator("bob", script=SCRIPT_PRESETS["silent"]))
    everyone = ServeConfig(port=0, fleet=FleetSource(nats_server.url, durable="everyone", status_interval=0.2))
    async with Fleet(nats_server.url) as fleet:
        await fleet.add("bob")  # watched by someone else; alice is added by `serve --fleet-watch`
    async with Simulator(scenario(*creators)) as sim:
        async with (
            fleet_worker(nats_server, sim),
            running_cli("serve", "--port", "0", "--fleet", nats_server.url, "--fleet-watch", "alice") as cli,
            EventServer(config=everyone) as server,  # the Python API, every creator of the fleet
        ):
            await cli.wait_for(lambda c: "TikFinity-format websocket: ws://" in c.stderr)
            found = re.search(r"TikFinity-format websocket: (ws://\S+)", cli.stderr)
            assert found is not None and "alice from the fleet at nats://127.0.0.1" in cli.stderr
            url = found.group(1)
            async with (
                open_text_socket(url) as tikfinity,
                open_text_socket(url + "events") as ours,
                open_text_socket(server.url + ALERTS_FEED) as alerts,
                open_text_socket(server.url + "events?creator=bob&type=ChatEvent") as bob_chat,
            ):
                # Live status comes from the fleet: the worker holds both, in the simulator's rooms.
                assert (await wait_state(server, "alice", "live"))["room_id"] == str(sim.room_id("alice"))
                await wait_state(server, "bob", "live")
                await sim.wait_until(lambda: sum(bool(s.entered) and s.closed_at is None for s in sim.sessions) == 2)

                sim.inject("bob", chat(2001, "bob's room"))
                with anyio.fail_after(20):
                    while server.feeds["bob"].events_handled == 0:
                        await anyio.sleep(0.05)
                # bob's chat is in the stream before anything of alice's: the CLI server reads it first, and drops it.
                sim.inject("alice", chat(1001, "hello from the fleet"), rose(1002, 1, False), rose(1003, 3, True))

                received = [parse(json.dumps(frame)) for frame in await tikfinity.json_until(is_gift(1003))]
                hello = next(r for r in received if r.event == "chat" and r.data["msgId"] == "1001")
                assert (hello.data["comment"], hello.data["msgId"], hello.sender) == (
                    "hello from the fleet",
                    "1001",
                    "fan42",
                )
                gift = next(r for r in received if r.event == "gift" and r.data["msgId"] == "1003")
                assert (gift.data["giftName"], gift.data["repeatCount"], gift.data["repeatEnd"]) == ("Rose", 3, True)

                overlay = await messages_until(alerts, lambda m: m["type"] == "Stats" and m["event"]["diamonds"] == 3)
                streaks = [m["event"] for m in overlay if m["type"] == "GiftStreak"]
                assert [(s["gift"]["name"], s["count"], s["diamonds"]) for s in streaks] == [("Rose", 3, 3)]
                assert {m["creator"] for m in overlay} == {"alice"}

                stream = await messages_until(ours, lambda m: m["event"].get("msg_id") == "1003")
                assert {m["creator"] for m in stream} == {"alice"}  # bob filtered out, though read first

                # The stream ends: the fleet's worker lets the room go; consumers get their streamEnd.
                sim.go_offline("alice")
                ended = await tikfinity.json_until(lambda m: m["event"] == "streamEnd")
                assert ended[-1]["creator"] == "alice"
                await wait_state(server, "alice", "ended")
                assert server.feeds["bob"].status["state"] == "live"

                # The broker restarts: every creator shows the error, then the status and the events come back.
                nats_server.stop()
                await wait_state(server, "bob", "error")
                nats_server.start()
                await wait_state(server, "bob", "live")
                sim.inject("bob", chat(2002, "after the restart"))
                chats = await messages_until(bob_chat, lambda m: m["event"]["msg_id"] == "2002")
                comments = {m["event"]["msg_id"]: m["event"]["comment"] for m in chats}
                assert (comments["2001"], comments["2002"]) == ("bob's room", "after the restart")
            cli.process.send_signal(signal.SIGINT)
            result = await cli.finish()
    assert result.returncode == 0


def is_gift(msg_id: int) -> Callable[[Any], bool]:
    return lambda m: m["event"] == "gift" and m["data"]["msgId"] == str(msg_id)


async def test_a_new_server_starts_at_new_events_and_a_restarted_one_resumes(nats_server: NatsServer) -> None:
    config = ServeConfig(port=0, fleet=FleetSource(nats_server.url, durable="resumes", status_interval=0.1))
    async with Fleet(nats_server.url) as fleet:
        await publish(fleet, "alice", 7, chat(1, "before the server"))
        async with EventServer(["alice"], config=config) as server:
            assert (await wait_state(server, "alice", "not_watched")) == {"state": "not_watched"}
            await fleet.add("alice")
            await wait_state(server, "alice", "waiting")  # watched, but no worker holds alice
            async with open_text_socket(server.url + "events?type=ChatEvent") as socket:
                await publish(fleet, "alice", 7, chat(2, "while it runs"))
                seen = await messages_until(socket, lambda m: m["event"]["msg_id"] == "2")
            assert [m["event"]["comment"] for m in seen] == ["while it runs"]
            assert server.feeds["alice"].status == {"state": "live", "room_id": "7"}  # from the event itself
        await publish(fleet, "alice", 7, chat(3, "while it was down"))
        async with EventServer(["alice"], config=config) as server:
            async with open_text_socket(server.url + "events?type=ChatEvent") as socket:
                seen = await messages_until(socket, lambda m: m["event"]["msg_id"] == "3")
    assert [m["event"]["comment"] for m in seen] == ["while it was down"]


async def test_serve_refuses_fleet_options_that_do_not_fit() -> None:
    alone = await run_cli("serve", "--port", "0", "--fleet-watch", "alice")
    assert alone.returncode == 2 and "--fleet-watch adds the USERs to the watch list of the --fleet" in alone.stderr
    http = await run_cli("serve", "--port", "0", "--fleet", "http://user:hunter2@example.com:4222", "alice")
    assert http.returncode == 1 and "a fleet is reached at nats://HOST:PORT" in http.stderr
    assert "hunter2" not in http.stderr


async def test_a_fleet_source_refuses_trio_and_bad_urls() -> None:
    with pytest.raises(ServeConfigError, match=r"^a fleet is reached at nats://HOST:PORT"):
        FleetSource("http://user:hunter2@example.com")
    assert "hunter2" not in repr(FleetSource("nats://user:hunter2@example.com:4222"))


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_a_fleet_needs_asyncio(anyio_backend: str) -> None:
    config = ServeConfig(port=0, fleet=FleetSource("nats://127.0.0.1:1"))
    with pytest.raises(ServeConfigError, match="runs on asyncio"):
        async with EventServer(["alice"], config=config):
            pass
