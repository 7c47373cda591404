"""The simulated service's state: creators, their rooms over time, websocket sessions, guest identities, route
tokens handed out by fetches, and the fault timer. Every endpoint reads and changes this one object."""

from __future__ import annotations

import functools
import logging
import secrets
from dataclasses import dataclass, field

import anyio
import anyio.abc

from tiktok_webcast.events import Image, User
from tiktok_webcast.simulator.clock import SimClock
from tiktok_webcast.simulator.faults import TIMED_FAULTS, FaultBook
from tiktok_webcast.simulator.ids import IdSource, TtwidIssuer
from tiktok_webcast.simulator.malformed import malformed_frame
from tiktok_webcast.simulator.pack import BREAKAGES
from tiktok_webcast.simulator.replay import ReplayFrame, prepare_replay
from tiktok_webcast.simulator.rooms import CloseOrder, Room, RoomEnv, SilenceOrder
from tiktok_webcast.simulator.scenario import (
    Breakage,
    Creator,
    DropSocket,
    Fault,
    MalformedFrame,
    Offline,
    Scenario,
    UnknownMessage,
)
from tiktok_webcast.simulator.script import RoomScript, ViewerPool
from tiktok_webcast.simulator.sessions import RECENT_RECORDS, SessionRecord, keep_recent
from tiktok_webcast.simulator.urls import SimulatorUrls
from tiktok_webcast.trace import read_trace

__all__ = ["CreatorState", "RouteToken", "World"]

logger = logging.getLogger("tiktok_webcast.simulator")

MAX_SIGNATURES = 10_000
MAX_ROUTE_TOKENS = 10_000
"""Route tokens kept before the expired ones are dropped (in bulk, on the next fetch)."""


@dataclass
class CreatorState:
    creator: Creator
    user_id: int
    host: User
    room: Room | None = None
    """The current room, or the last one after the stream ended (None if never live)."""
    generation: int = 0
    room_ids: list[int] = field(default_factory=list)
    """The creator's rooms, oldest first (the newest ``RECENT_RECORDS``; older ones are forgotten)."""

    @property
    def live(self) -> bool:
        return self.room is not None and self.room.live

    @property
    def username(self) -> str:
        return self.creator.username


@dataclass(frozen=True, slots=True)
class RouteToken:
    """What a fetch handed out as ``route_params``: valid ``signed_url_ttl`` real seconds for one room."""

    room_id: int
    issued: float
    resume_seq: int | None


def _offset_ms(clock: SimClock, start: float, t: float) -> int:
    return clock.epoch_ms(start + t)


class World:
    def __init__(self, scenario: Scenario, *, urls: SimulatorUrls, clock: SimClock) -> None:
        self.scenario = scenario
        self.urls = urls
        self.clock = clock
        self.ids = IdSource(scenario.seed)
        self.ttwids = TtwidIssuer()
        self.faults = FaultBook(scenario.faults, clock)
        self.env = RoomEnv(clock, self.ids, scenario.server, urls.ws, urls.media)
        self.viewers = ViewerPool(self.ids, urls.media, pay_grade=scenario.server.pay_grade)
        self.creators: dict[str, CreatorState] = {}
        self.by_user_id: dict[int, CreatorState] = {}
        self.rooms: dict[int, Room] = {}
        self.sessions: list[SessionRecord] = []
        """Every open session and the newest closed ones (``push.MAX_CLOSED_SESSIONS``), oldest first."""
        self.closed_sessions = 0
        """Closed records in ``sessions`` (at least; pruning resets it)."""
        self.route_tokens: dict[str, RouteToken] = {}
        self.signatures: dict[str, None] = {}
        """X-Bogus values the signer issued (the newest ``MAX_SIGNATURES``), checked on ``signed_paths``."""
        self.rooms_by_stream: dict[int, Room] = {}
        self.switches: dict[str, str] = {}
        """Fault-pack switches that are on: name -> creator it is limited to ('' = every room)."""
        self._replay: tuple[ReplayFrame, ...] | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        for creator in scenario.all_creators():
            self._add_creator(creator)
        if scenario.replay is not None:
            trace = read_trace(scenario.replay.trace)
            self._replay = prepare_replay(trace.server_frames())
            meta_room = str(trace.header.meta.get("room_id") or "")
            room_id = scenario.replay.room_id or (int(meta_room) if meta_room.isdigit() else 0)
            name = scenario.replay.username
            self._add_creator(
                Creator(
                    username=name,
                    nickname=name.title(),
                    room_id=room_id,
                    title=f"Replay of {trace.header.created or 'a trace'}",
                )
            )

    # ------------------------------------------------------------------------------------------ lookups

    def _add_creator(self, creator: Creator) -> None:
        user_id = creator.user_id or self.ids.user_id(creator.username)
        host = User(
            id=user_id,
            username=creator.username,
            nickname=creator.nickname or creator.username,
            profile_picture=Image(urls=(f"{self.urls.media}/img/avatar/{user_id}.webp",), width=720, height=720),
            follower_count=creator.followers,
            following_count=creator.following,
            bio=creator.bio,
            verified=creator.verified,
            sec_uid=f"MS4wLjABAAAA{user_id:x}",
        )
        state = CreatorState(creator, user_id, host)
        self.creators[creator.username.lower()] = state
        self.by_user_id[user_id] = state

    def creator(self, name_or_id: str) -> CreatorState | None:
        """A creator by username (with or without '@', any case) or numeric user id."""
        key = name_or_id.strip().lstrip("@").lower()
        if key in self.creators:
            return self.creators[key]
        if key.isdigit():
            return self.by_user_id.get(int(key))
        return None

    def room(self, room_id: int | str | None) -> Room | None:
        try:
            return self.rooms.get(int(room_id or 0))
        except ValueError:
            return None

    def owner(self, room: Room) -> CreatorState:
        state = self.creator(room.creator.username)
        assert state is not None
        return state

    def live_rooms(self) -> list[Room]:
        return [r for r in self.rooms.values() if r.live]

    def rooms_named(self, name: str) -> list[Room]:
        """The live room of creator ``name``; every live room for ''."""
        if not name:
            return self.live_rooms()
        state = self.creator(name)
        return [state.room] if state is not None and state.room is not None and state.room.live else []

    def broken(self, name: str, username: str = "") -> bool:
        """Whether the fault-pack switch ``name`` is on (for ``username``'s room when given)."""
        room = self.switches.get(name)
        if room is None:
            return False
        return not room or not username or room.lower() == username.lower()

    def is_logged_in(self, cookies: dict[str, str]) -> bool:
        session = cookies.get("sessionid", "")
        allowed = self.scenario.server.session_ids
        return bool(session) and (not allowed or session in allowed)

    def remember_signature(self, x_bogus: str) -> None:
        signatures = self.signatures
        signatures[x_bogus] = None
        if len(signatures) > MAX_SIGNATURES:
            del signatures[next(iter(signatures))]

    def issue_route(self, room: Room, resume_seq: int | None) -> dict[str, str]:
        if len(self.route_tokens) > MAX_ROUTE_TOKENS:
            ttl = self.scenario.server.signed_url_ttl
            now = self.clock.real()
            self.route_tokens = {k: v for k, v in self.route_tokens.items() if now - v.issued <= ttl}
        token = secrets.token_urlsafe(24)
        self.route_tokens[token] = RouteToken(room.room_id, self.clock.real(), resume_seq)
        return {"wrss": token, "imprp": secrets.token_urlsafe(12)}

    def check_route(self, token: str, room_id: int) -> RouteToken | None:
        route = self.route_tokens.get(token)
        if route is None or route.room_id != room_id:
            return None
        if self.clock.real() - route.issued > self.scenario.server.signed_url_ttl:
            return None
        return route

    # ------------------------------------------------------------------------------------------ lifecycle

    def _open_room(self, state: CreatorState) -> Room:
        creator = state.creator
        if state.generation == 0 and creator.room_id:
            room_id = creator.room_id
        else:
            room_id = self.ids.room_id(creator.username, state.generation)
        started_at = self.clock.now()
        script = None
        if self._replay is None or self.scenario.replay is None or creator.username != self.scenario.replay.username:
            script = RoomScript(
                creator.script,
                seed=self.scenario.seed,
                room_id=room_id,
                host=state.host,
                ids=self.ids,
                viewers=self.viewers,
                epoch_ms=functools.partial(_offset_ms, self.clock, started_at),
                media_base=self.urls.media,
            )
        room = Room(
            room_id,
            creator,
            state.host,
            self.env,
            started_at,
            script=script,
            replay=None if script is not None else self._replay,
            replay_loop=bool(self.scenario.replay and self.scenario.replay.loop),
        )
        self.rooms[room_id] = room
        self.rooms_by_stream[room.stream_id] = room
        state.room = room
        if len(state.room_ids) >= RECENT_RECORDS:
            self._forget_room(state.room_ids[0])
        keep_recent(state.room_ids, room_id)
        logger.info("@%s is live in room %d", creator.username, room_id)
        return room

    def _forget_room(self, room_id: int) -> None:
        """Forgets an ended room that left its creator's ``room_ids`` (and its log): a creator who restarts for hours
        keeps the newest ``RECENT_RECORDS`` rooms, and an older id answers as a room that does not exist."""
        room = self.rooms.pop(room_id, None)
        if room is not None:
            self.rooms_by_stream.pop(room.stream_id, None)

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as tg:
            self._tg = tg
            for state in self.creators.values():
                if state.creator.live and state.creator.start_after <= 0:
                    tg.start_soon(self._open_room(state).run)
                elif state.creator.live:
                    tg.start_soon(self._start_later, state)
            tg.start_soon(self._fault_timer)
            task_status.started()

    async def open_and_run(self, state: CreatorState) -> None:
        room = self._open_room(state)
        await room.run()

    async def _start_later(self, state: CreatorState) -> None:
        await self.clock.sleep_until(state.creator.start_after)
        await self.open_and_run(state)

    def go_offline(self, name: str, duration: float | None) -> None:
        """Ends the creator's stream now; with ``duration``, they go live again (new room id) that much later."""
        state = self.creator(name)
        if state is None:
            raise KeyError(name)
        if state.room is not None:
            state.room.end_now()
        if duration is not None and self._tg is not None:
            self._tg.start_soon(self._come_back, state, duration)

    def go_live(self, name: str) -> None:
        """Starts a new stream for an offline creator (a new room id)."""
        state = self.creator(name)
        if state is None:
            raise KeyError(name)
        if state.live or self._tg is None:
            return
        if state.room is not None:
            state.generation += 1
        self._tg.start_soon(self._open_room(state).run)

    def restart(self, name: str) -> None:
        """Ends the creator's stream and starts a new one (a new room id) at once, as a real restart does."""
        self.go_offline(name, None)
        self.go_live(name)

    async def _come_back(self, state: CreatorState, duration: float) -> None:
        await anyio.sleep(self.clock.real_delay(duration))
        if not state.live:
            state.generation += 1
            await self.open_and_run(state)

    async def _fault_timer(self) -> None:
        for fault in FaultBook.timed(self.scenario.faults):
            await self.clock.sleep_until(fault.at)
            self.apply(fault)

    def add_fault(self, fault: Fault) -> None:
        """Arms a fault now: count-based ones wait for requests; timed ones (and fault-pack entries) act at once."""
        if isinstance(fault, TIMED_FAULTS):
            self.apply(fault)
        else:
            self.faults.add(fault)

    def apply(self, fault: Fault) -> None:
        """Fires a time-based fault now (the fault timer, or the control API)."""
        self.faults.record(fault)
        if isinstance(fault, DropSocket):
            for room in self.rooms_named(fault.room):
                room.deliver(CloseOrder(fault.mode, fault.code, fault.reason))
        elif isinstance(fault, MalformedFrame):
            for room in self.rooms_named(fault.room):
                room.deliver(malformed_frame(fault.variant, log_id=self.ids.log_id(), now_ms=self.clock.epoch_ms()))
        elif isinstance(fault, UnknownMessage):
            for room in self.rooms_named(fault.room):
                if room.script is not None:
                    t = self.clock.now() - room.started_at
                    room.publish([room.script.make_unknown(t, fault.method) for _ in range(fault.count)])
        elif isinstance(fault, Offline):
            self.go_offline(fault.room, fault.duration)
        elif isinstance(fault, Breakage):
            self._break(fault)
        else:
            self.faults.add(fault)

    def _break(self, fault: Breakage) -> None:
        info = BREAKAGES[fault.name]
        logger.info(
            "fault pack: %s %s%s",
            fault.name,
            "on" if info.kind == "switch" else "fired",
            f" for @{fault.room}" if fault.room else "",
        )
        if info.kind == "switch":
            self.switches[fault.name] = fault.room
            if fault.until > fault.at and self._tg is not None:
                self._tg.start_soon(self._switch_off_later, fault)
            return
        rooms = self.rooms_named(fault.room)
        if fault.name == "2026-09-10-close-4556":
            for room in rooms:
                room.deliver(CloseOrder("close", fault.code, "/webcast/fetch: 500 - A 500 error occurred"))
        elif fault.name == "2026-silent-socket":
            for room in rooms:
                room.deliver(SilenceOrder())
        elif fault.name == "2026-07-stream-ends-while-disconnected":
            for room in rooms:
                room.deliver(CloseOrder("abort"))
                room.end_now()

    def unbreak(self, name: str) -> bool:
        """Switches a fault-pack switch off; False if it was not on."""
        logger.info("fault pack: %s off", name)
        return self.switches.pop(name, None) is not None

    async def _switch_off_later(self, fault: Breakage) -> None:
        await self.clock.sleep_until(fault.until)
        if self.switches.get(fault.name) == fault.room:
            self.unbreak(fault.name)
