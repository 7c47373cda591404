"""Terminal output: colours (only on a terminal, never with ``NO_COLOR``), one line per event, sizes and
durations for people, and the spinner shown on stderr while connecting."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TextIO

import anyio

from tiktok_webcast import events as ev
from tiktok_webcast.streaks import GiftStreak

RESET = "\x1b[0m"
CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "grey": "90",
    "bright_red": "91",
    "bright_green": "92",
    "bright_yellow": "93",
    "bright_magenta": "95",
}

# The tag and its colour for each kind of event; anything else is shown dim under its class name.
TAGS: dict[str, tuple[str, str]] = {
    "ChatEvent": ("chat", "cyan"),
    "EmoteChatEvent": ("emote", "cyan"),
    "GiftEvent": ("gift", "bright_magenta"),
    "LikeEvent": ("like", "bright_red"),
    "follow": ("follow", "bright_green"),
    "share": ("share", "blue"),
    "join": ("join", "grey"),
    "MemberEvent": ("join", "grey"),
    "ViewersEvent": ("viewers", "yellow"),
    "QuestionEvent": ("question", "bright_yellow"),
    "ControlEvent": ("control", "red"),
    "SubNotifyEvent": ("subscribe", "bright_green"),
    "EnvelopeEvent": ("envelope", "yellow"),
    "PinEvent": ("pin", "blue"),
    "MicBattleEvent": ("battle", "magenta"),
    "BattlesEvent": ("battle", "magenta"),
    "IntroEvent": ("intro", "blue"),
    "RoomEvent": ("room", "blue"),
    "UnknownEvent": ("unknown", "grey"),
}
TAG_WIDTH = 9
STREAM_ENDED_ACTIONS = (3, 4)


def colour_wanted(stream: TextIO, choice: str = "auto") -> bool:
    """``always``/``never``, or (``auto``) whether ``stream`` is a terminal and ``NO_COLOR`` is unset
    (``FORCE_COLOR`` forces colour on)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class Style:
    """Wraps text in ANSI colours when enabled, else leaves it alone."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *names: str) -> str:
        if not self.enabled or not names:
            return text
        codes = ";".join(CODES[name] for name in names)
        return f"\x1b[{codes}m{text}{RESET}"


def number(value: int) -> str:
    return f"{value:,}"


def plural(count: int, word: str) -> str:
    """``1 diamond``, ``2 diamonds``, ``1,000 diamonds``."""
    return f"{number(count)} {word}{'' if count == 1 else 's'}"


def size(value: float) -> str:
    """Bytes for people: ``980 B``, ``1.2 MB``."""
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def clock(seconds: float) -> str:
    """``1:02:03`` or ``02:03``."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def local_time(epoch_seconds: float) -> str:
    return _dt.datetime.fromtimestamp(epoch_seconds).strftime("%Y-%m-%d %H:%M:%S")


def who(user: ev.User | None, style: Style) -> str:
    """``Nickname (@username)``, or ``@username`` when the nickname says nothing more."""
    if user is None:
        return style("someone", "dim")
    handle = f"@{user.username}" if user.username else f"#{user.id}"
    if user.nickname and user.nickname != user.username:
        return f"{style(user.nickname, 'bold')} {style('(' + handle + ')', 'dim')}"
    return style(handle, "bold")


class EventFormatter:
    """One line per event: time, a coloured tag, who, and what."""

    def __init__(self, style: Style, *, clock_now: Callable[[], float] | None = None) -> None:
        self.style = style
        self._now = clock_now or (lambda: _dt.datetime.now().timestamp())

    def _line(self, key: str, timestamp_ms: int, text: str) -> str:
        tag, colour = TAGS.get(key, (key.removesuffix("Event").lower() or "event", "grey"))
        seconds = timestamp_ms / 1000 if timestamp_ms > 0 else self._now()
        when = _dt.datetime.fromtimestamp(seconds).strftime("%H:%M:%S")
        return f"{self.style(when, 'dim')} {self.style(tag.ljust(TAG_WIDTH), colour, 'bold')} {text}"

    def streak(self, streak: GiftStreak) -> str:
        gift = streak.gift
        late = self.style(" (final message missing)", "dim") if streak.expired else ""
        text = (
            f"{who(gift.user, self.style)} sent {self.style(gift.name or f'gift {gift.id}', 'bold')} "
            f"x{streak.count} {self.style('= ' + plural(streak.diamonds, 'diamond'), 'dim')}{late}"
        )
        return self._line("GiftEvent", gift.timestamp, text)

    def event(self, event: Any) -> str:
        key = type(event).__name__
        text = self._text(event)
        if isinstance(event, ev.UserEvent):
            key = _user_event_kind(event)
        return self._line(key, getattr(event, "timestamp", 0), text)

    def _text(self, event: Any) -> str:
        s = self.style
        match event:
            case ev.ChatEvent():
                return f"{who(event.user, s)}: {event.comment}"
            case ev.EmoteChatEvent():
                return f"{who(event.user, s)} sent {plural(len(event.emotes), 'emote')}"
            case ev.GiftEvent():
                name = s(event.name or f"gift {event.id}", "bold")
                count = max(event.repeat_count, 1)
                if event.streakable and not event.streak_finished:
                    return f"{who(event.user, s)} is sending {name} x{count}{s('…', 'dim')}"
                worth = s(f"= {plural(event.diamonds, 'diamond')}", "dim")
                return f"{who(event.user, s)} sent {name} x{count} {worth}"
            case ev.LikeEvent():
                total = s(f"(total {number(event.total_likes)})", "dim")
                return f"{who(event.user, s)} liked x{event.likes} {total}"
            case ev.UserEvent():
                verb = {"follow": "followed the host", "share": "shared the stream", "join": "joined"}
                return f"{who(event.user, s)} {verb[_user_event_kind(event)]}"
            case ev.MemberEvent():
                return f"{who(event.user, s)} joined"
            case ev.ViewersEvent():
                total = f" {s('(total ' + number(event.total_viewers) + ')', 'dim')}" if event.total_viewers else ""
                return f"{number(event.viewers)} watching{total}"
            case ev.QuestionEvent():
                return f"{who(event.user, s)} asks: {event.question}"
            case ev.ControlEvent():
                if event.action in STREAM_ENDED_ACTIONS:
                    return s("the stream ended", "bold") + (f" ({event.tips})" if event.tips else "")
                return f"action {event.action}" + (f": {event.tips}" if event.tips else "")
            case ev.SubNotifyEvent():
                months = f" (month {event.sub_month})" if event.sub_month else ""
                return f"{who(event.user, s)} subscribed{months}"
            case ev.EnvelopeEvent():
                chest = f"a treasure chest of {plural(event.diamond_count, 'diamond')}"
                return f"{event.sender_name or 'someone'} dropped {chest}"
            case ev.PinEvent():
                pinned = event.chat.comment if event.chat is not None else event.pinned_method
                return f"pinned: {pinned}"
            case ev.MicBattleEvent() | ev.BattlesEvent():
                return f"battle {event.battle_id} status {event.status}"
            case ev.IntroEvent():
                return f"{who(event.user, s)}: {event.title}"
            case ev.RoomEvent():
                return event.message or event.type
            case ev.UnknownEvent():
                return f"{event.method} {s(f'({len(event.payload)} bytes)', 'dim')}"
        return s(getattr(event, "method", "") or type(event).__name__, "dim")


def _user_event_kind(event: ev.UserEvent) -> str:
    if event.event == ev.UserEventType.FOLLOW:
        return "follow"
    if event.event == ev.UserEventType.SHARE:
        return "share"
    return "join"


FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Spinner:
    """A one-line spinner on ``stream``; ``text`` can change while it spins; :meth:`stop` clears the line."""

    def __init__(self, stream: TextIO, text: str, style: Style) -> None:
        self.stream = stream
        self.text = text
        self.style = style
        self._stopped = anyio.Event()
        self._drawn = False

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
        self._stopped.set()

    async def run(self) -> None:
        index = 0
        while not self._stopped.is_set():
            frame = self.style(FRAMES[index % len(FRAMES)], "cyan")
            self.stream.write(f"\r\x1b[K{frame} {self.text}")
            self.stream.flush()
            self._drawn = True
            index += 1
            with anyio.move_on_after(0.08):
                await self._stopped.wait()
        self.stop()


@asynccontextmanager
async def spinning(stream: TextIO, text: str, style: Style, *, enabled: bool) -> AsyncIterator[Spinner]:
    """A spinner while the block runs (until ``stop()``); nothing is drawn when not ``enabled``."""
    spinner = Spinner(stream, text, style)
    if not enabled:
        yield spinner
        return
    failure: Exception | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(spinner.run)
        try:
            yield spinner
        except Exception as error:  # re-raised below, outside the task group
            failure = error
        finally:
            spinner.stop()
    if failure is not None:
        raise failure
