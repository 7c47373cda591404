"""Bounds on timings a server controls: a ``Retry-After`` of 1e9, ``inf`` or NaN, or a ping interval of a microsecond,
must neither park a client for years nor make it spin. Every clamp is logged once per call."""

from __future__ import annotations

import logging
import math

log = logging.getLogger("tiktok_webcast.bounds")


def clamp_seconds(value: float, *, lower: float, upper: float, what: str, default: float | None = None) -> float:
    """``value`` clamped to ``[lower, upper]``. NaN becomes ``default`` (or ``lower`` without one); +inf becomes
    ``upper``.

    ``what`` names the timing in the log line, e.g. ``"Retry-After from the signer"``.
    """
    if math.isnan(value):
        chosen = lower if default is None else default
        log.warning("%s is not a number; using %.3g s", what, chosen)
        return chosen
    if value < lower:
        log.warning("%s of %.3g s is below %.3g s; using %.3g s", what, value, lower, lower)
        return lower
    if value > upper:
        log.warning("%s of %.3g s is above %.3g s; using %.3g s", what, value, upper, upper)
        return upper
    return value
