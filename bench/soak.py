"""Memory of many busy rooms over time: RSS sampled while one client tracks N rooms of the simulator.

Run: ``.venv/bin/python bench/soak.py [--rooms 250] [--rate 4000] [--minutes 10]``. The simulator runs in a child
process (its memory and CPU are not counted). Prints RSS every sample, the slope in MiB/min (least squares over the
samples after the first, which still holds the connect's warm-up) and RSS per room. ``--tracemalloc`` also diffs
snapshots of the client process (first sample against last) to show where any growth is allocated; it slows the
client, so its figures are for finding a cause, not for the slope.

Where growth outside Python's objects comes from: every sample also prints glibc's own accounting (``mallinfo2``:
bytes in use by ``malloc`` callers, bytes free but still held, memory mapped for large blocks), the blocks held by
Python's small-object allocator, and with ``--types`` the object types whose count changed most since the first
sample. ``--trim`` calls ``malloc_trim(0)`` before each sample and prints what it gave back: memory freed but held
by the allocator (fragmentation) comes back, memory still in use does not.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from rooms import RoomTally, raise_fd_limit, rss_mib, simulator, watch_room
from tiktok_webcast import TikTok

PREFIX = "soak"
# Rates are events per scenario second per room; their sum is scaled to --rate over all rooms.
MIX = {"chat": 0.45, "likes": 0.35, "joins": 0.15, "gifts": 0.05}
SCENARIO = """\
name = "bench-soak"
description = "{rooms} busy rooms, {rate:g} events/s in all"
seed = 7

[server]
batch_interval = 0.5

[generate]
count = {rooms}
prefix = "{prefix}"
script = {{ preset = "silent", {rates}, viewers_every = 10.0, viewers = 200 }}
"""
TOP_ALLOCATIONS = 12
TOP_TYPES = 8


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (glibc 2.33+): totals over every arena."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


class Allocator:
    """glibc's accounting of ``malloc`` (absent on other C libraries: then nothing is printed)."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        self._mallinfo2 = getattr(libc, "mallinfo2", None)
        if self._mallinfo2 is not None:
            self._mallinfo2.restype = _MallInfo2
        self._trim = getattr(libc, "malloc_trim", None)

    def summary(self) -> str:
        if self._mallinfo2 is None:
            return ""
        info = self._mallinfo2()
        mib = 1024 * 1024
        return (
            f"  malloc in use {info.uordblks / mib:6.1f} free-held {info.fordblks / mib:6.1f}"
            f" mmapped {info.hblkhd / mib:5.1f} MiB  pymalloc blocks {sys.getallocatedblocks():,}"
        )

    def trim(self) -> float:
        """``malloc_trim(0)``; returns the MiB of RSS it gave back."""
        if self._trim is None:
            return 0.0
        before = rss_mib()
        self._trim(0)
        return before - rss_mib()


def threads() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def type_counts() -> Counter[str]:
    return Counter(type(thing).__qualname__ for thing in gc.get_objects())


@dataclass
class Samples:
    minutes: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)

    def slope(self, start: int = 1) -> float:
        """MiB per minute, least squares over the samples from ``start`` on."""
        xs, ys = self.minutes[start:], self.rss[start:]
        if len(xs) < 2:
            return float("nan")
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
        return covariance / sum((x - mean_x) ** 2 for x in xs)


def scenario_text(rooms: int, rate: float) -> str:
    per_room = rate / rooms
    rates = ", ".join(f"{name} = {share * per_room:.4g}" for name, share in MIX.items())
    return SCENARIO.format(rooms=rooms, rate=rate, prefix=PREFIX, rates=rates)


def print_growth(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot) -> None:
    print(f"\ntracemalloc: top {TOP_ALLOCATIONS} growths, first sample to last")
    for stat in last.compare_to(first, "lineno")[:TOP_ALLOCATIONS]:
        print(f"  {stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks  {stat.traceback}")


async def soak(args: argparse.Namespace, workdir: Path) -> None:
    scenario = workdir / "soak.toml"
    scenario.write_text(scenario_text(args.rooms, args.rate))
    width = max(4, len(str(args.rooms)))
    usernames = [f"{PREFIX}{i:0{width}d}" for i in range(1, args.rooms + 1)]
    tally = RoomTally(args.rooms)
    samples = Samples()
    snapshots: list[tracemalloc.Snapshot] = []
    allocator = Allocator()
    first_types: Counter[str] | None = None
    async with (
        simulator("soak", str(scenario), workdir) as sim,
        TikTok(base_urls=sim.urls, max_reconnects=5, heartbeat_interval=10.0, event_buffer=args.event_buffer) as tiktok,
    ):
        gc.collect()
        rss_before = rss_mib()
        connecting = anyio.CapacityLimiter(50)
        async with anyio.create_task_group() as rooms:
            for username in usernames:
                rooms.start_soon(watch_room, tiktok, username, tally, connecting, 60.0)
            await tally.settled.wait()
            print(f"{tally.connected} of {args.rooms} rooms connected; rss before tracking {rss_before:.1f} MiB")
            start, cpu = time.perf_counter(), time.process_time()
            events = tally.events
            deadline = start + args.minutes * 60
            while True:
                gc.collect()
                trimmed = allocator.trim() if args.trim else None
                elapsed = (time.perf_counter() - start) / 60
                samples.minutes.append(elapsed)
                samples.rss.append(rss_mib())
                if args.tracemalloc:
                    # Only the first and the newest are kept: every snapshot is a copy of all traces.
                    del snapshots[1:]
                    snapshots.append(tracemalloc.take_snapshot())
                rate = (tally.events - events) / max(time.perf_counter() - start, 1e-9)
                print(
                    f"  {elapsed:6.2f} min  rss {samples.rss[-1]:7.1f} MiB  events {tally.events - events:>9}"
                    f"  ({rate:,.0f}/s)  simulator rss {sim.rss_mib():.0f} MiB{allocator.summary()}"
                    + (f"  trim gave back {trimmed:.1f} MiB" if trimmed is not None else ""),
                    flush=True,
                )
                if args.types:
                    counts = type_counts()
                    if first_types is None:
                        first_types = counts
                    else:
                        changes = Counter(counts)
                        changes.subtract(first_types)
                        top = sorted(changes.items(), key=lambda item: -abs(item[1]))[:TOP_TYPES]
                        print("    objects since the first sample: " + ", ".join(f"{n} {c:+d}" for n, c in top))
                if time.perf_counter() >= deadline:
                    break
                await anyio.sleep(min(args.interval, max(deadline - time.perf_counter(), 0.0)))
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            delivered = tally.events - events
            reconnects = sum(live.stats.reconnects for live in tally.lives)
            duplicates = sum(live.stats.duplicates for live in tally.lives)
            rooms.cancel_scope.cancel()
    rate = delivered / seconds
    print(f"\n{delivered:,} events in {seconds / 60:.1f} min = {rate:,.0f}/s, client cpu {cpu / seconds:.0%}")
    print(f"reconnects {reconnects}, duplicates dropped {duplicates}, failures {dict(tally.failures) or 'none'}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}; threads {threads()}")
    rss_per_room = (samples.rss[-1] - rss_before) / max(tally.connected, 1)
    print(f"rss per room (last sample, over the rss before tracking): {rss_per_room:.3f} MiB")
    print(f"slope: {samples.slope():+.3f} MiB/min over {len(samples.rss) - 1} samples after the first")
    # The duplicate filters fill during the first minutes (up to 1,791 ids per room): the second half shows
    # whether anything keeps growing after that.
    half = len(samples.rss) // 2
    print(f"slope of the second half: {samples.slope(half):+.3f} MiB/min over {len(samples.rss) - half} samples")
    if len(snapshots) >= 2:
        print_growth(snapshots[0], snapshots[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=250, help="rooms tracked at once (default 250)")
    parser.add_argument("--rate", type=float, default=4000.0, help="events/s over all rooms (default 4000)")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to sample (default 10)")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples (default 30)")
    parser.add_argument("--tracemalloc", action="store_true", help="diff allocation snapshots (slow)")
    parser.add_argument("--event-buffer", type=int, default=1000, help="the client's event_buffer (default 1000)")
    parser.add_argument("--trim", action="store_true", help="malloc_trim(0) before each sample; print what it freed")
    parser.add_argument("--types", action="store_true", help="print object counts by type against the first sample")
    args = parser.parse_args()
    if args.rooms < 1 or args.rate <= 0 or args.minutes <= 0 or args.interval <= 0:
        parser.error("--rooms, --rate, --minutes and --interval must be positive")
    limit = raise_fd_limit(args.rooms)
    if args.tracemalloc:
        tracemalloc.start(1)
    print(
        f"{args.rooms} rooms, {args.rate:g} events/s in all, {args.minutes:g} min, a sample every {args.interval:g} s,"
        f" event_buffer {args.event_buffer};"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, open files limit {limit},"
        f" MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', 'unset')}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        anyio.run(soak, args, Path(tmp), backend="trio")


if __name__ == "__main__":
    main()
