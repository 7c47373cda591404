"""Constants of the TikTok LIVE integration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

DOMAIN: Final = "tiktok_live"

CONF_SIGNER_API_KEY: Final = "signer_api_key"
CONF_SESSION_ID: Final = "session_id"
CONF_BASE_URL: Final = "base_url"

CONF_EXPOSE_CHAT: Final = "expose_chat"
CONF_EXPOSE_JOINS: Final = "expose_joins"
CONF_MIN_GIFT_DIAMONDS: Final = "min_gift_diamonds"
CONF_OFFLINE_INTERVAL: Final = "offline_interval"

DEFAULT_MIN_GIFT_DIAMONDS: Final = 0
DEFAULT_OFFLINE_INTERVAL: Final = 60
MIN_OFFLINE_INTERVAL: Final = 10
MAX_BACKOFF: Final = timedelta(minutes=15)
FIRST_CHECK_TIMEOUT: Final = 30.0
# Likes and viewers can change many times a second: entities are written at most once per this many seconds.
UPDATE_COOLDOWN: Final = 1.0
# Rate limits this many checks in a row become a repair issue instead of a log line.
RATE_LIMIT_ISSUE_AFTER: Final = 3

# Fired on the bus for every gift streak, follow, share, subscription, going live and going offline
# (chat messages and joins only when the options expose them). Device triggers listen to it.
EVENT_TIKTOK_LIVE: Final = "tiktok_live_event"

EVENT_WENT_LIVE: Final = "went_live"
EVENT_WENT_OFFLINE: Final = "went_offline"
EVENT_GIFT: Final = "gift"
EVENT_FOLLOW: Final = "follow"
EVENT_SHARE: Final = "share"
EVENT_SUBSCRIBE: Final = "subscribe"
EVENT_CHAT: Final = "chat"
EVENT_JOIN: Final = "join"

ISSUE_SIGNER_REJECTED: Final = "signer_key_rejected"
ISSUE_RATE_LIMITED: Final = "rate_limited"


def on_bus(options: Mapping[str, Any], kind: str, data: Mapping[str, Any]) -> bool:
    """Whether an event goes on the bus (and so to device triggers): chat and joins only when the options say so,
    gifts only from the minimum value up."""
    if kind == EVENT_CHAT:
        return bool(options.get(CONF_EXPOSE_CHAT))
    if kind == EVENT_JOIN:
        return bool(options.get(CONF_EXPOSE_JOINS))
    return kind != EVENT_GIFT or data["diamonds"] >= options.get(CONF_MIN_GIFT_DIAMONDS, DEFAULT_MIN_GIFT_DIAMONDS)
