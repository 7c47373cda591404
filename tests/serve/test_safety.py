"""Safe by default: a token when configured (and required off loopback), clear errors for bad client input, and a
slow or broken client that never affects the others."""

from __future__ import annotations

import json
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from tests.serve.helpers import wait_clients, wait_following
from tests.serve.wsclient import Closed, Refused, open_text_socket
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import ChatEvent, GiftEvent, User
from tiktok_webcast.serve import ServeConfig, ServeConfigError
from tiktok_webcast.serve.streams import MAX_BAD_MESSAGES
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio

TOKEN = "a-long-enough-token"


def chat(msg_id: int, text: str = "") -> ChatEvent:
    return ChatEvent(
        user=User(id=msg_id, username=f"viewer{msg_id}"), comment=text or f"comment {msg_id}", msg_id=msg_id
    )


def test_a_public_address_needs_a_token() -> None:
    with pytest.raises(ServeConfigError, match="token"):
        ServeConfig(host="0.0.0.0")
    with pytest.raises(ServeConfigError, match="token"):
        ServeConfig(host="192.168.1.20")
    assert ServeConfig(host="0.0.0.0", token=TOKEN).token == TOKEN
    assert ServeConfig(host="::1").loopback and ServeConfig(host="localhost").loopback
    with pytest.raises(ServeConfigError, match="8 characters"):
        ServeConfig(token="short")
    assert TOKEN not in repr(ServeConfig(token=TOKEN))


async def test_a_missing_or_wrong_token_is_refused_with_a_reason(serve: Any) -> None:
    async with serve(None, token=TOKEN) as server:
        for url, reason in (
            (server.url, "a token is required"),
            (server.url + "events?token=wrong-token-value", "wrong token"),
        ):
            with pytest.raises(Refused) as refused:
                async with open_text_socket(url):
                    pass
            assert refused.value.status == 401
            assert reason in json.loads(refused.value.body)["error"]
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            for path in ("/api/status", "/events/sse", "/api/status?token=nope"):
                response = await http.get(path)
                assert response.status_code == 401 and "token" in response.json()["error"]
            for path in ("/api/test-event", "/api/rehearse", "/api/rehearse/stop"):
                response = await http.post(path, json={"kind": "chat", "source": "demo"})
                assert response.status_code == 401 and "token" in response.json()["error"], path
            ok = await http.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200
            assert (await http.get("/overlays/alerts.html")).status_code == 200  # the pages hold no data
        async with open_text_socket(server.url + f"?token={TOKEN}") as socket:
            await socket.send_text(json.dumps({"action": "ping"}))
            assert (await socket.json_until(lambda m: m["event"] == "pong"))[-1] == {"event": "pong", "data": {}}


async def test_malformed_client_messages_get_errors_and_nothing_else_changes(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with (
            open_text_socket(server.url + "events?type=ChatEvent") as rude,
            open_text_socket(server.url + "events?type=ChatEvent") as bystander,
        ):
            await wait_following(server, sim)
            await rude.send_text("not json at all")
            await rude.send_binary(b"\x00\x01")
            await rude.send_text(json.dumps({"action": "explode"}))
            await rude.send_text(json.dumps([1, 2]))
            await rude.send_text(json.dumps({"action": "filter", "creator": 5}))
            errors = []
            for _ in range(5):
                errors.append((await rude.json_until(lambda m: m["type"] == "error"))[-1]["error"])
            assert errors == [
                "not JSON",
                "binary messages are not understood; send JSON text",
                "unknown action 'explode'",
                'a command is a JSON object with an "action"',
                "filter: creator and type are comma-separated strings",
            ]
            sim.inject("alice", chat(1001, "still here"))
            for socket in (rude, bystander):
                got = await socket.json_until(lambda m: m["type"] == "ChatEvent" and m["event"]["msg_id"] == "1001")
                assert got[-1]["event"]["comment"] == "still here"


async def test_a_client_that_keeps_sending_garbage_is_closed(serve: Any) -> None:
    async with serve(None, "alice") as server, open_text_socket(server.url) as socket:
        for _ in range(MAX_BAD_MESSAGES):
            await socket.send_text("garbage")
        errors = 0
        with pytest.raises(Closed) as closed, anyio.fail_after(10):
            while True:
                errors += json.loads(await socket.receive_text())["event"] == "error"
        assert closed.value.code == 1008 and errors == MAX_BAD_MESSAGES


async def test_an_oversized_frame_closes_that_client_only(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice", max_message_size=4096) as server:
        async with (
            open_text_socket(server.url + "events?type=ChatEvent") as big,
            open_text_socket(server.url + "events?type=ChatEvent") as bystander,
        ):
            await wait_following(server, sim)
            await big.send_text(json.dumps({"action": "ping", "pad": "x" * 10_000}))
            with pytest.raises(Closed) as closed, anyio.fail_after(10):
                while True:
                    await big.receive_text()
            assert closed.value.code == 1009
            sim.inject("alice", chat(1002))
            got = await bystander.json_until(lambda m: m["type"] == "ChatEvent" and m["event"]["msg_id"] == "1002")
            assert got[-1]["creator"] == "alice"


async def test_a_client_that_never_reads_loses_only_its_own_backlog(serve: Any) -> None:
    count = 3000
    filler = "x" * 3000  # ~10 MB in all: more than the kernel buffers of one socket hold
    async with Simulator(scenario()) as sim, serve(sim, "alice", client_queue=100_000) as server:
        async with (
            open_text_socket(server.url + "events?type=ChatEvent&queue=8") as stuck,
            open_text_socket(server.url + "events?type=ChatEvent") as reader,
        ):
            del stuck  # connected, never read from again
            await wait_following(server, sim)
            await wait_clients(server, 2)
            ids: list[str] = []

            async def read_all() -> None:
                def done(message: Any) -> bool:
                    if message["type"] == "ChatEvent" and 10_000 <= int(message["event"]["msg_id"]) < 20_000:
                        ids.append(message["event"]["msg_id"])
                    return ids[-1:] == [str(10_000 + count - 1)]

                await reader.json_until(done, timeout=60)

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read_all)
                for start in range(10_000, 10_000 + count, 100):
                    sim.inject("alice", *(chat(i, filler) for i in range(start, start + 100)))
                    await anyio.lowlevel.checkpoint()
            async with httpx.AsyncClient(base_url=server.http_url) as http:
                status = (await http.get("/api/status")).json()
    assert ids == [str(i) for i in range(10_000, 10_000 + count)]
    drops = sorted(s["dropped"] for s in status["subscribers"])
    assert drops[0] == 0 and drops[1] > 0, status["subscribers"]


async def test_no_secret_reaches_any_payload(serve: Any, tmp_path: Any) -> None:
    session_id = "sessionid-SECRET-1234567890"
    log = tmp_path / "events.jsonl"
    async with Simulator(scenario()) as sim:
        options = {"session_id": session_id}
        async with serve(sim, "alice", client_options=options, log_path=str(log)) as server:
            async with (
                open_text_socket(server.url) as tikfinity,
                open_text_socket(server.url + "events") as ours,
                httpx.AsyncClient(base_url=server.http_url) as http,
            ):
                await wait_following(server, sim)
                sim.inject("alice", chat(1003), GiftEvent(id=1, name="Rose", user=User(id=9), msg_id=1004))
                texts = [json.dumps(m) for m in await ours.json_until(lambda m: m["type"] == "GiftStreak")]
                texts += [json.dumps(m) for m in await tikfinity.json_until(lambda m: m["event"] == "gift")]
                texts.append((await http.get("/api/status")).text)
                texts.append((await http.get("/")).text)
                with anyio.fail_after(10):
                    while "GiftStreak" not in log.read_text():
                        await anyio.sleep(0.02)
    texts.append(log.read_text())
    assert any("1004" in text for text in texts)
    assert not any(session_id in text for text in texts)


async def test_oversized_or_malformed_api_bodies_get_clear_errors(serve: Any) -> None:
    async with serve(None, "alice") as server, httpx.AsyncClient(base_url=server.http_url) as http:
        big = await http.post("/api/test-event", content=b"{" + b" " * 20_000 + b"}")
        assert big.status_code == 413 and "larger than" in big.json()["error"]
        array = await http.post("/api/test-event", json=[1, 2])
        assert array.status_code == 400 and array.json() == {"error": "the body is a JSON object"}
        rehearse = await http.post("/api/rehearse", json={"source": "elsewhere"})
        assert rehearse.status_code == 400 and "source" in rehearse.json()["error"]
        unknown = await http.get("/overlay/nonsense")
        assert unknown.status_code == 404 and "no overlay" in unknown.json()["error"]
        still = await http.post("/api/test-event", json={"kind": "like"})
        assert still.status_code == 200 and still.json()["sent"]["type"] == "LikeEvent"
