"""The webcast.tiktok.com host: room info, live check, gift and coin lists, discovery feed, audience, HTTP fetch.

Paths (all ``GET``, the usual browser query block is accepted and ignored):
``/webcast/room/info/?room_id=``, ``/webcast/room/info_by_user/?unique_id=``, ``/webcast/room/check_alive/?room_ids=``,
``/webcast/gift/list/``, ``/webcast/wallet_api/fs/diamond/`` (and the older ``/webcast/diamond/``),
``/webcast/feed/?max_time=``, ``/webcast/ranklist/online_audience/?room_id=``, ``/webcast/im/fetch/?room_id=&cursor=``.
"""

from __future__ import annotations

import secrets
from typing import Any

from tiktok_webcast.simulator.gifts import GIFTS, gift_json
from tiktok_webcast.simulator.http import Request, Response
from tiktok_webcast.simulator.httpfaults import apply_http_faults
from tiktok_webcast.simulator.ids import parse_cursor
from tiktok_webcast.simulator.payloads import room_info_data
from tiktok_webcast.simulator.rooms import Room
from tiktok_webcast.simulator.world import World

__all__ = ["WebcastHost"]

AGE_RESTRICTED = 4003110
NOT_LOGGED_IN = 20003
ROOM_NOT_FOUND = 4003102
FEED_PAGE = 10
_FEED_BASE = 1_000_000_000_000


class WebcastHost:
    def __init__(self, world: World) -> None:
        self.world = world

    def _extra(self, **more: Any) -> dict[str, Any]:
        return {"now": self.world.clock.epoch_ms(), "log_id": secrets.token_hex(16), **more}

    def _answer(self, data: Any, status_code: int = 0, extra: dict[str, Any] | None = None) -> Response:
        return Response.json({"data": data, "extra": self._extra(**(extra or {})), "status_code": status_code})

    async def handle(self, request: Request) -> Response:
        fault = await apply_http_faults(self.world, "webcast", request)
        if fault is not None:
            return fault
        path = request.path.rstrip("/") + "/"
        if path in self.world.scenario.server.signed_paths and not self._signed(request):
            return Response(403, [("content-type", "application/json")], b"")
        routes = {
            "/webcast/room/info/": self._room_info,
            "/webcast/room/info_by_user/": self._room_info_by_user,
            "/webcast/room/check_alive/": self._check_alive,
            "/webcast/gift/list/": self._gift_list,
            "/webcast/wallet_api/fs/diamond/": self._price_list,
            "/webcast/diamond/": self._price_list,
            "/webcast/feed/": self._feed,
            "/webcast/ranklist/online_audience/": self._audience,
            "/webcast/im/fetch/": self._fetch,
        }
        route = routes.get(path)
        if route is None:
            return Response.text("not found\n", 404)
        return route(request)

    def _signed(self, request: Request) -> bool:
        bogus = request.arg("X-Bogus") or ""
        return bool(request.arg("msToken")) and bogus in self.world.signatures

    def _room_response(self, request: Request, room: Room | None) -> Response:
        if room is None:
            return self._answer({"message": "room does not exist", "prompts": ""}, ROOM_NOT_FOUND)
        if room.creator.adult and not self.world.is_logged_in(request.cookies):
            return self._answer(
                {
                    "message": "This LIVE isn't available for users under 18",
                    "prompts": "This LIVE may be inappropriate for some users. Log in to confirm your age.",
                },
                AGE_RESTRICTED,
            )
        return self._answer(room_info_data(self.world, room))

    def _room_info(self, request: Request) -> Response:
        return self._room_response(request, self.world.room(request.arg("room_id")))

    def _room_info_by_user(self, request: Request) -> Response:
        state = self.world.creator(request.arg("unique_id") or "")
        return self._room_response(request, state.room if state is not None else None)

    def _check_alive(self, request: Request) -> Response:
        lying = self.world.broken("2026-07-15-check-alive-lies")
        data = []
        for part in (request.arg("room_ids") or "").split(","):
            if not part.strip():
                continue
            room = self.world.room(part.strip())
            room_id = int(part) if part.strip().isdigit() else 0
            alive = lying or (room is not None and room.live)
            data.append({"alive": alive, "room_id": room_id, "room_id_str": str(room_id)})
        return self._answer(data)

    def _gift_list(self, request: Request) -> Response:
        gifts = [gift_json(g, self.world.urls.media) for g in GIFTS]
        data = {
            "gifts": gifts,
            "gifts_info": {"enable_first_recharge_dynamic_effect": False, "gift_group_info": []},
            "doodle_templates": [],
            "pages": [],
            "cold_gift_hash": "",
            "hash": "sim-gifts-1",
            "hot_fields": [],
            "is_full_gift_data": True,
            "pannel_refresh": 0,
        }
        return self._answer(data)

    def _price_list(self, request: Request) -> Response:
        items = []
        for i, coins in enumerate((30, 70, 350, 700, 1400, 3500, 7000, 17500), start=1):
            cents = round(coins * 1.33)
            items.append(
                {
                    "id": 4000 + i,
                    "diamond_count": coins,
                    "price": cents,
                    "exchange_price": cents,
                    "currency_price": [
                        {
                            "currency": "USD",
                            "price": cents,
                            "original_price": cents,
                            "keep_dot": 2,
                            "price_dot": 2,
                            "price_show_form": f"${cents / 100:.2f}",
                        }
                    ],
                    "describe": f"{coins} coins",
                    "discount_price": 0,
                    "giving_count": 0,
                    "iap_id": f"sim.coins.{coins}",
                    "coupon_id": 0,
                }
            )
        extra = {
            "currency_list": ["USD"],
            "default_currency": "USD",
            "channel": "tiktok_web",
            "channel_id": 86,
            "max_customized_diamond_cnt": 2_500_000,
            "min_customized_diamond_cnt": 30,
        }
        return self._answer(items, extra=extra)

    def _feed(self, request: Request) -> Response:
        logged_in = self.world.is_logged_in(request.cookies)
        if self.world.scenario.server.feed_requires_session and not logged_in:
            return Response(200, [("content-type", "application/json; charset=utf-8")], b"")
        rooms = sorted(
            (r for r in self.world.live_rooms() if logged_in or not r.creator.adult),
            key=lambda r: (-r.start_epoch, r.room_id),
        )
        try:
            offset = max(int(request.arg("max_time") or _FEED_BASE) - _FEED_BASE, 0)
        except ValueError:
            offset = 0
        try:
            count = min(max(int(request.arg("count") or FEED_PAGE), 1), 50)
        except ValueError:
            count = FEED_PAGE
        page = rooms[offset : offset + count]
        items = [
            {
                "data": room_info_data(self.world, room),
                "rid": str(room.room_id),
                "type": 1,
                "debug_info": "",
                "flare_info": {"is_flare": False, "task_id": ""},
                "is_pseudo_living": False,
                "is_recommend_card": False,
                "live_reason": "",
            }
            for room in page
        ]
        more = offset + count < len(rooms)
        extra = {
            "has_more": more,
            "max_time": _FEED_BASE + offset + len(page),
            "min_time": _FEED_BASE + offset,
            "total": len(rooms),
            "cost": 3,
            "hashtag_text": "",
            "is_backup": 0,
            "style": 1,
            "log_pb": {"impr_id": secrets.token_hex(12)},
        }
        return self._answer(items, extra=extra)

    def _audience(self, request: Request) -> Response:
        if not self.world.is_logged_in(request.cookies):
            return self._answer({"message": "User doesn't login", "prompts": "Please login first"}, NOT_LOGGED_IN)
        room = self.world.room(request.arg("room_id"))
        if room is None:
            return self._answer({"message": "room does not exist"}, ROOM_NOT_FOUND)
        ranks = []
        for rank in range(1, 11):
            user = self.world.viewers.user(rank * 3)
            ranks.append(
                {
                    "rank": rank,
                    "score": 10_000 // rank,
                    "user": {
                        "id": user.id,
                        "id_str": str(user.id),
                        "display_id": user.username,
                        "nickname": user.nickname,
                        "follow_info": {"follower_count": user.follower_count},
                    },
                }
            )
        total = room.stats.viewers
        return self._answer({"total": total, "anonymous": max(total - len(ranks), 0), "ranks": ranks})

    def _fetch(self, request: Request) -> Response:
        """The legacy HTTP fetch: protobuf ``ProtoMessageFetchResult``; poll on with the returned cursor."""
        empty = Response.binary(b"")
        if self.world.scenario.server.fetch_requires_session and not self.world.is_logged_in(request.cookies):
            return empty
        room = self.world.room(request.arg("room_id"))
        if room is None:
            return empty
        resume = parse_cursor(request.arg("cursor") or "")
        first = resume is None or room.since(resume) is None
        body = room.bootstrap(
            resume_seq=resume,
            history_count=self._history_count(request),
            push_server=self.world.urls.push_server if first and room.live else "",
            route_params=self.world.issue_route(room, room.seq) if first and room.live else None,
        )
        return Response.binary(body)

    def _history_count(self, request: Request) -> int:
        try:
            return max(0, min(int(request.arg("history_comment_count") or 6), 50))
        except ValueError:
            return self.world.scenario.server.history_comments
