"""A user event is sent as the message its type needs, whatever method it was given, so it always decodes back."""

from __future__ import annotations

import pytest

from tiktok_webcast import User, UserEvent, UserEventType
from tiktok_webcast.protocol import decode_fetch_response, decode_message, encode_fetch_response, encode_message


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        (UserEventType.JOIN, "WebcastSocialMessage", "WebcastMemberMessage"),
        (UserEventType.FOLLOW, "WebcastMemberMessage", "WebcastSocialMessage"),
        (UserEventType.SHARE, "WebcastMemberMessage", "WebcastSocialMessage"),
    ],
)
def test_an_inconsistent_method_is_overridden_by_the_type(kind: UserEventType, given: str, expected: str) -> None:
    event = UserEvent(event=kind, user=User(id=9, username="u"), method=given, msg_id=5)
    method, payload = encode_message(event)
    assert method == expected
    back = decode_message(method, payload)
    assert isinstance(back, UserEvent) and back.event == kind and back.msg_id == 5
    [in_batch] = decode_fetch_response(encode_fetch_response([event])).events
    assert isinstance(in_batch, UserEvent) and in_batch.method == expected and in_batch.event == kind


def test_the_default_method_follows_the_type() -> None:
    assert UserEvent(event=UserEventType.JOIN).method == "WebcastMemberMessage"
    assert UserEvent(event=UserEventType.FOLLOW).method == "WebcastSocialMessage"
