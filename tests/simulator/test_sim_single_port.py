"""Single-port mode: every simulated host on one port, routed by path, so one base URL (`--base-url`) reaches all."""

from __future__ import annotations

import anyio
import httpx
import pytest
from sim_helpers import KEY, chatty, scenario, session

from tiktok_webcast import BaseUrls, ChatEvent, TikTok
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the `websockets` client needs asyncio
async def test_every_host_answers_on_one_port() -> None:
    with anyio.fail_after(20):
        async with Simulator(scenario(chatty()), single_port=True, ffmpeg=False) as sim:
            urls = sim.urls
            assert urls.web == urls.webcast == urls.signer == urls.media
            assert urls.ws == "ws" + urls.web.removeprefix("http")
            async with httpx.AsyncClient(base_url=urls.web) as http:
                user = (await http.get("/api-live/user/room/", params={"uniqueId": "alice"})).json()
                assert user["data"]["user"]["status"] == 2
                info = (await http.get("/webcast/room/info/", params={"room_id": sim.room_id("alice")})).json()
                assert info["data"]["id"] == sim.room_id("alice")
                limits = await http.get("/webcast/rate_limits", headers={"x-api-key": KEY})
                assert limits.json()["minute"]["max"] == 100
                image = await http.get("/img/avatar/1.webp")
                assert image.content.startswith(b"\x89PNG")
                assert (await http.get("/_sim/state")).json()["creators"][0]["username"] == "alice"
            async with session(sim, sim.room_id("alice")) as client:
                assert (await client.next_msg()).payload_type == "msg"


async def test_a_client_given_one_base_url_watches_a_room() -> None:
    with anyio.fail_after(30):
        async with Simulator(scenario(chatty()), single_port=True, ffmpeg=False) as sim:
            async with TikTok(base_urls=BaseUrls.from_url(sim.urls.web)) as tiktok, tiktok.track_user("alice") as live:
                async for event in live.events:
                    if isinstance(event, ChatEvent):
                        break
