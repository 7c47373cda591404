"""Ctrl-C is handled from a command's first step: the CLI installs its signal receiver before it starts the command,
so a command that says it is ready (as ``serve`` does) can be interrupted at once, on either backend."""

from __future__ import annotations

import argparse
import io
import os
import signal

import anyio
import pytest

from tiktok_webcast.cli._app import Command, Context, run_interruptible
from tiktok_webcast.cli._errors import EXIT_OK
from tiktok_webcast.cli._render import Style

INTERRUPTED = 42


def _context() -> Context:
    return Context(argparse.Namespace(), io.StringIO(), io.StringIO(), Style(False), Style(False))


async def _interrupts_itself_at_once(context: Context) -> int:
    os.kill(os.getpid(), signal.SIGINT)  # before this command has awaited anything
    await anyio.sleep_forever()
    return EXIT_OK


@pytest.mark.parametrize("backend", ["trio", "asyncio"])
def test_ctrl_c_in_a_commands_first_step_interrupts_it(backend: str) -> None:
    command = Command(_interrupts_itself_at_once, interrupted_exit=INTERRUPTED)
    try:
        code = anyio.run(run_interruptible, command, _context(), backend=backend)
    except KeyboardInterrupt:
        pytest.fail("the Ctrl-C escaped as KeyboardInterrupt: the command ran before the signal receiver was installed")
    assert code == INTERRUPTED
