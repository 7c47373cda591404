"""The ways into a room's message stream (PROTOCOL.md decision 1)."""

from __future__ import annotations

import enum


class ConnectPath(enum.Enum):
    SIGNER_FREE = "signer_free"
    """A direct websocket with a guest ttwid (signer-free.md)."""
    SIGNED = "signed"
    """A bootstrap through the signing service, then the websocket it offers (webcast.md §3.4)."""
    POLLING = "polling"
    """HTTP polling of ``/webcast/im/fetch/`` (webcast.md §4.3); TikTok answers guests empty, so only with a
    session."""
