"""The one place HTTP requests to TikTok and the signer are made: browser-like headers and query parameters
(webcast.md §2.2), our own cookie jar, request logging without secrets, bounded answers (a size limit counted after
decompression and an overall deadline per request), and transport failures translated into typed errors."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import zlib
from collections.abc import Mapping
from typing import Any

import anyio
import httpx

from tiktok_webcast._redact import install_log_redaction, redact, redact_url, register_secret
from tiktok_webcast.exceptions import (
    BlockedError,
    InvalidArgumentError,
    NetworkError,
    ResponseTooLargeError,
    TikTokHTTPError,
)

log = logging.getLogger("tiktok_webcast.http")

MAX_REDIRECTS = 10
# Headers describing the wire form of a body that BodyReader has already decoded.
_DECODED_AWAY = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _short(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters: a 100 kB username must not become a 100 kB error message."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _invalid(where: str, error: Exception) -> InvalidArgumentError:
    return InvalidArgumentError(f"cannot make a request to {_short(where)}: {_short(redact(str(error)))}")


USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36"
)
"""A desktop browser; ``browser_name``/``browser_version`` are derived from it as the web client does."""


def browser_identity(user_agent: str, *, language: str = "en", region: str = "US") -> dict[str, str]:
    """The browser description the web client sends on every HTTP call and on the websocket alike (webcast.md §2.2,
    §5.1): the one place these values are built. ``browser_name``/``browser_version`` come from ``user_agent``."""
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
        "cookie_enabled": "true",
        "screen_height": "1080",
        "screen_width": "1920",
        "tz_name": "UTC",
        "webcast_language": language,
    }


def browser_params(user_agent: str, *, logged_in: bool, language: str = "en", region: str = "US") -> dict[str, str]:
    """The query block every WebCast HTTP call carries (webcast.md §2.2, TTL-py/TLC 2026 values)."""
    return {
        **browser_identity(user_agent, language=language, region=region),
        "channel": "tiktok_web",
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
        "user_is_login": "true" if logged_in else "false",
    }


class CookieJar:
    """TikTok cookies kept apart from the HTTP client (which may be shared, as Home Assistant's is)."""

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._cookies: dict[str, str] = {}
        for name, value in (initial or {}).items():
            self.set(name, value)

    def get(self, name: str) -> str | None:
        return self._cookies.get(name)

    def set(self, name: str, value: str) -> None:
        register_secret(value)
        self._cookies[name] = value

    def discard(self, name: str) -> None:
        self._cookies.pop(name, None)

    def update_from_header(self, header: str) -> None:
        """Merges ``k=v; k2=v2`` (the signer's ``X-Set-TT-Cookie``): every pair, not just the first."""
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                self.set(name, value)

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self._cookies.items())

    def __repr__(self) -> str:
        return f"CookieJar(names={sorted(self._cookies)})"


# Requests in flight at once. httpx queues the rest inside its pool, where a thousand waiting requests (a thousand
# rooms tracked at once) make each scheduling pass slow enough to time them out.
MAX_CONCURRENT_REQUESTS = 32

DEFAULT_MAX_BODY_SIZE = 8 * 1024 * 1024
"""The largest body accepted, after decompression. TikTok's biggest answers (a live page, the gift list) are a few
hundred kB to ~2 MB; a gzip bomb of 1 MB that would inflate to 1 GB stops here."""

DEFAULT_DEADLINE = 10.0
"""Seconds a whole request may take, from connecting to the last body byte (a per-read timeout alone lets a body
trickle in forever)."""

READ_CHUNK = 65536


class BodyReader:
    """Decodes ``gzip``/``deflate`` bodies chunk by chunk, never inflating more than ``limit`` + 1 bytes, so the
    memory a body takes is bounded by the limit whatever its compression ratio."""

    def __init__(self, encoding: str, limit: int, where: str, status: int) -> None:
        self._limit = limit
        self._where = where
        self._status = status
        self._parts: list[bytes] = []
        self._size = 0
        encoding = encoding.strip().lower()
        self._inflater: Any = None
        if encoding == "gzip":
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)
        elif encoding not in ("", "identity"):
            raise TikTokHTTPError(
                f"{where} answered with the unsupported Content-Encoding {encoding!r}", status=status, url=where
            )

    def feed(self, chunk: bytes) -> None:
        if self._inflater is None:
            self._keep(chunk)
            return
        data = chunk
        while data:
            try:
                out = self._inflater.decompress(data, self._limit - self._size + 1)
            except zlib.error as error:
                raise TikTokHTTPError(
                    f"{self._where} answered a corrupt compressed body ({error})", status=self._status, url=self._where
                ) from None
            self._keep(out)
            data = self._inflater.unconsumed_tail

    def finish(self) -> bytes:
        if self._inflater is not None:
            self._keep(self._inflater.flush())
        return b"".join(self._parts)

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise ResponseTooLargeError(
                f"{self._where} answered a body over {self._limit} bytes (after decompression)",
                limit=self._limit,
                status=self._status,
                url=self._where,
            )
        if data:
            self._parts.append(data)


class HttpSession:
    """Requests with TikTok's headers and cookies; errors become typed :class:`TikTokHTTPError` subclasses."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        user_agent: str,
        jar: CookieJar,
        log_requests: bool,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        self._limiter: anyio.CapacityLimiter | None = None
        self.client = client
        self.user_agent = user_agent
        self.jar = jar
        self.log_requests = log_requests
        self.max_body_size = max_body_size
        install_log_redaction()

    def headers(self, *, cookies: bool = True, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/json,application/protobuf",
            "Accept-Language": "en-US,en;q=0.9",
            # Only what BodyReader decodes within its bound.
            "Accept-Encoding": "gzip, deflate",
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
        timeout: float = DEFAULT_DEADLINE,  # noqa: ASYNC109 - the whole request's deadline, applied below
        max_body_size: int | None = None,
    ) -> httpx.Response:
        """One request, its body read in full: at most ``max_body_size`` bytes after decompression
        (:class:`ResponseTooLargeError`), done within ``timeout`` seconds from start to last byte
        (:class:`NetworkError`). Redirects are followed by hand, each within the same deadline."""
        where = redact_url(url)
        limit = self.max_body_size if max_body_size is None else max_body_size
        try:
            request = self.client.build_request(
                method, url, params=params, headers=self.headers(cookies=cookies, extra=headers), content=content
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, UnicodeError) as error:
            raise _invalid(where, error) from None
        if self._limiter is None:
            # Made on first use: anyio 4.1 cannot make one outside a running event loop.
            self._limiter = anyio.CapacityLimiter(MAX_CONCURRENT_REQUESTS)
        try:
            async with self._limiter:
                with anyio.fail_after(timeout):
                    response = await self._send(request, limit, follow_redirects)
        except httpx.InvalidURL as error:
            raise _invalid(where, error) from None
        except TimeoutError:
            raise NetworkError(f"{method} {where} did not complete within {timeout:g} s", url=where) from None
        except httpx.HTTPError as error:
            detail = redact(str(error)) or type(error).__name__
            kind = NetworkError if isinstance(error, httpx.TransportError) else TikTokHTTPError
            raise kind(f"{method} {where} failed: {type(error).__name__}: {detail}", url=where) from error
        if self.log_requests:
            log.info(
                "%s %s -> %d (%d bytes)",
                method,
                redact_url(str(response.url)),
                response.status_code,
                len(response.content),
            )
        return response

    async def _send(self, request: httpx.Request, limit: int, follow_redirects: bool) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            response = await self.client.send(request, stream=True, follow_redirects=False)
            try:
                body = await self._read(response, limit)
            finally:
                await response.aclose()
            if not (follow_redirects and response.is_redirect and response.next_request is not None):
                headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DECODED_AWAY]
                return httpx.Response(
                    response.status_code,
                    headers=headers,
                    content=body,
                    request=response.request,
                    extensions={"http_version": response.extensions.get("http_version", b"HTTP/1.1")},
                )
            request = response.next_request
        raise TikTokHTTPError(f"{redact_url(str(request.url))}: more than {MAX_REDIRECTS} redirects")

    async def _read(self, response: httpx.Response, limit: int) -> bytes:
        where = redact_url(str(response.url))
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "")
        if declared.isdigit() and not encoding and int(declared) > limit:
            raise ResponseTooLargeError(
                f"{where} announced a body of {declared} bytes, over the limit of {limit}",
                limit=limit,
                status=response.status_code,
                url=where,
            )
        if response.is_stream_consumed:
            # A transport that built its response from bytes (a mock): the body is in memory, already decoded.
            reader = BodyReader("", limit, where, response.status_code)
            reader.feed(response.content)
            return reader.finish()
        reader = BodyReader(encoding, limit, where, response.status_code)
        chunks = response.aiter_raw(READ_CHUNK)
        try:
            async for chunk in chunks:
                reader.feed(chunk)
        except TikTokHTTPError:
            # Stop the transfer, then run httpx's chain of generators to its end on the closed stream: one left
            # suspended would be finalised by the garbage collector (trio warns about that).
            await response.aclose()
            with contextlib.suppress(Exception):
                async for _ in chunks:
                    pass
            raise
        return reader.finish()

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
