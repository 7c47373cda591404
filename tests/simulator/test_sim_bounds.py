"""The simulator's histories stay bounded however long it runs: a room's message log (by count and by age), each
session's records, the closed sessions kept, a creator's rooms, fired faults and issued signatures, while the counts
keep counting."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from sim_helpers import scenario, session

from tiktok_webcast import protocol
from tiktok_webcast.events import ChatEvent, User
from tiktok_webcast.simulator import Creator, RefuseHandshake, Simulator
from tiktok_webcast.simulator import push as push_module
from tiktok_webcast.simulator.clock import SimClock
from tiktok_webcast.simulator.faults import MAX_FIRED, FaultBook
from tiktok_webcast.simulator.ids import IdSource
from tiktok_webcast.simulator.rest import ROOM_NOT_FOUND
from tiktok_webcast.simulator.rooms import LOG_SIZE, LOG_WINDOW, Room, RoomEnv
from tiktok_webcast.simulator.scenario import ServerConfig
from tiktok_webcast.simulator.sessions import RECENT_RECORDS
from tiktok_webcast.simulator.urls import SimulatorUrls
from tiktok_webcast.simulator.world import MAX_ROUTE_TOKENS, MAX_SIGNATURES, World

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:9"
URLS = SimulatorUrls(BASE, BASE, BASE, BASE, BASE)


class SteppedClock(SimClock):
    """Real and scenario time that only move when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def real(self) -> float:
        return self.t


def quiet_room(clock: SimClock) -> Room:
    env = RoomEnv(clock, IdSource(3), ServerConfig(), BASE, BASE)
    return Room(4242, Creator("alice"), User(id=1, username="alice", nickname="Alice"), env, clock.now())


def chat(n: int) -> ChatEvent:
    return ChatEvent(comment=f"chat {n}", msg_id=n + 1)


def test_room_log_keeps_the_newest_log_size_messages_and_refuses_older_cursors() -> None:
    clock = SteppedClock()
    room = quiet_room(clock)
    first_seq = room.seq
    total = LOG_SIZE + 300
    for n in range(total):
        room.publish([chat(n)])
    assert len(room.log) == LOG_SIZE
    assert room.seq == first_seq + total
    assert room.log[0].seq == room.seq - LOG_SIZE + 1
    assert room.since(first_seq) is None  # its messages were dropped: a bootstrap, not a partial resume
    assert room.since(room.seq - LOG_SIZE - 1) is None
    resumed = room.since(room.seq - LOG_SIZE)
    assert resumed is not None and len(resumed) == LOG_SIZE
    assert len(room.history) == 50


def test_room_log_drops_messages_older_than_the_window() -> None:
    clock = SteppedClock()
    room = quiet_room(clock)
    for n in range(20):
        room.publish([chat(n), chat(100 + n)])
    before = room.seq
    clock.t += LOG_WINDOW / 2
    room.publish([chat(500)])
    assert len(room.log) == 41  # nothing old enough yet
    clock.t += LOG_WINDOW / 2 + 1
    room.publish([chat(501), chat(502)])
    assert [m.seq for m in room.log] == [before + 1, before + 2, before + 3]
    assert room.since(before - 1) is None
    assert [m.seq for m in room.since(before) or []] == [before + 1, before + 2, before + 3]
    assert len(room.history) == 43  # the comments replayed on connect do not depend on the log's window
    assert room.welcome(history_count=6, resume_seq=None).count == 3 + 6


def test_fired_faults_keep_the_newest_and_count_all() -> None:
    book = FaultBook((RefuseHandshake(count=0),), SteppedClock())
    total = MAX_FIRED + 25
    for _ in range(total):
        assert book.take(RefuseHandshake) is not None
    assert len(book.fired) == MAX_FIRED
    assert book.fired_count == total


def test_issued_signatures_keep_the_newest() -> None:
    world = World(scenario(), urls=URLS, clock=SteppedClock())
    for n in range(MAX_SIGNATURES + 10):
        world.remember_signature(f"bogus-{n}")
    assert len(world.signatures) == MAX_SIGNATURES
    assert "bogus-9" not in world.signatures and "bogus-10" in world.signatures
    assert f"bogus-{MAX_SIGNATURES + 9}" in world.signatures


def test_route_tokens_beyond_the_bound_forget_the_expired_ones() -> None:
    clock = SteppedClock()
    world = World(scenario(), urls=URLS, clock=clock)
    room = quiet_room(clock)
    old = [world.issue_route(room, None)["wrss"] for _ in range(MAX_ROUTE_TOKENS + 1)]
    clock.t += ServerConfig().signed_url_ttl / 2
    recent = world.issue_route(room, None)["wrss"]  # the bound is passed, but nothing has expired yet
    assert len(world.route_tokens) == MAX_ROUTE_TOKENS + 2
    clock.t += ServerConfig().signed_url_ttl / 2 + 1
    fresh = world.issue_route(room, None)["wrss"]
    assert set(world.route_tokens) == {recent, fresh}
    assert world.check_route(recent, room.room_id) is not None and world.check_route(old[-1], room.room_id) is None


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the `websockets` client


async def test_session_records_keep_the_newest_and_count_all() -> None:
    total = RECENT_RECORDS + 30
    with anyio.fail_after(30):
        async with Simulator(scenario()) as sim:
            room_id = sim.room_id("alice")
            async with session(sim, room_id, enter=False) as client:
                for _ in range(total):
                    await client.heartbeat()
                    await client.enter()
                    await client.ws.send(protocol.encode_ack(123, "not sent by the server"))
                    await client.ws.send("a text message")
                record = sim.sessions[-1]
                await sim.wait_until(
                    lambda: (
                        record.heartbeat_count == total
                        and record.enter_count == total
                        and record.ack_count == total
                        and record.unexpected_count == total
                    )
                )
                for _ in range(2 * total + 1):  # every reply and the welcome read: the close races no write
                    await client.next_frame()
            for history in (record.heartbeats, record.entered, record.enter_unique_ids, record.acks):
                assert len(history) == RECENT_RECORDS
            assert len(record.unexpected_frames) == RECENT_RECORDS
            assert [h.seq for h in record.heartbeats] == list(range(total - RECENT_RECORDS + 1, total + 1))
            assert not any(a.expected for a in record.acks)


async def test_closed_sessions_are_forgotten_beyond_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push_module, "MAX_CLOSED_SESSIONS", 2)
    with anyio.fail_after(30):
        async with Simulator(scenario()) as sim:
            room_id = sim.room_id("alice")
            for _ in range(9):
                async with session(sim, room_id) as client:
                    await client.next_msg()  # the welcome: the close is not racing its write
                await sim.wait_until(lambda: not any(s.open for s in sim.sessions))
            async with session(sim, room_id):
                await sim.wait_until(lambda: bool(sim.sessions[-1].entered))
                kept = sim.sessions
                assert 3 <= len(kept) <= 5  # the open one, and between 2 and 4 closed ones
                assert kept[-1].open and [s.id for s in kept] == sorted(s.id for s in kept)


async def test_an_open_session_is_kept_while_closed_ones_are_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push_module, "MAX_CLOSED_SESSIONS", 2)
    with anyio.fail_after(30):
        async with Simulator(scenario()) as sim:
            room_id = sim.room_id("alice")
            async with session(sim, room_id) as early:
                await early.next_msg()
                early_id = sim.sessions[-1].id
                for _ in range(9):
                    async with session(sim, room_id) as client:
                        await client.next_msg()
                        record = sim.sessions[-1]
                    await sim.wait_until(lambda record=record: not record.open)
                kept = sim.sessions
                oldest_open = kept[0].open  # records are live: read before the session closes
                sim.inject("alice", chat(1))
                delivered = await early.next_msg()
    assert 3 <= len(kept) <= 5  # the oldest, still open, and between 2 and 4 closed ones
    assert kept[0].id == early_id and oldest_open
    assert [e.comment for e in delivered.events] == ["chat 1"]


async def test_a_creator_keeps_the_newest_rooms_and_forgets_older_ones() -> None:
    with anyio.fail_after(30):
        async with Simulator(scenario(server=ServerConfig(end_grace=0.0))) as sim, httpx.AsyncClient() as http:
            assert sim.media_available

            async def info(room_id: int) -> dict[str, Any]:
                answer = await http.get(sim.urls.webcast + "/webcast/room/info/", params={"room_id": room_id})
                return dict(answer.json())

            async def stream(url: str) -> str:
                return (await http.get(url)).text  # an ended or unknown stream: answered without ffmpeg

            opened = [sim.room_id("alice")]
            videos = [(await info(opened[0]))["data"]["stream_url"]["flv_pull_url"]["SD1"]]
            for _ in range(RECENT_RECORDS + 2):
                sim.restart_stream("alice")
                opened.append(sim.room_id("alice"))
                videos.append((await info(opened[-1]))["data"]["stream_url"]["flv_pull_url"]["SD1"])
            remembered = sim.room_ids("alice")
            forgotten_newest, remembered_oldest, current = [await info(opened[i]) for i in (2, 3, -1)]
            forgotten_video, remembered_video = await stream(videos[2]), await stream(videos[3])
    assert len(set(opened)) == RECENT_RECORDS + 3
    assert remembered == opened[3:]
    assert forgotten_newest["status_code"] == ROOM_NOT_FOUND
    assert (remembered_oldest["status_code"], remembered_oldest["data"]["status"]) == (0, 4)  # ended
    assert (current["status_code"], current["data"]["status"]) == (0, 2)  # live
    assert (forgotten_video, remembered_video) == ("no such stream\n", "this LIVE has ended\n")


async def test_pending_acks_keep_the_newest() -> None:
    total = push_module.MAX_PENDING_ACKS + 40
    with anyio.fail_after(30):
        async with Simulator(scenario()) as sim:
            async with session(sim, sim.room_id("alice")) as client:
                await client.next_msg(ack=False)
                record = sim.sessions[-1]
                for n in range(total):
                    sim.inject("alice", chat(n))
                    await client.next_msg(ack=False)
                assert len(record.pending_acks) == push_module.MAX_PENDING_ACKS
                assert record.frames_sent == total + 1
                newest = client.frames[-1].log_id
                assert newest in record.pending_acks
