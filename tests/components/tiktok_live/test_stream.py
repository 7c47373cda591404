"""Entities, event entities, the bus event and device-trigger automations following scripted streams."""

from __future__ import annotations

from typing import Any

from custom_components.tiktok_live.const import CONF_EXPOSE_CHAT, CONF_FIRE_EVENTS, DOMAIN, EVENT_TIKTOK_LIVE
from homeassistant.components import automation
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_mock_service

from tiktok_webcast.simulator.scenario import DropSocket, Offline, Script, TimedEvent

from .conftest import StartSimulator, add_entry, creator, scenario, state, wait_for

LIVE = "binary_sensor.alice_live"
GIFT = "event.alice_gift"

# A stream (scenario seconds after it starts, run 2x faster; the first events late enough for the connection to be
# up): viewers and likes, a streak of 5 roses (1 diamond each), a corgi (299 diamonds, not streakable), a follow, a
# share, a subscription, a chat message, a join, then the end.
SCRIPTED = Script(
    timeline=(
        TimedEvent(at=3.0, type="viewers", count=42),
        TimedEvent(at=3.0, type="like", user="bob", count=10),
        TimedEvent(at=4.0, type="gift", user="bob", gift="Rose", count=5),
        TimedEvent(at=6.0, type="gift", user="carol", gift="Corgi"),
        TimedEvent(at=6.5, type="follow", user="dave"),
        TimedEvent(at=6.5, type="share", user="erin"),
        TimedEvent(at=7.0, type="subscribe", user="frank"),
        TimedEvent(at=7.0, type="chat", user="gina", comment="hello alice"),
        TimedEvent(at=7.0, type="join", user="hank"),
    ),
    end_after=10.0,
)


def _collect(hass: HomeAssistant) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    @callback
    def _record(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_TIKTOK_LIVE, _record)
    return events


def _state_changes(hass: HomeAssistant, entity_id: str) -> list[Any]:
    changes: list[Any] = []

    @callback
    def _record(event: Event) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"] is not None:
            changes.append(event.data["new_state"])

    hass.bus.async_listen("state_changed", _record)
    return changes


async def _automations(hass: HomeAssistant, device_id: str) -> list[ServiceCall]:
    calls = async_mock_service(hass, "test", "automation")

    def rule(name: str, **trigger: Any) -> dict[str, Any]:
        return {
            "alias": name,
            "trigger": {"platform": "device", "domain": DOMAIN, "device_id": device_id, **trigger},
            "action": {"service": "test.automation", "data": {"rule": name}},
        }

    config = [
        rule("any gift", type="gift"),
        rule("big gift", type="gift", min_diamonds=100),
        rule("roses", type="gift", gift_name="rose"),
        rule("follower", type="follow"),
        rule("live", type="went_live"),
        rule("offline", type="went_offline"),
    ]
    assert await async_setup_component(hass, automation.DOMAIN, {automation.DOMAIN: config})
    return calls


async def test_scripted_stream(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    # Alice goes live a second (real time) after the automations are set up.
    sim = await start_simulator(scenario(creator(script=SCRIPTED, followers=500, start_after=8.0), speed=2.0))
    bus = _collect(hass)
    gifts = _state_changes(hass, GIFT)
    entry = await add_entry(hass, sim, options={CONF_EXPOSE_CHAT: True, CONF_FIRE_EVENTS: True})
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, entry.unique_id)})
    assert device is not None and device.name == "Alice"
    calls = await _automations(hass, device.id)
    assert state(hass, LIVE) == STATE_OFF

    await wait_for(lambda: state(hass, LIVE) == STATE_ON, what="alice live")
    assert state(hass, "sensor.alice_title") == "alice's test stream"
    assert state(hass, "sensor.alice_started") not in (None, "unknown")
    await wait_for(lambda: state(hass, "sensor.alice_viewers") == "42", what="viewers")
    await wait_for(lambda: state(hass, LIVE) == STATE_OFF, what="the stream's end")
    await hass.async_block_till_done()

    assert state(hass, "sensor.alice_diamonds") == "304"  # 5 roses + 1 corgi
    assert state(hass, "sensor.alice_gifts") == "6"
    assert int(state(hass, "sensor.alice_likes") or 0) >= 10
    assert state(hass, "sensor.alice_new_followers") == "1"
    assert state(hass, "sensor.alice_viewers") == "0"

    # One gift per finished streak, never one per combo update; the event entity shows the latest.
    streaks = [e for e in bus if e["type"] == "gift"]
    assert [(g["gift_name"], g["count"], g["diamonds"]) for g in streaks] == [("Rose", 5, 5), ("Corgi", 1, 299)]
    assert streaks[0]["sender"] == "bob"
    assert streaks[0]["image"].endswith(".webp")
    await wait_for(lambda: gifts and gifts[-1].attributes.get("gift_name") == "Corgi", what="the corgi's event")
    assert gifts[-1].attributes["sender"] == "carol"
    assert hass.states.get("event.alice_follow").attributes["user"] == "dave"
    assert hass.states.get("event.alice_share").attributes["user"] == "erin"
    assert hass.states.get("event.alice_subscribe").attributes["user"] == "frank"

    rules = sorted(call.data["rule"] for call in calls)
    assert rules == sorted(["live", "any gift", "any gift", "roses", "big gift", "follower", "offline"])
    kinds = [e["type"] for e in bus]
    assert kinds.count("gift") == 2
    chats = [(e["user"], e["comment"]) for e in bus if e["type"] == "chat"]  # exposed by the options
    assert chats.count(("gina", "hello alice")) == 1
    assert "join" not in kinds  # not exposed
    assert {e["device_id"] for e in bus} == {device.id}
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_chat_and_join_entities_are_disabled_by_default(hass: HomeAssistant, sim: Any) -> None:
    entry = await add_entry(hass, sim)
    registry = er.async_get(hass)
    for entity_id in ("event.alice_chat", "event.alice_join"):
        assert registry.async_get(entity_id).disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None
    assert registry.async_get(GIFT).disabled_by is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_new_stream_resets_counters(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    # Alice goes live while followed (scenario seconds, run 2x faster): a corgi, the stream ends, a new one starts.
    script = Script(
        timeline=(TimedEvent(at=3.0, type="gift", user="bob", gift="Corgi"), TimedEvent(at=12.0, type="follow")),
    )
    sim = await start_simulator(
        scenario(
            creator(script=script, start_after=1.0), faults=(Offline(at=7.0, room="alice", duration=2.0),), speed=2.0
        )
    )
    bus = _collect(hass)
    live = _state_changes(hass, LIVE)
    diamonds = _state_changes(hass, "sensor.alice_diamonds")
    entry = await add_entry(hass, sim, options={CONF_FIRE_EVENTS: True})
    await wait_for(lambda: state(hass, "sensor.alice_diamonds") == "299", what="the corgi")

    def runs() -> list[str]:
        """The live sensor's states with repeats (attribute changes) folded."""
        folded = [s.state for s in live]
        return [x for i, x in enumerate(folded) if i == 0 or folded[i - 1] != x]

    await wait_for(lambda: runs()[-3:] == [STATE_ON, STATE_OFF, STATE_ON], what="the end and a second stream")
    await hass.async_block_till_done()
    assert state(hass, "sensor.alice_diamonds") == "0"
    ended = [s for s in live if s.state == STATE_OFF][-1].last_changed
    # Kept until the next stream started: 299 was still the value when alice went offline.
    assert [d.state for d in diamonds if d.last_changed <= ended][-1] == "299"
    # (Whether alice was already live when the entry started depends on the machine's speed: that one is not
    # announced, see test_lifecycle.)
    went = [e for e in bus if e["type"].startswith("went_")]
    assert [e["type"] for e in went][-2:] == ["went_offline", "went_live"]
    assert went[-2]["room_id"] != went[-1]["room_id"]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_dropped_socket_reconnects(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    script = Script(
        timeline=(
            TimedEvent(at=2.0, type="gift", user="bob", gift="Doughnut"),
            TimedEvent(at=6.0, type="gift", user="bob", gift="Corgi"),
        ),
    )
    sim = await start_simulator(scenario(creator(script=script), faults=(DropSocket(at=4.0, room="alice"),)))
    live_states = _state_changes(hass, LIVE)
    entry = await add_entry(hass, sim)
    coordinator = entry.runtime_data
    await wait_for(lambda: state(hass, "sensor.alice_diamonds") == "30", what="the doughnut")
    await wait_for(lambda: state(hass, "sensor.alice_diamonds") == "329", what="the corgi after the drop")
    assert coordinator.live is not None and coordinator.live.stats.reconnects >= 1
    assert {s.state for s in live_states} == {STATE_ON}  # never went off or unavailable
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_goes_live_later(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    sim = await start_simulator(scenario(creator(start_after=2.0)))
    entry = await add_entry(hass, sim)
    assert state(hass, LIVE) == STATE_OFF
    await wait_for(lambda: state(hass, LIVE) == STATE_ON, what="alice live")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_unload_stops_everything(hass: HomeAssistant, sim: Any) -> None:
    entry = await add_entry(hass, sim)
    await wait_for(lambda: state(hass, LIVE) == STATE_ON, what="alice live")
    coordinator = entry.runtime_data
    task = coordinator._task
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert task.done()
    assert state(hass, LIVE) == STATE_UNAVAILABLE
    # verify_cleanup (pytest-homeassistant-custom-component) fails the test on any task or timer left behind.
