"""https:// and wss:// with the simulator's throwaway CA (trustme)."""

from __future__ import annotations

import ssl

import anyio
import httpx
import pytest
from sim_helpers import UA, WS_PATH, scenario
from websockets.asyncio.client import connect

from tiktok_webcast import protocol
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio


async def test_https_with_the_simulator_ca() -> None:
    async with Simulator(scenario(), tls=True) as sim:
        assert sim.urls.web.startswith("https://") and sim.urls.ws.startswith("wss://")
        assert sim.ca_pem_path is not None and sim.ca_pem_path.read_text().startswith("-----BEGIN CERTIFICATE-----")
        async with httpx.AsyncClient(verify=sim.ssl_context()) as client:
            home = await client.get(sim.urls.web + "/")
            assert home.status_code == 200
            assert "Secure" in home.headers["set-cookie"] and "SameSite=None" in home.headers["set-cookie"]
            fetch = await client.get(sim.urls.signer + "/webcast/fetch", params={"room_id": sim.room_id("alice")})
            assert protocol.decode_fetch_response(fetch.content).push_server.startswith("wss://")
        async with httpx.AsyncClient(verify=ssl.create_default_context()) as untrusting:
            with pytest.raises((httpx.ConnectError, ssl.SSLError)):
                await untrusting.get(sim.urls.web + "/")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_wss_with_the_simulator_ca() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario(), tls=True) as sim:
            async with httpx.AsyncClient(verify=sim.ssl_context()) as client:
                ttwid = (await client.get(sim.urls.web + "/")).cookies["ttwid"]
            room_id = sim.room_id("alice")
            url = f"{sim.urls.ws}{WS_PATH}?room_id={room_id}&compress=gzip"
            headers = {"Cookie": f"ttwid={ttwid}", "User-Agent": UA}
            async with connect(url, ssl=sim.ssl_context(), additional_headers=headers, user_agent_header=None) as ws:
                await ws.send(protocol.encode_heartbeat(room_id, 1))
                await ws.send(protocol.encode_enter_room(room_id))
                kinds = []
                while "msg" not in kinds:
                    kinds.append(protocol.decode_push_frame(await ws.recv()).payload_type)  # type: ignore[arg-type]
                assert kinds == ["hb", "im_enter_room_resp", "msg"]
