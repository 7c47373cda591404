"""``python -m tiktok_webcast.simulator``: serve a scenario until Ctrl+C.

Prints the base URLs once ready (``--json``: one JSON line). :func:`serve` is the async entry point for embedding
(the ``tiktok-webcast simulate`` command uses it); :func:`main` parses arguments and runs it on trio when available,
else asyncio.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import anyio

from tiktok_webcast.simulator.app import Simulator
from tiktok_webcast.simulator.loader import load_scenario
from tiktok_webcast.simulator.scenario import BUILTIN_SCENARIOS, Replay, Scenario, ScenarioError

__all__ = ["build_parser", "main", "serve"]


def describe(sim: Simulator) -> str:
    """The human-readable banner: URLs, creators, what the signer expects."""
    urls = sim.urls
    scenario = sim.scenario
    lines = [f"TikTok LIVE simulator: scenario {scenario.name!r} at speed {scenario.speed:g}"]
    for name, label in (
        ("web", "www.tiktok.com"),
        ("webcast", "webcast.tiktok.com"),
        ("ws", "webcast-ws.tiktok.com"),
        ("signer", "signer (EulerStream API)"),
        ("media", "pull CDN (FLV/HLS)"),
    ):
        lines.append(f"  {name:<8} {getattr(urls, name):<28} {label}")
    if sim.ca_pem_path is not None:
        lines.append(f"  TLS CA   {sim.ca_pem_path}")
    if not sim.media_available:
        lines.append("  note: ffmpeg not found, so the media host answers 503 (everything else works)")
    creators = scenario.all_creators()
    shown = creators[:8]
    for creator in shown:
        state = "live" if sim.is_live(creator.username) else "offline"
        room = f"room {sim.room_id(creator.username)}" if state == "live" else ""
        lines.append(f"  @{creator.username:<24} {state:<8} {room}")
    if len(creators) > len(shown):
        lines.append(f"  ... and {len(creators) - len(shown)} more creators")
    if scenario.replay is not None:
        lines.append(f"  @{scenario.replay.username:<24} replaying {Path(scenario.replay.trace).name}")
    keys = len(scenario.signer.keys)
    anonymous = "allowed" if scenario.signer.anonymous else "refused"
    lines.append(f"  signer: {keys} API key(s) configured, anonymous use {anonymous}")
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


async def serve(
    scenario: Scenario | str | Path = "demo",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = False,
    speed: float | None = None,
    json_output: bool = False,
    ffmpeg: str | bool = True,
    out: TextIO | None = None,
    on_ready: Callable[[Simulator], None] | None = None,
) -> None:
    """Serves until cancelled; prints the base URLs (or one JSON line) to ``out`` once ready."""
    stream = out if out is not None else sys.stdout
    async with Simulator(scenario, host=host, port=port, tls=tls, speed=speed, ffmpeg=ffmpeg) as sim:
        if json_output:
            info: dict[str, object] = dict(sim.urls.as_dict())
            info["ca"] = str(sim.ca_pem_path) if sim.ca_pem_path else None
            info["media_available"] = sim.media_available
            stream.write(json.dumps(info) + "\n")
        else:
            stream.write(describe(sim) + "\n")
        stream.flush()
        if on_ready is not None:
            on_ready(sim)
        await anyio.sleep_forever()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tiktok_webcast.simulator",
        description="A local TikTok LIVE service: www, webcast REST, push websocket, signer and stream CDN.",
    )
    parser.add_argument(
        "--scenario",
        default="demo",
        help=f"a bundled scenario ({', '.join(BUILTIN_SCENARIOS)}) or a TOML file (default: demo)",
    )
    parser.add_argument("--replay", metavar="TRACE", help="serve a recorded trace as the room @replay")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="first of five consecutive ports: web, webcast, ws, signer, media (default: free ports)",
    )
    parser.add_argument("--tls", action="store_true", help="serve https/wss with a throwaway CA (needs trustme)")
    parser.add_argument("--speed", type=float, help="run the scenario's script this many times faster")
    parser.add_argument("--no-media", action="store_true", help="do not use ffmpeg (stream URLs answer 503)")
    parser.add_argument("--json", action="store_true", help="print one JSON line with the base URLs, nothing else")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests and sessions")
    return parser


async def _stop_on_sigterm(scope: anyio.CancelScope) -> None:
    """SIGTERM/SIGHUP stop the simulator cleanly (ffmpeg children included), like Ctrl+C."""
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGHUP) as signals:
        async for _ in signals:
            scope.cancel()
            return


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        scenario = load_scenario(args.scenario)
        if args.replay:
            trace = str(Path(args.replay).resolve())
            scenario = dataclasses.replace(scenario, replay=Replay(trace=trace)).validate()
        if args.speed is not None and args.speed <= 0:
            raise ScenarioError("must be > 0", key="--speed")
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        import trio  # noqa: F401

        backend = "trio"
    except ImportError:
        backend = "asyncio"

    async def run() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_stop_on_sigterm, tg.cancel_scope)
            await serve(
                scenario,
                host=args.host,
                port=args.port,
                tls=args.tls,
                speed=args.speed,
                json_output=args.json,
                ffmpeg=not args.no_media,
            )

    try:
        anyio.run(run, backend=backend)
    except KeyboardInterrupt:
        return 0
    except BaseExceptionGroup as group:
        # Some anyio/trio versions deliver Ctrl+C wrapped in a group.
        if group.split(KeyboardInterrupt)[1] is None:
            return 0
        raise
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
