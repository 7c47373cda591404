"""Events as plain data, for JSON output and logs."""

from __future__ import annotations

from typing import Any

from tiktok_webcast._core import UserEventType


def event_to_dict(value: Any) -> Any:
    """An event (or a value nested in one) as dicts, lists and scalars; each object's class is under "class"
    (not "type": gift and room events have a field of that name)."""
    fields = getattr(type(value), "__match_args__", None)
    if fields is not None:
        result: dict[str, Any] = {"class": type(value).__name__}
        result.update({field: event_to_dict(getattr(value, field)) for field in fields})
        return result
    if isinstance(value, tuple):
        return [event_to_dict(item) for item in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, UserEventType):
        return repr(value).rsplit(".", 1)[-1]
    return value
