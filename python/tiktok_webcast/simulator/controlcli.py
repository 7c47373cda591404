"""``python -m tiktok_webcast.simulator control ...``: steer a running simulator through its control API (``/_sim/``).

Exit status: 0 done, 1 the simulator refused or could not be reached, 2 bad usage. One line on stderr for errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import httpx

from tiktok_webcast.simulator.pack import BREAKAGES

__all__ = ["control_main"]

ENV_VAR = "TIKTOK_WEBCAST_URLS"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m tiktok_webcast.simulator control",
        description="Steer a running simulator: fault-pack switches, streams going live, offline or restarting.",
    )
    parser.add_argument("--url", help=f"any base URL of the simulator (default: 'web' of {ENV_VAR})")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("state", help="creators, rooms and fault-pack entries")
    on = commands.add_parser("break", help="turn a fault-pack switch on, or fire an action")
    on.add_argument("name", help=f"one of: {', '.join(BREAKAGES)}")
    on.add_argument("--room", default="", help="only this creator's room")
    on.add_argument("--code", type=int, default=4556, help="close code (2026-09-10-close-4556)")
    off = commands.add_parser("fix", help="turn a fault-pack switch off")
    off.add_argument("name")
    for action, text in (("live", "go live"), ("offline", "end the stream"), ("restart", "end and start again")):
        sub = commands.add_parser(action, help=f"a creator's stream: {text}")
        sub.add_argument("username")
        if action == "offline":
            sub.add_argument("--duration", type=float, help="come back live after this many seconds")
    fault = commands.add_parser("fault", help="arm any scenario fault, given as a JSON [[faults]] table")
    fault.add_argument("table", help='e.g. \'{"kind": "signer_error", "status": 503}\'')
    return parser


def _base_url(given: str | None) -> str | None:
    if given:
        return given.rstrip("/")
    value = os.environ.get(ENV_VAR, "").strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return None
        web = data.get("web") if isinstance(data, dict) else None
        return str(web).rstrip("/") if web else None
    return value.rstrip("/") or None


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    command = args.command
    if command == "state":
        return "GET", "state", None
    if command == "break":
        return "POST", f"breakages/{args.name}", {"room": args.room, "code": args.code}
    if command == "fix":
        return "DELETE", f"breakages/{args.name}", None
    if command == "fault":
        try:
            table = json.loads(args.table)
        except ValueError as exc:
            raise ValueError(f"the fault is not JSON: {exc}") from None
        return "POST", "faults", table
    body = {"duration": args.duration} if command == "offline" and args.duration is not None else {}
    return "POST", f"creators/{args.username}/{command}", body


def control_main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    base = _base_url(args.url)
    if base is None:
        print(f"error: give --url (a base URL of the simulator) or set {ENV_VAR}", file=sys.stderr)
        return 2
    try:
        method, path, body = _request(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with httpx.Client(timeout=10.0) as client:
            answer = client.request(method, f"{base}/_sim/{path}", json=body)
    except httpx.HTTPError as exc:
        print(f"error: cannot reach the simulator at {base}: {exc}", file=sys.stderr)
        return 1
    try:
        data = answer.json()
    except ValueError:
        print(f"error: {base} answered HTTP {answer.status_code} without JSON: is it a simulator?", file=sys.stderr)
        return 1
    if answer.status_code != 200:
        message = data.get("error") if isinstance(data, dict) else data
        print(f"error: {message}", file=sys.stderr)
        return 1
    print(json.dumps(data, indent=2 if args.command == "state" else None))
    return 0
