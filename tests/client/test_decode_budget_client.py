"""A frame or fetch result refused by the decode budget (a CapacityError) is reported and watching goes on: on the
websocket, in polling, and in the CLI's replay of a trace."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from tiktok_webcast import CapacityError, ChatEvent, ConnectPath, FailureKind, LiveState, TikTokHTTPError, User
from tiktok_webcast._api import TikTokApi
from tiktok_webcast._failures import classify
from tiktok_webcast._ladder import FINAL_KINDS
from tiktok_webcast._polling import poll
from tiktok_webcast._reconnect import Resume
from tiktok_webcast.events import UnknownEvent
from tiktok_webcast.protocol import (
    decode_fetch_response,
    decode_push_frame,
    encode_fetch_response,
    encode_message,
    encode_push_frame,
)
from tiktok_webcast.simulator import ApiKey, Creator, Scenario, Script, SignerConfig, Simulator
from tiktok_webcast.trace import TraceWriter

pytestmark = pytest.mark.anyio

# Five thousand empty gift messages: 110 KB that would decode to far more than the budget allows a fetch result.
OVER_BUDGET = [UnknownEvent("WebcastGiftMessage", b"", None, 0)] * 5_000


def chat(msg_id: int) -> ChatEvent:
    return ChatEvent(user=User(id=msg_id, username=f"viewer{msg_id}"), comment=f"comment {msg_id}", msg_id=msg_id)


def fetch_body(events: list[Any], cursor: str) -> bytes:
    messages = [e if isinstance(e, UnknownEvent) else UnknownEvent(*encode_message(e), None, e.msg_id) for e in events]
    ext = f"ext-{cursor}"
    return encode_fetch_response(messages, cursor=cursor, internal_ext=ext, need_ack=False, fetch_interval=1000)


def test_the_over_budget_input_is_refused_by_the_decode_budget() -> None:
    # The premise of the tests below: it is the budget (CapacityError) that refuses it, not a decode error.
    with pytest.raises(CapacityError):
        decode_push_frame(encode_push_frame(fetch_body(OVER_BUDGET, "c1"), payload_type="msg", gzip=True))


async def test_a_frame_over_the_decode_budget_is_counted_and_the_stream_goes_on(
    client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    signer = SignerConfig(keys=(ApiKey("test-key"),), anonymous=True)
    scenario = Scenario(name="budget", creators=(Creator("alice", script=Script()),), signer=signer)
    async with Simulator(scenario) as sim, client_for(sim) as client, client.track_user("alice") as live:
        with anyio.fail_after(10):
            await live.wait_connected()
            await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))
        caplog.set_level(logging.WARNING, logger="tiktok_webcast.live")
        # The simulator's gzip bomb inflates past the 16 MiB limit: the engine refuses it with a CapacityError.
        sim.send_malformed("alice", "gzip_bomb")
        sim.inject("alice", chat(1000))
        with anyio.fail_after(10):
            async for event in live.events:
                if isinstance(event, ChatEvent) and event.msg_id == 1000:
                    break
        assert live.stats.decode_errors == 1
        assert live.stats.reconnects == 0 and live.state is LiveState.CONNECTED
        [warning] = [r.getMessage() for r in caplog.records if "undecodable frame" in r.getMessage()]
        assert "inflates beyond" in warning


class FetchAnswers:
    """A stand-in for the HTTP API: answers each ``im/fetch`` with the next body."""

    def __init__(self, *bodies: bytes) -> None:
        self.bodies = list(bodies)

    async def im_fetch(self, room_id: int, cursor: str, internal_ext: str) -> bytes:
        return self.bodies.pop(0)


async def test_a_fetch_result_over_the_decode_budget_fails_the_poll_as_a_retriable_http_error() -> None:
    api = FetchAnswers(fetch_body([chat(1000)], "c1"), fetch_body(OVER_BUDGET, "c2"))
    delivered: list[Any] = []

    async def on_result(body: bytes) -> None:
        delivered.extend(decode_fetch_response(body).events)

    resume = Resume()
    with pytest.raises(TikTokHTTPError, match="undecodable") as raised, anyio.fail_after(10):
        await poll(
            cast(TikTokApi, api),
            1,
            resume,
            deadline=5.0,
            on_connected=lambda: None,
            on_empty=lambda: None,
            on_result=on_result,
        )
    assert isinstance(raised.value.__cause__, CapacityError)
    assert [event.msg_id for event in delivered] == [1000]
    # The cursor of the last good answer is kept for the next attempt, which the supervisor makes.
    assert resume.cursor == "c1"
    # A passing failure of the path: the supervisor retries (a final kind would end watching).
    failure = classify(raised.value, ConnectPath.POLLING, connected=True, proxied=False)
    assert failure.kind is FailureKind.DROPPED and failure.kind not in FINAL_KINDS


def test_replay_reports_a_frame_over_the_decode_budget_and_shows_the_rest(tmp_path: Path) -> None:
    trace = tmp_path / "budget.trace.jsonl"
    with TraceWriter(trace, meta={"source": "test"}, clock=lambda: 0.0) as writer:
        for seq, events in enumerate(([chat(1000)], OVER_BUDGET, [chat(1001)]), start=1):
            frame = encode_push_frame(fetch_body(events, f"c{seq}"), payload_type="msg", seq_id=seq, gzip=True)
            writer.ws("in", frame)
    command = [sys.executable, "-m", "tiktok_webcast.cli", "replay", str(trace)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "comment 1000" in done.stdout and "comment 1001" in done.stdout
    assert "1 frames did not decode" in done.stderr
