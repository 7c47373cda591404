"""The client's pure parts: usernames, base URLs, redaction, models read from TikTok's JSON shapes."""

from __future__ import annotations

import json

import httpx
import pytest

from tiktok_webcast import BaseUrls, RoomInfo, TikTok, UserInfo
from tiktok_webcast._api import normalize_username
from tiktok_webcast._http import CookieJar, HttpSession
from tiktok_webcast._redact import redact
from tiktok_webcast._signer import _retry_after
from tiktok_webcast._ttwid import TtwidProvider
from tiktok_webcast._urls import user_page_url
from tiktok_webcast.exceptions import BlockedError, InvalidArgumentError
from tiktok_webcast.models import GiftList, PriceList


@pytest.mark.parametrize(
    "given",
    [
        "someone",
        "@someone",
        " @someone ",
        "https://www.tiktok.com/@someone/live",
        "tiktok.com/@someone",
        "@someone/live?x=1",
    ],
)
def test_usernames_normalise(given: str) -> None:
    assert normalize_username(given) == "someone"


def test_base_urls_from_one_url_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    one = BaseUrls.from_url("http://127.0.0.1:8080/")
    assert (one.web, one.webcast, one.ws, one.signer) == (
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080",
        "ws://127.0.0.1:8080",
        "http://127.0.0.1:8080",
    )
    assert BaseUrls.from_url("https://h:1").ws == "wss://h:1"
    mixed = BaseUrls.from_json('{"web": "http://a:1", "ws": "ws://b:2", "media": "http://m"}')
    assert (mixed.web, mixed.ws, mixed.webcast) == ("http://a:1", "ws://b:2", "https://webcast.tiktok.com")
    monkeypatch.setenv("TIKTOK_WEBCAST_URLS", "http://x:9")
    assert BaseUrls.from_env().signer == "http://x:9"
    monkeypatch.delenv("TIKTOK_WEBCAST_URLS")
    assert BaseUrls.from_env() == BaseUrls()
    with pytest.raises(InvalidArgumentError, match="must be a JSON object"):
        BaseUrls.from_json("[1]")


def test_secrets_are_redacted() -> None:
    text = redact("GET https://s/webcast/fetch?room_id=1&apiKey=KEY123&x=1 Cookie: sessionid=SID; ttwid=TT; a=b")
    assert "KEY123" not in text and "SID" not in text and "TT;" not in text
    assert "room_id=1" in text and "a=b" in text


def test_client_repr_hides_secrets() -> None:
    client = TikTok(
        signer_api_key="KEY-SECRET", session_id="SESSION-SECRET", ttwid="TTWID-SECRET", proxy="http://u:PW@p"
    )
    text = repr(client) + repr(client.signer) + repr(client.jar)
    for secret in ("KEY-SECRET", "SESSION-SECRET", "TTWID-SECRET", "PW"):
        assert secret not in text


def test_cookie_jar_merges_every_pair_of_the_signer_header() -> None:
    jar = CookieJar({"tt-target-idc": "useast1a"})
    jar.update_from_header("ttwid=abc; msToken=def;odd")
    assert jar.get("ttwid") == "abc" and jar.get("msToken") == "def"
    assert jar.header() == "tt-target-idc=useast1a; ttwid=abc; msToken=def"


def test_retry_after_reads_every_header_the_libraries_use() -> None:
    assert _retry_after({"retry-after": "12"}) == 12
    assert 0 < _retry_after({"ratelimit-reset": "30"}) <= 30
    assert _retry_after({}) == 60


ROOM_INFO = {
    "id_str": "7309128470994258694",
    "status": 2,
    "title": "hello",
    "user_count": 1622,
    "stats": {"total_user": 246399, "like_count": 5000},
    "start_time": 1700000000,
    "owner": {
        "id_str": "123",
        "display_id": "host",
        "nickname": "Host",
        "avatar_thumb": {"url_list": ["https://a/1.webp"]},
        "follow_info": {"follower_count": 10, "following_count": 2},
    },
    "stream_url": {
        "flv_pull_url": {"FULL_HD1": "https://p/full.flv", "SD1": "https://p/sd.flv"},
        "hls_pull_url": "https://p/index.m3u8",
        "live_core_sdk_data": {
            "pull_data": {
                "stream_data": json.dumps(
                    {
                        "data": {
                            "origin": {"main": {"flv": "https://p/o.flv", "hls": "https://p/o.m3u8"}},
                            "sd": {"main": {"flv": "https://p/s.flv"}},
                        }
                    }
                ),
                "options": {"qualities": [{"sdk_key": "origin", "level": 10}, {"sdk_key": "sd", "level": 2}]},
            }
        },
    },
}


def test_room_info_reads_the_documented_fields() -> None:
    room = RoomInfo.from_json(ROOM_INFO)
    assert room.room_id == 7309128470994258694 and room.is_live
    assert (room.viewers, room.total_viewers, room.likes) == (1622, 246399, 5000)
    assert room.owner is not None and (room.owner.username, room.owner.follower_count) == ("host", 10)
    assert set(room.stream_urls) == {"origin", "sd"}
    best = room.best_stream()
    assert best is not None and best.flv == "https://p/o.flv"
    assert room.best_stream("sd") == room.stream_urls["sd"]
    assert room.hls_url == "https://p/index.m3u8"


def test_room_info_falls_back_to_flv_pull_url() -> None:
    data = dict(ROOM_INFO, stream_url={"flv_pull_url": {"FULL_HD1": "https://p/full.flv", "SD1": "https://p/sd.flv"}})
    best = RoomInfo.from_json(data).best_stream()
    assert best is not None and best.quality == "FULL_HD1"


def test_user_info_from_api_live() -> None:
    data = {
        "user": {"id": "1", "uniqueId": "host", "nickname": "Host", "roomId": "77", "status": 2},
        "stats": {"followerCount": 5, "followingCount": 1},
        "liveRoom": {"status": 2, "title": "t", "liveRoomStats": {"userCount": 9}, "startTime": 5},
    }
    user = UserInfo.from_json(data)
    assert user.is_live and (user.room_id, user.follower_count, user.viewers) == (77, 5, 9)
    offline = UserInfo.from_json({"user": {"id": "1", "uniqueId": "host", "roomId": "", "status": 4}})
    assert not offline.is_live


def test_gift_and_price_lists() -> None:
    gifts = GiftList.from_json({"gifts": [{"id": 5655, "name": "Rose", "diamond_count": 1, "type": 1}, "junk"]})
    assert len(gifts) == 1 and gifts[5655].name == "Rose" and gifts.get(1) is None
    prices = PriceList.from_json(
        {
            "data": [
                {
                    "id": 1,
                    "diamond_count": 70,
                    "price": 99,
                    "exchange_price": 89,
                    "currency_price": [{"currency": "EUR"}],
                }
            ],
            "extra": {"default_currency": "EUR"},
        }
    )
    assert prices.items[0].coins == 70 and prices.items[0].currency == "EUR"


# -- URLs built with encoding; bad base URLs are typed errors --------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("alice", "https://www.tiktok.com/@alice"),
        ("../../api/evil?x=1#f", "https://www.tiktok.com/@..%2F..%2Fapi%2Fevil%3Fx%3D1%23f"),
        ("a b/é", "https://www.tiktok.com/@a%20b%2F%C3%A9"),
    ],
)
def test_user_pages_keep_the_username_one_path_segment(username: str, url: str) -> None:
    assert user_page_url("https://www.tiktok.com/", username) == url


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_the_ttwid_source_cannot_be_steered_by_the_username() -> None:
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.path.startswith("/@"):
            return httpx.Response(200, headers={"Set-Cookie": "ttwid=from-page; Path=/"})
        return httpx.Response(200)  # the register endpoint gives no cookie this time

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        http = HttpSession(client, user_agent="test", jar=CookieJar(), log_requests=False)
        provider = TtwidProvider(http, BaseUrls(web="https://web.example"))
        token = await provider.get("../../webcast/fetch?apiKey=x")
    assert token.value == "from-page"
    page = seen[1]
    assert page.host == "web.example"
    assert page.raw_path == b"/@..%2F..%2Fwebcast%2Ffetch%3FapiKey%3Dx"
    assert page.query == b""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "{not json",
            "TIKTOK_WEBCAST_URLS / base URLs JSON is not valid JSON: Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1)",
        ),
        (
            "{}" + " " * 3 + "[",
            "TIKTOK_WEBCAST_URLS / base URLs JSON is not valid JSON: Extra data: line 1 column 6 (char 5)",
        ),
        ('["x"]', "TIKTOK_WEBCAST_URLS / base URL: 'web' must be a http or https URL with a host, not '[\"x\"]'"),
        ('{"web": 5}', "TIKTOK_WEBCAST_URLS / base URLs JSON: 'web' must be a URL string, not int"),
        (
            '{"ws": "http://x:1"}',
            "TIKTOK_WEBCAST_URLS / base URLs JSON: 'ws' must be a ws or wss URL with a host, not 'http://x:1'",
        ),
        (
            '{"signer": "https://u:pw@x:99999"}',
            "TIKTOK_WEBCAST_URLS / base URLs JSON: 'signer' is not a valid URL (https://u:<redacted>@x:99999): "
            "Port out of range 0-65535",
        ),
        (
            "localhost:8080",
            "TIKTOK_WEBCAST_URLS / base URL: 'web' must be a http or https URL with a host, not 'localhost:8080'",
        ),
        (
            "[" * 100_000,
            "TIKTOK_WEBCAST_URLS / base URL: 'web' must be a http or https URL with a host, not '" + "[" * 200 + "'",
        ),
    ],
)
def test_a_bad_tiktok_webcast_urls_is_an_invalid_argument(
    value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_WEBCAST_URLS", value)
    with pytest.raises(InvalidArgumentError) as caught:
        TikTok()
    assert str(caught.value) == message


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
@pytest.mark.parametrize(("retry_after", "message"), [("inf", "3600"), ("1e9", "3600"), ("nan", "60"), ("-4", "0")])
async def test_a_ttwid_sources_retry_after_is_clamped(retry_after: str, message: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": retry_after})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        http = HttpSession(client, user_agent="test", jar=CookieJar(), log_requests=False)
        with pytest.raises(BlockedError) as caught:
            await TtwidProvider(http, BaseUrls(web="https://web.example")).get()
    assert str(caught.value) == f"ttwid source register rate-limited us; retry in {message} s"
