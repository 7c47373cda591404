"""Our JSON format: a typed event as JSON with every id as a string, and back.

The conversion is generic: it walks an event's ``__match_args__`` (through :func:`tiktok_webcast.event_to_dict`), so
fields added to the generated event classes flow through without a change here. Ids are 64-bit and JavaScript
numbers are not, so an integer in a field named ``id``, ``*_id``, ``*_ids`` or ``*_uid`` is written as a string.
:func:`event_from_json` rebuilds the typed event; it reads the expected type of each field from the class's default
instance, so a string id goes back to an ``int`` only where the class has one.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tiktok_webcast import events as _events
from tiktok_webcast._core import UserEventType
from tiktok_webcast.exceptions import WebcastError

__all__ = ["EventJsonError", "event_from_json", "event_to_json"]

_ID_FIELD = re.compile(r"(?:^|_)(?:id|ids|uid)$")


class EventJsonError(WebcastError):
    """A JSON event that does not describe a typed event (unknown class, wrong field type)."""


def event_to_json(event: object) -> dict[str, Any]:
    """``event`` as plain JSON data: ``{"class": "ChatEvent", "comment": ..., "msg_id": "7137...", ...}``.

    The same shape as :func:`tiktok_webcast.event_to_dict` with ids as strings, made in one pass with each class's
    fields looked up once: the server converts every event it serves."""
    if getattr(type(event), "__match_args__", None) is None:
        raise EventJsonError(f"not an event: {type(event).__name__}")
    result: dict[str, Any] = _convert(event, False)
    return result


def _fields(cls: type[Any]) -> tuple[tuple[str, bool], ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple((name, bool(_ID_FIELD.search(name))) for name in cls.__match_args__)
    return fields


_FIELDS: dict[type[Any], tuple[tuple[str, bool], ...]] = {}


def _convert(value: Any, is_id: bool) -> Any:
    kind = type(value)
    if kind is str or value is None or kind is bool or kind is float:
        return value
    if kind is int:
        return str(value) if is_id else value
    if kind is tuple:
        return [_convert(item, is_id) for item in value]
    if hasattr(kind, "__match_args__"):
        data: dict[str, Any] = {"class": kind.__name__}
        for name, id_field in _fields(kind):
            data[name] = _convert(getattr(value, name), id_field)
        return data
    if kind is bytes:
        return value.hex()
    if kind is UserEventType:
        return repr(value).rsplit(".", 1)[-1]
    return value


@cache
def _event_class(name: str) -> type[Any] | None:
    cls = getattr(_events, name, None)
    return cls if isinstance(cls, type) and hasattr(cls, "__match_args__") else None


_DEFAULTS: dict[str, dict[str, Any] | None] = {}


def _defaults(cls: type[Any]) -> dict[str, Any] | None:
    if cls.__name__ not in _DEFAULTS:
        try:
            instance = cls()
        except TypeError:  # UnknownEvent: raw payloads are not part of the stream
            _DEFAULTS[cls.__name__] = None
        else:
            _DEFAULTS[cls.__name__] = {field: getattr(instance, field) for field in cls.__match_args__}
    return _DEFAULTS[cls.__name__]


def event_from_json(data: Any) -> Any:
    """The typed event (or nested value) that :func:`event_to_json` made ``data`` from."""
    if not isinstance(data, dict) or not isinstance(data.get("class"), str):
        raise EventJsonError("an event is a JSON object with a 'class'")
    cls = _event_class(data["class"])
    if cls is None:
        raise EventJsonError(f"unknown event class {data['class']!r}")
    defaults = _defaults(cls)
    if defaults is None:
        raise EventJsonError(f"{data['class']} cannot be rebuilt from JSON")
    fields = {}
    for field, default in defaults.items():
        if field in data:
            fields[field] = _value(data[field], default, f"{data['class']}.{field}")
    try:
        return cls(**fields)
    except (TypeError, ValueError, OverflowError) as error:
        raise EventJsonError(f"{data['class']}: {error}") from None


def _value(value: Any, default: Any, where: str) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return event_from_json(value)
    if isinstance(default, bool):
        return bool(value)
    if isinstance(default, int) and not isinstance(default, UserEventType):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise EventJsonError(f"{where}: not an integer: {value!r}") from None
    if isinstance(default, bytes):
        try:
            return bytes.fromhex(value)
        except (TypeError, ValueError):
            raise EventJsonError(f"{where}: not hex bytes") from None
    if isinstance(default, UserEventType):
        member = getattr(UserEventType, str(value), None)
        if not isinstance(member, UserEventType):
            raise EventJsonError(f"{where}: unknown user event {value!r}")
        return member
    if isinstance(value, list):
        # Tuples of ints (ids) or of nested values: the element type is unknown from an empty default.
        return tuple(_element(item, where) for item in value)
    return value


def _element(item: Any, where: str) -> Any:
    if isinstance(item, dict):
        return event_from_json(item)
    if isinstance(item, str) and where.rsplit(".", 1)[-1].endswith("ids"):
        try:
            return int(item)
        except ValueError:
            raise EventJsonError(f"{where}: not an integer id: {item!r}") from None
    return item
