"""Event generators: deterministic, and faithful to the semantics clients rely on (streaks, likes, stream end)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from typing import Any

from tiktok_webcast import protocol
from tiktok_webcast.events import ControlEvent, GiftEvent, LikeEvent, User, UserEvent, UserEventType
from tiktok_webcast.simulator import SCRIPT_PRESETS, Script, TimedEvent, load_scenario
from tiktok_webcast.simulator.ids import IdSource
from tiktok_webcast.simulator.script import RoomScript, ViewerPool

HOST = User(id=1, username="host", nickname="Host")


def make(script: Script, seed: int = 1) -> RoomScript:
    ids = IdSource(seed)
    return RoomScript(
        script,
        seed=seed,
        room_id=7300000000000000001,
        host=HOST,
        ids=ids,
        viewers=ViewerPool(ids, "http://media"),
        epoch_ms=lambda t: 1_700_000_000_000 + int(t * 1000),
        media_base="http://media",
    )


def run(script: Script, until: float, seed: int = 1, step: float = 0.5) -> list[Any]:
    room = make(script, seed)
    events: list[Any] = []
    t = 0.0
    while t < until:
        t = min(t + step, until)
        events.extend(room.advance(t))
    return events


def test_same_seed_same_events_whatever_the_polling() -> None:
    script = SCRIPT_PRESETS["lively"]
    a = run(script, 60, step=0.5)
    b = run(script, 60, step=3.7)
    assert a == b
    assert len(a) > 100
    assert run(script, 60, seed=2) != a


def test_every_event_encodes_and_decodes() -> None:
    for event in run(SCRIPT_PRESETS["lively"], 400):
        method, payload = protocol.encode_message(event)
        decoded = protocol.decode_message(method, payload)
        assert decoded.msg_id == event.msg_id
        assert getattr(decoded, "error", None) is None


def test_gift_streaks_count_up_then_finish() -> None:
    script = dataclasses.replace(SCRIPT_PRESETS["silent"], gifts=2.0, streak_max=8)
    gifts = [e for e in run(script, 60) if isinstance(e, GiftEvent)]
    streaks: dict[int, list[GiftEvent]] = {}
    for gift in gifts:
        if gift.type == 1:
            streaks.setdefault(gift.group_id, []).append(gift)
        else:
            assert gift.group_id == 0 and gift.repeat_count == 1
    finished = [s for s in streaks.values() if s[-1].repeat_end]
    assert len(finished) > 10
    for streak in finished:
        counts = [g.repeat_count for g in streak]
        assert counts[:-1] == list(range(1, len(counts)))
        assert counts[-1] == counts[-2]
        assert not any(g.repeat_end for g in streak[:-1])
        assert len({(g.id, g.user.id if g.user else 0) for g in streak}) == 1


def test_lost_finals_can_be_scripted() -> None:
    script = dataclasses.replace(SCRIPT_PRESETS["silent"], gifts=3.0, lost_gift_finals=1.0)
    gifts = [e for e in run(script, 30) if isinstance(e, GiftEvent)]
    assert gifts and not any(g.repeat_end for g in gifts)


def test_like_totals_go_backwards_like_shards_do() -> None:
    script = dataclasses.replace(SCRIPT_PRESETS["silent"], likes=10.0)
    likes = [e for e in run(script, 60) if isinstance(e, LikeEvent)]
    assert all(1 <= like.likes <= 15 for like in likes)
    totals = [like.total_likes for like in likes]
    assert any(b < a for a, b in itertools.pairwise(totals))
    smooth = dataclasses.replace(script, like_shards=False)
    totals = [e.total_likes for e in run(smooth, 60) if isinstance(e, LikeEvent)]
    assert totals == sorted(totals)


def test_stream_ends_with_control_action_3() -> None:
    script = dataclasses.replace(SCRIPT_PRESETS["lively"], end_after=20.0)
    room = make(script)
    events = room.advance(100.0)
    assert isinstance(events[-1], ControlEvent) and events[-1].action == 3
    assert room.ended and room.advance(200.0) == []


def test_timeline_events() -> None:
    script = Script(
        timeline=(
            TimedEvent(at=1, type="follow", user="dave"),
            TimedEvent(at=2, type="gift", gift="Rose", count=3, user="bob"),
            TimedEvent(at=3, type="control", action=4),
        )
    )
    events = make(script).advance(100)
    follow = events[0]
    assert isinstance(follow, UserEvent) and follow.event == UserEventType.FOLLOW
    assert follow.user is not None and follow.user.username == "dave"
    assert follow.timestamp == 1_700_000_001_000
    gifts = [e for e in events if isinstance(e, GiftEvent)]
    assert [(g.repeat_count, g.repeat_end) for g in gifts] == [(1, False), (2, False), (3, False), (3, True)]
    assert isinstance(events[-1], ControlEvent) and events[-1].action == 4


def test_busy_preset_is_thousands_per_second() -> None:
    events = run(SCRIPT_PRESETS["busy"], 2.0, step=0.25)
    assert len(events) / 2.0 > 2000
    kinds = Counter(type(e).__name__ for e in events)
    assert {"ChatEvent", "LikeEvent", "UserEvent", "GiftEvent"} <= set(kinds)


def test_the_demo_like_totals_only_grow() -> None:
    demo = load_scenario("demo").creators[0]
    totals = [e.total_likes for e in run(demo.script, 600, seed=2024) if isinstance(e, LikeEvent)]
    assert len(totals) > 100 and totals == sorted(totals)
    sharded = [e.total_likes for e in run(SCRIPT_PRESETS["lively"], 600, seed=2024) if isinstance(e, LikeEvent)]
    assert sharded != sorted(sharded)  # the realistic preset still shows shards disagreeing
