"""The EulerStream-compatible signer: the bootstrap fetch, key checks, rate limits, sign_url, scripted failures.
Runs on trio and asyncio."""

from __future__ import annotations

import time
from urllib.parse import unquote

import httpx
import pytest
from sim_helpers import KEY, scenario

from tiktok_webcast import protocol
from tiktok_webcast.events import ChatEvent, IntroEvent
from tiktok_webcast.simulator import ApiKey, SignerConfig, SignerFault, Simulator

pytestmark = pytest.mark.anyio


async def test_fetch_returns_raw_protobuf_and_cookies() -> None:
    async with Simulator(scenario()) as sim, httpx.AsyncClient() as client:
        room_id = sim.room_id("alice")
        response = await client.get(
            sim.urls.signer + "/webcast/fetch",
            params={"client": "ttlive-python", "room_id": room_id, "user_agent": "Mozilla/5.0"},
            headers={"x-api-key": KEY},
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-protobuf"
        assert response.headers["x-room-id"] == str(room_id)
        assert response.headers["x-request-id"] and response.headers["x-log-id"]
        cookies = dict(part.split("=", 1) for part in response.headers["x-set-tt-cookie"].split("; "))
        assert unquote(cookies["ttwid"]).startswith("1|") and cookies["msToken"]
        result = protocol.decode_fetch_response(response.content)
        assert result.is_first and result.cursor and result.internal_ext and not result.need_ack
        assert result.fetch_interval == 1000 and result.fetch_type == 1 and result.now > 0
        assert result.push_server == sim.urls.ws + "/webcast/im/ws_proxy/ws_reuse_supplement/"
        assert set(result.route_params) == {"wrss", "imprp"}
        assert sum(isinstance(e, ChatEvent) for e in result.events) == 6
        assert any(isinstance(e, IntroEvent) for e in result.events)
        by_name = await client.get(sim.urls.signer + "/webcast/fetch", params={"unique_id": "alice", "apiKey": KEY})
        assert by_name.headers["x-room-id"] == str(room_id)


async def test_fetch_errors() -> None:
    async with Simulator(scenario()) as sim, httpx.AsyncClient(headers={"x-api-key": KEY}) as client:
        missing = await client.get(sim.urls.signer + "/webcast/fetch")
        assert missing.status_code == 400 and missing.json()["code"] == 400
        unknown = await client.get(sim.urls.signer + "/webcast/fetch", params={"room_id": 5})
        assert unknown.status_code == 404 and "message" in unknown.json()
        route = await client.get(sim.urls.signer + "/webcast/nope")
        assert route.status_code == 404


async def test_api_key_checks() -> None:
    signer = SignerConfig(keys=(ApiKey(KEY),), anonymous=False)
    async with Simulator(scenario(signer=signer)) as sim, httpx.AsyncClient() as client:
        params = {"room_id": sim.room_id("alice")}
        wrong = await client.get(sim.urls.signer + "/webcast/fetch", params=params, headers={"x-api-key": "nope"})
        assert wrong.status_code == 401
        assert wrong.json() == {"code": 401, "message": "The provided API key is invalid or has been revoked."}
        assert "nope" not in wrong.text
        anonymous = await client.get(sim.urls.signer + "/webcast/fetch", params=params)
        assert anonymous.status_code == 401 and "required" in anonymous.json()["message"]
        header = await client.get(sim.urls.signer + "/webcast/fetch", params=params, headers={"x-api-key": KEY})
        query = await client.get(sim.urls.signer + "/webcast/fetch", params={**params, "apiKey": KEY})
        assert header.status_code == query.status_code == 200


async def test_rate_limit_answers_429_with_both_header_families() -> None:
    signer = SignerConfig(keys=(ApiKey(KEY, per_minute=3),))
    async with Simulator(scenario(signer=signer)) as sim, httpx.AsyncClient(headers={"x-api-key": KEY}) as client:
        params = {"room_id": sim.room_id("alice")}
        for remaining in (2, 1, 0):
            ok = await client.get(sim.urls.signer + "/webcast/fetch", params=params)
            assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining"] == str(remaining)
        limited = await client.get(sim.urls.signer + "/webcast/fetch", params=params)
        assert limited.status_code == 429
        body = limited.json()
        assert body["limit_label"] == "minute" and body["message"] and body["code"] == 429
        retry = int(limited.headers["retry-after"])
        assert 50 <= retry <= 60
        reset = int(limited.headers["x-ratelimit-reset"])
        assert abs(reset - (time.time() + retry)) < 3
        assert limited.headers["ratelimit-remaining"] == str(retry)
        assert limited.headers["ratelimit-reset"] == str(reset)
        limits = (await client.get(sim.urls.signer + "/webcast/rate_limits")).json()
        assert limits["code"] == 200
        assert limits["minute"]["max"] == 3 and limits["minute"]["remaining"] == 0
        assert limits["minute"]["reset_at"].endswith("Z")
        assert limits["day"]["max"] == 10_000 and limits["hour"]["remaining"] == 997
        assert limits["load_shedding"] == {"at": 0, "chance": 0}


async def test_anonymous_limits_are_per_client_and_reported() -> None:
    signer = SignerConfig(anonymous=True, anonymous_per_minute=1)
    async with Simulator(scenario(signer=signer)) as sim, httpx.AsyncClient() as client:
        fresh = (await client.get(sim.urls.signer + "/webcast/rate_limits")).json()
        assert fresh["minute"] == {"max": 1, "remaining": 1, "reset_at": None}
        params = {"room_id": sim.room_id("alice")}
        assert (await client.get(sim.urls.signer + "/webcast/fetch", params=params)).status_code == 200
        assert (await client.get(sim.urls.signer + "/webcast/fetch", params=params)).status_code == 429


async def test_sign_url() -> None:
    keys = (ApiKey(KEY, pro=True), ApiKey("basic-key"))
    async with Simulator(scenario(signer=SignerConfig(keys=keys))) as sim, httpx.AsyncClient() as client:
        url = "https://webcast.tiktok.com/webcast/gift/list/?aid=1988&room_id=1"
        body = {"url": url, "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Test", "method": "GET", "type": "xhr"}
        signed = await client.post(
            sim.urls.signer + "/webcast/sign_url",
            params={"client": "ttlive-python"},
            json=body,
            headers={"x-api-key": KEY},
        )
        answer = signed.json()["response"]
        assert answer["signedUrl"].startswith(url + "&msToken=") and "X-Bogus=" in answer["signedUrl"]
        assert answer["userAgent"] == body["userAgent"] and answer["browserName"] == "Mozilla"
        assert answer["browserVersion"] == "5.0 (X11; Linux x86_64) Test"
        assert set(answer["tokens"]) == {"msToken", "X-Bogus", "_signature"}
        basic = await client.post(sim.urls.signer + "/webcast/sign_url", json=body, headers={"x-api-key": "basic-key"})
        assert basic.status_code == 200 and basic.json()["code"] == 403
        bad = await client.post(sim.urls.signer + "/webcast/sign_url", json={"nope": 1}, headers={"x-api-key": KEY})
        assert bad.status_code == 400


@pytest.mark.parametrize("status", [401, 429, 500, 502, 503, 200])
async def test_scripted_signer_failures(status: int) -> None:
    async with Simulator(scenario(faults=(SignerFault(status=status, retry_after=7),))) as sim:
        async with httpx.AsyncClient(headers={"x-api-key": KEY}) as client:
            params = {"room_id": sim.room_id("alice")}
            failed = await client.get(sim.urls.signer + "/webcast/fetch", params=params)
            assert failed.status_code == status
            if status == 200:
                assert failed.content == b""
            else:
                assert failed.json()["code"] == status
            if status == 429:
                assert failed.headers["retry-after"] == "7" and failed.json()["limit_label"]
            again = await client.get(sim.urls.signer + "/webcast/fetch", params=params)
            assert again.status_code == 200 and again.content
