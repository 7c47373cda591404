"""The fault pack: how TikTok and its signing service really broke in 2025-2026, one dated entry each.

A *switch* stays on until switched off (the service keeps answering that way); an *action* happens once (sockets go
silent, are closed with an error code, or the stream ends while nobody is connected). Turn them on from a scenario
(``[[faults]] kind = "breakage"``), from Python (:meth:`Simulator.breakage`), over HTTP on a running simulator
(``POST /_sim/breakages/<name>``), or from the command line (``simulate --break NAME``,
``simulate control break NAME``).
The dates and sources are those of ``shared/protocol/breakages-2025-2026.md`` and the threads it cites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["BREAKAGES", "BreakageInfo", "breakage_names"]


@dataclass(frozen=True, slots=True)
class BreakageInfo:
    name: str
    kind: Literal["switch", "action"]
    date: str
    effect: str
    source: str


def _entries(*items: BreakageInfo) -> dict[str, BreakageInfo]:
    return {item.name: item for item in items}


BREAKAGES: dict[str, BreakageInfo] = _entries(
    BreakageInfo(
        "2025-01-28-version-code",
        "switch",
        "2025-01-28",
        "websocket handshakes without a `version_code` query parameter are refused with HTTP 200 (no Handshake-* "
        "headers)",
        "TikTokLiveSharp #108, TikTokLive #293, TikTok-Live-Connector #250/#253",
    ),
    BreakageInfo(
        "2024-05-23-device-blocked",
        "switch",
        "2024-05-23",
        "every websocket handshake: HTTP 200 + `Handshake-Msg: DEVICE_BLOCKED` + `Handshake-Status: 415`; the "
        "ttwid is flagged",
        "TikTok-Live-Connector #187 (captured headers), #290/#291 (2025-10-29 wave)",
    ),
    BreakageInfo(
        "2024-05-23-device-blocked-415",
        "switch",
        "2024-05-23",
        "the same refusal with HTTP status 415 instead of 200 (how PirateTok py 0.3.0 documents it; unconfirmed)",
        "signer-free.md §5.1",
    ),
    BreakageInfo(
        "2026-09-09-illegal-app-id",
        "switch",
        "2026-09-09",
        "every websocket handshake: HTTP 200, empty body, `Handshake-Msg: illegal app_id` + `Handshake-Status: 417`",
        "TikTok-Live-Connector #329 (captured headers)",
    ),
    BreakageInfo(
        "2026-07-15-check-alive-lies",
        "switch",
        "2026-07-15",
        "`/webcast/room/check_alive/` answers `alive: true` for any room id, live, ended or unknown",
        "tiktok-live-recorder #454",
    ),
    BreakageInfo(
        "2026-05-27-user-not-found",
        "switch",
        "2026-05-27",
        "`/api-live/user/room/` answers `user_not_found` (19881007) for creators who are live",
        "TikTok-Live-Connector #323 (TikFinity too)",
    ),
    BreakageInfo(
        "2025-03-25-live-page-changed",
        "switch",
        "2025-03-25",
        "`/@<user>/live` has no `SIGI_STATE` script any more (a rehydration script without `LiveRoom`)",
        "TikTok-Live-Connector #261, TikTokLive #311",
    ),
    BreakageInfo(
        "2025-08-waf-interstitial",
        "switch",
        "2025-08",
        "`/@<user>/live`, `/@<user>` and `/api-live/user/room/` answer a `Please wait...` proof-of-work interstitial "
        "(HTTP 200, `wci`/`cs` elements) instead of the page or JSON",
        "tiktok-live-recorder #312, PR #313/#314; webcast.md §2.12",
    ),
    BreakageInfo(
        "2026-09-09-signer-fallback-stub",
        "switch",
        "2026-09-09",
        "the signer's `/webcast/fetch` answers 200 with a ~270-byte stub: the text `Connected through Euler Stream "
        "fallback proxy` and a `push_server` on `/ws-fallback/` that never upgrades (HTTP 200)",
        "TikTokLive #376, TikTok-Live-Connector #329",
    ),
    BreakageInfo(
        "2025-09-16-signer-empty-payload",
        "switch",
        "2025-09-16",
        'the signer answers 500 `{"message": "Empty response payload received! (Internal Code: 200)", "code": 500}`',
        "TikTok-Live-Connector #285, TikTokLive #336",
    ),
    BreakageInfo(
        "2026-07-23-signer-401",
        "switch",
        "2026-07-23",
        'the signer answers 401 `{"code": 401, "message": "The provided API Key is invalid."}`',
        "TikTokLive #371, TikTok-Live-Connector #292",
    ),
    BreakageInfo(
        "2025-10-20-signer-429-retry-after",
        "switch",
        "2025-10-20",
        "the signer answers 429 (`rate_limit_account_minute`) with only `Retry-After: <seconds>` (what "
        "TikTok-Live-Connector reads)",
        "TikTok-Live-Connector #288, TikTokLive #342",
    ),
    BreakageInfo(
        "2025-10-20-signer-429-x-ratelimit-reset",
        "switch",
        "2025-10-20",
        "the signer answers 429 with only `X-RateLimit-Reset: <unix seconds>` (TikTok-Live-Connector's reset time)",
        "TikTok-Live-Connector #288; its SignatureRateLimitError",
    ),
    BreakageInfo(
        "2025-10-20-signer-429-ratelimit-reset",
        "switch",
        "2025-10-20",
        "the signer answers 429 with only `RateLimit-Reset: <seconds from now>` (the IETF draft's delta; older "
        "TikTokLive read it as the wait) and `RateLimit-Remaining: 0`",
        "TikTokLive #342; its SignatureRateLimitError",
    ),
    BreakageInfo(
        "2026-09-10-close-4556",
        "action",
        "2026-09-10",
        "every websocket of the room is closed mid-stream with an error code (default 4556 `/webcast/fetch: 500`)",
        "TikTokLive #376 (Euler's managed websocket: 1011 and 4556)",
    ),
    BreakageInfo(
        "2026-silent-socket",
        "action",
        "2026",
        "the room's open websockets go silent: no frames, no heartbeat replies, TCP stays open (new connections work)",
        "users' 'connections that silently die'; signer-free.md §5.3 (stale detection)",
    ),
    BreakageInfo(
        "2026-07-stream-ends-while-disconnected",
        "action",
        "2026-07",
        "the room's websockets drop (no close frame), then the stream ends: nobody receives the end message",
        "VeTube PR #60 (LiveEnd/Disconnect ordering); TikTok-Live-Connector #268",
    ),
)


def breakage_names() -> tuple[str, ...]:
    return tuple(BREAKAGES)
