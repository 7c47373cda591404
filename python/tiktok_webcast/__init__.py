"""tiktok-webcast: a TikTok LIVE client for Python with a Rust core.

The typed events live here; the low-level protocol (push frames, the sans-IO websocket) lives in
:mod:`tiktok_webcast.protocol`.
"""

from importlib.metadata import PackageNotFoundError, version

from tiktok_webcast import events
from tiktok_webcast._client import Options, TikTok
from tiktok_webcast._convert import event_to_dict
from tiktok_webcast._download import DownloadResult, Recording, download_stream, record_stream
from tiktok_webcast._live import ConnectPath, Live, LiveState, LiveStats
from tiktok_webcast._urls import BaseUrls
from tiktok_webcast.events import *  # noqa: F403  (the generated list of event classes)
from tiktok_webcast.exceptions import (
    AgeRestrictedError,
    BlockedError,
    CapacityError,
    ConnectionClosedError,
    ConnectionLostError,
    DecodeError,
    DeviceBlockedError,
    HandshakeRejectedError,
    InvalidStateError,
    ProtocolError,
    SignerAuthError,
    SignerError,
    SignerRateLimitError,
    StreamDownloadError,
    TikTokHTTPError,
    UserNotFoundError,
    UserOfflineError,
    WebcastError,
)
from tiktok_webcast.models import (
    FeedPage,
    Gift,
    GiftList,
    Owner,
    PriceItem,
    PriceList,
    RoomInfo,
    StreamUrl,
    UserInfo,
)
from tiktok_webcast.streaks import GiftStreak, GiftStreakTracker

try:
    __version__ = version("tiktok-webcast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0+unknown"

__all__ = [
    *events.__all__,
    "AgeRestrictedError",
    "BaseUrls",
    "BlockedError",
    "CapacityError",
    "ConnectPath",
    "ConnectionClosedError",
    "ConnectionLostError",
    "DecodeError",
    "DownloadResult",
    "DeviceBlockedError",
    "FeedPage",
    "Gift",
    "GiftList",
    "GiftStreak",
    "GiftStreakTracker",
    "HandshakeRejectedError",
    "InvalidStateError",
    "Live",
    "LiveState",
    "LiveStats",
    "Options",
    "Owner",
    "PriceItem",
    "PriceList",
    "ProtocolError",
    "Recording",
    "RoomInfo",
    "SignerAuthError",
    "SignerError",
    "SignerRateLimitError",
    "StreamDownloadError",
    "StreamUrl",
    "TikTok",
    "TikTokHTTPError",
    "UserInfo",
    "UserNotFoundError",
    "UserOfflineError",
    "WebcastError",
    "__version__",
    "download_stream",
    "event_to_dict",
    "record_stream",
]
