"""Every value TikTok sends is readable from our events: real payloads walked with the community schema.

TikTokLiveProto (the independent V3 schema, test-only) decodes every real payload in ../shared/fixtures/real (the 838
captures of 2023 and the 2026 fetch response). Each non-default leaf value it finds (a number, flag, string or bytes
anywhere in the message tree, enums as ints) must be readable from our event at the mapped path, with the same value:

- `event.proto.<path>`: the event's whole message, the same path as in the community schema (the default mapping);
- the typed fields (`CURATED` below): where a typed field stands for a wire field (`user.display_id` is
  `user.username`, `content` is a chat's `comment`, ...), the typed field must hold the same value; elsewhere a
  typed field of the same path counts when it holds the same value (simple events mirror their message).

Run as a script for the report: coverage by the typed fields alone (what the events offered before `proto`) and in
all, per message type:  python tests/engine/test_field_coverage.py
"""

from __future__ import annotations

import base64
import enum
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "real"
ALIASES = {
    "RoomMessage": "WebcastRoomMessage",
    "LinkMicMethod": "WebcastLinkMicMethod",
    "RoomVerifyMessage": "WebcastRoomVerifyMessage",
}
# Steps: an attribute name, a sequence index, or a map key (wrapped in a 1-tuple: a key may be a str too).
Path_ = tuple[str | int | tuple[Any], ...]


@dataclass(frozen=True)
class Rule:
    """A typed field standing for a wire field: `source` is a community path (`[]` any index), `target` our
    attribute path (its `[]` take the source's indices in order), `convert` the wire value's typed form."""

    layouts: str  # a regex over the message type
    source: str
    target: str
    convert: Callable[[Any], Any] = lambda value: value
    # False where the typed field reads the first of several wire fields (a badge's text or image): it stands for
    # this one only when the others are empty.
    strict: bool = True


def _level(value: str) -> int:
    return int(value) if re.fullmatch(r"-?\d+", value) else 0


IMAGE = [("url_list[]", "urls[]"), ("uri", "uri"), ("width", "width"), ("height", "height")]
USER = [
    ("id", "id"),
    ("display_id", "username"),
    ("nickname", "nickname"),
    *[(f"avatar_thumb.{s}", f"profile_picture.{t}") for s, t in IMAGE],
    ("follow_info.follower_count", "follower_count"),
    ("follow_info.following_count", "following_count"),
    ("follow_info.follow_status", "follow_status"),
    ("sec_uid", "sec_uid"),
    ("bio_description", "bio"),
    ("verified", "verified"),
    ("user_attr.is_admin", "is_moderator"),
    ("badge_list[].scene_type", "badges[].scene"),
    ("badge_list[].display_type", "badges[].display_type"),
    *[(f"badge_list[].image.image.{s}", f"badges[].image.{t}") for s, t in IMAGE],
    *[(f"badge_list[].combine.icon.{s}", f"badges[].image.{t}") for s, t in IMAGE],
    ("badge_list[].text.default_pattern", "badges[].text"),
    ("badge_list[].str.str", "badges[].text"),
    ("badge_list[].combine.str", "badges[].text"),
    ("badge_list[].privilege_log_extra.level", "badges[].level"),
]
# Badge fields read from the first non-empty of several places, and the level parsed from its text.
ALTERNATES = {"badges[].text", "badges[].image.urls[]", "badges[].image.uri", "badges[].image.width"}
ALTERNATES |= {"badges[].image.height"}
IDENTITY = [
    ("user_identity.is_follower_of_anchor", "user.is_follower"),
    ("user_identity.is_subscriber_of_anchor", "user.is_subscriber"),
    ("user_identity.is_mutual_following_with_anchor", "user.is_friend"),
    ("user_identity.is_gift_giver_of_anchor", "user.is_gift_giver"),
    ("user_identity.is_moderator_of_anchor", "user.is_moderator"),
]
CHAT = [
    ("content", "comment"),
    ("content_language", "language"),
    ("emotes[].emote.emote_id", "emotes[].emote_id"),
    ("emotes[].index", "emotes[].index"),
    *[(f"emotes[].emote.image.{s}", f"emotes[].image.{t}") for s, t in IMAGE],
    *[(f"user.{s}", f"user.{t}") for s, t in USER],
    *IDENTITY,
]
GIFT = [
    ("gift.name", "name"),
    ("gift.describe", "describe"),
    ("gift.diamond_count", "cost"),
    ("repeat_count", "repeat_count"),
    ("gift.type", "type"),
    ("to_user.id", "to_user_id"),
    ("group_id", "group_id"),
    ("combo_count", "combo_count"),
    *[(f"gift.image.{s}", f"image.{t}") for s, t in IMAGE],
    *[(f"user.{s}", f"user.{t}") for s, t in USER],
    *IDENTITY,
]


def _rule(layouts: str, source: str, target: str) -> Rule:
    if target.endswith("badges[].level"):
        return Rule(layouts, source, target, _level)
    alternate = any(target.endswith(suffix) for suffix in ALTERNATES)
    return Rule(layouts, source, target, strict=not alternate)


def _rules() -> list[Rule]:
    rules = [Rule(".*", "common.msg_id", "msg_id"), Rule(".*", "common.create_time", "timestamp")]
    rules += [_rule("WebcastChatMessage", s, t) for s, t in CHAT]
    rules += [_rule("WebcastGiftMessage", s, t) for s, t in GIFT]
    rules += [Rule("WebcastGiftMessage", "repeat_end", "repeat_end", bool)]
    rules += [_rule("WebcastRoomPinMessage", f"chat_message.{s}", f"chat.{t}") for s, t in CHAT]
    rules += [_rule("WebcastRoomPinMessage", f"gift_message.{s}", f"gift.{t}") for s, t in GIFT]
    rules += [_rule("WebcastRoomPinMessage", f"operator.{s}", f"operator.{t}") for s, t in USER]
    pin = ["action", "pin_time", "display_duration", "pin_msg_id"]
    rules += [_rule("WebcastRoomPinMessage", f, f) for f in pin]
    rules += [Rule("WebcastRoomPinMessage", "method", "pinned_method")]
    rules += [_rule("WebcastEmoteChatMessage", f"user.{s}", f"user.{t}") for s, t in USER + IDENTITY]
    rules += [_rule("WebcastEmoteChatMessage", "emote_list[].emote_id", "emotes[].emote_id")]
    rules += [_rule("WebcastEmoteChatMessage", f"emote_list[].image.{s}", f"emotes[].image.{t}") for s, t in IMAGE]
    users = "WebcastLikeMessage|WebcastSocialMessage|WebcastMemberMessage|WebcastLiveIntroMessage"
    rules += [_rule(users, f"user.{s}", f"user.{t}") for s, t in USER]
    rules += [_rule("WebcastLikeMessage", "count", "likes"), Rule("WebcastLikeMessage", "total", "total_likes")]
    rules += [_rule("WebcastLikeMessage", "common.display_text.key", "display_type")]
    rules += [_rule("WebcastLikeMessage", "common.display_text.default_pattern", "label")]
    rules += [_rule("WebcastMemberMessage", "member_count", "member_count")]
    rules += [_rule("WebcastRoomUserSeqMessage", "total", "viewers")]
    rules += [_rule("WebcastRoomUserSeqMessage", "total_user", "total_viewers")]
    rules += [_rule("WebcastRoomUserSeqMessage", "ranks[].score", "top_viewers[].coins")]
    rules += [_rule("WebcastRoomUserSeqMessage", "ranks[].rank", "top_viewers[].rank")]
    rules += [_rule("WebcastRoomUserSeqMessage", f"ranks[].user.{s}", f"top_viewers[].user.{t}") for s, t in USER]
    rules += [_rule("WebcastQuestionNewMessage", "data.content", "question")]
    rules += [_rule("WebcastQuestionNewMessage", "data.question_id", "question_id")]
    rules += [_rule("WebcastQuestionNewMessage", f"data.user.{s}", f"user.{t}") for s, t in USER]
    rules += [_rule("WebcastControlMessage", "action", "action"), Rule("WebcastControlMessage", "tips", "tips")]
    rules += [_rule("WebcastLinkMicBattle|WebcastLinkMicArmies", "battle_id", "battle_id")]
    rules += [_rule("WebcastLinkMicBattle|WebcastLinkMicArmies", "battle_settings.status", "status")]
    rules += [_rule("WebcastLinkMicBattle", "action", "action")]
    rules += [_rule("WebcastLiveIntroMessage", "id", "id"), Rule("WebcastLiveIntroMessage", "content", "title")]
    rules += [_rule("WebcastLiveIntroMessage", "content_language", "language")]
    rules += [_rule("WebcastRoomMessage", "content", "message"), Rule("WebcastRoomMessage", "common.method", "type")]
    envelope = [
        ("envelope_id", "envelope_id"),
        ("business_type", "business_type"),
        ("send_user_id", "sender_id"),
        ("send_user_name", "sender_name"),
        ("diamond_count", "diamond_count"),
        ("people_count", "people_count"),
        ("unpack_at", "unpack_at"),
    ]
    rules += [_rule("WebcastEnvelopeMessage", f"envelope_info.{s}", t) for s, t in envelope]
    rules += [_rule("WebcastEnvelopeMessage", "display", "display")]
    # Events mapped field for field keep the message's names; their users are typed users.
    rules += [_rule(".*", f"user.{s}", f"user.{t}") for s, t in USER]
    return rules


CURATED = _rules()


def _compiled(rule: Rule) -> re.Pattern[str]:
    return re.compile(re.escape(rule.source).replace(r"\[\]", r"\[(\d+)\]") + r"\Z")


COMPILED = [(rule, re.compile(rule.layouts + r"\Z"), _compiled(rule)) for rule in CURATED]


def text_path(path: Path_) -> str:
    parts = []
    for step in path:
        key = step[0] if isinstance(step, tuple) else step
        parts.append(f".{step}" if isinstance(step, str) else f"[{key}]")
    return "".join(parts).lstrip(".")


def curated_target(layout: str, path: Path_) -> tuple[Path_, Callable[[Any], Any], bool] | None:
    """Our typed path for a community leaf path, if a typed field stands for it."""
    text = text_path(path)
    for rule, layouts, source in COMPILED:
        if layouts.match(layout) and (m := source.match(text)):
            indices = iter(m.groups())
            target = re.sub(r"\[\]", lambda _, found=indices: f"[{next(found)}]", rule.target)
            steps: list[str | int] = []
            for part in re.findall(r"\w+|\[\d+\]", target):
                steps.append(int(part[1:-1]) if part.startswith("[") else part)
            return tuple(steps), rule.convert, rule.strict
    return None


# -- walking the community decode --------------------------------------------------------------------------------


def leaves(message: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """(path, value) of every non-default leaf under a TikTokLiveProto message; enums as ints."""
    import betterproto2

    if isinstance(message, betterproto2.Message):
        for name in message._betterproto.sorted_field_names:
            yield from leaves(getattr(message, name), (*path, name))
    elif isinstance(message, list):
        for index, item in enumerate(message):
            yield from leaves(item, (*path, index))
    elif isinstance(message, dict):
        for key, item in message.items():
            yield from leaves(item, (*path, (key,)))
    elif isinstance(message, enum.Enum):
        if int(message):
            yield path, int(message)
    elif message is not None and message != type(message)():
        yield path, message


MISSING = object()


def resolve(value: Any, path: Path_) -> Any:
    """Our value at `path` (attribute names, sequence indices, map keys), or MISSING."""
    for step in path:
        try:
            if isinstance(step, str):
                value = getattr(value, step)
            else:
                value = value[step[0] if isinstance(step, tuple) else step]
        except (AttributeError, IndexError, KeyError, TypeError):
            return MISSING
    return value


def same(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, float):
        return isinstance(ours, float) and (ours == theirs or abs(ours - theirs) <= 1e-6 * abs(theirs))
    return type(ours) is type(theirs) and ours == theirs


# -- the corpus ---------------------------------------------------------------------------------------------------


def real_messages(community: Callable[[str], type | None]) -> Iterator[tuple[str, bytes]]:
    """(method, payload) of every real message: the 2023 captures and the messages of the 2026 fetch response."""
    captures = json.loads((REAL / "payloads-2023-ab.json").read_text())
    for method, items in captures.items():
        for item in items:
            yield method, base64.b64decode(item["eventData"])
    result_cls = community("ProtoMessageFetchResult")
    assert result_cls is not None
    for message in result_cls.parse((REAL / "2026-batch.pb").read_bytes()).messages:
        yield message.method, message.payload


@dataclass
class Tally:
    leaves: int = 0
    typed: int = 0
    proto: int = 0
    readable: int = 0


def measure(
    community: Callable[[str], type | None], decode: Callable[[str, bytes], Any], with_proto: bool = True
) -> tuple[dict[str, Tally], list[str], int]:
    """Coverage per message type, the leaves not readable (or read wrong), and how many unknown messages kept
    their bytes."""
    tallies: dict[str, Tally] = {}
    failures: list[str] = []
    kept = 0
    for method, payload in real_messages(community):
        layout = ALIASES.get(method, method)
        cls = community(layout)
        event = decode(method, payload)
        if cls is None:
            kept += type(event).__name__ == "UnknownEvent" and event.payload == payload
            continue
        tally = tallies.setdefault(layout, Tally())
        view = event.proto if with_proto else None
        for path, value in leaves(cls.parse(payload)):
            tally.leaves += 1
            typed_ok = proto_ok = False
            if (target := curated_target(layout, path)) is not None:
                ours = resolve(event, target[0])
                typed_ok = same(ours, target[1](value))
                if ours is not MISSING and not typed_ok and target[2]:
                    failures.append(f"{method} {text_path(path)} -> {text_path(target[0])}: typed field differs")
            else:  # a field of the same name (simple events mirror their message's top level)
                typed_ok = same(resolve(event, path), value)
            if with_proto:
                proto_ok = same(resolve(view, path), value)
                if not proto_ok:
                    failures.append(f"{method} proto.{text_path(path)}: not readable")
            tally.typed += typed_ok
            tally.proto += proto_ok
            tally.readable += typed_ok or proto_ok
    return tallies, failures, kept


def community_schema() -> Callable[[str], type | None]:
    from tests.engine.conftest import v3_classes

    def message_class(name: str) -> type | None:
        candidates = v3_classes().get(name, [])
        return candidates[0] if len(candidates) == 1 else None

    return message_class


# -- the tests ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def coverage() -> tuple[dict[str, Tally], list[str], int]:
    from tiktok_webcast.protocol import decode_message

    return measure(community_schema(), decode_message)


def test_every_value_of_every_real_payload_is_readable(coverage: tuple[dict[str, Tally], list[str], int]) -> None:
    tallies, failures, _ = coverage
    total = sum(t.leaves for t in tallies.values())
    assert total > 30_000, total  # the corpus is there: 2023 captures and the 2026 batch
    assert not failures, f"{len(failures)} of {total} values not readable, e.g.:\n" + "\n".join(failures[:20])
    assert sum(t.readable for t in tallies.values()) == total


def test_typed_fields_agree_with_the_wire_where_they_stand_for_it(
    coverage: tuple[dict[str, Tally], list[str], int],
) -> None:
    tallies, failures, _ = coverage
    assert not [line for line in failures if "typed field differs" in line]
    # The typed fields carry real weight: users, badges, chat text, gifts (a fifth of all values, header included).
    assert sum(t.typed for t in tallies.values()) * 5 > sum(t.leaves for t in tallies.values())


def test_unknown_methods_keep_their_bytes(coverage: tuple[dict[str, Tally], list[str], int]) -> None:
    _, _, kept = coverage
    assert kept >= 265  # the 2023 captures' methods without a public schema (webcast.md §6), and 2026's


def report(tallies: dict[str, Tally]) -> str:
    total = Tally()
    lines = [f"{'message type':44} {'values':>7} {'typed':>7} {'in all':>7}"]
    for layout, tally in sorted(tallies.items(), key=lambda item: -item[1].leaves):
        lines.append(f"{layout:44} {tally.leaves:7} {tally.typed:7} {tally.readable:7}")
        for field in ("leaves", "typed", "proto", "readable"):
            setattr(total, field, getattr(total, field) + getattr(tally, field))
    lines.append(
        f"{'total':44} {total.leaves:7} {total.typed:7} {total.readable:7}   "
        f"typed {total.typed / total.leaves:.1%}, in all {total.readable / total.leaves:.1%}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from tiktok_webcast.protocol import decode_message

    has_proto = hasattr(decode_message("WebcastChatMessage", b""), "proto")
    tallies, failures, kept = measure(community_schema(), decode_message, with_proto=has_proto)
    print(report(tallies))
    print(f"unknown messages that kept their bytes: {kept}; unreadable or wrong values: {len(failures)}")
    for line in Counter(re.sub(r"\[\d+\]", "[]", f) for f in failures).most_common(15):
        print(*line)
