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
CONF_FIRE_EVENTS: Final = "fire_events"
# A fleet of workers on NATS JetStream (docs/fleet.md) as the source of the creator's events, instead of a client here.
CONF_FLEET_URL: Final = "fleet_url"
CONF_FLEET_WATCH: Final = "fleet_watch"
# Installed when an entry first uses a fleet (not a requirement of the integration: most users have no fleet).
FLEET_REQUIREMENT: Final = "nats-py>=2.6"
# How often the fleet's status (who is live, in which room) is read.
FLEET_STATUS_INTERVAL: Final = 10.0

DEFAULT_MIN_GIFT_DIAMONDS: Final = 0
DEFAULT_OFFLINE_INTERVAL: Final = 60
MIN_OFFLINE_INTERVAL: Final = 10
# Backoff after a rate limit or a refusal.
MAX_BACKOFF: Final = timedelta(minutes=15)
# Retries while the service cannot be reached: 5, 10, 20, 20... s, so entities are back within ~30 s of its return.
RETRY_FIRST: Final = 5.0
RETRY_MAX: Final = 20.0
# The library's own reconnects while watching give up after about this long (then the entities are unavailable).
RECONNECT_BACKOFF_MAX: Final = 4.0
RECONNECTS: Final = 3
CONNECT_TIMEOUT: Final = 10.0
FIRST_CHECK_TIMEOUT: Final = 30.0
# Likes and viewers can change many times a second, gifts come by the hundred on a busy stream: sensors and event
# entities are written at most once per this many seconds, which bounds what the recorder stores (~1 MiB an hour).
UPDATE_COOLDOWN: Final = 10.0
# Counters are saved (for reloads and restarts) at most this often, in seconds.
STORE_SAVE_DELAY: Final = 10
# State changes of the connection kept for diagnostics.
STATE_HISTORY: Final = 20
# Rate limits this many checks in a row become a repair issue instead of a log line.
RATE_LIMIT_ISSUE_AFTER: Final = 3

# Fired on the bus for going live and going offline, and (when the options say so) for every gift streak, follow,
# share, subscription (chat messages and joins only when the options expose them too).
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


def trigger_signal(device_id: str | None) -> str:
    """The dispatcher signal that carries a creator's events to its device triggers (not recorded, unlike the bus)."""
    return f"{DOMAIN}_trigger_{device_id}"


def on_bus(options: Mapping[str, Any], kind: str, data: Mapping[str, Any]) -> bool:
    """Whether an event goes on the event bus, which the recorder writes to the database: going live or offline
    always; the others only when the options say so (a busy stream sends hundreds a second)."""
    if kind in (EVENT_WENT_LIVE, EVENT_WENT_OFFLINE):
        return True
    return bool(options.get(CONF_FIRE_EVENTS)) and wanted(options, kind, data)


def wanted(options: Mapping[str, Any], kind: str, data: Mapping[str, Any]) -> bool:
    """Whether an event reaches device triggers: chat and joins only when the options say so, gifts only from the
    minimum value up."""
    if kind == EVENT_CHAT:
        return bool(options.get(CONF_EXPOSE_CHAT))
    if kind == EVENT_JOIN:
        return bool(options.get(CONF_EXPOSE_JOINS))
    return kind != EVENT_GIFT or data["diamonds"] >= options.get(CONF_MIN_GIFT_DIAMONDS, DEFAULT_MIN_GIFT_DIAMONDS)
