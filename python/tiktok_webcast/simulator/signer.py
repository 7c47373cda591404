"""An EulerStream-compatible signing service: ``GET /webcast/fetch``, ``POST /webcast/sign_url``,
``GET /webcast/rate_limits``, with API keys (``x-api-key`` header or ``apiKey`` query), per-key minute/hour/day
limits, and scripted failures.

Errors are JSON ``{"code", "message"}``; a rate limit is HTTP 429 with ``{"code", "message", "limit_label"}`` and
the headers both client families read: ``Retry-After`` (seconds) and ``X-RateLimit-Reset`` (unix seconds), plus
``RateLimit-Remaining`` (seconds to wait, as TikTokLive reads it) and ``RateLimit-Reset`` (unix seconds).
API keys never appear in logs or answers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tiktok_webcast import protocol
from tiktok_webcast.events import RoomEvent
from tiktok_webcast.simulator.fetch import LoggedMessage, encode_result
from tiktok_webcast.simulator.http import Request, Response
from tiktok_webcast.simulator.ids import TtwidIssuer, parse_cursor
from tiktok_webcast.simulator.scenario import ApiKey, SignerFault
from tiktok_webcast.simulator.urls import FALLBACK_PATH
from tiktok_webcast.simulator.world import World

__all__ = ["SignerHost"]

logger = logging.getLogger("tiktok_webcast.simulator.signer")

DEFAULT_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@dataclass
class _Window:
    label: str
    period: float
    max: int
    count: int = 0
    start: float | None = None

    def roll(self, now: float) -> None:
        if self.start is not None and now - self.start >= self.period:
            self.start, self.count = None, 0

    def reset_in(self, now: float) -> float:
        return self.period if self.start is None else max(self.start + self.period - now, 0.0)

    def reset_at(self, now: float, epoch_now: float) -> str | None:
        if self.start is None:
            return None
        moment = dt.datetime.fromtimestamp(epoch_now + self.reset_in(now), dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def as_json(self, now: float, epoch_now: float) -> dict[str, Any]:
        return {"max": self.max, "remaining": max(self.max - self.count, 0), "reset_at": self.reset_at(now, epoch_now)}


@dataclass
class _Quota:
    windows: list[_Window] = field(default_factory=list)

    @classmethod
    def of(cls, per_minute: int, per_hour: int, per_day: int) -> _Quota:
        return cls(
            [_Window("minute", 60.0, per_minute), _Window("hour", 3600.0, per_hour), _Window("day", 86400.0, per_day)]
        )

    def exceeded(self, now: float) -> _Window | None:
        for window in self.windows:
            window.roll(now)
            if window.count >= window.max:
                return window
        return None

    def hit(self, now: float) -> None:
        for window in self.windows:
            if window.start is None:
                window.start = now
            window.count += 1


def _error(status: int, message: str, **extra: Any) -> Response:
    return Response.json({"code": status, "message": message, **extra}, status)


class SignerHost:
    def __init__(self, world: World) -> None:
        self.world = world
        self.keys: dict[str, ApiKey] = {k.key: k for k in world.scenario.signer.keys}
        self.quotas: dict[str, _Quota] = {}
        self.requests = 0

    def _quota(self, key: ApiKey | None, client: str) -> _Quota:
        name = f"key:{key.key}" if key is not None else f"anonymous:{client}"
        quota = self.quotas.get(name)
        if quota is None:
            signer = self.world.scenario.signer
            if key is not None:
                quota = _Quota.of(key.per_minute, key.per_hour, key.per_day)
            else:
                quota = _Quota.of(signer.anonymous_per_minute, signer.anonymous_per_hour, signer.anonymous_per_day)
            self.quotas[name] = quota
        return quota

    def _rate_limited(self, window: _Window, wait: float, flavour: str = "all") -> Response:
        """A 429; ``flavour`` picks the retry headers: ``all`` (both client families' readings, see the module
        docstring), or only one: ``retry-after`` (seconds), ``x-ratelimit-reset`` (unix seconds), ``ratelimit-reset``
        (seconds from now, the IETF draft's meaning)."""
        now_s = time.time()
        seconds = max(1, math.ceil(wait))
        response = _error(
            429,
            f"Too many requests! You have reached the {window.label} limit of {window.max} requests.",
            limit_label=window.label,
        )
        if flavour == "retry-after":
            response.headers.append(("retry-after", str(seconds)))
        elif flavour == "x-ratelimit-reset":
            response.headers.append(("x-ratelimit-reset", str(int(now_s + seconds))))
        elif flavour == "ratelimit-reset":
            response.headers += [("ratelimit-remaining", "0"), ("ratelimit-reset", str(seconds))]
        else:
            response.headers += [
                ("retry-after", str(seconds)),
                ("x-ratelimit-limit", str(window.max)),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", str(int(now_s + seconds))),
                ("ratelimit-limit", str(window.max)),
                ("ratelimit-remaining", str(seconds)),
                ("ratelimit-reset", str(int(now_s + seconds))),
            ]
        return response

    def _broken(self, path: str) -> Response | None:
        """Answers of the dated fault pack (``simulator/pack.py``)."""
        world = self.world
        if path == "/webcast/fetch" and world.broken("2026-09-09-signer-fallback-stub"):
            return self._fallback_stub()
        if world.broken("2025-09-16-signer-empty-payload"):
            return _error(500, "Empty response payload received! (Internal Code: 200)")
        if world.broken("2026-07-23-signer-401"):
            return _error(401, "The provided API Key is invalid.")
        for flavour in ("retry-after", "x-ratelimit-reset", "ratelimit-reset"):
            if world.broken(f"2025-10-20-signer-429-{flavour}"):
                return self._rate_limited(_Window("rate_limit_account_minute", 60.0, 10), 30.0, flavour)
        return None

    def _fallback_stub(self) -> Response:
        """What Euler's fetch answered on 2026-09-09 (TikTokLive #376): a tiny result naming a fallback proxy."""
        now = self.world.clock.epoch_ms()
        notice = RoomEvent(
            type="system", message="Connected through Euler Stream fallback proxy", msg_id=1, timestamp=now
        )
        method, payload = protocol.encode_message(notice)
        body = encode_result(
            [LoggedMessage(0, method, payload, 1)],
            cursor=f"t-{now}",
            now_ms=now,
            is_first=True,
            fetch_interval=1000,
            push_server=f"{self.world.urls.ws}{FALLBACK_PATH}?token={secrets.token_urlsafe(24)}",
        )
        return Response.binary(body)

    async def handle(self, request: Request) -> Response:
        self.requests += 1
        path = request.path.rstrip("/")
        routes = {
            ("GET", "/webcast/fetch"): self._fetch,
            ("POST", "/webcast/sign_url"): self._sign_url,
            ("GET", "/webcast/rate_limits"): self._rate_limits,
        }
        route = routes.get((request.method, path))
        if route is None:
            return _error(404, f"No route {request.method} {request.path}")
        fault = self.world.faults.take(SignerFault, lambda f: not f.path or path.startswith(f.path.rstrip("/")))
        if fault is not None:
            return self._fault(fault)
        broken = self._broken(path)
        if broken is not None:
            logger.info("signer %s: fault pack answer HTTP %d", path, broken.status)
            return broken
        supplied = request.header("x-api-key") or request.arg("apiKey") or ""
        key = self.keys.get(supplied) if supplied else None
        if supplied and key is None:
            return _error(401, "The provided API key is invalid or has been revoked.")
        if key is None and not self.world.scenario.signer.anonymous:
            return _error(401, "An API key is required for this route. Pass it as x-api-key or apiKey.")
        now = self.world.clock.real()
        quota = self._quota(key, request.client)
        if path != "/webcast/rate_limits":
            window = quota.exceeded(now)
            if window is not None:
                return self._rate_limited(window, window.reset_in(now))
            quota.hit(now)
        response = route(request, key, quota)
        minute = quota.windows[0]
        response.headers += [
            ("x-ratelimit-limit", str(minute.max)),
            ("x-ratelimit-remaining", str(max(minute.max - minute.count, 0))),
        ]
        return response

    def _fault(self, fault: SignerFault) -> Response:
        if fault.status == 429:
            return self._rate_limited(_Window("minute", 60.0, 0), float(fault.retry_after), fault.rate_limit_headers)
        if fault.status == 401:
            return _error(401, "The provided API key is invalid or has been revoked.")
        if fault.status == 200:
            return Response.binary(b"")
        return _error(fault.status, "The sign server is having trouble right now (simulated).")

    def _fetch(self, request: Request, key: ApiKey | None, quota: _Quota) -> Response:
        world = self.world
        room = None
        room_arg = request.arg("room_id")
        unique_id = request.arg("unique_id") or request.arg("uniqueId")
        if room_arg:
            room = world.room(room_arg)
        elif unique_id:
            state = world.creator(unique_id)
            room = state.room if state is not None else None
        else:
            return _error(400, "Either room_id or unique_id is required.")
        if room is None or not room.live:
            return _error(404, "The room does not exist or is not live.")
        body = room.bootstrap(
            resume_seq=parse_cursor(request.arg("cursor") or ""),
            history_count=world.scenario.server.history_comments,
            push_server=world.urls.push_server,
            route_params=world.issue_route(room, room.seq),
            always_first=True,
        )
        ttwid = TtwidIssuer.encode(world.ttwids.mint())
        response = Response.binary(body)
        response.headers += [
            ("x-set-tt-cookie", f"ttwid={ttwid}; msToken={secrets.token_urlsafe(96)}"),
            ("x-room-id", str(room.room_id)),
            ("x-request-id", secrets.token_hex(16)),
            ("x-log-id", secrets.token_hex(12)),
            ("x-agent-id", "simulator-1"),
        ]
        return response

    def _sign_url(self, request: Request, key: ApiKey | None, quota: _Quota) -> Response:
        if key is None or not key.pro:
            return Response.json({"code": 403, "message": "Your API key does not have access to sign_url."})
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return _error(400, "The request body must be JSON.")
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not urlsplit(url).scheme:
            return _error(400, "'url' is required and must be an absolute URL.")
        user_agent = body.get("userAgent") or DEFAULT_UA
        tokens = {
            "msToken": secrets.token_urlsafe(96),
            "X-Bogus": "DFSz" + secrets.token_hex(14),
            "_signature": "_02B4Z6wo00001" + secrets.token_hex(16),
        }
        self.world.remember_signature(tokens["X-Bogus"])
        separator = "&" if urlsplit(url).query else "?"
        signed = url + separator + "&".join(f"{k}={v}" for k, v in tokens.items())
        browser_name, _, browser_version = str(user_agent).partition("/")
        return Response.json(
            {
                "code": 200,
                "message": "Successfully signed the URL.",
                "response": {
                    "signedUrl": signed,
                    "userAgent": user_agent,
                    "browserName": browser_name,
                    "browserVersion": browser_version,
                    "tokens": tokens,
                    "requestHeaders": {"User-Agent": user_agent},
                    "cookies": [],
                },
            }
        )

    def _rate_limits(self, request: Request, key: ApiKey | None, quota: _Quota) -> Response:
        now = self.world.clock.real()
        epoch = time.time()
        for window in quota.windows:
            window.roll(now)
        minute, hour, day = quota.windows
        return Response.json(
            {
                "code": 200,
                "message": "Successfully retrieved key signature rate limits!",
                "minute": minute.as_json(now, epoch),
                "hour": hour.as_json(now, epoch),
                "day": day.as_json(now, epoch),
                "load_shedding": {"at": 0, "chance": 0},
            }
        )
