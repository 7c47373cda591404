"""``./scripts/watch`` as a new user runs it: from a fresh ``git clone`` of this repository, under a pseudo-terminal.

It must print fewer than 30 lines before the first event, and the first event must come within 20 s of the line
that ends the build stage (``setup: ...: built ...`` or ``... up to date``): the build itself may take minutes on a
cold cache, so it is measured apart. The clone compiles into CARGO_TARGET_DIR when set (CI points it at its cache,
.ci/run: a clean checkout, like the clone), else into ~/.cache/tiktok-webcast/cargo-target, never into this
checkout's target/ (the clone's sources could differ from the working tree's, and cargo names workspace artifacts
the same wherever the checkout is)."""

from __future__ import annotations

import os
import pty
import re
import selectors
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_DEADLINE = 45 * 60
"""Bounds the wait for the build stage (a cold build on a loaded 2-core machine): a hang fails, a slow build not."""
FIRST_EVENT_AFTER_BUILD = 20.0
MAX_LINES_BEFORE_EVENT = 30
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BUILD_DONE = re.compile(r"^setup: .*: (built|up to date)\b")
EVENT = re.compile(r"^\d\d:\d\d:\d\d \S")

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("cargo") is None, reason="needs git, cargo")


def clone_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TIKTOK_", "PYO3_", "VIRTUAL_ENV", "PYTHON")) and key not in ("VENV", "NO_COLOR")
    }
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tiktok-webcast" / "cargo-target"
    given = os.environ.get("CARGO_TARGET_DIR")  # scripts/build-env sets it, to this checkout's target/ by default
    shared = given and Path(given).resolve() != (ROOT / "target").resolve()
    env["CARGO_TARGET_DIR"] = given if given and shared else str(cache)
    env["TERM"] = "xterm-256color"
    return env


class Screen:
    """What the program wrote to the terminal, as lines, each with the time it was completed."""

    def __init__(self) -> None:
        self.pending = ""
        self.lines: list[tuple[float, str]] = []

    def feed(self, text: str) -> None:
        self.pending += text
        *complete, self.pending = self.pending.split("\n")
        now = time.monotonic()
        for line in complete:
            # A line redrawn in place (\r) shows what was written last.
            self.lines.append((now, ANSI.sub("", line.rstrip("\r").split("\r")[-1])))

    def first(self, pattern: re.Pattern[str]) -> int | None:
        return next((i for i, (_, line) in enumerate(self.lines) if pattern.search(line)), None)


def test_watch_from_a_fresh_clone_shows_an_event_soon_after_the_build(tmp_path: Path) -> None:
    clone = tmp_path / "tiktok-webcast"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=300)
    main_fd, terminal_fd = pty.openpty()
    process = subprocess.Popen(
        ["./scripts/watch"],
        cwd=clone,
        env=clone_env(),
        stdin=terminal_fd,
        stdout=terminal_fd,
        stderr=terminal_fd,
        start_new_session=True,
    )
    os.close(terminal_fd)
    screen = Screen()
    started = time.monotonic()
    built_at: float | None = None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(main_fd, selectors.EVENT_READ)
            deadline = time.monotonic() + BUILD_DEADLINE
            while screen.first(EVENT) is None and time.monotonic() < deadline and process.poll() is None:
                if selector.select(timeout=1.0):
                    try:
                        screen.feed(os.read(main_fd, 65536).decode(errors="replace"))
                    except OSError:  # the terminal closed: the program exited
                        break
                done = screen.first(BUILD_DONE)
                if done is not None and built_at is None:
                    built_at = screen.lines[done][0]
                    deadline = built_at + FIRST_EVENT_AFTER_BUILD
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(main_fd)
    shown = "\n".join(line for _, line in screen.lines) + "\n" + screen.pending
    assert built_at is not None, f"no build stage line within {BUILD_DEADLINE} s:\n{shown}"
    first_event = screen.first(EVENT)
    assert first_event is not None, f"no event within {FIRST_EVENT_AFTER_BUILD:.0f} s of the build:\n{shown}"
    after_build = screen.lines[first_event][0] - built_at
    assert after_build <= FIRST_EVENT_AFTER_BUILD, f"the first event came {after_build:.1f} s after the build"
    assert first_event < MAX_LINES_BEFORE_EVENT, f"{first_event} lines before the first event:\n{shown}"
    print(
        f"build stage ended {built_at - started:.0f} s after start; first event {after_build:.1f} s later, "
        f"after {first_event} lines"
    )
    assert process.returncode == 0, f"Ctrl-C ended ./scripts/watch with {process.returncode}:\n{shown}"
