"""Real TikTok payloads (../shared/fixtures/real) through our decoder, held field by field against TikTokLiveProto.

The captures stay in ../shared; failure messages show field paths and short values, never whole payloads.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import tiktok_webcast as tw
from tiktok_webcast.protocol import decode_fetch_response, decode_message, decode_push_frame, encode_push_frame

# Methods of the 2023 captures that V3 defines a layout for (all of them map to typed events), with their count.
V3_METHODS_2023 = {
    "LinkMicMethod": 10,
    "RoomMessage": 3,
    "WebcastAccessRecallMessage": 10,
    "WebcastBarrageMessage": 11,
    "WebcastBottomMessage": 10,
    "WebcastCapsuleMessage": 10,
    "WebcastCaptionMessage": 10,
    "WebcastChatMessage": 21,
    "WebcastControlMessage": 10,
    "WebcastEmoteChatMessage": 10,
    "WebcastEnvelopeMessage": 11,
    "WebcastGiftBroadcastMessage": 10,
    "WebcastGiftMessage": 21,
    "WebcastGoalUpdateMessage": 14,
    "WebcastHourlyRankRewardMessage": 10,
    "WebcastImDeleteMessage": 10,
    "WebcastInRoomBannerMessage": 10,
    "WebcastLikeMessage": 21,
    "WebcastLinkLayerMessage": 14,
    "WebcastLinkMessage": 14,
    "WebcastLinkMicArmies": 10,
    "WebcastLinkMicBattle": 10,
    "WebcastLinkMicBattleItemCard": 10,
    "WebcastLinkMicBattlePunishFinish": 10,
    "WebcastLinkMicFanTicketMethod": 21,
    "WebcastLinkMicMethod": 21,
    "WebcastLinkmicBattleTaskMessage": 10,
    "WebcastLiveIntroMessage": 3,
    "WebcastMarqueeAnnouncementMessage": 10,
    "WebcastMemberMessage": 21,
    "WebcastMsgDetectMessage": 10,
    "WebcastOecLiveShoppingMessage": 10,
    "WebcastPartnershipDropsUpdateMessage": 6,
    "WebcastPerceptionMessage": 10,
    "WebcastPollMessage": 10,
    "WebcastQuestionNewMessage": 10,
    "WebcastRankTextMessage": 21,
    "WebcastRankUpdateMessage": 21,
    "WebcastRoomMessage": 15,
    "WebcastRoomNotifyMessage": 10,
    "WebcastRoomPinMessage": 12,
    "WebcastRoomUserSeqMessage": 21,
    "WebcastRoomVerifyMessage": 10,
    "WebcastSocialMessage": 21,
    "WebcastSubPinEventMessage": 10,
    "WebcastUnauthorizedMemberMessage": 10,
}
TYPED_2023 = sum(V3_METHODS_2023.values())  # 573
UNKNOWN_2023 = 838 - TYPED_2023  # 265 payloads of 29 methods that no public schema describes (webcast.md §6)

# The event class each hand-mapped method gives (simple methods give the class named after the message).
CUSTOM_CLASSES = {
    "WebcastChatMessage": {tw.ChatEvent},
    "WebcastEmoteChatMessage": {tw.EmoteChatEvent},
    "WebcastGiftMessage": {tw.GiftEvent},
    "WebcastLikeMessage": {tw.LikeEvent},
    "WebcastMemberMessage": {tw.UserEvent, tw.MemberEvent},
    "WebcastSocialMessage": {tw.UserEvent},
    "WebcastRoomUserSeqMessage": {tw.ViewersEvent},
    "WebcastQuestionNewMessage": {tw.QuestionEvent},
    "WebcastControlMessage": {tw.ControlEvent},
    "WebcastLinkMicBattle": {tw.MicBattleEvent},
    "WebcastLinkMicArmies": {tw.BattlesEvent},
    "WebcastInRoomBannerMessage": {tw.RoomBannerEvent},
    "WebcastLiveIntroMessage": {tw.IntroEvent},
    "WebcastRoomMessage": {tw.RoomEvent},
    "RoomMessage": {tw.RoomEvent},
    "WebcastRoomPinMessage": {tw.PinEvent},
    "WebcastEnvelopeMessage": {tw.EnvelopeEvent},
}

PUSH_SERVER_2026 = "wss://webcast-ws.tiktok.com/webcast/im/ws_proxy/ws_reuse_supplement/"
BATCH_2026_CLASSES = [
    ("RoomMessage", tw.RoomEvent),
    ("WebcastLiveIntroMessage", tw.IntroEvent),
    *[("WebcastChatMessage", tw.ChatEvent)] * 6,
    ("WebcastLinkMicLayoutStateMessage", tw.LinkMicLayoutStateEvent),
    ("WebcastUpdateShareRevenueNoticeMessage", tw.UnknownEvent),
    ("WebcastGiftDynamicRestrictionMessage", tw.GiftDynamicRestrictionEvent),
    ("WebcastLinkMicFanTicketMethod", tw.LinkMicFanTicketMethodEvent),
    ("WebcastGiftPanelUpdateMessage", tw.GiftPanelUpdateEvent),
]
# Single payloads cut from the 2026 batch (fixtures/real/README.md).
SINGLES_2026 = {
    "2026-chat.pb": "WebcastChatMessage",
    "2026-live-intro.pb": "WebcastLiveIntroMessage",
    "2026-room.pb": "RoomMessage",
    "2026-gift-panel-update.pb": "WebcastGiftPanelUpdateMessage",
    "2026-gift-dynamic-restriction.pb": "WebcastGiftDynamicRestrictionMessage",
    "2026-link-mic-layout-state.pb": "WebcastLinkMicLayoutStateMessage",
    "2026-update-share-revenue-notice.pb": "WebcastUpdateShareRevenueNoticeMessage",
    "2026-webcast-link-mic-fan-ticket-method.pb": "WebcastLinkMicFanTicketMethod",
}


@pytest.fixture(scope="module")
def decoded_2023(real_payloads):
    """(method, payload, our event) for every 2023 payload."""
    return type(real_payloads)((method, payload, decode_message(method, payload)) for method, payload in real_payloads)


def events_of(decoded, method):
    return [event for m, _payload, event in decoded if m == method]


# -- the 2023 captures: everything decodes, typed exactly where a schema exists ----------------------------------


def test_every_payload_decodes_and_only_unschematized_methods_stay_unknown(decoded_2023, independent):
    assert len(decoded_2023) == 838
    assert len({method for method, _, _ in decoded_2023}) == 76
    kinds = Counter()
    for method, payload, event in decoded_2023:
        if isinstance(event, tw.UnknownEvent):
            kinds["unknown"] += 1
            assert event.error is None, (method, event.error)
            assert event.method == method
            assert event.payload == payload
            assert method not in independent.mapped_methods
            assert independent.message_class(method) is None, f"{method} has a V3 schema but stayed unknown"
        else:
            kinds["typed"] += 1
            assert method in independent.mapped_methods
            assert event.method == method
    assert kinds == {"typed": TYPED_2023, "unknown": UNKNOWN_2023}


def test_the_methods_with_a_schema_are_the_ones_compared(decoded_2023, independent):
    with_schema = Counter(m for m, _, _ in decoded_2023 if independent.message_class(m) is not None)
    assert dict(with_schema) == V3_METHODS_2023


@pytest.mark.parametrize("method", sorted(V3_METHODS_2023))
def test_events_match_the_independent_decode(method, decoded_2023, independent):
    """Every field of every typed event equals what TikTokLiveProto reads from the same bytes."""
    problems = []
    for index, (m, payload, ours) in enumerate(decoded_2023):
        if m != method:
            continue
        theirs = independent.expected(method, payload)
        problems += [f"#{index} {line}" for line in independent.differences(ours, theirs)]
    assert not problems, f"{method}: {len(problems)} differences\n" + "\n".join(problems[:12])


@pytest.mark.parametrize("method", sorted(CUSTOM_CLASSES))
def test_hand_mapped_methods_give_their_event_classes(method, decoded_2023):
    events = events_of(decoded_2023, method)
    assert events, method
    assert {type(event) for event in events} <= CUSTOM_CLASSES[method]


def test_simple_methods_give_the_class_named_after_the_message(decoded_2023, independent):
    for method, _payload, event in decoded_2023:
        layout = independent.layout(method)
        if layout in independent.simple:
            assert type(event) is independent.simple[layout], method


def test_unknown_events_keep_common_header_values(decoded_2023, independent):
    unknown = [(payload, event) for _m, payload, event in decoded_2023 if isinstance(event, tw.UnknownEvent)]
    assert len(unknown) == UNKNOWN_2023
    for payload, event in unknown:
        assert (event.msg_id, event.timestamp) == independent.read_common(payload)
    assert sum(event.msg_id != 0 for _, event in unknown) == UNKNOWN_2023 - 10  # 10 pictionary ends carry none
    assert sum(event.timestamp != 0 for _, event in unknown) == UNKNOWN_2023 - 68


# -- the comparisons are not vacuous: the captures carry real values in the fields compared -------------------------


def test_typed_events_carry_header_values(decoded_2023):
    undated = set()
    for method, _payload, event in decoded_2023:
        if not isinstance(event, tw.UnknownEvent):
            assert event.msg_id != 0, method
            if event.timestamp == 0:
                undated.add(method)
            else:
                # Milliseconds, except some WebcastRoomMessage headers that carry seconds (as TikTokLiveProto reads).
                assert 1_690_000_000 < event.timestamp < 1_710_000_000_000, method
    assert undated == {"WebcastCaptionMessage", "WebcastLiveIntroMessage"}  # their `common` has no create_time


def full_user(user):
    return (
        user is not None
        and user.id != 0
        and user.nickname
        and user.username
        and user.profile_picture is not None
        and any(url.startswith("https://") for url in user.profile_picture.urls)
    )


def test_chats_gifts_likes_and_viewers_carry_values(decoded_2023):
    chats = events_of(decoded_2023, "WebcastChatMessage")
    assert all(full_user(chat.user) and chat.comment for chat in chats)

    gifts = events_of(decoded_2023, "WebcastGiftMessage")
    assert all(full_user(g.user) and g.id and g.name and g.cost > 0 and g.group_id and g.repeat_count for g in gifts)
    assert all(g.image is not None and g.image.urls for g in gifts)
    # webcast.md §9: a streakable gift (type 1) repeats its running count; the final message has repeat_end.
    assert {g.type for g in gifts} == {1}
    assert any(g.repeat_end for g in gifts) and any(not g.repeat_end for g in gifts)
    assert all(g.combo_count == g.repeat_count for g in gifts)

    likes = events_of(decoded_2023, "WebcastLikeMessage")
    assert all(full_user(like.user) and 1 <= like.likes <= 15 and like.total_likes >= like.likes for like in likes)
    assert all(like.display_type and like.label for like in likes)

    viewers = events_of(decoded_2023, "WebcastRoomUserSeqMessage")
    assert all(v.viewers > 0 and v.total_viewers >= v.viewers for v in viewers)
    assert all([top.rank for top in v.top_viewers] == list(range(1, len(v.top_viewers) + 1)) for v in viewers)
    ranked = [top for v in viewers for top in v.top_viewers]
    assert ranked and all(top.user is not None and top.user.id != 0 for top in ranked)
    assert any(full_user(top.user) and top.coins > 0 for top in ranked)


def test_joins_follows_and_shares_follow_the_display_keys(decoded_2023, independent):
    """Our action-based rule agrees with the display keys other libraries classify by (webcast.md §8)."""
    joins = events_of(decoded_2023, "WebcastMemberMessage")
    assert joins and all(e.event == tw.UserEventType.JOIN and full_user(e.user) for e in joins)
    kinds = Counter()
    for method, payload, event in decoded_2023:
        if method != "WebcastSocialMessage":
            continue
        key = independent.parse(method, payload).common.display_text.key
        expected = tw.UserEventType.FOLLOW if "follow" in key else tw.UserEventType.SHARE
        assert "follow" in key or "share" in key, key
        assert event.event == expected, key
        assert full_user(event.user)
        kinds[event.event] += 1
    assert kinds[tw.UserEventType.FOLLOW] > 0 and kinds[tw.UserEventType.SHARE] > 0


def test_other_hand_mapped_events_carry_values(decoded_2023):
    questions = events_of(decoded_2023, "WebcastQuestionNewMessage")
    assert all(q.question and q.question_id and full_user(q.user) for q in questions)

    assert {c.action for c in events_of(decoded_2023, "WebcastControlMessage")} == {1, 2, 3}

    battles = events_of(decoded_2023, "WebcastLinkMicBattle")
    assert all(b.battle_id and len(b.users) >= 2 and all(full_user(u) for u in b.users) for b in battles)
    armies = events_of(decoded_2023, "WebcastLinkMicArmies")
    assert all(a.battle_id and len(a.battles) >= 2 and all(len(b.groups) == 1 for b in a.battles) for a in armies)
    assert any(user.id and user.nickname for a in armies for b in a.battles for user in b.groups[0].users)
    assert any(b.groups[0].points > 0 for a in armies for b in a.battles)

    pins = events_of(decoded_2023, "WebcastRoomPinMessage")
    assert any(p.chat is not None and p.chat.comment and full_user(p.chat.user) for p in pins)
    assert any(p.gift is not None and p.gift.id and full_user(p.gift.user) for p in pins)
    assert all(p.pinned_method in {"WebcastChatMessage", "WebcastGiftMessage"} for p in pins)

    envelopes = events_of(decoded_2023, "WebcastEnvelopeMessage")
    assert any(e.envelope_id and e.sender_name and e.diamond_count for e in envelopes)

    intros = events_of(decoded_2023, "WebcastLiveIntroMessage")
    assert all(i.id and i.user.id and i.user.nickname and i.user.profile_picture for i in intros)
    assert any(i.title for i in intros)

    rooms = events_of(decoded_2023, "WebcastRoomMessage") + events_of(decoded_2023, "RoomMessage")
    assert all(r.message and r.type for r in rooms)

    banners = events_of(decoded_2023, "WebcastInRoomBannerMessage")
    assert all(isinstance(b.data, dict) for b in banners)  # the JSON document, parsed

    emotes = events_of(decoded_2023, "WebcastEmoteChatMessage")
    assert all(full_user(e.user) and e.emotes and all(x.emote_id and x.image for x in e.emotes) for e in emotes)


def test_a_sample_of_simple_events_carry_values(decoded_2023):
    link_mic = events_of(decoded_2023, "WebcastLinkMicMethod")
    assert any(e.message_type and e.user_id and e.fan_ticket for e in link_mic)
    rank_texts = events_of(decoded_2023, "WebcastRankTextMessage")
    assert all(r.self_get_badge_msg is not None and r.self_get_badge_msg.pattern for r in rank_texts)
    goals = events_of(decoded_2023, "WebcastGoalUpdateMessage")
    assert any(g.contributor_id and g.contributor_avatar is not None for g in goals)
    barrages = events_of(decoded_2023, "WebcastBarrageMessage")
    assert any(b.content is not None and b.content.pattern for b in barrages)
    deletes = events_of(decoded_2023, "WebcastImDeleteMessage")
    assert any(d.delete_msg_ids or d.delete_user_ids for d in deletes)


# -- the 2026 captures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch_2026(real_dir: Path) -> bytes:
    return (real_dir / "2026-batch.pb").read_bytes()


def test_2026_fetch_result_decodes(batch_2026, independent):
    ours = decode_fetch_response(batch_2026)
    theirs = independent.v3_class("ProtoMessageFetchResult").parse(batch_2026)

    assert ours.is_first is True
    assert ours.push_server == PUSH_SERVER_2026
    assert set(ours.route_params) == {"imprp", "wrss"}
    assert ours.cursor and ours.internal_ext  # placeholders put in by the publisher, but present
    assert (ours.fetch_interval, ours.now, ours.fetch_type) == (1000, 1786367257452, 1)
    assert (ours.need_ack, ours.heartbeat_duration) == (False, 0)
    for name in (
        "cursor", "fetch_interval", "now", "internal_ext", "fetch_type", "route_params", "heartbeat_duration",
        "need_ack", "push_server", "is_first", "history_comment_cursor", "history_no_more",
    ):  # fmt: skip
        assert getattr(ours, name) == getattr(theirs, name), name

    assert [(e.method, type(e)) for e in ours.events] == BATCH_2026_CLASSES
    assert len(theirs.messages) == len(ours.events) == 13
    for event, message in zip(ours.events, theirs.messages, strict=True):
        payload = bytes(message.payload)
        assert event.method == message.method
        if isinstance(event, tw.UnknownEvent):
            assert event == tw.UnknownEvent(
                method=message.method, payload=payload, error=None, msg_id=event.msg_id, timestamp=event.timestamp
            )
            assert (event.msg_id, event.timestamp) == independent.read_common(payload) != (0, 0)
        else:
            assert not independent.differences(event, independent.expected(message.method, payload))
    chats = [e for e in ours.events if isinstance(e, tw.ChatEvent)]
    assert all(full_user(chat.user) and chat.comment for chat in chats)


@pytest.mark.parametrize("gzip", [False, True])
def test_2026_fetch_result_inside_a_push_frame(batch_2026, gzip):
    frame = decode_push_frame(encode_push_frame(batch_2026, payload_type="msg", log_id=42, gzip=gzip))
    direct = decode_fetch_response(batch_2026)
    assert frame.payload == batch_2026
    assert frame.events == direct.events
    assert (frame.cursor, frame.internal_ext, frame.is_first, frame.push_server) == (
        direct.cursor, direct.internal_ext, True, PUSH_SERVER_2026,
    )  # fmt: skip
    assert frame.route_params == direct.route_params
    assert frame.ack is None  # need_ack is not set on the bootstrap


@pytest.mark.parametrize(("name", "method"), sorted(SINGLES_2026.items()))
def test_2026_single_payloads_decode(name, method, real_dir, batch_2026, independent):
    payload = (real_dir / name).read_bytes()
    ours = decode_message(method, payload)
    assert ours.method == method
    if isinstance(ours, tw.UnknownEvent):
        assert method not in independent.mapped_methods
        assert ours.error is None and ours.payload == payload
        assert (ours.msg_id, ours.timestamp) == independent.read_common(payload)
    else:
        assert not independent.differences(ours, independent.expected(method, payload))
    # The same message as the batch carries it.
    same = [e for e in decode_fetch_response(batch_2026).events if e.msg_id == ours.msg_id]
    assert same == [ours]
