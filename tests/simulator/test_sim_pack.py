"""The dated fault pack: each entry's HTTP or websocket answer is what the fault says, switched on through the
control API of a running simulator (``/_sim/``), from a scenario, or from Python; plus room control."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import anyio
import httpx
import pytest
from sim_helpers import UA, WS_PATH, chatty, guest_ttwid, scenario, session, ws_url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tiktok_webcast import protocol
from tiktok_webcast.events import ChatEvent, ControlEvent, RoomEvent, User
from tiktok_webcast.simulator import SCRIPT_PRESETS, Breakage, Creator, ScenarioError, Simulator, parse_scenario

pytestmark = pytest.mark.anyio
websocket_test = pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the `websockets` client needs asyncio


def two_creators() -> Any:
    return scenario(chatty("alice", rate=5.0), Creator("bob", live=False, script=SCRIPT_PRESETS["silent"]))


async def control(sim: Simulator, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.request(method, f"{sim.urls.webcast}/_sim/{path}", json=body)


async def switch_on(sim: Simulator, name: str, **body: Any) -> None:
    answer = await control(sim, "POST", f"breakages/{name}", body)
    assert answer.status_code == 200, answer.text


async def refusal(sim: Simulator, url: str) -> InvalidStatus:
    headers = {"Cookie": f"ttwid={await guest_ttwid(sim)}", "User-Agent": UA}
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, additional_headers=headers, user_agent_header=None):
            pass
    return info.value


@websocket_test
async def test_version_code_required() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim:
            room_id = sim.room_id("alice")
            await switch_on(sim, "2025-01-28-version-code")
            bare = f"{sim.urls.ws}{WS_PATH}?room_id={room_id}&compress=gzip&aid=1988"
            refused = await refusal(sim, bare)
            assert refused.response.status_code == 200
            assert "handshake-msg" not in refused.response.headers
            async with session(sim, room_id) as client:  # ws_url sends version_code=180800
                assert (await client.next_msg()).payload_type == "msg"


@websocket_test
@pytest.mark.parametrize(
    ("name", "status"), [("2024-05-23-device-blocked", 200), ("2024-05-23-device-blocked-415", 415)]
)
async def test_device_blocked_until_switched_off(name: str, status: int) -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim:
            room_id = sim.room_id("alice")
            await switch_on(sim, name)
            refused = await refusal(sim, ws_url(sim, room_id))
            assert refused.response.status_code == status
            assert refused.response.headers["handshake-msg"] == "DEVICE_BLOCKED"
            assert refused.response.headers["handshake-status"] == "415"
            assert (await control(sim, "DELETE", f"breakages/{name}")).json()["was_active"] is True
            async with session(sim, room_id) as client:  # a fresh ttwid gets in again
                assert (await client.next_msg()).payload_type == "msg"


@websocket_test
async def test_illegal_app_id() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim:
            await switch_on(sim, "2026-09-09-illegal-app-id")
            refused = await refusal(sim, ws_url(sim, sim.room_id("alice")))
            assert refused.response.status_code == 200
            assert refused.response.headers["handshake-msg"] == "illegal app_id"
            assert refused.response.headers["handshake-status"] == "417"
            assert refused.response.body in (b"", None)


async def test_check_alive_lies_for_any_room() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as client:
            url = f"{sim.urls.webcast}/webcast/room/check_alive/"
            ids = f"{sim.room_id('alice')},123"
            honest = (await client.get(url, params={"room_ids": ids})).json()["data"]
            assert [item["alive"] for item in honest] == [True, False]
            await switch_on(sim, "2026-07-15-check-alive-lies")
            lying = (await client.get(url, params={"room_ids": ids})).json()["data"]
            assert [item["alive"] for item in lying] == [True, True]


async def test_user_not_found_while_live() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as client:
            await switch_on(sim, "2026-05-27-user-not-found")
            url = f"{sim.urls.web}/api-live/user/room/"
            live = (await client.get(url, params={"uniqueId": "alice", "sourceType": "54"})).json()
            assert (live["statusCode"], live["message"]) == (19881007, "user_not_found")
            offline = (await client.get(url, params={"uniqueId": "bob", "sourceType": "54"})).json()
            assert offline["statusCode"] == 0 and offline["data"]["user"]["status"] == 4
            info = await client.get(f"{sim.urls.webcast}/webcast/room/info/", params={"room_id": sim.room_id("alice")})
            assert info.json()["data"]["status"] == 2  # room info still tells the truth


async def test_live_page_without_sigi_state() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as client:
            before = (await client.get(f"{sim.urls.web}/@alice/live")).text
            assert 'id="SIGI_STATE"' in before
            await switch_on(sim, "2025-03-25-live-page-changed")
            after = await client.get(f"{sim.urls.web}/@alice/live")
            assert after.status_code == 200 and 'id="SIGI_STATE"' not in after.text
            assert "LiveRoom" not in after.text


async def test_waf_interstitial() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as client:
            await switch_on(sim, "2025-08-waf-interstitial")
            pages = (("/@alice/live", {}), ("/@alice", {}), ("/api-live/user/room/", {"uniqueId": "alice"}))
            for path, params in pages:
                page = await client.get(sim.urls.web + path, params=params)
                assert page.status_code == 200 and "Please wait..." in page.text, path
            challenge = page.text.split('id="cs" class="')[1].split('"')[0]
            puzzle = json.loads(base64.b64decode(challenge))
            assert len(base64.b64decode(puzzle["v"]["c"])) == 32  # a SHA-256 digest to match
            home = await client.get(sim.urls.web + "/")
            assert "ttwid" in home.cookies  # the guest cookie still comes from the home page


@websocket_test
async def test_signer_fallback_stub() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as client:
            await switch_on(sim, "2026-09-09-signer-fallback-stub")
            answer = await client.get(f"{sim.urls.signer}/webcast/fetch", params={"room_id": sim.room_id("alice")})
            assert answer.status_code == 200 and len(answer.content) < 400
            result = protocol.decode_fetch_response(answer.content)
            assert result.push_server.startswith(f"{sim.urls.ws}/ws-fallback/?token=")
            assert [e.message for e in result.events if isinstance(e, RoomEvent)] == [
                "Connected through Euler Stream fallback proxy"
            ]
            refused = await refusal(sim, result.push_server)
            assert refused.response.status_code == 200


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("2025-09-16-signer-empty-payload", 500, "Empty response payload received! (Internal Code: 200)"),
        ("2026-07-23-signer-401", 401, "The provided API Key is invalid."),
    ],
)
async def test_signer_errors(name: str, status: int, message: str) -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as client:
            await switch_on(sim, name)
            answer = await client.get(f"{sim.urls.signer}/webcast/fetch", params={"room_id": sim.room_id("alice")})
            assert answer.status_code == status
            assert answer.json() == {"code": status, "message": message}


@pytest.mark.parametrize(
    ("flavour", "present"),
    [
        ("retry-after", {"retry-after"}),
        ("x-ratelimit-reset", {"x-ratelimit-reset"}),
        ("ratelimit-reset", {"ratelimit-reset", "ratelimit-remaining"}),
    ],
)
async def test_signer_429_header_flavours(flavour: str, present: set[str]) -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as client:
            await switch_on(sim, f"2025-10-20-signer-429-{flavour}")
            answer = await client.get(f"{sim.urls.signer}/webcast/fetch", params={"room_id": sim.room_id("alice")})
            assert answer.status_code == 429
            families = {"retry-after", "x-ratelimit-reset", "ratelimit-reset", "ratelimit-remaining"}
            assert {h for h in families if h in answer.headers} == present
            if flavour == "retry-after":
                assert answer.headers["retry-after"] == "30"
            elif flavour == "ratelimit-reset":
                assert answer.headers["ratelimit-reset"] == "30"  # seconds from now, not a timestamp
            else:
                assert abs(int(answer.headers["x-ratelimit-reset"]) - (time.time() + 30)) < 5


@websocket_test
async def test_close_with_error_code_mid_stream() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, session(sim, sim.room_id("alice")) as client:
            await client.next_msg()
            await switch_on(sim, "2026-09-10-close-4556", room="alice", code=4556)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await client.next_msg()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4556


@websocket_test
async def test_silent_socket_stays_open_and_sends_nothing() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim:
            sim.go_live("bob")  # a room with no script: every frame it sends is one this test causes
            room_id = sim.room_id("bob")
            async with session(sim, room_id) as client:
                await client.next_msg()
                record = sim.sessions[-1]
                await switch_on(sim, "2026-silent-socket", room="bob")
                await sim.wait_until(lambda: record.silent)
                sent = record.frames_sent
                await client.heartbeat()
                await sim.wait_until(lambda: record.withheld_frames == 1)  # the heartbeat reply
                chat = ChatEvent(user=User(id=1, username="zed", nickname="Zed"), comment="hi", msg_id=1, timestamp=1)
                sim.inject("bob", chat)
                await sim.wait_until(lambda: record.withheld_frames == 2)  # the push
                assert record.frames_sent == sent and record.open
            async with session(sim, room_id) as fresh:  # a new connection works
                assert (await fresh.next_msg()).payload_type == "msg"


@websocket_test
async def test_stream_ends_while_disconnected() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as http:
            room_id = sim.room_id("alice")
            events: list[Any] = []
            async with session(sim, room_id) as client:
                await client.next_msg()
                await switch_on(sim, "2026-07-stream-ends-while-disconnected", room="alice")
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        events.extend((await client.next_msg()).events)
                assert closed.value.rcvd is None  # dropped: no close frame
            assert not any(isinstance(e, ControlEvent) for e in events)
            info = await http.get(f"{sim.urls.webcast}/webcast/room/info/", params={"room_id": room_id})
            assert info.json()["data"]["status"] == 4


async def test_room_control_restart_offline_live() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim, httpx.AsyncClient() as http:
            first = sim.room_id("alice")
            restarted = (await control(sim, "POST", "creators/alice/restart")).json()
            assert restarted["live"] is True and restarted["room_id"] != str(first)
            old = await http.get(f"{sim.urls.webcast}/webcast/room/info/", params={"room_id": first})
            assert old.json()["data"]["status"] == 4
            assert (await control(sim, "POST", "creators/alice/offline")).json()["live"] is False
            assert not sim.is_live("alice")
            back = (await control(sim, "POST", "creators/bob/live")).json()
            assert back["live"] is True and sim.is_live("bob") and back["room_id"] == str(sim.room_id("bob"))
            assert (await control(sim, "POST", "creators/nobody/live")).status_code == 404


async def test_control_state_and_errors() -> None:
    with anyio.fail_after(15):
        async with Simulator(two_creators()) as sim:
            await switch_on(sim, "2026-07-15-check-alive-lies")
            state = (await control(sim, "GET", "state")).json()
            entry = state["breakages"]["2026-07-15-check-alive-lies"]
            assert entry["active"] is True and entry["date"] == "2026-07-15" and entry["kind"] == "switch"
            assert {c["username"]: c["live"] for c in state["creators"]} == {"alice": True, "bob": False}
            unknown = await control(sim, "POST", "breakages/2030-01-01-nothing")
            assert unknown.status_code == 404 and "2025-01-28-version-code" in unknown.json()["error"]
            fault = await control(sim, "POST", "faults", {"kind": "signer_error", "status": 503})
            assert fault.json() == {"armed": "SignerFault"}
            bad = await control(sim, "POST", "faults", {"kind": "signer_error", "status": "x"})
            assert bad.status_code == 400 and "status" in bad.json()["error"]
            async with httpx.AsyncClient() as client:
                answer = await client.get(f"{sim.urls.signer}/webcast/fetch", params={"room_id": sim.room_id("alice")})
            assert answer.status_code == 503


async def test_scenario_toggle_until() -> None:
    # 3 s of real time at speed 10: long enough to be seen on a loaded machine, short enough to wait for its end.
    toggles = (Breakage("2026-07-15-check-alive-lies", at=0.0, until=30.0),)
    with anyio.fail_after(15):
        async with Simulator(scenario(chatty("alice"), faults=toggles, speed=10.0)) as sim:
            # The toggle at t=0 fires from the scenario's own task, which may not have run yet: wait for it.
            await sim.wait_until(lambda: bool(sim.breakages()))
            assert sim.breakages() == {"2026-07-15-check-alive-lies": ""}
            await sim.wait_until(lambda: not sim.breakages())


def test_toml_names_an_unknown_breakage() -> None:
    text = '[[creators]]\nusername = "alice"\n\n[[faults]]\nkind = "breakage"\nname = "2025-13-01-nope"\n'
    with pytest.raises(ScenarioError, match=r"^t.toml:6: faults\[0\].name: no fault-pack entry '2025-13-01-nope'"):
        parse_scenario(text, source="t.toml")


async def test_python_api_switches_on_and_off() -> None:
    async with Simulator(two_creators()) as sim:
        sim.breakage("2026-05-27-user-not-found", room="alice")
        assert sim.breakages() == {"2026-05-27-user-not-found": "alice"}
        assert sim.fix("2026-05-27-user-not-found") is True and sim.fix("2026-05-27-user-not-found") is False
        with pytest.raises(KeyError):
            sim.breakage("2026-05-27-user-not-found", room="nobody")
        with pytest.raises(ScenarioError, match="no fault-pack entry 'nope'"):
            sim.breakage("nope")
        assert sim.breakages() == {}
