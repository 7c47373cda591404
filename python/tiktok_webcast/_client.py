"""The ``TikTok`` client: options, the HTTP calls of the seed library, and ``track_user``/``track_room``."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, get_args

import httpx

from tiktok_webcast._api import TikTokApi, normalize_username
from tiktok_webcast._checks import require_count, require_seconds
from tiktok_webcast._download import DownloadResult, Recording, download_stream, record_stream
from tiktok_webcast._http import DEFAULT_MAX_BODY_SIZE, USER_AGENT, CookieJar, HttpSession
from tiktok_webcast._live import Live
from tiktok_webcast._liveness import Liveness, LivenessCheck
from tiktok_webcast._proxy import ProxySettings, ProxyTransport
from tiktok_webcast._signer import Signer
from tiktok_webcast._ttwid import TtwidProvider
from tiktok_webcast._urls import BaseUrls
from tiktok_webcast._watch import Watch
from tiktok_webcast.exceptions import InvalidArgumentError, InvalidStateError, UserNotFoundError, UserOfflineError
from tiktok_webcast.models import LIVE_STATUS, FeedPage, GiftList, PriceList, RoomInfo, UserInfo
from tiktok_webcast.trace import TraceWriter

log = logging.getLogger("tiktok_webcast")

ConnectMode = Literal["auto", "signer_free", "signed", "polling"]


@dataclass(frozen=True)
class Options:
    """Everything ``TikTok(...)`` takes; see its docstring. Secrets are hidden from the repr."""

    signer_url: str | None = field(default=None, repr=False)  # may hold user:password@ (shown redacted in urls)
    signer_api_key: str | None = field(default=None, repr=False)
    signer_limits_validation: bool = True
    session_id: str | None = field(default=None, repr=False)
    share_session_with_signer: bool = False
    tt_target_idc: str | None = None
    ttwid: str | None = field(default=None, repr=False)
    proxy: str | None = field(default=None, repr=False)
    connect_mode: ConnectMode = "auto"
    experimental_events: bool = False
    include_history: bool = True
    extra_debug: bool = False
    log_requests: bool = False
    ws_trace: str | Path | None = None
    max_reconnects: int = 5
    backoff_base: float = 2.0
    backoff_max: float = 30.0
    heartbeat_interval: float = 10.0
    stale_timeout: float = 60.0
    connect_timeout: float = 20.0
    event_buffer: int = 1000
    max_response_size: int = DEFAULT_MAX_BODY_SIZE
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Refuses values the connection cannot work with, naming the option (:class:`InvalidArgumentError`)."""
        if self.connect_mode not in get_args(ConnectMode):
            choices = ", ".join(repr(mode) for mode in get_args(ConnectMode))
            raise InvalidArgumentError(f"connect_mode must be one of {choices}, not {self.connect_mode!r}")
        require_count(self.max_reconnects, "max_reconnects", minimum=0)
        require_count(self.event_buffer, "event_buffer", minimum=1)
        for name in ("backoff_base", "backoff_max", "heartbeat_interval", "stale_timeout", "connect_timeout"):
            require_seconds(getattr(self, name), name)


class TikTok:
    """A TikTok LIVE client.

    Use it as an async context manager (it owns its HTTP connections and any trace file)::

        async with TikTok() as tiktok:
            async with tiktok.track_user("someone") as live:
                async for event in live.events:
                    print(event)

    Keyword options (gotiktoklive's options, as arguments; or all of them at once as ``options=Options(...)``):

    - ``signer_url``, ``signer_api_key``: an EulerStream-compatible signing service and its key. With a key the
      signed path is tried first; without one, the signer-free path (PROTOCOL.md decision 1).
    - ``signer_limits_validation``: ask the signer for its limits and pace requests to them; when False, at most
      5 signing requests a minute.
    - ``session_id``, ``tt_target_idc``: a logged-in TikTok session, for 18+ rooms.
    - ``share_session_with_signer``: also send the session to the signing service (off by default: the signer
      would hold your account's cookie; TikTokLive and TikTok-Live-Connector gate this the same way).
    - ``proxy``: for HTTP and the websocket; ``HTTPS_PROXY`` does the same, ``ALL_PROXY`` covers the websocket
      only, ``NO_PROXY`` lists hosts reached directly (docs/connecting.md).
    - ``max_response_size``: the largest HTTP body accepted, counted after decompression (8 MiB).
    - ``base_urls``: where the services are (``BaseUrls``); default ``TIKTOK_WEBCAST_URLS`` or the real hosts.
    - ``connect_mode``: ``"auto"`` (with failover), ``"signer_free"``, ``"signed"`` or ``"polling"``.
    - ``experimental_events``: also deliver ``UnknownEvent``s (they are always counted in ``live.stats``).
    - ``include_history``: deliver the recent comments the server replays when a connection opens (once: replays
      after a reconnect are dropped as duplicates). Automations usually want False.
    - ``extra_debug``: log every frame at DEBUG; ``log_requests``: log every HTTP request at INFO.
    - ``ws_trace``: write every websocket frame to this trace file (docs/trace-format.md).
    - ``http_client``: an ``httpx.AsyncClient`` to use (Home Assistant's shared one); ``transport``: an httpx
      transport for our own client (a browser-like TLS fingerprint, a mock).
    - ``max_reconnects``: failed connect attempts in a row before giving up (every allowed path is tried first; a
      connection that works but drops is never counted); ``backoff_base``/``backoff_max``: the jittered exponential
      backoff between attempts (2, 4, 8, 16, 30 s), reset once a session delivered messages.
    - ``heartbeat_interval``, ``stale_timeout``, ``connect_timeout``, ``event_buffer`` (events held for a slow
      consumer before the connection waits for it; the frame that crosses the limit is held whole).
    """

    def __init__(
        self,
        *,
        options: Options | None = None,
        base_urls: BaseUrls | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = USER_AGENT,
        signer_url: str | None = None,
        signer_api_key: str | None = None,
        signer_limits_validation: bool = True,
        session_id: str | None = None,
        share_session_with_signer: bool = False,
        tt_target_idc: str | None = None,
        ttwid: str | None = None,
        proxy: str | None = None,
        connect_mode: ConnectMode = "auto",
        experimental_events: bool = False,
        include_history: bool = True,
        extra_debug: bool = False,
        log_requests: bool = False,
        ws_trace: str | Path | None = None,
        max_reconnects: int = 5,
        backoff_base: float = 2.0,
        backoff_max: float = 30.0,
        heartbeat_interval: float = 10.0,
        stale_timeout: float = 60.0,
        connect_timeout: float = 20.0,
        event_buffer: int = 1000,
        max_response_size: int = DEFAULT_MAX_BODY_SIZE,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.options = options or Options(
            signer_url=signer_url,
            signer_api_key=signer_api_key,
            signer_limits_validation=signer_limits_validation,
            session_id=session_id,
            share_session_with_signer=share_session_with_signer,
            tt_target_idc=tt_target_idc,
            ttwid=ttwid,
            proxy=proxy,
            connect_mode=connect_mode,
            experimental_events=experimental_events,
            include_history=include_history,
            extra_debug=extra_debug,
            log_requests=log_requests,
            ws_trace=ws_trace,
            max_reconnects=max_reconnects,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            heartbeat_interval=heartbeat_interval,
            stale_timeout=stale_timeout,
            connect_timeout=connect_timeout,
            event_buffer=event_buffer,
            max_response_size=max_response_size,
            ssl_context=ssl_context,
        )
        self.urls = base_urls or BaseUrls.from_env()
        if self.options.signer_url:
            self.urls = BaseUrls(self.urls.web, self.urls.webcast, self.urls.ws, self.options.signer_url.rstrip("/"))
        self.user_agent = user_agent
        self._own_client = http_client is None
        verify: ssl.SSLContext | bool = self.options.ssl_context or True
        self.proxies = ProxySettings.resolve(self.options.proxy)
        self._http_client = http_client or httpx.AsyncClient(
            transport=transport or ProxyTransport(self.proxies, verify=verify),
            verify=verify,
            # Proxies come from self.proxies (httpx would also take ALL_PROXY, which is the websocket's alone).
            trust_env=False,
            timeout=10.0,
        )
        self.jar = CookieJar(self._session_cookies())
        self.http = HttpSession(
            self._http_client,
            user_agent=user_agent,
            jar=self.jar,
            log_requests=self.options.log_requests,
            max_body_size=self.options.max_response_size,
        )
        self.api = TikTokApi(self.http, self.urls, logged_in=self.options.session_id is not None)
        self.ttwid = TtwidProvider(self.http, self.urls, cached=self.options.ttwid)
        self.signer = Signer(
            self.http,
            self.urls.signer,
            self.options.signer_api_key,
            validate_limits=self.options.signer_limits_validation,
            share_session=self.options.share_session_with_signer,
        )
        self.trace: TraceWriter | None = None
        # Built once: creating a context loads the CA store, a blocking call an event loop should not repeat.
        self.ssl_context = self.options.ssl_context or ssl.create_default_context()

    def __repr__(self) -> str:
        return f"<TikTok urls={self.urls} options={self.options}>"

    def _session_cookies(self) -> dict[str, str]:
        cookies = {"tt-target-idc": self.options.tt_target_idc or "useast1a"}
        if self.options.session_id:
            for name in ("sessionid", "sessionid_ss", "sid_tt"):
                cookies[name] = self.options.session_id
        return cookies

    def session_cookie(self) -> str:
        """The logged-in session as a Cookie header value, or ``""``."""
        if not self.options.session_id:
            return ""
        idc = self.options.tt_target_idc or "useast1a"
        return f"sessionid={self.options.session_id}; sid_tt={self.options.session_id}; tt-target-idc={idc}"

    async def __aenter__(self) -> TikTok:
        if self.options.ws_trace is not None:
            self.trace = TraceWriter(self.options.ws_trace, meta={"client": "tiktok-webcast"})
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.trace is not None:
            self.trace.close()
            self.trace = None
        if self._own_client:
            await self._http_client.aclose()

    # -- information ------------------------------------------------------------------------------------------

    async def get_user_info(self, username: str) -> UserInfo:
        """The user, their follower counts and their live room if they are live."""
        return await self.api.user_room(normalize_username(username))

    async def get_room_info(self, room_id: int | None = None, *, username: str | None = None) -> RoomInfo:
        """A room's title, viewers, host and stream URLs, by room id or by the host's username."""
        if room_id is None:
            if username is None:
                raise InvalidStateError("get_room_info needs a room_id or a username")
            room_id = (await self._live_user(username)).room_id
        return await self.api.room_info(room_id)

    async def is_live(self, username: str) -> bool:
        """True when :meth:`liveness` says live (``unknown`` counts as not live)."""
        return (await self.liveness(username)).is_live

    async def liveness(self, username: str | None = None, *, room_id: int | None = None) -> Liveness:
        """Whether ``username`` (or the room ``room_id``) is live: ``live``, ``offline`` or ``unknown``, with the
        reason and every source consulted (api-live, the live page when api-live gives no room, room info,
        check_alive). Never raises for what a source answers: a failing source is an ``unknown`` reading. Each
        call has ``connect_timeout`` seconds."""
        if username is None and room_id is None:
            raise InvalidStateError("liveness needs a username or a room_id")
        name = normalize_username(username) if username is not None else None
        check = LivenessCheck(self.api, deadline=self.options.connect_timeout)
        return await check.run(name, room_id)

    def watch_user(self, username: str, *, check_interval: float = 60.0) -> Watch:
        """Watches ``username`` across streams: checks :meth:`liveness` every ``check_interval`` seconds until they
        are live, follows the stream, and waits again after it ends::

            async with tiktok.watch_user("someone") as watch:
                async for item in watch.events:
                    match item:
                        case StreamStarted(): ...
                        case StreamEnded(): ...
                        case ChatEvent(): ...
        """
        return Watch(self, username, check_interval=check_interval)

    async def check_signer(self) -> dict[str, Any]:
        """Asks the signing service for this API key's limits (``minute``, ``hour``, ``day``): a cheap way to check
        the key. Raises :class:`SignerAuthError` when it is rejected, :class:`SignerRateLimitError` when limited."""
        return await self.signer.rate_limits()

    async def get_gift_list(self, room_id: int | None = None) -> GiftList:
        return await self.api.gift_list(room_id)

    async def get_price_list(self) -> PriceList:
        """Coin prices in USD cents and in the local currency of the caller's IP."""
        return await self.api.price_list()

    async def feed(self, pages: int | None = None) -> AsyncIterator[FeedPage]:
        """Pages of recommended live rooms, until ``has_more`` is false or ``pages`` were given."""
        max_time = 0
        count = 0
        while pages is None or count < pages:
            page = await self.api.feed_page(max_time)
            count += 1
            yield page
            if not page.has_more:
                return
            max_time = page.max_time

    # -- recording --------------------------------------------------------------------------------------------

    def _media_headers(self) -> dict[str, str]:
        return {"User-Agent": self.user_agent, "Referer": "https://www.tiktok.com/"}

    async def download_stream(
        self,
        target: Live | RoomInfo | str,
        path: str | Path,
        *,
        quality: str | None = None,
        duration: float | None = None,
    ) -> DownloadResult:
        """Records a live stream with ffmpeg until it ends or ``duration`` seconds were recorded (the seed's
        DownloadStream). ``target`` is a tracked ``Live``, a ``RoomInfo`` or a username."""
        room = await self._room_for(target)
        return await download_stream(
            room, path, quality=quality, duration=duration, proxy=self.options.proxy, headers=self._media_headers()
        )

    @asynccontextmanager
    async def record(
        self, target: Live | RoomInfo | str, path: str | Path, *, quality: str | None = None
    ) -> AsyncIterator[Recording]:
        """Records while the block runs; the ``Recording`` reports ``seconds`` and ``bytes_written`` as it goes and
        ffmpeg is stopped cleanly on exit."""
        room = await self._room_for(target)
        async with record_stream(
            room, path, quality=quality, proxy=self.options.proxy, headers=self._media_headers()
        ) as recording:
            yield recording

    async def _room_for(self, target: Live | RoomInfo | str) -> RoomInfo:
        if isinstance(target, RoomInfo):
            return target
        if isinstance(target, Live):
            return target.info or await self.api.room_info(target.room_id)
        return await self.get_room_info(username=target)

    # -- tracking ---------------------------------------------------------------------------------------------

    async def _live_user(self, username: str) -> UserInfo:
        name = normalize_username(username)
        try:
            user = await self.api.user_room(name)
        except UserNotFoundError:
            # Since 2026-05-27 api-live has answered user_not_found for creators who are live: believe it only if
            # the live page and the room's status do not show a live room.
            liveness = await self.liveness(name)
            if liveness.is_live and liveness.room_id is not None:
                log.info("@%s: api-live says user_not_found, but %s", name, liveness.reason)
                room_id = liveness.room_id
                return UserInfo(user_id=0, username=name, nickname="", room_id=room_id, room_status=LIVE_STATUS)
            raise
        if not user.is_live:
            raise UserOfflineError(user.username or name, status=user.room_status or None)
        return user

    @asynccontextmanager
    async def track_user(self, username: str) -> AsyncIterator[Live]:
        """Watches ``username``'s live stream. Raises :class:`UserNotFoundError` (when no other source shows a live
        room either), :class:`UserOfflineError` or :class:`AgeRestrictedError` before connecting when that is the
        case."""
        user = await self._live_user(username)
        info = await self.api.room_info(user.room_id)
        async with Live(self, user.room_id, user.username, info) as live:
            yield live

    @asynccontextmanager
    async def track_room(self, room_id: int) -> AsyncIterator[Live]:
        """Watches a room by id."""
        info = await self.api.room_info(room_id)
        if not info.is_live:
            owner = info.owner.username if info.owner else str(room_id)
            raise UserOfflineError(owner, status=info.status)
        async with Live(self, room_id, info.owner.username if info.owner else None, info) as live:
            yield live
