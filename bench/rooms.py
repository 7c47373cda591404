"""Many rooms in one process: memory and CPU per idle room, and events/s delivered against the engine's decode rate.

Run with the bench venv (see README.md): ``bench/.venv/bin/python bench/rooms.py [--rooms 1000]``.
The simulator always runs in a child process, so its memory and CPU are not counted as the client's.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import random
import resource
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

import tiktok_webcast
from tiktok_webcast import BaseUrls, Live, TikTok
from tiktok_webcast.events import UnknownEvent
from tiktok_webcast.protocol import decode_push_frame, encode_fetch_response, encode_message, encode_push_frame
from tiktok_webcast.trace import TraceWriter, read_trace

MIB = 1024 * 1024
# Targets of issue 10 (RSS per idle room, lowered from issue 4's 1 MiB; delivered/decode, raised from 0.5).
RSS_PER_ROOM_TARGET = 0.1
DELIVERED_PER_DECODE_TARGET = 0.8

SIMULATOR_READY_TIMEOUT = 60.0
SIMULATOR_STOP_TIMEOUT = 15.0
# Each process holds one socket per room, plus HTTP connections, listeners and files.
FDS_PER_ROOM = 2
FDS_SPARE = 1024

# Idle rooms: about one chat a minute, nothing else; the welcome frame of each connect brings ~9 events.
IDLE_SCENARIO = """\
name = "bench-rooms-idle"
description = "{rooms} nearly silent rooms"
seed = 11

[server]
batch_interval = 1.0

[generate]
count = {rooms}
prefix = "{prefix}"
script = {{ preset = "silent", chat = 0.015, viewers = 12 }}
"""
IDLE_PREFIX = "creator"
SETTLE_SECONDS = 3.0

# Throughput: the simulator's busy room (~2,800 events per scripted second) is recorded through the client's
# ws_trace; its messages are regrouped 10-20 per frame (decode.py's shape, where the busy room itself batches ~700);
# the simulator replays those frames in a loop with every record at t=0, so only the socket paces it.
RECORD_SCENARIO = "busy"
RECORD_USERNAME = "tiktok_webcast_busy"
RECORD_SPEED = 4.0
RECORD_TIMEOUT = 60.0
# More distinct messages than the client's duplicate filter remembers (1,791 ids, 48 comments): a looped
# replay is never filtered as duplicates.
TRACE_MESSAGES = 30_000
MESSAGES_PER_FRAME = (10, 20)
REPLAY_USERNAME = "replay"
REPLAY_SCENARIO = """\
name = "bench-rooms-replay"
description = "a busy trace replayed in a loop, as fast as the socket takes it"
seed = 5

[replay]
trace = "{trace}"
username = "{username}"
loop = true
"""
WARM_UP_SECONDS = 1.0
# Delivery and decoding take turns in slices, so that background load hits both alike.
ROUNDS = 5
# Reading /proc/net/tcp costs the client a little, so the backlog is sampled only once a second.
BACKLOG_INTERVAL = 1.0
# The client is the bottleneck when sent data waits for it in at least this share of the samples.
BACKLOG_SHARE = 0.95


# -- processes ------------------------------------------------------------------------------------------------------


def raise_fd_limit(rooms: int) -> int:
    """Raises this process's soft RLIMIT_NOFILE; the simulator child inherits it (limits survive fork and exec)."""
    need = FDS_PER_ROOM * rooms + FDS_SPARE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return soft
    if hard != resource.RLIM_INFINITY and hard < need:
        raise SystemExit(f"error: {rooms} rooms need {need} open files, and the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    return need


def rss_mib(pid: int | str = "self") -> float:
    """Resident set size (``VmRSS``) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / MIB
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of another process (``/proc/PID/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches() -> tuple[int, int]:
    """This process's voluntary (it waited) and involuntary (it was preempted) context switches so far."""
    counts = dict.fromkeys(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"), 0)
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in counts:
            counts[name] = int(value)
    return counts["voluntary_ctxt_switches"], counts["nonvoluntary_ctxt_switches"]


def _tcp_table() -> list[tuple[int, int, int, int, str]]:
    """(local port, remote port, send queue, receive queue, inode) of every TCP socket of the machine."""
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            send_queue, _, receive_queue = fields[4].partition(":")
            local, remote = (int(address.rpartition(":")[2], 16) for address in fields[1:3])
            rows.append((local, remote, int(send_queue, 16), int(receive_queue, 16), fields[9]))
    return rows


def pending_bytes(server_port: int) -> int | None:
    """Bytes the server has written to this process's connection and the client has not read yet: the server's
    send queue plus our receive queue. A client that keeps up leaves both empty."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    rows = _tcp_table()
    for local, remote, _, receive_queue, inode in rows:
        if remote == server_port and inode in inodes:
            unsent = sum(send for lport, rport, send, _, _ in rows if lport == server_port and rport == local)
            return receive_queue + unsent
    return None


@dataclass
class SimulatorProcess:
    process: Process
    urls: BaseUrls
    ca: str | None
    """The throwaway CA (a PEM file) of a simulator started with ``--tls``."""

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def rss_mib(self) -> float:
        return rss_mib(self.process.pid)


@asynccontextmanager
async def simulator(name: str, scenario: str, workdir: Path, *options: str) -> AsyncIterator[SimulatorProcess]:
    """``python -m tiktok_webcast.simulator --json`` in a child process, stopped with SIGINT (a clean shutdown)."""
    log = workdir / f"simulator-{name}.log"
    command = [sys.executable, "-m", "tiktok_webcast.simulator", "--scenario", scenario, "--json", "--no-media"]
    with log.open("wb") as stderr:
        process = await anyio.open_process([*command, *options], stdout=subprocess.PIPE, stderr=stderr)
    try:
        assert process.stdout is not None
        try:
            with anyio.fail_after(SIMULATOR_READY_TIMEOUT):
                line = await BufferedByteReceiveStream(process.stdout).receive_until(b"\n", 65536)
        except (anyio.EndOfStream, anyio.IncompleteRead, TimeoutError):
            output = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the {name} simulator did not start:\n{output}") from None
        yield SimulatorProcess(process, BaseUrls.from_json(line.decode()), json.loads(line).get("ca"))
    finally:
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                with anyio.move_on_after(SIMULATOR_STOP_TIMEOUT):
                    await process.wait()
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            await process.aclose()


@contextmanager
def trusting(ca: str | None, workdir: Path) -> Iterator[None]:
    """Makes default SSL contexts (httpx's, and the one the client makes per websocket) trust the system's CAs plus
    the simulator's, through ``SSL_CERT_FILE``: the client keeps its default TLS settings and loads as many CA
    certificates per context as it does against TikTok."""
    if ca is None:
        yield
        return
    bundle = workdir / "trusted.pem"
    system = ssl.get_default_verify_paths().cafile
    bundle.write_text((Path(system).read_text() if system else "") + Path(ca).read_text())
    previous = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(bundle)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SSL_CERT_FILE"]
        else:
            os.environ["SSL_CERT_FILE"] = previous


# -- idle rooms -----------------------------------------------------------------------------------------------------


@dataclass
class RoomTally:
    """What the room tasks report, and what the main task waits for."""

    rooms: int
    connected: int = 0
    failed: int = 0
    events: int = 0
    lives: list[Live] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    settled: anyio.Event = field(default_factory=anyio.Event)

    def _check_settled(self) -> None:
        if self.connected + self.failed == self.rooms:
            self.settled.set()

    def on_connected(self, live: Live) -> None:
        self.connected += 1
        self.lives.append(live)
        self._check_settled()

    def on_failed(self, error: BaseException, connected: bool) -> None:
        when = "after connecting" if connected else "before connecting"
        self.failures[f"{when}: {type(error).__name__}: {error}"] += 1
        if not connected:
            self.failed += 1
            self._check_settled()


async def watch_room(
    tiktok: TikTok, username: str, tally: RoomTally, connecting: anyio.CapacityLimiter, connect_timeout: float
) -> None:
    """One room: connect (at most ``connecting`` rooms at a time), then consume its events until cancelled.
    Failures are counted, not raised."""
    connected = False
    try:
        async with AsyncExitStack() as stack:
            async with connecting:
                live = await stack.enter_async_context(tiktok.track_user(username))
                # wait_connected() alone waits forever when the room gives up before it ever connects.
                with anyio.move_on_after(connect_timeout) as waiting:
                    await live.wait_connected()
                if waiting.cancelled_caught:
                    raise TimeoutError(f"not connected after {connect_timeout:g} s (state {live.state.value})")
            connected = True
            tally.on_connected(live)
            async for _event in live.events:
                tally.events += 1
        tally.on_failed(RuntimeError("the event stream ended"), connected)
    except Exception as error:
        tally.on_failed(error, connected)


@dataclass
class IdleResult:
    rooms: int
    tls: bool
    connected: int
    failed: int
    connect_seconds: float
    rss_before: float
    rss_after: float
    rss_end: float
    idle_seconds: float
    idle_cpu: float
    idle_events: int
    reconnects: int
    failures: Counter[str]
    simulator_rss: float

    @property
    def rss_per_room(self) -> float:
        return (self.rss_after - self.rss_before) / max(self.connected, 1)

    @property
    def cpu_share(self) -> float:
        """Of one core, for all rooms together."""
        return self.idle_cpu / self.idle_seconds


async def measure_idle(args: argparse.Namespace, workdir: Path) -> IdleResult:
    scenario = workdir / "idle.toml"
    scenario.write_text(IDLE_SCENARIO.format(rooms=args.rooms, prefix=IDLE_PREFIX))
    async with simulator("idle", str(scenario), workdir, *(["--tls"] if args.tls else [])) as sim:
        with trusting(sim.ca, workdir):
            return await track_idle_rooms(args, sim)


async def track_idle_rooms(args: argparse.Namespace, sim: SimulatorProcess) -> IdleResult:
    width = max(4, len(str(args.rooms)))
    usernames = [f"{IDLE_PREFIX}{i:0{width}d}" for i in range(1, args.rooms + 1)]
    tally = RoomTally(args.rooms)
    async with TikTok(base_urls=sim.urls, max_reconnects=2, heartbeat_interval=10.0) as tiktok:
        gc.collect()
        rss_before = rss_mib()
        connecting = anyio.CapacityLimiter(args.connect_concurrency or args.rooms)
        async with anyio.create_task_group() as rooms:
            start = time.perf_counter()
            for username in usernames:
                rooms.start_soon(watch_room, tiktok, username, tally, connecting, args.connect_timeout)
            await tally.settled.wait()
            connect_seconds = time.perf_counter() - start
            # The welcome frames (recent comments, room intro, viewers) arrive and are consumed meanwhile.
            await anyio.sleep(SETTLE_SECONDS)
            gc.collect()
            rss_after = rss_mib()
            events, cpu, wall = tally.events, time.process_time(), time.perf_counter()
            await anyio.sleep(args.idle_seconds)
            idle_cpu, idle_seconds = time.process_time() - cpu, time.perf_counter() - wall
            idle_events = tally.events - events
            rss_end = rss_mib()
            reconnects = sum(live.stats.reconnects for live in tally.lives)
            rooms.cancel_scope.cancel()
    return IdleResult(
        rooms=args.rooms,
        tls=sim.ca is not None,
        connected=tally.connected,
        failed=tally.failed,
        connect_seconds=connect_seconds,
        rss_before=rss_before,
        rss_after=rss_after,
        rss_end=rss_end,
        idle_seconds=idle_seconds,
        idle_cpu=idle_cpu,
        idle_events=idle_events,
        reconnects=reconnects,
        failures=tally.failures,
        simulator_rss=sim.rss_mib(),
    )


# -- throughput -----------------------------------------------------------------------------------------------------


async def record_busy_room(workdir: Path, path: Path) -> int:
    """Tracks the simulator's busy room with ``ws_trace`` until TRACE_MESSAGES events arrived; returns the count."""
    async with (
        simulator("record", RECORD_SCENARIO, workdir, "--speed", str(RECORD_SPEED)) as sim,
        TikTok(base_urls=sim.urls, ws_trace=path, experimental_events=True) as tiktok,
        tiktok.track_user(RECORD_USERNAME) as live,
    ):
        count = 0
        with anyio.fail_after(RECORD_TIMEOUT):
            async for _event in live.events:
                count += 1
                if count >= TRACE_MESSAGES:
                    break
        return count


def regroup(recorded: Path, seed: int) -> list[bytes]:
    """The recorded messages again, 10-20 per gzipped push frame that asks for an ack, as TikTok sends them."""
    messages: list[UnknownEvent] = []
    for record in read_trace(recorded).server_frames():
        frame = decode_push_frame(record.data)
        if frame.payload_type != "msg":
            continue
        for event in frame.events:
            if isinstance(event, UnknownEvent):
                messages.append(event)
            else:
                method, payload = encode_message(event)
                messages.append(UnknownEvent(method, payload, None, event.msg_id))
    rng = random.Random(seed)
    frames: list[bytes] = []
    start = 0
    while start < len(messages):
        seq = len(frames) + 1
        chunk = messages[start : start + rng.randint(*MESSAGES_PER_FRAME)]
        start += len(chunk)
        result = encode_fetch_response(
            chunk, cursor=f"t-{seq}", internal_ext=f"internal_src:dim|seq:{seq}", need_ack=True, fetch_interval=1000
        )
        frames.append(encode_push_frame(result, payload_type="msg", log_id=9_000_000 + seq, seq_id=seq, gzip=True))
    return frames


def write_replay_trace(frames: Sequence[bytes], path: Path) -> None:
    """Every frame at t=0: the simulator's replay sends them back to back, paced only by the socket."""
    with TraceWriter(path, meta={"source": "bench/rooms.py"}, clock=lambda: 0.0) as trace:
        for frame in frames:
            trace.ws("in", frame)


@dataclass
class BusyReplay:
    """The busy room recorded and regrouped, ready for a simulator to replay (``REPLAY_USERNAME``) in a loop."""

    recorded: int
    """Events recorded."""
    record_seconds: float
    frames: list[bytes]
    scenario: Path


async def prepare_busy_replay(workdir: Path, seed: int) -> BusyReplay:
    """What ``rooms.py``'s throughput and ``clients.py`` replay: the same frames for both."""
    recorded_path = workdir / "busy.trace.jsonl"
    started = time.perf_counter()
    recorded = await record_busy_room(workdir, recorded_path)
    record_seconds = time.perf_counter() - started
    frames = regroup(recorded_path, seed)
    replay = workdir / "replay.trace.jsonl"
    write_replay_trace(frames, replay)
    scenario = workdir / "replay.toml"
    scenario.write_text(REPLAY_SCENARIO.format(trace=replay, username=REPLAY_USERNAME))
    return BusyReplay(recorded, record_seconds, frames, scenario)


class DecodeMeter:
    """``decode_push_frame`` in a tight loop over the replayed frames: the engine's rate, without any I/O."""

    def __init__(self, frames: Sequence[bytes]) -> None:
        self.frames = frames
        self.reset()

    def reset(self) -> None:
        self.done = self.events = 0
        self.elapsed = self.cpu = 0.0

    def run(self, seconds: float) -> None:
        frames = self.frames
        cpu = time.process_time()
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            self.events += len(decode_push_frame(frames[self.done % len(frames)]).events)
            self.done += 1
            now = time.perf_counter()
            if now >= deadline:
                self.elapsed += now - start
                self.cpu += time.process_time() - cpu
                return


async def sample_backlog(server_port: int, samples: list[int]) -> None:
    """Whether the simulator stays ahead: when the client is the bottleneck, sent data always waits for it."""
    while True:
        pending = pending_bytes(server_port)
        if pending is not None:
            samples.append(pending)
        await anyio.sleep(BACKLOG_INTERVAL)


@dataclass
class Consumer:
    events: int = 0

    async def run(self, live: Live) -> None:
        async for _event in live.events:
            self.events += 1


@dataclass
class ThroughputResult:
    recorded: int
    record_seconds: float
    frames: int
    messages: int
    bytes_per_frame: float
    decode: DecodeMeter
    delivered: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    simulator_cpu: float = 0.0
    waits: int = 0
    """Voluntary context switches of the client while delivering: times it had nothing to do."""
    preemptions: int = 0
    client_frames: int = 0
    duplicates: int = 0
    reconnects: int = 0
    backlog: list[int] = field(default_factory=list)
    """Samples of the bytes sent by the simulator and not yet read by the client, while delivering."""

    @property
    def ratio(self) -> float:
        """Events per CPU second, delivered over decoded: the client shares the machine with the simulator, which
        preempts it, while the decoding loop runs alone."""
        return (self.delivered / self.client_cpu) / (self.decode.events / self.decode.cpu)

    @property
    def wall_ratio(self) -> float:
        return (self.delivered / self.seconds) / (self.decode.events / self.decode.elapsed)


async def measure_throughput(args: argparse.Namespace, workdir: Path) -> ThroughputResult:
    replay = await prepare_busy_replay(workdir, args.seed)
    frames = replay.frames
    meter = DecodeMeter(frames)
    result = ThroughputResult(
        recorded=replay.recorded,
        record_seconds=replay.record_seconds,
        frames=len(frames),
        messages=sum(len(decode_push_frame(frame).events) for frame in frames),
        bytes_per_frame=sum(map(len, frames)) / len(frames),
        decode=meter,
    )
    consumer = Consumer()
    async with (
        simulator("replay", str(replay.scenario), workdir) as sim,
        TikTok(base_urls=sim.urls, experimental_events=True, heartbeat_interval=10.0) as tiktok,
        tiktok.track_user(REPLAY_USERNAME) as live,
        anyio.create_task_group() as tasks,
    ):
        tasks.start_soon(consumer.run, live)
        await live.wait_connected()
        await anyio.sleep(WARM_UP_SECONDS)
        meter.run(min(0.5, args.decode_seconds / ROUNDS))
        meter.reset()
        frames_before = live.stats.frames
        server_port = urlsplit(sim.urls.ws).port or 80
        for _ in range(ROUNDS):
            events, wall = consumer.events, time.perf_counter()
            cpu, simulator_cpu, switches = time.process_time(), sim.cpu_seconds(), context_switches()
            async with anyio.create_task_group() as sampler:
                sampler.start_soon(sample_backlog, server_port, result.backlog)
                await anyio.sleep(args.seconds / ROUNDS)
                sampler.cancel_scope.cancel()
            result.delivered += consumer.events - events
            result.seconds += time.perf_counter() - wall
            result.client_cpu += time.process_time() - cpu
            result.simulator_cpu += sim.cpu_seconds() - simulator_cpu
            waits, preemptions = (after - before for after, before in zip(context_switches(), switches, strict=True))
            result.waits += waits
            result.preemptions += preemptions
            # Synchronous: the client's event loop, and through backpressure the replay, wait meanwhile.
            meter.run(args.decode_seconds / ROUNDS)
        result.client_frames = live.stats.frames - frames_before
        result.duplicates = live.stats.duplicates
        result.reconnects = live.stats.reconnects
        tasks.cancel_scope.cancel()
    return result


# -- report ---------------------------------------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def report_idle(idle: IdleResult, connect_concurrency: int) -> None:
    transport = "wss:// and https://, default TLS settings" if idle.tls else "ws:// and http://"
    at_a_time = f"{connect_concurrency} at a time" if connect_concurrency else "all at once"
    print(f"\nidle rooms: {idle.rooms} tracked at once, one task each ({transport})")
    rows = [
        ("connected", f"{idle.connected} of {idle.rooms} in {idle.connect_seconds:.1f} s ({at_a_time})"),
        ("failed / reconnects", f"{idle.failed} / {idle.reconnects}"),
        ("rss before tracking", f"{idle.rss_before:7.1f} MiB"),
        ("rss connected, settled", f"{idle.rss_after:7.1f} MiB"),
        ("rss after the window", f"{idle.rss_end:7.1f} MiB"),
        ("idle window", f"{idle.idle_seconds:.1f} s, {idle.idle_events} events delivered"),
        ("cpu in the window", f"{idle.idle_cpu:.2f} s = {100 * idle.cpu_share:.2f} % of a core for all rooms"),
        ("cpu per idle room", f"{100 * idle.cpu_share / max(idle.connected, 1):.4f} % of a core"),
        ("simulator rss", f"{idle.simulator_rss:.1f} MiB (its own process, not counted)"),
    ]
    for name, value in rows:
        print(f"  {name:<24}{value}")
    for failure, count in idle.failures.most_common(5):
        print(f"  WARNING: {count} room(s) failed {failure}")


def report_throughput(t: ThroughputResult) -> None:
    print(f"\nthroughput: one room; {t.recorded} events of the busy room recorded in {t.record_seconds:.1f} s,")
    print(
        f"  replayed unpaced in a loop as {t.frames} frames of {t.messages / t.frames:.1f} events "
        f"({t.bytes_per_frame:.0f} B gzipped)"
    )
    header = ("frames", "events", "seconds", "cpu s", "events/s", "per cpu s", "cpu us/ev")
    print(f"  {'':<26}" + "".join(f"{name:>10}" for name in header))
    rows = [
        ("engine decode_push_frame", t.decode.done, t.decode.events, t.decode.elapsed, t.decode.cpu),
        ("delivered to the consumer", t.client_frames, t.delivered, t.seconds, t.client_cpu),
    ]
    for name, frames, events, seconds, cpu in rows:
        print(
            f"  {name:<26}{frames:>10}{events:>10}{seconds:>10.2f}{cpu:>10.2f}{events / seconds:>10,.0f}"
            f"{events / cpu:>10,.0f}{1e6 * cpu / events:>10.2f}"
        )
    print(
        f"  while delivering, cpu: client {100 * t.client_cpu / t.seconds:.0f} % of a core (waited "
        f"{t.waits / t.seconds:.0f} times/s, preempted {t.preemptions / t.seconds:.0f} times/s), simulator "
        f"{100 * t.simulator_cpu / t.seconds:.0f} %"
    )
    print(f"  duplicates {t.duplicates}, reconnects {t.reconnects}")
    backlogged = sum(1 for pending in t.backlog if pending > 0) / max(len(t.backlog), 1)
    median = sorted(t.backlog)[len(t.backlog) // 2] if t.backlog else 0
    print(
        f"  data sent, not yet read: in {100 * backlogged:.0f} % of {len(t.backlog)} samples "
        f"(median {median / MIB:.1f} MiB): the bottleneck is "
        f"{'the client' if backlogged >= BACKLOG_SHARE else 'NOT clearly the client'}"
    )
    if backlogged < BACKLOG_SHARE:
        print("  WARNING: the simulator did not stay ahead of the client; the delivered rate may be understated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=1000, help="idle rooms tracked at once (default 1000)")
    parser.add_argument("--idle-seconds", type=float, default=20.0, help="idle window for the CPU figure")
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="rooms connecting at a time; 0: all at once (default 50)"
    )
    parser.add_argument("--connect-timeout", type=float, default=60.0, help="per room, once its turn came")
    parser.add_argument("--tls", action="store_true", help="idle rooms over wss:// and https:// (needs trustme)")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed delivery in total (default 10)")
    parser.add_argument("--decode-seconds", type=float, default=3.0, help="timed decoding in total (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    limit = raise_fd_limit(args.rooms)
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in ("tiktok-webcast", "anyio", "trio"))
    load = os.getloadavg()[0]
    print(f"{versions}; Python {platform.python_version()} on trio; {os.cpu_count()} CPUs, load average {load:.2f}")
    print(f"tiktok_webcast from {Path(tiktok_webcast.__file__).parent}; open files limit {limit}")
    print("the simulator runs in a child process: its memory and CPU are not counted")

    with tempfile.TemporaryDirectory(prefix="bench-rooms-") as tmp:
        workdir = Path(tmp)
        idle = anyio.run(measure_idle, args, workdir, backend="trio")
        report_idle(idle, args.connect_concurrency)
        throughput = anyio.run(measure_throughput, args, workdir, backend="trio")
        report_throughput(throughput)

    all_connected = idle.connected == idle.rooms
    note = "" if all_connected else f" ({idle.rooms - idle.connected} rooms did not connect)"
    print(
        f"\nrss per idle room: {idle.rss_per_room:.2f} MiB (target < {RSS_PER_ROOM_TARGET:g} MiB): "
        f"{verdict(idle.rss_per_room < RSS_PER_ROOM_TARGET and all_connected)}{note}"
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    print(
        f"delivered/decode: {throughput.ratio:.2f} per cpu second, {throughput.wall_ratio:.2f} per second "
        f"(target >= {DELIVERED_PER_DECODE_TARGET:g}): {verdict(throughput.ratio >= DELIVERED_PER_DECODE_TARGET)}"
    )


if __name__ == "__main__":
    main()
