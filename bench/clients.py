"""Whole client against whole client: CPU per event of ours and of TikTokLive 7.0.1 consuming the same frames.

Run: ``.venv/bin/python bench/clients.py [--rounds 4] [--seconds 4] [--peer-seconds 6]`` after ``bench/setup.sh``
(the peer runs with ``bench/.venv/bin/python``). The frames are ``rooms.py``'s: the simulator's busy room recorded,
regrouped 10-20 messages per gzipped push frame, replayed by a simulator child process in a loop as fast as the
socket takes them. Each client runs in a child process of its own, connects through its usual path (ours: the
signer-free websocket; TikTokLive: the signer's fetch, then its websocket), warms up, and reports the events it
handed to user code and its own CPU seconds over a timed window. Ours is measured on trio and on asyncio (TikTokLive
runs on asyncio). The children take turns in rounds, so background load hits each alike; only the children's CPU
counts (not the simulator's, not this process's).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from rooms import REPLAY_USERNAME, prepare_busy_replay
from rooms import simulator as simulator_process

BENCH = Path(__file__).resolve().parent
PEER_PYTHON = BENCH / ".venv" / "bin" / "python"
PEER_SCRIPT = BENCH / "tiktoklive_client.py"
WHOLE_CLIENT_TARGET = 150.0
CHILD_TIMEOUT = 120.0
BACKENDS = ("trio", "asyncio")


# -- the child that runs our client ----------------------------------------------------------------------------------


async def our_client(urls: str, seconds: float, warm_up: float) -> dict[str, float]:
    from tiktok_webcast import BaseUrls, TikTok

    events = 0
    async with (
        TikTok(base_urls=BaseUrls.from_json(urls), experimental_events=True) as tiktok,
        tiktok.track_user(REPLAY_USERNAME) as live,
    ):
        iterator = aiter(live.events)
        await anext(iterator)
        start = window = anyio.current_time() + warm_up
        cpu = frames = 0.0
        counted = 0
        async for _event in iterator:
            events += 1
            # The clock is read once per 1,024 events, so counting costs next to nothing.
            if events & 1023 == 0:
                now = anyio.current_time()
                if counted == 0 and now >= start:
                    counted, cpu, frames = events, time.process_time(), live.stats.frames
                    window = now + seconds
                elif counted and now >= window:
                    break
        return {
            "events": events - counted,
            "frames": live.stats.frames - frames,
            "cpu": time.process_time() - cpu,
            "seconds": anyio.current_time() - (window - seconds),
            "duplicates": live.stats.duplicates,
            "reconnects": live.stats.reconnects,
        }


# -- the parent ------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """One client's rounds: what each child reported, and warnings about them."""

    name: str
    results: list[dict[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def total(self, key: str) -> float:
        return sum(result[key] for result in self.results)

    @property
    def rounds(self) -> list[float]:
        """Events per CPU second, per round."""
        return [result["events"] / result["cpu"] for result in self.results]

    @property
    def per_cpu_second(self) -> float:
        return self.total("events") / self.total("cpu")


async def child(command: list[str]) -> dict[str, float]:
    with anyio.fail_after(CHILD_TIMEOUT):
        done = await anyio.run_process(command, check=False, stderr=subprocess.PIPE)
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}):\n{done.stderr.decode()[-3000:]}")
    result: dict[str, float] = json.loads(lines[-1])
    return result


async def measure(args: argparse.Namespace, workdir: Path) -> tuple[list[Tally], Tally, int]:
    replay = await prepare_busy_replay(workdir, args.seed)
    ours = [Tally(f"tiktok-webcast on {backend}") for backend in BACKENDS]
    peer = Tally("TikTokLive 7.0.1 on asyncio")
    async with simulator_process("replay", str(replay.scenario), workdir) as sim:
        urls = json.dumps({name: getattr(sim.urls, name) for name in ("web", "webcast", "ws", "signer")})
        peer_command = [str(args.peer_python), str(PEER_SCRIPT), urls, REPLAY_USERNAME]
        for round_number in range(args.rounds):
            print(f"  round {round_number + 1} of {args.rounds}, load average {os.getloadavg()[0]:.2f}", flush=True)
            # Alternate who goes first, so a change of load in the middle of a round hits each side alike.
            turns: list[tuple[Tally, list[str]]] = [
                *(
                    (tally, [sys.executable, __file__, "--child", backend, urls, str(args.seconds)])
                    for tally, backend in zip(ours, BACKENDS, strict=True)
                ),
                (peer, [*peer_command, str(args.peer_seconds), str(args.warm_up)]),
            ]
            if round_number % 2:
                turns.reverse()
            for tally, command in turns:
                result = await child(command)
                tally.results.append(result)
                if result.get("reconnects") or result.get("duplicates"):
                    tally.notes.append(f"round {round_number + 1}: {result}")
                if "messages" in result and result["messages"] != result["events"]:
                    tally.notes.append(
                        f"round {round_number + 1}: {result['events']} events for {result['messages']} messages"
                    )
    return ours, peer, len(replay.frames)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        backend, urls, seconds = sys.argv[2], sys.argv[3], float(sys.argv[4])
        print(json.dumps(anyio.run(our_client, urls, seconds, 1.0, backend=backend)), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4, help="turns of each client (default 4)")
    parser.add_argument("--seconds", type=float, default=4.0, help="timed window of ours per round (default 4)")
    parser.add_argument("--peer-seconds", type=float, default=6.0, help="timed window of TikTokLive per round")
    parser.add_argument("--warm-up", type=float, default=1.0, help="seconds of events before a window starts")
    parser.add_argument("--peer-python", type=Path, default=PEER_PYTHON, help="a Python with TikTokLive 7.0.1")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.peer_python.exists():
        parser.error(f"{args.peer_python} does not exist: run bench/setup.sh first")
    import tiktok_webcast

    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; ours from "
        f"{Path(tiktok_webcast.__file__).parent}, the peer with {args.peer_python}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-clients-") as tmp:
        started = time.perf_counter()
        ours, peer, frames = anyio.run(measure, args, Path(tmp), backend="trio")
    print(f"\n{frames} frames replayed in a loop; {args.rounds} rounds in {time.perf_counter() - started:.0f} s")
    header = ("events", "cpu s", "cpu share", "events/cpu s", "us/event", "rounds (events/cpu s)")
    print(f"  {'':<30}" + "".join(f"{name:>14}" for name in header[:-1]) + f"  {header[-1]}")
    for tally in (*ours, peer):
        rounds = ", ".join(f"{rate:,.0f}" for rate in tally.rounds)
        print(
            f"  {tally.name:<30}{tally.total('events'):>14,.0f}{tally.total('cpu'):>14.2f}"
            f"{tally.total('cpu') / tally.total('seconds'):>14.0%}"
            f"{tally.per_cpu_second:>14,.0f}{1e6 / tally.per_cpu_second:>14.2f}  {rounds}"
        )
        for note in tally.notes:
            print(f"    WARNING: {note}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    for tally in ours:
        ratio = tally.per_cpu_second / peer.per_cpu_second
        verdict = "PASS" if ratio >= WHOLE_CLIENT_TARGET else "FAIL"
        print(
            f"whole client, {tally.name} / TikTokLive: {ratio:.1f}x events per cpu second "
            f"(target >= {WHOLE_CLIENT_TARGET:g}x): {verdict}"
        )


if __name__ == "__main__":
    main()
