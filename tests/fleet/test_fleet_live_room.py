"""``FleetStatus.live_room``: where a creator is live per the workers' status, so consumers (the event server, Home
Assistant) need not read the workers' status entries themselves."""

from __future__ import annotations

from typing import Any

from tiktok_webcast.fleet import FleetStatus, LiveRoom
from tiktok_webcast.fleet.consumer import ROOM_OFFLINE, ROOM_STREAM_ENDED


def status(**workers: dict[str, Any]) -> FleetStatus:
    return FleetStatus(watched=["alice"], malformed={}, holders={"alice": "w0"}, workers=workers)


def test_the_worker_with_the_room_live_wins_over_the_one_letting_go() -> None:
    handing_over = {"at": 200, "rooms": {"alice": {"state": "handing over to w1", "room_id": None}}}
    taker = {"at": 100, "rooms": {"Alice": {"state": "live in room 7", "room_id": 7}}}
    assert status(w0=handing_over, w1=taker).live_room("alice") == LiveRoom(7, 100.0, checked_offline=False)
    assert status(w1=taker, w0=handing_over).live_room("ALICE") == LiveRoom(7, 100.0, checked_offline=False)


def test_a_creator_found_offline_or_ended_is_told_apart_from_one_not_looked_at_yet() -> None:
    offline = {"at": 50, "rooms": {"alice": {"state": ROOM_OFFLINE, "room_id": None}}}
    ended = {"at": 60, "rooms": {"alice": {"state": ROOM_STREAM_ENDED, "room_id": None}}}
    connecting = {"at": 70, "rooms": {"alice": {"state": "connecting", "room_id": None}}}
    assert status(w0=offline).live_room("alice") == LiveRoom(None, 50.0, checked_offline=True)
    assert status(w0=ended).live_room("alice") == LiveRoom(None, 60.0, checked_offline=True)
    assert status(w0=connecting).live_room("alice") == LiveRoom(None, 70.0, checked_offline=False)
    assert status(w0=offline, w1=connecting).live_room("alice") == LiveRoom(None, 70.0, checked_offline=True)


def test_an_unreported_creator_and_malformed_entries_say_nothing() -> None:
    odd = {"at": "soon", "rooms": {"alice": {"room_id": 9}}}
    bad_rooms = {"at": 10, "rooms": ["alice"]}
    bad_room = {"at": 10, "rooms": {"alice": "live"}}
    zero = {"at": 10, "rooms": {"alice": {"state": "starting", "room_id": 0}}}
    assert status(w0=odd, w1=bad_rooms, w2=bad_room).live_room("alice") == LiveRoom(None, 0.0, checked_offline=False)
    assert status(w0=zero).live_room("alice") == LiveRoom(None, 10.0, checked_offline=False)
    assert status().live_room("bob") == LiveRoom(None, 0.0, checked_offline=False)
