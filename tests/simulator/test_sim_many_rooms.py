"""One simulator process serves 1,000 live rooms with a websocket session open on each, in bounded time."""

from __future__ import annotations

import asyncio
import resource
import time

import anyio
import pytest
from sim_helpers import UA, guest_ttwid, ws_url
from websockets.asyncio.client import ClientConnection, connect

from tiktok_webcast import protocol
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio

ROOMS = 1000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def enough_file_descriptors() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * ROOMS + 200  # both ends of every socket live in this process
    if soft < needed:
        assert hard == resource.RLIM_INFINITY or hard >= needed, f"RLIMIT_NOFILE hard limit {hard} < {needed}"
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


async def test_a_thousand_rooms_with_a_session_each() -> None:
    with anyio.fail_after(60):
        async with Simulator("many", ffmpeg=False) as sim:
            usernames = [c.username for c in sim.scenario.all_creators()]
            assert len(usernames) == ROOMS and all(sim.is_live(u) for u in usernames)
            ttwid = await guest_ttwid(sim)
            gate = asyncio.Semaphore(100)  # concurrent handshakes; sessions stay open regardless
            ready = anyio.Event()
            welcomed: list[int] = []

            async def watch(username: str, sockets: list[ClientConnection]) -> None:
                room_id = sim.room_id(username)
                async with gate:
                    ws = await connect(
                        ws_url(sim, room_id),
                        additional_headers={"Cookie": f"ttwid={ttwid}", "User-Agent": UA},
                        user_agent_header=None,
                        compression=None,
                        ping_interval=None,
                        open_timeout=30,
                    )
                    sockets.append(ws)
                    await ws.send(protocol.encode_heartbeat(room_id, 1))
                    await ws.send(protocol.encode_enter_room(room_id))
                    while True:
                        frame = protocol.decode_push_frame(await ws.recv())  # type: ignore[arg-type]
                        if frame.payload_type == "msg":
                            assert any(getattr(e, "id", None) == room_id for e in frame.events)  # the intro
                            break
                welcomed.append(room_id)
                if len(welcomed) == ROOMS:
                    ready.set()

            sockets: list[ClientConnection] = []
            start = time.monotonic()
            try:
                async with anyio.create_task_group() as tg:
                    for username in usernames:
                        tg.start_soon(watch, username, sockets)
                    await ready.wait()
                elapsed = time.monotonic() - start
                assert len(set(welcomed)) == ROOMS
                open_sessions = [s for s in sim.sessions if s.open]
                assert len(open_sessions) == ROOMS
                assert {s.room_id for s in open_sessions} == set(welcomed)
                assert elapsed < 45, f"{ROOMS} sessions took {elapsed:.1f}s"
            finally:
                await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            await sim.wait_until(lambda: not any(s.open for s in sim.sessions))
