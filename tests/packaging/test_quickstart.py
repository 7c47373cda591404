"""The quick start's programs (docs/quickstart.md, the code blocks with a file name) run as written, on trio and on
asyncio: each is started as a subprocess against a simulator (TIKTOK_WEBCAST_URLS), sent a comment and a gift
streak, and must print them and end when the stream ends."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.abc
import pytest

from tiktok_webcast import ChatEvent, GiftEvent, User
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Scenario, Simulator

pytestmark = pytest.mark.anyio

PAGE = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"
CREATOR = "quick_start_creator"
TIMEOUT = 40
BLOCK = re.compile(r'^(?P<indent> *)```python title="(?P<name>[\w.]+)"\n(?P<body>.*?)\n(?P=indent)```', re.M | re.S)


def programs() -> dict[str, str]:
    found = {}
    for match in BLOCK.finditer(PAGE.read_text(encoding="utf-8")):
        indent = len(match["indent"])
        found[match["name"]] = "\n".join(line[indent:] for line in match["body"].splitlines()) + "\n"
    return found


@pytest.fixture
def anyio_backend() -> str:
    return "trio"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    creator = Creator(CREATOR, nickname="Quick Start", title="a quick start", script=SCRIPT_PRESETS["silent"])
    async with Simulator(Scenario(name="quickstart", creators=(creator,))) as simulator:
        yield simulator


def test_the_page_has_a_trio_and_an_asyncio_program() -> None:
    found = programs()
    assert set(found) == {"chat_trio.py", "chat_asyncio.py"}
    assert "trio.run(main, sys.argv[1])" in found["chat_trio.py"]
    assert "asyncio.run(main(sys.argv[1]))" in found["chat_asyncio.py"]


@pytest.mark.parametrize("name", ["chat_trio.py", "chat_asyncio.py"])
async def test_the_program_runs(sim: Simulator, tmp_path: Path, name: str) -> None:
    program = tmp_path / name
    program.write_text(programs()[name], encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIKTOK_")}
    env["TIKTOK_WEBCAST_URLS"] = json.dumps(sim.urls.as_dict())
    env["PYTHONIOENCODING"] = "utf-8"
    alice = User(id=1, username="alice", nickname="Alice")
    bob = User(id=2, username="bob", nickname="Bob")
    streak = [
        GiftEvent(
            id=5655,
            name="Rose",
            cost=1,
            type=1,
            group_id=70,
            user=bob,
            repeat_count=n,
            repeat_end=n == 3,
            msg_id=70 + n,
        )
        for n in (1, 2, 3)
    ]
    out, err = bytearray(), bytearray()

    async def read(stream: anyio.abc.ByteReceiveStream | None, into: bytearray) -> None:
        assert stream is not None
        async for chunk in stream:
            into.extend(chunk)

    with anyio.fail_after(TIMEOUT):
        async with await anyio.open_process([sys.executable, str(program), CREATOR], env=env) as process:

            def entered() -> bool:
                assert process.returncode is None, f"{name} exited with {process.returncode} before connecting"
                return any(s.room_id == sim.room_id(CREATOR) and s.entered and s.open for s in sim.sessions)

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read, process.stdout, out)
                tasks.start_soon(read, process.stderr, err)
                await sim.wait_until(entered)
                sim.inject(CREATOR, ChatEvent(user=alice, comment="hello docs", msg_id=60), *streak)
                sim.end_stream(CREATOR)
            await process.wait()
    lines = out.decode().splitlines()
    assert process.returncode == 0, err.decode(errors="replace")
    assert lines[0] == f"watching @{CREATOR}: a quick start"
    assert "Alice: hello docs" in lines
    assert [line for line in lines if "Rose" in line] == ["Bob sent 3 x Rose"]
    assert lines[-1] == "the stream ended"
