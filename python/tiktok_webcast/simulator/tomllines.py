"""Where each key of a TOML document is written, so validation errors can name the line.

``tomllib`` reports positions only for syntax errors. This scanner walks the lines once, following table headers
(``[a.b]``, ``[[a]]`` with their running indices) and ``key = value`` lines, and records the line of every key path,
e.g. ``("creators", 1, "script", "chat") -> 14``. Values spread over several lines (arrays, multi-line strings) are
skipped over; keys inside inline tables are attributed to the line of the table.
"""

from __future__ import annotations

import re

__all__ = ["KeyPath", "format_key", "index_lines", "line_of"]

KeyPath = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_\-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY_PART = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=(.*)$")
_PART = re.compile(_KEY_PART)


def _parts(dotted: str) -> list[str]:
    out = []
    for match in _PART.finditer(dotted):
        token = match.group(0)
        out.append(token[1:-1] if token[0] in "\"'" else token)
    return out


def _strip_strings(text: str) -> str:
    """The line with string contents removed, so brackets inside strings do not count."""
    return re.sub(_QUOTED, '""', text).split("#", 1)[0]


def index_lines(text: str) -> dict[KeyPath, int]:
    """Maps every key path (tables and keys) to its 1-based line."""
    lines = text.splitlines()
    where: dict[KeyPath, int] = {}
    counters: dict[KeyPath, int] = {}
    current: KeyPath = ()
    depth = 0
    in_multiline: str | None = None
    for number, line in enumerate(lines, start=1):
        if in_multiline is not None:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        if depth > 0:
            stripped = _strip_strings(line)
            depth += stripped.count("[") + stripped.count("{") - stripped.count("]") - stripped.count("}")
            continue
        header = _HEADER.match(line)
        if header:
            parts = _parts(header.group(2))
            resolved: list[str | int] = []
            for part in parts[:-1]:
                resolved.append(part)
                key = tuple(resolved)
                if key in counters:
                    resolved.append(counters[key] - 1)
            resolved.append(parts[-1])
            if header.group(1) == "[[":
                array = tuple(resolved)
                counters[array] = counters.get(array, 0) + 1
                resolved.append(counters[array] - 1)
            current = tuple(resolved)
            where.setdefault(current, number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            path = current + tuple(_parts(assign.group(1)))
            where.setdefault(path, number)
            value = assign.group(2).strip()
            for quote in ('"""', "'''"):
                if value.startswith(quote) and value.count(quote) == 1:
                    in_multiline = quote
            if in_multiline is None:
                stripped = _strip_strings(value)
                depth = stripped.count("[") + stripped.count("{") - stripped.count("]") - stripped.count("}")
                depth = max(depth, 0)
    return where


def line_of(index: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, or of its nearest written ancestor (e.g. an inline table or an array's header)."""
    probe = tuple(path)
    while probe:
        if probe in index:
            return index[probe]
        probe = probe[:-1]
    return None


def format_key(path: KeyPath) -> str:
    """``("creators", 0, "script", "chat")`` -> ``creators[0].script.chat``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out
