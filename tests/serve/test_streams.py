"""Every event type through the server: a TikFinity consumer written from the public shapes parses all of it, and our
JSON stream rebuilds the very events the simulator sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.serve.helpers import wait_following
from tests.serve.samples import EVENT_CLASSES, HOST, VIEWER, one_of_each
from tests.serve.tikfinity_consumer import parse
from tests.serve.wsclient import open_text_socket
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import ChatEvent, GiftEvent, User, UserEvent, UserEventType, ViewersEvent, protocol
from tiktok_webcast.serve import event_from_json
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Simulator

pytestmark = pytest.mark.anyio

# TikTok-Live-Connector's names for these types (README v1.x and the v2 WebcastEvent enum).
EXPECTED_NAMES = {
    "ChatEvent": "chat",
    "GiftEvent": "gift",
    "LikeEvent": "like",
    "MemberEvent": "member",
    "ViewersEvent": "roomUser",
    "SubNotifyEvent": "subscribe",
    "EnvelopeEvent": "envelope",
    "PinEvent": "roomPin",
    "PollEvent": "pollMessage",
    "QuestionEvent": "questionNew",
    "EmoteChatEvent": "emote",
    "IntroEvent": "liveIntro",
    "MicBattleEvent": "linkMicBattle",
    "BattlesEvent": "linkMicArmies",
    "GoalUpdateEvent": "goalUpdate",
    "CaptionEvent": "captionMessage",
    "ImDeleteEvent": "imDelete",
    "RankUpdateEvent": "rankUpdate",
    "RankTextEvent": "rankText",
    "HourlyRankRewardEvent": "hourlyRank",
    "BarrageEvent": "barrage",
    "RoomEvent": "roomMessage",
    "RoomBannerEvent": "inRoomBanner",
    "LinkMicMethodEvent": "linkMicMethod",
    "LinkMicBattlePunishFinishEvent": "linkMicBattlePunishFinish",
    "LinkmicBattleTaskEvent": "linkMicBattleTask",
    "LinkMicFanTicketMethodEvent": "linkMicFanTicketMethod",
    "UnauthorizedMemberEvent": "unauthorizedMember",
    "OecLiveShoppingEvent": "oecLiveShopping",
    "MsgDetectEvent": "msgDetect",
    "RoomVerifyEvent": "roomVerify",
    "LinkLayerEvent": "linkLayer",
    "LinkEvent": "linkMessage",
    "GiftBroadcastEvent": "giftBroadcast",
    "RoomNotifyEvent": "roomNotify",
}


async def test_a_tikfinity_consumer_parses_every_event_type(serve: Any) -> None:
    sent = one_of_each(first_id=1000)
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with open_text_socket(server.url) as socket:
            await wait_following(server, sim)
            sim.inject("alice", *sent)
            wanted = {str(event.msg_id) for event in sent}
            received = []

            def all_seen(frame: Any) -> bool:
                received.append(parse(frame_text(frame)))
                return wanted <= {r.data.get("msgId") for r in received}

            await socket.json_until(all_seen, timeout=20)
    by_id: dict[str, list[str]] = {}
    for record in received:
        by_id.setdefault(record.data.get("msgId", ""), []).append(record.event)
    for event in sent:
        names = by_id[str(event.msg_id)]
        expected = EXPECTED_NAMES.get(type(event).__name__)
        if expected is not None:
            assert expected in names, (type(event).__name__, names)
    follow = by_id[str(next(e for e in sent if isinstance(e, UserEvent)).msg_id)]
    assert sorted(follow) == ["follow", "social"]

    def record_of(cls: type) -> Any:
        msg_id = str(next(e for e in sent if isinstance(e, cls)).msg_id)
        return next(r for r in received if r.data.get("msgId") == msg_id)

    gift = record_of(GiftEvent)
    assert (gift.data["giftName"], gift.data["repeatCount"], gift.sender) == ("Rose", 3, VIEWER.username)
    assert gift.data["userId"] == str(VIEWER.id) and gift.data["receiverUserId"] == str(HOST.id)
    viewers = record_of(ViewersEvent)
    assert viewers.data["viewerCount"] == 630 and viewers.data["topViewers"][0]["coinCount"] == 25
    assert len(EVENT_CLASSES) == len(sent) == len(by_id.keys() & {str(e.msg_id) for e in sent})


def frame_text(frame: Any) -> str:
    return json.dumps(frame)


async def test_our_json_stream_round_trips_through_the_typed_events(serve: Any) -> None:
    sent = one_of_each(first_id=2000)
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with open_text_socket(server.url + "events?creator=alice") as socket:
            await wait_following(server, sim)
            sim.inject("alice", *sent)
            wanted = {str(event.msg_id) for event in sent}
            seen: dict[str, Any] = {}

            def all_seen(message: Any) -> bool:
                if message["type"].endswith("Event"):
                    seen[message["event"]["msg_id"]] = message
                return wanted <= seen.keys()

            await socket.json_until(all_seen, timeout=20)
    for event in sent:
        message = seen[str(event.msg_id)]
        assert message["creator"] == "alice"
        # What the client decodes from the simulator's bytes (a member's join comes as a UserEvent).
        decoded = protocol.decode_message(*protocol.encode_message(event))
        assert message["type"] == type(decoded).__name__
        assert event_from_json(message["event"]) == decoded, type(event).__name__
    gift = seen[str(next(e for e in sent if isinstance(e, GiftEvent)).msg_id)]["event"]
    assert gift["user"]["id"] == str(VIEWER.id) and gift["msg_id"] == str(gift_id(sent))


def gift_id(sent: list[Any]) -> int:
    return next(e.msg_id for e in sent if isinstance(e, GiftEvent))


async def test_filters_by_creator_and_type(serve: Any) -> None:
    two = scenario(Creator("alice", script=SCRIPT_PRESETS["silent"]), Creator("bob", script=SCRIPT_PRESETS["silent"]))
    async with Simulator(two) as sim, serve(sim, "alice", "bob") as server:
        async with (
            open_text_socket(server.url + "events?creator=bob&type=UserEvent") as bob_follows,
            open_text_socket(server.url + "?creator=alice&type=chat") as alice_chat,
        ):
            await wait_following(server, sim, "alice")
            await wait_following(server, sim, "bob")
            sim.inject(
                "alice",
                UserEvent(event=UserEventType.FOLLOW, user=User(id=1, username="fan"), msg_id=3001),
                ChatEvent(user=User(id=2, username="talker"), comment="hello alice", msg_id=3002),
            )
            sim.inject(
                "bob",
                ChatEvent(user=User(id=3, username="x"), comment="hello bob", msg_id=3003),
                UserEvent(event=UserEventType.FOLLOW, user=User(id=4, username="bobfan"), msg_id=3004),
            )
            got_bob = await bob_follows.json_until(lambda m: m["type"] == "UserEvent")
            got_alice = await alice_chat.json_until(lambda m: m["data"].get("msgId") == "3002")
    assert [m["event"]["user"]["username"] for m in got_bob if m["type"] == "UserEvent"] == ["bobfan"]
    assert all(m["creator"] == "bob" for m in got_bob)
    assert {m["event"] for m in got_alice} == {"chat"} and all(m["creator"] == "alice" for m in got_alice)
    assert "hello bob" not in str(got_alice)


async def test_batched_stream_and_changing_the_filter(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with open_text_socket(server.url + "events?batch=1&type=ChatEvent") as socket:
            await wait_following(server, sim)
            sim.inject("alice", *(ChatEvent(user=User(id=i), comment=f"c{i}", msg_id=4000 + i) for i in range(5)))
            batches = await socket.json_until(
                lambda batch: isinstance(batch, list) and any(m["event"]["msg_id"] == "4004" for m in batch)
            )
            await socket.send_text(json.dumps({"action": "filter", "type": "UserEvent"}))
            await socket.json_until(lambda m: isinstance(m, dict) and m.get("type") == "filter")
            sim.inject(
                "alice",
                ChatEvent(user=User(id=9), comment="filtered out", msg_id=4100),
                UserEvent(event=UserEventType.SHARE, user=User(id=9, username="sharer"), msg_id=4101),
            )
            after = await socket.json_until(lambda batch: isinstance(batch, list))
    assert all(isinstance(batch, list) for batch in batches)
    chats = [m["event"]["comment"] for batch in batches for m in batch if 4000 <= int(m["event"]["msg_id"]) < 5000]
    assert chats == [f"c{i}" for i in range(5)]
    assert [(m["type"], m["event"]["user"]["username"]) for m in after[-1]] == [("UserEvent", "sharer")]
