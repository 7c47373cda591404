"""Loading scenarios from TOML, with errors that name the file, the line and the key.

The conversion is driven by the dataclasses in :mod:`.scenario`: every table key must be a field, every value must
have the field's type. Scripts can be named presets (``script = "lively"``), tables that start from a preset
(``script = { preset = "quiet", chat = 3 }``), or the name of a ``[scripts.<name>]`` table in the same file.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union

from tiktok_webcast.simulator import scenario as model
from tiktok_webcast.simulator.pack import BREAKAGES
from tiktok_webcast.simulator.scenario import (
    BUILTIN_SCENARIOS,
    FAULT_KINDS,
    SCRIPT_PRESETS,
    Scenario,
    ScenarioError,
    Script,
    builtin_scenario_path,
)
from tiktok_webcast.simulator.tomllines import KeyPath, format_key, index_lines, line_of

__all__ = ["load_scenario", "parse_fault", "parse_scenario", "validate_scenario"]

_USERNAME = re.compile(r"^[A-Za-z0-9_.]{2,24}$")
MAX_RATE = 10_000.0
"""Events per second of one type in one room (``busy`` uses 1,000); more would only make the simulator spin."""
MAX_SPEED = 10_000.0


class _Invalid(Exception):
    def __init__(self, path: KeyPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def load_scenario(spec: str | Path | Scenario) -> Scenario:
    """A scenario from a bundled name (``demo``, ``busy``...), a TOML path, or a ready :class:`Scenario`."""
    if isinstance(spec, Scenario):
        return spec.validate()
    text_spec = str(spec)
    if text_spec in BUILTIN_SCENARIOS and not Path(text_spec).exists():
        path = builtin_scenario_path(text_spec)
    else:
        path = Path(text_spec)
        if not path.exists():
            known = ", ".join(BUILTIN_SCENARIOS)
            raise ScenarioError(f"no such file, and not a bundled scenario ({known})", source=text_spec)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read: {exc}", source=str(path)) from None
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, *, source: str = "<string>") -> Scenario:
    """Parses and validates scenario TOML. Raises :class:`ScenarioError` naming the line and key."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError("TOML nested too deeply", source=source) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        raise ScenarioError(f"TOML syntax error: {message}", source=source, line=line) from None
    lines = index_lines(text)
    base = Path(source).parent if source and not source.startswith("<") else Path.cwd()
    try:
        scenario = _Converter(data, base).scenario()
        scenario = dataclasses.replace(scenario, source=source)
        validate_scenario(scenario)
    except _Invalid as exc:
        raise ScenarioError(
            exc.message, source=source, line=line_of(lines, exc.path), key=format_key(exc.path)
        ) from None
    except ScenarioError as exc:
        raise ScenarioError(exc.reason, source=source, line=line_of(lines, _parse_key(exc.key)), key=exc.key) from None
    return scenario


def parse_fault(table: Any) -> model.Fault:
    """One fault from a ``[[faults]]``-shaped table (the control API's JSON body); :class:`ScenarioError` if bad."""
    try:
        fault = _Converter({}, Path.cwd()).fault(table, ())
        _validate_fault(fault, "fault")
    except _Invalid as exc:
        raise ScenarioError(exc.message, source="fault", key=format_key(exc.path)) from None
    except ScenarioError as exc:
        raise ScenarioError(exc.reason, source="fault", key=exc.key) from None
    return fault


def _parse_key(key: str) -> KeyPath:
    out: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        out.append(int(index) if index else name)
    return tuple(out)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(tp)[0])}"
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {float: "a number", int: "an integer", bool: "true or false", str: "a string"}.get(tp, str(tp))


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


class _Converter:
    """Turns parsed TOML into the scenario dataclasses, checking every key and type."""

    def __init__(self, data: dict[str, Any], base: Path) -> None:
        self.data = data
        self.base = base
        self.scripts: dict[str, Script] = dict(SCRIPT_PRESETS)

    def scenario(self) -> Scenario:
        data = dict(self.data)
        custom = data.pop("scripts", {})
        if not isinstance(custom, dict):
            raise _Invalid(("scripts",), "expected a table of named scripts ([scripts.<name>])")
        for name, table in custom.items():
            self.scripts[name] = self.script(table, ("scripts", name))
        faults = data.pop("faults", [])
        result: Scenario = self.dataclass(Scenario, data, ())
        if not isinstance(faults, list):
            raise _Invalid(("faults",), "expected a list of tables ([[faults]])")
        built = tuple(self.fault(item, ("faults", i)) for i, item in enumerate(faults))
        return dataclasses.replace(result, faults=built)

    def fault(self, item: Any, path: KeyPath) -> model.Fault:
        if not isinstance(item, dict):
            raise _Invalid(path, f"expected a table, got {_describe(item)}")
        kind = item.get("kind")
        if kind not in FAULT_KINDS:
            known = ", ".join(FAULT_KINDS)
            raise _Invalid((*path, "kind"), f"unknown fault kind {kind!r} (one of: {known})")
        fields = {k: v for k, v in item.items() if k != "kind"}
        fault: model.Fault = self.dataclass(FAULT_KINDS[kind], fields, path)
        return fault

    def script(self, value: Any, path: KeyPath) -> Script:
        if isinstance(value, str):
            if value not in self.scripts:
                known = ", ".join(sorted(self.scripts))
                raise _Invalid(path, f"unknown script {value!r} (presets and [scripts] tables: {known})")
            return self.scripts[value]
        if not isinstance(value, dict):
            raise _Invalid(path, f"expected a script name or a table, got {_describe(value)}")
        table = dict(value)
        preset = table.pop("preset", "silent")
        if not isinstance(preset, str) or preset not in self.scripts:
            raise _Invalid((*path, "preset"), f"unknown script preset {preset!r}")
        start = self.scripts[preset]
        overrides = self.fields(Script, table, path)
        return dataclasses.replace(start, **overrides)

    def dataclass(self, cls: type[Any], value: Any, path: KeyPath) -> Any:
        if not isinstance(value, dict):
            raise _Invalid(path, f"expected a table, got {_describe(value)}")
        return cls(**self.fields(cls, value, path))

    def fields(self, cls: type[Any], table: Mapping[str, Any], path: KeyPath) -> dict[str, Any]:
        hints = typing.get_type_hints(cls, vars(model))
        known = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
        out: dict[str, Any] = {}
        for key, value in table.items():
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
                raise _Invalid((*path, key), f"unknown key{hint}")
            out[key] = self.value(hints[key], value, (*path, key))
        for name, spec in known.items():
            required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            if required and name not in out:
                raise _Invalid(path, f"missing required key {name!r}")
        return out

    def value(self, tp: Any, value: Any, path: KeyPath) -> Any:
        if tp is Script:
            return self.script(value, path)
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            options = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(options) == 1:
                return self.value(options[0], value, path)
            raise _Invalid(path, f"unsupported union {tp}")  # pragma: no cover - the model has none
        if origin is Literal:
            allowed = typing.get_args(tp)
            if value not in allowed:
                raise _Invalid(path, f"must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}")
            return value
        if origin is tuple:
            (item_type, _ellipsis) = typing.get_args(tp)
            if isinstance(value, str) and item_type is model.ApiKey:
                value = [value]
            if not isinstance(value, list):
                raise _Invalid(path, f"expected {_type_name(tp)}, got {_describe(value)}")
            return tuple(self.value(item_type, item, (*path, i)) for i, item in enumerate(value))
        if tp is model.ApiKey and isinstance(value, str):
            return model.ApiKey(key=value)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self.dataclass(tp, value, path)
        return self.scalar(tp, value, path)

    def scalar(self, tp: Any, value: Any, path: KeyPath) -> Any:
        if tp is bool:
            if not isinstance(value, bool):
                raise _Invalid(path, f"expected true or false, got {_describe(value)}")
            return value
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Invalid(path, f"expected an integer, got {_describe(value)}")
            return value
        if tp is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _Invalid(path, f"expected a number, got {_describe(value)}")
            if not math.isfinite(value):
                raise _Invalid(path, f"expected a finite number, got {value!r}")
            return float(value)
        if tp is str:
            if not isinstance(value, str):
                raise _Invalid(path, f"expected a string, got {_describe(value)}")
            if path and path[-1] == "trace":
                return str((self.base / value).resolve()) if not Path(value).is_absolute() else value
            return value
        raise _Invalid(path, f"unsupported type {tp}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------------- semantics


def _check(condition: bool, key: str, message: str) -> None:
    if not condition:
        raise ScenarioError(message, key=key)


def _validate_script(script: Script, key: str) -> None:
    for name in (
        "chat",
        "likes",
        "joins",
        "follows",
        "shares",
        "gifts",
        "subscriptions",
        "questions",
        "envelopes",
        "unknown",
        "viewers_every",
        "pin_every",
        "battle_every",
        "end_after",
    ):
        value = getattr(script, name)
        limit = MAX_RATE if name not in ("viewers_every", "pin_every", "battle_every", "end_after") else 1e9
        _check(math.isfinite(value) and 0 <= value <= limit, f"{key}.{name}", f"must be >= 0 and <= {limit:g}")
    _check(0 < script.battle_duration < 1e9, f"{key}.battle_duration", "must be > 0")
    _check(script.streak_max >= 1, f"{key}.streak_max", "must be >= 1")
    _check(0 < script.streak_step < 1e9, f"{key}.streak_step", "must be > 0")
    _check(0.0 <= script.lost_gift_finals <= 1.0, f"{key}.lost_gift_finals", "must be between 0 and 1")
    _check(script.viewers >= 0, f"{key}.viewers", "must be >= 0")
    _check(bool(script.comments), f"{key}.comments", "must not be empty")
    for i, event in enumerate(script.timeline):
        _check(math.isfinite(event.at) and event.at >= 0, f"{key}.timeline[{i}].at", "must be >= 0")
        _check(event.count >= 1, f"{key}.timeline[{i}].count", "must be >= 1")
        if event.type == "unknown":
            _check(bool(event.method), f"{key}.timeline[{i}].method", "an unknown event needs a method name")
            try:
                bytes.fromhex(event.payload_hex)
            except ValueError:
                raise ScenarioError("must be hexadecimal", key=f"{key}.timeline[{i}].payload_hex") from None
        if event.type == "gift" and event.gift:
            from tiktok_webcast.simulator.gifts import find_gift

            _check(find_gift(event.gift) is not None, f"{key}.timeline[{i}].gift", f"no gift {event.gift!r}")


def validate_scenario(scenario: Scenario) -> None:
    """Checks the rules that span fields; raises :class:`ScenarioError` with the offending key."""
    speed_ok = math.isfinite(scenario.speed) and 0 < scenario.speed <= MAX_SPEED
    _check(speed_ok, "speed", f"must be > 0 and <= {MAX_SPEED:g}")
    server = scenario.server
    for name in ("heartbeat_timeout", "batch_interval", "signed_url_ttl"):
        value = getattr(server, name)
        _check(math.isfinite(value) and value > 0, f"server.{name}", "must be a finite number > 0")
    _check(math.isfinite(server.end_grace) and server.end_grace >= 0, "server.end_grace", "must be >= 0")
    _check(0 <= server.history_comments <= 50, "server.history_comments", "must be between 0 and 50")
    _check(1000 <= server.heartbeat_close_code <= 4999, "server.heartbeat_close_code", "must be a close code")
    if scenario.generate is not None:
        _check(1 <= scenario.generate.count <= 100_000, "generate.count", "must be between 1 and 100000")
        _validate_script(scenario.generate.script, "generate.script")
    names: set[str] = set()
    room_ids: set[int] = set()
    for i, creator in enumerate(scenario.creators):
        key = f"creators[{i}]"
        _check(
            bool(_USERNAME.match(creator.username)),
            f"{key}.username",
            f"{creator.username!r} is not a TikTok username (2-24 letters, digits, '_' or '.')",
        )
        _check(creator.username.lower() not in names, f"{key}.username", f"duplicate username {creator.username!r}")
        names.add(creator.username.lower())
        _check(creator.followers >= 0, f"{key}.followers", "must be >= 0")
        _check(creator.start_after >= 0, f"{key}.start_after", "must be >= 0")
        if creator.room_id:
            _check(creator.room_id not in room_ids, f"{key}.room_id", f"duplicate room id {creator.room_id}")
            _check(0 < creator.room_id < 2**63, f"{key}.room_id", "must be a positive 64-bit id")
            room_ids.add(creator.room_id)
        _validate_script(creator.script, f"{key}.script")
    if scenario.generate is not None:
        for creator in scenario.all_creators()[len(scenario.creators) :]:
            _check(
                creator.username.lower() not in names,
                "generate.prefix",
                f"generated name {creator.username!r} clashes with a listed creator",
            )
    if scenario.replay is not None:
        _check(
            scenario.replay.username.lower() not in names,
            "replay.username",
            f"{scenario.replay.username!r} is also a listed creator",
        )
        _check(Path(scenario.replay.trace).exists(), "replay.trace", f"no such file {scenario.replay.trace!r}")
        names.add(scenario.replay.username.lower())
    _check(bool(names) or scenario.generate is not None, "creators", "a scenario needs at least one creator")
    keys = [k.key for k in scenario.signer.keys]
    _check(len(keys) == len(set(keys)), "signer.keys", "duplicate API key")
    all_names = names | {c.username.lower() for c in scenario.all_creators()}
    for i, fault in enumerate(scenario.faults):
        room = getattr(fault, "room", "")
        _check(not room or room.lower() in all_names, f"faults[{i}].room", f"no creator named {room!r}")
        _validate_fault(fault, f"faults[{i}]")


def _validate_fault(fault: model.Fault, key: str) -> None:
    for name in ("at", "delay", "duration", "until"):
        value = getattr(fault, name, 0.0)
        _check(math.isfinite(value) and value >= 0, f"{key}.{name}", "must be a finite number >= 0")
    if isinstance(fault, model.SignerFault | model.HttpError | model.RefuseHandshake):
        _check(100 <= fault.status <= 599, f"{key}.status", "must be an HTTP status")
    if isinstance(fault, model.Breakage):
        known = ", ".join(BREAKAGES)
        _check(fault.name in BREAKAGES, f"{key}.name", f"no fault-pack entry {fault.name!r} (one of: {known})")
        if BREAKAGES[fault.name].kind == "action":
            _check(fault.until == 0, f"{key}.until", f"{fault.name} happens once; it takes no 'until'")
        _check(fault.until == 0 or fault.until > fault.at, f"{key}.until", "must be 0 or later than 'at'")
        _check(1000 <= fault.code <= 4999, f"{key}.code", "must be a close code")
