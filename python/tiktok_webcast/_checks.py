"""Checks of caller-given settings: a value that cannot work is an :class:`InvalidArgumentError` naming it."""

from __future__ import annotations

import math

from tiktok_webcast.exceptions import InvalidArgumentError


def require_seconds(value: object, name: str) -> None:
    """``value`` must be a positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise InvalidArgumentError(f"{name} must be a positive, finite number of seconds, not {value!r}")


def require_count(value: object, name: str, *, minimum: int) -> None:
    """``value`` must be a whole number of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{name} must be a whole number of at least {minimum}")
