"""The push websocket, driven by the `websockets` client (asyncio): handshake, enter-room, heartbeats, acks,
history replay, both connect paths, refusals, stream end and injected faults."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import anyio
import httpx
import pytest
from sim_helpers import KEY, UA, Session, chatty, guest_ttwid, scenario, session, timeline, ws_url
from TikTokLiveProto.v3.webcast.shared.message import ProtoMessageFetchResult
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tiktok_webcast import protocol
from tiktok_webcast.events import ChatEvent, ControlEvent, IntroEvent, UnknownEvent
from tiktok_webcast.exceptions import CapacityError, DecodeError
from tiktok_webcast.simulator import (
    SCRIPT_PRESETS,
    Creator,
    DeviceBlocked,
    DropSocket,
    MalformedFrame,
    RefuseHandshake,
    ServerConfig,
    Simulator,
    TimedEvent,
    UnknownMessage,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def history_room(username: str = "alice") -> Creator:
    """A quiet room whose only events are ten scripted chats in the first second."""
    chats = tuple(TimedEvent(at=0.05 * i, type="chat", user=f"user{i}", comment=f"chat {i}") for i in range(10))
    return timeline(username, *chats)


async def refused(sim: Simulator, room_id: int, headers: dict[str, str], **params: str) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as info:
        async with connect(ws_url(sim, room_id, **params), additional_headers=headers, user_agent_header=None):
            pass
    return info.value


async def test_handshake_enter_room_and_welcome_frame() -> None:
    with anyio.fail_after(15):
        async with Simulator(scenario(history_room())) as sim:
            room_id = sim.room_id("alice")
            await anyio.sleep(0.6)
            async with session(sim, room_id) as client:
                assert client.ws.response is not None
                assert client.ws.response.headers["handshake-options"] == "compress=gzip; ping-interval=10"
                hb = await client.next_frame()
                assert hb.payload_type == "hb" and protocol.decode_heartbeat(hb.payload) == (room_id, 1)
                resp = await client.next_frame()
                assert resp.payload_type == "im_enter_room_resp"
                assert protocol.decode_enter_room(resp.payload)[:2] == (room_id, 77)
                welcome = await client.next_msg()
                assert ("compress_type", "gzip") in welcome.headers
                assert welcome.need_ack and welcome.internal_ext and welcome.cursor and welcome.log_id
                chats = [e for e in welcome.events if isinstance(e, ChatEvent)]
                assert [c.comment for c in chats] == [f"chat {i}" for i in range(4, 10)]
                assert any(isinstance(e, IntroEvent) for e in welcome.events)
                raw = ProtoMessageFetchResult.parse(welcome.payload)
                flagged = [m.msg_id for m in raw.messages if m.is_history]
                assert flagged == [c.msg_id for c in chats]
            record = sim.sessions[-1]
            assert record.path == "signer-free" and record.entered == [room_id] and record.enter_unique_ids == [77]
            assert record.user_agent == UA and record.compress


async def test_replays_the_same_recent_comments_on_every_reconnect() -> None:
    with anyio.fail_after(15):
        async with Simulator(scenario(history_room())) as sim:
            room_id = sim.room_id("alice")
            await anyio.sleep(0.6)
            seen: list[list[int]] = []
            for count in ("6", "6", "3"):
                async with session(sim, room_id, history_comment_count=count) as client:
                    welcome = await client.next_msg()
                    seen.append([e.msg_id for e in welcome.events if isinstance(e, ChatEvent)])
            assert seen[0] == seen[1] and len(seen[0]) == 6
            assert seen[2] == seen[0][-3:]


async def test_plain_frames_without_compress() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario()) as sim, session(sim, sim.room_id("alice"), compress="") as client:
            welcome = await client.next_msg()
            assert ("compress_type", "gzip") not in welcome.headers
            assert client.ws.response is not None
            assert client.ws.response.headers["handshake-options"] == "ping-interval=10"


async def test_acks_are_recorded_and_checked() -> None:
    with anyio.fail_after(15):
        async with Simulator(scenario(chatty(rate=40.0), server=ServerConfig(batch_interval=0.05))) as sim:
            room_id = sim.room_id("alice")
            async with session(sim, room_id) as client:
                frames = [await client.next_msg() for _ in range(5)]
                unacked = await client.next_msg(ack=False)
                await client.ws.send(protocol.encode_ack(unacked.log_id, "not-the-internal-ext"))
                await client.ws.send(protocol.encode_ack(123, "unknown"))
                record = sim.sessions[-1]
                await sim.wait_until(lambda: len(record.acks) == 7)
            acks = sim.acks(room_id)
            assert [(a.log_id, a.internal_ext) for a in acks[:5]] == [(f.log_id, f.internal_ext) for f in frames]
            assert all(a.expected for a in acks[:5]) and not acks[5].expected and not acks[6].expected
            assert unacked.log_id in record.pending_acks
            assert all(f.log_id not in record.pending_acks for f in frames)
            assert unacked.log_id in sim.unacked(room_id)


async def test_heartbeats_are_answered_and_recorded() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario()) as sim:
            room_id = sim.room_id("alice")
            async with session(sim, room_id) as client:
                await client.next_msg()
                for _ in range(3):
                    await client.heartbeat()
                await client.ws.send(b"\x3a\x02hb")  # the legacy 4-byte heartbeat
                replies = 0
                while replies < 4:
                    frame = await client.next_frame()
                    replies += frame.payload_type == "hb"
            beats = sim.heartbeats(room_id)
            assert [h.seq for h in beats] == [1, 2, 3, 4, 0]
            assert all(h.room_id == room_id for h in beats[:4])


async def test_silent_clients_are_closed_after_the_heartbeat_timeout() -> None:
    server = ServerConfig(heartbeat_timeout=0.5, heartbeat_close_code=4001)
    with anyio.fail_after(10):
        async with Simulator(scenario(server=server)) as sim, session(sim, sim.room_id("alice")) as client:
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await client.next_frame(timeout=5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 4001
            assert info.value.rcvd.reason == "heartbeat timeout"
            await sim.wait_until(lambda: sim.sessions[-1].closed_at is not None)
            assert sim.sessions[-1].closed_by == "server"


async def test_nothing_is_pushed_before_enter_room() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario(chatty(rate=50))) as sim:
            async with session(sim, sim.room_id("alice"), enter=False) as client:
                await client.heartbeat()
                assert (await client.next_frame()).payload_type == "hb"
                with pytest.raises(TimeoutError):
                    await client.next_frame(timeout=0.4)
                await client.enter()
                assert (await client.next_msg()).events


async def test_switching_rooms_on_one_socket() -> None:
    creators = (history_room("alice"), history_room("bob"))
    with anyio.fail_after(10):
        async with Simulator(scenario(*creators)) as sim, session(sim, sim.room_id("alice")) as client:
            await client.next_msg()
            bob = sim.room_id("bob")
            await client.ws.send(protocol.encode_enter_room(bob))
            while True:
                frame = await client.next_msg()
                intro = [e for e in frame.events if isinstance(e, IntroEvent)]
                if intro:
                    assert intro[0].id == bob
                    break
            assert sim.sessions[-1].entered == [sim.room_id("alice"), bob]


async def test_handshake_refusals() -> None:
    creators = (Creator("alice", script=SCRIPT_PRESETS["silent"]), Creator("night_owl", live=False))
    with anyio.fail_after(10):
        async with Simulator(scenario(*creators)) as sim:
            room_id = sim.room_id("alice")
            ttwid = await guest_ttwid(sim)
            no_cookie = await refused(sim, room_id, {"User-Agent": UA})
            assert no_cookie.response.status_code == 200 and "handshake-msg" not in no_cookie.response.headers
            forged = await refused(sim, room_id, {"User-Agent": UA, "Cookie": "ttwid=1%7Cabc%7C1%7Cdef"})
            assert forged.response.status_code == 200
            unknown_room = await refused(sim, 1234, {"User-Agent": UA, "Cookie": f"ttwid={ttwid}"})
            assert unknown_room.response.headers["x-simulator-reason"] == "unknown room_id"
            no_ua = await refused(sim, room_id, {"Cookie": f"ttwid={ttwid}"})
            assert no_ua.response.headers["handshake-msg"] == "DEVICE_BLOCKED"
            assert no_ua.response.headers["handshake-status"] == "415"
            # That ttwid is flagged now, even with a User-Agent; a fresh one works.
            flagged = await refused(sim, room_id, {"User-Agent": UA, "Cookie": f"ttwid={ttwid}"})
            assert flagged.response.headers["handshake-msg"] == "DEVICE_BLOCKED"
            async with session(sim, room_id) as client:
                assert (await client.next_msg()).events


async def test_device_blocked_fault_then_rotation_works() -> None:
    faults = (
        DeviceBlocked(count=1),
        RefuseHandshake(count=1, at=0.0, message="illegal secret key", handshake_status=417),
    )
    with anyio.fail_after(10):
        async with Simulator(scenario(faults=faults)) as sim:
            room_id = sim.room_id("alice")
            first = await guest_ttwid(sim)
            refusal = await refused(sim, room_id, {"User-Agent": UA, "Cookie": f"ttwid={first}"})
            assert refusal.response.headers["handshake-msg"] == "illegal secret key"
            blocked = await refused(sim, room_id, {"User-Agent": UA, "Cookie": f"ttwid={first}"})
            assert blocked.response.status_code == 200
            assert blocked.response.headers["handshake-msg"] == "DEVICE_BLOCKED"
            assert blocked.response.headers["handshake-status"] == "415"
            again = await refused(sim, room_id, {"User-Agent": UA, "Cookie": f"ttwid={first}"})
            assert again.response.headers["handshake-msg"] == "DEVICE_BLOCKED"
            async with session(sim, room_id) as client:
                assert (await client.next_msg()).events


async def signed_bootstrap(sim: Simulator, room_id: int) -> tuple[protocol.FetchResponse, str]:
    async with httpx.AsyncClient() as http:
        response = await http.get(
            sim.urls.signer + "/webcast/fetch",
            params={"room_id": room_id, "client": "ttlive-python"},
            headers={"x-api-key": KEY},
        )
    return protocol.decode_fetch_response(response.content), response.headers["x-set-tt-cookie"]


async def test_signed_path_resumes_after_the_bootstrap() -> None:
    with anyio.fail_after(15):
        async with Simulator(scenario(chatty(rate=20.0))) as sim:
            room_id = sim.room_id("alice")
            result, cookie = await signed_bootstrap(sim, room_id)
            bootstrap_ids = {e.msg_id for e in result.events}
            query = {
                **result.route_params,
                "room_id": str(room_id),
                "compress": "gzip",
                "cursor": result.cursor,
                "internal_ext": result.internal_ext,
                "version_code": "270000",
            }
            url = result.push_server + "?" + urlencode(query)
            async with connect(
                url, additional_headers={"Cookie": cookie, "User-Agent": UA}, ping_interval=None, user_agent_header=None
            ) as ws:
                client = Session(ws, room_id)
                await client.enter(cursor=result.cursor)
                events: list[object] = []
                while len(events) < 10:
                    events += (await client.next_msg()).events
            assert not bootstrap_ids & {getattr(e, "msg_id", 0) for e in events}
            assert all(isinstance(e, ChatEvent) for e in events)
            assert sim.sessions[-1].path == "signed" and sim.sessions[-1].resumed_from is not None


async def test_signed_route_params_expire() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario(server=ServerConfig(signed_url_ttl=0.2))) as sim:
            room_id = sim.room_id("alice")
            result, cookie = await signed_bootstrap(sim, room_id)
            await anyio.sleep(0.3)
            headers = {"Cookie": cookie, "User-Agent": UA}
            expired = await refused(sim, room_id, headers, **result.route_params)
            assert "expired" in expired.response.headers["x-simulator-reason"]


async def test_stream_end_sends_control_3_then_closes() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario(server=ServerConfig(end_grace=0.2))) as sim:
            async with session(sim, sim.room_id("alice")) as client:
                await client.next_msg()
                sim.end_stream("alice")
                frame = await client.next_msg()
                assert [(type(e), e.action) for e in frame.events] == [(ControlEvent, 3)]
                with pytest.raises(ConnectionClosed) as info:
                    await client.next_frame()
                assert info.value.rcvd is not None and info.value.rcvd.code == 1000
            assert not sim.is_live("alice")


async def test_offline_and_back_gets_a_new_room() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario(server=ServerConfig(end_grace=0.0))) as sim:
            first = sim.room_id("alice")
            sim.go_offline("alice", duration=0.3)
            assert not sim.is_live("alice")
            await sim.wait_until(lambda: sim.is_live("alice"))
            second = sim.room_id("alice")
            assert second != first and sim.room_ids("alice") == [first, second]
            async with session(sim, second) as client:
                assert (await client.next_msg()).events


async def test_socket_drops() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario()) as sim:
            room_id = sim.room_id("alice")
            async with session(sim, room_id) as client:
                await client.next_msg()
                sim.drop_sockets("alice", mode="abort")
                with pytest.raises(ConnectionClosed) as info:
                    await client.next_frame()
                assert info.value.rcvd is None  # no close frame: the TCP connection just went away
            async with session(sim, room_id) as client:
                await client.next_msg()
                sim.drop_sockets("alice", mode="close", code=1011)
                with pytest.raises(ConnectionClosed) as info:
                    await client.next_frame()
                assert info.value.rcvd is not None and info.value.rcvd.code == 1011


async def test_malformed_frames_and_unknown_messages() -> None:
    with anyio.fail_after(10):
        async with Simulator(scenario()) as sim, session(sim, sim.room_id("alice")) as client:
            await client.next_msg()
            errors = {
                "garbage": DecodeError,
                "bad_gzip": DecodeError,
                "bad_payload": DecodeError,
                "gzip_bomb": CapacityError,
            }
            for variant, error in errors.items():
                sim.send_malformed("alice", variant)
                data = await asyncio.wait_for(client.ws.recv(), 5)
                assert isinstance(data, bytes)
                with pytest.raises(error):
                    frame = protocol.decode_push_frame(data)
                    _ = frame.events
            sim.send_malformed("alice", "text")
            assert isinstance(await asyncio.wait_for(client.ws.recv(), 5), str)
            sim.send_malformed("alice", "bad_message")
            broken = (await client.next_msg()).events
            assert isinstance(broken[0], UnknownEvent) and broken[0].error
            sim.add_fault(UnknownMessage(at=0, room="alice", method="WebcastCommentTrayMessage", count=2))
            unknown = (await client.next_msg()).events
            assert [(type(e), e.method) for e in unknown] == [(UnknownEvent, "WebcastCommentTrayMessage")] * 2
            assert all(e.error is None for e in unknown)


async def test_scheduled_faults_fire_on_the_scenario_clock() -> None:
    faults = (
        UnknownMessage(at=0.2, room="alice", method="WebcastGameServerFeatureMessage"),
        MalformedFrame(at=0.4, room="alice", variant="text"),
        DropSocket(at=0.6, room="alice", mode="close", code=4005, reason="scheduled"),
    )
    with anyio.fail_after(10):
        async with Simulator(scenario(faults=faults, speed=0.5)) as sim, session(sim, sim.room_id("alice")) as client:
            kinds: list[str] = []
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    data = await client.ws.recv()
                    if isinstance(data, str):
                        kinds.append("text")
                        continue
                    frame = protocol.decode_push_frame(data)
                    if frame.payload_type == "msg":
                        kinds += [getattr(e, "method", "") for e in frame.events if isinstance(e, UnknownEvent)]
            scenario_time = sim.now()
            assert info.value.rcvd is not None and info.value.rcvd.code == 4005
            assert kinds == ["WebcastGameServerFeatureMessage", "text"]
            assert 0.6 <= scenario_time < 1.6  # the drop is due at 0.6 scenario seconds (1.2 s at half speed)
            assert [type(f).__name__ for f in sim.fired_faults] == ["UnknownMessage", "MalformedFrame", "DropSocket"]


async def test_pushes_without_enter_room_or_acks_when_configured() -> None:
    server = ServerConfig(require_enter_room=False, need_ack=False)
    with anyio.fail_after(10):
        async with Simulator(scenario(server=server)) as sim:
            async with session(sim, sim.room_id("alice"), enter=False) as client:
                welcome = await client.next_msg()
                assert welcome.events and not welcome.need_ack and welcome.ack is None


async def test_demo_scenario_at_speed_has_every_kind_of_event() -> None:
    with anyio.fail_after(20):
        async with Simulator("demo", speed=40, ffmpeg=False) as sim:
            async with session(sim, sim.room_id("tiktok_webcast_demo")) as client:
                kinds: set[str] = set()
                wanted = {"ChatEvent", "LikeEvent", "UserEvent", "GiftEvent", "ViewersEvent", "UnknownEvent"}
                while not wanted <= kinds:
                    frame = await client.next_msg()
                    for event in frame.events:
                        kinds.add(type(event).__name__)
                        assert getattr(event, "error", None) is None


async def test_busy_scenario_pushes_thousands_of_events() -> None:
    with anyio.fail_after(20):
        async with Simulator("busy", ffmpeg=False) as sim:
            async with session(sim, sim.room_id("tiktok_webcast_busy")) as client:
                received = 0
                while received < 3000:
                    received += len((await client.next_msg()).events)


async def test_an_ack_that_overtakes_the_send_is_still_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    from tiktok_webcast.simulator import websocket

    async with Simulator(scenario(chatty(rate=10.0))) as sim:
        original = websocket.ServerWebSocket.send

        async def slow_send(self: websocket.ServerWebSocket, data: bytes | str) -> None:
            # The frame is on the wire, but the sender resumes only after the client's ack has been read.
            await original(self, data)
            is_msg = isinstance(data, bytes) and protocol.decode_push_frame(data).payload_type == "msg"
            if is_msg and sim.sessions and sim.sessions[-1].entered:
                record = sim.sessions[-1]
                before = len(record.acks)
                with anyio.move_on_after(5):
                    await sim.wait_until(lambda: len(record.acks) > before)

        monkeypatch.setattr(websocket.ServerWebSocket, "send", slow_send)
        with anyio.fail_after(20):
            async with session(sim, sim.room_id("alice")) as client:
                for _ in range(3):
                    await client.next_msg(ack=True)
                record = sim.sessions[-1]
                await sim.wait_until(lambda: len(record.acks) >= 3)
            assert all(a.expected for a in record.acks[:3]), record.acks
