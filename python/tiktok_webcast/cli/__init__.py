"""``tiktok-webcast``: the command line (docs/cli.md).

``main(argv)`` parses the arguments, runs the command on trio and returns the exit code: 0 ok, 1 error,
2 usage, 3 user not found, 4 user offline, 130 interrupted. Errors are explained on stderr in a line or two,
never as a traceback (``-v`` logs more).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence

from tiktok_webcast.cli._app import (
    Context,
    build_parser,
    cli_logging,
    get_command,
    make_context,
    print_usage_error,
    run_command,
    stream_is_utf8_safe,
)
from tiktok_webcast.cli._errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, explain
from tiktok_webcast.cli._render import Style, colour_wanted

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``tiktok-webcast`` with ``argv`` (default: ``sys.argv[1:]``) and returns the exit code."""
    parser = build_parser()
    try:
        # Everything after `simulate` belongs to the simulator's own command line.
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "simulate":
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exit_:  # --help, --version, or a usage error argparse already explained
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    args.extra_args = extra
    for stream in (sys.stdout, sys.stderr):
        stream_is_utf8_safe(stream)
    context: Context | None = None
    with cli_logging(args.verbose, sys.stderr, Style(colour_wanted(sys.stderr, args.color))) as warnings:
        try:
            context = make_context(args, sys.stdout, sys.stderr, warnings)
            return run_command(get_command(args), context)
        except UsageError as error:
            print_usage_error(parser, str(error))
            return EXIT_USAGE
        except BaseException as raised:  # the CLI explains every error instead of a traceback
            inner = _unwrap(raised)
            if isinstance(inner, KeyboardInterrupt):
                return EXIT_INTERRUPTED
            if isinstance(inner, BrokenPipeError):
                # The reader went away (`tiktok-webcast watch | head`): not an error. Silence the final flush too.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                return EXIT_OK
            if isinstance(inner, UsageError):
                print_usage_error(parser, str(inner))
                return EXIT_USAGE
            if not isinstance(inner, Exception):
                raise  # SystemExit, GeneratorExit: not ours to explain
            return _report(inner, context)


def _unwrap(error: BaseException) -> BaseException:
    """The error inside exception groups: an interrupt or a closed pipe wins, else the first error."""
    leaves = list(_leaves(error))
    for kind in (KeyboardInterrupt, BrokenPipeError):
        for leaf in leaves:
            if isinstance(leaf, kind):
                return leaf
    return leaves[0] if leaves else error


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


def _report(error: Exception, context: Context | None) -> int:
    has_session = context is not None and context.session_id is not None
    message, hint, code = explain(error, has_session=has_session)
    print(f"tiktok-webcast: error: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)
    if os.environ.get("TIKTOK_WEBCAST_DEBUG"):
        import traceback

        traceback.print_exception(error, file=sys.stderr)
    return code if code != EXIT_OK else EXIT_ERROR
