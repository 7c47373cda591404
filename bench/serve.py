"""The event server under load: 50 overlay clients while the simulator streams about 1,000 events per second.

Run: ``.venv/bin/python bench/serve.py [--seconds 10] [--clients 50] [--mix overlays|firehose|tikfinity]
[--backend trio|asyncio|uvloop]``.

Three processes on loopback: the simulator (a child, with a room scripted at ~1,000 events/s), the event server (this
process: the client following that room plus the server), and the overlay clients (another child: each
opens a websocket like an overlay page and drains it). Measured in the server process, over the timed window:

- latency from the moment the server has an event (the client decoded its frame) until each websocket send of it
  has been handed to the socket, for every send: p50, p99, max (target: p99 < 50 ms);
- the server process's CPU time per event, as a ratio to bare decoding: the same room's frames, recorded in the same
  run by a second client with a websocket trace, decoded with ``protocol.decode_push_frame`` alone.

``--mix overlays`` (default) gives each client what an overlay page subscribes to (alerts, chat, goal, top gifters,
likes, viewers, in turn), batched as the pages ask; ``--mix firehose`` gives every client every message in our format
(batched); ``--mix tikfinity`` gives every client every message in TikFinity's format (one websocket message per
event, as TikFinity tools expect). ``--backend`` picks the server's event loop (trio, as the command runs it;
asyncio; asyncio on uvloop). Bounded: ``--seconds`` of measurement after a short warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import anyio.abc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rooms import simulator
from tiktok_webcast import BaseUrls, TikTok, protocol
from tiktok_webcast.serve import EventServer, ServeConfig
from tiktok_webcast.trace import WsRecord, read_trace

LATENCY_TARGET_MS = 50.0
CREATOR = "bench_busy"
# About 1,000 events per second: chat, likes, joins, gift streaks (each send brings several updates), follows.
SCENARIO = """\
name = "bench-serve"
description = "one room at about 1,000 events per second"
seed = 21

[server]
batch_interval = 0.2

[[creators]]
username = "{creator}"
nickname = "Bench Room"
script = {{ preset = "silent", chat = 550, likes = 200, joins = 120, gifts = 25, follows = 20, shares = 5, \
subscriptions = 1, viewers_every = 1.0, viewers = 5000, streak_max = 5, streak_step = 0.2 }}
"""
OVERLAY_TYPES = (
    "GiftStreak,UserEvent,SubNotifyEvent",  # alerts
    "ChatEvent",  # chat
    "Stats",  # goal
    "Stats",  # top gifters
    "Stats",  # likes
    "Stats",  # viewers
)
WARM_UP = 3.0
TRACE_SECONDS = 3.0


def client_paths(count: int, mix: str) -> list[str]:
    paths = []
    for i in range(count):
        if mix == "tikfinity":
            paths.append("/")  # a TikFinity tool: everything, in TikFinity's format, one message per event
        elif mix == "firehose":
            paths.append("/events?batch=1")  # everything, in our format
        else:
            paths.append(f"/events?batch=1&type={OVERLAY_TYPES[i % len(OVERLAY_TYPES)]}")  # as the overlay pages ask
    return paths


# -- the clients' process -------------------------------------------------------------------------------------------


async def drain_clients(host: str, port: int, paths: Sequence[str]) -> None:
    """Opens every websocket, then reads and discards until stdin closes; prints the bytes each one received."""
    received = [0] * len(paths)

    async def client(index: int, path: str) -> None:
        async with await anyio.connect_tcp(host, port) as stream:
            ws = protocol.WebSocket(f"{host}:{port}", path, os.urandom(16))
            await stream.send(ws.data_to_send())
            while True:
                data = await stream.receive(1 << 16)
                received[index] += len(data)

    async def until_stdin_closes() -> None:
        await anyio.to_thread.run_sync(sys.stdin.read)

    async with anyio.create_task_group() as tasks:
        for index, path in enumerate(paths):
            tasks.start_soon(client, index, path)
        print("ready", flush=True)
        await until_stdin_closes()
        tasks.cancel_scope.cancel()
    print(json.dumps({"received_bytes": received}), flush=True)


# -- the server's process -------------------------------------------------------------------------------------------


async def watch_stalls(stalls: list[float], period: float = 0.005) -> None:
    """How late a 5 ms sleep wakes up: the time this process waits for a CPU (and for the event loop) with nothing of
    the server's in the way. Reported next to the latency, since a loaded machine delays everything by as much."""
    while True:
        start = time.perf_counter()
        await anyio.sleep(period)
        stalls.append(time.perf_counter() - start - period)


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def record_frames(urls: BaseUrls, path: Path) -> None:
    """A second client records the room's frames for the bare-decode peer."""
    async with TikTok(base_urls=urls, ws_trace=str(path)) as client, client.track_user(CREATOR) as live:
        with anyio.move_on_after(TRACE_SECONDS):
            async for _ in live.events:
                pass


def bare_decode(path: Path) -> tuple[float, int]:
    """CPU seconds to decode every recorded push frame (best of 5), and the events they hold."""
    frames = [r.data for r in read_trace(path).records if isinstance(r, WsRecord) and r.dir == "in"]
    best = float("inf")
    events = 0
    for _ in range(5):
        start = time.process_time()
        events = sum(len(protocol.decode_push_frame(frame).events) for frame in frames)
        best = min(best, time.process_time() - start)
    return best, events


async def measure(server: EventServer, seconds: float) -> dict[str, float]:
    """The timed window: counters before and after, every send's latency, and the event loop's own stalls."""
    feed = server.feeds[CREATOR]
    stalls: list[float] = []
    server.metrics.latencies.clear()
    server.metrics.keep_latencies = True
    events, published, sent, sends = (
        feed.events_handled,
        server.hub.published,
        server.metrics.sent,
        server.metrics.sends,
    )
    cpu, wall = cpu_now(), time.perf_counter()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(watch_stalls, stalls)
        await anyio.sleep(seconds)
        tasks.cancel_scope.cancel()
    server.metrics.keep_latencies = False
    wall = time.perf_counter() - wall
    latencies = list(server.metrics.latencies)
    return {
        "wall": wall,
        "cpu": cpu_now() - cpu,
        "events": feed.events_handled - events,
        "published": server.hub.published - published,
        "sent": server.metrics.sent - sent,
        "sends": server.metrics.sends - sends,
        "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": max(latencies) * 1000,
        "samples": len(latencies),
        "stall_p50": statistics.median(stalls) * 1000,
        "stall_p99": percentile(stalls, 0.99) * 1000,
    }


async def run(seconds: float, count: int, mix: str) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    scenario_file = workdir / "scenario.toml"
    scenario_file.write_text(SCENARIO.format(creator=CREATOR))
    async with simulator("serve", str(scenario_file), workdir) as sim:
        trace = workdir / "frames.trace"
        await record_frames(sim.urls, trace)
        config = ServeConfig(port=0, client_queue=4096)
        async with (
            TikTok(base_urls=sim.urls) as client,
            EventServer([CREATOR], config=config, client=client) as server,
        ):
            command = [sys.executable, __file__, "--drain", str(server.port), *client_paths(count, mix)]
            process = await anyio.open_process(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            async with process:
                assert process.stdout is not None and process.stdin is not None
                ready = await process.stdout.receive()
                assert ready.startswith(b"ready"), ready
                for _ in range(600):  # the clients connected and the room followed, within 30 s
                    if len(server.hub.subscribers) >= count and server.feeds[CREATOR].status["state"] == "live":
                        break
                    await anyio.sleep(0.05)
                else:
                    raise RuntimeError("the clients did not connect, or the room was not followed, in 30 s")
                await anyio.sleep(WARM_UP)
                m = await measure(server, seconds)
                dropped = server.status()["dropped"]
                await process.stdin.aclose()
                output = b""
                with anyio.fail_after(30):
                    async for chunk in process.stdout:
                        output += chunk
                    await process.wait()
    decode_cpu, decoded_events = bare_decode(trace)
    drained = json.loads(output.decode().splitlines()[-1])["received_bytes"]
    per_event_us = m["cpu"] / m["events"] * 1e6
    decode_us = decode_cpu / decoded_events * 1e6
    return {
        "clients": count,
        "mix": mix,
        "seconds": round(m["wall"], 2),
        "events_per_second": round(m["events"] / m["wall"]),
        "messages_published_per_second": round(m["published"] / m["wall"]),
        "messages_sent_per_second": round(m["sent"] / m["wall"]),
        "websocket_messages_per_second": round(m["sends"] / m["wall"]),
        "latency_ms": {k: round(m[k], 2) for k in ("p50", "p99", "max")} | {"samples": m["samples"]},
        "p99_under_target": m["p99"] < LATENCY_TARGET_MS,
        "event_loop_stall_ms": {"p50": round(m["stall_p50"], 2), "p99": round(m["stall_p99"], 2)},
        "load_average": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
        "server_cpu_percent_of_a_core": round(m["cpu"] / m["wall"] * 100, 1),
        "server_cpu_us_per_event": round(per_event_us, 1),
        "bare_decode_us_per_event": round(decode_us, 2),
        "server_cpu_per_event_vs_bare_decode": round(per_event_us / decode_us, 1),
        "server_cpu_us_per_websocket_message": round(m["cpu"] / max(1, m["sends"]) * 1e6, 2),
        "dropped_by_slow_clients": dropped,
        "client_megabytes_received": round(sum(drained) / 1e6, 1),
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--drain":
        anyio.run(drain_clients, "127.0.0.1", int(sys.argv[2]), sys.argv[3:], backend="trio")
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds (default 10)")
    parser.add_argument("--clients", type=int, default=50, help="overlay clients (default 50)")
    parser.add_argument("--mix", choices=("overlays", "firehose", "tikfinity"), default="overlays")
    parser.add_argument(
        "--backend",
        choices=("trio", "asyncio", "uvloop"),
        default="trio",
        help="the server's event loop (default: trio, as `tiktok-webcast serve` runs it; uvloop must be installed)",
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 120:
        parser.error("1-500 clients, 1-120 seconds")
    backend = "asyncio" if args.backend == "uvloop" else args.backend
    options = {"use_uvloop": True} if args.backend == "uvloop" else {}
    result = anyio.run(run, args.seconds, args.clients, args.mix, backend=backend, backend_options=options)
    result["backend"] = args.backend
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
