"""JSON bodies in the shapes the real endpoints use: the camelCase user/liveRoom objects of www.tiktok.com and the
snake_case room objects of webcast.tiktok.com, with stream URLs pointing at the simulator's media host."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tiktok_webcast.simulator.rooms import Room
from tiktok_webcast.simulator.world import CreatorState, World

__all__ = ["QUALITIES", "Quality", "api_live_data", "room_info_data", "stream_urls", "user_detail"]


@dataclass(frozen=True, slots=True)
class Quality:
    key: str
    """``sdk_key`` in stream_data (origin, hd, sd, ld, ao)."""
    name: str
    level: int
    suffix: str
    """Appended to ``stream-<id>`` in media paths."""
    width: int
    height: int
    video_kbps: int
    flv_key: str = ""
    """The ``flv_pull_url`` key (FULL_HD1, HD1, SD1, SD2) or '' if it has none."""

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}" if self.width else ""


QUALITIES: tuple[Quality, ...] = (
    Quality("origin", "Original", 4, "", 640, 360, 400, "FULL_HD1"),
    Quality("hd", "HD", 3, "_hd", 480, 270, 300, "HD1"),
    Quality("sd", "SD", 2, "_sd", 426, 240, 200, "SD1"),
    Quality("ld", "LD", 1, "_ld", 256, 144, 120, "SD2"),
    Quality("ao", "Audio only", 0, "_ao", 0, 0, 0),
)
QUALITY_BY_SUFFIX = {q.suffix: q for q in QUALITIES}


def _avatar(world: World, user_id: int, size: str) -> str:
    return f"{world.urls.media}/img/avatar/{user_id}~{size}.webp"


def stream_urls(world: World, room: Room) -> dict[str, dict[str, str]]:
    """Per quality: flv and hls URLs on the media host."""
    expire = room.start_epoch + 7 * 86400
    out = {}
    for q in QUALITIES:
        base = f"{world.urls.media}/stage/stream-{room.stream_id}{q.suffix}"
        out[q.key] = {"flv": f"{base}.flv?expire={expire}", "hls": f"{base}/index.m3u8?expire={expire}"}
    return out


def _pull_data(world: World, room: Room) -> dict[str, Any]:
    urls = stream_urls(world, room)
    data = {
        q.key: {
            "main": {
                "flv": urls[q.key]["flv"],
                "hls": urls[q.key]["hls"],
                "cmaf": "",
                "dash": "",
                "lls": "",
                "tsl": "",
                "tile": "",
                "sdk_params": json.dumps(
                    {"VCodec": "h264", "vbitrate": q.video_kbps * 1000, "resolution": q.resolution, "gop": 2}
                ),
            }
        }
        for q in QUALITIES
    }
    stream_data = {"common": {"session_id": f"sim-{room.stream_id}", "stream": str(room.stream_id)}, "data": data}
    qualities = [
        {
            "name": q.name,
            "sdk_key": q.key,
            "level": q.level,
            "resolution": q.resolution,
            "v_codec": "h264",
            "disable": False,
            "fps": 15,
        }
        for q in QUALITIES
    ]
    return {
        "stream_data": json.dumps(stream_data, separators=(",", ":")),
        "options": {"default_quality": qualities[0], "qualities": qualities, "show_quality_button": True},
    }


def _web_user(world: World, state: CreatorState) -> dict[str, Any]:
    room = state.room
    creator = state.creator
    return {
        "id": str(state.user_id),
        "uniqueId": creator.username,
        "nickname": creator.nickname or creator.username,
        "avatarLarger": _avatar(world, state.user_id, "1080x1080"),
        "avatarMedium": _avatar(world, state.user_id, "720x720"),
        "avatarThumb": _avatar(world, state.user_id, "100x100"),
        "signature": creator.bio,
        "verified": creator.verified,
        "secUid": state.host.sec_uid,
        "secret": False,
        "privateAccount": False,
        "roomId": str(room.room_id) if room is not None else "",
        "status": 2 if state.live else 4,
        "followStatus": 0,
    }


def _web_stats(state: CreatorState) -> dict[str, Any]:
    gained = state.room.stats.followers_gained if state.room is not None else 0
    return {"followerCount": state.creator.followers + gained, "followingCount": state.creator.following}


def api_live_data(world: World, state: CreatorState, *, logged_in: bool) -> dict[str, Any]:
    """``data`` of ``/api-live/user/room/`` and ``LiveRoom.liveRoomUserInfo`` of the live page."""
    out: dict[str, Any] = {"user": _web_user(world, state), "stats": _web_stats(state)}
    room = state.room
    if room is not None:
        show_stream = room.live and (logged_in or not state.creator.adult)
        pull = {"pull_data": _pull_data(world, room)} if show_stream else {}
        out["liveRoom"] = {
            "coverUrl": f"{world.urls.media}/img/cover/{room.room_id}.jpg",
            "squareCoverImg": f"{world.urls.media}/img/cover/{room.room_id}~square.jpg",
            "title": room.title,
            "startTime": room.start_epoch,
            "status": room.status,
            "liveRoomStats": {"userCount": room.stats.viewers, "enterCount": room.stats.total_viewers},
            "streamData": pull,
            "hevcStreamData": {},
            "streamId": str(room.stream_id),
            "liveRoomMode": 0,
            "hashTagId": 5,
            "gameTagId": 0,
            "liveSubOnly": 0,
            "paidEvent": {"event_id": 0, "paid_type": 0},
            "multiStreamScene": 0,
            "multiStreamSource": 0,
            "ageRestricted": state.creator.adult,
        }
    return out


def user_detail(world: World, state: CreatorState) -> dict[str, Any]:
    """``webapp.user-detail`` of the profile page's rehydration data."""
    user = _web_user(world, state)
    user.pop("status")
    user.update({"isOrganization": False, "bioLink": {"link": ""}})
    stats = _web_stats(state)
    stats.update({"heartCount": 12_345, "heart": 12_345, "videoCount": 42, "friendCount": 7, "diggCount": 99})
    return {"statusCode": 0, "statusMsg": "", "userInfo": {"user": user, "stats": stats}}


def _owner(world: World, state: CreatorState) -> dict[str, Any]:
    creator = state.creator
    room_ids = state.room_ids[-1:]

    def image(size: str) -> dict[str, Any]:
        return {"url_list": [_avatar(world, state.user_id, size)], "uri": f"avatar/{state.user_id}"}

    return {
        "id": state.user_id,
        "id_str": str(state.user_id),
        "display_id": creator.username,
        "nickname": creator.nickname or creator.username,
        "bio_description": creator.bio,
        "sec_uid": state.host.sec_uid,
        "verified": creator.verified,
        "avatar_thumb": image("100x100"),
        "avatar_medium": image("720x720"),
        "avatar_large": image("1080x1080"),
        "follow_info": {
            "follower_count": _web_stats(state)["followerCount"],
            "following_count": creator.following,
            "follow_status": 0,
            "push_status": 0,
        },
        "pay_grade": {"level": 0},
        "own_room": {"room_ids": room_ids, "room_ids_str": [str(r) for r in room_ids]},
        "user_attr": {"is_admin": False, "is_muted": False, "is_super_admin": False},
        "badge_list": [],
    }


def room_info_data(world: World, room: Room) -> dict[str, Any]:
    """``data`` of ``/webcast/room/info/`` (the caller decides about 18+ rooms)."""
    state = world.owner(room)
    stats = room.stats
    data: dict[str, Any] = {
        "id": room.room_id,
        "id_str": str(room.room_id),
        "status": room.status,
        "title": room.title,
        "user_count": stats.viewers,
        "like_count": stats.likes,
        "create_time": room.start_epoch,
        "start_time": room.start_epoch,
        "finish_time": room.finish_epoch,
        "owner": _owner(world, state),
        "owner_user_id": state.user_id,
        "owner_user_id_str": str(state.user_id),
        "cover": {"url_list": [f"{world.urls.media}/img/cover/{room.room_id}.jpg"]},
        "stats": {
            "total_user": stats.total_viewers,
            "total_user_desp": f"{stats.total_viewers}",
            "like_count": stats.likes,
            "digg_count": stats.likes,
            "enter_count": stats.total_viewers,
            "follow_count": stats.followers_gained,
            "share_count": stats.shares,
            "gift_uv_count": stats.gifts,
            "fan_ticket": stats.diamonds,
        },
        "hashtag": {"id": 5, "title": "Chatting", "image": {"url_list": []}},
        "game_tag": [],
        "link_mic": {"multi_live_enum": 0, "rival_anchor_id": 0, "battle_scores": [], "battle_settings": {}},
        "room_auth": {"Chat": True, "Gift": True, "Digg": True, "Share": True, "Viewers": True},
        "age_restricted": {"restricted": room.creator.adult, "source": 0},
        "stream_url_filtered_info": {"is_gated_room": False, "is_paid_event": False},
    }
    if room.live:
        urls = stream_urls(world, room)
        flv = {q.flv_key: urls[q.key]["flv"] for q in QUALITIES if q.flv_key}
        data["stream_url"] = {
            "id": room.stream_id,
            "id_str": str(room.stream_id),
            "flv_pull_url": flv,
            "flv_pull_url_params": {k: "{}" for k in flv},
            "hls_pull_url": urls["origin"]["hls"],
            "hls_pull_url_map": {q.flv_key: urls[q.key]["hls"] for q in QUALITIES if q.flv_key},
            "rtmp_pull_url": urls["origin"]["flv"],
            "resolution_name": {"AUTO": "Auto", "FULL_HD1": "Original", "HD1": "HD", "SD1": "SD", "SD2": "LD"},
            "default_resolution": "FULL_HD1",
            "candidate_resolution": ["SD2", "SD1", "HD1", "FULL_HD1"],
            "stream_size_width": 640,
            "stream_size_height": 360,
            "extra": {"fps": 15, "width": 640, "height": 360, "default_bitrate": 400_000},
            "live_core_sdk_data": {"pull_data": _pull_data(world, room)},
        }
    return data
