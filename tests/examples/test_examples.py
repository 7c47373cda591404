"""Every program in examples/ runs as a subprocess against a simulator started here (TIKTOK_WEBCAST_URLS),
with a timeout: the test plays events into the rooms once the example is connected, ends the streams, and
checks what the example printed."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import anyio
import anyio.abc
import pytest

from tiktok_webcast import ChatEvent, GiftEvent, User
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Scenario, Simulator

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 40
BIG = "big_room"
SMALL = "small_room"


@pytest.fixture(params=["trio", "asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    silent = SCRIPT_PRESETS["silent"]
    scenario = Scenario(
        name="examples",
        creators=(
            Creator(BIG, nickname="Big Room", title="the busiest room", script=replace(silent, viewers=5000)),
            Creator(SMALL, nickname="Small Room", title="a quiet room", script=replace(silent, viewers=10)),
        ),
    )
    # optimistic: track_feed.py browses the feed as a guest (the realistic simulator gives guests an empty feed)
    async with Simulator(scenario, optimistic=True) as simulator:
        yield simulator


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


class Example:
    """One example program running; ``finish()`` waits for it and returns what it printed."""

    def __init__(self, process: anyio.abc.Process) -> None:
        self.process = process

    async def finish(self) -> Ran:
        assert self.process.stdout is not None and self.process.stderr is not None
        out = bytearray()
        err = bytearray()

        async def read(stream: anyio.abc.ByteReceiveStream, into: bytearray) -> None:
            async for chunk in stream:
                into.extend(chunk)

        with anyio.fail_after(TIMEOUT):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read, self.process.stdout, out)
                tasks.start_soon(read, self.process.stderr, err)
            returncode = await self.process.wait()
        return Ran(returncode, out.decode(), err.decode())


async def start(sim: Simulator, name: str, *args: str, cwd: Path | None = None) -> Example:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIKTOK_")}
    env["TIKTOK_WEBCAST_URLS"] = json.dumps(sim.urls.as_dict())
    env["PYTHONIOENCODING"] = "utf-8"
    process = await anyio.open_process([sys.executable, str(EXAMPLES / name), *args], env=env, cwd=cwd)
    return Example(process)


async def entered(sim: Simulator, example: Example, *usernames: str) -> None:
    """Until each room has an open websocket that sent its enter-room frame."""

    def ready() -> bool:
        if example.process.returncode is not None:
            raise AssertionError(f"the example exited with {example.process.returncode} before connecting")
        return all(any(s.room_id == sim.room_id(u) and s.entered and s.open for s in sim.sessions) for u in usernames)

    with anyio.fail_after(TIMEOUT):
        await sim.wait_until(ready)


def viewer(name: str, number: int) -> User:
    return User(id=number, username=name, nickname=name.title())


def chat(name: str, number: int, text: str) -> ChatEvent:
    return ChatEvent(user=viewer(name, number), comment=text, msg_id=10_000 + number)


def rose_streak(name: str, number: int, count: int, first_msg_id: int) -> list[GiftEvent]:
    """A Rose streak: updates 1..count-1, then the final message with the total."""
    return [
        GiftEvent(
            id=5655,
            name="Rose",
            cost=1,
            type=1,
            group_id=first_msg_id,
            user=viewer(name, number),
            repeat_count=n,
            repeat_end=n == count,
            msg_id=first_msg_id + n,
        )
        for n in range(1, count + 1)
    ]


def test_every_example_is_tested() -> None:
    tested = {"print_chat.py", "gift_leaderboard.py", "record_stream.py", "track_feed.py", "many_rooms.py"}
    assert {path.name for path in EXAMPLES.glob("*.py")} == tested


def test_every_example_has_a_docstring_and_a_trio_main() -> None:
    for path in EXAMPLES.glob("*.py"):
        source = path.read_text()
        assert source.startswith('"""'), path.name
        assert "def main() -> None:" in source, path.name
        assert "trio.run(" in source, path.name


async def test_print_chat(sim: Simulator) -> None:
    example = await start(sim, "print_chat.py", BIG)
    await entered(sim, example, BIG)
    sim.inject(BIG, chat("alice", 1, "first!"), *rose_streak("bob", 2, 2, 500), chat("carol", 3, "bye"))
    sim.end_stream(BIG)
    ran = await example.finish()
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == f"watching @{BIG} (room {sim.room_id(BIG)})"
    assert "Alice: first!" in lines
    assert "Carol: bye" in lines
    assert not any("Rose" in line for line in lines)
    assert lines[-1] == "the stream ended"


async def test_gift_leaderboard_counts_each_streak_once(sim: Simulator) -> None:
    example = await start(sim, "gift_leaderboard.py", BIG)
    await entered(sim, example, BIG)
    sim.inject(BIG, *rose_streak("bob", 2, 5, 600), *rose_streak("alice", 1, 2, 700), *rose_streak("bob", 2, 3, 800))
    sim.end_stream(BIG)
    ran = await example.finish()
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[:3] == [
        "@bob sent Rose x5 (5 diamonds)",
        "@alice sent Rose x2 (2 diamonds)",
        "@bob sent Rose x3 (3 diamonds)",
    ]
    board = lines[lines.index("the stream ended; final leaderboard:") + 1 :]
    assert [line.split() for line in board] == [
        ["1.", "@bob", "8", "diamonds"],
        ["2.", "@alice", "2", "diamonds"],
    ]


async def test_record_stream(sim: Simulator, tmp_path: Path) -> None:
    example = await start(sim, "record_stream.py", BIG, "clip.mkv", "1.5", cwd=tmp_path)
    ran = await example.finish()
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith(f"recording @{BIG} (origin) into clip.mkv")
    assert "saved clip.mkv: 1.5 s" in ran.stdout.splitlines()[-1]
    with anyio.fail_after(TIMEOUT):
        probe = await anyio.run_process(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "stream=codec_type",
                "-of",
                "json",
                str(tmp_path / "clip.mkv"),
            ]
        )
    assert "video" in {stream["codec_type"] for stream in json.loads(probe.stdout)["streams"]}


async def test_track_feed_watches_the_busiest_room(sim: Simulator) -> None:
    example = await start(sim, "track_feed.py", "1", "3")
    ran = await example.finish()
    assert ran.returncode == 0, ran.stderr
    assert "the busiest room" in ran.stdout
    assert "a quiet room" in ran.stdout
    assert f"watching room {sim.room_id(BIG)} (the busiest room)" in ran.stdout
    assert ran.stdout.splitlines()[-1] == "done after 3 events"


async def test_many_rooms_in_one_task_group(sim: Simulator) -> None:
    example = await start(sim, "many_rooms.py", BIG, SMALL, "nobody_here")
    await entered(sim, example, BIG, SMALL)
    sim.inject(BIG, chat("alice", 1, "hi big"))
    sim.inject(SMALL, chat("carol", 3, "hi small"), *rose_streak("bob", 2, 2, 900))
    sim.end_stream(BIG)
    sim.end_stream(SMALL)
    ran = await example.finish()
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
    assert f"[@{BIG}] chat: hi big" in out
    assert f"[@{SMALL}] chat: hi small" in out
    assert f"[@{SMALL}] gift: Rose x2" in out
    assert f"[@{BIG}] the stream ended after" in out
    assert f"[@{SMALL}] the stream ended after" in out
    assert "[@nobody_here] does not exist" in out
    assert out.splitlines()[-1].startswith(f"totals: @{BIG} ")
