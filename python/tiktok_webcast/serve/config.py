"""The event server's settings, checked once: a server reachable from other machines must have a token."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from tiktok_webcast._redact import redact
from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.serve.creators import Polling
from tiktok_webcast.serve.hub import DEFAULT_QUEUE

__all__ = ["DEFAULT_PORT", "FleetSource", "ServeConfig", "ServeConfigError", "Webhook"]

DEFAULT_PORT = 21213
"""TikFinity's local websocket port, so its consumers find us where they look."""


class ServeConfigError(WebcastError):
    """The server's settings are unsafe or inconsistent (for example a public address without a token)."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """An HTTP endpoint that gets every wanted message as a signed POST (see ``docs/serve.md``)."""

    url: str
    secret: str = field(repr=False)
    creators: str | None = None
    """Comma-separated creators (default: all)."""
    types: str | None = None
    """Comma-separated types, ours or TikFinity's (default: all)."""
    queue: int = 1000
    attempts: int = 5
    timeout: float = 10.0
    backoff: float = 0.5
    """Seconds before the first retry; doubled for each next one (at most 30 s)."""

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ServeConfigError(f"a webhook URL is http(s)://...: {self.url!r}")
        if not self.secret:
            raise ServeConfigError("a webhook needs a secret to sign its requests with")
        if self.queue < 1 or self.attempts < 1:
            raise ServeConfigError("a webhook's queue and attempts are at least 1")


@dataclass(frozen=True, slots=True)
class FleetSource:
    """Take the events from a fleet on NATS JetStream (``docs/fleet.md``) instead of following the creators with a
    local client (``pip install tiktok-webcast[serve,fleet]``; the server then runs on asyncio, as nats-py does)."""

    url: str
    """The NATS server, ``nats://HOST:PORT`` (credentials in it are never shown)."""
    prefix: str = "tiktok"
    """The fleet's names on the broker (``tiktok-webcast fleet --prefix``)."""
    durable: str = "tiktok-webcast-serve"
    """The durable consumer's name: a restarted server goes on where it stopped; a new one starts with new events."""
    watch: bool = False
    """Add the server's creators to the fleet's watch list, so its workers watch them."""
    status_interval: float = 5.0
    """Seconds between reads of the fleet's status (who is live in which room)."""

    def __post_init__(self) -> None:
        if not self.url.startswith(("nats://", "tls://", "ws://", "wss://")):
            raise ServeConfigError(f"a fleet is reached at nats://HOST:PORT, not {redact(self.url)!r}")
        if not self.durable or not self.status_interval > 0:
            raise ServeConfigError("a fleet source needs a durable name and a positive status interval")

    def __repr__(self) -> str:
        return f"FleetSource({redact(self.url)!r}, prefix={self.prefix!r}, durable={self.durable!r})"


@dataclass(frozen=True, slots=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    """0 picks a free port (see ``EventServer.port``)."""
    token: str | None = field(default=None, repr=False)
    """Required from every client (``?token=`` or ``Authorization: Bearer``) when set; mandatory off loopback."""
    client_queue: int = DEFAULT_QUEUE
    """Messages held for one slow client before its oldest are dropped."""
    max_message_size: int = 64 * 1024
    """Largest frame a client may send; a larger one closes that client's socket (1009)."""
    polling: Polling = field(default_factory=Polling)
    log_path: str | None = None
    """Append every message of our JSON stream here, one per line."""
    webhooks: tuple[Webhook, ...] = ()
    streak_expiry: float = 60.0
    fleet: FleetSource | None = None
    """Where the events come from: a fleet (see :class:`FleetSource`), or (None) a local client per creator."""

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ServeConfigError(f"port {self.port} is out of range")
        if self.client_queue < 1:
            raise ServeConfigError("client_queue is at least 1")
        if self.token is not None and len(self.token) < 8:
            raise ServeConfigError("a token has at least 8 characters")
        if not self.loopback and not self.token:
            raise ServeConfigError(
                f"{self.host} is reachable from other machines: give a token (--token or TIKTOK_WEBCAST_SERVE_TOKEN)"
            )

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False
