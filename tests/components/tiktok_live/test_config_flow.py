"""Every config-flow path against the simulator: success, each error, duplicates, reauth, options."""

from __future__ import annotations

from custom_components.tiktok_live.const import (
    CONF_BASE_URL,
    CONF_EXPOSE_CHAT,
    CONF_EXPOSE_JOINS,
    CONF_FIRE_EVENTS,
    CONF_FLEET_WATCH,
    CONF_MIN_GIFT_DIAMONDS,
    CONF_OFFLINE_INTERVAL,
    CONF_SESSION_ID,
    CONF_SIGNER_API_KEY,
    DOMAIN,
)
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from tiktok_webcast.simulator import Simulator
from tiktok_webcast.simulator.scenario import ApiKey, SignerConfig, SignerFault

from .conftest import StartSimulator, add_entry, base_url, creator, scenario, user_id

GOOD_KEY = "good-key-123"
SIGNER = SignerConfig(keys=(ApiKey(GOOD_KEY),), anonymous=False)


async def _start(hass: HomeAssistant, advanced: bool = True) -> dict:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER, "show_advanced_options": advanced}
    )


async def _submit(hass: HomeAssistant, flow: dict, **data: str) -> dict:
    return await hass.config_entries.flow.async_configure(flow["flow_id"], data)


async def test_user_creates_entry(hass: HomeAssistant, sim: Simulator) -> None:
    flow = await _start(hass)
    assert flow["type"] == FlowResultType.FORM
    assert CONF_BASE_URL in flow["data_schema"].schema
    result = await _submit(hass, flow, username="@alice", base_url=base_url(sim))
    assert result["type"] == FlowResultType.CREATE_ENTRY
    assert result["title"] == "Alice"
    assert result["data"][CONF_USERNAME] == "alice"
    entry = result["result"]
    assert entry.unique_id == await user_id(sim)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_profile_link_is_accepted(hass: HomeAssistant, sim: Simulator) -> None:
    result = await _submit(
        hass, await _start(hass), username="https://www.tiktok.com/@alice/live", base_url=base_url(sim)
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_USERNAME] == "alice"
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_base_url_is_advanced_only(hass: HomeAssistant) -> None:
    flow = await _start(hass, advanced=False)
    assert CONF_BASE_URL not in flow["data_schema"].schema


async def test_user_not_found_then_fixed(hass: HomeAssistant, sim: Simulator) -> None:
    flow = await _start(hass)
    result = await _submit(hass, flow, username="nobody_here", base_url=base_url(sim))
    assert result["type"] == FlowResultType.FORM
    assert result["errors"] == {CONF_USERNAME: "user_not_found"}
    result = await _submit(hass, result, username="alice", base_url=base_url(sim))
    assert result["type"] == FlowResultType.CREATE_ENTRY
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_signer_key_rejected(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    sim = await start_simulator(scenario(signer=SIGNER))
    result = await _submit(hass, await _start(hass), username="alice", signer_api_key="wrong", base_url=base_url(sim))
    assert result["errors"] == {CONF_SIGNER_API_KEY: "invalid_api_key"}
    result = await _submit(hass, result, username="alice", signer_api_key=GOOD_KEY, base_url=base_url(sim))
    assert result["type"] == FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SIGNER_API_KEY] == GOOD_KEY
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_rate_limited(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    sim = await start_simulator(scenario(signer=SIGNER, faults=(SignerFault(status=429, count=1),)))
    result = await _submit(hass, await _start(hass), username="alice", signer_api_key=GOOD_KEY, base_url=base_url(sim))
    assert result["errors"] == {"base": "rate_limited"}


async def test_cannot_connect(hass: HomeAssistant) -> None:
    # Nothing listens on port 9 of loopback: the connection is refused at once.
    result = await _submit(hass, await _start(hass), username="alice", base_url="http://127.0.0.1:9")
    assert result["errors"] == {"base": "cannot_connect"}


async def test_invalid_base_url(hass: HomeAssistant) -> None:
    result = await _submit(hass, await _start(hass), username="alice", base_url="ftp://example")
    assert result["errors"] == {CONF_BASE_URL: "invalid_base_url"}


async def test_duplicate_creator_aborts(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await add_entry(hass, sim, setup=False)
    result = await _submit(hass, await _start(hass), username="ALICE", base_url=base_url(sim))
    assert result["type"] == FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_reauth_with_a_new_key(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    sim = await start_simulator(scenario(signer=SIGNER))
    entry = await add_entry(hass, sim, data={CONF_SIGNER_API_KEY: "revoked"})
    # The first check finds the key rejected: the entry does not load and asks for new credentials.
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [config_entries.SOURCE_REAUTH]
    flow = flows[0]
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_SIGNER_API_KEY: "still-wrong"})
    assert result["errors"] == {CONF_SIGNER_API_KEY: "invalid_api_key"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_SIGNER_API_KEY: GOOD_KEY, CONF_SESSION_ID: "a-session"}
    )
    assert result["type"] == FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_SIGNER_API_KEY] == GOOD_KEY
    assert entry.data[CONF_SESSION_ID] == "a-session"
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_options(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await add_entry(hass, sim)
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    assert flow["type"] == FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"],
        {CONF_EXPOSE_CHAT: True, CONF_EXPOSE_JOINS: False, CONF_MIN_GIFT_DIAMONDS: 100, CONF_OFFLINE_INTERVAL: 30},
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {
        CONF_FIRE_EVENTS: False,  # the default, filled in
        CONF_EXPOSE_CHAT: True,
        CONF_EXPOSE_JOINS: False,
        CONF_MIN_GIFT_DIAMONDS: 100,
        CONF_OFFLINE_INTERVAL: 30,
        CONF_FLEET_WATCH: False,  # no fleet URL: the integration connects itself
    }
    assert entry.state is ConfigEntryState.LOADED  # reloaded with the new options
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_changes_credentials_and_keeps_the_creator(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    sim = await start_simulator(scenario(signer=SIGNER))
    other = await start_simulator(scenario(seed=99))  # alice there has another user id
    entry = await add_entry(hass, sim, data={CONF_SIGNER_API_KEY: GOOD_KEY})
    flow = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "reconfigure", "entry_id": entry.entry_id, "show_advanced_options": True},
    )
    assert flow["type"] == FlowResultType.FORM and flow["step_id"] == "reconfigure"
    result = await _submit(hass, flow, signer_api_key="wrong", base_url=base_url(sim))
    assert result["errors"] == {CONF_SIGNER_API_KEY: "invalid_api_key"}
    result = await _submit(hass, result, base_url=base_url(other))  # a service where alice is someone else
    assert result["errors"] == {"base": "another_creator"}
    result = await _submit(hass, result, signer_api_key=GOOD_KEY, base_url=base_url(sim))
    assert result["type"] == FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_SIGNER_API_KEY] == GOOD_KEY
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_entity_ids_come_from_the_username_names_from_the_nickname(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    sim = await start_simulator(
        scenario(creator("mika_fan", nickname="🌸みか🌸"), creator("flower", nickname="🌸🌸"), creator("bob"))
    )
    for username in ("mika_fan", "flower"):
        result = await _submit(hass, await _start(hass), username=username, base_url=base_url(sim))
        assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    mika = hass.states.get("sensor.mika_fan_viewers")
    assert mika is not None and mika.attributes["friendly_name"] == "🌸みか🌸 Viewers"
    assert mika.attributes["unit_of_measurement"] == "viewers"
    flower = hass.states.get("binary_sensor.flower_live")
    assert flower is not None and flower.attributes["friendly_name"] == "🌸🌸 Live"
    assert hass.states.get("sensor.viewers") is None and hass.states.get("sensor.mika_viewers") is None
    for entry in hass.config_entries.async_entries(DOMAIN):
        assert await hass.config_entries.async_unload(entry.entry_id)
