"""The websocket URLs and headers of the two websocket paths (webcast.md §5.1-§5.2, signer-free.md §3.3-§3.4)."""

from __future__ import annotations

import random
from urllib.parse import urlencode

from tiktok_webcast._http import browser_identity
from tiktok_webcast._reconnect import Resume
from tiktok_webcast.protocol import FetchResponse

WS_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"


def ws_headers(user_agent: str, cookie: str) -> list[tuple[str, str]]:
    headers = [
        ("User-Agent", user_agent),
        ("Origin", "https://www.tiktok.com"),
        ("Referer", "https://www.tiktok.com/"),
        ("Accept-Language", "en-US,en;q=0.9"),
        ("Cache-Control", "no-cache"),
    ]
    if cookie:
        headers.append(("Cookie", cookie))
    return headers


def client_params(room_id: int, user_agent: str, heartbeat_interval: float) -> dict[str, str]:
    """The websocket query every client sends (webcast.md §5.1, signer-free.md §3.3): the browser description the
    HTTP calls carry too (``browser_identity``), and the websocket's own keys."""
    return {
        **browser_identity(user_agent),
        "version_code": "180800",
        "device_platform": "web",
        "sup_ws_ds_opt": "1",
        "update_version_code": "2.0.0",
        "compress": "gzip",
        "ws_direct": "1",
        "live_id": "12",
        "client_enter": "1",
        "room_id": str(room_id),
        "identity": "audience",
        "history_comment_count": "6",
        "last_rtt": f"{random.uniform(100, 200):.3f}",
        "heartbeat_duration": str(int(heartbeat_interval * 1000)),
        "resp_content_type": "protobuf",
        "did_rule": "3",
    }


def signer_free_url(ws_base: str, params: dict[str, str], resume: Resume) -> str:
    """The direct websocket URL. On a reconnect it carries the ``cursor`` and ``internal_ext`` held, as the
    signed path's URL does (webcast.md §5.1), so the server can send what was missed instead of a fresh replay.

    Uncertain: no public client sends them on the signer-free path (signer-free.md §3.3 and open question 10), so
    whether TikTok resumes from them there is not known; it accepts them on the signed path. The simulator
    resumes; ``live.stats.gaps`` reports, per reconnect, whether the server did.
    """
    if resume.cursor:
        params = {**params, "cursor": resume.cursor, "internal_ext": resume.internal_ext}
    return f"{ws_base}{WS_PATH}?{urlencode(params)}"


def signed_url(response: FetchResponse, params: dict[str, str]) -> str:
    """The websocket the signer's bootstrap offers, with its route params, cursor and internal_ext."""
    merged = {key: value for key, value in response.route_params.items() if value}
    merged.update(params)
    merged.update({"cursor": response.cursor, "internal_ext": response.internal_ext, "ws_direct": "0"})
    push_server = response.push_server
    return f"{push_server}{'&' if '?' in push_server else '?'}{urlencode(merged)}"
