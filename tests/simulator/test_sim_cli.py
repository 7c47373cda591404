"""``python -m tiktok_webcast.simulator``: prints its URLs once ready, serves, stops on Ctrl+C; bad input exits 2."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import httpx
import pytest

from tiktok_webcast.simulator import Simulator, main, serve


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tiktok_webcast.simulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_json_line_then_serves_until_ctrl_c() -> None:
    process = start("--scenario", "minimal", "--json", "--no-media")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        urls = json.loads(line)
        assert set(urls) == {"web", "webcast", "ws", "signer", "media", "ca", "media_available"}
        assert urls["ws"].startswith("ws://127.0.0.1:") and urls["ca"] is None and urls["media_available"] is False
        answer = httpx.get(urls["web"] + "/api-live/user/room/", params={"uniqueId": "sim_minimal"}, timeout=10)
        assert answer.json()["data"]["user"]["uniqueId"] == "sim_minimal"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "test-key" not in out + err  # the scenario's API key never reaches the output


def test_serve_prints_a_banner_without_secrets() -> None:
    buffer = io.StringIO()
    ready: list[Simulator] = []

    async def run() -> None:
        with anyio.move_on_after(10):
            async with anyio.create_task_group() as tg:

                def on_ready(sim: Simulator) -> None:
                    ready.append(sim)
                    tg.cancel_scope.cancel()

                tg.start_soon(lambda: serve("demo", out=buffer, on_ready=on_ready, ffmpeg=False))

    anyio.run(run, backend="trio")
    text = buffer.getvalue()
    assert ready and "scenario 'demo'" in text
    assert "@tiktok_webcast_demo" in text and "live" in text and "@offline_creator" in text
    assert "ffmpeg not found" in text
    assert "sim-demo-key" not in text and "1 API key(s) configured" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scenario", "no-such-thing"], "not a bundled scenario"),
        (["--speed", "0"], "--speed: must be > 0"),
    ],
)
def test_bad_arguments_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bad_scenario_file_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[creators]]\nusername = "alice"\nfollowers = "many"\n')
    assert main(["--scenario", str(path)]) == 2
    assert f"{path}:3: creators[0].followers: expected an integer" in capsys.readouterr().err
