"""The five base URLs a simulator serves; the real paths live unchanged under each."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FALLBACK_PATH", "SimulatorUrls"]

FALLBACK_PATH = "/ws-fallback/"
"""On ``ws``: where the signer's fallback stub points (``2026-09-09-signer-fallback-stub``); it never upgrades."""


@dataclass(frozen=True, slots=True)
class SimulatorUrls:
    """Base URLs (no trailing slash) standing in for the real hosts.

    ``web`` = https://www.tiktok.com, ``webcast`` = https://webcast.tiktok.com, ``ws`` = wss://webcast-ws.tiktok.com,
    ``signer`` = https://api.eulerstream.com, ``media`` = the pull CDN (FLV/HLS).
    """

    web: str
    webcast: str
    ws: str
    signer: str
    media: str

    def as_dict(self) -> dict[str, str]:
        return {"web": self.web, "webcast": self.webcast, "ws": self.ws, "signer": self.signer, "media": self.media}

    @property
    def push_server(self) -> str:
        """The websocket URL a fetch result's ``push_server`` names (the signer-free path is the same)."""
        return f"{self.ws}/webcast/im/ws_proxy/ws_reuse_supplement/"
