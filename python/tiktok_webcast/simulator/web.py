"""The www.tiktok.com host: guest ``ttwid`` cookies, the live page (SIGI_STATE), profile pages, ``api-live``.

Paths: ``GET /``, ``GET /live``, ``POST /ttwid/register/``, ``GET /@<user>/live``, ``GET /@<user>``,
``GET /api-live/user/room/?uniqueId=&sourceType=54``, ``GET /api/live/detail/?roomID=`` (legacy).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from tiktok_webcast.simulator.http import Request, Response
from tiktok_webcast.simulator.httpfaults import apply_http_faults, waf_page
from tiktok_webcast.simulator.ids import TtwidIssuer
from tiktok_webcast.simulator.payloads import api_live_data, stream_urls, user_detail
from tiktok_webcast.simulator.scenario import NoTtwid
from tiktok_webcast.simulator.world import CreatorState, World

__all__ = ["WebHost"]

STATUS_USER_NOT_FOUND = 19881007
STATUS_PARAMS_ERROR = 10201


def _embed(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def _page(title: str, scripts: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:url" content="https://www.tiktok.com/">{scripts}</head>'
        '<body><div id="app"></div></body></html>'
    )


class WebHost:
    def __init__(self, world: World) -> None:
        self.world = world

    def _extra(self) -> dict[str, Any]:
        return {"now": self.world.clock.epoch_ms(), "logid": secrets.token_hex(16)}

    def _set_ttwid(self, request: Request, response: Response) -> Response:
        """Adds a fresh guest ttwid cookie unless a ``no_ttwid`` fault swallows it."""
        world = self.world
        if world.faults.take(NoTtwid) is not None:
            return response
        value = TtwidIssuer.encode(world.ttwids.mint())
        parts = [f"ttwid={value}", "Path=/", "Max-Age=31536000", "HttpOnly"]
        if request.host.endswith("tiktok.com"):
            parts.append("Domain=.tiktok.com")
        if request.scheme == "https":
            parts += ["Secure", "SameSite=None"]
        response.headers.append(("set-cookie", "; ".join(parts)))
        return response

    async def handle(self, request: Request) -> Response:
        fault = await apply_http_faults(self.world, "web", request)
        if fault is not None:
            return fault
        path = request.path
        if path == "/" and request.method in ("GET", "HEAD"):
            return self._set_ttwid(request, Response.html(_page("TikTok - Make Your Day")))
        if path in ("/live", "/live/") and request.method in ("GET", "HEAD"):
            response = self._set_ttwid(request, Response.html(_page("TikTok LIVE")))
            response.headers.append(("set-cookie", f"tt_csrf_token={secrets.token_urlsafe(18)}; Path=/; HttpOnly"))
            response.headers.append(("set-cookie", f"tt_chain_token={secrets.token_urlsafe(18)}; Path=/; HttpOnly"))
            return response
        if path.rstrip("/") == "/ttwid/register" and request.method == "POST":
            return self._register(request)
        if path.rstrip("/") == "/api-live/user/room":
            if self.world.broken("2025-08-waf-interstitial", (request.arg("uniqueId") or "").lstrip("@")):
                return waf_page()
            return self._api_live(request)
        if path.rstrip("/") == "/api/live/detail":
            return self._live_detail(request)
        if path.startswith("/@"):
            name, _, rest = path[2:].partition("/")
            if (rest.rstrip("/") == "live" or not rest) and self.world.broken("2025-08-waf-interstitial", name):
                return waf_page()
            if rest.rstrip("/") == "live":
                return self._set_ttwid(request, self._live_page(request, name))
            if not rest:
                return self._set_ttwid(request, self._profile_page(name))
        return Response.text("not found\n", 404)

    def _register(self, request: Request) -> Response:
        try:
            body = json.loads(request.body.decode("utf-8") or "{}")
        except (ValueError, UnicodeDecodeError):
            return Response.json({"status_code": 1, "message": "invalid request body"}, 400)
        if not isinstance(body, dict) or str(body.get("aid", "")) != "1988":
            return Response.json({"status_code": 2, "message": "invalid aid"})
        return self._set_ttwid(request, Response.json({"status_code": 0, "message": "success", "data": {}}))

    def _api_live(self, request: Request) -> Response:
        unique_id = (request.arg("uniqueId") or "").strip().lstrip("@")
        if not unique_id:
            return Response.json(
                {
                    "message": "params_error",
                    "statusCode": STATUS_PARAMS_ERROR,
                    "status_code": STATUS_PARAMS_ERROR,
                    "data": {},
                    "extra": self._extra(),
                }
            )
        state = self.world.creator(unique_id)
        # 2026-05-27: creators who are live answered user_not_found (TikTok-Live-Connector #323).
        hidden = state is not None and state.live and self.world.broken("2026-05-27-user-not-found", state.username)
        if state is None or hidden:
            return Response.json(
                {
                    "message": "user_not_found",
                    "statusCode": STATUS_USER_NOT_FOUND,
                    "status_code": STATUS_USER_NOT_FOUND,
                    "data": {},
                    "extra": self._extra(),
                }
            )
        logged_in = self.world.is_logged_in(request.cookies)
        data = api_live_data(self.world, state, logged_in=logged_in)
        return Response.json({"data": data, "extra": self._extra(), "message": "", "statusCode": 0, "status_code": 0})

    def _live_page(self, request: Request, name: str) -> Response:
        state = self.world.creator(name)
        if self.world.broken("2025-03-25-live-page-changed", name):
            return self._changed_live_page(state)
        sigi: dict[str, Any] = {
            "AppContext": {"appContext": {"language": "en", "region": "US"}},
            "SEO": {"metaParams": {"title": "TikTok LIVE"}},
        }
        title = "TikTok LIVE"
        if state is not None:
            logged_in = self.world.is_logged_in(request.cookies)
            sigi["LiveRoom"] = {
                "liveRoomUserInfo": api_live_data(self.world, state, logged_in=logged_in),
                "loadingState": {"getRecommendLive": 1, "getUserInfo": 1, "getGiftList": 1},
                "needLogin": False,
                "showLiveGate": False,
            }
            room_id = str(state.room.room_id) if state.room is not None else ""
            sigi["CurrentRoom"] = {"roomInfo": {"roomId": room_id, "anchorId": str(state.user_id)}}
            title = f"{state.creator.nickname or state.creator.username} (@{state.creator.username}) is LIVE"
        script = f'<script id="SIGI_STATE" type="application/json">{_embed(sigi)}</script>'
        return Response.html(_page(title, script))

    def _changed_live_page(self, state: CreatorState | None) -> Response:
        """2025-03-25: the live page lost ``SIGI_STATE``; what is left is app context without ``LiveRoom``."""
        data = {
            "__DEFAULT_SCOPE__": {
                "webapp.app-context": {"language": "en", "region": "US"},
                "webapp.live-detail": {"statusCode": 0, "uniqueId": state.username if state is not None else ""},
            }
        }
        script = f'<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{_embed(data)}</script>'
        return Response.html(_page("TikTok LIVE", script))

    def _profile_page(self, name: str) -> Response:
        state = self.world.creator(name)
        if state is None:
            detail: dict[str, Any] = {"statusCode": 10221, "statusMsg": "user not found", "userInfo": {}}
        else:
            detail = user_detail(self.world, state)
        data = {"__DEFAULT_SCOPE__": {"webapp.app-context": {"language": "en"}, "webapp.user-detail": detail}}
        script = f'<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{_embed(data)}</script>'
        return Response.html(_page("TikTok", script))

    def _live_detail(self, request: Request) -> Response:
        room = self.world.room(request.arg("roomID") or "0")
        if room is None:
            return Response.json({"LiveRoomInfo": None, "extra": self._extra(), "status_code": 0})
        state = self.world.owner(room)
        info = {
            "status": room.status,
            "liveRoomId": str(room.room_id),
            "title": room.title,
            "liveUrl": stream_urls(self.world, room)["origin"]["hls"] if room.live else "",
            "ownerInfo": {
                "id": str(state.user_id),
                "uniqueId": state.username,
                "nickname": state.creator.nickname or state.username,
            },
        }
        return Response.json({"LiveRoomInfo": info, "extra": self._extra(), "status_code": 0})
