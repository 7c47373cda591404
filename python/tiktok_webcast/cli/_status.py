"""While watching on a terminal: a status line kept at the bottom of stderr (state, connect path, viewers, uptime,
events per second), and the library's warnings as one styled line each with a hint, printed above it.

The status line is cleared before anything else is written to the terminal and drawn again after, so event lines
(stdout) and warnings (stderr) scroll above it. Without a terminal nothing is drawn."""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

import anyio

from tiktok_webcast import LiveState
from tiktok_webcast._core import ViewersEvent
from tiktok_webcast.cli._render import Style, clock, plural

REFRESH_SECONDS = 1.0
RATE_WINDOW_SECONDS = 5.0
STATE_COLOURS = {
    LiveState.CONNECTING: "yellow",
    LiveState.CONNECTED: "green",
    LiveState.RECONNECTING: "yellow",
    LiveState.ENDED: "grey",
    LiveState.CLOSED: "grey",
}


class Watched(Protocol):
    """What the status line reads of a :class:`~tiktok_webcast.Live`."""

    @property
    def state(self) -> LiveState: ...
    @property
    def path(self) -> Any: ...
    @property
    def info(self) -> Any: ...
    @property
    def stats(self) -> Any: ...


class StatusLine:
    """The bottom line of the terminal while watching; :meth:`above` writes something above it."""

    def __init__(
        self,
        stream: TextIO,
        style: Style,
        *,
        enabled: bool,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.stream = stream
        self.style = style
        self.enabled = enabled
        self.live: Watched | None = None
        self.viewers: int | None = None
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._watch_started = monotonic()
        self._samples: deque[tuple[float, int]] = deque()
        self._drawn = False

    def watch(self, live: Watched) -> None:
        self.live = live
        self._watch_started = self._monotonic()

    def saw(self, event: object) -> None:
        """Keeps the newest viewer count (the room's information is only read once, at connect)."""
        if isinstance(event, ViewersEvent):
            self.viewers = event.viewers

    def text(self) -> str:
        """``● connected via signer_free  ·  1,234 viewers  ·  up 12:03  ·  4.2 events/s``"""
        live = self.live
        if live is None:
            return ""
        s = self.style
        now = self._monotonic()
        state = s("●", STATE_COLOURS.get(live.state, "grey")) + " " + live.state.value
        if live.path is not None:
            state += s(f" via {live.path.value}", "dim")
        parts = [state]
        viewers = self.viewers if self.viewers is not None else getattr(live.info, "viewers", None)
        if viewers is not None:
            parts.append(plural(viewers, "viewer"))
        start_time = getattr(live.info, "start_time", 0) or 0
        if start_time > 0:
            parts.append(f"up {clock(max(0.0, self._wall_clock() - start_time))}")
        else:
            parts.append(f"watched {clock(now - self._watch_started)}")
        parts.append(f"{self._rate(now, live.stats.events):.1f} events/s")
        return s("  ·  ", "dim").join(parts)

    def _rate(self, now: float, events: int) -> float:
        self._samples.append((now, events))
        while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW_SECONDS:
            self._samples.popleft()
        first_at, first_count = self._samples[0]
        elapsed = now - first_at
        return (events - first_count) / elapsed if elapsed > 0 else 0.0

    def draw(self) -> None:
        if not self.enabled or self.live is None:
            return
        self.stream.write(f"\r\x1b[K{self.text()}")
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    @contextmanager
    def above(self) -> Iterator[None]:
        """Clears the status line for what the block writes, then draws it again."""
        drawn = self._drawn
        self.clear()
        try:
            yield
        finally:
            if drawn or self.live is not None:
                self.draw()

    async def run(self) -> None:
        """Redraws every second (uptime and rate change without events); cancel to stop, which clears it."""
        try:
            while True:
                self.draw()
                await anyio.sleep(REFRESH_SECONDS)
        finally:
            self.clear()


# The hint for each kind of warning the client logs, by a phrase its message contains; the first match wins.
HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"failing over"), "another way in is tried; --connect-mode chooses one yourself"),
    (re.compile(r"\bretry\b"), "reconnecting by itself; Ctrl-C stops, -v shows each attempt"),
    (re.compile(r"without resuming"), "events sent while disconnected were missed"),
    (re.compile(r"undecodable"), "TikTok may have changed a message; --trace FILE records it for a bug report"),
    (re.compile(r"session.*signer", re.S), "leave out share_session_with_signer to keep the session to yourself"),
)
DEFAULT_HINT = "-v shows more"
# An object's repr that names a room (``<Live @alice state=connected ...>``), when the message was formatted before
# it reached us (the library's redacting filter does that).
ROOM_REPR = re.compile(r"<\w+ (@[\w.]+|room \d+)\b[^<>]*>")


def friendly(arg: object) -> object:
    """A log argument as a person reads it: a tracked room as ``@username`` (or ``room ID``), not its repr."""
    username = getattr(arg, "username", None)
    room_id = getattr(arg, "room_id", None)
    if isinstance(username, str) and username:
        return f"@{username}"
    if isinstance(room_id, int) and not isinstance(arg, int):
        return f"room {room_id}"
    return arg


def warning_text(record: logging.LogRecord) -> tuple[str, str]:
    """``(message, hint)`` for a warning record."""
    args = record.args
    if isinstance(args, tuple):
        args = tuple(friendly(arg) for arg in args)
    try:
        message = str(record.msg).replace("%r", "%s") % args if args else str(record.msg)
    except (TypeError, ValueError):
        message = record.getMessage()
    message = ROOM_REPR.sub(r"\1", message)
    hint = next((hint for pattern, hint in HINTS if pattern.search(message)), DEFAULT_HINT)
    return message, hint


class WarningLines(logging.Handler):
    """Renders the library's warnings as ``warning: …`` plus a dim ``hint: …`` line, above the status line."""

    def __init__(self, stream: TextIO, style: Style) -> None:
        super().__init__(logging.WARNING)
        self.stream = stream
        self.style = style
        self.status: StatusLine | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message, hint = warning_text(record)
            s = self.style
            label = s("error:", "red", "bold") if record.levelno >= logging.ERROR else s("warning:", "yellow", "bold")
            text = f"{label} {message}\n{s('  hint: ' + hint, 'dim')}\n"
            if self.stream.isatty():
                text = "\r\x1b[K" + text  # not after a spinner's text on its line
            if self.status is not None:
                with self.status.above():
                    self.stream.write(text)
            else:
                self.stream.write(text)
            self.stream.flush()
        except Exception:  # a logging handler must never raise into the code that logged
            self.handleError(record)
