"""Memory of many busy rooms over time: RSS sampled while one client tracks N rooms of the simulator.

Run: ``.venv/bin/python bench/soak.py [--rooms 250] [--rate 4000] [--minutes 10]``. The simulator runs in a child
process (its memory and CPU are not counted). Prints RSS every sample, the slope in MiB/min (least squares over the
samples after the first, which still holds the connect's warm-up) and RSS per room. ``--tracemalloc`` also diffs
snapshots of the client process (first sample against last) to show where any growth is allocated; it slows the
client, so its figures are for finding a cause, not for the slope.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import tracemalloc
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
    async with (
        simulator("soak", str(scenario), workdir) as sim,
        TikTok(base_urls=sim.urls, max_reconnects=5, heartbeat_interval=10.0) as tiktok,
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
                    f"  ({rate:,.0f}/s)  simulator rss {sim.rss_mib():.0f} MiB",
                    flush=True,
                )
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
    rss_per_room = (samples.rss[-1] - rss_before) / max(tally.connected, 1)
    print(f"rss per room (last sample, over the rss before tracking): {rss_per_room:.3f} MiB")
    print(f"slope: {samples.slope():+.3f} MiB/min over {len(samples.rss) - 1} samples after the first")
    # The duplicate filters fill during the first minutes (two generations of ids per room): the second half shows
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
    args = parser.parse_args()
    if args.rooms < 1 or args.rate <= 0 or args.minutes <= 0 or args.interval <= 0:
        parser.error("--rooms, --rate, --minutes and --interval must be positive")
    limit = raise_fd_limit(args.rooms)
    if args.tracemalloc:
        tracemalloc.start(1)
    print(
        f"{args.rooms} rooms, {args.rate:g} events/s in all, {args.minutes:g} min, a sample every {args.interval:g} s;"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, open files limit {limit}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        anyio.run(soak, args, Path(tmp), backend="trio")


if __name__ == "__main__":
    main()
