"""Library errors as Home Assistant sees them: setup retries and errors, repair issues, reauth, diagnostics."""

from __future__ import annotations

from custom_components.tiktok_live.const import CONF_BASE_URL, CONF_SESSION_ID, CONF_SIGNER_API_KEY, DOMAIN
from custom_components.tiktok_live.diagnostics import async_get_config_entry_diagnostics
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.json import json_dumps

from tiktok_webcast.simulator import Simulator
from tiktok_webcast.simulator.scenario import ApiKey, HttpError, Script, ServerConfig, SignerConfig, SignerFault

from .conftest import StartSimulator, add_entry, creator, scenario, wait_for

GOOD_KEY = "good-key-123"
SESSION = "session-secret-456"


def _reauth_flows(hass: HomeAssistant) -> list[dict]:
    flows = hass.config_entries.flow.async_progress()
    return [flow for flow in flows if flow["context"]["source"] == config_entries.SOURCE_REAUTH]


async def test_unreachable_service_retries_setup(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await add_entry(hass, sim, data={CONF_BASE_URL: "http://127.0.0.1:9"})
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_vanished_creator_is_a_setup_error(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await add_entry(hass, sim)
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(entry, data={**entry.data, "username": "renamed_away"})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_runtime_signer_rejection_raises_issue_and_reauth(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    # The key works at setup; when alice goes live the signer rejects it.
    signer = SignerConfig(keys=(ApiKey(GOOD_KEY),), anonymous=False)
    faults = (SignerFault(status=401, count=0, at=1.0),)
    sim = await start_simulator(scenario(creator(start_after=2.0), signer=signer, faults=faults))
    entry = await add_entry(hass, sim, data={CONF_SIGNER_API_KEY: GOOD_KEY})
    assert entry.state is ConfigEntryState.LOADED
    issues = ir.async_get(hass)
    await wait_for(lambda: issues.async_get_issue(DOMAIN, f"signer_key_rejected_{entry.entry_id}") is not None)
    await hass.async_block_till_done()
    assert len(_reauth_flows(hass)) == 1
    # Meanwhile the stream is watched the signer-free way.
    await wait_for(lambda: hass.states.get("binary_sensor.alice_live").state == "on", what="alice live")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_session_rejected_for_adult_room_asks_reauth(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    sim = await start_simulator(scenario(creator(adult=True), server=ServerConfig(session_ids=("valid-session",))))
    entry = await add_entry(hass, sim, data={CONF_SESSION_ID: "expired-session"})
    await wait_for(lambda: len(_reauth_flows(hass)) == 1, what="a reauth flow")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_persistent_rate_limit_raises_issue_then_clears(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    # Alice is offline; her status checks are refused with 429 three times, then answered again.
    faults = (HttpError(status=429, host="web", path="/api-live/user/room/", count=3, at=0.5),)
    sim = await start_simulator(scenario(creator(live=False), faults=faults))
    entry = await add_entry(hass, sim)
    issues = ir.async_get(hass)
    issue_id = f"rate_limited_{entry.entry_id}"
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None, seconds=60, what="the issue")
    assert hass.states.get("binary_sensor.alice_live").state == "unavailable"
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is None, seconds=90, what="the issue cleared")
    assert hass.states.get("binary_sensor.alice_live").state == "off"
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_redact_secrets(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    signer = SignerConfig(keys=(ApiKey(GOOD_KEY),))
    sim = await start_simulator(scenario(signer=signer))
    entry = await add_entry(hass, sim, data={CONF_SIGNER_API_KEY: GOOD_KEY, CONF_SESSION_ID: SESSION})
    await wait_for(lambda: hass.states.get("binary_sensor.alice_live").state == "on", what="alice live")
    coordinator = entry.runtime_data
    await wait_for(lambda: coordinator.live is not None and coordinator.live.state.value == "connected")
    data = await async_get_config_entry_diagnostics(hass, entry)
    text = json_dumps(data)  # what the diagnostics download serializes
    assert GOOD_KEY not in text
    assert SESSION not in text
    assert "ttwid" not in text and "sessionid" not in text
    assert data["entry"]["data"][CONF_SIGNER_API_KEY] == "**REDACTED**"
    assert data["entry"]["data"][CONF_SESSION_ID] == "**REDACTED**"
    assert data["connection"]["state"] == "watching"
    assert data["connection"]["live"]["state"] == "connected"
    assert data["stream"]["live"] is True
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_signer_repair_and_reauth_prompt_go_away_when_the_key_works_again(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    # The key works at setup, is rejected for a while once alice goes live, then works again; the stream ends
    # after a few seconds, and the checks that follow find the key good.
    signer = SignerConfig(keys=(ApiKey(GOOD_KEY),), anonymous=False)
    faults = (SignerFault(status=401, count=2, at=1.0),)
    script = Script(end_after=3.0)
    sim = await start_simulator(scenario(creator(start_after=2.0, script=script), signer=signer, faults=faults))
    entry = await add_entry(hass, sim, data={CONF_SIGNER_API_KEY: GOOD_KEY})
    issues = ir.async_get(hass)
    issue_id = f"signer_key_rejected_{entry.entry_id}"
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None, what="the repair")
    await hass.async_block_till_done()
    assert len(_reauth_flows(hass)) == 1
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is None, seconds=30, what="the repair gone")
    await hass.async_block_till_done()
    assert _reauth_flows(hass) == []
    assert await hass.config_entries.async_unload(entry.entry_id)
