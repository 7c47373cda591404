"""The anonymous ``ttwid`` cookie that the signer-free websocket needs (PROTOCOL.md decision 2,
signer-free.md §1). A replaceable component: sources are tried in order, a good token is cached, and a flagged
one is rotated."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
import httpx

from tiktok_webcast._bounds import clamp_seconds
from tiktok_webcast._http import HttpSession
from tiktok_webcast._urls import BaseUrls, user_page_url
from tiktok_webcast.exceptions import BlockedError

log = logging.getLogger("tiktok_webcast.ttwid")

NO_COOKIE_ATTEMPTS = 8
NO_COOKIE_DELAY = 0.75
DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 3600.0
REGISTER_BODY = '{"aid":1988,"service":"www.tiktok.com","union":false,"unionHost":"","needFid":false,"fid":""}'


@dataclass(frozen=True, slots=True)
class Ttwid:
    value: str
    source: str

    def __repr__(self) -> str:
        return f"Ttwid(source={self.source!r}, value=***)"


class TtwidUnavailableError(BlockedError):
    """No source gave a ttwid cookie."""


def _cookie_from(response: httpx.Response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == "ttwid":
            value = rest.split(";", 1)[0].strip()
            if value:
                return value
    return None


class TtwidProvider:
    """Gets a ttwid: the cached one, else ``POST /ttwid/register/``, ``/@user``, ``/@tiktok``, ``/``."""

    def __init__(self, http: HttpSession, urls: BaseUrls, *, cached: str | None = None) -> None:
        self._http = http
        self._urls = urls
        self._current = Ttwid(cached, "cache") if cached else None

    @property
    def current(self) -> Ttwid | None:
        return self._current

    def rotate(self) -> None:
        """Forget the current token (TikTok flagged it: DEVICE_BLOCKED)."""
        self._current = None

    async def get(self, username: str | None = None) -> Ttwid:
        if self._current is not None:
            return self._current
        web = self._urls.web
        sources: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]] = [("register", self._register)]
        if username:
            sources.append(("the user's page", lambda: self._page(user_page_url(web, username))))
        sources += [
            ("/@tiktok", lambda: self._page(user_page_url(web, "tiktok"))),
            ("/", lambda: self._page(f"{web}/")),
        ]
        for attempt in range(NO_COOKIE_ATTEMPTS):
            for source, fetch in sources:
                value = await self._try(source, fetch)
                if value:
                    self._current = Ttwid(value, source)
                    log.debug("got a ttwid from %s", source)
                    return self._current
            if attempt + 1 < NO_COOKIE_ATTEMPTS:
                await anyio.sleep(NO_COOKIE_DELAY)
        raise TtwidUnavailableError(f"no ttwid cookie after {NO_COOKIE_ATTEMPTS} rounds of every source")

    async def _try(self, source: str, fetch: Callable[[], Awaitable[httpx.Response]]) -> str | None:
        response = await fetch()
        if response.status_code == 429:
            retry_after = _seconds(response.headers.get("retry-after"))
            raise BlockedError(f"ttwid source {source} rate-limited us; retry in {retry_after:.0f} s", status=429)
        if response.status_code >= 400:
            log.debug("ttwid source %s answered HTTP %d", source, response.status_code)
            return None
        return _cookie_from(response)

    async def _register(self) -> httpx.Response:
        return await self._http.request(
            "POST",
            f"{self._urls.web}/ttwid/register/",
            content=REGISTER_BODY,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            cookies=False,
            follow_redirects=False,
        )

    async def _page(self, url: str) -> httpx.Response:
        # Transport errors propagate: they are not retried (signer-free.md §1.2).
        return await self._http.request("GET", url, cookies=False, follow_redirects=False)


def _seconds(value: str | None) -> float:
    """A ``Retry-After`` in seconds, clamped (and logged) to ``[0, MAX_RETRY_AFTER]``."""
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return clamp_seconds(
        seconds, lower=0.0, upper=MAX_RETRY_AFTER, what="Retry-After from a ttwid source", default=DEFAULT_RETRY_AFTER
    )
