"""Fixtures shared by every test directory."""

from __future__ import annotations

from pathlib import Path

import pytest

# Home Assistant's tests run in their own virtual environment (scripts/ha-test), against HA's pinned packages.
collect_ignore = ["components", "ha_demo"]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared directory next to the repository: protocol facts and real captures (never copied here)."""
    return Path(__file__).resolve().parents[1].parent / "shared"
