"""The fleet's one error type: every failure of the watch list, the leases or the broker is a ``FleetError``."""

from __future__ import annotations

from tiktok_webcast.exceptions import WebcastError


class FleetError(WebcastError):
    """A fleet operation failed: a bad username, a malformed watch-list entry, or the broker refused or vanished."""
