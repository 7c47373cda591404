"""Memory of the duplicate filter: bytes per remembered id and per busy room, against a Python set of the same ids.

Run: ``.venv/bin/python bench/seen_ids.py [--rooms 1000]``. Each room's filter is filled to its bounds by a flood of
unique ids (1 comment in 20 events, frames of 20, as a busy room sends them), so it holds the most it ever holds;
the figure is the growth of this process's resident memory, not an estimate. The peer is what the client held
before, Python sets of ints (two generations of up to 1,024 ids): a set of the same number of ids per room.
"""

from __future__ import annotations

import argparse
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tiktok_webcast import ChatEvent, LikeEvent
from tiktok_webcast._core import SeenIds

KIB = 1024
FRAME = 20
FLOOD = 10_000
"""Events offered to each filter: several times its bounds."""
Held = TypeVar("Held")


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * KIB
    raise RuntimeError("no VmRSS in /proc/self/status")


def filled_filter(room: int) -> SeenIds:
    seen = SeenIds()
    base = room << 32
    for start in range(0, FLOOD, FRAME):
        frame: list[LikeEvent | ChatEvent] = [LikeEvent(msg_id=base + start + i + 1) for i in range(FRAME - 1)]
        frame.append(ChatEvent(msg_id=base + start + FRAME))
        seen.keep_new(frame, start / 1000, ChatEvent)
    return seen


def measure(rooms: int, make: Callable[[int], Held]) -> tuple[int, list[Held]]:
    gc.collect()
    before = rss_bytes()
    held = [make(room) for room in range(1, rooms + 1)]
    gc.collect()
    return rss_bytes() - before, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=1000, help="filters held at once (default 1000)")
    args = parser.parse_args()
    print(f"{args.rooms} rooms, {FLOOD:,} unique ids offered to each; {os.cpu_count()} CPUs")

    ours_bytes, filters = measure(args.rooms, filled_filter)
    ids_per_room = len(filters[0])
    estimate = filters[0].heap_bytes
    del filters
    gc.collect()
    peer_bytes, sets = measure(args.rooms, lambda room: {(room << 32) + i for i in range(1, ids_per_room + 1)})
    del sets

    ids = args.rooms * ids_per_room
    print(f"\nids remembered per room: {ids_per_room:,} (its bounds: newest 1,791 ids and 48 comments)")
    print(f"  {'':<34}{'per id':>10}{'per room':>14}")
    for name, used in (("tiktok-webcast SeenIds (engine)", ours_bytes), ("Python set of int (peer)", peer_bytes)):
        print(f"  {name:<34}{used / ids:>8.1f} B{used / args.rooms / KIB:>10.1f} KiB")
    print(f"  {'SeenIds.heap_bytes, its estimate':<34}{estimate / ids_per_room:>8.1f} B{estimate / KIB:>10.1f} KiB")
    print(f"\nmemory per id, SeenIds / Python set: {ours_bytes / peer_bytes:.2f}")


if __name__ == "__main__":
    main()
