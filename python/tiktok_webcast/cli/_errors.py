"""Exit codes, and the one-line explanation (with a hint) printed for each error instead of a traceback."""

from __future__ import annotations

import httpx

from tiktok_webcast._redact import redact
from tiktok_webcast.exceptions import (
    AgeRestrictedError,
    BlockedError,
    ConnectionLostError,
    DeviceBlockedError,
    HandshakeRejectedError,
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


class UsageError(Exception):
    """The command line asks for something that cannot work (exit code 2)."""


def explain(error: BaseException, *, has_session: bool = False) -> tuple[str, str | None, int]:
    """``(message, hint, exit code)`` for an error; messages never contain secrets."""
    message = redact(str(error)) or type(error).__name__
    match error:
        case UsageError():
            return message, None, EXIT_USAGE
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
        case BlockedError():
            return message, "TikTok is refusing this network: try --proxy or --session-id", EXIT_ERROR
        case ConnectionLostError():
            cause = f" (last error: {redact(str(error.__cause__))})" if error.__cause__ else ""
            return message + cause, "run with -v to see each attempt", EXIT_ERROR
        case StreamDownloadError() | TikTokHTTPError() | WebcastError():
            return message, None, EXIT_ERROR
        case httpx.HTTPError():
            return f"network error: {message}", "check the connection and --base-url/--proxy", EXIT_ERROR
        case OSError():
            return message, None, EXIT_ERROR
    return f"{type(error).__name__}: {message}", "this is a bug; please report it (run with -v)", EXIT_ERROR
