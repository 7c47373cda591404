"""tiktok-webcast: a TikTok LIVE client for Python with a Rust core.

The typed events live here; the low-level protocol (push frames, the sans-IO websocket) lives in
:mod:`tiktok_webcast.protocol`.
"""

from importlib.metadata import PackageNotFoundError, version

from tiktok_webcast import events
from tiktok_webcast._convert import event_to_dict
from tiktok_webcast.events import *  # noqa: F403  (the generated list of event classes)
from tiktok_webcast.exceptions import (
    CapacityError,
    ConnectionClosedError,
    DecodeError,
    InvalidStateError,
    ProtocolError,
    WebcastError,
)

try:
    __version__ = version("tiktok-webcast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0+unknown"

__all__ = [
    *events.__all__,
    "CapacityError",
    "ConnectionClosedError",
    "DecodeError",
    "InvalidStateError",
    "ProtocolError",
    "WebcastError",
    "__version__",
    "event_to_dict",
]
