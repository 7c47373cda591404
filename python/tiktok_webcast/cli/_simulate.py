"""``simulate``: runs the bundled simulator of TikTok's services (the simulator's own command line)."""

from __future__ import annotations

import argparse
from typing import Any

from tiktok_webcast.cli._app import Command, Context
from tiktok_webcast.cli._errors import EXIT_OK


def add_commands(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "simulate",
        help="run the local simulator of TikTok LIVE (see `simulate --help`)",
        description="Runs the bundled simulator until Ctrl-C; every argument after `simulate` goes to it "
        "(the same as `python -m tiktok_webcast.simulator`).",
        add_help=False,
    )
    parser.set_defaults(run=Command(sync_handler=simulate, interrupted_exit=EXIT_OK))


def simulate(context: Context) -> int:
    from tiktok_webcast.simulator import main

    return main(list(context.args.extra_args))
