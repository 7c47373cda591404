"""The quick starts run as written: the programs of docs/quickstart.md (the code blocks with a file name), on trio and
on asyncio, and README.md's `quickstart.py`, run as the README says (TIKTOK_WEBCAST_URLS set to the simulator's base
URLs, the demo creator's username). Each is started as a subprocess against a simulator, sent a comment and a gift
streak, and must print them and end when the stream ends. Each also passes `mypy --strict`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.abc
import pytest

from tiktok_webcast import ChatEvent, GiftEvent, User
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Scenario, Simulator

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "quickstart.md"
README = ROOT / "README.md"
README_PROGRAM = re.compile(r"Save this as `quickstart\.py`:\n\n```python\n(?P<body>.*?)\n```", re.S)
DEMO_CREATOR = "tiktok_webcast_demo"
"""The demo scenario's creator, whom the README's program watches by default."""
CREATOR = "quick_start_creator"
TIMEOUT = 40
BLOCK = re.compile(r'^(?P<indent> *)```python title="(?P<name>[\w.]+)"\n(?P<body>.*?)\n(?P=indent)```', re.M | re.S)


def programs() -> dict[str, str]:
    found = {}
    for match in BLOCK.finditer(PAGE.read_text(encoding="utf-8")):
        indent = len(match["indent"])
        found[match["name"]] = "\n".join(line[indent:] for line in match["body"].splitlines()) + "\n"
    return found


def readme_program() -> str:
    match = README_PROGRAM.search(README.read_text(encoding="utf-8"))
    assert match, "README.md has no `quickstart.py` block"
    return match["body"] + "\n"


@pytest.fixture
def anyio_backend() -> str:
    return "trio"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    silent = SCRIPT_PRESETS["silent"]
    creators = (
        Creator(CREATOR, nickname="Quick Start", title="a quick start", script=silent),
        Creator(DEMO_CREATOR, nickname="Webcast Demo", title="the demo", script=silent),
    )
    async with Simulator(Scenario(name="quickstart", creators=creators)) as simulator:
        yield simulator


@pytest.mark.parametrize("name", ["README.md", "chat_trio.py", "chat_asyncio.py"])
def test_the_program_passes_mypy_strict(tmp_path: Path, name: str) -> None:
    program = tmp_path / ("quickstart.py" if name == "README.md" else name)
    program.write_text(readme_program() if name == "README.md" else programs()[name], encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(program)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_page_has_a_trio_and_an_asyncio_program() -> None:
    found = programs()
    assert set(found) == {"chat_trio.py", "chat_asyncio.py"}
    assert "trio.run(main, sys.argv[1])" in found["chat_trio.py"]
    assert "asyncio.run(main(sys.argv[1]))" in found["chat_asyncio.py"]


@pytest.mark.parametrize("name", ["chat_trio.py", "chat_asyncio.py"])
async def test_the_program_runs(sim: Simulator, tmp_path: Path, name: str) -> None:
    program = tmp_path / name
    program.write_text(programs()[name], encoding="utf-8")
    lines = await run_program(sim, program, CREATOR)
    assert lines[0] == f"watching @{CREATOR}: a quick start"
    assert "Alice: hello docs" in lines
    assert [line for line in lines if "Rose" in line] == ["Bob sent 3 x Rose"]
    assert lines[-1] == "the stream ended"


async def test_the_readme_quick_start_runs_as_written(sim: Simulator, tmp_path: Path) -> None:
    program = tmp_path / "quickstart.py"
    program.write_text(readme_program(), encoding="utf-8")
    lines = await run_program(sim, program, DEMO_CREATOR)
    # Before them: the recent comments a server replays to every new connection.
    assert lines[-2:] == ["Alice: hello docs", "Bob sent 3 x Rose"]


async def run_program(sim: Simulator, program: Path, creator: str) -> list[str]:
    """Runs ``program CREATOR`` with TIKTOK_WEBCAST_URLS set to ``sim``; once it is in the room, sends a comment
    and a three-Rose streak and ends the stream. Its stdout lines, after it exited 0."""
    name = program.name
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
        async with await anyio.open_process([sys.executable, str(program), creator], env=env) as process:

            def entered() -> bool:
                assert process.returncode is None, f"{name} exited with {process.returncode} before connecting"
                return any(s.room_id == sim.room_id(creator) and s.entered and s.open for s in sim.sessions)

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read, process.stdout, out)
                tasks.start_soon(read, process.stderr, err)
                await sim.wait_until(entered)
                sim.inject(creator, ChatEvent(user=alice, comment="hello docs", msg_id=60), *streak)
                sim.end_stream(creator)
            await process.wait()
    assert process.returncode == 0, err.decode(errors="replace")
    return out.decode().splitlines()
