"""``tiktok-webcast fleet``: the watch list and status from the command line, against a real nats-server."""

from __future__ import annotations

import json

import anyio
import pytest
from fleet_helpers import NatsServer

from tiktok_webcast.cli import main
from tiktok_webcast.fleet import Fleet


def run(capsys: pytest.CaptureFixture[str], nats: NatsServer, *args: str) -> tuple[int, str, str]:
    code = main(["fleet", "--nats", nats.url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_remove_status(nats_server: NatsServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, nats_server, "add", "@alice", "bob") == (0, "watching @alice\nwatching @bob\n", "")
    assert run(capsys, nats_server, "list") == (0, "alice\nbob\n", "")
    assert run(capsys, nats_server, "remove", "alice") == (0, "stopped watching @alice\n", "")
    code, out, err = run(capsys, nats_server, "remove", "alice")
    assert (code, out) == (1, "")
    assert err == "tiktok-webcast: @alice was not on the watch list\n"
    code, out, _ = run(capsys, nats_server, "status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["watched"] == ["bob"]
    assert status["unclaimed"] == ["bob"]
    assert status["workers"] == {}
    code, out, _ = run(capsys, nats_server, "status")
    assert out == "1 creators watched, 0 claimed, 0 workers\nunclaimed (1): bob\n"


def test_bad_input_is_a_one_line_error(nats_server: NatsServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, nats_server, "add", "no spaces please")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        "tiktok-webcast: error: 'no spaces please' is not a TikTok username (letters, digits, '_' and '.', at most 24)"
    )


def test_an_unreachable_broker_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fleet", "--nats", "nats://127.0.0.1:1", "list"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("tiktok-webcast: error: cannot reach NATS at nats://127.0.0.1:1")
    assert "Traceback" not in err


def test_worker_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fleet", "worker", "--max-rooms", "0"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "argument --max-rooms: 0 must be at least 1" in err


def test_status_shows_each_worker_its_rooms_and_what_waits(
    nats_server: NatsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    async def publish_status() -> None:
        async with Fleet(nats_server.url) as fleet:
            for name in ("alice", "bob", "carol"):
                await fleet.add(name)
            await fleet.broker.buckets.watch.put("dave", b"not json")
            for name in ("alice", "bob"):
                await fleet.broker.buckets.leases.put(name, json.dumps({"worker": "w0"}).encode())
            rooms = {
                "bob": {"state": "waiting 30 s for the handshake budget (1/min)", "room_id": None, "events": 0},
                "alice": {"state": "live in room 7", "room_id": 7, "events": 12},
            }
            status = {
                "max_rooms": 20,
                "fair_share": 5,
                "offered": 3,
                "handing_over": 2,
                "waiting": "room budget reached (2 rooms)",
                "rooms": rooms,
            }
            await fleet.broker.buckets.workers.put("w0", json.dumps(status).encode())

    anyio.run(publish_status, backend="asyncio")
    code, out, _ = run(capsys, nats_server, "status")
    assert code == 0
    assert out.splitlines() == [
        "3 creators watched, 2 claimed, 1 workers",
        "worker w0: 2/20 rooms (fair share 5, offering 3, handing over 2); waiting: room budget reached (2 rooms)",
        "  @alice: live in room 7 (12 events)",
        "  @bob: waiting 30 s for the handshake budget (1/min) (0 events)",
        "unclaimed (1): carol",
        "malformed watch-list entry 'dave': the value is not JSON",
    ]
