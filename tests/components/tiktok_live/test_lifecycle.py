"""The integration's own start, reload, options change and reauth are not transitions of the creator: no trigger
fires, and the counters of the stream that goes on are kept. Losing and regaining the service makes the entities
unavailable and then live again within bounds."""

from __future__ import annotations

import json
from typing import Any

from custom_components.tiktok_live.const import CONF_MIN_GIFT_DIAMONDS, CONF_SIGNER_API_KEY, DOMAIN, EVENT_TIKTOK_LIVE
from custom_components.tiktok_live.coordinator import store_key
from custom_components.tiktok_live.diagnostics import async_get_config_entry_diagnostics
from homeassistant import config_entries
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.json import json_dumps
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tiktok_webcast.simulator.scenario import ApiKey, Breakage, Script, SignerConfig, TimedEvent, UnknownMessage

from .conftest import StartSimulator, add_entry, base_url, creator, free_ports, scenario, state, user_id, wait_for

LIVE = "binary_sensor.alice_live"
DIAMONDS = "sensor.alice_diamonds"
# Late enough for the entry to be watching when it is sent (a gift is not replayed on connect).
CORGI = Script(timeline=(TimedEvent(at=2.0, type="gift", user="bob", gift="Corgi"),))


def _bus(hass: HomeAssistant) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    @callback
    def _record(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_TIKTOK_LIVE, _record)
    return events


async def _reloaded(hass: HomeAssistant, entry: Any) -> None:
    """Waits for the entry to be set up again and its first check to have answered."""
    await hass.async_block_till_done()
    await wait_for(lambda: entry.state is config_entries.ConfigEntryState.LOADED, what="the entry loaded")
    await wait_for(lambda: state(hass, LIVE) == STATE_ON, what="alice live again")


async def test_setup_reload_options_and_reauth_fire_nothing_and_keep_counters(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    signer = SignerConfig(keys=(ApiKey("key-1"), ApiKey("key-2")))
    sim = await start_simulator(scenario(creator(script=CORGI), signer=signer))
    bus = _bus(hass)
    entry = await add_entry(hass, sim, data={CONF_SIGNER_API_KEY: "key-1"})
    await wait_for(lambda: state(hass, DIAMONDS) == "299", what="the corgi")
    room = entry.runtime_data.data.room_id

    assert await hass.config_entries.async_reload(entry.entry_id)
    await _reloaded(hass, entry)
    assert state(hass, DIAMONDS) == "299"

    hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_MIN_GIFT_DIAMONDS: 5})
    await _reloaded(hass, entry)
    assert entry.runtime_data.options[CONF_MIN_GIFT_DIAMONDS] == 5  # the options change did reload
    assert state(hass, DIAMONDS) == "299"

    flow = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_REAUTH, "entry_id": entry.entry_id}, data=entry.data
    )
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_SIGNER_API_KEY: "key-2"})
    assert result["reason"] == "reauth_successful"
    await _reloaded(hass, entry)
    assert entry.data[CONF_SIGNER_API_KEY] == "key-2"
    assert state(hass, DIAMONDS) == "299"
    assert entry.runtime_data.data.room_id == room

    # Not one went_live: the creator was live all along. Everything else carried the device.
    assert [e["type"] for e in bus if e["type"].startswith("went_")] == []
    assert all(e["device_id"] for e in bus)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_counters_are_stored_per_room(
    hass: HomeAssistant, start_simulator: StartSimulator, hass_storage: dict
) -> None:
    sim = await start_simulator(scenario(creator(script=CORGI)))
    entry = await add_entry(hass, sim)
    await wait_for(lambda: state(hass, DIAMONDS) == "299", what="the corgi")
    room = entry.runtime_data.data.room_id
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[store_key(entry.entry_id)]["data"]
    assert (stored["room_id"], stored["diamonds"], stored["live"]) == (room, 299, True)

    # What a restart finds for another room (a stream that ended while Home Assistant was down): not this one's.
    hass_storage[store_key(entry.entry_id)]["data"] = {**stored, "room_id": room + 1, "diamonds": 1000}
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_for(lambda: state(hass, LIVE) == STATE_ON, what="alice live")
    assert state(hass, DIAMONDS) == "0"  # the corgi was before; the stored 1000 were another room's
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_stream_seen_starting_fires_went_live_with_the_device(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    sim = await start_simulator(scenario(creator(start_after=2.0)))
    bus = _bus(hass)
    entry = await add_entry(hass, sim)
    assert state(hass, LIVE) == STATE_OFF
    await wait_for(lambda: state(hass, LIVE) == STATE_ON, what="alice live")
    await hass.async_block_till_done()
    went = [e for e in bus if e["type"] == "went_live"]
    assert len(went) == 1 and went[0]["device_id"] is not None
    attributes = hass.states.get(LIVE).attributes
    assert attributes["reason"] in ("checked_live", "connected") and attributes["liveness"] == "live"
    assert "live" in attributes["liveness_reason"]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_service_lost_and_back(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    port = free_ports()
    scene = scenario(creator(script=CORGI))
    sim = await start_simulator(scene, port=port)
    bus = _bus(hass)
    entry = await add_entry(hass, sim)
    await wait_for(lambda: state(hass, DIAMONDS) == "299", what="the corgi")
    loop = hass.loop

    await start_simulator.stop(sim)
    lost = loop.time()
    await wait_for(lambda: state(hass, LIVE) == STATE_UNAVAILABLE, seconds=45, what="unavailable")
    assert loop.time() - lost <= 30
    assert hass.states.get(DIAMONDS).state == STATE_UNAVAILABLE
    issues = ir.async_get(hass)
    assert not [i for i in issues.issues.values() if i.domain == DOMAIN]  # an outage is no repair

    await start_simulator(scene, port=port)
    back = loop.time()
    await wait_for(lambda: state(hass, LIVE) == STATE_ON, seconds=45, what="live again")
    assert loop.time() - back <= 30
    # The same room (the simulator derives it from the username): the counters went on, no went_live.
    await wait_for(lambda: state(hass, DIAMONDS) not in (None, STATE_UNAVAILABLE), what="the counters back")
    assert int(state(hass, DIAMONDS) or 0) >= 299
    assert [e["type"] for e in bus if e["type"].startswith("went_")] == []
    reasons = [reason for _, _, reason in entry.runtime_data.history]
    assert "unreachable" in reasons
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_after_an_unknown_message(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    sim = await start_simulator(
        scenario(creator(), faults=(UnknownMessage(at=2.0, room="alice", count=3),)),
    )
    entry = await add_entry(
        hass, sim, data={"base_url": json.dumps({**sim.urls.as_dict(), "signer": "http://u:pw-secret@127.0.0.1:9"})}
    )
    coordinator = entry.runtime_data
    await wait_for(lambda: coordinator.live is not None and coordinator.live.stats.unknown >= 3, what="unknown msgs")
    data = await async_get_config_entry_diagnostics(hass, entry)
    text = json_dumps(data)  # what the download serializes: it raised on a counter with tuple keys
    assert json.loads(text)["connection"]["live"]["stats"]["unknown"] >= 3
    assert "pw-secret" not in text
    assert data["connection"]["reason"] == "connected"
    assert [change["state"] for change in data["connection"]["recent_changes"]][-2:] == ["live", "watching"]
    assert await hass.config_entries.async_unload(entry.entry_id)


def test_json_safe_takes_what_the_library_may_hold() -> None:
    from collections import Counter
    from datetime import UTC, datetime
    from enum import Enum

    from custom_components.tiktok_live.diagnostics import json_safe

    class Path(Enum):
        SIGNED = "signed"

    value = {
        "methods": Counter({("WebcastAISummaryMessage", 7): 2, "Other": 1}),
        "path": Path.SIGNED,
        "at": datetime(2026, 1, 2, tzinfo=UTC),
        "url": "http://user:pw-secret@127.0.0.1:9/?apiKey=key-secret",
        "ids": {1, 2},
        "obj": object(),
    }
    safe = json_safe(value)
    text = json.dumps(safe)  # raises on anything not JSON
    assert safe["methods"] == {"WebcastAISummaryMessage/7": 2, "Other": 1}
    assert safe["path"] == "signed" and safe["at"] == "2026-01-02T00:00:00+00:00"
    assert "key-secret" not in text and "pw-secret" not in text


async def test_followed_through_the_profile_lookup_denying_a_live_creator(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    # 2026-05-27: /api-live/user/room/ answered "user not found" for creators who were live; the other sources
    # (the live page, the room) still tell, and the entry sets up and follows the stream.
    unique_id = await user_id(await start_simulator(scenario()))  # the same id: it comes from name and seed
    sim = await start_simulator(scenario(creator(script=CORGI), faults=(Breakage("2026-05-27-user-not-found"),)))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Alice",
        unique_id=unique_id,
        data={"username": "alice", "base_url": base_url(sim)},
        options={"offline_interval": 1},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_for(lambda: state(hass, DIAMONDS) == "299", what="the corgi")
    attributes = hass.states.get(LIVE).attributes
    assert state(hass, LIVE) == STATE_ON and attributes["liveness"] == "live"
    assert await hass.config_entries.async_unload(entry.entry_id)
