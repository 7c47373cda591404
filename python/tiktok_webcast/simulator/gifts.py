"""The simulator's gift catalog: what ``/webcast/gift/list/`` lists and what gift events carry.

Names, coin prices and types follow the shape of the real list (type 1 = streakable/combo, 2 and 4 = one-off);
the ids and prices here are the simulator's own and not a copy of TikTok's current catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["GIFTS", "Gift", "find_gift", "gift_json"]


@dataclass(frozen=True, slots=True)
class Gift:
    id: int
    name: str
    diamonds: int
    type: int

    @property
    def streakable(self) -> bool:
        return self.type == 1


GIFTS: tuple[Gift, ...] = (
    Gift(5655, "Rose", 1, 1),
    Gift(5269, "TikTok", 1, 1),
    Gift(5827, "Ice Cream Cone", 1, 1),
    Gift(5487, "Finger Heart", 5, 1),
    Gift(6064, "GG", 1, 1),
    Gift(5879, "Doughnut", 30, 1),
    Gift(6104, "Cap", 99, 1),
    Gift(5658, "Perfume", 20, 2),
    Gift(6267, "Corgi", 299, 2),
    Gift(6369, "Lion", 29_999, 2),
    Gift(11046, "Galaxy", 1_000, 2),
    Gift(7312, "TikTok Universe", 34_999, 4),
)
_BY_NAME = {g.name.lower(): g for g in GIFTS}
_BY_ID = {g.id: g for g in GIFTS}


def find_gift(ref: str | int) -> Gift | None:
    """A gift by id or (case-insensitive) name."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return _BY_ID.get(int(ref))
    return _BY_NAME.get(ref.lower())


def image_url(media_base: str, gift: Gift) -> str:
    return f"{media_base}/img/gift/{gift.id}.webp"


def gift_json(gift: Gift, media_base: str) -> dict[str, Any]:
    """One entry of ``data.gifts`` in the gift-list answer."""
    image = {
        "avg_color": "#A3A3A3",
        "height": 0,
        "image_type": 0,
        "is_animated": False,
        "open_web_url": "",
        "uri": f"webcast-va/{gift.id}",
        "url_list": [image_url(media_base, gift)],
        "width": 0,
    }
    return {
        "id": gift.id,
        "name": gift.name,
        "diamond_count": gift.diamonds,
        "type": gift.type,
        "combo": gift.streakable,
        "describe": f"sent {gift.name}",
        "duration": 1000 if gift.streakable else 3000,
        "image": image,
        "icon": image,
        "is_displayed_on_panel": True,
        "is_broadcast_gift": gift.diamonds >= 1000,
        "is_effect_befview": False,
        "is_random_gift": False,
        "is_box_gift": False,
        "for_linkmic": True,
        "primary_effect_id": 0 if gift.streakable else gift.id,
        "lock_info": {"lock": False, "lock_type": 0},
        "tracker_params": {"gift_property": "normal"},
        "gift_sub_type": 0,
        "can_put_in_gift_box": False,
        "gold_effect": "",
    }
