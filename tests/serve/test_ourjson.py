"""Our JSON format, offline: the same shape as ``event_to_dict`` with ids as strings, back to the same event, and
clear errors for JSON that describes no event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.serve.samples import one_of_each

from tiktok_webcast import UnknownEvent, event_to_dict
from tiktok_webcast.serve import EventJsonError, event_from_json, event_to_json

ID_FIELDS = ("id", "msg_id", "to_user_id", "group_id", "poll_id", "battle_id", "question_id", "delete_msg_ids")


def strings_for_ids(value: Any, name: str = "") -> Any:
    """What the format promises, written out separately: event_to_dict with each id field's integers as strings."""
    if isinstance(value, dict):
        return {key: strings_for_ids(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [strings_for_ids(item, name) for item in value]
    is_id = name == "id" or name.endswith(("_id", "_ids", "_uid"))
    return str(value) if is_id and isinstance(value, int) and not isinstance(value, bool) else value


@pytest.mark.parametrize("event", one_of_each(), ids=lambda e: type(e).__name__)
def test_every_event_type_round_trips(event: Any) -> None:
    data = event_to_json(event)
    assert data == strings_for_ids(event_to_dict(event))
    assert event_from_json(json.loads(json.dumps(data))) == event
    for field in ID_FIELDS:
        if field in data and not isinstance(data[field], list):
            assert isinstance(data[field], str)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a JSON object with a 'class'"),
        ({"class": "NoSuchEvent"}, "unknown event class 'NoSuchEvent'"),
        ({"class": "ChatEvent", "msg_id": "seven"}, "ChatEvent.msg_id: not an integer: 'seven'"),
        ({"class": "UserEvent", "event": "DANCE"}, "unknown user event 'DANCE'"),
        ({"class": "UnknownEvent", "method": "X"}, "UnknownEvent cannot be rebuilt from JSON"),
        ({"class": "ImDeleteEvent", "delete_msg_ids": ["x"]}, "not an integer id: 'x'"),
    ],
)
def test_json_that_is_no_event_is_a_clear_error(data: Any, message: str) -> None:
    with pytest.raises(EventJsonError, match=message.replace("(", r"\(")):
        event_from_json(data)


def test_unknown_events_have_a_json_form_but_are_not_rebuilt() -> None:
    data = event_to_json(UnknownEvent(method="WebcastNewMessage", payload=b"\x01\x02"))
    assert data["payload"] == "0102" and data["msg_id"] == "0"
    with pytest.raises(EventJsonError):
        event_to_json(object())
