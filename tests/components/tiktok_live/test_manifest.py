"""The integration's static files: the manifest's pin matches this checkout, translations match strings.json."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import homeassistant
from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION

REPO = Path(__file__).resolve().parents[3]
COMPONENT = REPO / "custom_components" / "tiktok_live"
KEY = re.compile(r"\[%key:([a-z0-9_:]+)%\]")


def _resolve(value: Any, common: dict[str, Any]) -> Any:
    """strings.json with ``[%key:common::...%]`` references replaced, as Home Assistant's translation step does."""
    if isinstance(value, dict):
        return {key: _resolve(item, common) for key, item in value.items()}
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            node: Any = common
            for part in match.group(1).split("::"):
                node = node[part]
            return str(node)

        return KEY.sub(lookup, value)
    return value


def test_english_translation_is_strings_json() -> None:
    common = json.loads((Path(homeassistant.__file__).parent / "strings.json").read_text())
    strings = json.loads((COMPONENT / "strings.json").read_text())
    english = json.loads((COMPONENT / "translations" / "en.json").read_text())
    assert english == _resolve(strings, common)


def test_manifest_pins_this_version() -> None:
    version = tomllib.loads((REPO / "Cargo.toml").read_text())["workspace"]["package"]["version"]
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    assert manifest["requirements"] == [f"tiktok-webcast=={version}"]
    assert manifest["iot_class"] == "cloud_push"
    assert manifest["config_flow"] is True
    hacs = json.loads((REPO / "hacs.json").read_text())
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(HA_VERSION)  # the version these tests run on
