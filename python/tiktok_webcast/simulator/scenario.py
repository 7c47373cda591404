"""The scenario model: who is live, what happens in each room, and what goes wrong. Plain frozen dataclasses.

A scenario is written in TOML (see ``scenarios/*.toml`` and ``docs/simulator.md``) or built in Python::

    Scenario(creators=(Creator("alice", script=Script(chat=2.0, end_after=30)),), speed=10)

Times in a script (``at``, ``end_after``, ``*_every``) are scenario seconds from the room's start; fault ``at`` times
are scenario seconds from the simulator's start. ``speed`` accelerates both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeAlias

from tiktok_webcast.exceptions import WebcastError

__all__ = [
    "BUILTIN_SCENARIOS",
    "SCRIPT_PRESETS",
    "ApiKey",
    "Breakage",
    "Creator",
    "DeviceBlocked",
    "DropSocket",
    "Fault",
    "Generate",
    "HttpError",
    "MalformedFrame",
    "NoTtwid",
    "Offline",
    "RefuseHandshake",
    "Replay",
    "Scenario",
    "ScenarioError",
    "Script",
    "ServerConfig",
    "SignerConfig",
    "SignerFault",
    "SimulatorError",
    "Slow",
    "TimedEvent",
    "UnknownMessage",
    "builtin_scenario_path",
]


class SimulatorError(WebcastError):
    """The simulator cannot start or run as asked (a missing optional package, a port in use, a bad trace...)."""


class ScenarioError(SimulatorError):
    """A scenario is invalid. ``source``, ``line`` and ``key`` name the place when known."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None, key: str = "") -> None:
        where = source or "<scenario>"
        if line is not None:
            where = f"{where}:{line}"
        subject = f"{key}: " if key else ""
        super().__init__(f"{where}: {subject}{message}")
        self.source = source
        self.line = line
        self.key = key
        self.reason = message


EventType: TypeAlias = Literal[
    "chat",
    "like",
    "join",
    "follow",
    "share",
    "gift",
    "subscribe",
    "question",
    "envelope",
    "viewers",
    "pin",
    "battle",
    "control",
    "unknown",
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class TimedEvent:
    """One scripted event at ``at`` scenario seconds after the room starts.

    ``type`` picks the event; the other fields apply where they make sense: ``user`` (a viewer's username; generated
    if empty), ``comment`` (chat, question, pin), ``gift`` (a gift name or id from the catalog), ``count`` (gift streak
    length, likes in the batch, viewers), ``action`` (control action: 3 ended, 4 suspended), ``method``/``payload_hex``
    (an unknown message type and its raw payload).
    """

    at: float
    type: EventType
    user: str = ""
    comment: str = ""
    gift: str = ""
    count: int = 1
    action: int = 3
    method: str = ""
    payload_hex: str = ""


DEFAULT_COMMENTS: tuple[str, ...] = (
    "hello from the simulator!",
    "first time here",
    "what game is this?",
    "love this stream",
    "hi everyone",
    "can you say hi to me?",
    "greetings from Lisbon",
    "this is so relaxing",
    "how long have you been live?",
    "lol",
    "🔥🔥🔥",
    "W stream",
    "where are you from?",
    "nice setup",
    "is this the test pattern again?",
)


@dataclass(frozen=True, slots=True)
class Script:
    """What happens in one room. Rates are events per scenario second (Poisson arrivals); 0 turns a type off."""

    chat: float = 0.0
    likes: float = 0.0
    joins: float = 0.0
    follows: float = 0.0
    shares: float = 0.0
    gifts: float = 0.0
    """Gift sends per second; streakable gifts become streaks (updates, then a final), others arrive once."""
    subscriptions: float = 0.0
    questions: float = 0.0
    envelopes: float = 0.0
    unknown: float = 0.0
    """Messages of types with no public schema (real method names), per second."""
    viewers_every: float = 0.0
    """Seconds between viewer-count updates (``ViewersEvent`` with top viewers); 0 = never."""
    pin_every: float = 0.0
    """Seconds between pinned comments; 0 = never."""
    battle_every: float = 0.0
    """Seconds between link-mic battles (start, score updates, end); 0 = never."""
    battle_duration: float = 60.0
    end_after: float = 0.0
    """Seconds after which the stream ends with ``ControlEvent(action=3)``; 0 = never."""
    viewers: int = 100
    """Typical concurrent viewers (the count wanders around it)."""
    streak_max: int = 12
    """Longest gift streak (repeat counts run 1..N)."""
    streak_step: float = 0.3
    """Seconds between the updates of one streak."""
    like_shards: bool = True
    """Like totals sometimes go backwards, as when the real service's shards disagree."""
    lost_gift_finals: float = 0.0
    """Probability that a streak's final message (``repeat_end``) is never sent."""
    comments: tuple[str, ...] = DEFAULT_COMMENTS
    timeline: tuple[TimedEvent, ...] = ()


SCRIPT_PRESETS: dict[str, Script] = {
    "silent": Script(),
    "quiet": Script(chat=0.2, likes=0.3, joins=0.1, follows=0.01, gifts=0.02, viewers_every=10.0, viewers=12),
    "lively": Script(
        chat=1.5,
        likes=2.0,
        joins=0.8,
        follows=0.1,
        shares=0.05,
        gifts=0.25,
        subscriptions=0.01,
        questions=0.02,
        envelopes=0.005,
        unknown=0.05,
        viewers_every=5.0,
        pin_every=90.0,
        battle_every=300.0,
        battle_duration=60.0,
        viewers=850,
    ),
    "busy": Script(
        chat=800.0,
        likes=1000.0,
        joins=600.0,
        follows=60.0,
        shares=40.0,
        gifts=300.0,
        subscriptions=5.0,
        questions=5.0,
        envelopes=1.0,
        unknown=20.0,
        viewers_every=1.0,
        pin_every=20.0,
        battle_every=60.0,
        battle_duration=30.0,
        viewers=120_000,
    ),
}


@dataclass(frozen=True, slots=True)
class Creator:
    """A TikTok creator. ``user_id``/``room_id`` of 0 are derived from the username and the scenario seed."""

    username: str
    nickname: str = ""
    user_id: int = 0
    room_id: int = 0
    followers: int = 1000
    following: int = 100
    live: bool = True
    start_after: float = 0.0
    """Scenario seconds before the stream starts (the creator is offline until then)."""
    title: str = ""
    adult: bool = False
    """An 18+ room: room/info answers 4003110 without stream URLs unless a ``sessionid`` cookie is sent."""
    bio: str = ""
    verified: bool = False
    script: Script = field(default_factory=lambda: SCRIPT_PRESETS["lively"])


@dataclass(frozen=True, slots=True)
class Generate:
    """Adds ``count`` creators named ``<prefix>0001``... (all live), for many-room tests."""

    count: int
    prefix: str = "creator"
    script: Script = field(default_factory=lambda: SCRIPT_PRESETS["quiet"])


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A signer API key and its limits (requests per minute/hour/day). ``pro`` keys may call sign_url."""

    key: str = field(repr=False)
    per_minute: int = 60
    per_hour: int = 1000
    per_day: int = 10_000
    pro: bool = False


@dataclass(frozen=True, slots=True)
class SignerConfig:
    """The EulerStream-compatible signer: API keys, and whether (and how much) anonymous use is allowed."""

    keys: tuple[ApiKey, ...] = ()
    anonymous: bool = True
    anonymous_per_minute: int = 10
    anonymous_per_hour: int = 60
    anonymous_per_day: int = 120


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Protocol behaviour shared by every room. Durations here are real seconds (never accelerated)."""

    heartbeat_timeout: float = 60.0
    """Close a websocket that sent no heartbeat for this long (code ``heartbeat_close_code``)."""
    heartbeat_close_code: int = 1001
    history_comments: int = 6
    """Recent comments replayed (``is_history``) on every (re)connect, unless the URL asks otherwise."""
    batch_interval: float = 0.5
    """Scenario seconds of events gathered into one push frame."""
    signed_url_ttl: float = 30.0
    """Lifetime of the route params (``wrss``) handed out by a fetch, like a signed URL's."""
    end_grace: float = 5.0
    """Real seconds the server keeps sockets open after the stream-end control message."""
    require_enter_room: bool = True
    """Push nothing until the client sends the ``im_enter_room`` frame (the real socket stays silent)."""
    need_ack: bool = True
    """Set ``need_ack`` (with a non-empty ``internal_ext``) on every pushed message frame."""
    session_ids: tuple[str, ...] = ()
    """``sessionid`` cookie values that count as logged in; empty: any non-empty value does."""
    signed_paths: tuple[str, ...] = ("/webcast/gift/list/",)
    """webcast REST paths that answer 403 unless the URL carries msToken + X-Bogus from this signer (unsigned
    ``gift/list`` answered 403 in 2026-03, TikTok-Live-Connector #310)."""
    fetch_requires_session: bool = True
    """``/webcast/im/fetch/`` answers an empty 200 to guests (NGL measured it in 2026-08, webcast.md §4.1)."""
    feed_requires_session: bool = True
    """``/webcast/feed/`` answers an empty 200 to guests (NGL 2026-08, webcast.md §2.8)."""
    pay_grade: bool = False
    """Users in messages carry their gifter level in ``pay_grade``; by default it rides in a user-grade badge in
    ``badge_list``, as in real captures (the 2026 ones have no ``pay_grade``)."""
    max_media_processes: int = 16

    def optimistic(self) -> ServerConfig:
        """Kinder than TikTok, for demos: guests poll and browse the feed, gift/list needs no signature."""
        return replace(self, signed_paths=(), fetch_requires_session=False, feed_requires_session=False, pay_grade=True)


# ---------------------------------------------------------------------------------------------------- faults


@dataclass(frozen=True, slots=True)
class DropSocket:
    """At ``at``, every websocket of ``room`` ('' = all rooms) is cut: ``abort`` (TCP reset, no close frame),
    ``close`` (a close frame with ``code``/``reason``)."""

    at: float
    room: str = ""
    mode: Literal["abort", "close"] = "abort"
    code: int = 1011
    reason: str = "simulated drop"


@dataclass(frozen=True, slots=True)
class DeviceBlocked:
    """The next ``count`` websocket handshakes (after ``at``) are refused with HTTP 200 +
    ``Handshake-Msg: DEVICE_BLOCKED`` + ``Handshake-Status: 415``; their ttwid stays flagged."""

    count: int = 1
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class RefuseHandshake:
    """The next ``count`` handshakes are refused with ``status`` and the given Handshake-* headers."""

    count: int = 1
    at: float = 0.0
    status: int = 200
    message: str = ""
    handshake_status: int = 0


@dataclass(frozen=True, slots=True)
class SignerFault:
    """The next ``count`` signer requests (0 = all, after ``at``) to ``path`` ('' = any) fail with ``status``:
    401 (bad key), 429 (rate limited), 5xx, or 200 with an empty body."""

    status: int
    count: int = 1
    at: float = 0.0
    path: str = ""
    retry_after: int = 30
    rate_limit_headers: Literal["all", "retry-after", "x-ratelimit-reset", "ratelimit-reset"] = "all"
    """For 429: every header family at once, or only one of them."""


@dataclass(frozen=True, slots=True)
class MalformedFrame:
    """At ``at``, each websocket of ``room`` gets a broken frame: ``garbage`` (not a PushFrame), ``bad_gzip``,
    ``bad_payload`` (not a fetch result), ``bad_message`` (a chat whose payload does not decode), ``text``
    (a text websocket message), ``gzip_bomb`` (inflates past 16 MiB)."""

    at: float
    room: str = ""
    variant: Literal["garbage", "bad_gzip", "bad_payload", "bad_message", "text", "gzip_bomb"] = "garbage"


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    """At ``at``, ``room`` pushes ``count`` messages of a type with no public schema."""

    at: float
    room: str = ""
    method: str = "WebcastAISummaryMessage"
    count: int = 1


@dataclass(frozen=True, slots=True)
class Slow:
    """HTTP requests whose path starts with ``path`` ('' = all) wait ``delay`` real seconds before answering;
    ``count`` 0 = every matching request."""

    delay: float
    path: str = ""
    count: int = 0
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class HttpError:
    """The next ``count`` HTTP requests to ``host`` ('web', 'webcast', 'media', '' = any) whose path starts with
    ``path`` answer ``status``; ``mode`` 'empty' = 200 with no body, 'captcha' = a verify page,
    'challenge' = 200 + ``X-TT-System-Error: 3`` and no cookies."""

    status: int = 403
    host: str = ""
    path: str = ""
    count: int = 1
    at: float = 0.0
    mode: Literal["status", "empty", "captcha", "challenge"] = "status"


@dataclass(frozen=True, slots=True)
class NoTtwid:
    """The next ``count`` answers that would set a ttwid cookie (``/``, ``/@user``, ``/ttwid/register/``...)
    come back without it (the intermittent minting clients retry 8 x 750 ms for)."""

    count: int = 3
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Offline:
    """At ``at``, ``room``'s stream ends (``ControlEvent(action=3)``); after ``duration`` seconds the creator goes
    live again in a new room with a new room id."""

    at: float
    room: str
    duration: float = 10.0


@dataclass(frozen=True, slots=True)
class Breakage:
    """An entry of the dated fault pack (``simulator/pack.py``, ``docs/simulator.md``) by ``name``.

    A switch is on from ``at`` until ``until`` (0 = for good); an action fires once at ``at``. ``room`` limits it to
    one creator ('' = every room). ``code`` is the close code of ``2026-09-10-close-4556``.
    """

    name: str
    at: float = 0.0
    until: float = 0.0
    room: str = ""
    code: int = 4556


Fault: TypeAlias = (
    DropSocket
    | DeviceBlocked
    | RefuseHandshake
    | SignerFault
    | MalformedFrame
    | UnknownMessage
    | Slow
    | HttpError
    | NoTtwid
    | Offline
    | Breakage
)
FAULT_KINDS: dict[str, type[Fault]] = {
    "drop_socket": DropSocket,
    "device_blocked": DeviceBlocked,
    "refuse_handshake": RefuseHandshake,
    "signer_error": SignerFault,
    "malformed_frame": MalformedFrame,
    "unknown_message": UnknownMessage,
    "slow": Slow,
    "http_error": HttpError,
    "no_ttwid": NoTtwid,
    "offline": Offline,
    "breakage": Breakage,
}


@dataclass(frozen=True, slots=True)
class Replay:
    """Serve a recorded trace as a room: every websocket of the room gets the recorded server frames, re-timed."""

    trace: str
    username: str = "replay"
    room_id: int = 0
    """0: the trace header's ``meta.room_id`` if any, else derived."""
    loop: bool = False


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one simulator run serves."""

    name: str = "custom"
    description: str = ""
    seed: int = 1
    speed: float = 1.0
    start_time: float | None = None
    """Epoch seconds of scenario time 0 (event timestamps); None = the real start time."""
    creators: tuple[Creator, ...] = ()
    generate: Generate | None = None
    replay: Replay | None = None
    server: ServerConfig = field(default_factory=ServerConfig)
    signer: SignerConfig = field(default_factory=SignerConfig)
    faults: tuple[Fault, ...] = ()
    optimistic: bool = False
    """Kinder than TikTok (:meth:`ServerConfig.optimistic`): for demos; tests of clients run realistic."""
    source: str = ""
    """The file it was loaded from ('' when built in Python)."""

    def with_speed(self, speed: float) -> Scenario:
        return replace(self, speed=speed)

    def effective(self) -> Scenario:
        """The scenario as served: ``optimistic`` applied to the server settings."""
        return replace(self, server=self.server.optimistic()) if self.optimistic else self

    def all_creators(self) -> tuple[Creator, ...]:
        """The listed creators, then the generated ones (``<prefix>0001``...)."""
        extra: tuple[Creator, ...] = ()
        if self.generate is not None:
            width = max(4, len(str(self.generate.count)))
            extra = tuple(
                Creator(
                    username=f"{self.generate.prefix}{i:0{width}d}",
                    nickname=f"Creator {i}",
                    title=f"Generated room {i}",
                    followers=100 + i,
                    script=self.generate.script,
                )
                for i in range(1, self.generate.count + 1)
            )
        return self.creators + extra

    def validate(self) -> Scenario:
        """Checks what the dataclasses cannot (unique names and ids, rooms named by faults exist)."""
        from tiktok_webcast.simulator.loader import validate_scenario

        validate_scenario(self)
        return self


BUILTIN_SCENARIOS = ("demo", "busy", "many", "minimal", "faults")


def builtin_scenario_path(name: str) -> Path:
    """The TOML file of a bundled scenario."""
    return Path(__file__).with_name("scenarios") / f"{name}.toml"
