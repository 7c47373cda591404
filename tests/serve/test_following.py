"""Following creators: connect on their own when they go live, report stream ends as TikFinity's streamEnd, come
back for the next stream; one alert-worthy GiftStreak per finished streak and running totals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.serve.helpers import wait_following
from tests.serve.wsclient import open_text_socket
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import GiftEvent, LikeEvent, User, UserEvent, UserEventType
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Simulator

pytestmark = pytest.mark.anyio

FAN = User(id=42, username="fan42", nickname="Fan")


def rose(msg_id: int, count: int, end: bool) -> GiftEvent:
    return GiftEvent(
        id=5655, name="Rose", cost=1, repeat_count=count, repeat_end=end, type=1, user=FAN, group_id=7, msg_id=msg_id
    )


async def test_connects_when_the_creator_goes_live_and_again_after_the_stream_ends(serve: Any) -> None:
    # Offline for the first second of the scenario, then live.
    later = scenario(Creator("alice", start_after=1.0, script=SCRIPT_PRESETS["silent"]))
    async with Simulator(later) as sim, serve(sim, "alice") as server:
        async with (
            open_text_socket(server.url + "events?type=Status,ControlEvent") as status,
            open_text_socket(server.url) as tf,
        ):
            await status.json_until(lambda m: m["event"].get("state") == "offline")
            first = (await status.json_until(lambda m: m["event"].get("state") == "live"))[-1]["event"]["room_id"]
            await wait_following(server, sim)
            sim.go_offline("alice", duration=1.0)  # the stream ends; a new one starts a second later
            ended = await tf.json_until(lambda m: m["event"] == "streamEnd")
            assert ended[-1]["data"] == {"action": 3} and ended[-1]["creator"] == "alice"
            until_ended = await status.json_until(lambda m: m["event"].get("state") == "ended")
            second = (await status.json_until(lambda m: m["event"].get("state") == "live"))[-1]["event"]["room_id"]
    assert first != second == str(sim.room_id("alice"))
    # The room's own end message is passed on once: the server adds none of its own.
    assert [m["event"]["action"] for m in until_ended if m["type"] == "ControlEvent"] == [3]


async def test_a_stream_that_ends_while_disconnected_still_ends_for_the_consumers(serve: Any) -> None:
    # The sockets drop, then the room ends: no end message reaches the server's client, which learns of the end
    # from the room's status when it reconnects. The server sends the streamEnd itself, once.
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with open_text_socket(server.url + "events?type=ControlEvent,Status") as ours:
            async with open_text_socket(server.url) as tf:
                await wait_following(server, sim)
                sim.breakage("2026-07-stream-ends-while-disconnected", room="alice")
                ended = await tf.json_until(lambda m: m["event"] == "streamEnd")
            seen = await ours.json_until(lambda m: m["type"] == "Status" and m["event"]["state"] == "ended")
    assert ended[-1]["data"] == {"action": 3} and ended[-1]["creator"] == "alice"
    assert [m["event"]["action"] for m in seen if m["type"] == "ControlEvent"] == [3]


async def test_a_streak_is_one_giftstreak_and_totals_add_up(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with open_text_socket(server.url + "events?type=GiftStreak,Stats") as socket:
            await wait_following(server, sim)
            sim.inject(
                "alice",
                rose(1001, 1, False),
                rose(1002, 2, False),
                rose(1003, 5, True),
                LikeEvent(likes=15, total_likes=15, user=FAN, msg_id=1004),
                UserEvent(event=UserEventType.FOLLOW, user=FAN, msg_id=1005),
            )
            seen = await socket.json_until(
                lambda m: m["type"] == "Stats" and m["event"]["follows"] == 1 and m["event"]["diamonds"] == 5
            )
    streaks = [m["event"] for m in seen if m["type"] == "GiftStreak"]
    assert [(s["gift"]["name"], s["count"], s["diamonds"]) for s in streaks] == [("Rose", 5, 5)]
    stats = seen[-1]["event"]
    assert (stats["likes"], stats["gifts"]) == (15, 5)
    assert stats["top_gifters"] == [
        {"user_id": "42", "username": "fan42", "nickname": "Fan", "picture": None, "diamonds": 5, "gifts": 5}
    ]


async def test_test_events_go_through_the_same_path(serve: Any) -> None:
    async with serve(None, "alice") as server, open_text_socket(server.url + "events") as socket:
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            sent = await http.post("/api/test-event", json={"kind": "gift", "gift": "Lion", "count": 2, "diamonds": 50})
            assert sent.status_code == 200
            bad = await http.post("/api/test-event", json={"kind": "gift", "count": "many"})
            assert bad.status_code == 400 and bad.json() == {"error": "count is not an integer: 'many'"}
            unknown = await http.post("/api/test-event", json={"kind": "explosion"})
            assert unknown.status_code == 400 and "unknown test event" in unknown.json()["error"]
            assert (await http.post("/api/test-event", content=b"{")).json() == {"error": "the body is not JSON"}
        seen = await socket.json_until(lambda m: m["type"] == "Stats" and m["event"]["diamonds"] > 0)
    streak = next(m for m in seen if m["type"] == "GiftStreak")
    assert streak["rehearsal"] is True and streak["creator"] == "alice"
    assert (streak["event"]["gift"]["name"], streak["event"]["count"], streak["event"]["diamonds"]) == ("Lion", 2, 100)
    assert seen[-1]["event"]["diamonds"] == 100


async def test_rehearsal_replays_a_recorded_trace(serve: Any, tmp_path: Any) -> None:
    from tests.client.conftest import FAST, base_urls

    from tiktok_webcast import ChatEvent, TikTok

    trace = tmp_path / "stream.trace"
    async with Simulator(scenario()) as sim:
        async with TikTok(base_urls=base_urls(sim), ws_trace=str(trace), **FAST) as client:
            async with client.track_user("alice") as live:
                await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))
                sim.inject("alice", ChatEvent(user=FAN, comment="recorded earlier", msg_id=1001))
                async for event in live.events:
                    if isinstance(event, ChatEvent) and event.msg_id == 1001:
                        break
    async with serve(None) as server:
        server.trace = trace
        async with open_text_socket(server.url + "events?type=ChatEvent") as socket:
            async with httpx.AsyncClient(base_url=server.http_url) as http:
                started = await http.post("/api/rehearse", json={"source": "trace"})
                assert started.status_code == 200
                got = await socket.json_until(lambda m: m["event"]["comment"] == "recorded earlier", timeout=30)
    assert got[-1]["rehearsal"] is True and got[-1]["creator"] == "replay"
