"""The build steps of ./scripts/test and ./scripts/check-packaging, run twice with nothing changed in between: the
second time compiles nothing. They all build in scripts/build-env's environment; before it, maturin set
PYO3_ENVIRONMENT_SIGNATURE and PYO3_PYTHON and plain cargo did not, so each step recompiled the pyo3 chain for the
next (about 8 minutes per ./scripts/test on 2 cores)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
COMPILED = re.compile(r"^\s*(Compiling|Checking) (\S+)", re.M)

pytestmark = pytest.mark.skipif(
    shutil.which("cargo") is None or not (VENV / "bin" / "maturin").exists(), reason="needs cargo and maturin"
)


def steps(wheels: Path) -> list[list[str]]:
    maturin = str(VENV / "bin" / "maturin")
    return [
        [maturin, "develop", "--release", "--locked", "--skip-install"],
        ["cargo", "clippy", "--release", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings"],
        ["cargo", "test", "--release", "--locked", "-p", "webcast-engine", "--no-run"],
        [maturin, "build", "--release", "--locked", "-i", sys.executable, "-o", str(wheels)],
    ]


def run_in_build_env(command: list[str]) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYO3_")}
    env["VIRTUAL_ENV"] = str(VENV)
    done = subprocess.run(
        ["bash", "-c", '. scripts/build-env && exec "$@"', "build-env", *command],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_a_second_round_of_builds_compiles_nothing(tmp_path: Path) -> None:
    for command in steps(tmp_path):  # the first round may compile what changed since the last build
        run_in_build_env(command)
    compiled = {
        " ".join(command[:2]): sorted({name for _, name in COMPILED.findall(run_in_build_env(command))})
        for command in steps(tmp_path)
    }
    assert compiled == {" ".join(command[:2]): [] for command in steps(tmp_path)}
