"""The CLI's JSON output. TikTok's ids are 64-bit (``7412345678901234567``); jq, JavaScript and most JSON tools read
every number as a double and round such an id silently. So each id also comes as a string: every integer field named
``id`` or ending in ``_id`` (and any other integer beyond 2**53 - 1) gets a twin ``<name>_str`` right after it, and
a list of ids (``*_ids``) a list of strings. The numbers stay, for tools that read them exactly."""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a double holds exactly (JavaScript's ``Number.MAX_SAFE_INTEGER``)."""


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text, with the ``*_str`` twin of each id."""
    return json.dumps(with_id_strings(value), ensure_ascii=False, indent=indent)


def with_id_strings(value: Any) -> Any:
    """A copy of ``value`` (JSON-ready data) in which each id has its ``*_str`` twin."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[key] = with_id_strings(item)
            twin = _as_strings(str(key), item)
            if twin is not None and f"{key}_str" not in value:
                out[f"{key}_str"] = twin
        return out
    if isinstance(value, list | tuple):
        return [with_id_strings(item) for item in value]
    return value


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_strings(key: str, value: Any) -> str | list[str] | None:
    if _is_integer(value) and (key == "id" or key.endswith("_id") or abs(value) > MAX_SAFE_INTEGER):
        return str(value)
    if key.endswith("_ids") and isinstance(value, list | tuple) and value and all(map(_is_integer, value)):
        return [str(item) for item in value]
    return None
