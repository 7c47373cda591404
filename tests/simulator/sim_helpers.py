"""Helpers shared by the simulator tests: small scenarios, a guest ttwid, and a websocket session driver."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tiktok_webcast import protocol
from tiktok_webcast.protocol import PushFrame
from tiktok_webcast.simulator import (
    SCRIPT_PRESETS,
    ApiKey,
    Creator,
    Scenario,
    Script,
    ServerConfig,
    SignerConfig,
    Simulator,
    TimedEvent,
)

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
WS_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"
KEY = "test-api-key"


def scenario(
    *creators: Creator,
    server: ServerConfig | None = None,
    signer: SignerConfig | None = None,
    **extra: Any,
) -> Scenario:
    """A small, quiet scenario: by default one creator ``alice`` whose script does nothing."""
    if not creators:
        creators = (Creator("alice", nickname="Alice", script=SCRIPT_PRESETS["silent"]),)
    return Scenario(
        name="test",
        seed=5,
        creators=creators,
        server=server or ServerConfig(),
        signer=signer or SignerConfig(keys=(ApiKey(KEY, per_minute=100, pro=True),)),
        **extra,
    )


def chatty(username: str = "alice", *, rate: float = 20.0, **script: Any) -> Creator:
    """A creator whose room chats ``rate`` times per second (enough frames for ack tests)."""
    return Creator(username, script=dataclasses.replace(SCRIPT_PRESETS["silent"], chat=rate, **script))


def timeline(username: str, *events: TimedEvent, **script: Any) -> Creator:
    return Creator(username, script=Script(timeline=events, **script))


async def guest_ttwid(sim: Simulator) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.get(sim.urls.web + "/")
    return response.cookies["ttwid"]


def ws_url(sim: Simulator, room_id: int, **params: str) -> str:
    query = {"room_id": str(room_id), "compress": "gzip", "version_code": "180800", "aid": "1988", **params}
    return f"{sim.urls.ws}{WS_PATH}?" + "&".join(f"{k}={v}" for k, v in query.items())


class Session:
    """A websocket client speaking the push protocol with the engine's encoders."""

    def __init__(self, ws: ClientConnection, room_id: int) -> None:
        self.ws = ws
        self.room_id = room_id
        self.frames: list[PushFrame] = []
        self.hb_seq = 0

    async def heartbeat(self) -> None:
        self.hb_seq += 1
        await self.ws.send(protocol.encode_heartbeat(self.room_id, self.hb_seq))

    async def enter(self, cursor: str = "") -> None:
        await self.ws.send(protocol.encode_enter_room(self.room_id, enter_unique_id=77, cursor=cursor))

    async def next_frame(self, timeout: float = 5.0) -> PushFrame:
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(data, bytes)
        frame = protocol.decode_push_frame(data)
        self.frames.append(frame)
        return frame

    async def next_msg(self, timeout: float = 5.0, *, ack: bool = True) -> PushFrame:
        """The next ``msg`` frame (acked when it asks for it)."""
        while True:
            frame = await self.next_frame(timeout)
            if frame.payload_type == "msg":
                if ack and frame.ack is not None:
                    await self.ws.send(frame.ack)
                return frame

    async def events_until(self, predicate: Any, timeout: float = 5.0) -> list[Any]:
        events: list[Any] = []
        async with asyncio.timeout(timeout):
            while not any(predicate(e) for e in events):
                frame = await self.next_msg()
                events.extend(frame.events)
        return events


@asynccontextmanager
async def session(
    sim: Simulator,
    room_id: int,
    *,
    ttwid: str | None = None,
    enter: bool = True,
    headers: dict[str, str] | None = None,
    **params: str,
) -> AsyncIterator[Session]:
    cookie = ttwid if ttwid is not None else await guest_ttwid(sim)
    all_headers = {"Cookie": f"ttwid={cookie}", "User-Agent": UA, **(headers or {})}
    async with connect(
        ws_url(sim, room_id, **params),
        additional_headers=all_headers,
        user_agent_header=None,
        compression=None,
        ping_interval=None,
        max_size=32 << 20,
    ) as ws:
        client = Session(ws, room_id)
        if enter:
            await client.heartbeat()
            await client.enter()
        yield client
