"""Which proxy, if any, a request or the websocket goes through, decided in one place.

The seed's rules: ``proxy=`` covers HTTP and the websocket; ``HTTPS_PROXY`` (``HTTP_PROXY`` for plain ``http``/``ws``)
does too; ``ALL_PROXY`` covers the websocket only. ``NO_PROXY`` lists hosts reached directly, whichever environment
variable named the proxy (an explicit ``proxy=`` is always used). Proxy URLs may be ``http``, ``https``, ``socks5`` or
``socks5h`` (``host:port`` alone means ``http``, as for curl); HTTP requests through a SOCKS proxy need the ``socks``
extra (httpx's SOCKS support).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from tiktok_webcast._redact import redact, redact_url, register_secret
from tiktok_webcast.exceptions import InvalidArgumentError, ProxyError

SCHEMES = ("http", "https", "socks5", "socks5h")
SOCKS_EXTRA = "pip install 'tiktok-webcast[socks]'"


def check_proxy_url(url: str, *, source: str) -> str:
    """``url`` if it names a usable proxy, else :class:`InvalidArgumentError` saying what is wrong. ``source`` names
    where it came from (``"proxy="``, ``"HTTPS_PROXY"``) for the message."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidArgumentError(f"{source} is not a valid proxy URL ({redact_url(url)}): {error}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise InvalidArgumentError(
            f"{source} has the unsupported scheme {parts.scheme or '(none)'!r} ({redact_url(url)}); "
            f"use one of {', '.join(SCHEMES)}"
        )
    if not parts.hostname:
        raise InvalidArgumentError(f"{source} names no host ({redact_url(url)})")
    del port
    register_secret(parts.password)
    return url


def _no_proxy_entries(value: str) -> tuple[str, ...]:
    return tuple(entry.strip().lower() for entry in value.split(",") if entry.strip())


def _bypassed(host: str, entries: tuple[str, ...]) -> bool:
    """curl's reading of ``NO_PROXY``: ``*`` for every host, a domain and its subdomains (a leading dot is allowed),
    an IP address, or a CIDR network."""
    host = host.lower().strip("[]")
    for entry in entries:
        if entry == "*":
            return True
        name = entry.split(":", 1)[0] if entry.count(":") == 1 else entry
        if "/" in name:
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        name = name.lstrip(".").strip("[]")
        if host == name or host.endswith("." + name):
            return True
    return False


def _env(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(name.upper()) or environ.get(name.lower()) or None


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """The proxy URLs in force; make one with :meth:`resolve`. Passwords are kept out of the repr."""

    explicit: str | None = field(default=None, repr=False)
    http: str | None = field(default=None, repr=False)
    https: str | None = field(default=None, repr=False)
    websocket_only: str | None = field(default=None, repr=False)
    no_proxy: tuple[str, ...] = ()

    @classmethod
    def resolve(cls, proxy: str | None = None, environ: Mapping[str, str] | None = None) -> ProxySettings:
        """``proxy`` (the option) and the environment, each checked: a bad URL raises :class:`InvalidArgumentError`."""
        env = os.environ if environ is None else environ

        def checked(value: str | None, source: str) -> str | None:
            if not value or not value.strip():
                return None
            value = value.strip()
            # "host:3128", as curl and many environments write it, is an HTTP proxy.
            return check_proxy_url(value if "://" in value else f"http://{value}", source=source)

        return cls(
            explicit=checked(proxy, "proxy="),
            http=checked(_env(env, "HTTP_PROXY"), "HTTP_PROXY"),
            https=checked(_env(env, "HTTPS_PROXY"), "HTTPS_PROXY"),
            websocket_only=checked(_env(env, "ALL_PROXY"), "ALL_PROXY"),
            no_proxy=_no_proxy_entries(_env(env, "NO_PROXY") or ""),
        )

    def __repr__(self) -> str:
        shown = {
            name: redact_url(value)
            for name, value in (
                ("proxy", self.explicit),
                ("HTTP_PROXY", self.http),
                ("HTTPS_PROXY", self.https),
                ("ALL_PROXY", self.websocket_only),
            )
            if value
        }
        return f"ProxySettings({shown}, no_proxy={list(self.no_proxy)})"

    def for_http(self, url: str) -> str | None:
        """The proxy for an HTTP request to ``url``, or None to go direct."""
        if self.explicit:
            return self.explicit
        parts = urlsplit(url)
        chosen = self.https if parts.scheme == "https" else self.http
        if chosen and not _bypassed(parts.hostname or "", self.no_proxy):
            return chosen
        return None

    def for_websocket(self, url: str) -> str | None:
        """The proxy for the websocket at ``url`` (``ws``/``wss``), or None to go direct."""
        if self.explicit:
            return self.explicit
        parts = urlsplit(url)
        chosen = self.websocket_only or (self.https if parts.scheme == "wss" else self.http)
        if chosen and not _bypassed(parts.hostname or "", self.no_proxy):
            return chosen
        return None


def _proxied_transport(proxy: str, verify: ssl.SSLContext | bool) -> httpx.AsyncHTTPTransport:
    try:
        return httpx.AsyncHTTPTransport(proxy=proxy, verify=verify)
    except ImportError:
        raise InvalidArgumentError(
            f"HTTP requests through the SOCKS proxy {redact_url(proxy)} need the socks extra: {SOCKS_EXTRA}"
        ) from None


class ProxyTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends each request direct or through the proxy :class:`ProxySettings` chooses for it,
    and turns a refused, dropped or garbled proxy connection into :class:`ProxyError`."""

    def __init__(self, settings: ProxySettings, *, verify: ssl.SSLContext | bool = True) -> None:
        self.settings = settings
        self._verify = verify
        self._direct = httpx.AsyncHTTPTransport(verify=verify)
        self._proxied: dict[str, httpx.AsyncHTTPTransport] = {}
        # Built now, so that a SOCKS proxy without the extra fails when the client is made, not on the first request.
        for proxy in {settings.explicit, settings.http, settings.https} - {None}:
            assert proxy is not None
            self._proxied[proxy] = _proxied_transport(proxy, verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self.settings.for_http(str(request.url))
        if proxy is None:
            return await self._direct.handle_async_request(request)
        try:
            return await self._proxied[proxy].handle_async_request(request)
        except (httpx.ConnectError, httpx.ProxyError, httpx.RemoteProtocolError, httpx.LocalProtocolError) as error:
            raise proxy_error(proxy, error, str(request.url)) from error
        except Exception as error:
            # httpx lets socksio's own errors through (a SOCKS proxy answering garbage).
            if type(error).__module__.startswith("socksio"):
                raise proxy_error(proxy, error, str(request.url)) from error
            raise

    async def aclose(self) -> None:
        await self._direct.aclose()
        for transport in self._proxied.values():
            await transport.aclose()


def proxy_error(proxy: str, error: BaseException, url: str | None = None) -> ProxyError:
    """A :class:`ProxyError` for a failure through ``proxy``: what went wrong in words, secrets redacted."""
    detail = redact(str(error)) or type(error).__name__
    shown = redact_url(proxy)
    return ProxyError(
        f"connection through the proxy {shown} failed ({type(error).__name__}: {detail})",
        proxy=shown,
        url=redact_url(url) if url else None,
    )
