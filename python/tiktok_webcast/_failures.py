"""Why a connect path failed, as a typed value the CLI and Home Assistant can show: one place that turns the
exceptions of the HTTP, signer and websocket layers into a :class:`PathFailure`."""

from __future__ import annotations

import enum
import ssl
from dataclasses import dataclass, field

import anyio

from tiktok_webcast._bounds import clamp_seconds
from tiktok_webcast._paths import ConnectPath
from tiktok_webcast.exceptions import (
    AgeRestrictedError,
    BlockedError,
    CapacityError,
    ConnectionClosedError,
    DecodeError,
    HandshakeRejectedError,
    ProxyError,
    SignerAuthError,
    SignerError,
    SignerRateLimitError,
    TikTokHTTPError,
    UserOfflineError,
)

RETRY_AFTER_MAX = 3600.0
"""The longest a server-sent retry time may keep a path closed off."""


class FailureKind(enum.Enum):
    """What went wrong on a path, from the caller's point of view."""

    OFFLINE = "offline"
    """The room is not live (any more)."""
    BLOCKED = "blocked"
    """TikTok refused this client: a websocket upgrade answered with ``Handshake-Msg`` (``DEVICE_BLOCKED``,
    ``illegal secret key``, ...) or an HTTP 403/429/captcha."""
    AGE_RESTRICTED = "age_restricted"
    """An 18+ room without a session."""
    SIGNER_DOWN = "signer_down"
    """The signing service failed (5xx, an empty or unusable answer, unreachable, too slow)."""
    SIGNER_REJECTED = "signer_rejected"
    """The signing service refused the API key (401, 402, 403)."""
    SIGNER_RATE_LIMITED = "signer_rate_limited"
    """The signing service rate-limited us; ``retry_after`` says for how long."""
    EMPTY_FETCH = "empty_fetch"
    """``/webcast/im/fetch/`` answered empty bodies (what TikTok gives guests in 2026)."""
    STALE = "stale"
    """The connection was open but no frame came for the stale timeout."""
    PROXY = "proxy"
    """The proxy refused, dropped or garbled the connection."""
    DROPPED = "dropped"
    """An open connection ended (closed by the server, reset, or a transient end of stream)."""
    NETWORK = "network"
    """No connection could be made (refused, unreachable, timed out) or an HTTP call failed."""


@dataclass(frozen=True)
class PathFailure:
    """One failure of one connect path: what kind, a one-line message without secrets, and the details that
    matter for it (``handshake_msg`` for ``BLOCKED``, ``retry_after`` for ``SIGNER_RATE_LIMITED``, ``status``,
    ``close_code``)."""

    kind: FailureKind
    path: ConnectPath
    message: str
    status: int | None = None
    handshake_msg: str | None = None
    retry_after: float | None = None
    close_code: int | None = None
    error: BaseException | None = field(default=None, repr=False, compare=False)
    """The exception behind it (also ``ConnectionLostError.__cause__`` when watching gives up)."""

    def __str__(self) -> str:
        return f"{self.kind.value} on the {self.path.value} path: {self.message}"


class EmptyFetchError(TikTokHTTPError):
    """``im/fetch`` answered empty bodies several times in a row: polling gets nothing on this connection."""


class StaleConnectionError(ConnectionClosedError):
    """No frame arrived within the stale timeout."""


class ServerClosedError(ConnectionClosedError):
    """The server closed the websocket; ``code`` is its close code."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


TRANSIENT_STREAM_ERRORS = (
    anyio.EndOfStream,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    ssl.SSLError,
)
"""What a byte stream raises when the peer goes away mid-negotiation (TLS, proxy CONNECT, SOCKS5)."""


def classify(error: BaseException, path: ConnectPath, *, connected: bool, proxied: bool) -> PathFailure:
    """``error`` as a :class:`PathFailure`. ``connected``: the path had opened (an EOF then is a drop, not a
    failure to connect); ``proxied``: the websocket goes through a proxy (a transport failure before the upgrade
    is then most likely the proxy's)."""
    message = str(error) or type(error).__name__

    def failure(kind: FailureKind, **details: object) -> PathFailure:
        return PathFailure(kind, path, message, error=error, **details)  # type: ignore[arg-type]

    if isinstance(error, UserOfflineError):
        return failure(FailureKind.OFFLINE)
    if isinstance(error, AgeRestrictedError):
        return failure(FailureKind.AGE_RESTRICTED)
    if isinstance(error, SignerRateLimitError):
        retry = clamp_seconds(
            error.retry_after, lower=0.0, upper=RETRY_AFTER_MAX, what="the signer's retry time", default=60.0
        )
        return failure(FailureKind.SIGNER_RATE_LIMITED, status=error.status, retry_after=retry)
    if isinstance(error, SignerAuthError):
        return failure(FailureKind.SIGNER_REJECTED, status=error.status)
    if isinstance(error, SignerError):
        return failure(FailureKind.SIGNER_DOWN, status=error.status)
    if path is ConnectPath.SIGNED and not connected and isinstance(error, (DecodeError, CapacityError)):
        # The signer's fetch result did not decode: the signer is broken, not the connection.
        return failure(FailureKind.SIGNER_DOWN)
    if isinstance(error, HandshakeRejectedError):
        # A refusal without a reason is also what TikTok answers for a room that is no longer live; the
        # supervisor asks the room's status afterwards and reports OFFLINE when that is why.
        return failure(FailureKind.BLOCKED, status=error.status, handshake_msg=error.handshake_msg)
    if isinstance(error, EmptyFetchError):
        return failure(FailureKind.EMPTY_FETCH, status=error.status)
    if isinstance(error, StaleConnectionError):
        return failure(FailureKind.STALE)
    if isinstance(error, ServerClosedError):
        return failure(FailureKind.DROPPED, close_code=error.code)
    if isinstance(error, BlockedError):
        return failure(FailureKind.BLOCKED, status=error.status)
    if isinstance(error, ProxyError) or (proxied and not connected and _is_transport_error(error)):
        return failure(FailureKind.PROXY)
    if connected and _is_transport_error(error):
        return failure(FailureKind.DROPPED)
    if isinstance(error, TikTokHTTPError):
        return failure(FailureKind.NETWORK, status=error.status)
    return failure(FailureKind.NETWORK)


def _is_transport_error(error: BaseException) -> bool:
    return isinstance(error, (*TRANSIENT_STREAM_ERRORS, OSError, ConnectionClosedError, TikTokHTTPError))
