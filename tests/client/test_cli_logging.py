"""``main()`` borrows the library's logger for its warning lines and gives it back: a program or test that runs the
command line in-process keeps its own logging, and no later warning is written to the stream of a finished run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tiktok_webcast.cli import main


@pytest.mark.parametrize("verbosity", [[], ["-v"]])
def test_after_main_the_library_logs_where_it_did_before(
    verbosity: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert main([*verbosity, "replay", str(tmp_path / "missing.jsonl")]) == 1
    assert "missing.jsonl" in capsys.readouterr().err
    with caplog.at_level(logging.WARNING):
        logging.getLogger("tiktok_webcast.client").warning("a warning after the command ended")
    assert "a warning after the command ended" in caplog.text
    assert "a warning after the command ended" not in capsys.readouterr().err
