"""Fixtures for the engine tests: the real captures in ../shared, and an independent decoder to hold ours against.

The independent decoder is the community schema on PyPI, TikTokLiveProto (its V3 package, betterproto2), used only in
tests. `IndependentDecoder.expected` reads a message with that schema and builds the event our decoder should give,
following the mapping documented in rust/webcast-engine/src/events (custom.rs, model.rs) and webcast.md §8, with every
value read through the other schema. Nothing here calls our decoder.
"""

from __future__ import annotations

import base64
import enum
import functools
import importlib
import json
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tiktok_webcast as tw

# Wire methods outside V3 that carry a V3 layout (webcast.md §6), and the layout they carry.
ALIASES = {
    "RoomMessage": "WebcastRoomMessage",
    "LinkMicMethod": "WebcastLinkMicMethod",
    "RoomVerifyMessage": "WebcastRoomVerifyMessage",
}
META_FIELDS = ("method", "msg_id", "timestamp")


@functools.cache
def v3_classes() -> dict[str, list[type]]:
    """Every message class of TikTokLiveProto's V3 schema by name (some names exist in several packages)."""
    import betterproto2
    import pydantic.dataclasses
    import TikTokLiveProto.v3 as v3

    classes: dict[str, list[type]] = {}
    for info in pkgutil.walk_packages(v3.__path__, v3.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, betterproto2.Message) and obj.__module__ == module.__name__:
                classes.setdefault(name, []).append(obj)
    # TikTokLiveProto 0.2.2 has fields named like its sibling modules (`data`). When pydantic first builds a nested
    # class from its parent, a forward reference such as "data.SomeEnum" resolves to that field and parsing fails
    # with AttributeError. Building every class in its own module's namespace first sidesteps the clash.
    for same_name in classes.values():
        for cls in same_name:
            pydantic.dataclasses.rebuild_dataclass(cls, raise_errors=True)
    return classes


def v3_class(name: str, module_suffix: str = "") -> type:
    """The V3 class `name`; `module_suffix` picks one when several packages define it."""
    candidates = [cls for cls in v3_classes()[name] if cls.__module__.endswith(module_suffix)]
    assert len(candidates) == 1, (name, [cls.__module__ for cls in candidates])
    return candidates[0]


def raw_fields(payload: bytes) -> Iterator[tuple[int, int, Any]]:
    """(number, wire type, value) of each top-level field, read by betterproto2's generic wire reader."""
    import betterproto2

    for field in betterproto2.parse_fields(payload):
        yield field.number, field.wire_type, field.value


def read_common(payload: bytes) -> tuple[int, int]:
    """(msg_id, create_time) from field 1 of any event message, read with the independent schema; (0, 0) if absent."""
    common_cls = v3_class("CommonMessageData")
    msg_id = create_time = 0
    for number, wire_type, value in raw_fields(payload):
        if number == 1 and wire_type == 2:
            common = common_cls.parse(value)
            msg_id, create_time = common.msg_id, common.create_time
    return msg_id, create_time


def short(value: Any, limit: int = 100) -> str:
    """A repr cut short: failure messages must not dump captured third-party content wholesale."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two events (or nested values) differ, as `path: ours != theirs` lines; empty when equal."""
    if type(ours) is not type(theirs):
        return [f"{path or 'event'}: {type(ours).__name__} {short(ours)} != {type(theirs).__name__} {short(theirs)}"]
    fields = getattr(type(ours), "__match_args__", None)
    if fields is not None and ours != theirs:
        found = [line for f in fields for line in differences(getattr(ours, f), getattr(theirs, f), f"{path}.{f}")]
        return found or [f"{path or 'event'}: unequal with equal fields"]
    if isinstance(ours, tuple) and ours != theirs:
        if len(ours) != len(theirs):
            return [f"{path}: {len(ours)} items != {len(theirs)} items"]
        return [
            line
            for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
            for line in differences(a, b, f"{path}[{i}]")
        ]
    if ours != theirs:
        return [f"{path}: {short(ours)} != {short(theirs)}"]
    return []


class IndependentDecoder:
    """TikTokLiveProto's reading of a message, turned into the event our decoder should produce, and helpers to
    compare events (tests reach everything through the `independent` fixture)."""

    v3_class = staticmethod(v3_class)
    raw_fields = staticmethod(raw_fields)
    read_common = staticmethod(read_common)
    short = staticmethod(short)
    differences = staticmethod(differences)

    def __init__(self) -> None:
        self.User = v3_class("User", "base.user")
        self.ImageModel = v3_class("ImageModel", "model.base")
        self.Text = v3_class("Text", "message.common")
        self.custom: dict[str, Callable[[Any, dict[str, Any], bytes], Any]] = {
            "WebcastChatMessage": self._chat,
            "WebcastEmoteChatMessage": self._emote_chat,
            "WebcastGiftMessage": self._gift,
            "WebcastLikeMessage": self._like,
            "WebcastMemberMessage": self._member,
            "WebcastSocialMessage": self._social,
            "WebcastRoomUserSeqMessage": self._viewers,
            "WebcastQuestionNewMessage": self._question,
            "WebcastControlMessage": self._control,
            "WebcastLinkMicBattle": self._mic_battle,
            "WebcastLinkMicArmies": self._armies,
            "WebcastInRoomBannerMessage": self._banner,
            "WebcastLiveIntroMessage": self._intro,
            "WebcastRoomMessage": self._room,
            "WebcastSystemMessage": self._room,
            "WebcastRoomPinMessage": self._pin,
            "WebcastEnvelopeMessage": self._envelope,
        }
        # Every other event class is "simple": it is sent as its default method and mirrors that message's fields.
        custom_classes = {
            tw.ChatEvent, tw.EmoteChatEvent, tw.GiftEvent, tw.LikeEvent, tw.UserEvent, tw.MemberEvent,
            tw.ViewersEvent, tw.QuestionEvent, tw.ControlEvent, tw.MicBattleEvent, tw.BattlesEvent,
            tw.RoomBannerEvent, tw.IntroEvent, tw.RoomEvent, tw.PinEvent, tw.EnvelopeEvent, tw.UnknownEvent,
        }  # fmt: skip
        self.simple: dict[str, type] = {cls().method: cls for cls in tw.EVENT_TYPES if cls not in custom_classes}
        self.mapped_methods = frozenset(self.custom) | frozenset(self.simple) | frozenset(ALIASES)

    # -- which class reads a method ---------------------------------------------------------------------------

    @staticmethod
    def layout(method: str) -> str:
        """The V3 message name whose layout `method` carries."""
        return ALIASES.get(method, method)

    def message_class(self, method: str) -> type | None:
        """TikTokLiveProto's class for `method`, or None when V3 has none."""
        candidates = v3_classes().get(self.layout(method), [])
        assert len(candidates) <= 1, method
        return candidates[0] if candidates else None

    def parse(self, method: str, payload: bytes) -> Any:
        cls = self.message_class(method)
        assert cls is not None, f"V3 has no layout for {method}"
        return cls.parse(payload)

    # -- values -------------------------------------------------------------------------------------------------

    @staticmethod
    def image(model: Any) -> tw.Image | None:
        if model is None:
            return None
        return tw.Image(urls=tuple(model.url_list), uri=model.uri, width=model.width, height=model.height)

    @staticmethod
    def text(model: Any) -> tw.Text | None:
        if model is None:
            return None
        return tw.Text(key=model.key, pattern=model.default_pattern)

    def badge(self, model: Any) -> tw.Badge:
        texts = [
            model.text.default_pattern if model.text is not None else "",
            model.str.str if model.str is not None else "",
            model.combine.str if model.combine is not None else "",
        ]
        image = model.image.image if model.image is not None else None
        if image is None and model.combine is not None:
            image = model.combine.icon
        level = model.privilege_log_extra.level if model.privilege_log_extra is not None else ""
        return tw.Badge(
            scene=int(model.scene_type),
            level=int(level) if level.lstrip("-").isdigit() else 0,
            display_type=int(model.display_type),
            text=next((text for text in texts if text), ""),
            image=self.image(image),
        )

    def user(self, model: Any, identity: Any = None) -> tw.User | None:
        """Our user for a V3 user (webcast.md §7.2): the gifter level and the moderator and subscriber flags come
        from the badges when they are there; `identity` is the message's `user_identity`, if it has one."""
        if model is None:
            return None
        follow = model.follow_info
        badges = tuple(self.badge(badge) for badge in model.badge_list)
        scenes = {badge.scene for badge in badges}
        grades = [badge.level for badge in badges if badge.scene == 8]
        flag = (lambda name: bool(getattr(identity, name))) if identity is not None else (lambda _name: False)
        return tw.User(
            id=model.id,
            username=model.display_id,
            nickname=model.nickname,
            profile_picture=self.image(model.avatar_thumb),
            follower_count=follow.follower_count if follow is not None else 0,
            following_count=follow.following_count if follow is not None else 0,
            follow_status=follow.follow_status if follow is not None else 0,
            sec_uid=model.sec_uid,
            bio=model.bio_description,
            verified=model.verified,
            is_moderator=(model.user_attr is not None and model.user_attr.is_admin)
            or 1 in scenes
            or flag("is_moderator_of_anchor"),
            gifter_level=grades[0] if grades else model.pay_grade.level if model.pay_grade is not None else 0,
            badges=badges,
            is_subscriber=bool(scenes & {4, 7}) or flag("is_subscriber_of_anchor"),
            is_follower=flag("is_follower_of_anchor"),
            is_friend=flag("is_mutual_following_with_anchor"),
            is_gift_giver=flag("is_gift_giver_of_anchor"),
        )

    def plain(self, value: Any) -> Any:
        """A field of a simple event: scalars as they are, enums as ints, users/images/texts as our classes."""
        if value is None:
            return None
        if isinstance(value, self.User):
            return self.user(value)
        if isinstance(value, self.ImageModel):
            return self.image(value)
        if isinstance(value, self.Text):
            return self.text(value)
        if isinstance(value, enum.Enum):
            return int(value)
        if isinstance(value, list):
            return tuple(self.plain(item) for item in value)
        if isinstance(value, (bool, int, str)):
            return value
        raise TypeError(f"simple events expose no field of type {type(value).__name__}")

    # -- events -------------------------------------------------------------------------------------------------

    def expected(self, method: str, payload: bytes, message: Any = None) -> Any:
        """The event for `payload` sent as `method`, read with TikTokLiveProto (`message`: its decode, if at hand)."""
        if message is None:
            message = self.parse(method, payload)
        common = message.common
        meta = {
            "method": method,
            "msg_id": common.msg_id if common is not None else 0,
            "timestamp": common.create_time if common is not None else 0,
        }
        layout = self.layout(method)
        if layout in self.custom:
            return self.custom[layout](message, meta, payload)
        cls = self.simple[layout]
        fields = {name: self.plain(getattr(message, name)) for name in cls.__match_args__ if name not in META_FIELDS}
        return cls(**fields, **meta)

    def _chat(self, m: Any, meta: dict[str, Any], _payload: bytes = b"") -> tw.ChatEvent:
        return tw.ChatEvent(
            user=self.user(m.user, m.user_identity),
            comment=m.content,
            language=m.content_language,
            emotes=tuple(
                tw.Emote(
                    emote_id=e.emote.emote_id if e.emote is not None else "",
                    image=self.image(e.emote.image) if e.emote is not None else None,
                    index=e.index,
                )
                for e in m.emotes
            ),
            **meta,
        )

    def _emote_chat(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.EmoteChatEvent:
        emotes = tuple(tw.Emote(emote_id=e.emote_id, image=self.image(e.image), index=0) for e in m.emote_list)
        return tw.EmoteChatEvent(user=self.user(m.user, m.user_identity), emotes=emotes, **meta)

    def _gift(self, m: Any, meta: dict[str, Any], _payload: bytes = b"") -> tw.GiftEvent:
        gift = m.gift if m.gift is not None else v3_class("Gift", "webcast.model")()
        return tw.GiftEvent(
            id=m.gift_id if m.gift_id != 0 else gift.id,
            name=gift.name,
            describe=gift.describe,
            cost=gift.diamond_count,
            repeat_count=m.repeat_count,
            repeat_end=m.repeat_end != 0,
            type=gift.type,
            to_user_id=m.to_user.id if m.to_user is not None else 0,
            user=self.user(m.user, m.user_identity),
            group_id=m.group_id,
            combo_count=m.combo_count,
            image=self.image(gift.image),
            **meta,
        )

    @staticmethod
    def _display_text(m: Any) -> Any:
        return m.common.display_text if m.common is not None else None

    def _like(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.LikeEvent:
        text = self._display_text(m)
        return tw.LikeEvent(
            likes=m.count,
            total_likes=m.total,
            user=self.user(m.user),
            display_type=text.key if text is not None else "",
            label=text.default_pattern if text is not None else "",
            **meta,
        )

    def _member(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.UserEvent | tw.MemberEvent:
        if int(m.action) == 1:
            return tw.UserEvent(event=tw.UserEventType.JOIN, user=self.user(m.user), **meta)
        return tw.MemberEvent(action=int(m.action), user=self.user(m.user), member_count=m.member_count, **meta)

    def _social(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.UserEvent:
        text = self._display_text(m)
        follows = m.action == 1 or (text is not None and "follow" in text.key)
        kind = tw.UserEventType.FOLLOW if follows else tw.UserEventType.SHARE
        return tw.UserEvent(event=kind, user=self.user(m.user), **meta)

    def _viewers(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.ViewersEvent:
        ranks = tuple(tw.TopViewer(user=self.user(c.user), coins=c.score, rank=c.rank) for c in m.ranks)
        return tw.ViewersEvent(viewers=m.total, total_viewers=m.total_user, top_viewers=ranks, **meta)

    def _question(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.QuestionEvent:
        data = m.data if m.data is not None else v3_class("Question", "model.message")()
        return tw.QuestionEvent(question=data.content, question_id=data.question_id, user=self.user(data.user), **meta)

    def _control(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.ControlEvent:
        return tw.ControlEvent(action=int(m.action), tips=m.tips, **meta)

    @staticmethod
    def _battle_status(m: Any) -> int:
        return int(m.battle_settings.status) if m.battle_settings is not None else 0

    def _mic_battle(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.MicBattleEvent:
        hosts = [w.value.user for w in m.anchors_info if w.value is not None and w.value.user is not None]
        users = tuple(
            tw.User(
                id=h.user_id, username=h.display_id, nickname=h.nick_name, profile_picture=self.image(h.avatar_thumb)
            )
            for h in hosts
        )
        return tw.MicBattleEvent(
            battle_id=m.battle_id, action=int(m.action), status=self._battle_status(m), users=users, **meta
        )

    def _armies(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.BattlesEvent:
        battles = []
        for host, armies in sorted(m.armies.items()):  # a protobuf map: the order on the wire means nothing
            users = tuple(
                tw.User(id=a.user_id, nickname=a.nickname, profile_picture=self.image(a.avatar_thumb))
                for a in armies.user_armies
            )
            battles.append(tw.Battle(host=host, groups=(tw.BattleGroup(points=armies.hostscore, users=users),)))
        return tw.BattlesEvent(battle_id=m.battle_id, status=self._battle_status(m), battles=tuple(battles), **meta)

    @staticmethod
    def _banner(_m: Any, meta: dict[str, Any], payload: bytes) -> tw.RoomBannerEvent:
        # V3 names only `common` here; libraries read field 2 as a JSON string (webcast.md §7.12).
        data = [value for number, wire, value in raw_fields(payload) if number == 2 and wire == 2]
        return tw.RoomBannerEvent(data=json.loads(data[-1]) if data else None, **meta)

    def _intro(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.IntroEvent:
        return tw.IntroEvent(id=m.id, title=m.content, language=m.content_language, user=self.user(m.user), **meta)

    @staticmethod
    def _room(m: Any, meta: dict[str, Any], _payload: bytes) -> tw.RoomEvent:
        kind = m.common.method if m.common is not None else ""
        message = m.message if meta["method"] == "WebcastSystemMessage" else m.content
        return tw.RoomEvent(type=kind, message=message, **meta)

    def _nested_meta(self, m: Any, default_method: str) -> dict[str, Any]:
        common = m.common
        return {
            "method": common.method if common is not None and common.method else default_method,
            "msg_id": common.msg_id if common is not None else 0,
            "timestamp": common.create_time if common is not None else 0,
        }

    def _pin(self, m: Any, meta: dict[str, Any], _payload: bytes) -> tw.PinEvent:
        chat = m.chat_message
        gift = m.gift_message
        return tw.PinEvent(
            action=int(m.action),
            pinned_method=m.method,
            pin_time=m.pin_time,
            display_duration=m.display_duration,
            pin_msg_id=m.pin_msg_id,
            operator=self.user(m.operator),
            chat=self._chat(chat, self._nested_meta(chat, "WebcastChatMessage")) if chat is not None else None,
            gift=self._gift(gift, self._nested_meta(gift, "WebcastGiftMessage")) if gift is not None else None,
            **meta,
        )

    @staticmethod
    def _envelope(m: Any, meta: dict[str, Any], _payload: bytes) -> tw.EnvelopeEvent:
        info = m.envelope_info
        if info is None:
            info = v3_class("MessageRedEnvelopInfo")()
        return tw.EnvelopeEvent(
            envelope_id=info.envelope_id,
            business_type=int(info.business_type),
            sender_id=info.send_user_id,
            sender_name=info.send_user_name,
            diamond_count=info.diamond_count,
            people_count=info.people_count,
            unpack_at=info.unpack_at,
            display=int(m.display),
            **meta,
        )


class Captures(list):  # type: ignore[type-arg]
    """A list of captured payloads whose repr, which pytest prints on failures, does not show them."""

    def __repr__(self) -> str:
        return f"<{len(self)} captured payloads>"


@pytest.fixture(scope="session")
def independent() -> IndependentDecoder:
    return IndependentDecoder()


@pytest.fixture(scope="session")
def real_dir(shared_dir: Path) -> Path:
    path = shared_dir / "fixtures" / "real"
    assert path.is_dir(), f"real captures not found at {path}"
    return path


@pytest.fixture(scope="session")
def real_payloads(real_dir: Path) -> Captures:
    """The 838 captured payloads of 2023 as (method, payload), in file order."""
    captures = json.loads((real_dir / "payloads-2023-ab.json").read_text())
    return Captures(
        (method, base64.b64decode(item["eventData"])) for method, items in captures.items() for item in items
    )
