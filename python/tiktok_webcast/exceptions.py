"""Every error tiktok_webcast raises derives from :class:`WebcastError`.

Exception tree::

    WebcastError
    ├── ProtocolError              the peer broke the protocol (malformed websocket frame, bad handshake)
    ├── CapacityError              a size limit was hit before anything was allocated
    ├── DecodeError                bytes are not the protobuf message they should be
    ├── ConnectionClosedError      sending on a websocket that is closed
    ├── InvalidStateError          a call the current state does not allow (local misuse)
    ├── TikTokHTTPError            TikTok answered an HTTP request in a way we cannot use
    │   ├── BlockedError           a captcha, WAF page, 403/429 or empty answer: TikTok is refusing this client
    │   ├── NetworkError           no answer: refused, reset, EOF in TLS or proxy negotiation, deadline passed
    │   │   └── ProxyError         ... because the proxy refused, dropped or garbled the connection
    │   └── ResponseTooLargeError  a body grew past the size limit (counted after decompression)
    ├── InvalidArgumentError       an option, argument or environment variable that cannot be used
    ├── UserNotFoundError          no such TikTok user
    ├── UserOfflineError           the user exists but is not live
    ├── AgeRestrictedError         an 18+ room: pass ``session_id`` to watch it
    ├── SignerError                the signing service failed
    │   ├── SignerAuthError        it rejected the API key (401/403)
    │   └── SignerRateLimitError   it rate-limited us (429); ``retry_after`` says for how long
    ├── HandshakeRejectedError     the websocket upgrade was refused (TikTok answers 200 instead of 101)
    │   └── DeviceBlockedError     ... with ``Handshake-Msg: DEVICE_BLOCKED``: the guest identity was flagged
    ├── ConnectionLostError        reconnecting failed max_reconnects times in a row on every allowed path
    └── StreamDownloadError        recording a stream failed (no ffmpeg, no stream URL, ffmpeg error)

Messages never contain secrets (API keys, session ids, cookies).
"""

from __future__ import annotations

from tiktok_webcast._core import (
    CapacityError,
    ConnectionClosedError,
    DecodeError,
    InvalidStateError,
    ProtocolError,
    WebcastError,
)


class TikTokHTTPError(WebcastError):
    """TikTok answered an HTTP request with something we cannot use."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class BlockedError(TikTokHTTPError):
    """TikTok refuses this client: a captcha or WAF page, HTTP 403/429, or an empty answer."""


class NetworkError(TikTokHTTPError):
    """No usable answer came: the connection was refused or reset, ended during TLS or proxy negotiation, or the
    request's overall deadline passed. Transient: retrying may succeed (the reconnect loop does)."""


class ProxyError(NetworkError):
    """The proxy refused, dropped or garbled the connection. ``proxy`` is its URL without the password."""

    def __init__(self, message: str, *, proxy: str, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.proxy = proxy


class ResponseTooLargeError(TikTokHTTPError):
    """A response body grew past ``limit`` bytes (counted after decompression, so a gzip bomb stops early)."""

    def __init__(self, message: str, *, limit: int, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message, status=status, url=url)
        self.limit = limit


class InvalidArgumentError(WebcastError, ValueError):
    """An option, argument or environment variable cannot be used: a proxy URL with an unknown scheme, a SOCKS proxy
    without the ``socks`` extra, a malformed ``TIKTOK_WEBCAST_URLS``, a username too long to be one. Also a
    :class:`ValueError`, as bad arguments are in Python."""


class UserNotFoundError(WebcastError):
    """No TikTok user has this username."""

    def __init__(self, username: str) -> None:
        super().__init__(f"TikTok user {username!r} was not found")
        self.username = username


class UserOfflineError(WebcastError):
    """The user exists but is not live right now."""

    def __init__(self, username: str, *, status: int | None = None) -> None:
        detail = f" (room status {status})" if status is not None else ""
        super().__init__(f"TikTok user {username!r} is not live{detail}")
        self.username = username
        self.status = status


class AgeRestrictedError(WebcastError):
    """The room is 18+; TikTok shows it only to a logged-in session (pass ``session_id``)."""

    def __init__(self, room_id: int) -> None:
        super().__init__(f"room {room_id} is age-restricted (18+): pass session_id to watch it")
        self.room_id = room_id


class SignerError(WebcastError):
    """The signing service failed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SignerAuthError(SignerError):
    """The signing service rejected the API key (HTTP 401 or 403)."""


class SignerRateLimitError(SignerError):
    """The signing service rate-limited us (HTTP 429). Wait ``retry_after`` seconds before trying again."""

    def __init__(self, message: str, *, retry_after: float, status: int = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class HandshakeRejectedError(WebcastError):
    """The websocket upgrade was refused: TikTok answered ``status`` (usually 200) instead of 101."""

    def __init__(self, status: int, handshake_msg: str | None, handshake_status: str | None) -> None:
        reason = f": {handshake_msg}" if handshake_msg else ""
        super().__init__(f"websocket handshake rejected with HTTP {status}{reason}")
        self.status = status
        self.handshake_msg = handshake_msg
        self.handshake_status = handshake_status


class DeviceBlockedError(HandshakeRejectedError):
    """TikTok flagged the guest identity (``Handshake-Msg: DEVICE_BLOCKED``); a fresh ttwid is needed."""


class ConnectionLostError(WebcastError):
    """Reconnecting failed ``attempts`` times in a row (attempts that brought no messages) on every allowed path;
    ``__cause__`` is the last failure."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"connection lost; gave up after {attempts} failed attempts in a row")
        self.attempts = attempts


class StreamDownloadError(WebcastError):
    """Recording a stream failed: ffmpeg is missing, the room has no stream URL, or ffmpeg failed."""


__all__ = [
    "AgeRestrictedError",
    "BlockedError",
    "CapacityError",
    "ConnectionClosedError",
    "ConnectionLostError",
    "DecodeError",
    "DeviceBlockedError",
    "HandshakeRejectedError",
    "InvalidArgumentError",
    "InvalidStateError",
    "NetworkError",
    "ProtocolError",
    "ProxyError",
    "ResponseTooLargeError",
    "SignerAuthError",
    "SignerError",
    "SignerRateLimitError",
    "StreamDownloadError",
    "TikTokHTTPError",
    "UserNotFoundError",
    "UserOfflineError",
    "WebcastError",
]
