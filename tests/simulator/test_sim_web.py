"""The www.tiktok.com host: guest cookies, the live page, profiles, api-live. Runs on trio and asyncio."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import httpx
import pytest
from sim_helpers import scenario

from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, HttpError, NoTtwid, ServerConfig, Simulator, Slow

pytestmark = pytest.mark.anyio

TTWID = re.compile(r"^1\|[A-Za-z0-9_-]+\|\d{10}\|[0-9a-f]{40}$")

CREATORS = (
    Creator(
        "alice",
        nickname="Alice",
        followers=1234,
        following=56,
        title="Alice's room",
        script=SCRIPT_PRESETS["silent"],
        bio="hi",
    ),
    Creator("night_owl", live=False),
    Creator("grown_up", adult=True, script=SCRIPT_PRESETS["silent"]),
)


def sigi(html: str, tag: str) -> dict[str, object]:
    match = re.search(rf'<script id="{tag}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no {tag} script"
    value = json.loads(match.group(1))
    assert isinstance(value, dict)
    return value


async def test_home_page_mints_a_guest_ttwid() -> None:
    async with Simulator(scenario(*CREATORS)) as sim, httpx.AsyncClient() as client:
        response = await client.get(sim.urls.web + "/")
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        header = response.headers["set-cookie"]
        assert header.startswith("ttwid=1%7C") and "Path=/" in header and "HttpOnly" in header
        assert "Domain" not in header  # host-only on 127.0.0.1, so clients' jars keep it
        assert TTWID.match(unquote(response.cookies["ttwid"]))
        second = await client.get(sim.urls.web + "/live")
        names = {c.split("=")[0] for c in second.headers.get_list("set-cookie")}
        assert names == {"ttwid", "tt_csrf_token", "tt_chain_token"}


async def test_ttwid_register() -> None:
    body = '{"aid":1988,"service":"www.tiktok.com","union":false,"unionHost":"","needFid":false,"fid":""}'
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://www.tiktok.com"}
    async with Simulator(scenario()) as sim, httpx.AsyncClient() as client:
        response = await client.post(sim.urls.web + "/ttwid/register/", content=body, headers=headers)
        assert response.json()["status_code"] == 0
        assert TTWID.match(unquote(response.cookies["ttwid"]))
        wrong = await client.post(sim.urls.web + "/ttwid/register/", content='{"aid": 1}')
        assert wrong.json()["status_code"] != 0 and "ttwid" not in wrong.cookies


async def test_no_ttwid_fault_and_challenge_page() -> None:
    faults = (NoTtwid(count=2), HttpError(host="web", path="/@", mode="challenge", count=1))
    async with Simulator(scenario(faults=faults)) as sim, httpx.AsyncClient() as client:
        for _ in range(2):
            assert "ttwid" not in (await client.get(sim.urls.web + "/")).cookies
        assert "ttwid" in (await client.get(sim.urls.web + "/")).cookies
        challenge = await client.get(sim.urls.web + "/@alice")
        assert challenge.status_code == 200 and challenge.headers["x-tt-system-error"] == "3"
        assert "set-cookie" not in challenge.headers


async def test_api_live_user_room() -> None:
    async with Simulator(scenario(*CREATORS)) as sim, httpx.AsyncClient() as client:
        url = sim.urls.web + "/api-live/user/room/"
        answer = (await client.get(url, params={"uniqueId": "alice", "sourceType": 54, "aid": 1988})).json()
        assert answer["statusCode"] == 0
        data = answer["data"]
        user, room = data["user"], data["liveRoom"]
        assert user["uniqueId"] == "alice" and user["nickname"] == "Alice" and user["status"] == 2
        assert user["roomId"] == str(sim.room_id("alice")) and int(user["id"]) > 2**53
        assert room["status"] == 2 and room["title"] == "Alice's room"
        assert isinstance(room["startTime"], int) and room["liveRoomStats"]["userCount"] >= 0
        pull = room["streamData"]["pull_data"]
        stream_data = json.loads(pull["stream_data"])
        assert stream_data["data"]["origin"]["main"]["flv"].startswith(sim.urls.media + "/stage/stream-")
        assert [q["sdk_key"] for q in pull["options"]["qualities"]] == ["origin", "hd", "sd", "ld", "ao"]
        assert data["stats"] == {"followerCount": 1234, "followingCount": 56}
        at = (await client.get(url, params={"uniqueId": "@ALICE"})).json()
        assert at["data"]["user"]["uniqueId"] == "alice"


async def test_api_live_offline_unknown_and_bad_params() -> None:
    async with Simulator(scenario(*CREATORS)) as sim, httpx.AsyncClient() as client:
        url = sim.urls.web + "/api-live/user/room/"
        offline = (await client.get(url, params={"uniqueId": "night_owl", "sourceType": 54})).json()
        assert offline["statusCode"] == 0
        assert offline["data"]["user"]["status"] == 4 and offline["data"]["user"]["roomId"] == ""
        assert "liveRoom" not in offline["data"]
        missing = (await client.get(url, params={"uniqueId": "nobody_here", "sourceType": 54})).json()
        assert missing["statusCode"] == 19881007 and missing["message"] == "user_not_found"
        bad = (await client.get(url)).json()
        assert bad["message"] == "params_error"


async def test_ended_stream_keeps_room_id_with_status_4() -> None:
    async with Simulator(scenario(*CREATORS, server=_fast_end())) as sim, httpx.AsyncClient() as client:
        room_id = sim.room_id("alice")
        sim.end_stream("alice")
        data = (await client.get(sim.urls.web + "/api-live/user/room/", params={"uniqueId": "alice"})).json()["data"]
        assert data["user"]["status"] == 4 and data["user"]["roomId"] == str(room_id)
        assert data["liveRoom"]["status"] == 4 and data["liveRoom"]["streamData"] == {}


def _fast_end() -> ServerConfig:
    return ServerConfig(end_grace=0.0)


async def test_adult_rooms_hide_streams_from_guests() -> None:
    async with Simulator(scenario(*CREATORS)) as sim, httpx.AsyncClient() as client:
        url = sim.urls.web + "/api-live/user/room/"
        guest = (await client.get(url, params={"uniqueId": "grown_up"})).json()["data"]["liveRoom"]
        assert guest["streamData"] == {} and guest["ageRestricted"] is True
        member = await client.get(url, params={"uniqueId": "grown_up"}, headers={"Cookie": "sessionid=abc"})
        assert "pull_data" in member.json()["data"]["liveRoom"]["streamData"]


async def test_live_page_has_sigi_state() -> None:
    async with Simulator(scenario(*CREATORS)) as sim, httpx.AsyncClient() as client:
        page = await client.get(sim.urls.web + "/@alice/live")
        assert page.status_code == 200 and "ttwid" in page.cookies
        state = sigi(page.text, "SIGI_STATE")
        info = state["LiveRoom"]["liveRoomUserInfo"]  # type: ignore[index]
        assert info["user"]["roomId"] == str(sim.room_id("alice"))
        assert info["liveRoom"]["status"] == 2
        unknown = sigi((await client.get(sim.urls.web + "/@nobody_here/live")).text, "SIGI_STATE")
        assert "LiveRoom" not in unknown


async def test_profile_page() -> None:
    async with Simulator(scenario(*CREATORS)) as sim, httpx.AsyncClient() as client:
        page = await client.get(sim.urls.web + "/@alice")
        detail = sigi(page.text, "__UNIVERSAL_DATA_FOR_REHYDRATION__")["__DEFAULT_SCOPE__"]["webapp.user-detail"]  # type: ignore[index]
        assert detail["statusCode"] == 0
        assert detail["userInfo"]["user"]["uniqueId"] == "alice" and detail["userInfo"]["user"]["signature"] == "hi"
        assert detail["userInfo"]["stats"]["followerCount"] == 1234
        by_id = await client.get(sim.urls.web + f"/@{detail['userInfo']['user']['id']}")
        assert "alice" in by_id.text
        missing = sigi((await client.get(sim.urls.web + "/@nobody_here")).text, "__UNIVERSAL_DATA_FOR_REHYDRATION__")
        assert missing["__DEFAULT_SCOPE__"]["webapp.user-detail"]["statusCode"] == 10221  # type: ignore[index]


async def test_slow_fault_delays_answers() -> None:
    import anyio

    async with Simulator(scenario(faults=(Slow(delay=0.4, path="/api-live", count=1),))) as sim:
        async with httpx.AsyncClient() as client:
            start = anyio.current_time()
            await client.get(sim.urls.web + "/api-live/user/room/", params={"uniqueId": "alice"})
            assert anyio.current_time() - start >= 0.4
            start = anyio.current_time()
            await client.get(sim.urls.web + "/api-live/user/room/", params={"uniqueId": "alice"})
            assert anyio.current_time() - start < 0.4


async def test_scripted_http_errors() -> None:
    faults = (
        HttpError(status=429, host="web", path="/api-live", count=1),
        HttpError(host="web", path="/@alice/live", mode="captcha"),
        HttpError(host="webcast", path="/webcast/room/info", mode="empty"),
    )
    async with Simulator(scenario(*CREATORS, faults=faults)) as sim, httpx.AsyncClient() as client:
        limited = await client.get(sim.urls.web + "/api-live/user/room/", params={"uniqueId": "alice"})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "5"
        ok = await client.get(sim.urls.web + "/api-live/user/room/", params={"uniqueId": "alice"})
        assert ok.status_code == 200
        captcha = await client.get(sim.urls.web + "/@alice/live")
        assert "tiktok-verify-page" in captcha.text and "SIGI_STATE" not in captcha.text
        empty = await client.get(sim.urls.webcast + "/webcast/room/info/", params={"room_id": sim.room_id("alice")})
        assert empty.status_code == 200 and empty.content == b""
