"""TikTok's HTTP endpoints (webcast.md §2), each read into a typed model. No signing: these are the routes the
signer-free clients call unsigned."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from tiktok_webcast._http import HttpSession, browser_params
from tiktok_webcast._urls import BaseUrls
from tiktok_webcast.exceptions import AgeRestrictedError, BlockedError, TikTokHTTPError, UserNotFoundError
from tiktok_webcast.models import FeedPage, GiftList, PriceList, RoomInfo, UserInfo

USER_NOT_FOUND = 19881007
AGE_RESTRICTED = 4003110
# The feed's channel id of the web client (webcast.md §2.8).
FEED_CHANNEL_ID = "86"

_SIGI_STATE = re.compile(r'<script id="SIGI_STATE" type="application/json">(.*?)</script>', re.DOTALL)
_PROFILE_PREFIX = re.compile(r"^(?:https?://)?(?:www\.|m\.)?tiktok\.com/", re.IGNORECASE)


def normalize_username(value: str) -> str:
    """``https://www.tiktok.com/@name/live``, ``@name`` and ``name`` all mean ``name`` (webcast.md §2.3)."""
    name = _PROFILE_PREFIX.sub("", value.strip())
    name = name.split("?", 1)[0].rstrip("/")
    name = name.removesuffix("/live").removeprefix("@")
    return name.strip()


class TikTokApi:
    def __init__(self, http: HttpSession, urls: BaseUrls, *, logged_in: bool) -> None:
        self.http = http
        self.urls = urls
        self.logged_in = logged_in

    def _params(self, **extra: str) -> dict[str, str]:
        params = browser_params(self.http.user_agent, logged_in=self.logged_in)
        params.update(extra)
        return params

    async def user_room(self, username: str) -> UserInfo:
        """The user, their room id and its status (``/api-live/user/room/``)."""
        body = await self.http.get_json(
            f"{self.urls.web}/api-live/user/room/", self._params(uniqueId=username, sourceType="54")
        )
        code = _int(body.get("statusCode") if isinstance(body, Mapping) else None)
        if code == USER_NOT_FOUND or (isinstance(body, Mapping) and body.get("message") == "user_not_found"):
            raise UserNotFoundError(username)
        if code == AGE_RESTRICTED:
            raise AgeRestrictedError(_int(_dig(body, "data", "user", "roomId")))
        if code != 0 or not isinstance(body.get("data"), Mapping):
            raise TikTokHTTPError(f"api-live/user/room answered statusCode {code} for {username!r}")
        return UserInfo.from_json(body["data"])

    async def live_page(self, username: str) -> UserInfo | None:
        """The user as the live page ``/@<user>/live`` embeds it (``SIGI_STATE.LiveRoom.liveRoomUserInfo``,
        webcast.md §2.3); None when the page has no ``LiveRoom`` (no such user, or one who cannot go live). Raises
        :class:`BlockedError` when the page has no ``SIGI_STATE`` (a WAF interstitial, or the page changed)."""
        url = f"{self.urls.web}/@{quote(username, safe='')}/live"
        response = await self.http.request("GET", url)
        if response.status_code != 200:
            raise TikTokHTTPError(f"the live page answered HTTP {response.status_code}", status=response.status_code)
        found = _SIGI_STATE.search(response.text)
        if found is None:
            raise BlockedError("the live page has no SIGI_STATE (a WAF interstitial, or the page changed)", status=200)
        try:
            state = json.loads(found.group(1))
        except json.JSONDecodeError as error:
            raise BlockedError("the live page's SIGI_STATE is not JSON", status=200) from error
        info = _dig(state, "LiveRoom", "liveRoomUserInfo")
        return UserInfo.from_json(info) if isinstance(info, Mapping) else None

    async def check_alive(self, room_ids: Sequence[int]) -> dict[int, bool]:
        """``/webcast/room/check_alive/``: whether each room is live (webcast.md §2.4). Since 2026-07-15 it has
        answered ``alive: true`` for any id at times, so it only ever corroborates another source."""
        params = self._params(room_ids=",".join(str(room_id) for room_id in room_ids))
        body = await self.http.get_json(f"{self.urls.webcast}/webcast/room/check_alive/", params)
        data = _dig(body, "data")
        if _int(_dig(body, "status_code")) != 0 or not isinstance(data, list):
            raise TikTokHTTPError(f"room/check_alive answered status_code {_dig(body, 'status_code')}")
        return {_int(_dig(item, "room_id_str") or _dig(item, "room_id")): bool(_dig(item, "alive")) for item in data}

    async def room_info(self, room_id: int) -> RoomInfo:
        body = await self.http.get_json(f"{self.urls.webcast}/webcast/room/info/", self._params(room_id=str(room_id)))
        code = _int(body.get("status_code") if isinstance(body, Mapping) else None)
        if code == AGE_RESTRICTED:
            raise AgeRestrictedError(room_id)
        data = body.get("data") if isinstance(body, Mapping) else None
        if code != 0 or not isinstance(data, Mapping):
            raise TikTokHTTPError(f"room/info answered status_code {code} for room {room_id}")
        return RoomInfo.from_json(data)

    async def gift_list(self, room_id: int | None = None) -> GiftList:
        params = self._params(room_id=str(room_id)) if room_id else self._params()
        body = await self.http.get_json(f"{self.urls.webcast}/webcast/gift/list/", params)
        return GiftList.from_json(_data(body, "gift/list"))

    async def price_list(self) -> PriceList:
        body = await self.http.get_json(f"{self.urls.webcast}/webcast/wallet_api/fs/diamond/", self._params())
        _data(body, "wallet_api/fs/diamond")
        return PriceList.from_json(body)

    async def feed_page(self, max_time: int = 0) -> FeedPage:
        extra = {"channel_id": FEED_CHANNEL_ID}
        if max_time:
            extra["max_time"] = str(max_time)
        body = await self.http.get_json(f"{self.urls.webcast}/webcast/feed/", self._params(**extra))
        _data(body, "feed")
        return FeedPage.from_json(body)

    async def im_fetch(self, room_id: int, cursor: str, internal_ext: str) -> bytes:
        """One HTTP poll of the message stream (``/webcast/im/fetch/``, webcast.md §4): a protobuf body."""
        params = self._params(
            room_id=str(room_id),
            cursor=cursor,
            internal_ext=internal_ext,
            resp_content_type="protobuf",
            did_rule="3",
            fetch_rule="1",
            last_rtt="0",
            live_id="12",
            identity="audience",
            history_comment_count="6",
            version_code="270000",
        )
        response = await self.http.request("GET", f"{self.urls.webcast}/webcast/im/fetch/", params=params)
        if response.status_code != 200:
            raise TikTokHTTPError(f"im/fetch answered HTTP {response.status_code}", status=response.status_code)
        return response.content


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


def _data(body: Any, what: str) -> Mapping[str, Any]:
    code = _int(body.get("status_code")) if isinstance(body, Mapping) else -1
    if code != 0:
        raise TikTokHTTPError(f"{what} answered status_code {code}")
    data = body.get("data")
    return data if isinstance(data, Mapping) else {}
