"""The :class:`Simulator`: an async context manager that serves a scenario on five local base URLs.

::

    async with Simulator("demo") as sim:
        sim.urls.web      # http://127.0.0.1:PORT  stands for https://www.tiktok.com
        sim.urls.webcast  # https://webcast.tiktok.com
        sim.urls.ws       # wss://webcast-ws.tiktok.com
        sim.urls.signer   # https://api.eulerstream.com
        sim.urls.media    # the pull CDN

It runs on whichever anyio backend is running (trio or asyncio). Besides serving, it exposes what it saw
(:attr:`sessions`, :meth:`acks`, :meth:`heartbeats`) and lets a test steer it (:meth:`inject`, :meth:`end_stream`,
:meth:`go_offline`, :meth:`restart_stream`, :meth:`drop_sockets`, :meth:`add_fault`, the dated fault pack with
:meth:`breakage` / :meth:`fix`...), also over HTTP on a running simulator (``/_sim/``, see :mod:`.control`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import anyio
import anyio.abc

from tiktok_webcast.simulator.clock import SimClock
from tiktok_webcast.simulator.control import CONTROL_PREFIX, ControlApi
from tiktok_webcast.simulator.http import Handler, Request, Response, Upgrade
from tiktok_webcast.simulator.loader import load_scenario, parse_fault
from tiktok_webcast.simulator.malformed import VARIANTS, malformed_frame
from tiktok_webcast.simulator.media import MediaHost, find_ffmpeg
from tiktok_webcast.simulator.push import WS_PATH, PushService
from tiktok_webcast.simulator.rest import WebcastHost
from tiktok_webcast.simulator.scenario import DropSocket, Fault, Scenario, SimulatorError
from tiktok_webcast.simulator.server import Listener, TlsMaterial, make_tls, open_listener
from tiktok_webcast.simulator.sessions import AckRecord, HeartbeatRecord, SessionRecord
from tiktok_webcast.simulator.signer import SignerHost
from tiktok_webcast.simulator.urls import FALLBACK_PATH, SimulatorUrls
from tiktok_webcast.simulator.web import WebHost
from tiktok_webcast.simulator.world import World

__all__ = ["HOSTS", "Simulator"]

logger = logging.getLogger("tiktok_webcast.simulator")

HOSTS = ("web", "webcast", "ws", "signer", "media")


_SIGNER_PATHS = ("/webcast/fetch", "/webcast/sign_url", "/webcast/rate_limits")


def _host_for(path: str) -> str:
    """Which simulated host serves ``path`` when every host shares one port (no real path is served by two)."""
    trimmed = path.rstrip("/")
    if trimmed in (WS_PATH.rstrip("/"), FALLBACK_PATH.rstrip("/")):
        return "ws"
    if trimmed in _SIGNER_PATHS:
        return "signer"
    if path.startswith(("/stage/", "/img/")):
        return "media"
    if path.startswith("/webcast/"):
        return "webcast"
    return "web"


def _route_by_path(handlers: dict[str, Handler]) -> Handler:
    async def handle(request: Request) -> Response | Upgrade:
        return await handlers[_host_for(request.path)](request)

    return handle


def _with_control(handler: Handler, control: ControlApi) -> Handler:
    """Every host also answers the control API under ``/_sim/``."""

    async def handle(request: Request) -> Response | Upgrade:
        if request.path.startswith(CONTROL_PREFIX) or request.path == CONTROL_PREFIX.rstrip("/"):
            return await control.handle(request)
        logger.info("%s %s", request.method, request.path)
        return await handler(request)

    return handle


class Simulator:
    """Serves a scenario (a :class:`Scenario`, a bundled name like ``"demo"``, or a TOML path) until the block ends.

    ``port`` 0 picks free ports; otherwise the five hosts use ``port`` .. ``port + 4`` in the order web, webcast,
    ws, signer, media. ``tls`` serves https/wss with a throwaway CA (:attr:`ca_pem_path`, :meth:`ssl_context`).
    ``speed`` overrides the scenario's. ``ffmpeg``: True finds it on PATH, False disables video, or a path.
    ``single_port`` serves every host on one port (``port``), routed by path, so one base URL reaches them all.
    ``optimistic`` (None: the scenario's) makes it kinder than TikTok (guests poll, browse the feed, get gift lists).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "demo",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        speed: float | None = None,
        ffmpeg: str | bool = True,
        optimistic: bool | None = None,
        single_port: bool = False,
    ) -> None:
        last = 65535 if single_port else 65535 - len(HOSTS) + 1
        if not 0 <= port <= last:
            raise SimulatorError(f"port must be between 0 and {last}, got {port}")
        self._optimistic = optimistic
        self._single_port = single_port
        self._spec = scenario
        self._host = host
        self._port = port
        self._tls_enabled = tls
        self._speed = speed
        self._ffmpeg_setting = ffmpeg
        self._stack: contextlib.AsyncExitStack | None = None
        self._tls: TlsMaterial | None = None
        self._world: World | None = None
        self._media: MediaHost | None = None
        self._signer: SignerHost | None = None
        self._urls: SimulatorUrls | None = None
        self.scenario: Scenario = Scenario()

    def __repr__(self) -> str:
        state = f"serving {self._urls.web}" if self._urls else "not started"
        return f"<Simulator {self.scenario.name!r} {state}>"

    # ------------------------------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Simulator:
        scenario = load_scenario(self._spec)
        if self._speed is not None:
            scenario = scenario.with_speed(self._speed)
        if self._optimistic is not None:
            scenario = dataclasses.replace(scenario, optimistic=self._optimistic)
        self.scenario = scenario.validate().effective()
        stack = contextlib.AsyncExitStack()
        await stack.__aenter__()
        try:
            await self._start(stack)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def _start(self, stack: contextlib.AsyncExitStack) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="tiktok-webcast-sim-"))
        stack.callback(shutil.rmtree, workdir, True)
        if self._tls_enabled:
            self._tls = make_tls(workdir)
        listeners: dict[str, Listener] = {}
        for i, name in enumerate(("all",) if self._single_port else HOSTS):
            port = self._port + i if self._port else 0
            try:
                listeners[name] = await open_listener(name, self._host, port, self._tls)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise SimulatorError(f"cannot listen on {self._host}:{port} ({name}): {reason}") from None
            stack.push_async_callback(listeners[name].listener.aclose)
        public = "127.0.0.1" if self._host in ("0.0.0.0", "::", "") else self._host

        def base(name: str, websocket: bool = False) -> str:
            return listeners["all" if self._single_port else name].base_url(public, websocket=websocket)

        self._urls = SimulatorUrls(
            web=base("web"),
            webcast=base("webcast"),
            ws=base("ws", websocket=True),
            signer=base("signer"),
            media=base("media"),
        )
        clock = SimClock(speed=self.scenario.speed, start_epoch=self.scenario.start_time)
        world = World(self.scenario, urls=self._urls, clock=clock)
        self._world = world
        media = MediaHost(world, ffmpeg=find_ffmpeg(self._ffmpeg_setting), workdir=workdir)
        self._media = media
        self._signer = SignerHost(world)
        control = ControlApi(world)
        handlers = {
            name: _with_control(handler, control)
            for name, handler in {
                "web": WebHost(world).handle,
                "webcast": WebcastHost(world).handle,
                "ws": PushService(world).handle,
                "signer": self._signer.handle,
                "media": media.handle,
            }.items()
        }
        tg = anyio.create_task_group()
        await stack.enter_async_context(tg)
        stack.callback(tg.cancel_scope.cancel)
        await tg.start(media.run)
        await tg.start(world.run)
        if self._single_port:
            handlers["all"] = _route_by_path(handlers)
        for name, listener in listeners.items():
            tg.start_soon(listener.serve, handlers[name])
        if not media.available and self._ffmpeg_setting is not False:
            logger.warning("ffmpeg not found: the media host answers 503 (everything else works)")

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            # The block's own exception is not the servers' business: shut down cleanly and let it propagate as is
            # (passing it into the task group would wrap it in an ExceptionGroup).
            await stack.__aexit__(None, None, None)

    # ------------------------------------------------------------------------------------------ what it serves

    def _need(self) -> World:
        if self._world is None:
            raise RuntimeError("the simulator is not running: use 'async with Simulator(...) as sim'")
        return self._world

    @property
    def urls(self) -> SimulatorUrls:
        self._need()
        assert self._urls is not None
        return self._urls

    @property
    def ca_pem_path(self) -> Path | None:
        """The throwaway CA certificate (PEM) clients must trust when ``tls=True``; None without TLS."""
        return self._tls.ca_path if self._tls is not None else None

    def ssl_context(self) -> ssl.SSLContext:
        """A client SSL context trusting the simulator's CA (``tls=True`` only)."""
        if self._tls is None:
            raise RuntimeError("the simulator was started without tls=True")
        return self._tls.client_context()

    @property
    def media_available(self) -> bool:
        return self._media is not None and self._media.available

    def room_id(self, username: str) -> int:
        """The current (or last) room id of a creator; KeyError if unknown or never live."""
        state = self._need().creator(username)
        if state is None or state.room is None:
            raise KeyError(username)
        return state.room.room_id

    def room_ids(self, username: str) -> list[int]:
        """Every room the creator has had, oldest first (offline-and-back makes new ones)."""
        state = self._need().creator(username)
        if state is None:
            raise KeyError(username)
        return list(state.room_ids)

    def is_live(self, username: str) -> bool:
        state = self._need().creator(username)
        return state is not None and state.live

    def now(self) -> float:
        """Scenario seconds since start."""
        return self._need().clock.now()

    # ------------------------------------------------------------------------------------------ what it saw

    @property
    def sessions(self) -> tuple[SessionRecord, ...]:
        """Every websocket session so far (open and closed), oldest first."""
        return tuple(self._need().sessions)

    def acks(self, room_id: int | None = None) -> list[AckRecord]:
        return [a for s in self._need().sessions for a in s.acks if room_id is None or a.room_id == room_id]

    def unacked(self, room_id: int | None = None) -> dict[int, str]:
        """``log_id -> internal_ext`` of frames sent with ``need_ack`` that no ack has matched yet."""
        return {
            log_id: ext
            for s in self._need().sessions
            if room_id is None or s.room_id == room_id
            for log_id, ext in s.pending_acks.items()
        }

    def heartbeats(self, room_id: int | None = None) -> list[HeartbeatRecord]:
        return [h for s in self._need().sessions for h in s.heartbeats if room_id is None or s.room_id == room_id]

    @property
    def signer_requests(self) -> int:
        return self._signer.requests if self._signer is not None else 0

    @property
    def fired_faults(self) -> list[Fault]:
        return list(self._need().faults.fired)

    async def wait_until(self, predicate: Callable[[], bool], *, poll: float = 0.02) -> None:
        """Returns once ``predicate()`` is true (checked every ``poll`` seconds); bound it with ``anyio.fail_after``."""
        while not predicate():  # noqa: ASYNC110 - the predicate reads arbitrary state; there is no event to wait on
            await anyio.sleep(poll)

    # ------------------------------------------------------------------------------------------ steering

    def _room(self, username: str) -> Any:
        state = self._need().creator(username)
        if state is None or state.room is None or not state.room.live:
            raise KeyError(f"{username!r} is not live")
        return state.room

    def inject(self, username: str, *events: Any) -> None:
        """Pushes these events to the creator's room now, in one frame (give them msg_id/timestamp yourself)."""
        self._room(username).publish(list(events))

    def end_stream(self, username: str) -> None:
        """Ends the stream now: ``ControlEvent(action=3)``, then the sockets close after ``end_grace``."""
        self._need().go_offline(username, None)

    def go_offline(self, username: str, duration: float | None = None) -> None:
        """Ends the stream; with ``duration`` (scenario seconds) the creator comes back live in a new room."""
        self._need().go_offline(username, duration)

    def go_live(self, username: str) -> None:
        """Starts a new stream (new room id) for a creator who is offline."""
        self._need().go_live(username)

    def drop_sockets(self, username: str = "", mode: Literal["abort", "close"] = "abort", code: int = 1011) -> None:
        """Cuts every websocket of the creator's room ('' = all rooms)."""
        self._need().apply(DropSocket(at=0.0, room=username, mode=mode, code=code))

    def send_malformed(self, username: str, variant: str = "garbage") -> None:
        """Sends a broken frame to every websocket of the room (variants: see ``MalformedFrame``)."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r} (one of {', '.join(VARIANTS)})")
        world = self._need()
        self._room(username).deliver(malformed_frame(variant, log_id=world.ids.log_id(), now_ms=world.clock.epoch_ms()))

    def add_fault(self, fault: Fault) -> None:
        """Arms a fault now: count-based ones (signer, handshake, HTTP) wait for requests; timed ones fire at once."""
        self._need().add_fault(fault)

    def breakage(self, name: str, *, room: str = "", code: int = 4556) -> None:
        """Turns a fault-pack switch on, or fires a fault-pack action (names: ``simulator.pack.BREAKAGES``);
        ``room`` limits it to one creator (KeyError if there is none by that name)."""
        if room and self._need().creator(room) is None:
            raise KeyError(room)
        self.add_fault(parse_fault({"kind": "breakage", "name": name, "room": room, "code": code}))

    def breakages(self) -> dict[str, str]:
        """The fault-pack switches that are on: name -> the creator it is limited to ('' = every room)."""
        return dict(self._need().switches)

    def fix(self, name: str) -> bool:
        """Switches a fault-pack switch off; False if it was not on."""
        return self._need().unbreak(name)

    def restart_stream(self, username: str) -> None:
        """Ends the stream and starts a new one at once (a new room id), as a creator restarting does."""
        self._need().restart(username)
