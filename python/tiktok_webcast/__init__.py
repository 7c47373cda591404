"""tiktok-webcast: a TikTok LIVE client for Python with a Rust core.

The typed events live here; the low-level protocol (push frames, the sans-IO websocket) lives in
:mod:`tiktok_webcast.protocol`.
"""

from importlib.metadata import PackageNotFoundError, version

from tiktok_webcast import events
from tiktok_webcast._client import Options, TikTok
from tiktok_webcast._convert import event_to_dict
from tiktok_webcast._download import DownloadResult, Recording, download_stream, record_stream
from tiktok_webcast._failures import FailureKind, PathFailure
from tiktok_webcast._ladder import Circuit, PathHealth
from tiktok_webcast._live import ConnectPath, Live, LiveState, LiveStats
from tiktok_webcast._liveness import Liveness, LivenessReading, LivenessSource, LiveStatus
from tiktok_webcast._stats import Gap, StateChange
from tiktok_webcast._urls import BaseUrls
from tiktok_webcast._watch import StreamEnded, StreamStarted, Watch
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
    InvalidArgumentError,
    InvalidStateError,
    NetworkError,
    ProtocolError,
    ProxyError,
    ResponseTooLargeError,
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
    "Circuit",
    "ConnectPath",
    "ConnectionClosedError",
    "ConnectionLostError",
    "DecodeError",
    "DeviceBlockedError",
    "DownloadResult",
    "FailureKind",
    "FeedPage",
    "Gap",
    "Gift",
    "GiftList",
    "GiftStreak",
    "GiftStreakTracker",
    "HandshakeRejectedError",
    "InvalidArgumentError",
    "InvalidStateError",
    "Live",
    "LiveState",
    "LiveStats",
    "LiveStatus",
    "Liveness",
    "LivenessReading",
    "LivenessSource",
    "NetworkError",
    "Options",
    "Owner",
    "PathFailure",
    "PathHealth",
    "PriceItem",
    "PriceList",
    "ProtocolError",
    "ProxyError",
    "ResponseTooLargeError",
    "Recording",
    "RoomInfo",
    "SignerAuthError",
    "SignerError",
    "SignerRateLimitError",
    "StateChange",
    "StreamDownloadError",
    "StreamEnded",
    "StreamStarted",
    "StreamUrl",
    "TikTok",
    "TikTokHTTPError",
    "UserInfo",
    "UserNotFoundError",
    "UserOfflineError",
    "Watch",
    "WebcastError",
    "__version__",
    "download_stream",
    "event_to_dict",
    "record_stream",
]
