"""An EulerStream-compatible signing service (webcast.md §3.2-§3.5): the bootstrap fetch, its rate limits and
its errors. The API key travels in the ``x-api-key`` header and is never logged. A logged-in session goes to the
signer only when the user opts in (``share_session_with_signer``), as TikTokLive and TikTok-Live-Connector require
(webcast.md §2.11)."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import anyio

from tiktok_webcast import protocol
from tiktok_webcast._bounds import clamp_seconds
from tiktok_webcast._http import HttpSession
from tiktok_webcast._redact import REDACTED, redact_url, register_secret
from tiktok_webcast.exceptions import (
    ProxyError,
    SignerAuthError,
    SignerError,
    SignerRateLimitError,
    TikTokHTTPError,
)

log = logging.getLogger("tiktok_webcast.signer")

CLIENT_NAME = "tiktok-webcast"
DEFAULT_PER_MINUTE = 5
"""Signing requests a minute when the signer's own limits are not asked for (the seed's documented value)."""
MAX_PER_MINUTE = 600
"""Ceiling on the pace a signer's ``rate_limits`` answer can ask for."""
DEFAULT_RETRY_AFTER = 60.0
"""Seconds to wait after a 429 that names no time."""
MAX_RETRY_AFTER = 3600.0
"""Longest wait a signer's 429 can impose: ``Retry-After: 1e9`` or ``inf`` must not park a client for years."""
UNIX_TIME_THRESHOLD = 1e9
"""A reset value above this is a unix time (2001-09-09 on), below it a number of seconds (webcast.md §3.4)."""


@dataclass(frozen=True, slots=True)
class SignedBootstrap:
    """What ``/webcast/fetch`` gives: the first fetch result and the cookies to send on the websocket."""

    response: protocol.FetchResponse
    cookies: str
    room_id: int | None
    body: bytes
    """The fetch result as it came, which the client's inbox takes in."""


class RequestPacer:
    """Spaces requests so that no more than ``per_minute`` start in any minute (on the event loop's clock)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = max(1, per_minute)
        self._starts: list[float] = []
        self._lock: anyio.Lock | None = None

    async def wait(self) -> None:
        if self._lock is None:
            self._lock = anyio.Lock()  # made in the event loop that uses it
        async with self._lock:
            now = anyio.current_time()
            self._starts = [t for t in self._starts if now - t < 60.0]
            if len(self._starts) >= self.per_minute:
                await anyio.sleep(60.0 - (now - self._starts[0]))
                self._starts.pop(0)
            self._starts.append(anyio.current_time())


class Signer:
    def __init__(
        self,
        http: HttpSession,
        base_url: str,
        api_key: str | None,
        *,
        validate_limits: bool,
        share_session: bool = False,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._validate_limits = validate_limits
        self.share_session = share_session
        register_secret(api_key)
        self._pacer: RequestPacer | None = None
        self.limits: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"Signer(url={redact_url(self._base_url)!r}, api_key={REDACTED if self._api_key else None})"

    def _headers(self) -> dict[str, str]:
        return {"x-api-key": self._api_key} if self._api_key else {}

    async def pacer(self) -> RequestPacer:
        """The pacing for signing requests: the signer's per-minute limit when we may ask for it."""
        if self._pacer is None:
            per_minute = DEFAULT_PER_MINUTE
            if self._validate_limits:
                self.limits = await self.rate_limits()
                per_minute = _per_minute(self.limits)
            self._pacer = RequestPacer(per_minute)
        return self._pacer

    async def rate_limits(self) -> dict[str, Any]:
        """``GET /webcast/rate_limits``: ``{minute: {max, remaining, reset_at}, hour: ..., day: ...}``."""
        response = await self._call("GET", "/webcast/rate_limits", {"client": CLIENT_NAME})
        try:
            body = response.json()
        except ValueError as error:
            raise SignerError("rate_limits did not answer JSON", status=response.status_code) from error
        return body if isinstance(body, dict) else {}

    async def fetch(
        self, room_id: int, user_agent: str, *, cursor: str = "", session_cookie: str | None = None
    ) -> SignedBootstrap:
        """The bootstrap fetch for ``room_id`` (``GET /webcast/fetch``). ``session_cookie`` is sent (as the
        ``x-cookie-header`` header) only when the session is shared with the signer."""
        await (await self.pacer()).wait()
        params = {
            "client": CLIENT_NAME,
            "room_id": str(room_id),
            "user_agent": user_agent,
            "client_enter": "true",
        }
        if cursor:
            params["cursor"] = cursor
        headers = None
        if session_cookie and self.share_session:
            log.warning("sending the logged-in session to the signer %s (share_session_with_signer)", self._base_url)
            headers = {"x-cookie-header": session_cookie}
        response = await self._call("GET", "/webcast/fetch", params, headers=headers)
        if not response.content:
            raise SignerError("the signer answered an empty body (detected by TikTok?)", status=response.status_code)
        cookies = response.headers.get("x-set-tt-cookie", "")
        if not cookies:
            raise SignerError("the signer answered without X-Set-TT-Cookie", status=response.status_code)
        room = response.headers.get("x-room-id")
        return SignedBootstrap(
            protocol.decode_fetch_response(response.content),
            cookies,
            int(room) if room and room.isdigit() else None,
            response.content,
        )

    async def _call(
        self, method: str, path: str, params: dict[str, str], *, headers: dict[str, str] | None = None
    ) -> Any:
        try:
            response = await self._http.request(
                method,
                f"{self._base_url}{path}",
                params=params,
                headers={**self._headers(), **(headers or {})},
                cookies=False,
            )
        except ProxyError:
            raise  # the proxy failed, not the signer: the reason a caller shows must say so
        except TikTokHTTPError as error:
            raise SignerError(f"cannot reach the signer: {error}") from error
        if response.status_code in (401, 403):
            raise SignerAuthError(
                f"the signer rejected the API key (HTTP {response.status_code})", status=response.status_code
            )
        if response.status_code == 402:
            raise SignerAuthError("the signer requires a paid plan for this request (HTTP 402)", status=402)
        if response.status_code == 429:
            raise SignerRateLimitError(_rate_limit_message(response), retry_after=_retry_after(response.headers))
        if response.status_code != 200:
            raise SignerError(f"the signer answered HTTP {response.status_code}", status=response.status_code)
        return response


def _rate_limit_message(response: Any) -> str:
    try:
        body = response.json()
        label = body.get("limit_label") or body.get("message")
    except (ValueError, AttributeError):
        label = None
    return f"the signer rate-limited us{f' ({label})' if label else ''}"


def _per_minute(limits: dict[str, Any]) -> int:
    """The per-minute limit from a ``rate_limits`` answer, within ``[1, MAX_PER_MINUTE]``."""
    minute = limits.get("minute")
    value = minute.get("max") if isinstance(minute, dict) else None
    try:
        number = float(value) if value is not None and not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number) or number < 1:
        return DEFAULT_PER_MINUTE
    return int(min(number, MAX_PER_MINUTE))


def _retry_after(headers: Any) -> float:
    """Seconds to wait: ``Retry-After`` (seconds), else ``X-RateLimit-Reset``/``RateLimit-Reset`` (a unix time or
    seconds), else a minute (webcast.md §3.4: the two libraries read different headers). Always within
    ``[0, MAX_RETRY_AFTER]``; an out-of-range value is clamped and logged."""
    for name in ("retry-after", "x-ratelimit-reset", "ratelimit-reset"):
        value = _number(headers.get(name))
        if value is None:
            continue
        if name != "retry-after" and value > UNIX_TIME_THRESHOLD and math.isfinite(value):
            value -= time.time()
        return clamp_seconds(
            value, lower=0.0, upper=MAX_RETRY_AFTER, what=f"{name} from the signer", default=DEFAULT_RETRY_AFTER
        )
    return DEFAULT_RETRY_AFTER


def _number(text: str | None) -> float | None:
    """``text`` as a number (NaN and infinities included, for the clamp to handle); None when absent or not a number
    (an HTTP date in Retry-After is not supported)."""
    if not text:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None
