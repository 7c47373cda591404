"""The webcast.tiktok.com host: room info (and 18+ rooms), live check, gift/coin lists, feed paging, audience,
and the HTTP fetch that polls on from its cursor. Runs on trio and asyncio."""

from __future__ import annotations

import anyio
import httpx
import pytest
from sim_helpers import chatty, scenario

from tiktok_webcast import protocol
from tiktok_webcast.events import ChatEvent, User
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Generate, ServerConfig, Simulator

pytestmark = pytest.mark.anyio

ADULT = Creator("grown_up", adult=True, script=SCRIPT_PRESETS["silent"])


async def test_room_info_shape() -> None:
    async with Simulator(scenario()) as sim, httpx.AsyncClient() as client:
        room_id = sim.room_id("alice")
        answer = (await client.get(sim.urls.webcast + "/webcast/room/info/", params={"room_id": room_id})).json()
        assert answer["status_code"] == 0 and "now" in answer["extra"]
        data = answer["data"]
        assert data["status"] == 2 and data["id"] == room_id and data["id_str"] == str(room_id)
        assert data["owner"]["display_id"] == "alice" and data["owner"]["id"] > 2**53
        assert data["owner"]["follow_info"]["follower_count"] == 1000
        assert {"total_user", "like_count", "enter_count"} <= set(data["stats"])
        urls = data["stream_url"]
        assert set(urls["flv_pull_url"]) == {"FULL_HD1", "HD1", "SD1", "SD2"}
        assert urls["hls_pull_url"].endswith(".m3u8?" + urls["hls_pull_url"].split("?")[1])
        assert "stream_data" in urls["live_core_sdk_data"]["pull_data"]
        by_user = await client.get(sim.urls.webcast + "/webcast/room/info_by_user/", params={"unique_id": "alice"})
        assert by_user.json()["data"]["id"] == room_id
        unknown = (await client.get(sim.urls.webcast + "/webcast/room/info/", params={"room_id": 1})).json()
        assert unknown["status_code"] != 0


async def test_age_restricted_room_needs_a_session() -> None:
    async with Simulator(scenario(ADULT)) as sim, httpx.AsyncClient() as client:
        params: dict[str, int] = {"room_id": sim.room_id("grown_up")}
        guest = (await client.get(sim.urls.webcast + "/webcast/room/info/", params=params)).json()
        assert guest["status_code"] == 4003110
        assert "prompts" in guest["data"] and "stream_url" not in guest["data"]
        member = await client.get(
            sim.urls.webcast + "/webcast/room/info/", params=params, headers={"Cookie": "sessionid=s3cret"}
        )
        assert member.json()["status_code"] == 0 and "flv_pull_url" in member.json()["data"]["stream_url"]


async def test_session_ids_can_be_restricted() -> None:
    server = ServerConfig(session_ids=("good",))
    async with Simulator(scenario(ADULT, server=server)) as sim, httpx.AsyncClient() as client:
        params: dict[str, int] = {"room_id": sim.room_id("grown_up")}
        bad = await client.get(
            sim.urls.webcast + "/webcast/room/info/", params=params, headers={"Cookie": "sessionid=bad"}
        )
        good = await client.get(
            sim.urls.webcast + "/webcast/room/info/", params=params, headers={"Cookie": "sessionid=good"}
        )
        assert bad.json()["status_code"] == 4003110 and good.json()["status_code"] == 0


async def test_check_alive_follows_request_order() -> None:
    creators = (Creator("alice", script=SCRIPT_PRESETS["silent"]), Creator("bob", script=SCRIPT_PRESETS["silent"]))
    async with Simulator(scenario(*creators, server=ServerConfig(end_grace=0))) as sim, httpx.AsyncClient() as c:
        a, b = sim.room_id("alice"), sim.room_id("bob")
        sim.end_stream("bob")
        params: dict[str, str | int] = {"aid": 1988, "room_ids": f"{b},{a},123"}
        data = (await c.get(sim.urls.webcast + "/webcast/room/check_alive/", params=params)).json()["data"]
        assert [(d["room_id"], d["alive"]) for d in data] == [(b, False), (a, True), (123, False)]
        assert data[0]["room_id_str"] == str(b)


async def test_gift_and_price_lists() -> None:
    # optimistic: gift/list without a signature (the realistic 403 is tested below)
    async with Simulator(scenario(), optimistic=True) as sim, httpx.AsyncClient() as client:
        gifts = (await client.get(sim.urls.webcast + "/webcast/gift/list/")).json()
        assert gifts["status_code"] == 0
        rose = next(g for g in gifts["data"]["gifts"] if g["name"] == "Rose")
        assert rose["diamond_count"] == 1 and rose["type"] == 1 and rose["combo"] is True
        assert rose["image"]["url_list"][0].startswith(sim.urls.media)
        assert {g["type"] for g in gifts["data"]["gifts"]} >= {1, 2, 4}
        prices = (await client.get(sim.urls.webcast + "/webcast/wallet_api/fs/diamond/")).json()
        assert prices["data"][0]["diamond_count"] > 0 and prices["extra"]["default_currency"] == "USD"
        image = await client.get(rose["image"]["url_list"][0])
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


async def test_feed_pages_until_has_more_is_false() -> None:
    async with Simulator(scenario(generate=Generate(count=23, script=SCRIPT_PRESETS["silent"]))) as sim:
        async with httpx.AsyncClient(cookies={"sessionid": "member"}) as client:  # guests get an empty feed
            seen: list[str] = []
            params: dict[str, str | int] = {"channel": "tiktok_web", "channel_id": 86}
            for _ in range(10):
                page = (await client.get(sim.urls.webcast + "/webcast/feed/", params=params)).json()
                seen += [item["rid"] for item in page["data"]]
                assert all(item["data"]["status"] == 2 for item in page["data"])
                if not page["extra"]["has_more"]:
                    break
                params["max_time"] = page["extra"]["max_time"]
            assert len(seen) == len(set(seen)) == 24  # alice + 23 generated


async def test_audience_needs_login() -> None:
    async with Simulator(scenario()) as sim, httpx.AsyncClient() as client:
        params: dict[str, int] = {"room_id": sim.room_id("alice"), "anchor_id": 1}
        guest = (await client.get(sim.urls.webcast + "/webcast/ranklist/online_audience/", params=params)).json()
        assert guest["status_code"] == 20003
        member = await client.get(
            sim.urls.webcast + "/webcast/ranklist/online_audience/", params=params, headers={"Cookie": "sessionid=x"}
        )
        assert len(member.json()["data"]["ranks"]) == 10


async def test_http_fetch_polls_on_from_the_cursor() -> None:
    member = httpx.AsyncClient(cookies={"sessionid": "member"})  # guests get an empty fetch
    async with Simulator(scenario(chatty(rate=30.0))) as sim, member as client:
        room_id = sim.room_id("alice")
        url = sim.urls.webcast + "/webcast/im/fetch/"
        first = protocol.decode_fetch_response(
            (await client.get(url, params={"room_id": room_id, "cursor": "", "internal_ext": ""})).content
        )
        assert first.is_first and first.cursor and first.fetch_type == 1
        assert first.push_server == sim.urls.push_server and set(first.route_params) == {"wrss", "imprp"}
        history = [e for e in first.events if isinstance(e, ChatEvent)]
        assert len(history) == 6
        seen = {e.msg_id for e in first.events}
        cursor, internal_ext = first.cursor, first.internal_ext
        polled: list[ChatEvent] = []
        with anyio.fail_after(10):
            while len(polled) < 20:
                await anyio.sleep(0.2)
                params: dict[str, str | int] = {"room_id": room_id, "cursor": cursor, "internal_ext": internal_ext}
                result = protocol.decode_fetch_response((await client.get(url, params=params)).content)
                assert not result.is_first and result.push_server == ""
                polled += [e for e in result.events if isinstance(e, ChatEvent)]
                cursor, internal_ext = result.cursor, result.internal_ext
        ids = [e.msg_id for e in polled]
        assert len(ids) == len(set(ids)) and not seen & set(ids)
        assert ids == sorted(ids)


async def test_injected_events_reach_the_fetch() -> None:
    member = httpx.AsyncClient(cookies={"sessionid": "member"})
    async with Simulator(scenario()) as sim, member as client:
        room_id = sim.room_id("alice")
        url = sim.urls.webcast + "/webcast/im/fetch/"
        first = protocol.decode_fetch_response((await client.get(url, params={"room_id": room_id})).content)
        chat = ChatEvent(user=User(id=9, username="zed", nickname="Zed"), comment="injected", msg_id=42, timestamp=1)
        sim.inject("alice", chat)
        result = protocol.decode_fetch_response(
            (await client.get(url, params={"room_id": room_id, "cursor": first.cursor})).content
        )
        assert result.events == [chat]


async def test_realistic_by_default_guests_get_empty_fetch_and_feed_and_unsigned_gift_list_403() -> None:
    async with Simulator(scenario()) as sim, httpx.AsyncClient() as client:
        fetch = await client.get(sim.urls.webcast + "/webcast/im/fetch/", params={"room_id": sim.room_id("alice")})
        assert fetch.status_code == 200 and fetch.content == b""
        feed = await client.get(sim.urls.webcast + "/webcast/feed/", params={"channel": "tiktok_web"})
        assert feed.status_code == 200 and feed.content == b""
        assert (await client.get(sim.urls.webcast + "/webcast/gift/list/")).status_code == 403
        signed = await client.post(
            sim.urls.signer + "/webcast/sign_url",
            json={"url": sim.urls.webcast + "/webcast/gift/list/?aid=1988"},
            headers={"x-api-key": "test-api-key"},
        )
        signed_url = signed.json()["response"]["signedUrl"]
        assert (await client.get(signed_url)).status_code == 200


async def test_optimistic_guests_poll_and_browse() -> None:
    async with Simulator(scenario(), optimistic=True) as sim, httpx.AsyncClient() as client:
        fetch = await client.get(sim.urls.webcast + "/webcast/im/fetch/", params={"room_id": sim.room_id("alice")})
        assert protocol.decode_fetch_response(fetch.content).is_first
        feed = (await client.get(sim.urls.webcast + "/webcast/feed/", params={"channel": "tiktok_web"})).json()
        assert [item["rid"] for item in feed["data"]] == [str(sim.room_id("alice"))]
        assert sim.scenario.optimistic and sim.scenario.server.signed_paths == ()


async def test_viewers_carry_their_gifter_level_in_a_badge_unless_optimistic() -> None:
    # Real traffic puts the level in a user-grade badge (scene 8) and leaves pay_grade out (#9).
    for optimistic in (False, True):
        async with Simulator(scenario(chatty(rate=50.0)), optimistic=optimistic) as sim:
            member = httpx.AsyncClient(cookies={"sessionid": "member"})
            async with member as client:
                url = sim.urls.webcast + "/webcast/im/fetch/"
                first = await client.get(url, params={"room_id": sim.room_id("alice")})
                chats = [e for e in protocol.decode_fetch_response(first.content).events if isinstance(e, ChatEvent)]
            users = [e.user for e in chats if e.user is not None and e.user.gifter_level > 0]
            assert users, optimistic
            for chat in chats:
                assert chat.user is not None
                wire_user = chat.proto.user
                graded = [badge for badge in chat.user.badges if badge.scene == 8]
                if optimistic:
                    assert not graded and (wire_user.pay_grade is not None) is (chat.user.gifter_level > 0)
                else:
                    assert wire_user.pay_grade is None and bool(wire_user.badge_list) is (chat.user.gifter_level > 0)
                    assert [badge.level for badge in graded] == ([chat.user.gifter_level] if graded else [])
