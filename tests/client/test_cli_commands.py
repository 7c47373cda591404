"""The ``tiktok-webcast`` command, run as a subprocess (``python -m tiktok_webcast.cli``) against a simulator
started in the test: outputs, exit codes, Ctrl-C, and errors explained without tracebacks or secrets."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest

from tiktok_webcast import (
    AgeRestrictedError,
    ChatEvent,
    ConnectionLostError,
    GiftEvent,
    LikeEvent,
    SignerAuthError,
    SignerRateLimitError,
    User,
    UserEvent,
    UserEventType,
    UserNotFoundError,
    UserOfflineError,
    __version__,
)
from tiktok_webcast.cli._errors import explain
from tiktok_webcast.simulator import SCRIPT_PRESETS, ApiKey, Creator, Scenario, SignerConfig, Simulator, Slow

pytestmark = pytest.mark.anyio

TIMEOUT = 40
HOST = "host_creator"
ADULT = "adult_creator"
OFFLINE = "offline_creator"
SECRET_ENV = ("TIKTOK_WEBCAST_URLS", "TIKTOK_SIGNER_API_KEY", "TIKTOK_SESSION_ID", "FORCE_COLOR", "NO_COLOR")
ANSI = "\x1b["


@pytest.fixture(params=["trio", "asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def scenario(**signer: Any) -> Scenario:
    silent = SCRIPT_PRESETS["silent"]
    return Scenario(
        name="cli",
        creators=(
            Creator(HOST, nickname="The Host", title="CLI test room", followers=4321, script=silent),
            Creator(ADULT, nickname="Adults Only", adult=True, script=silent),
            Creator(OFFLINE, live=False),
        ),
        signer=SignerConfig(**signer),
    )


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(scenario()) as simulator:
        yield simulator


def urls_json(simulator: Simulator) -> str:
    return json.dumps(simulator.urls.as_dict())


def cli_env(urls: str | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SECRET_ENV}
    env["PYTHONIOENCODING"] = "utf-8"
    if urls is not None:
        env["TIKTOK_WEBCAST_URLS"] = urls
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tiktok_webcast.cli", *args]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines()]


async def run_cli(*args: str, urls: str | None = None, cwd: Path | None = None) -> Result:
    with anyio.fail_after(TIMEOUT):
        done = await anyio.run_process(command(*args), check=False, env=cli_env(urls), cwd=cwd)
    result = Result(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert "Traceback" not in result.stderr, result.stderr
    return result


class Running:
    """A CLI process whose output is read while it runs."""

    def __init__(self, process: anyio.abc.Process) -> None:
        self.process = process
        self.stdout = ""
        self.stderr = ""
        self._changed = anyio.Event()
        self._drained = {"stdout": anyio.Event(), "stderr": anyio.Event()}

    async def drain(self, stream: anyio.abc.ByteReceiveStream, name: str) -> None:
        async for chunk in stream:
            setattr(self, name, getattr(self, name) + chunk.decode(errors="replace"))
            self._changed.set()
            self._changed = anyio.Event()
        self._drained[name].set()

    async def wait_for(self, predicate: Callable[[Running], bool]) -> None:
        with anyio.fail_after(TIMEOUT):
            while not predicate(self):
                if self.process.returncode is not None:
                    raise AssertionError(f"exited {self.process.returncode}: {self.stdout}{self.stderr}")
                with anyio.move_on_after(0.5):  # also notice the process exiting without output
                    await self._changed.wait()

    async def finish(self) -> Result:
        with anyio.fail_after(TIMEOUT):
            returncode = await self.process.wait()
            for drained in self._drained.values():
                await drained.wait()
        assert "Traceback" not in self.stderr, self.stderr
        return Result(returncode, self.stdout, self.stderr)


@asynccontextmanager
async def running_cli(*args: str, urls: str | None = None) -> AsyncIterator[Running]:
    process = await anyio.open_process(command(*args), env=cli_env(urls))
    running = Running(process)
    async with process, anyio.create_task_group() as tasks:
        assert process.stdout is not None and process.stderr is not None
        tasks.start_soon(running.drain, process.stdout, "stdout")
        tasks.start_soon(running.drain, process.stderr, "stderr")
        try:
            yield running
        finally:
            if process.returncode is None:
                process.kill()


def viewer(name: str) -> User:
    return User(id=abs(hash(name)) % 10**9 + 1, username=name, nickname=name.title())


def script_events() -> list[Any]:
    """A chat, a like, a follow and a Rose streak of three (two updates and the final message)."""
    bob = viewer("bob")

    def rose(count: int, final: bool, msg_id: int) -> GiftEvent:
        return GiftEvent(
            id=5655,
            name="Rose",
            cost=1,
            type=1,
            group_id=77,
            user=bob,
            repeat_count=count,
            repeat_end=final,
            msg_id=msg_id,
        )

    return [
        ChatEvent(user=viewer("alice"), comment="hello from the test", msg_id=9001),
        LikeEvent(likes=5, total_likes=105, user=viewer("carol"), msg_id=9002),
        UserEvent(event=UserEventType.FOLLOW, user=viewer("dave"), msg_id=9003),
        rose(1, False, 9004),
        rose(2, False, 9005),
        rose(3, True, 9006),
    ]


def connected(run: Running) -> bool:
    """The banner naming the connection path is on stderr."""
    return " via " in re.sub(r"\x1b\[[0-9;]*m", "", run.stderr)


async def watch_scripted(simulator: Simulator, *args: str, user: str = HOST) -> Result:
    """Runs ``watch``, and once it is connected plays the scripted events and ends the stream."""
    async with running_cli("watch", user, *args, urls=urls_json(simulator)) as run:
        await run.wait_for(connected)
        simulator.inject(user, *script_events())
        simulator.end_stream(user)
        return await run.finish()


# -- no simulator needed -------------------------------------------------------------------------------------


def run_sync(*args: str) -> Result:
    import subprocess

    done = subprocess.run(command(*args), capture_output=True, text=True, env=cli_env(), timeout=TIMEOUT)
    assert "Traceback" not in done.stderr, done.stderr
    return Result(done.returncode, done.stdout, done.stderr)


def test_version() -> None:
    result = run_sync("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"tiktok-webcast {__version__}"


def test_help_lists_every_command_and_the_exit_codes() -> None:
    result = run_sync("--help")
    assert result.returncode == 0
    for name in ("watch", "info", "room", "gifts", "prices", "feed", "record", "simulate", "replay"):
        assert name in result.stdout
    assert "130 interrupted" in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["info"],
        ["nonsense"],
        ["info", "someone", "--bogus"],
        ["--connect-mode", "sideways", "info", "someone"],
        ["--base-url", "http://127.0.0.1:9", "--urls", "{}", "info", "someone"],
        ["--urls", "[1, 2]", "info", "someone"],
        ["watch", "--base-url", "http://127.0.0.1:9"],
        ["watch", "someone", "--room", "5"],
        ["feed", "--pages", "0"],
        ["record", "someone", "-o", "video.avi"],
        ["record", "someone", "--duration", "-1"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run_sync(*args)
    assert result.returncode == 2, result.output
    assert "usage: tiktok-webcast" in result.stderr


def test_unreachable_service_is_one_error_line() -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_sync("info", "someone", "--base-url", f"http://127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr.startswith("tiktok-webcast: error: ")
    assert result.stdout == ""


def test_replay_of_a_missing_trace(tmp_path: Path) -> None:
    result = run_sync("replay", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (UserNotFoundError("ghost"), 3, ["'ghost' was not found", "spelling"]),
        (UserOfflineError("sleepy", status=4), 4, ["'sleepy' is not live"]),
        (AgeRestrictedError(42), 1, ["18+", "--session-id", "TIKTOK_SESSION_ID"]),
        (SignerAuthError("401 Unauthorized", status=401), 1, ["rejected the API key", "--signer-api-key"]),
        (SignerRateLimitError("too many", retry_after=42.0), 1, ["rate-limited", "retry in 42 s"]),
    ],
)
def test_errors_are_explained_with_hints(error: Exception, code: int, words: list[str]) -> None:
    message, hint, exit_code = explain(error)
    assert exit_code == code
    text = f"{message} {hint}"
    for word in words:
        assert word in text


def test_lost_connection_names_the_last_failure() -> None:
    try:
        try:
            raise SignerRateLimitError("HTTP 429", retry_after=1)
        except SignerRateLimitError as cause:
            raise ConnectionLostError(5) from cause
    except ConnectionLostError as error:
        message, _, code = explain(error)
    assert code == 1
    assert "gave up after 5" in message
    assert "HTTP 429" in message


def test_secrets_are_redacted_from_error_messages() -> None:
    message, _, _ = explain(OSError("GET /x?apiKey=KEY-123&sessionid=SESS-456 failed; cookie sessionid=SESS-456"))
    assert "KEY-123" not in message
    assert "SESS-456" not in message


# -- the HTTP commands ---------------------------------------------------------------------------------------


async def test_info_of_a_live_user(sim: Simulator) -> None:
    result = await run_cli("info", f"@{HOST}", urls=urls_json(sim))
    assert result.returncode == 0
    assert "The Host" in result.stdout
    assert f"room {sim.room_id(HOST)}" in result.stdout
    assert "4,321" in result.stdout
    assert ANSI not in result.stdout  # not a terminal: no colours

    as_json = await run_cli("info", f"https://www.tiktok.com/@{HOST}/live", "--json", urls=urls_json(sim))
    data = json.loads(as_json.stdout)
    assert data["username"] == HOST
    assert data["is_live"] is True
    assert data["room_id"] == sim.room_id(HOST)
    assert "raw" not in data


async def test_info_of_an_offline_user_and_an_unknown_one(sim: Simulator) -> None:
    offline = await run_cli("info", OFFLINE, urls=urls_json(sim))
    assert offline.returncode == 0
    assert "not live" in offline.stdout

    unknown = await run_cli("info", "nobody_at_all", urls=urls_json(sim))
    assert unknown.returncode == 3
    assert "'nobody_at_all' was not found" in unknown.stderr
    assert "hint:" in unknown.stderr


async def test_room(sim: Simulator) -> None:
    room_id = sim.room_id(HOST)
    result = await run_cli("room", str(room_id), urls=urls_json(sim))
    assert result.returncode == 0
    assert "CLI test room" in result.stdout
    assert "● live" in result.stdout
    assert "stream origin" in result.stdout
    data = json.loads((await run_cli("room", str(room_id), "--json", urls=urls_json(sim))).stdout)
    assert data["room_id"] == room_id
    assert data["owner"]["username"] == HOST
    assert set(data["stream_urls"]) >= {"origin", "sd"}


async def test_gifts_prices_and_feed() -> None:
    # optimistic: a guest sees the feed and an unsigned gift list (the realistic simulator answers 403 / empty, as
    # TikTok does since 2026)
    async with Simulator(scenario(), optimistic=True) as sim:
        gifts = await run_cli("gifts", urls=urls_json(sim))
        assert gifts.returncode == 0
        assert "Rose" in gifts.stdout
        gift_data = json.loads(
            (await run_cli("gifts", "--room", str(sim.room_id(HOST)), "--json", urls=urls_json(sim))).stdout
        )
        assert any(gift["name"] == "Rose" and gift["diamond_count"] == 1 for gift in gift_data)

        prices = await run_cli("prices", urls=urls_json(sim))
        assert prices.returncode == 0
        assert "USD" in prices.stdout

        feed = await run_cli("feed", "--pages", "2", urls=urls_json(sim))
        assert feed.returncode == 0
        assert f"@{HOST}" in feed.stdout
        rooms = json.loads((await run_cli("feed", "--json", urls=urls_json(sim))).stdout)
        assert sim.room_id(HOST) in {room["room_id"] for room in rooms}


# -- watch ---------------------------------------------------------------------------------------------------


async def test_watch_prints_one_line_per_event_until_the_stream_ends(sim: Simulator) -> None:
    result = await watch_scripted(sim)
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert any("chat" in line and "Alice (@alice): hello from the test" in line for line in lines)
    assert any("like" in line and "liked x5" in line for line in lines)
    assert any("follow" in line and "@dave" in line for line in lines)
    gifts = [line for line in lines if " gift " in line]
    assert len(gifts) == 3
    assert "sent Rose x3 = 3 diamonds" in gifts[-1]
    assert any("control" in line and "the stream ended" in line for line in lines)
    assert ANSI not in result.stdout
    assert "the stream ended" in result.stderr.splitlines()[-1]


async def test_watch_json_with_streaks_and_a_trace_then_replay(sim: Simulator, tmp_path: Path) -> None:
    trace = tmp_path / "watch.jsonl"
    result = await watch_scripted(sim, "--json", "--streaks", "--trace", str(trace))
    assert result.returncode == 0, result.output
    events = result.json_lines()
    assert not [event for event in events if event.get("method") == "WebcastGiftMessage"]
    streaks = [event for event in events if event["class"] == "GiftStreak"]
    assert [(s["count"], s["diamonds"], s["gift"]["name"]) for s in streaks] == [(3, 3, "Rose")]
    chat = next(event for event in events if event.get("comment") == "hello from the test")
    assert chat["class"] == "ChatEvent"
    assert chat["user"]["username"] == "alice"
    assert events[-1]["class"] == "ControlEvent"

    replayed = await run_cli("replay", str(trace), "--json")
    assert replayed.returncode == 0, replayed.output
    replay_events = replayed.json_lines()
    gifts = [event for event in replay_events if event.get("method") == "WebcastGiftMessage"]
    assert [gift["repeat_count"] for gift in gifts] == [1, 2, 3]
    assert chat in replay_events
    folded = await run_cli("replay", str(trace), "--streaks")
    assert "sent Rose x3" in folded.stdout
    assert "is sending" not in folded.stdout


async def test_watch_colours_on_request_and_by_room_id(sim: Simulator) -> None:
    room_id = str(sim.room_id(HOST))
    async with running_cli("watch", "--room", room_id, "--color", "always", urls=urls_json(sim)) as run:
        await run.wait_for(connected)
        sim.inject(HOST, *script_events())
        sim.end_stream(HOST)
        result = await run.finish()
    assert result.returncode == 0, result.output
    assert ANSI in result.stdout
    assert "hello from the test" in result.stdout


async def test_ctrl_c_stops_watching_cleanly(sim: Simulator) -> None:
    async with running_cli("watch", HOST, urls=urls_json(sim)) as run:
        await run.wait_for(connected)
        sim.inject(HOST, *script_events()[:1])
        await run.wait_for(lambda r: "hello from the test" in r.stdout)
        run.process.send_signal(signal.SIGINT)
        result = await run.finish()
    assert result.returncode == 0, result.output
    assert "stopped:" in result.stderr


async def test_watch_offline_and_unknown_users(sim: Simulator) -> None:
    offline = await run_cli("watch", OFFLINE, urls=urls_json(sim))
    assert offline.returncode == 4
    assert f"'{OFFLINE}' is not live" in offline.stderr
    unknown = await run_cli("watch", "nobody_at_all", urls=urls_json(sim))
    assert unknown.returncode == 3


async def test_age_restricted_room_needs_a_session_and_the_session_is_never_printed(sim: Simulator) -> None:
    refused = await run_cli("watch", ADULT, urls=urls_json(sim))
    assert refused.returncode == 1
    assert "18+" in refused.stderr
    assert "--session-id" in refused.stderr

    secret = "S3CR3T-SESSION-0123456789"
    async with running_cli("watch", ADULT, "-vv", "--session-id", secret, urls=urls_json(sim)) as run:
        await run.wait_for(connected)
        sim.inject(ADULT, *script_events()[:1])
        sim.end_stream(ADULT)
        result = await run.finish()
    assert result.returncode == 0, result.output
    assert "hello from the test" in result.stdout
    assert "api-live/user/room" in result.stderr  # -vv logs the requests...
    assert secret not in result.output  # ...without the session


async def test_rejected_signer_key() -> None:
    secret = "WRONG-KEY-0123456789"
    async with Simulator(scenario(keys=(ApiKey("the-right-key"),), anonymous=False)) as simulator:
        result = await run_cli(
            "watch", HOST, "--connect-mode", "signed", "--signer-api-key", secret, urls=urls_json(simulator)
        )
    assert result.returncode == 1, result.output
    assert "rejected the API key" in result.stderr
    assert "hint:" in result.stderr
    assert secret not in result.output


# -- record --------------------------------------------------------------------------------------------------


async def test_record_writes_a_video(sim: Simulator, tmp_path: Path) -> None:
    result = await run_cli(
        "record",
        HOST,
        "-o",
        "live.mkv",
        "--duration",
        "1.5",
        "--quality",
        "ld",
        urls=urls_json(sim),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.output
    assert f"recording @{HOST} (ld) into live.mkv" in result.stderr
    assert result.stdout.startswith("saved live.mkv: 00:01, ")
    with anyio.fail_after(TIMEOUT):
        probe = await anyio.run_process(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "stream=codec_type:format=duration",
                "-of",
                "json",
                str(tmp_path / "live.mkv"),
            ]
        )
    info = json.loads(probe.stdout)
    assert "video" in {stream["codec_type"] for stream in info["streams"]}
    assert float(info["format"]["duration"]) > 1


async def test_ctrl_c_finishes_a_recording(sim: Simulator, tmp_path: Path) -> None:
    output = tmp_path / "live.mp4"
    async with running_cli("record", HOST, "-o", str(output), "--quality", "ld", urls=urls_json(sim)) as run:
        await run.wait_for(lambda r: output.exists() and output.stat().st_size > 10_000)
        run.process.send_signal(signal.SIGINT)
        result = await run.finish()
    assert result.returncode == 0, result.output
    assert result.stdout.startswith(f"saved {output}: ")
    with anyio.fail_after(TIMEOUT):
        probe = await anyio.run_process(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(output)]
        )
    assert float(json.loads(probe.stdout)["format"]["duration"]) > 0


async def test_ctrl_c_during_a_request_exits_130(sim: Simulator) -> None:
    sim.add_fault(Slow(delay=30, path="/api-live/user/room/"))
    async with running_cli("info", HOST, urls=urls_json(sim)) as run:
        # Once the request is held by the simulator: the command is running, past the interpreter's start-up.
        with anyio.fail_after(TIMEOUT):
            await sim.wait_until(lambda: bool(sim.fired_faults))
        run.process.send_signal(signal.SIGINT)
        result = await run.finish()
    assert result.returncode == 130, result.output
    assert result.stdout == ""


async def test_record_errors(sim: Simulator, tmp_path: Path) -> None:
    offline = await run_cli("record", OFFLINE, "-o", "x.mkv", urls=urls_json(sim), cwd=tmp_path)
    assert offline.returncode == 4
    quality = await run_cli("record", HOST, "-o", "x.mkv", "--quality", "8k", urls=urls_json(sim), cwd=tmp_path)
    assert quality.returncode == 1
    assert "no '8k' stream" in quality.stderr
    no_ffmpeg = await run_cli(
        "record", HOST, "-o", "x.mkv", "--ffmpeg", "/nonexistent/ffmpeg", urls=urls_json(sim), cwd=tmp_path
    )
    assert no_ffmpeg.returncode == 1
    assert "ffmpeg not found" in no_ffmpeg.stderr
    assert not (tmp_path / "x.mkv").exists()


# -- the simulator from the command line ---------------------------------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_simulate_json_then_query_it(anyio_backend: str) -> None:
    async with running_cli("simulate", "--scenario", "demo", "--json") as simulate:
        await simulate.wait_for(lambda r: r.stdout.endswith("\n"))
        urls = json.loads(simulate.stdout.splitlines()[0])
        assert {"web", "webcast", "ws", "signer"} <= set(urls)
        info = await run_cli("info", "tiktok_webcast_demo", "--json", urls=json.dumps(urls))
        assert json.loads(info.stdout)["is_live"] is True
        simulate.process.send_signal(signal.SIGINT)
        result = await simulate.finish()
    assert result.returncode == 0


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_watch_without_a_user_plays_the_demo(anyio_backend: str) -> None:
    async with running_cli("watch") as run:
        await run.wait_for(lambda r: len(r.stdout.splitlines()) >= 3)
        run.process.send_signal(signal.SIGINT)
        result = await run.finish()
    assert result.returncode == 0, result.output
    assert "bundled simulator" in result.stderr
    assert "@tiktok_webcast_demo" in result.stderr
    assert any(" chat " in line for line in result.stdout.splitlines())


# -- messages: exact text ------------------------------------------------------------------------------------


def error_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


async def test_record_refuses_to_overwrite_without_force(sim: Simulator, tmp_path: Path) -> None:
    existing = tmp_path / "live.mkv"
    existing.write_bytes(b"an earlier recording")
    refused = await run_cli("record", HOST, "-o", "live.mkv", urls=urls_json(sim), cwd=tmp_path)
    assert refused.returncode == 1
    assert error_lines(refused) == [
        "tiktok-webcast: error: live.mkv already exists",
        "  hint: pass --force to overwrite it, or choose another -o FILE",
    ]
    assert existing.read_bytes() == b"an earlier recording"
    # --force gets past the check: here to ffmpeg, which is missing
    forced = await run_cli(
        "record",
        HOST,
        "-o",
        "live.mkv",
        "--force",
        "--ffmpeg",
        "/nonexistent/ffmpeg",
        urls=urls_json(sim),
        cwd=tmp_path,
    )
    assert forced.returncode == 1
    assert "ffmpeg not found" in forced.stderr


async def test_an_unknown_room_id_is_explained(sim: Simulator) -> None:
    hint = (
        "  hint: room ids change with every stream: `tiktok-webcast info USER` shows a user's current room, "
        "or watch by USER"
    )
    for args in (["room", "999"], ["watch", "--room", "999"]):
        result = await run_cli(*args, urls=urls_json(sim))
        assert result.returncode == 3, result.output
        assert error_lines(result)[-2:] == [
            "tiktok-webcast: error: TikTok has no room 999 (room/info answered status_code 4003102 for room 999)",
            hint,
        ]


def free_port() -> int:
    with socket.socket() as probe:  # a loopback port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_network_failures_come_with_a_hint() -> None:
    port = free_port()
    direct = run_sync("info", "someone", "--base-url", f"http://127.0.0.1:{port}")
    assert direct.returncode == 1
    first, hint = error_lines(direct)
    assert first.startswith(f"tiktok-webcast: error: network error: GET http://127.0.0.1:{port}/")
    assert hint == (
        "  hint: check the internet connection (and --base-url or TIKTOK_WEBCAST_URLS, if set); -v shows each request"
    )

    proxied = run_sync("info", "someone", "--proxy", f"http://127.0.0.1:{port}")
    assert proxied.returncode == 1
    first, hint = error_lines(proxied)
    assert first.startswith(f"tiktok-webcast: error: connection through the proxy http://127.0.0.1:{port} failed")
    assert hint == "  hint: check --proxy (or HTTPS_PROXY / ALL_PROXY): is the proxy running, is its URL right?"


def test_a_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "trace.jsonl"
    result = run_sync("info", "someone", "--trace", str(missing), "--base-url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert error_lines(result) == [f"tiktok-webcast: error: {missing}: No such file or directory"]


def test_simulate_on_a_busy_port_is_one_error_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_sync("simulate", "--single-port", "--port", str(port))
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2, result.stderr


def test_a_missing_extra_is_named() -> None:
    message, hint, code = explain(ModuleNotFoundError("No module named 'wsproto'", name="wsproto"))
    assert (message, hint, code) == (
        "this needs the simulator extra, which is not installed (no module 'wsproto')",
        "pip install 'tiktok-webcast[simulator]'",
        1,
    )


async def test_watch_json_gives_every_id_as_a_string_too(sim: Simulator) -> None:
    big = 7_123_456_789_012_345_678  # above 2**53: a double rounds it
    fan = User(id=big, username="fan", nickname="Fan")
    async with running_cli("watch", HOST, "--json", urls=urls_json(sim)) as run:
        await run.wait_for(connected)
        sim.inject(HOST, ChatEvent(user=fan, comment="big id", msg_id=big + 1))
        sim.end_stream(HOST)
        result = await run.finish()
    line = next(line for line in result.stdout.splitlines() if '"big id"' in line)
    assert f'"id": {big}, "id_str": "{big}"' in line
    assert f'"msg_id": {big + 1}, "msg_id_str": "{big + 1}"' in line
    as_doubles = json.loads(line, parse_int=float)  # what jq and JavaScript read
    assert as_doubles["user"]["id"] != big
    assert int(as_doubles["user"]["id_str"]) == big

    info = json.loads((await run_cli("info", HOST, "--json", urls=urls_json(sim))).stdout)
    assert info["room_id_str"] == str(sim.room_id(HOST))
    assert info["user_id_str"] == str(info["user_id"])


def test_id_twins_follow_the_rule() -> None:
    from tiktok_webcast.cli._json import with_id_strings

    data = {"id": 5, "room_id": 2**60, "count": 2**60, "likes": 3, "flag": True, "user_ids": [1, 2], "group_id": 0}
    assert with_id_strings(data) == {
        "id": 5,
        "id_str": "5",
        "room_id": 2**60,
        "room_id_str": str(2**60),
        "count": 2**60,
        "count_str": str(2**60),
        "likes": 3,
        "flag": True,
        "user_ids": [1, 2],
        "user_ids_str": ["1", "2"],
        "group_id": 0,
        "group_id_str": "0",
    }


def test_amounts_are_pluralised() -> None:
    from tiktok_webcast.cli._render import EventFormatter, Style

    formatter = EventFormatter(Style(False), clock_now=lambda: 0.0)
    one = GiftEvent(id=1, name="Rose", cost=1, type=1, user=viewer("bob"), repeat_count=1, repeat_end=True)
    two = GiftEvent(id=1, name="Rose", cost=1, type=1, user=viewer("bob"), repeat_count=2, repeat_end=True)
    assert formatter.event(one).endswith("sent Rose x1 = 1 diamond")
    assert formatter.event(two).endswith("sent Rose x2 = 2 diamonds")


class FakeLive:
    """What the status line and the warnings read of a tracked room."""

    def __init__(self) -> None:
        from tiktok_webcast import ConnectPath, LiveState

        self.username = "host_creator"
        self.room_id = 7
        self.state = LiveState.CONNECTED
        self.path = ConnectPath.SIGNER_FREE
        self.info = type("Info", (), {"viewers": 1234, "start_time": 1_000_000})()
        self.stats = type("Stats", (), {"events": 0})()

    def __repr__(self) -> str:
        return "<Live @host_creator state=connected path=signer_free events=0>"


def test_the_status_line_shows_state_path_viewers_uptime_and_rate() -> None:
    import io

    from tiktok_webcast import ViewersEvent
    from tiktok_webcast.cli._render import Style
    from tiktok_webcast.cli._status import StatusLine

    now = [100.0]
    live = FakeLive()
    status = StatusLine(
        io.StringIO(), Style(False), enabled=True, monotonic=lambda: now[0], wall_clock=lambda: 1_000_000 + 3723.0
    )
    status.watch(live)
    assert status.text() == "● connected via signer_free  ·  1,234 viewers  ·  up 1:02:03  ·  0.0 events/s"
    now[0] += 2.0
    live.stats.events = 10
    status.saw(ViewersEvent(viewers=1))
    assert status.text() == "● connected via signer_free  ·  1 viewer  ·  up 1:02:03  ·  5.0 events/s"


def test_warnings_are_one_styled_line_with_a_hint() -> None:
    import io
    import logging

    from tiktok_webcast.cli._render import Style
    from tiktok_webcast.cli._status import WarningLines

    stream = io.StringIO()
    handler = WarningLines(stream, Style(False))
    logger = logging.getLogger("tiktok_webcast.test_cli_warnings")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("%r: %s; retry %d in %.1f s", FakeLive(), "dropped on the signer_free path: 1006", 1, 1.5)
        logger.warning("%r: dropped an undecodable frame: %s", FakeLive(), "bad varint")
        logger.warning("<Live room 7 state=connected path=polling events=3>: something new")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "warning: @host_creator: dropped on the signer_free path: 1006; retry 1 in 1.5 s",
        "  hint: reconnecting by itself; Ctrl-C stops, -v shows each attempt",
        "warning: @host_creator: dropped an undecodable frame: bad varint",
        "  hint: TikTok may have changed a message; --trace FILE records it for a bug report",
        "warning: room 7: something new",
        "  hint: -v shows more",
    ]


async def test_a_dropped_connection_is_a_warning_line_not_a_log_record(sim: Simulator) -> None:
    async with running_cli("watch", HOST, urls=urls_json(sim)) as run:
        await run.wait_for(connected)
        sim.drop_sockets(HOST)
        await run.wait_for(lambda r: "hint: reconnecting by itself" in r.stderr)
        sim.end_stream(HOST)
        result = await run.finish()
    assert result.returncode == 0, result.output
    warning = next(line for line in error_lines(result) if line.startswith("warning: "))
    assert warning.startswith(f"warning: @{HOST}: ")
    assert "<Live" not in result.stderr
    assert " WARNING " not in result.stderr  # no log record format without -v


def test_the_status_line_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    """On a pseudo-terminal, the demo's status line appears (redrawn in place, on stderr) below the events."""
    import pty
    import selectors
    import subprocess
    import time

    main_fd, terminal_fd = pty.openpty()
    process = subprocess.Popen(
        command("watch"), env=cli_env(), stdin=terminal_fd, stdout=terminal_fd, stderr=terminal_fd
    )
    os.close(terminal_fd)
    seen = ""
    deadline = time.monotonic() + TIMEOUT
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(main_fd, selectors.EVENT_READ)
            while "events/s" not in seen and time.monotonic() < deadline and process.poll() is None:
                if selector.select(timeout=1.0):
                    seen += os.read(main_fd, 65536).decode(errors="replace")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=TIMEOUT)
        os.close(main_fd)
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", seen)
    status = plain.split("\r")[-1] if "events/s" in plain.split("\r")[-1] else plain
    assert re.search(r"● connected via \w+  ·  [\d,]+ viewers?  ·  (up|watched) [\d:]+  ·  [\d.]+ events/s", status), (
        plain
    )
    assert "Traceback" not in plain
