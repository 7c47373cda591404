"""The client end to end against the simulator: connect paths and failover, acks and heartbeats, reconnects
without loss or duplicates, stream end, errors users hit, 18+ rooms, traces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from tiktok_webcast import (
    AgeRestrictedError,
    BlockedError,
    ChatEvent,
    ConnectionLostError,
    ConnectPath,
    ControlEvent,
    FailureKind,
    LiveState,
    LiveStatus,
    UnknownEvent,
    User,
    UserNotFoundError,
    UserOfflineError,
)
from tiktok_webcast.simulator import (
    ApiKey,
    Creator,
    DeviceBlocked,
    RefuseHandshake,
    Replay,
    Scenario,
    Script,
    SignerConfig,
    SignerFault,
    Simulator,
)
from tiktok_webcast.trace import read_trace

pytestmark = pytest.mark.anyio

QUIET = Script()
KEY = "test-key"


def scenario(*creators: Creator, **extra: Any) -> Scenario:
    signer = SignerConfig(keys=(ApiKey(KEY, per_minute=600),), anonymous=True, anonymous_per_minute=600)
    return Scenario(name="client-test", creators=creators or (Creator("alice", script=QUIET),), signer=signer, **extra)


def chat(msg_id: int, text: str = "") -> ChatEvent:
    return ChatEvent(
        user=User(id=msg_id, username=f"viewer{msg_id}"), comment=text or f"comment {msg_id}", msg_id=msg_id
    )


async def collect_until(live: Any, done: Any, *, timeout: float = 10.0) -> list[Any]:
    events: list[Any] = []
    with anyio.fail_after(timeout):
        async for event in live.events:
            events.append(event)
            if done(events):
                break
    return events


def injected(event: Any) -> bool:
    """Events the test injected (msg ids 1000-9999), not the simulator's own chat or history replays."""
    return isinstance(event, ChatEvent) and 1000 <= event.msg_id < 10_000


def comment_ids(events: list[Any]) -> list[int]:
    return [e.msg_id for e in events if injected(e)]


async def wait_connected(live: Any, sim: Simulator | None = None) -> None:
    """Connected, and (given the simulator) the room entered: the server pushes nothing before that."""
    with anyio.fail_after(10):
        await live.wait_connected()
    if sim is not None and live.path is not ConnectPath.POLLING:
        with anyio.fail_after(10):
            await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))


async def test_signer_free_connect_delivers_injected_events_and_acks_them(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client, client.track_user("@alice") as live:
        await wait_connected(live, sim)
        assert live.path is ConnectPath.SIGNER_FREE
        sim.inject("alice", *(chat(1000 + i) for i in range(5)))
        events = await collect_until(live, lambda got: len(comment_ids(got)) == 5)
        assert comment_ids(events) == [1000, 1001, 1002, 1003, 1004]
        with anyio.fail_after(5):
            await sim.wait_until(lambda: bool(sim.acks(live.room_id)))
        [session] = sim.sessions
        assert session.path == "signer-free" and session.entered == [live.room_id]
        assert session.heartbeats and session.heartbeats[0].seq == 1
        # Acks go out with the next write or read; the simulator records them as they arrive.
        with anyio.fail_after(5):
            await sim.wait_until(lambda: len(session.acks) == live.stats.acks > 0)
        assert all(ack.expected for ack in session.acks)


async def test_stream_end_ends_the_iterator_cleanly(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client, client.track_user("alice") as live:
        await wait_connected(live, sim)
        sim.end_stream("alice")
        events = await collect_until(live, lambda got: False)
        assert isinstance(events[-1], ControlEvent) and events[-1].action == 3
        assert live.state is LiveState.ENDED
        # Ended by the message itself, not found ended after the socket closed (that is a failure, then a look).
        assert live.stats.last_failure is None and live.stats.reconnects == 0


async def test_a_stream_end_missed_while_disconnected_still_ends_the_iterator(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client, client.track_user("alice") as live:
        await wait_connected(live, sim)
        sim.drop_sockets("alice")
        sim.end_stream("alice")
        events = await collect_until(live, lambda got: False)
        assert not any(isinstance(e, ControlEvent) for e in events)
        assert live.state is LiveState.ENDED and live.info is not None and not live.info.is_live
        change = live.stats.last_change
        assert change is not None and change.state is LiveState.ENDED
        assert change.failure is not None and change.failure.kind is FailureKind.OFFLINE
        assert live.liveness.status is LiveStatus.OFFLINE


async def test_a_dropped_socket_reconnects_without_loss_or_duplicates(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client, client.track_user("alice") as live:
        await wait_connected(live, sim)
        sim.inject("alice", *(chat(1000 + i) for i in range(6)))
        seen = await collect_until(live, lambda got: len(comment_ids(got)) == 6)
        sim.drop_sockets("alice")
        # Sent while nobody is connected: the signer-free reconnect resumes from the cursor it holds.
        sim.inject("alice", *(chat(1500 + i) for i in range(3)))
        seen += await collect_until(live, lambda got: 1502 in comment_ids(got))
        sim.inject("alice", *(chat(2000 + i) for i in range(3)))
        seen += await collect_until(live, lambda got: 2002 in comment_ids(got))
        ids = comment_ids(seen)
        assert sorted(ids) == [*range(1000, 1006), 1500, 1501, 1502, 2000, 2001, 2002]
        assert len(ids) == len(set(ids))
        assert len(sim.sessions) == 2 and sim.sessions[1].resumed_from is not None
        [gap] = live.stats.gaps
        assert gap.resumed and gap.path is ConnectPath.SIGNER_FREE and gap.reason is not None
        assert (live.stats.gaps_resumed, live.stats.gaps_lost, live.stats.reconnects) == (1, 0, 1)


async def test_device_blocked_rotates_the_ttwid_and_recovers(client_for: Any) -> None:
    async with Simulator(scenario(faults=(DeviceBlocked(count=1),))) as sim, client_for(sim) as client:
        async with client.track_user("alice") as live:
            await wait_connected(live, sim)
            first_ttwid = client.ttwid.current
            assert live.stats.reconnects == 1 and live.path is ConnectPath.SIGNER_FREE
        assert first_ttwid is not None


async def test_the_signed_path_is_used_with_an_api_key(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim, signer_api_key=KEY) as client:
        async with client.track_user("alice") as live:
            await wait_connected(live, sim)
            assert live.path is ConnectPath.SIGNED
            sim.inject("alice", chat(1000))
            events = await collect_until(live, lambda got: 1000 in comment_ids(got))
            assert comment_ids(events) == [1000]
        assert [s.path for s in sim.sessions] == ["signed"]
        assert sim.signer_requests >= 1


async def test_a_rejected_api_key_fails_over_to_signer_free(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim, signer_api_key="wrong-key") as client:
        async with client.track_user("alice") as live:
            await wait_connected(live, sim)
            assert live.path is ConnectPath.SIGNER_FREE


async def test_a_rate_limited_signer_is_waited_for(client_for: Any) -> None:
    faults = (SignerFault(status=429, count=1, path="/webcast/fetch", retry_after=0),)
    async with (
        Simulator(scenario(faults=faults)) as sim,
        client_for(sim, signer_api_key=KEY, connect_mode="signed") as client,
        client.track_user("alice") as live,
    ):
        await wait_connected(live, sim)
        assert live.path is ConnectPath.SIGNED and live.stats.reconnects == 1


async def test_polling_when_no_websocket_is_accepted(client_for: Any) -> None:
    async with Simulator(scenario(faults=(RefuseHandshake(count=1000, message="illegal secret key"),))) as sim:
        async with client_for(sim, session_id="logged-in") as client, client.track_user("alice") as live:
            await wait_connected(live, sim)
            assert live.path is ConnectPath.POLLING
            assert live.stats.reconnects == 6
            assert live.stats.failures[FailureKind.BLOCKED] == 6
            assert live.stats.last_failure is not None
            assert live.stats.last_failure.handshake_msg == "illegal secret key"
            sim.inject("alice", chat(1000))
            events = await collect_until(live, lambda got: 1000 in comment_ids(got))
            assert comment_ids(events) == [1000]


async def test_giving_up_raises_connection_lost_from_the_iterator(client_for: Any) -> None:
    refuse = RefuseHandshake(count=1000, message="nope")
    async with Simulator(scenario(faults=(refuse,))) as sim:
        async with client_for(sim, connect_mode="signer_free", max_reconnects=2) as client:
            async with client.track_user("alice") as live:
                with pytest.raises(ConnectionLostError), anyio.fail_after(10):
                    async for _ in live.events:
                        pass
            assert live.state is LiveState.CLOSED


async def test_a_malformed_frame_is_counted_and_the_stream_goes_on(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client, client.track_user("alice") as live:
        await wait_connected(live, sim)
        sim.send_malformed("alice", "garbage")
        sim.inject("alice", chat(1000))
        await collect_until(live, lambda got: 1000 in comment_ids(got))
        with anyio.fail_after(5):
            while live.stats.decode_errors == 0:
                await anyio.sleep(0.01)
        assert live.stats.decode_errors == 1 and live.stats.reconnects == 0 and live.state is LiveState.CONNECTED


async def test_users_who_are_missing_or_offline(client_for: Any) -> None:
    creators = (Creator("alice", script=QUIET), Creator("bob", live=False))
    async with Simulator(scenario(*creators)) as sim, client_for(sim) as client:
        with pytest.raises(UserNotFoundError):
            async with client.track_user("nobody_here"):
                pass
        with pytest.raises(UserOfflineError):
            async with client.track_user("bob"):
                pass
        assert not (await client.get_user_info("bob")).is_live
        assert await client.is_live("alice")


async def test_an_adult_room_needs_a_session(client_for: Any) -> None:
    async with Simulator(scenario(Creator("grown", adult=True, script=QUIET))) as sim:
        async with client_for(sim) as client:
            with pytest.raises(AgeRestrictedError):
                async with client.track_user("grown"):
                    pass
        async with client_for(sim, session_id="logged-in") as client, client.track_user("grown") as live:
            await wait_connected(live, sim)
            assert live.info is not None and live.info.stream_urls


async def test_the_trace_records_frames_and_replays_as_a_scenario(client_for: Any, tmp_path: Path) -> None:
    trace_path = tmp_path / "live.trace.jsonl"
    async with Simulator(scenario()) as sim, client_for(sim, ws_trace=trace_path) as client:
        async with client.track_user("alice") as live:
            await wait_connected(live, sim)
            sim.inject("alice", *(chat(1000 + i, f"traced {i}") for i in range(3)))
            recorded = await collect_until(live, lambda got: len(comment_ids(got)) == 3)
    trace = read_trace(trace_path)
    assert any(r.dir == "out" for r in trace.frames) and trace.server_frames
    replay = Scenario(name="replay", replay=Replay(trace=str(trace_path), username="replayed"))
    async with Simulator(replay) as sim, client_for(sim) as client, client.track_user("replayed") as live:
        replayed = await collect_until(live, lambda got: len(comment_ids(got)) == 3)
    assert [e.comment for e in replayed if injected(e)] == [e.comment for e in recorded if injected(e)]


@pytest.mark.parametrize("experimental", [False, True])
async def test_unknown_messages_are_counted_and_delivered_when_asked(client_for: Any, experimental: bool) -> None:
    # Field 1 is the usual header with common.msg_id (field 2) = 5000 + i: the id is read even from unknown types.
    unknown = [
        UnknownEvent("WebcastAISummaryMessage", bytes([0x0A, 0x03, 0x10, 0x88 + i, 0x27]), msg_id=5000 + i)
        for i in range(2)
    ]
    async with Simulator(scenario()) as sim, client_for(sim, experimental_events=experimental) as client:
        async with client.track_user("alice") as live:
            await wait_connected(live, sim)
            sim.inject("alice", *unknown, chat(1000))
            events = await collect_until(live, lambda got: 1000 in comment_ids(got))
            assert live.stats.unknown == 2 and live.stats.unknown_methods["WebcastAISummaryMessage"] == 2
            delivered = [e for e in events if isinstance(e, UnknownEvent)]
            assert delivered == (unknown if experimental else [])


@pytest.mark.parametrize("experimental", [False, True])
async def test_a_typed_message_that_does_not_decode_is_counted_as_unknown(client_for: Any, experimental: bool) -> None:
    # A chat whose user field (2) runs past the end: it is decoded only when taken, and then counted like an unknown
    # method, and delivered only when asked.
    broken = UnknownEvent("WebcastChatMessage", bytes([0x0A, 0x03, 0x10, 0x90, 0x27, 0x12, 0x7F, 0x01]), msg_id=5008)
    async with Simulator(scenario()) as sim, client_for(sim, experimental_events=experimental) as client:
        async with client.track_user("alice") as live:
            await wait_connected(live, sim)
            sim.inject("alice", broken, chat(1000))
            events = await collect_until(live, lambda got: 1000 in comment_ids(got))
            assert live.stats.unknown == 1 and live.stats.unknown_methods["WebcastChatMessage"] == 1
            delivered = [e for e in events if isinstance(e, UnknownEvent)]
            if experimental:
                [unknown] = delivered
                assert unknown.method == "WebcastChatMessage" and "buffer underflow" in (unknown.error or "")
            else:
                assert delivered == []


async def test_room_info_gifts_prices_and_feed(client_for: Any) -> None:
    async with Simulator(scenario(Creator("alice", script=QUIET), Creator("carol", script=QUIET))) as sim:
        async with client_for(sim, session_id="logged-in") as client:
            room = await client.get_room_info(username="alice")
            assert room.is_live and room.owner is not None and room.owner.username == "alice"
            assert room.best_stream() is not None
            prices = await client.get_price_list()
            assert prices.items and prices.items[0].coins > 0
            rooms = [r async for page in client.feed(pages=3) for r in page.rooms]
            assert {r.owner.username for r in rooms if r.owner} >= {"alice", "carol"}
            # Since 2026-03 an unsigned gift/list is refused (TikTok-Live-Connector #310).
            with pytest.raises(BlockedError) as refused:
                await client.get_gift_list(room.room_id)
            assert refused.value.status == 403


@pytest.mark.parametrize("include", [True, False])
async def test_replayed_history_is_delivered_once_or_left_out(client_for: Any, include: bool) -> None:
    async with Simulator(scenario()) as sim, client_for(sim, include_history=include) as client:
        async with client.track_user("alice") as live:
            await wait_connected(live, sim)
            sim.inject("alice", chat(1000))
            events = await collect_until(live, lambda got: 1000 in comment_ids(got))
            history = [e for e in events if isinstance(e, ChatEvent) and not injected(e)]
            assert len(history) == (6 if include else 0)
            assert live.stats.history == (0 if include else 6)


async def test_wait_connected_raises_when_watching_ends_before_connecting(client_for: Any) -> None:
    refuse = RefuseHandshake(count=1000, status=403, message="nope")
    async with Simulator(scenario(faults=(refuse,))) as sim:
        async with client_for(sim, connect_mode="signer_free", max_reconnects=0) as client:
            async with client.track_user("alice") as live:
                with pytest.raises(ConnectionLostError), anyio.fail_after(10):
                    await live.wait_connected()
                assert live.state is LiveState.CLOSED
