"""A real nats-server (Debian's package, installed by scripts/setup-nats) with JetStream on a free loopback port,
started and stopped by the tests that use it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import pytest

from tiktok_webcast import BaseUrls, TikTok
from tiktok_webcast.fleet import Fleet, Worker
from tiktok_webcast.fleet.publish import headers_for, wire_form
from tiktok_webcast.simulator import Creator, Scenario, Script, Simulator

START_TIMEOUT = 15.0


def nats_server_binary() -> str:
    binary = shutil.which("nats-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nats-server is missing: scripts/setup-nats installs it")
        pytest.skip("nats-server is not installed (./scripts/setup-nats)")
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NatsServer:
    """``start()``/``stop()`` may be called again: the store directory and port stay, as for a restarted broker."""

    def __init__(self, store: Path) -> None:
        self.binary = nats_server_binary()
        self.store = store
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)]
        with open(self.store.parent / "nats-server.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_text = (self.store.parent / "nats-server.log").read_text(errors="replace")
                raise RuntimeError(f"nats-server exited:\n{log_text}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server did not listen on {self.port} within {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


async def until(predicate: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:
    """Waits (polling) until ``predicate()`` is true; fails the test naming ``what`` after ``timeout`` seconds."""
    with anyio.move_on_after(timeout):
        while not await predicate():
            await anyio.sleep(0.05)
        return
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def chatty_scenario(count: int, *, chat: float = 4.0, prefix: str = "creator") -> Scenario:
    """``count`` live creators ``<prefix>0 ..``, each chatting ``chat`` times a second."""
    creators = tuple(Creator(f"{prefix}{i}", script=Script(chat=chat)) for i in range(count))
    return Scenario(name="fleet", seed=3, creators=creators)


async def publish(fleet: Fleet, username: str, room_id: int, event: object) -> None:
    """What a worker publishes for ``event`` (fleet/publish.py), without a worker."""
    method, payload = wire_form(event)
    headers = headers_for(event, method=method, username=username, room_id=room_id)
    await fleet.broker.js.publish(fleet.broker.names.subject(room_id, method), payload, headers=headers)


def client_factory(sim: Simulator) -> Callable[[], TikTok]:
    urls = BaseUrls.from_json(json.dumps(sim.urls.as_dict()))
    return lambda: TikTok(base_urls=urls, backoff_base=1.05, backoff_max=0.05, connect_timeout=5.0)


@contextmanager
def child(command: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A child process writing its stderr to ``log``; stopped with Ctrl-C (SIGINT) at the end if still running."""
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=out, env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()


@asynccontextmanager
async def simulator_process(scenario_toml: str, folder: Path) -> AsyncIterator[dict[str, str]]:
    """The simulator as a child process playing ``scenario_toml`` (its file and log in ``folder``); yields the
    environment that points a worker process at it."""
    scenario = folder / "fleet.toml"
    scenario.write_text(scenario_toml)
    command = [sys.executable, "-m", "tiktok_webcast.simulator", "--scenario", str(scenario), "--json", "--no-media"]
    with child(command, folder / "simulator.log") as simulator:
        assert simulator.stdout is not None
        urls = await anyio.to_thread.run_sync(simulator.stdout.readline)
        assert urls.startswith(b"{"), (folder / "simulator.log").read_text()
        yield {**os.environ, "TIKTOK_WEBCAST_URLS": urls.decode().strip()}


def worker_command(nats_url: str, *worker_options: str, lease_ttl: float | None = None) -> list[str]:
    """``tiktok-webcast fleet worker`` on ``nats_url`` as a child process runs it."""
    fleet_options = ["--lease-ttl", str(lease_ttl)] if lease_ttl is not None else []
    command = [sys.executable, "-m", "tiktok_webcast.cli", "fleet", "--nats", nats_url, *fleet_options, "worker"]
    return [*command, *worker_options]


@asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[anyio.CancelScope]:
    """Runs ``worker`` in the background; cancelling the yielded scope stops it the way Ctrl-C does."""
    async with anyio.create_task_group() as tasks:
        scope = anyio.CancelScope()

        async def run() -> None:
            with scope:
                await worker.run()

        tasks.start_soon(run)
        yield scope
        scope.cancel()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # nats-py runs on asyncio only


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server with JetStream on a free port and a temporary store, stopped after the test."""
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    try:
        yield server
    finally:
        server.stop()
