"""Balancing: how many creators a worker should hold when it sees the other live workers, how many it offers to
them, and how many offered ones it takes. Pure arithmetic, so the worker's loop only applies it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Peer:
    """Another live worker as this one sees it: the leases it holds and its room budget."""

    worker: str
    held: int
    max_rooms: int


def fair_share(watched: int, workers: int) -> int:
    """Creators per worker when ``watched`` are spread over ``workers`` (rounded up, so they all fit)."""
    return math.ceil(watched / max(workers, 1))


def to_offer(held: int, watched: int, peers: Sequence[Peer]) -> int:
    """Creators to offer: what this worker holds beyond its fair share, but no more than the others below theirs can
    take (an offer nobody takes only costs writes, and a worker that cannot grow must not make others shrink)."""
    fair = fair_share(watched, len(peers) + 1)
    room = sum(max(min(fair, peer.max_rooms) - peer.held, 0) for peer in peers)
    return max(min(held - fair, room), 0)


def to_take(held: int, max_rooms: int, watched: int, peers: int) -> int:
    """Offered creators to take over: up to this worker's fair share (never beyond, or the rooms would bounce)."""
    return max(min(fair_share(watched, peers + 1), max_rooms) - held, 0)
