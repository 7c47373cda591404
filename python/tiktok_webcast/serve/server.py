"""``EventServer``: follows creators (or takes their events from a fleet, ``ServeConfig.fleet``) and serves their
events to overlays, TikFinity consumers, SSE, webhooks and a log, all from one process and one port.

::

    async with EventServer(["someone"]) as server:
        print(server.url)          # ws://127.0.0.1:21213/ for TikFinity tools, /events for ours, /overlays/...
        await server.serve_forever()
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Sequence
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import anyio.abc
import sniffio
from hypercorn.config import Config as HypercornConfig

from tiktok_webcast._client import TikTok
from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.serve.app import build_app
from tiktok_webcast.serve.config import ServeConfig, ServeConfigError
from tiktok_webcast.serve.creators import follow_creator
from tiktok_webcast.serve.feed import CreatorFeed
from tiktok_webcast.serve.front import serve_front
from tiktok_webcast.serve.hub import Hub
from tiktok_webcast.serve.jsonlog import write_log
from tiktok_webcast.serve.message import Message
from tiktok_webcast.serve.peer import RawPeer
from tiktok_webcast.serve.rehearsal import RehearsalError, rehearse
from tiktok_webcast.serve.streams import serve_peer
from tiktok_webcast.serve.testevents import make_test_event
from tiktok_webcast.serve.webhooks import WebhookStats, deliver_webhook

__all__ = ["EventServer", "ServerMetrics"]

logger = logging.getLogger("tiktok_webcast.serve")

TICK = 0.25
"""How often open gift streaks are checked and changed totals published."""
TEST_CREATOR = "test"
BACKLOG = 1024
SHUTDOWN_GRACE = 1.0


class ServerMetrics:
    """Counters, and (when ``keep_latencies`` is set, as the benchmark does) the delay from an event reaching the
    server to its websocket send finishing."""

    def __init__(self) -> None:
        self.sent = 0
        """Messages delivered to websocket and SSE clients."""
        self.sends = 0
        """Websocket messages written (a batched stream's JSON array of many events is one)."""
        self.keep_latencies = False
        self.latencies: deque[float] = deque(maxlen=1_000_000)

    def record_latency(self, message: Message) -> None:
        self.sent += 1
        if self.keep_latencies:
            self.latencies.append(time.perf_counter() - message.created)


def _app_socket() -> socket.socket:
    """The HTTP app's own socket, on loopback: the front door passes it everything but the streams' websockets. (A
    local process could connect to it directly; the app checks the token itself, as before.)"""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class EventServer:
    """Serves the events of ``creators`` (usernames) until the ``async with`` block ends.

    ``client`` is the :class:`TikTok` to follow them with (default: one with default options, closed at the end).
    With ``config.fleet`` the events come from that fleet instead, and no client is made: the creators filter
    them (none: every creator the fleet publishes).
    ``trace`` is a recorded trace the rehearsal can replay into the overlays.
    """

    def __init__(
        self,
        creators: Sequence[str] = (),
        *,
        config: ServeConfig | None = None,
        client: TikTok | None = None,
        trace: str | Path | None = None,
        rehearsal_client_options: dict[str, Any] | None = None,
    ) -> None:
        self.config = config or ServeConfig()
        names = [name.strip().lstrip("@") for name in creators]
        if any(not name for name in names):
            raise ServeConfigError("an empty creator name")
        self.creators = tuple(dict.fromkeys(names))
        self.hub = Hub()
        self.metrics = ServerMetrics()
        self.feeds: dict[str, CreatorFeed] = {
            name: CreatorFeed(name, self.hub.publish, streak_expiry=self.config.streak_expiry) for name in self.creators
        }
        self.trace = Path(trace) if trace is not None else None
        self.webhook_stats = [WebhookStats(webhook.url) for webhook in self.config.webhooks]
        self._client = client
        self._owns_client = client is None
        self._rehearsal_options = rehearsal_client_options or {}
        self._port = 0
        self._tasks: anyio.abc.TaskGroup | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._rehearsal: anyio.CancelScope | None = None
        self._rehearsal_feed: CreatorFeed | None = None
        self._stopped = anyio.Event()
        self._http_stopped = anyio.Event()
        self._http_scope = anyio.CancelScope(shield=True)

    def __repr__(self) -> str:
        return f"EventServer(creators={list(self.creators)!r}, host={self.config.host!r}, port={self.port})"

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def __aenter__(self) -> EventServer:
        listener = await self._listen()
        app_socket = _app_socket()
        stack = contextlib.AsyncExitStack()
        try:
            following = self._fleet_task() if self.config.fleet is not None else None
            if self._client is None and following is None:
                self._client = await stack.enter_async_context(TikTok())
            self._tasks = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(self._tasks.cancel_scope.cancel)
            stack.push_async_callback(self._stop_http)
            app_port = app_socket.getsockname()[1]
            self._tasks.start_soon(self._serve_http, app_socket.detach())
            self._tasks.start_soon(serve_front, listener, app_port, self._serve_stream, self.config.max_message_size)
            if following is not None:
                self._tasks.start_soon(following)
            else:
                assert self._client is not None
                for name, feed in self.feeds.items():
                    self._tasks.start_soon(follow_creator, self._client, name, feed, self.config.polling)
            self._tasks.start_soon(self._tick)
            if self.config.log_path:
                self._tasks.start_soon(write_log, self.hub, Path(self.config.log_path))
            for webhook, stats in zip(self.config.webhooks, self.webhook_stats, strict=True):
                self._tasks.start_soon(deliver_webhook, self.hub, webhook, stats)
        except BaseException:
            app_socket.close()
            await listener.aclose()
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.__aexit__(exc_type, exc, tb)

    async def serve_forever(self) -> None:
        await self._stopped.wait()

    def _fleet_task(self) -> Callable[[], Coroutine[Any, Any, None]]:
        """The task that takes every creator's events from the fleet (imported here: nats-py is the [fleet] extra)."""
        source = self.config.fleet
        assert source is not None
        if sniffio.current_async_library() != "asyncio":
            raise ServeConfigError("a fleet is read with nats-py, which runs on asyncio: run the server there")
        try:
            from tiktok_webcast.serve.fromfleet import follow_fleet
        except ImportError as error:
            raise ServeConfigError(f"a fleet needs nats-py: pip install 'tiktok-webcast[fleet]' ({error})") from None

        def feeds() -> Iterable[CreatorFeed]:
            return list(self.feeds.values())

        return functools.partial(follow_fleet, source, self.creators, self._fleet_feed, feeds, self.config.polling)

    def _fleet_feed(self, username: str) -> CreatorFeed | None:
        """The feed of a creator the fleet published: one of ours (case aside), or, serving everyone, a new one."""
        key = username.lower()
        for name, feed in self.feeds.items():
            if name.lower() == key:
                return feed
        if self.creators or not username:
            return None
        feed = CreatorFeed(username, self.hub.publish, streak_expiry=self.config.streak_expiry)
        self.feeds[username] = feed
        return feed

    async def _listen(self) -> anyio.abc.Listener[anyio.abc.SocketStream]:
        """The public port, listening now: clients that connect before the front door runs wait in the backlog."""
        host, port = self.config.host, self.config.port
        try:
            listener = await anyio.create_tcp_listener(local_host=host, local_port=port, backlog=BACKLOG)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeConfigError(
                    f"port {port} on {host} is in use (TikFinity itself, or another server?): choose --port"
                ) from None
            raise ServeConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        self._port = listener.extra(anyio.abc.SocketAttribute.local_port)
        return listener

    async def _serve_stream(self, peer: RawPeer, tikfinity: bool) -> None:
        await serve_peer(self, peer, tikfinity=tikfinity)

    async def _serve_http(self, fd: int) -> None:
        config = HypercornConfig()
        config.bind = [f"fd://{fd}"]
        config.websocket_max_message_size = self.config.max_message_size
        config.h11_max_incomplete_size = 16 * 1024
        config.accesslog = None
        config.errorlog = logging.getLogger("tiktok_webcast.serve.http")
        config.graceful_timeout = SHUTDOWN_GRACE
        config.backlog = BACKLOG
        config.include_server_header = False
        app = build_app(self)
        # Stopped through its shutdown trigger, not by cancellation: hypercorn's asyncio worker fails with an
        # InvalidStateError when cancelled (a Ctrl-C cancels everything around the server). The shield is lifted
        # only if the trigger did not stop it in time (see _stop_http).
        try:
            with self._http_scope:
                if sniffio.current_async_library() == "trio":
                    from hypercorn.trio import serve as serve_trio

                    await serve_trio(app, config, shutdown_trigger=self._stopped.wait, mode="asgi")  # type: ignore[arg-type]
                else:
                    from hypercorn.asyncio import serve as serve_asyncio

                    await serve_asyncio(app, config, shutdown_trigger=self._stopped.wait, mode="asgi")  # type: ignore[arg-type]
        finally:
            self._http_stopped.set()

    async def _stop_http(self) -> None:
        self._stopped.set()
        with anyio.move_on_after(SHUTDOWN_GRACE + 2, shield=True):
            await self._http_stopped.wait()
        self._http_scope.cancel()

    async def _tick(self) -> None:
        while True:
            await anyio.sleep(TICK)
            for feed in self._all_feeds():
                feed.tick()

    def _all_feeds(self) -> Iterable[CreatorFeed]:
        yield from self.feeds.values()
        if self._rehearsal_feed is not None:
            yield self._rehearsal_feed

    # -- what clients see ---------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """The TikFinity-format websocket."""
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"ws://{host}:{self._port}/"

    @property
    def http_url(self) -> str:
        return "http" + self.url.removeprefix("ws").rstrip("/")

    def overlay_file(self, name: str) -> Path:
        return Path(str(resources.files("tiktok_webcast.serve") / "overlays" / name))

    def snapshot(self) -> list[Message]:
        """The current status, room and totals of every creator, sent to each client as it connects."""
        return [message for feed in self._all_feeds() for message in feed.snapshot()]

    def status(self) -> dict[str, Any]:
        subscribers = self.hub.subscribers
        return {
            "creators": {name: feed.status for name, feed in self.feeds.items()},
            "rehearsal": self._rehearsal_feed.creator if self._rehearsal_feed is not None else None,
            "clients": len(subscribers),
            "dropped": sum(s.dropped for s in subscribers),
            "subscribers": [
                {"kind": s.name, "queued": s.pending, "delivered": s.delivered, "dropped": s.dropped}
                for s in subscribers
            ],
            "published": self.hub.published,
            "webhooks": [stats.as_json() for stats in self.webhook_stats],
            "sent": self.metrics.sent,
        }

    def publish_event(self, creator: str, event: object, *, rehearsal: bool = False) -> None:
        """Publishes ``event`` as ``creator``'s (streaks and totals included), as if it came from their stream."""
        feed = self.feeds.get(creator)
        if feed is None or feed.rehearsal != rehearsal:
            feed = self._extra_feed(creator, rehearsal)
        feed.handle(event)

    def _extra_feed(self, creator: str, rehearsal: bool) -> CreatorFeed:
        if self._rehearsal_feed is not None and self._rehearsal_feed.creator == creator:
            return self._rehearsal_feed
        feed = CreatorFeed(creator, self.hub.publish, streak_expiry=self.config.streak_expiry, rehearsal=rehearsal)
        self._rehearsal_feed = feed
        return feed

    def send_test_event(self, kind: str, params: dict[str, Any], *, creator: str | None = None) -> Message:
        """A made-up event of ``kind`` (gift, follow, chat, like, ...) for ``creator`` (default: the first one),
        marked as a rehearsal."""
        name = creator or (self.creators[0] if self.creators else TEST_CREATOR)
        event = make_test_event(kind, params, gift_image="/overlays/gift.svg")
        message = Message.of_event(name, event, rehearsal=True)
        feed = self.feeds.get(name)
        if feed is not None:
            rehearsal_feed = CreatorFeed(name, self.hub.publish, rehearsal=True)
            rehearsal_feed.stats = feed.stats  # test gifts show in the same totals as real ones
            rehearsal_feed.handle(event)
            rehearsal_feed.tick()
        else:
            self.publish_event(name, event, rehearsal=True)
            self._extra_feed(name, True).tick()
        return message

    # -- rehearsal ----------------------------------------------------------------------------------------------

    def start_rehearsal(self, source: str, *, seconds: float | None = None) -> dict[str, Any]:
        """Plays the simulator's demo stream (``"demo"``) or the server's trace (``"trace"``) into the overlays,
        as rehearsal messages, for ``seconds`` or until :meth:`stop_rehearsal`."""
        if self._tasks is None:
            raise RehearsalError("the server is not running")
        if source == "trace" and self.trace is None:
            raise RehearsalError("no trace to replay: start the server with --rehearse-trace FILE")
        if self._rehearsal is not None:
            raise RehearsalError("a rehearsal is already running: stop it first")
        scope = anyio.CancelScope()
        self._rehearsal = scope
        trace = self.trace if source == "trace" else None
        self._tasks.start_soon(self._run_rehearsal, scope, trace, seconds)
        return {"source": source, "seconds": seconds}

    def stop_rehearsal(self) -> bool:
        scope = self._rehearsal
        if scope is None:
            return False
        scope.cancel()
        return True

    async def _run_rehearsal(self, scope: anyio.CancelScope, trace: Path | None, seconds: float | None) -> None:
        def feed_for(username: str) -> CreatorFeed:
            feed = CreatorFeed(username, self.hub.publish, streak_expiry=self.config.streak_expiry, rehearsal=True)
            self._rehearsal_feed = feed
            return feed

        try:
            with scope:
                if seconds is not None:
                    scope.deadline = anyio.current_time() + seconds
                await rehearse(feed_for, trace=trace, client_options=self._rehearsal_options)
        except WebcastError as error:
            logger.warning("rehearsal failed: %s", error)
        finally:
            if self._rehearsal_feed is not None:
                self._rehearsal_feed.stream_ended()
                self._rehearsal_feed.set_status("ended")
            self._rehearsal = None
            self._rehearsal_feed = None
