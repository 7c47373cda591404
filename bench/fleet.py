"""Issue 13's proof: many simulated rooms across fleet workers on this machine, against a plain client.

Run: ``.venv/bin/python bench/fleet.py`` (--rooms 5000 --workers 4); a smoke run: ``--rooms 200 --workers 2``.

A nats-server (JetStream, temporary store, loopback), the simulator and every worker are child processes; so is the
plain client it compares with, which tracks as many rooms as a fleet worker holds with ``TikTok.track_user`` and no
NATS. The figures: the time until every room is claimed and delivering, rooms per worker, RSS per room, events per
second through NATS, CPU seconds per event, the handover time after ``kill -9`` of a worker, and fleet/plain ratios.
Every child is stopped on exit, also on an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, aclosing, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from rooms import cpu_seconds, raise_fd_limit, rss_mib
from tiktok_webcast import TikTok
from tiktok_webcast.fleet import Fleet, FleetEvent, FleetStatus

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
SETTLE_SECONDS = 5.0
PROGRESS_INTERVAL = 10.0
STATUS_POLL = 2.0
"""Seconds between ``Fleet.status()`` calls: with thousands of creators each one costs the broker thousands of gets."""
PLAIN_REPORT_INTERVAL = 0.5
PLAIN_CONNECT_CONCURRENCY = 50
PLAIN_CONNECT_TIMEOUT = 120.0
CREATOR_PREFIX = "creator"
IDLE_PREFIX = "benchidle"
"""The baseline worker's fleet: its own, empty watch list on the same broker."""
DURABLE = "bench"
ADD_CONCURRENCY = 64
THIS_FILE = str(Path(__file__).resolve())

BUSY_PREFIX = "busy"
SCENARIO = """\
name = "bench-fleet"
description = "{busy} lively rooms, {quiet} rooms chatting {chat} times a second"
seed = 13

[server]
batch_interval = 1.0

[generate]
count = {quiet}
prefix = "{prefix}"
script = {{ preset = "silent", chat = {chat} }}
"""
BUSY_CREATOR = """
[[creators]]
username = "{name}"
script = "lively"
"""


def busy_names(busy: int) -> list[str]:
    return [f"{BUSY_PREFIX}{i:04d}" for i in range(1, busy + 1)]


def usernames(rooms: int, busy: int) -> list[str]:
    """Every creator: the lively ones, then the simulator's names for its generated quiet ones, ``creator0001`` ...
    (at least 4 digits)."""
    quiet = rooms - busy
    width = max(4, len(str(quiet)))
    return busy_names(busy) + [f"{CREATOR_PREFIX}{i:0{width}d}" for i in range(1, quiet + 1)]


def plain_sample(names: Sequence[str], workers: int) -> list[str]:
    """What one fleet worker holds on average, with the same mix: every ``workers``-th creator."""
    return list(names[::workers])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- child processes ------------------------------------------------------------------------------------------------


@dataclass
class Children:
    """Every child process of the run; ``stop_all`` interrupts them together, then kills what is left."""

    workdir: Path
    processes: dict[str, Process] = field(default_factory=dict)

    async def start(self, name: str, command: Sequence[str], *, env: Mapping[str, str] | None = None) -> Process:
        with (self.workdir / f"{name}.log").open("wb") as log:
            process = await anyio.open_process(list(command), stdout=subprocess.PIPE, stderr=log, env=env)
        self.processes[name] = process
        return process

    def log_tail(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")[-2000:]

    async def read_line(self, name: str, stream: BufferedByteReceiveStream) -> bytes:
        try:
            with anyio.fail_after(START_TIMEOUT):
                return await stream.receive_until(b"\n", 1 << 20)
        except (anyio.EndOfStream, anyio.IncompleteRead, TimeoutError):
            raise RuntimeError(f"{name} did not start:\n{self.log_tail(name)}") from None

    async def stop_all(self) -> None:
        with anyio.CancelScope(shield=True):
            running = [p for p in self.processes.values() if p.returncode is None]
            for process in running:
                process.send_signal(signal.SIGINT)
            with anyio.move_on_after(STOP_TIMEOUT):
                for process in running:
                    await process.wait()
            for process in self.processes.values():
                if process.returncode is None:
                    process.kill()
                    await process.wait()
                await process.aclose()


@asynccontextmanager
async def children(workdir: Path) -> AsyncIterator[Children]:
    group = Children(workdir)
    try:
        yield group
    finally:
        await group.stop_all()


async def start_nats(group: Children, store: Path) -> str:
    port = free_port()
    await group.start("nats-server", ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)])
    with anyio.fail_after(START_TIMEOUT):
        while True:
            if group.processes["nats-server"].returncode is not None:
                raise RuntimeError(f"nats-server exited:\n{group.log_tail('nats-server')}")
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
            except OSError:
                await anyio.sleep(0.05)
                continue
            await stream.aclose()
            return f"nats://127.0.0.1:{port}"


async def start_simulator(group: Children, args: argparse.Namespace) -> str:
    """The simulator's base URLs as the JSON line ``TIKTOK_WEBCAST_URLS`` takes."""
    scenario = group.workdir / "fleet.toml"
    quiet = args.rooms - args.busy
    text = SCENARIO.format(busy=args.busy, quiet=quiet, chat=args.chat, prefix=CREATOR_PREFIX)
    scenario.write_text(text + "".join(BUSY_CREATOR.format(name=name) for name in busy_names(args.busy)))
    command = [sys.executable, "-m", "tiktok_webcast.simulator", "--scenario", str(scenario), "--json", "--no-media"]
    process = await group.start("simulator", command)
    assert process.stdout is not None
    line = await group.read_line("simulator", BufferedByteReceiveStream(process.stdout))
    return line.decode().strip()


def worker_command(args: argparse.Namespace, nats_url: str, worker_id: str, prefix: str = "tiktok") -> list[str]:
    command = [sys.executable, "-m", "tiktok_webcast.cli", "fleet", "--nats", nats_url, "--prefix", prefix]
    command += ["--lease-ttl", f"{args.lease_ttl:g}", "worker", "--id", worker_id, "--max-rooms", str(args.max_rooms)]
    command += ["--handshakes-per-minute", str(args.handshakes_per_minute)]
    return [*command, "--max-connecting", str(args.max_connecting), "--offline-poll", "1"]


# -- the fleet's consumer -------------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What the bench's durable consumer saw, per creator."""

    count: int = 0
    last_sequence: dict[str, int] = field(default_factory=dict)
    mark: int | None = None
    """Stream sequence at the kill: an event after it was published by a survivor."""
    resumed_at: dict[str, float] = field(default_factory=dict)
    """Creator -> when its first event after ``mark`` arrived (monotonic)."""

    def record(self, item: FleetEvent) -> None:
        self.count += 1
        self.last_sequence[item.username] = item.sequence
        if self.mark is not None and item.sequence > self.mark and item.username not in self.resumed_at:
            self.resumed_at[item.username] = time.monotonic()


async def consume(fleet: Fleet, delivery: Delivery) -> None:
    events = cast(AsyncGenerator[FleetEvent, None], fleet.events(durable=DURABLE))
    async with aclosing(events):
        async for item in events:
            delivery.record(item)


async def stream_sequence(fleet: Fleet) -> int:
    info = await fleet.broker.js.stream_info(fleet.broker.names.stream)
    return int(info.state.last_seq)


# -- the plain client -----------------------------------------------------------------------------------------------


async def plain_child(names: Sequence[str]) -> None:
    """The peer, in its own process: one ``TikTok`` on asyncio tracking ``names``, as a fleet worker does, minus
    NATS. Prints JSON lines: its RSS before tracking and once all rooms are connected, then its event count."""
    tally = Counter[str]()
    settled = anyio.Event()
    limiter = anyio.CapacityLimiter(PLAIN_CONNECT_CONCURRENCY)

    def settle(outcome: str) -> None:
        tally[outcome] += 1
        if tally["connected"] + tally["failed"] == len(names):
            settled.set()

    async def watch(client: TikTok, username: str) -> None:
        connected = False
        try:
            async with AsyncExitStack() as stack:
                async with limiter:
                    live = await stack.enter_async_context(client.track_user(username))
                    with anyio.fail_after(PLAIN_CONNECT_TIMEOUT):
                        await live.wait_connected()
                connected = True
                settle("connected")
                async for _event in live.events:
                    tally["events"] += 1
        except Exception:
            if not connected:
                settle("failed")

    def say(**fields: object) -> None:
        print(json.dumps({**fields, "at": time.monotonic()}), flush=True)

    async with TikTok() as client, anyio.create_task_group() as tasks:
        gc.collect()
        say(rss_before=rss_mib())
        for username in names:
            tasks.start_soon(watch, client, username)
        await settled.wait()
        await anyio.sleep(SETTLE_SECONDS)
        gc.collect()
        say(rss_after=rss_mib(), connected=tally["connected"], failed=tally["failed"])
        while True:
            say(events=tally["events"])
            await anyio.sleep(PLAIN_REPORT_INTERVAL)


@dataclass
class PlainPeer:
    """The parent's view of the plain-client child: what it last said."""

    process: Process
    rss_before: float = 0.0
    rss_after: float = 0.0
    connected: int = 0
    failed: int = 0
    reports: list[tuple[float, int]] = field(default_factory=list)
    """(monotonic time, events so far), every PLAIN_REPORT_INTERVAL."""
    ready: anyio.Event = field(default_factory=anyio.Event)

    async def listen(self, stream: BufferedByteReceiveStream) -> None:
        while True:
            data = json.loads(await stream.receive_until(b"\n", 1 << 20))
            if "rss_before" in data:
                self.rss_before = data["rss_before"]
            elif "rss_after" in data:
                self.rss_after, self.connected, self.failed = data["rss_after"], data["connected"], data["failed"]
                self.ready.set()
            else:
                self.reports.append((data["at"], data["events"]))

    def events_between(self, start: float, end: float) -> tuple[int, float]:
        """Events counted between the reports nearest ``start`` and ``end``, and the seconds between those."""
        inside = [report for report in self.reports if start <= report[0] <= end] or self.reports[-1:]
        first, last = inside[0], inside[-1]
        return last[1] - first[1], last[0] - first[0]


# -- the run --------------------------------------------------------------------------------------------------------


@dataclass
class Window:
    seconds: float = 0.0
    fleet_events: int = 0
    worker_cpu: float = 0.0
    cpu_per_worker: dict[str, float] = field(default_factory=dict)
    plain_events: int = 0
    plain_seconds: float = 0.0
    plain_cpu: float = 0.0
    nats_cpu: float = 0.0
    simulator_cpu: float = 0.0


@dataclass
class Handover:
    victim: str = ""
    moved: int = 0
    held_seconds: float = math.nan
    delivering: list[float] = field(default_factory=list)
    """Seconds from the kill until each moved room's first event published by a survivor reached the consumer."""
    missing: int = 0


@dataclass
class Result:
    rooms: int
    workers: int
    add_seconds: float = 0.0
    claimed_seconds: float = math.nan
    delivering_seconds: float = math.nan
    per_worker: dict[str, int] = field(default_factory=dict)
    worker_rss: dict[str, float] = field(default_factory=dict)
    idle_worker_rss: float = 0.0
    plain: PlainPeer | None = None
    plain_rooms: int = 0
    window: Window = field(default_factory=Window)
    handover: Handover = field(default_factory=Handover)
    consumed: int = 0
    claimed_now: int = 0
    balanced_seconds: float = math.nan
    delivered_rooms: int = 0
    connected: int = 0
    """Rooms whose worker reported a live connection once all were delivering and balanced."""
    connected_after: int = 0
    """The same after the measured window."""
    failure: str | None = None
    """Why the run stopped early (every room did not deliver within ``--timeout``)."""
    lost_leases: int = 0
    """Times a worker found its lease taken while it still held the room: renewals that came too late."""
    nats_rss: float = 0.0
    simulator_rss: float = 0.0

    @property
    def fleet_rss_per_room(self) -> float:
        grown = sum(rss - self.idle_worker_rss for rss in self.worker_rss.values())
        return grown / max(sum(self.per_worker.values()), 1)

    @property
    def plain_rss_per_room(self) -> float:
        assert self.plain is not None
        return (self.plain.rss_after - self.plain.rss_before) / max(self.plain.connected, 1)

    @property
    def fleet_cpu_per_event(self) -> float:
        return self.window.worker_cpu / max(self.window.fleet_events, 1)

    @property
    def plain_cpu_per_event(self) -> float:
        return self.window.plain_cpu / max(self.window.plain_events, 1)


def progress(message: str, started: float) -> None:
    print(f"  [{time.monotonic() - started:6.1f} s] {message}", flush=True)


async def add_creators(fleet: Fleet, names: Sequence[str]) -> None:
    limiter = anyio.CapacityLimiter(ADD_CONCURRENCY)

    async def add(name: str) -> None:
        async with limiter:
            await fleet.add(name)

    async with anyio.create_task_group() as tasks:
        for name in names:
            tasks.start_soon(add, name)


def connected_rooms(status: FleetStatus) -> int:
    """Rooms whose worker reports a live connection (``live in room ...``; also while handing it over)."""
    states = (str(room.get("state", "")) for worker in status.workers.values() for room in worker["rooms"].values())
    return sum(state.startswith(("live in room", "handing over")) for state in states)


def moving(status: FleetStatus) -> int:
    """Creators offered or being handed over: the fleet is still balancing."""
    return sum(int(w.get("offered") or 0) + int(w.get("handing_over") or 0) for w in status.workers.values())


async def wait_all_delivering(fleet: Fleet, delivery: Delivery, result: Result) -> dict[str, str]:
    """Polls ``Fleet.status()`` until every creator is held, the consumer until every one delivered, and the workers
    until no creator is offered or handed over any more (balanced)."""
    started = time.monotonic()
    last_progress = started
    while True:
        status = await fleet.status()
        holders = status.holders
        result.claimed_now = len(holders)
        now = time.monotonic()
        if len(holders) == result.rooms and math.isnan(result.claimed_seconds):
            result.claimed_seconds = now - started
        delivering = len(delivery.last_sequence)
        if len(holders) == result.rooms and delivering == result.rooms and math.isnan(result.delivering_seconds):
            result.delivering_seconds = now - started
        if not math.isnan(result.delivering_seconds) and not moving(status):
            result.balanced_seconds = now - started
            result.connected = connected_rooms(status)
            result.delivered_rooms = delivering
            return holders
        if now - last_progress >= PROGRESS_INTERVAL:
            last_progress = now
            counts = Counter(holders.values())
            progress(
                f"{len(holders)} rooms claimed {dict(sorted(counts.items()))}, {connected_rooms(status)} connected, "
                f"{delivering} delivering, {moving(status)} being handed over",
                started,
            )
        await anyio.sleep(STATUS_POLL)


async def measure_window(
    fleet: Fleet, group: Children, workers: Mapping[str, Process], plain: PlainPeer, seconds: float
) -> Window:
    def cpu(processes: Sequence[Process]) -> float:
        return sum(cpu_seconds(p.pid) for p in processes)

    nats, simulator = group.processes["nats-server"], group.processes["simulator"]
    sequence, start = await stream_sequence(fleet), time.monotonic()
    per_worker = {worker_id: cpu([p]) for worker_id, p in workers.items()}
    plain_cpu = cpu([plain.process])
    nats_cpu, simulator_cpu = cpu([nats]), cpu([simulator])
    await anyio.sleep(seconds)
    per_worker = {worker_id: cpu([p]) - per_worker[worker_id] for worker_id, p in workers.items()}
    window = Window(
        worker_cpu=sum(per_worker.values()),
        cpu_per_worker=per_worker,
        plain_cpu=cpu([plain.process]) - plain_cpu,
        nats_cpu=cpu([nats]) - nats_cpu,
        simulator_cpu=cpu([simulator]) - simulator_cpu,
    )
    window.fleet_events = await stream_sequence(fleet) - sequence
    window.seconds = time.monotonic() - start
    window.plain_events, window.plain_seconds = plain.events_between(start, start + window.seconds)
    return window


async def measure_handover(
    fleet: Fleet, delivery: Delivery, workers: Mapping[str, Process], holders: Mapping[str, str], limit: float
) -> Handover:
    """Kills the worker holding the most rooms; waits at most ``limit`` seconds for its rooms to move."""
    per_worker = Counter(holders.values())
    victim = per_worker.most_common(1)[0][0]
    moved = {name for name, worker in holders.items() if worker == victim}
    handover = Handover(victim=victim, moved=len(moved))
    workers[victim].kill()  # kill -9: its leases are not given back; they must expire
    await workers[victim].wait()
    killed = time.monotonic()
    delivery.mark = await stream_sequence(fleet)
    with anyio.move_on_after(limit):
        while math.isnan(handover.held_seconds) or not moved <= delivery.resumed_at.keys():
            if math.isnan(handover.held_seconds):
                holders = (await fleet.status()).holders
                if all(holders.get(name, victim) != victim for name in moved):
                    handover.held_seconds = time.monotonic() - killed
            await anyio.sleep(0.2)
    handover.delivering = sorted(delivery.resumed_at[name] - killed for name in moved if name in delivery.resumed_at)
    handover.missing = len(moved) - len(handover.delivering)
    return handover


async def run(args: argparse.Namespace, workdir: Path) -> Result:
    result = Result(rooms=args.rooms, workers=args.workers)
    started = time.monotonic()
    async with children(workdir) as group:
        nats_url = await start_nats(group, workdir / "jetstream")
        urls = await start_simulator(group, args)
        env = {**os.environ, "TIKTOK_WEBCAST_URLS": urls}
        progress(f"nats-server at {nats_url}; simulator serving {args.rooms} creators", started)
        async with Fleet(nats_url, lease_ttl=args.lease_ttl) as fleet, anyio.create_task_group() as tasks:
            add_started = time.monotonic()
            await add_creators(fleet, usernames(args.rooms, args.busy))
            result.add_seconds = time.monotonic() - add_started
            progress(f"{args.rooms} creators on the watch list in {result.add_seconds:.1f} s", started)

            idle = await group.start("worker-idle", worker_command(args, nats_url, "idle", IDLE_PREFIX), env=env)
            async with Fleet(nats_url, prefix=IDLE_PREFIX, lease_ttl=args.lease_ttl) as idle_fleet:
                with anyio.fail_after(START_TIMEOUT):
                    while True:  # the broker tells no one when a worker is up: ask it
                        if "idle" in (await idle_fleet.status()).workers:
                            break
                        await anyio.sleep(0.2)
            await anyio.sleep(SETTLE_SECONDS)
            result.idle_worker_rss = rss_mib(idle.pid)
            progress(f"an idle worker (empty watch list): {result.idle_worker_rss:.1f} MiB", started)

            delivery = Delivery()
            tasks.start_soon(consume, fleet, delivery)
            workers: dict[str, Process] = {}
            for k in range(args.workers):
                worker_id = f"w{k}"
                workers[worker_id] = await group.start(worker_id, worker_command(args, nats_url, worker_id), env=env)
            progress(f"{args.workers} workers started (at most {args.max_rooms} rooms each)", started)
            with anyio.move_on_after(args.timeout):
                holders = await wait_all_delivering(fleet, delivery, result)
            if math.isnan(result.delivering_seconds):
                result.failure = (
                    f"after {args.timeout:g} s, {result.claimed_now} of {args.rooms} rooms were claimed and "
                    f"{len(delivery.last_sequence)} had delivered an event"
                )
                tasks.cancel_scope.cancel()
                return result
            held = Counter(holders.values())
            result.per_worker = {worker_id: held[worker_id] for worker_id in workers}
            progress(f"all {args.rooms} rooms claimed and delivering: {result.per_worker}", started)
            await anyio.sleep(SETTLE_SECONDS)
            result.worker_rss = {worker_id: rss_mib(p.pid) for worker_id, p in workers.items()}

            plain_names = plain_sample(usernames(args.rooms, args.busy), args.workers)
            result.plain_rooms = len(plain_names)
            plain_command = [sys.executable, THIS_FILE, "--rooms", str(args.rooms), "--busy", str(args.busy)]
            plain_command += ["--workers", str(args.workers), "--plain-child"]
            plain = PlainPeer(await group.start("plain", plain_command, env=env))
            result.plain = plain
            assert plain.process.stdout is not None
            tasks.start_soon(plain.listen, BufferedByteReceiveStream(plain.process.stdout))
            with anyio.fail_after(args.timeout):
                await plain.ready.wait()
            progress(f"plain client: {plain.connected} rooms connected, {plain.failed} failed", started)

            result.window = await measure_window(fleet, group, workers, plain, args.seconds)
            progress(f"measured {result.window.seconds:.1f} s", started)
            result.connected_after = connected_rooms(await fleet.status())
            result.nats_rss = rss_mib(group.processes["nats-server"].pid)
            result.simulator_rss = rss_mib(group.processes["simulator"].pid)

            handover_timeout = args.lease_ttl + args.timeout
            result.handover = await measure_handover(fleet, delivery, workers, holders, handover_timeout)
            progress(f"handover of {result.handover.moved} rooms done", started)
            result.consumed = delivery.count
            tasks.cancel_scope.cancel()
    result.lost_leases = lost_leases(workdir)
    return result


def lost_leases(workdir: Path) -> int:
    """The workers' "lost the lease" warnings: leases that expired under a live worker and went to another."""
    return sum(log.read_text(errors="replace").count("lost the lease") for log in workdir.glob("w[0-9]*.log"))


# -- the report -----------------------------------------------------------------------------------------------------


def report(result: Result, args: argparse.Namespace) -> None:
    w = result.window
    assert result.plain is not None
    plain = result.plain
    rows = [
        ("rooms", f"{result.rooms} across {result.workers} workers (at most {args.max_rooms} each)"),
        ("watch list filled in", f"{result.add_seconds:.1f} s"),
        ("all claimed after", f"{result.claimed_seconds:.1f} s (workers started with no room)"),
        ("all delivering after", f"{result.delivering_seconds:.1f} s"),
        ("balanced after", f"{result.balanced_seconds:.1f} s (no creator offered or being handed over)"),
        ("connected", f"{result.connected} rooms live when balanced, {result.connected_after} after the window"),
        ("delivered an event", f"{result.delivered_rooms} of {result.rooms} rooms"),
        ("rooms per worker", ", ".join(f"{k} {v}" for k, v in result.per_worker.items())),
        ("worker rss", ", ".join(f"{k} {v:.1f}" for k, v in result.worker_rss.items()) + " MiB"),
        ("idle worker rss", f"{result.idle_worker_rss:.1f} MiB (baseline)"),
        ("rss per room", f"{result.fleet_rss_per_room:.3f} MiB on the fleet"),
        ("events through NATS", f"{w.fleet_events / w.seconds:,.0f}/s ({w.fleet_events} in {w.seconds:.1f} s)"),
        ("worker cpu", f"{w.worker_cpu:.1f} s = {1e6 * result.fleet_cpu_per_event:.0f} us per event"),
        ("cpu per worker", ", ".join(f"{k} {v / w.seconds:.0%}" for k, v in w.cpu_per_worker.items()) + " of a core"),
        ("nats-server", f"{w.nats_cpu / w.seconds:.0%} of a core, {result.nats_rss:.0f} MiB"),
        ("simulator", f"{w.simulator_cpu / w.seconds:.0%} of a core, {result.simulator_rss:.0f} MiB"),
        ("consumer", f"{result.consumed} events read from the durable consumer"),
        ("leases lost", f"{result.lost_leases} times a live worker's lease expired and went to another"),
    ]
    quiet = f"{result.rooms - args.busy} quiet rooms chatting {args.chat:g}/s"
    print(f"\nfleet: {args.busy} lively rooms and {quiet}, lease TTL {args.lease_ttl:g} s")
    for name, value in rows:
        print(f"  {name:<24}{value}")

    plain_rate = w.plain_events / max(w.plain_seconds, 1e-9)
    print(f"\nplain client: one process, TikTok.track_user x {result.plain_rooms} rooms, no NATS (same window)")
    print(f"  {'connected':<24}{plain.connected} ({plain.failed} failed)")
    print(
        f"  {'rss':<24}{plain.rss_before:.1f} -> {plain.rss_after:.1f} MiB = {result.plain_rss_per_room:.3f} per room"
    )
    print(f"  {'events':<24}{plain_rate:,.0f}/s")
    print(f"  {'cpu':<24}{w.plain_cpu:.1f} s = {1e6 * result.plain_cpu_per_event:.0f} us per event")

    h = result.handover
    print(f"\nhandover: kill -9 of {h.victim}, which held {h.moved} rooms")
    print(f"  {'all held by others':<24}{h.held_seconds:.1f} s after the kill (lease TTL {args.lease_ttl:g} s)")
    if h.delivering:
        median, slowest = statistics.median(h.delivering), h.delivering[-1]
        print(f"  {'delivering again':<24}median {median:.1f} s, all {slowest:.1f} s after the kill")
    if h.missing:
        print(f"  WARNING: {h.missing} moved rooms delivered nothing new within the timeout")

    rss_ratio = result.fleet_rss_per_room / max(result.plain_rss_per_room, 1e-9)
    cpu_ratio = result.fleet_cpu_per_event / max(result.plain_cpu_per_event, 1e-12)
    print(f"\nfleet/plain, one room: rss {rss_ratio:.2f}x, cpu per event {cpu_ratio:.2f}x")
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


@contextmanager
def keeping_logs(workdir: Path, keep: Path | None) -> Iterator[None]:
    """Copies the children's logs to ``keep`` on the way out, also after a failure (they tell why)."""
    try:
        yield
    finally:
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for log in workdir.glob("*.log"):
                shutil.copy2(log, keep / log.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=5000, help="simulated creators on the watch list (5000)")
    parser.add_argument("--workers", type=int, default=4, help="worker processes (4)")
    parser.add_argument("--busy", type=int, default=50, help="lively rooms (about 5 events a second each) (50)")
    parser.add_argument("--chat", type=float, default=0.05, help="chat messages a second in every other room (0.05)")
    parser.add_argument("--seconds", type=float, default=30.0, help="the measured window (30)")
    parser.add_argument("--lease-ttl", type=float, default=15.0, help="the fleet's lease TTL in seconds (15)")
    parser.add_argument(
        "--max-rooms", type=int, help="per worker; default: rooms / (workers - 1), so the others can take a dead one's"
    )
    parser.add_argument("--handshakes-per-minute", type=int, default=1200, help="per worker (1200)")
    parser.add_argument("--max-connecting", type=int, default=10, help="per worker (10)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds each phase may take at most (900)")
    parser.add_argument("--keep-logs", type=Path, metavar="DIR", help="copy every child's log here at the end")
    parser.add_argument("--plain-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_child:
        anyio.run(plain_child, plain_sample(usernames(args.rooms, args.busy), args.workers), backend="asyncio")
        return
    if args.rooms < 1 or args.workers < 2 or not 0 <= args.busy <= args.rooms:
        parser.error("--rooms must be at least 1, --busy at most --rooms, --workers at least 2 (one is killed)")
    args.max_rooms = args.max_rooms or math.ceil(args.rooms / (args.workers - 1))

    # The simulator holds a socket per room and the plain client one per tracked room: raise the limit they inherit.
    limit = raise_fd_limit(args.rooms)
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in ("tiktok-webcast", "nats-py"))
    nats_version = subprocess.run(["nats-server", "--version"], capture_output=True, text=True).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{versions}, {nats_version}; Python {platform.python_version()}; {os.cpu_count()} CPUs, load average {load}")
    print(f"open files limit {limit}; every process is a child on loopback; started {time.strftime('%Y-%m-%d %H:%M')}")
    # A SIGTERM (``timeout``, a CI runner) then stops the children as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp, keeping_logs(Path(tmp), args.keep_logs):
        try:
            result = anyio.run(run, args, Path(tmp), backend="asyncio")
        except KeyboardInterrupt:
            raise SystemExit("interrupted; every child process was stopped") from None
        except Exception:
            for log in sorted(Path(tmp).glob("*.log")):
                print(f"--- {log.name} (end)\n{log.read_text(errors='replace')[-1500:]}", file=sys.stderr)
            raise
        if result.failure is not None:
            leases = f"leases lost under live workers: {lost_leases(Path(tmp))}"
            raise SystemExit(f"error: {result.failure}; {leases}; load average {os.getloadavg()[0]:.2f}")
    report(result, args)


if __name__ == "__main__":
    main()
