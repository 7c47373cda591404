"""Numbers on the command line must be finite and positive: ``nan``, ``inf`` and ``0`` are usage errors (exit 2)
before anything runs, never a recording that never stops or a replay that sleeps forever."""

from __future__ import annotations

import pytest

from tiktok_webcast.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["record", "someone", "--duration", "nan"], "argument --duration: nan must be a finite number above 0"),
        (["record", "someone", "--duration", "0"], "argument --duration: 0 must be a finite number above 0"),
        (["replay", "trace.jsonl", "--speed", "inf"], "argument --speed: inf must be a finite number above 0"),
        (["fleet", "--lease-ttl", "-1", "list"], "argument --lease-ttl: -1 must be a finite number above 0"),
        (["fleet", "worker", "--max-rooms", "0"], "argument --max-rooms: 0 must be at least 1"),
        (["fleet", "worker", "--offline-poll", "soon"], "argument --offline-poll: 'soon' is not a number"),
    ],
)
def test_non_finite_or_non_positive_numbers_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.rstrip().endswith(message), err
    assert "Traceback" not in err
