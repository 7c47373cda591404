"""The one place HTTP requests to TikTok and the signer are made: browser-like headers and query parameters
(webcast.md §2.2), our own cookie jar, request logging without secrets, and transport failures translated into
:class:`TikTokHTTPError`."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from typing import Any

import anyio
import httpx

from tiktok_webcast._redact import redact
from tiktok_webcast.exceptions import BlockedError, TikTokHTTPError

log = logging.getLogger("tiktok_webcast.http")

USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36"
)
"""A desktop browser; ``browser_name``/``browser_version`` are derived from it as the web client does."""


def browser_params(user_agent: str, *, logged_in: bool, language: str = "en", region: str = "US") -> dict[str, str]:
    """The query block every WebCast HTTP call carries (webcast.md §2.2, TTL-py/TLC 2026 values)."""
    name, _, version = user_agent.partition("/")
    return {
        "aid": "1988",
        "app_language": language,
        "app_name": "tiktok_web",
        "browser_language": f"{language}-{region}",
        "browser_name": name,
        "browser_online": "true",
        "browser_platform": "Win32",
        "browser_version": version,
        "channel": "tiktok_web",
        "cookie_enabled": "true",
        "data_collection_enabled": "true",
        "device_id": str(secrets.randbelow(9 * 10**18) + 10**18),
        "device_platform": "web_pc",
        "focus_state": "true",
        "from_page": "user",
        "history_len": "4",
        "is_fullscreen": "false",
        "is_page_visible": "true",
        "os": "windows",
        "priority_region": region,
        "region": region,
        "screen_height": "1080",
        "screen_width": "1920",
        "tz_name": "UTC",
        "user_is_login": "true" if logged_in else "false",
        "webcast_language": language,
    }


class CookieJar:
    """TikTok cookies kept apart from the HTTP client (which may be shared, as Home Assistant's is)."""

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._cookies: dict[str, str] = dict(initial or {})

    def get(self, name: str) -> str | None:
        return self._cookies.get(name)

    def set(self, name: str, value: str) -> None:
        self._cookies[name] = value

    def discard(self, name: str) -> None:
        self._cookies.pop(name, None)

    def update_from_header(self, header: str) -> None:
        """Merges ``k=v; k2=v2`` (the signer's ``X-Set-TT-Cookie``): every pair, not just the first."""
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                self._cookies[name] = value

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self._cookies.items())

    def __repr__(self) -> str:
        return f"CookieJar(names={sorted(self._cookies)})"


# Requests in flight at once. httpx queues the rest inside its pool, where a thousand waiting requests (a thousand
# rooms tracked at once) make each scheduling pass slow enough to time them out.
MAX_CONCURRENT_REQUESTS = 32


class HttpSession:
    """Requests with TikTok's headers and cookies; errors become :class:`TikTokHTTPError`."""

    def __init__(self, client: httpx.AsyncClient, *, user_agent: str, jar: CookieJar, log_requests: bool) -> None:
        self._limiter: anyio.CapacityLimiter | None = None
        self.client = client
        self.user_agent = user_agent
        self.jar = jar
        self.log_requests = log_requests

    def headers(self, *, cookies: bool = True, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/json,application/protobuf",
            "Accept-Language": "en-US,en;q=0.9",
            "Referer": "https://www.tiktok.com/",
            "Origin": "https://www.tiktok.com",
            "Sec-Fetch-Site": "same-site",
            "Sec-Fetch-Mode": "cors",
            "Sec-Fetch-Dest": "empty",
        }
        if cookies and (jar := self.jar.header()):
            headers["Cookie"] = jar
        if extra:
            headers.update(extra)
        return headers

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        cookies: bool = True,
        follow_redirects: bool = True,
        timeout: float = 10.0,  # noqa: ASYNC109 - passed to httpx, which applies it per request
    ) -> httpx.Response:
        try:
            if self._limiter is None:
                # Made on first use: anyio 4.1 cannot make one outside a running event loop.
                self._limiter = anyio.CapacityLimiter(MAX_CONCURRENT_REQUESTS)
            async with self._limiter:
                response = await self.client.request(
                    method,
                    url,
                    params=params,
                    headers=self.headers(cookies=cookies, extra=headers),
                    content=content,
                    follow_redirects=follow_redirects,
                    timeout=timeout,
                )
        except httpx.HTTPError as error:
            raise TikTokHTTPError(
                f"{method} {redact(url)} failed: {type(error).__name__}: {error}", url=redact(url)
            ) from error
        if self.log_requests:
            log.info(
                "%s %s -> %d (%d bytes)",
                method,
                redact(str(response.url)),
                response.status_code,
                len(response.content),
            )
        return response

    async def get_json(self, url: str, params: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
        """GETs JSON; 403/429, an empty body or a non-JSON body mean TikTok is refusing us (webcast.md §11)."""
        response = await self.request("GET", url, params=params, **kwargs)
        where = redact(url)
        if response.status_code in (403, 429):
            raise BlockedError(
                f"TikTok refused {where} with HTTP {response.status_code}",
                status=response.status_code,
                url=where,
            )
        if response.status_code >= 400:
            raise TikTokHTTPError(
                f"{where} answered HTTP {response.status_code}", status=response.status_code, url=where
            )
        if not response.content.strip():
            raise BlockedError(
                f"{where} answered an empty body (blocked or detected)",
                status=response.status_code,
                url=where,
            )
        try:
            return json.loads(response.content)
        except json.JSONDecodeError as error:
            raise BlockedError(
                f"{where} did not answer JSON (a captcha or challenge page?)",
                status=response.status_code,
                url=where,
            ) from error
