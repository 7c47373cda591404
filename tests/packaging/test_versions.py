"""The version has one source, the workspace version in Cargo.toml: both crates inherit it, maturin gives it to the
Python package (``dynamic = ["version"]``), and the Home Assistant integration pins exactly that release."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import tiktok_webcast

ROOT = Path(__file__).resolve().parents[2]


def workspace_version() -> str:
    return str(tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"])


def test_the_crates_inherit_the_workspace_version() -> None:
    for crate in ("webcast-engine", "webcast-py"):
        package = tomllib.loads((ROOT / "rust" / crate / "Cargo.toml").read_text())["package"]
        assert package["version"] == {"workspace": True}, crate


def test_the_python_package_takes_its_version_from_cargo() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
    assert version("tiktok-webcast") == workspace_version(), "the installed build is stale: run ./scripts/setup"
    assert tiktok_webcast.__version__ == workspace_version()


def test_the_cli_prints_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tiktok_webcast.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"tiktok-webcast {workspace_version()}"


def test_the_home_assistant_manifest_pins_it() -> None:
    manifest = json.loads((ROOT / "custom_components" / "tiktok_live" / "manifest.json").read_text())
    assert manifest["requirements"] == [f"tiktok-webcast=={workspace_version()}"]
    assert manifest["version"] == workspace_version()


def test_the_changelog_has_a_section_for_it() -> None:
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert workspace_version() in headings
