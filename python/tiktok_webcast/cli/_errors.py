"""Exit codes, and the one-line explanation (with a hint) printed for each error instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tiktok_webcast._redact import redact
from tiktok_webcast.exceptions import (
    AgeRestrictedError,
    BlockedError,
    ConnectionLostError,
    DeviceBlockedError,
    HandshakeRejectedError,
    NetworkError,
    ProxyError,
    SignerAuthError,
    SignerError,
    SignerRateLimitError,
    StreamDownloadError,
    TikTokHTTPError,
    UserNotFoundError,
    UserOfflineError,
    WebcastError,
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_OFFLINE = 4
EXIT_INTERRUPTED = 130

# The modules each extra of pyproject.toml brings, for the hint when one is missing.
EXTRA_OF_MODULE = {"h11": "simulator", "wsproto": "simulator", "trio": "cli"}


class UsageError(Exception):
    """The command line asks for something that cannot work (exit code 2)."""


class UnknownRoomError(Exception):
    """TikTok answered a room id with an error: no such room (exit code 3, like a user not found)."""

    def __init__(self, room_id: int, answer: Exception) -> None:
        super().__init__(f"TikTok has no room {room_id} ({answer})")
        self.room_id = room_id


class OutputExistsError(Exception):
    """The file to write exists, and ``--force`` was not given."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} already exists")
        self.path = path


@contextmanager
def room_lookup(room_id: int | None) -> Iterator[None]:
    """Turns TikTok's refusal of a room id into :class:`UnknownRoomError`; a network failure or a block stays what
    it is (the room may exist)."""
    try:
        yield
    except (NetworkError, BlockedError):
        raise
    except TikTokHTTPError as error:
        if room_id is None:
            raise
        raise UnknownRoomError(room_id, error) from error


def explain(error: BaseException, *, has_session: bool = False) -> tuple[str, str | None, int]:
    """``(message, hint, exit code)`` for an error; messages never contain secrets."""
    message = redact(str(error)) or type(error).__name__
    match error:
        case UsageError():
            return message, None, EXIT_USAGE
        case UnknownRoomError():
            return (
                message,
                "room ids change with every stream: `tiktok-webcast info USER` shows a user's current room, "
                "or watch by USER",
                EXIT_NOT_FOUND,
            )
        case OutputExistsError():
            return message, "pass --force to overwrite it, or choose another -o FILE", EXIT_ERROR
        case UserNotFoundError():
            return message, "check the spelling (the name after the @ in the profile URL)", EXIT_NOT_FOUND
        case UserOfflineError():
            return (
                message,
                "try again when they are live, or find live rooms with `tiktok-webcast feed`",
                EXIT_OFFLINE,
            )
        case AgeRestrictedError():
            hint = (
                "the session id given is not accepted for 18+ rooms"
                if has_session
                else "pass --session-id (or set TIKTOK_SESSION_ID): the sessionid cookie of an adult account"
            )
            return message, hint, EXIT_ERROR
        case SignerRateLimitError():
            return (
                f"the signing service rate-limited this client; retry in {error.retry_after:.0f} s",
                "use your own key with --signer-api-key, or --connect-mode signer_free",
                EXIT_ERROR,
            )
        case SignerAuthError():
            return (
                "the signing service rejected the API key",
                "check --signer-api-key / TIKTOK_SIGNER_API_KEY, or use --connect-mode signer_free",
                EXIT_ERROR,
            )
        case SignerError():
            return message, "try --connect-mode signer_free", EXIT_ERROR
        case DeviceBlockedError():
            return (
                message,
                "TikTok flagged this guest identity; wait a minute and retry, or use --proxy",
                EXIT_ERROR,
            )
        case HandshakeRejectedError():
            return message, "try --connect-mode signed or --connect-mode polling", EXIT_ERROR
        case ProxyError():
            return (
                message,
                "check --proxy (or HTTPS_PROXY / ALL_PROXY): is the proxy running, is its URL right?",
                EXIT_ERROR,
            )
        case NetworkError():
            return (
                f"network error: {message}",
                "check the internet connection (and --base-url or TIKTOK_WEBCAST_URLS, if set); -v shows each request",
                EXIT_ERROR,
            )
        case BlockedError():
            return message, "TikTok is refusing this network: try --proxy or --session-id", EXIT_ERROR
        case ConnectionLostError():
            cause = f" (last error: {redact(str(error.__cause__))})" if error.__cause__ else ""
            return message + cause, "run with -v to see each attempt", EXIT_ERROR
        case StreamDownloadError() | TikTokHTTPError() | WebcastError():
            return message, None, EXIT_ERROR
        case httpx.HTTPError():
            return (
                f"network error: {message}",
                "check the internet connection (and --base-url or TIKTOK_WEBCAST_URLS, if set); -v shows each request",
                EXIT_ERROR,
            )
        case ModuleNotFoundError() if error.name in EXTRA_OF_MODULE:
            extra = EXTRA_OF_MODULE[error.name]
            return (
                f"this needs the {extra} extra, which is not installed (no module {error.name!r})",
                f"pip install 'tiktok-webcast[{extra}]'",
                EXIT_ERROR,
            )
        case OSError() if error.filename and error.strerror:
            return redact(f"{error.filename}: {error.strerror}"), None, EXIT_ERROR
        case OSError():
            return message, None, EXIT_ERROR
    return f"{type(error).__name__}: {message}", "this is a bug; please report it (run with -v)", EXIT_ERROR
