"""Every error tiktok_webcast raises derives from :class:`WebcastError`.

Exception tree::

    WebcastError
    ├── ProtocolError            the peer broke the protocol (malformed websocket frame, bad handshake)
    ├── CapacityError            a size limit was hit before anything was allocated
    ├── DecodeError              bytes are not the protobuf message they should be
    ├── ConnectionClosedError    sending on a websocket that is closed
    └── InvalidStateError        a call the current state does not allow (local misuse)
"""

from tiktok_webcast._core import (
    CapacityError,
    ConnectionClosedError,
    DecodeError,
    InvalidStateError,
    ProtocolError,
    WebcastError,
)

__all__ = [
    "CapacityError",
    "ConnectionClosedError",
    "DecodeError",
    "InvalidStateError",
    "ProtocolError",
    "WebcastError",
]
