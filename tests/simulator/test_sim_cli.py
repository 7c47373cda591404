"""``python -m tiktok_webcast.simulator``: prints its URLs once ready, serves, stops on Ctrl+C; bad input exits 2."""

from __future__ import annotations

import io
import json
import signal
import socket
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


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--speed", "inf"], "error: --speed: must be > 0 and <= 10000, got inf\n"),
        (["--speed", "nan"], "error: --speed: must be > 0 and <= 10000, got nan\n"),
        (["--port", "70000"], "error: --port: must be between 0 and 65531, got 70000\n"),
        (["--port", "x"], "error: argument --port: invalid int value: 'x'\n"),
        (["--break", "2030-01-01-nothing"], "error: --break: no fault-pack entry '2030-01-01-nothing' (one of: 2025"),
    ],
)
def test_bad_values_exit_2_with_one_line(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(["--no-media", *argv], capsys)
    assert code == 2
    assert err.startswith(expected) and err.count("\n") == 1, err


def test_bad_trace_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.jsonl"
    code, err = run_main(["--no-media", "--replay", str(missing)], capsys)
    assert (code, err) == (2, f"error: {missing}: cannot read: No such file or directory\n")
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("[" * 100_000 + "\n")
    code, err = run_main(["--no-media", "--replay", str(garbage)], capsys)
    assert (code, err.count("\n")) == (2, 1) and err.startswith("error: "), err
    assert "Traceback" not in err


def test_deeply_nested_toml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, err = run_main(["--scenario", str(path)], capsys)
    assert (code, err) == (2, f"error: {path}: TOML nested too deeply\n")


def test_infinite_rate_is_refused_at_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "spin.toml"
    path.write_text('[[creators]]\nusername = "alice"\nscript = { preset = "quiet", chat = inf }\n')
    code, err = run_main(["--scenario", str(path)], capsys)
    assert (code, err) == (2, f"error: {path}:3: creators[0].script.chat: expected a finite number, got inf\n")


def test_busy_port_and_bad_host_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run_main(["--no-media", "--scenario", "minimal", "--port", str(port)], capsys)
    assert code == 2 and err.startswith(f"error: cannot listen on 127.0.0.1:{port} (web): "), err
    assert err.count("\n") == 1
    code, err = run_main(["--no-media", "--scenario", "minimal", "--host", "no-such-host.invalid"], capsys)
    assert code == 2 and err.startswith("error: cannot listen on no-such-host.invalid:0 (web): "), err
    assert err.count("\n") == 1


def test_tls_without_trustme_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)  # import trustme now raises ImportError
    code, err = run_main(["--no-media", "--scenario", "minimal", "--tls"], capsys)
    assert (code, err) == (
        2,
        "error: --tls needs the 'trustme' package: pip install 'tiktok-webcast[simulator]' (or pip install trustme)\n",
    )


def test_sigint_stops_it_even_when_inherited_as_ignored() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tiktok_webcast.simulator", "--scenario", "minimal", "--json", "--no-media"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # a background job of a script
    )
    try:
        assert process.stdout is not None
        json.loads(process.stdout.readline())
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == 0


def test_verbose_logs_requests_and_faults_and_control_cli(capsys: pytest.CaptureFixture[str]) -> None:
    process = start("--scenario", "minimal", "--json", "--no-media", "-v", "--break", "2026-07-15-check-alive-lies")
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        web = urls["web"]
        state = run_control(["--url", web, "state"], capsys)
        assert json.loads(state)["breakages"]["2026-07-15-check-alive-lies"]["active"] is True
        assert run_control(["--url", web, "fix", "2026-07-15-check-alive-lies"], capsys).startswith('{"name"')
        alive = httpx.get(urls["webcast"] + "/webcast/room/check_alive/", params={"room_ids": "123"}, timeout=10)
        assert alive.json()["data"][0]["alive"] is False
        assert json.loads(run_control(["--url", web, "restart", "sim_minimal"], capsys))["live"] is True
        assert main(["control", "--url", web, "break", "2030-01-01-nothing"]) == 1
        assert capsys.readouterr().err.startswith("error: no fault-pack entry '2030-01-01-nothing'")
        httpx.get(web + "/api-live/user/room/", params={"uniqueId": "sim_minimal"}, timeout=10)
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "GET /api-live/user/room/" in err
    assert "fault pack: 2026-07-15-check-alive-lies on" in err and "fault pack: 2026-07-15-check-alive-lies off" in err
    assert "control: POST /_sim/creators/sim_minimal/restart" in err
    assert "fault fired: Breakage(name='2026-07-15-check-alive-lies'" in err


def run_control(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["control", *argv]) == 0
    return capsys.readouterr().out


def test_control_without_a_url_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TIKTOK_WEBCAST_URLS", raising=False)
    assert main(["control", "state"]) == 2
    assert capsys.readouterr().err == "error: give --url (a base URL of the simulator) or set TIKTOK_WEBCAST_URLS\n"
