"""Record a session into a trace (as the client's trace option does), then serve the trace as a room: the replayed
frames carry the same events, and acks are checked against the recorded frames."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import anyio
import httpx
import pytest
from sim_helpers import Session, scenario, session, timeline
from websockets.exceptions import ConnectionClosed

from tiktok_webcast import protocol
from tiktok_webcast.events import GiftEvent, UserEvent
from tiktok_webcast.simulator import Replay, Scenario, Simulator, SimulatorUrls, TimedEvent
from tiktok_webcast.trace import TraceWriter, read_trace

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


ROOM = timeline(
    "recorded",
    TimedEvent(at=0.3, type="chat", user="alice", comment="hello"),
    TimedEvent(at=0.4, type="gift", user="bob", gift="Rose", count=2),
    TimedEvent(at=0.5, type="like", user="carol", count=7),
    TimedEvent(at=0.6, type="unknown", method="WebcastAISummaryMessage", payload_hex="0a00"),
    TimedEvent(at=1.2, type="follow", user="dave"),
)


class RecordingSession:
    """Wraps a Session so every frame in and out is written to a trace."""

    def __init__(self, client: Session, trace: TraceWriter) -> None:
        self.client = client
        self.trace = trace

    async def send(self, data: bytes) -> None:
        self.trace.ws("out", data)
        await self.client.ws.send(data)

    async def receive(self) -> protocol.PushFrame:
        data = await self.client.ws.recv()
        assert isinstance(data, bytes)
        self.trace.ws("in", data)
        return protocol.decode_push_frame(data)


def is_follow(event: Any) -> bool:
    return isinstance(event, UserEvent) and event.user is not None and event.user.username == "dave"


async def collect(client: Session | RecordingSession, until: Any) -> list[Any]:
    events: list[Any] = []
    while not any(until(e) for e in events):
        if isinstance(client, RecordingSession):
            frame = await client.receive()
            if frame.payload_type == "msg" and frame.ack is not None:
                await client.send(frame.ack)
        else:
            frame = await client.next_msg()
        if frame.payload_type == "msg":
            events.extend(frame.events)
    return events


async def test_record_then_replay_reproduces_the_events(tmp_path: Path) -> None:
    path = tmp_path / "session.trace.jsonl"
    with anyio.fail_after(20):
        async with Simulator(scenario(ROOM)) as sim:
            room_id = sim.room_id("recorded")
            with TraceWriter(path, meta={"room_id": room_id, "unique_id": "recorded"}) as trace:
                async with session(sim, room_id, enter=False) as client:
                    recorder = RecordingSession(client, trace)
                    await recorder.send(protocol.encode_heartbeat(room_id, 1))
                    await recorder.send(protocol.encode_enter_room(room_id))
                    original = await collect(recorder, is_follow)
        recorded = read_trace(path)
        assert recorded.header.meta["room_id"] == room_id
        assert {r.dir for r in recorded.frames} == {"in", "out"}
        assert any(isinstance(e, GiftEvent) and e.repeat_end for e in original)

        replay = Scenario(name="replay", replay=Replay(trace=str(path), username="replayed"), speed=2.0)
        async with Simulator(replay) as sim:
            assert sim.room_id("replayed") == room_id  # taken from the trace header
            async with session(sim, room_id) as client:
                replayed = await collect(client, is_follow)
            record = sim.sessions[-1]
            await sim.wait_until(lambda: len(record.acks) >= 1)
            assert all(a.expected for a in record.acks)
    assert replayed == original


async def test_replay_via_toml(tmp_path: Path) -> None:
    trace_path = tmp_path / "t.jsonl"
    with TraceWriter(trace_path, meta={"room_id": "7300000000000000099"}) as trace:
        result = protocol.encode_fetch_response([], cursor="c", internal_ext="ie", need_ack=True)
        trace.ws("in", protocol.encode_push_frame(result, log_id=5))
    toml = tmp_path / "replay.toml"
    toml.write_text('name = "r"\n[replay]\ntrace = "t.jsonl"\nusername = "old_show"\n')
    async with Simulator(toml) as sim:
        assert sim.room_id("old_show") == 7300000000000000099
        async with session(sim, 7300000000000000099) as client:
            frame = await client.next_msg()
            assert frame.log_id == 5 and frame.internal_ext == "ie"


def burst_trace(path: Path, frames: int = 200) -> None:
    """A trace whose frames were all recorded at the same instant (a replay sends them without waiting)."""
    with TraceWriter(path, meta={"room_id": "7300000000000000077"}) as trace:
        for i in range(frames):
            result = protocol.encode_fetch_response([], cursor=f"c{i}", internal_ext=f"ie{i}", need_ack=True)
            trace.ws("in", protocol.encode_push_frame(result, log_id=i + 1, gzip=bool(i % 2)))


async def test_replay_room_ends_after_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "burst.jsonl"
    burst_trace(path, frames=5)
    with anyio.fail_after(15):
        async with Simulator(Scenario(name="r", replay=Replay(trace=str(path), username="old_show"))) as sim:
            room_id = sim.room_id("old_show")
            async with session(sim, room_id) as client:
                # Frames recorded at one instant go out in one write, and the close right after them: no ack of
                # ours can arrive in between.
                frames = [await client.next_msg(ack=False) for _ in range(5)]
                assert [f.internal_ext for f in frames] == [f"ie{i}" for i in range(5)]  # gzip ones read too
                with pytest.raises(ConnectionClosed) as closed:
                    await client.next_msg()
            assert closed.value.rcvd is not None and closed.value.rcvd.reason == "live ended"
            assert not sim.is_live("old_show")
            # The acks the recording asked for, read from its frames' headers.
            assert sim.sessions[-1].unacked == {i + 1: f"ie{i}" for i in range(5)}


@contextmanager
def simulator_process(scenario_path: Path) -> Iterator[SimulatorUrls]:
    """A simulator in its own process: one that spins without a checkpoint must not starve the test's loop too."""
    command = [sys.executable, "-m", "tiktok_webcast.simulator", "--scenario", str(scenario_path), "--json"]
    process = subprocess.Popen([*command, "--no-media"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        yield SimulatorUrls(**{key: urls[key] for key in ("web", "webcast", "ws", "signer", "media")})
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


async def test_looping_replay_does_not_starve_the_server_after_its_client_leaves(tmp_path: Path) -> None:
    burst_trace(tmp_path / "one.jsonl", frames=1)
    toml = tmp_path / "loop.toml"
    toml.write_text('name = "r"\n[replay]\ntrace = "one.jsonl"\nusername = "old_show"\nloop = true\n')
    with simulator_process(toml) as urls, anyio.fail_after(20):
        sim = cast(Simulator, SimpleNamespace(urls=urls))  # what the session helper reads
        async with session(sim, 7300000000000000077) as client:
            await client.next_msg()
        async with httpx.AsyncClient(timeout=5) as http:
            for _ in range(5):  # the server keeps answering: the replay stopped with its client
                answer = await http.get(urls.web + "/api-live/user/room/", params={"uniqueId": "old_show"})
                assert answer.json()["data"]["user"]["status"] == 2  # a looping replay never ends by itself


async def test_looping_replay_of_frames_it_never_sends_does_not_spin(tmp_path: Path) -> None:
    path = tmp_path / "heartbeats.jsonl"
    with TraceWriter(path, meta={"room_id": "7300000000000000078"}) as trace:
        for _ in range(3):  # only heartbeat replies: the server answers those itself, so none is replayed
            trace.ws("in", protocol.encode_push_frame(b"\x08\x01", payload_type="hb"))
    replay = Replay(trace=str(path), username="old_show", loop=True)
    with anyio.fail_after(20):
        async with Simulator(Scenario(name="r", replay=replay)) as sim:
            room_id = sim.room_id("old_show")
            async with session(sim, room_id) as client, httpx.AsyncClient() as http:
                await sim.wait_until(lambda: bool(sim.sessions) and sim.sessions[-1].entered == [room_id])
                answer = await http.get(sim.urls.web + "/api-live/user/room/", params={"uniqueId": "old_show"})
                assert answer.status_code == 200
                assert (await client.next_frame()).payload_type == "hb"  # its own heartbeat answered
