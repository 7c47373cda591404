"""The integration's static files: the manifest's pin matches this checkout, translations match strings.json."""

from __future__ import annotations

import inspect
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


def test_brand_images_in_both_layouts() -> None:
    """Home Assistant 2026.3+ reads brand/ in the integration; home-assistant/brands keeps custom_integrations/."""
    from PIL import Image

    local = COMPONENT / "brand"
    brands = REPO / "brands" / "custom_integrations" / "tiktok_live"
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        with Image.open(local / name) as image:
            assert (image.format, image.size) == ("PNG", (size, size))
        assert (local / name).read_bytes() == (brands / name).read_bytes()


def test_blueprints_are_valid_and_use_this_integrations_triggers() -> None:
    """Each blueprint passes Home Assistant's blueprint schema, and its trigger is one of this integration's device
    triggers (tests/ha_demo imports them into a real hass and fires them)."""
    from custom_components.tiktok_live.device_trigger import TRIGGER_TYPES
    from homeassistant.components.blueprint.models import Blueprint
    from homeassistant.components.blueprint.schemas import BLUEPRINT_SCHEMA
    from homeassistant.util.yaml import load_yaml

    folder = REPO / "blueprints" / "automation" / "tiktok_live"
    names = sorted(path.name for path in folder.glob("*.yaml"))
    assert names == ["gift_flash_light.yaml", "went_live_notify.yaml"]
    # 2024.3 validates with the generic schema itself; later versions take it as an argument.
    takes_schema = "schema" in inspect.signature(Blueprint.__init__).parameters
    extra = {"schema": BLUEPRINT_SCHEMA} if takes_schema else {}
    for name in names:
        blueprint = Blueprint(load_yaml(folder / name), expected_domain="automation", **extra)
        assert blueprint.inputs["creator"]["selector"]["device"]["integration"] == "tiktok_live"
        (trigger,) = blueprint.data["trigger"]
        assert trigger["domain"] == "tiktok_live" and trigger["type"] in TRIGGER_TYPES
