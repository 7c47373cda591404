"""The control API of a running simulator, under ``/_sim/`` on every host (no TikTok path starts with it).

| request | effect |
|---|---|
| ``GET /_sim/state`` | creators (live, room ids), fault-pack entries (active or not), base URLs |
| ``POST /_sim/breakages/<name>`` body ``{"room": "", "code": 4556}`` (optional) | a switch on, an action fired |
| ``DELETE /_sim/breakages/<name>`` | a switch off |
| ``POST /_sim/creators/<username>/live`` | a new stream (a new room id) for an offline creator |
| ``POST /_sim/creators/<username>/offline`` body ``{"duration": s}`` (optional) | the stream ends (back after s) |
| ``POST /_sim/creators/<username>/restart`` | the stream ends and a new one starts (a new room id) |
| ``POST /_sim/faults`` body = a ``[[faults]]`` table as JSON | any scenario fault, armed now |

Answers are JSON; errors are ``{"error": "..."}`` with 400 (bad body), 404 (unknown name) or 405.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from tiktok_webcast.simulator.http import Request, Response
from tiktok_webcast.simulator.loader import parse_fault
from tiktok_webcast.simulator.pack import BREAKAGES
from tiktok_webcast.simulator.scenario import Breakage, ScenarioError
from tiktok_webcast.simulator.world import World

__all__ = ["CONTROL_PREFIX", "ControlApi"]

logger = logging.getLogger("tiktok_webcast.simulator.control")

CONTROL_PREFIX = "/_sim/"


def _error(status: int, message: str) -> Response:
    return Response.json({"error": message}, status)


class ControlApi:
    def __init__(self, world: World) -> None:
        self.world = world

    def state(self) -> dict[str, Any]:
        world = self.world
        creators = [
            {
                "username": state.username,
                "live": state.live,
                "room_id": str(state.room.room_id) if state.room is not None else "",
                "room_ids": [str(r) for r in state.room_ids],
            }
            for state in world.creators.values()
        ]
        breakages = {
            name: {
                "kind": info.kind,
                "date": info.date,
                "effect": info.effect,
                "active": name in world.switches,
                "room": world.switches.get(name, ""),
            }
            for name, info in BREAKAGES.items()
        }
        return {"urls": world.urls.as_dict(), "creators": creators, "breakages": breakages}

    async def handle(self, request: Request) -> Response:
        parts = [p for p in request.path[len(CONTROL_PREFIX) :].split("/") if p]
        try:
            body = json.loads(request.body.decode("utf-8")) if request.body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the body must be JSON")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        logger.info("control: %s %s", request.method, request.path)
        if parts in ([], ["state"]):
            return Response.json(self.state()) if request.method == "GET" else _error(405, "use GET")
        if len(parts) == 2 and parts[0] == "breakages":
            return self._breakage(request.method, parts[1], body)
        if len(parts) == 3 and parts[0] == "creators":
            return self._creator(request.method, parts[1], parts[2], body)
        if parts == ["faults"]:
            return self._fault(request.method, body)
        return _error(404, f"no control route {request.path}")

    def _breakage(self, method: str, name: str, body: dict[str, Any]) -> Response:
        info = BREAKAGES.get(name)
        if info is None:
            return _error(404, f"no fault-pack entry {name!r} (one of: {', '.join(BREAKAGES)})")
        if method == "DELETE":
            was_on = self.world.unbreak(name)
            return Response.json({"name": name, "active": False, "was_active": was_on})
        if method != "POST":
            return _error(405, "use POST (on, or fire) or DELETE (off)")
        room = str(body.get("room", ""))
        if room and self.world.creator(room) is None:
            return _error(404, f"no creator named {room!r}")
        try:
            fault = parse_fault({"kind": "breakage", "name": name, "room": room, "code": body.get("code", 4556)})
        except ScenarioError as exc:
            return _error(400, str(exc))
        assert isinstance(fault, Breakage)
        self.world.add_fault(fault)
        return Response.json({"name": name, "kind": info.kind, "active": info.kind == "switch", "room": room})

    def _creator(self, method: str, username: str, action: str, body: dict[str, Any]) -> Response:
        world = self.world
        state = world.creator(username)
        if state is None:
            return _error(404, f"no creator named {username!r}")
        if method != "POST":
            return _error(405, "use POST")
        if action == "live":
            world.go_live(username)
        elif action == "offline":
            duration = body.get("duration")
            if duration is not None and (not isinstance(duration, int | float) or not 0 <= duration < 1e9):
                return _error(400, "'duration' must be a number of seconds >= 0")
            world.go_offline(username, None if duration is None else float(duration))
        elif action == "restart":
            world.restart(username)
        else:
            return _error(404, f"no action {action!r} (live, offline, restart)")
        room_id = str(state.room.room_id) if state.room is not None else ""
        return Response.json({"username": state.username, "live": state.live, "room_id": room_id})

    def _fault(self, method: str, body: dict[str, Any]) -> Response:
        if method != "POST":
            return _error(405, "use POST")
        try:
            fault = parse_fault(body)
        except ScenarioError as exc:
            return _error(400, str(exc))
        room = getattr(fault, "room", "")
        if room and self.world.creator(room) is None:
            return _error(404, f"no creator named {room!r}")
        self.world.add_fault(fault)
        return Response.json({"armed": type(fault).__name__})
